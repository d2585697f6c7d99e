import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createCelEnvironment } from '../../src/cel/cel-environment.ts'
import { CelRuntimeError, isTypedCelError } from '../../src/cel/cel-errors.ts'
import { celLimits, defaultCelLimits } from '../../src/cel/cel-limits.ts'
import { type CompiledExpression, compileExpression, interpreterOf } from '../../src/cel/condition.ts'
import { Meter } from '../../src/cel/evaluation-meter.ts'
import { celValueConverter } from '../../src/cel/json-schema-to-cel.ts'
import { hostileData, strategyEnvironments, worstCases } from './worst-case.ts'

/**
 * The bounds of docs/reference/cel-safety.md, one by one: what an author is
 * refused at save time (with which code), and that no data can make an
 * evaluation run long or allocate much.
 */
const { checking, runtime } = strategyEnvironments()

function compile(source: string, limits = defaultCelLimits): CompiledExpression {
  const compiled = compileExpression(source, checking, runtime, { limits })
  if ('ok' in compiled) assert.fail(`${source}: refused (${compiled.code}): ${compiled.message}`)
  return compiled
}

function refusal(source: string): { code: string; message: string } {
  const compiled = compileExpression(source, checking, runtime)
  assert.ok('ok' in compiled, `${source.slice(0, 80)} should be refused`)
  return compiled
}

const failure = (run: () => unknown): { code?: string; name: string } => {
  try {
    run()
  } catch (error) {
    assert.ok(isTypedCelError(error), `untyped: ${error}`)
    return error as { code?: string; name: string }
  }
  return assert.fail('expected an error')
}

const event = (data: Record<string, unknown>) => ({ event: { id: 'e1', type: 't', occurredAt: '2026-01-01T00:00:00Z', data }, features: { count: 3n }, scores: { fraud: 0.5 } })

describe('compile-time bounds (where an author saves a strategy)', () => {
  test('each bound refuses with its code and says the limit', () => {
    const limits = defaultCelLimits.compile
    const cases: [string, string, RegExp][] = [
      [`features.count > ${'1 + '.repeat(1_100)}1`, 'cel_too_long', /at most 4096/],
      [`features.count in [${Array.from({ length: 600 }, (_, i) => i).join(',')}]`, 'cel_literal_too_large', /at most 512/],
      // a chain of one operator is one level (`1 + (1 + 1)` too); alternating operators nest
      [`features.count > ${'(2 * (1 + '.repeat(20)}1${'))'.repeat(20)}`, 'cel_too_deep', /more than 32 levels/],
      [`event.data.text == "${'x'.repeat(1_100)}"`, 'cel_literal_too_large', /at most 1024/],
      ['features.count < 9223372036854775808', 'cel_literal_out_of_range', /outside the int range/],
      ['event.data.numbers.exists(a, event.data.numbers.exists(b, event.data.numbers.exists(c, a + b + c == 0)))', 'cel_nested_comprehension', /more than 2 deep/],
      ["event.data.text.matches('(a)\\\\1')", 'cel_invalid_regex', /backreference/],
      ["event.data.text.matches('(?=a)b')", 'cel_invalid_regex', /lookaround/],
      ['features.count > ', 'cel_type_error', /./],
      ['features.unknown > 1', 'cel_type_error', /./],
    ]
    for (const [source, code, message] of cases) {
      const refused = refusal(source)
      assert.equal(refused.code, code, `${source.slice(0, 60)}: ${refused.message}`)
      assert.match(refused.message, message)
    }
    const operands = `features.count > ${'1 + '.repeat(500)}1` // 1,002 nodes in 2,021 characters
    assert.ok(operands.length <= limits.maxSourceLength, 'short enough')
    assert.equal(refusal(operands).code, 'cel_too_complex')
    compile(`features.count > ${'1 + '.repeat(400)}1`)
  })

  test('what the specification requires an implementation to accept stays within the bounds', () => {
    // cel-spec parse tests: 32 conditions in a chain, 24 nested ternaries, 32 repeated unary operators, 12 nested calls
    compile(Array.from({ length: 32 }, (_, i) => `features.count == ${i}`).join(' || '))
    compile(`(${'features.count > 1 ? 1 : '.repeat(24)}0) == 0`)
    compile(`${'!'.repeat(32)}true`)
    compile(`${'int('.repeat(12)}features.count${')'.repeat(12)} > 0`)
    compile(`features.count in [${Array.from({ length: 512 }, (_, i) => i).join(',')}]`)
    compile('event.data.numbers.exists(a, event.data.numbers.exists(b, a == b))')
    compile("event.data.text.matches('^[a-z]+@[a-z]+\\\\.com$')")
  })

  test('an operand whose type cel-js cannot tell is refused (it would pick a wrong overload)', () => {
    // optional.none().value() has type T: cel-js would pick string's overload by that placeholder
    const refused = refusal("string(optional.none().value()) == '0'")
    assert.equal(refused.code, 'cel_type_error')
    assert.match(refused.message, /no known type/)
    // a list iterated or indexed is checked with dyn elements (parse-fixes.ts), so string(x) runs on the value's own type
    const iterated = compile("([].filter(x, true) + event.data.numbers).all(x, string(x) == '0')")
    assert.equal(iterated.evaluate(event({ numbers: [0n] })), true)
    assert.equal(iterated.evaluate(event({ numbers: [0n, 1n] })), false)
    compile("[].all(x, x == '0')")
  })
})

