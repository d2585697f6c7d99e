import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { type CompiledExpression, compileExpression, interpreterOf } from '../../src/cel/condition.ts'
import { rewriteSource } from '../../src/cel/source-rewrite.ts'
import { strategyEnvironments } from './worst-case.ts'

/**
 * CEL syntax cel-js's parser lacks, read through `source-rewrite.ts` and
 * `syntax-extensions.ts` on the path a strategy condition takes: raw bytes,
 * leading-dot doubles, backtick-quoted fields, optional list and map entries.
 * The rewrite must touch code only, never a string literal or a comment, and
 * must leave every form CEL refuses refused.
 */
const { checking, runtime } = strategyEnvironments()

function compile(source: string): CompiledExpression {
  const compiled = compileExpression(source, checking, runtime)
  if ('ok' in compiled) assert.fail(`${source}: refused (${compiled.code}): ${compiled.message}`)
  return compiled
}

const context = { event: { id: 'e1', type: 't', occurredAt: '2026-01-01T00:00:00Z', data: { text: 'x', map: { 'content-type': 'json', 'a.b': 1n } } }, features: { count: 3n }, scores: { fraud: 0.5 } }
const value = (source: string) => compile(source).evaluate(context)

function refused(source: string): string {
  const compiled = compileExpression(source, checking, runtime)
  assert.ok('ok' in compiled, `${source}: expected a refusal, got type ${'type' in compiled ? compiled.type : ''}`)
  return compiled.message
}

describe('raw bytes literals', () => {
  test('are the bytes of the text as written, in every quote form and case', () => {
    assert.deepEqual(value("br'\\n'"), Uint8Array.of(0x5c, 0x6e))
    assert.deepEqual(value('bR"\\x00"'), Uint8Array.of(0x5c, 0x78, 0x30, 0x30))
    assert.deepEqual(value("Br'''a'b'''"), Uint8Array.of(0x61, 0x27, 0x62))
    assert.deepEqual(value('BR"""\\d"""'), Uint8Array.of(0x5c, 0x64))
    assert.deepEqual(value("br'ÿ'"), Uint8Array.of(0xc3, 0xbf))
    assert.equal(compile("br'x'").type, 'bytes')
  })

  test('rb is not a prefix, and other strings keep their meaning', () => {
    refused("rb'x'")
    assert.equal(value("r'\\n'"), '\\n')
    assert.deepEqual(value("b'\\n'"), Uint8Array.of(0x0a))
    assert.equal(value("'br\\'x\\''"), "br'x'")
  })
})

describe('doubles without a leading digit', () => {
  test('are doubles', () => {
    assert.equal(value('.5'), 0.5)
    assert.equal(value('.99 > 9.9e-1'), false)
    assert.equal(value('-.25'), -0.25)
    assert.equal(value('.5e3'), 500)
    assert.equal(value('.5E-1 + .05'), 0.1)
    assert.equal(value('[.1, .2][1]'), 0.2)
    assert.equal(value('.1 in[.1] ? .5:.25'), 0.5)
    assert.equal(value('.2 in [.1]?.5:.25'), 0.25)
    assert.equal(value('.9e308'), 0.9e308)
    assert.equal(compile('.5').type, 'double')
  })

  test('after an operand or before more number text stay syntax errors, as in CEL', () => {
    for (const source of ['features.count.5', '1 .5', '.5u', '.5.6', '.5x', 'features .5']) refused(source)
  })
})

describe('backtick-quoted fields', () => {
  test('select and test a map key that is not an identifier', () => {
    assert.equal(value('event.data.map.`content-type`'), 'json')
    assert.equal(value('event.data.map.`a.b`'), 1n)
    assert.equal(value('has(event.data.map.`content-type`)'), true)
    assert.equal(value('has(event.data.map.`content-length`)'), false)
    assert.equal(value('event.data.map.?`content-length`.orValue(0)'), 0n)
    assert.equal(value("{'/api/v1': true}.`/api/v1`"), true)
    assert.equal(value("{'a b': 1}. `a b`"), 1n)
  })

  test('anywhere else, as a call or with characters CEL does not allow, stay syntax errors', () => {
    for (const source of ['`a`', 'event.`data`()', 'event.data.`a$b`', 'event.data.`a`b', 'event.data.``', '{`a`: 1}']) refused(source)
  })

  test('a missing field is reported by its name as written', () => {
    const compiled = compileExpression('event.data.`no-such`', runtime, runtime, { typeCheck: false })
    assert.ok(!('ok' in compiled))
    assert.throws(() => compiled.evaluate(context), /no-such/)
  })
})

