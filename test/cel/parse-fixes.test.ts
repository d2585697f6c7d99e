import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { isTypedCelError } from '../../src/cel/cel-errors.ts'
import { type CompiledExpression, compileExpression } from '../../src/cel/condition.ts'
import { strategyEnvironments } from './worst-case.ts'

/**
 * Where Xiezhi's layer gives the CEL specification's answer over cel-js's
 * (`parse-fixes.ts`, `spec-fixes.ts`), on the path a strategy condition takes.
 * These rely on cel-js internals; a cel-js upgrade that changes them fails here.
 */
const { checking, runtime } = strategyEnvironments()

function compile(source: string): CompiledExpression {
  const compiled = compileExpression(source, checking, runtime)
  if ('ok' in compiled) assert.fail(`${source}: refused (${compiled.code}): ${compiled.message}`)
  return compiled
}

/** Without the save-time check: the tree is checked only when evaluated, by the runtime environment. */
function compileUnchecked(source: string): CompiledExpression {
  const compiled = compileExpression(source, runtime, runtime, { typeCheck: false })
  if ('ok' in compiled) assert.fail(`${source}: refused (${compiled.code}): ${compiled.message}`)
  return compiled
}

const context = { event: { id: 'e1', type: 't', occurredAt: '2026-01-01T00:00:00Z', data: { numbers: [1n, 2n], text: 'x', map: { k: 'v' } } }, features: { count: 3n }, scores: { fraud: 0.5 } }
const value = (source: string) => compile(source).evaluate(context)

function evaluationError(run: () => unknown): Error {
  try {
    run()
  } catch (error) {
    assert.ok(isTypedCelError(error), `untyped: ${error}`)
    return error as Error
  }
  return assert.fail('expected an evaluation error')
}

describe('has()', () => {
  test('takes any operand, not only a path from a variable', () => {
    assert.equal(value("has({'a': 1}.a)"), true)
    assert.equal(value("has({'a': 1}.b)"), false)
    assert.equal(value("has({'x': {'y': 'z'}}.?x.y)"), true)
    assert.equal(value('has({}.?x.y)'), false)
    assert.equal(value("has(optional.of({'c': 1}).c)"), true)
  })

  test('on a variable path keeps its meaning', () => {
    assert.equal(value('has(event.data.text)'), true)
    assert.equal(value('has(event.data.missing)'), false)
  })
})

test('bytes literals are UTF-8: ÿ is two bytes', () => {
  assert.deepEqual(value("b'ÿ'"), Uint8Array.of(0xc3, 0xbf))
  assert.equal(value("b'ÿ' == b'\\303\\277'"), true)
  assert.deepEqual(value("b'\\xffa'"), Uint8Array.of(0xff, 0x61))
})

describe('unbound element types', () => {
  test('are dyn where [], {} or optional.none() is selected from, indexed or iterated', () => {
    assert.equal(value('{}.?key.invalid.hasValue()'), false)
    assert.equal(value('optional.none()[?0].hasValue()'), false)
    assert.equal(value('[].all(e, e > 0)'), true)
    assert.equal(compile('([].map(x, x))[0].foo').type, 'dyn')
  })

  test('are reported as dyn in the checked type', () => {
    assert.equal(compile('[[], [[]]]').type, 'list<list<list<dyn>>>')
    assert.equal(compile('[]').type, 'list')
    assert.equal(compile('[optional.none(), optional.of(1)]').type, 'list<optional<int>>')
  })
})

describe('map literals', () => {
  test('keep int and bool keys', () => {
    assert.equal(value("{6: 'six', 7: 'seven'}.exists_one(k, k % 5 == 2)"), true)
    assert.equal(value("{1: 'a'}[1]"), 'a')
    assert.equal(value('{true: 1}[true]'), 1n)
    assert.equal(value("{1: 'a'} == {1: 'a'}"), true)
    assert.equal(value("1 in {1: 'a'}"), true)
  })

  test('with string keys are plain objects, as event data are', () => {
    assert.equal(Object.getPrototypeOf(value("{'a': 1}")), Object.prototype)
  })

  test('refuse a double or null key and a repeated key when evaluated', () => {
    for (const source of ['{1.0: 5}[1.0] == 5', '{null: false}[null]', '{true: 1, false: 2, true: 3}[true] == 3', '{0: 1, 0u: 2}[0] == 1']) {
      assert.match(evaluationError(() => compileUnchecked(source).evaluate(context)).message, /map key|key .* twice/, source)
    }
  })
})