describe('the evaluation budget (what data can do)', () => {
  const data = hostileData()

  for (const [name, source] of Object.entries(worstCases)) {
    test(`stops with cel_cost_exceeded: ${name}`, () => {
      const compiled = compile(source)
      const started = performance.now()
      const error = failure(() => compiled.evaluate(data))
      assert.equal(error.code, 'cel_cost_exceeded')
      // ~15 ms of CPU on this machine (docs/reference/cel-safety.md); generous for a loaded CI runner
      assert.ok(performance.now() - started < 2_000)
    })
  }

  test('a realistic condition over the largest event the API accepts (64 KiB) stays well inside the budget', () => {
    const items = Array.from({ length: 600 }, (_, i) => ({ id: BigInt(i), tags: ['retail', `sku-${i}`], score: i / 600 }))
    const compiled = compile("event.data.nested.exists(i, i.score > 0.99 && 'retail' in i.tags) && event.data.text.contains('@') && size(event.data.strings) < 1000")
    const meter = new Meter(defaultCelLimits.evaluation.maxCost)
    assert.equal(compiled.evaluate(event({ nested: items, text: `${'x'.repeat(40_000)}@`, strings: ['a'] }), meter), true)
    assert.ok(meter.spent < defaultCelLimits.evaluation.maxCost / 10, `spent ${meter.spent}`)
  })

  test('cost is deterministic, and a shared budget bounds several evaluations together', () => {
    const compiled = compile('event.data.numbers.filter(x, x % 7 == 0).size() > 3')
    const input = event({ numbers: Array.from({ length: 2_000 }, (_, i) => BigInt(i)) })
    const spent = [1, 2, 3].map(() => {
      const meter = new Meter(1e9)
      compiled.evaluate(input, meter)
      return meter.spent
    })
    assert.ok(spent[0]! > 2_000)
    assert.deepEqual(new Set(spent).size, 1)
    const shared = new Meter(spent[0]! * 2 + 1)
    compiled.evaluate(input, shared)
    compiled.evaluate(input, shared)
    assert.equal(failure(() => compiled.evaluate(input, shared)).code, 'cel_cost_exceeded')
  })

  test('the interpreter is metered (this fails if cel-js changes the internals metered-ast.ts relies on)', () => {
    const compiled = compile('event.data.numbers.exists(x, x < 0)')
    const meter = new Meter(1e9)
    assert.equal(interpreterOf(compiled)!.interpret(event({ numbers: Array.from({ length: 1_000 }, (_, i) => BigInt(i)) }), meter), false)
    assert.ok(meter.spent >= 4_000, `spent only ${meter.spent}`)
    // a spent budget ends an exists() at once, not after one failure per remaining element
    const small = compileExpression('event.data.numbers.exists(x, x < 0)', checking, runtime, { limits: celLimits({ evaluation: { maxCost: 100 } }) })
    assert.ok(!('ok' in small))
    const started = performance.now()
    assert.equal(failure(() => small.evaluate(event({ numbers: Array.from({ length: 500_000 }, (_, i) => BigInt(i)) }))).code, 'cel_cost_exceeded')
    assert.ok(performance.now() - started < 500)
  })

  test('equality over shared structure is charged for every occurrence an equality walks', () => {
    // 2^20 paths through 20 nested pairs that are distinct objects on each side (no shortcut by identity)
    const compiled = compile('cel.bind(a, [event.data.numbers, event.data.numbers + []], cel.bind(b, [a, a + []], cel.bind(c, [b, b + []], cel.bind(d, [c, c + []], [d, d + []] == [d + [], d]))))')
    assert.equal(failure(() => compiled.evaluate(event({ numbers: Array.from({ length: 20_000 }, (_, i) => BigInt(i)) }))).code, 'cel_cost_exceeded')
  })
})