describe('optional list and map entries', () => {
  test('are left out when empty', () => {
    assert.deepEqual(value('[?optional.of(1), ?optional.none(), 3]'), [1n, 3n])
    assert.deepEqual(value("{?'a': optional.of(1), ?'b': optional.none(), 'c': 2}"), { a: 1n, c: 2n })
    assert.equal(value("has({?'foo': optional.none()}.foo)"), false)
    assert.deepEqual(value('[?event.data.map.?missing, ?event.data.map.?`content-type`]'), ['json'])
  })

  test('apply to the whole entry, whatever its operators', () => {
    assert.deepEqual(value('[?features.count > 2 ? optional.of(1) : optional.none()]'), [1n])
    assert.deepEqual(value('[?false || true ? optional.none() : optional.of(2)]'), [])
    assert.deepEqual(value("{?'k' + 'ey': optional.of(!false)}"), { key: true })
    assert.deepEqual(value('[?!false ? optional.of(1) : optional.none()]'), [1n])
  })

  test('nest, and are typed by the optional value', () => {
    assert.deepEqual(value('[?optional.of([?optional.of(1)]), [?optional.none()]]'), [[1n], []])
    assert.deepEqual(value("{?'a': optional.of({?'b': optional.of(1)})}"), { a: { b: 1n } })
    assert.equal(compile('[?optional.of(1), 2]').type, 'list<int>')
    assert.equal(compile("{?'a': optional.of('x')}").type, 'map<string, string>')
  })

  test('must be optionals', () => {
    assert.match(refused('[?1]'), /optional/)
    assert.match(refused("{?'a': 1}"), /optional/)
  })

  test('are not confused with the conditional, optional selection or optional indexing', () => {
    assert.equal(value('[true ? 1 : 2][0]'), 1n)
    assert.equal(value('[1, 2][?1].value()'), 2n)
    assert.equal(value("{'a': 1}[?'a'].value()"), 1n)
    assert.equal(value('[[1]][0][?0].value()'), 1n)
    assert.equal(value("{'a': {'b': 1}}.?a.?b.value()"), 1n)
    refused('[?=1]')
  })

  test('are evaluated by the interpreter (closures leave them alone) with the same answer', () => {
    const compiled = compile('[?optional.of(features.count), 1]')
    assert.equal(interpreterOf(compiled)?.compiledToClosures, false)
    assert.deepEqual(compiled.evaluate(context), [3n, 1n])
  })
})