describe('time', () => {
  test('a difference of timestamps beyond ±292 years fails; one of durations does not', () => {
    evaluationError(() => value("timestamp('9999-12-31T23:59:59Z') - timestamp('0001-01-01T00:00:00Z') > duration('0s')"))
    assert.equal(value("timestamp('2200-01-01T00:00:00Z') - timestamp('2000-01-01T00:00:00Z') == duration('6311433600s')"), true)
    assert.equal(value("duration('10000000000s') - duration('-10000000000s') > duration('0s')"), true)
  })

  test('duration + timestamp is a timestamp', () => {
    assert.equal(compile("duration('120s') + timestamp('2009-02-13T23:01:00Z')").type, 'google.protobuf.Timestamp')
    assert.equal(value("duration('120s') + timestamp('2009-02-13T23:01:00Z') == timestamp('2009-02-13T23:03:00Z')"), true)
  })
})

test('a field of an optional holding a value without fields is an error; a missing map key is none', () => {
  evaluationError(() => value("{'k': dyn(null)}.?k.invalid.hasValue()"))
  evaluationError(() => value('{true: dyn(0)}[?true].absent.hasValue()'))
  assert.equal(value("optional.of({'c': {}}).c.missing.hasValue()"), false)
  assert.equal(value("optional.of({'c': {'d': 1}}).c.d.value()"), 1n)
})

describe('&& and ||', () => {
  test('an undeclared name is refused when a strategy is saved, even behind || true', () => {
    const refused = compileExpression('x || true', checking, runtime)
    assert.ok('ok' in refused && refused.code === 'cel_type_error')
  })

  test('checked only at evaluation, an operand that fails the check is an error the other operand absorbs', () => {
    assert.equal(compileUnchecked('x || true').evaluate(context), true)
    assert.equal(compileUnchecked('f_unknown(17) || true').evaluate(context), true)
    assert.equal(compileUnchecked('false && a.while()').evaluate(context), false)
    assert.equal(compileUnchecked("'horses' && false").evaluate(context), false)
    evaluationError(() => compileUnchecked('x || false').evaluate(context))
    evaluationError(() => compileUnchecked("'horses' || false").evaluate(context))
  })
})

describe('equality', () => {
  test('compares numbers by value across int, uint and double, inside lists and maps too', () => {
    assert.equal(value('[1.0, 2.0, 3] == [1u, 2, 3u]'), true)
    assert.equal(value('{1: 1.0, 2u: 3u} == {1u: 1, 2: 3.0}'), true)
    assert.equal(value('dyn(3u) in [5, 4, 3]'), true)
    assert.equal(value('dyn(3.0) in [5u, 4u, 3u]'), true)
    assert.equal(value('dyn(2.5) in [2, 3]'), false)
    assert.equal(value("[1, 'a'] == [1, 'a']"), true)
    assert.equal(value("[1, 'a'] != [1, 'b']"), true)
  })

  test('keeps its meaning for event data', () => {
    assert.equal(value("event.data.text == 'x'"), true)
    assert.equal(value('event.data.numbers == [1, 2]'), true)
    assert.equal(value('2 in event.data.numbers'), true)
    assert.equal(value("'k' in event.data.map"), true)
    assert.equal(value("'absent' in event.data.map"), false)
    assert.equal(value("event.data.map == {'k': 'v'}"), true)
    assert.equal(value("event.data.map != {'k': 'w'}"), true)
  })

  test('between different types is refused when saved, and false when checked only at evaluation', () => {
    assert.ok('ok' in compileExpression('1.0 == 1', checking, runtime))
    assert.equal(compileUnchecked('1.0 == 1').evaluate(context), true)
    assert.equal(compileUnchecked("['one'] == [2, 3]").evaluate(context), false)
    assert.equal(compileUnchecked('2u != 2').evaluate(context), false)
  })
})