describe('host failures become typed errors', () => {
  test('deeply nested data, time zones, malformed JSON bytes', () => {
    let deep: unknown = 1n
    for (let i = 0; i < 20_000; i++) deep = [deep]
    const equality = compile('event.data.nested == event.data.nestedCopy')
    assert.ok(['cel_value_too_deep', 'cel_cost_exceeded'].includes(failure(() => equality.evaluate(event({ nested: deep, nestedCopy: [deep] }))).code!))
    const zone = compile('timestamp(0).getHours(event.data.zone) == 0')
    assert.equal(failure(() => zone.evaluate(event({ zone: 'Mars/Olympus' }))).code, 'cel_invalid_argument')
    assert.equal(zone.evaluate(event({ zone: '+08:00' })), false) // a UTC offset is a time zone too (08:00 there)
    const json = compile("bytes(event.data.text).json().size() > 0")
    assert.equal(failure(() => json.evaluate(event({ text: '{"unterminated' }))).code, 'cel_invalid_argument')
  })

  test('a JSON key named constructor, or an object without prototype, is read as a map', () => {
    const toCel = celValueConverter({ type: 'object', properties: { data: { type: 'object' } } })
    const values = toCel({ data: { nestedCopy: [{ constructor: 'x', id: 1 }], map: Object.assign(Object.create(null), { k: 1 }) } }) as { data: Record<string, unknown> }
    const compiled = compile("event.data.nestedCopy[0].constructor == 'x' && 'k' in event.data.map")
    assert.equal(compiled.evaluate({ ...event({}), event: { id: 'e1', type: 't', occurredAt: '', data: values.data } }), true)
  })

  test('errors of the evaluation are CelRuntimeError with a code', () => {
    const error = new CelRuntimeError({ code: 'cel_cost_exceeded', message: 'x' })
    assert.ok(isTypedCelError(error))
    assert.equal(error.code, 'cel_cost_exceeded')
  })
})

test('the environment has what the CEL strings extension and the standard library add', () => {
  const env = createCelEnvironment()
  const value = (source: string) => env.evaluate(source)
  assert.equal(value("'tacocat'.charAt(3)"), 'o')
  assert.equal(value("'{0} days {0} hours'.replace('{0}', '2', 1)"), '2 days {0} hours')
  assert.equal(value("'Ta©oCαt'.reverse()"), 'tαCo©aT')
  assert.equal(value('strings.quote("a\\nb")'), '"a\\nb"')
  assert.equal(value("string(timestamp('2009-02-13T23:31:30Z'))"), '2009-02-13T23:31:30Z')
  assert.equal(value("b'a' < b'b'"), true)
  assert.equal(value('int(42u)'), 42n)
})