describe('the rewrite', () => {
  test('never touches string literals or comments', () => {
    const cases = [
      "'.5 [?x] {?k: v} br\\'x\\' `a`'",
      '".5" + "[?x]"',
      "'''it's .5 and [?x]'''",
      '"""br"x" `f`"""',
      "r'\\' + .5'",
      "'\\\\' + '.5'",
      "b'.5'",
      "r'''.5 \\''''",
    ]
    for (const source of cases) assert.equal(rewriteSource(source).text, source, source)
    const withComment = 'features.count > 1 // .5 [?x] `a` br\'x\'\n&& true'
    assert.equal(rewriteSource(withComment).text, withComment)
    assert.equal(value(withComment), true)
    assert.equal(value("'.5' + \"[?x]\" + '''`a`'''"), '.5[?x]`a`')
  })

  test('keeps the length and changes only the rewritten characters', () => {
    const { text, marks } = rewriteSource("[?x, .5, br'a', m.`a-b`] // [?y]")
    assert.equal(text, "[!x,  0,  r'a', m._____] // [?y]")
    assert.deepEqual(
      marks.map((m) => [m.kind, m.pos]),
      [['optionalEntry', 1], ['double', 6], ['bytes', 10], ['field', 18]],
    )
  })

  test('leaves a raw string that cel-js would end elsewhere, and all the rest, as written', () => {
    // CEL: r'\' is the string \; cel-js reads on, so nothing is rewritten and cel-js answers as it always did
    const source = "r'\\' + [?x] + r'\\'"
    assert.equal(rewriteSource(source).text, source)
  })

  test('errors quote the source as written', () => {
    const compiled = compileExpression('[?optional.of(1)][0] + {?"a": optional.of(1)}.`b-c`', runtime, runtime, { typeCheck: false })
    assert.ok(!('ok' in compiled))
    try {
      compiled.evaluate(context)
      assert.fail('expected an error')
    } catch (error) {
      assert.match((error as Error).message, /\| \[\?optional\.of\(1\)\]\[0\] \+ \{\?"a": optional\.of\(1\)\}\.`b-c`/)
    }
  })

  test('inside generated strings and comments, on random sources, the protected text is kept', () => {
    const protectedPiece = fc.constantFrom("'.5'", '"[?x]"', "'''{?k: v}'''", "'`a`'", "\"br'x'\"", "b'.5'", "r'.5'", '"\\".5"', '// .5 [?x] `a`\n')
    const codePiece = fc.constantFrom('.5', '[?', ']', '{?', ':', '}', ',', ' ', 'x', '.`a-b`', "br'z'", '(', ')', '?', '.', '+', '1')
    fc.assert(
      fc.property(fc.array(fc.oneof(protectedPiece.map((p) => ({ p, keep: true })), codePiece.map((p) => ({ p, keep: false }))), { maxLength: 12 }), (pieces) => {
        const source = pieces.map((x) => x.p).join('')
        const { text } = rewriteSource(source)
        assert.equal(text.length, source.length)
        // every piece is a whole token, so each protected piece is a literal or a comment wherever it lands
        let at = 0
        for (const { p, keep } of pieces) {
          if (keep) assert.equal(text.slice(at, at + p.length), p, `${source} → ${text}`)
          at += p.length
        }
      }),
      { numRuns: 2_000 },
    )
  })
})

describe('ordering an int against a double', () => {
  test('compares as doubles, as the spec (cel-go) does, in the interpreter and in closures alike', () => {
    const cases: [string, boolean][] = [
      ['features.count < 9223372036854775808.0', false],
      ['features.count >= 9223372036854775808.0', true],
      ['features.count > 9007199254740992.0', false],
      ['features.count == features.count', true],
    ]
    const big = { ...context, features: { count: 9223372036854775807n } }
    for (const [source, expected] of cases) {
      const compiled = compileExpression(source, runtime, runtime, { typeCheck: false })
      assert.ok(!('ok' in compiled))
      const bigOrSafe = source.includes('9007199254740992') ? { ...context, features: { count: 9007199254740993n } } : big
      assert.equal(compiled.evaluate(bigOrSafe), expected, source)
      assert.equal(interpreterOf(compiled)!.interpret(bigOrSafe), expected, `${source} (interpreter)`)
    }
    assert.equal(value('dyn(9223372036854775807) < 9223372036854775808.0'), false)
    assert.equal(value('dyn(18446744073709551615u) <= 18446744073709551616.0'), true)
    assert.equal(value('2 < 2.5 && dyn(3) > 2.5'), true)
  })
})

test('a uint index into a list is a position', () => {
  assert.equal(value('[7, 8, 9][dyn(0u)]'), 7n)
  assert.equal(value('[7, 8, 9][?dyn(2u)].value()'), 9n)
  assert.equal(value('[7, 8, 9][?dyn(3u)].hasValue()'), false)
})

test('null in a list of optionals takes the optional type', () => {
  assert.equal(compile('[optional.of(1), null]').type, 'list<optional<int>>')
  assert.equal(compile("[optional.of(1), null, optional.of('a')]").type, 'list')
  assert.equal(compile('[1, null]').type, 'list')
  // an optional entry contributes its value's type, so null does not stand for an optional there
  assert.equal(compile('[?optional.of(optional.of(1)), null]').type, 'list')
})
