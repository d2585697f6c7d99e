import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { createCelEnvironment } from '../../src/cel/cel-environment.ts'
import { unanswered } from '../../src/cel/compile-to-slots.ts'
import { compileExpression, type CompiledExpression, Meter } from '../../src/cel/condition.ts'
import { celSchemaOf, celValueConverter } from '../../src/cel/json-schema-to-cel.ts'
import { celInt, StrategySlots } from '../../src/strategy/strategy-slots.ts'

/**
 * Conditions over the feature vector must answer exactly as over the records
 * CEL sees: the same value, the same charge to the budget, and no answer
 * (`unanswered`) wherever the record evaluation fails or needs what a slot
 * cannot hold. Checked differentially on random expressions over random
 * features and events, built as `compile-strategy.ts` builds them.
 */
const featureTypes = new Map([
  ['count', 'int'],
  ['other', 'int'],
  ['avg', 'double'],
  ['ratio', 'double'],
])
const eventSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    type: { type: 'string' },
    occurredAt: { type: 'string' },
    data: { type: 'object', properties: { amountMinor: { type: 'integer' }, rate: { type: 'number' }, product: { type: 'string' }, flag: { type: 'boolean' }, meta: { type: 'object' } } },
  },
}
const checking = createCelEnvironment()
checking.registerVariable({ name: 'event', schema: celSchemaOf(eventSchema) as Record<string, never> })
checking.registerVariable({ name: 'features', schema: Object.fromEntries(featureTypes) })
checking.registerVariable({ name: 'scores', schema: { fraud: 'double' } })
const runtime = createCelEnvironment().registerVariable('event', 'map').registerVariable('features', 'map').registerVariable('scores', 'map')
const toCelEvent = celValueConverter(eventSchema)

// expressions by CEL type, small enough to read in a counterexample
const intLiteral = fc.constantFrom('0', '1', '3', '20', '-7', '9007199254740991', '9007199254740992', '-9007199254740993', '4611686018427387904', '9223372036854775807', '1u')
const doubleLiteral = fc.constantFrom('0.0', '-0.0', '1.5', '0.3', '-2.5', '1e300', '9007199254740993.0')
const stringLiteral = fc.constantFrom('"consumer-cash"', '""', '"a"', `"${'long '.repeat(40)}"`)
const { bool, int, double } = fc.letrec<{ int: string; double: string; string: string; bool: string }>((tie) => ({
  int: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('features.count', 'features.other', 'event.data.amountMinor'),
    intLiteral,
    fc.tuple(tie('int'), fc.constantFrom('+', '-', '*', '/', '%'), tie('int')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    tie('int').map((a) => `-(${a})`),
    fc.tuple(tie('bool'), tie('int'), tie('int')).map(([c, a, b]) => `(${c} ? ${a} : ${b})`),
  ),
  double: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('features.avg', 'features.ratio', 'scores.fraud', 'event.data.rate'),
    doubleLiteral,
    fc.tuple(tie('double'), fc.constantFrom('+', '-', '*', '/', '%'), tie('double')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    tie('double').map((a) => `-(${a})`),
    fc.tuple(tie('bool'), tie('double'), tie('double')).map(([c, a, b]) => `(${c} ? ${a} : ${b})`),
  ),
  string: fc.oneof(fc.constantFrom('event.data.product', 'event.id', 'event.type'), stringLiteral),
  bool: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('event.data.flag', 'true', 'false', 'event.data.product in ["a", "consumer-cash"]', 'features.count in [1, 2]'),
    fc.constantFrom('has(event.data.rate)', 'has(event.data.amountMinor)', 'has(event.data.flag)', 'has(event.data.meta)', 'has(event.data)', 'has(event.data.meta.x)'),
    fc.tuple(fc.oneof(tie('int'), tie('double')), fc.constantFrom('<', '<=', '>', '>=', '==', '!='), fc.oneof(tie('int'), tie('double'))).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.tuple(tie('string'), fc.constantFrom('==', '!=', '<'), tie('string')).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.tuple(tie('bool'), fc.constantFrom('&&', '||', '==', '!='), tie('bool')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    tie('bool').map((a) => `!(${a})`),
  ),
}))

// values that meet the literals above, so that boundaries are crossed
const number = fc.oneof(
  fc.constantFrom(-7, 0, 1, 3, 20, 1.5, 0.3, -2.5),
  fc.integer({ min: -5, max: 40 }),
  fc.constantFrom(0, -0, 2 ** 53 - 1, 2 ** 53, -(2 ** 53), 2 ** 62, 2 ** 64, 1e300, Number.NaN, Number.POSITIVE_INFINITY),
  fc.double(),
)
const anyValue = fc.oneof(number, fc.string({ maxLength: 30 }), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.constant({}))
const features = fc.record({ count: fc.oneof(number, fc.constant(undefined)), other: fc.oneof(fc.integer({ min: -3, max: 30 }), fc.constant(undefined)), avg: fc.oneof(number, fc.constant(undefined)), ratio: number })
const data = fc.oneof(
  { weight: 5, arbitrary: fc.record({ amountMinor: anyValue, rate: anyValue, product: fc.oneof(fc.constantFrom('consumer-cash', 'a', ''), anyValue), flag: anyValue }, { requiredKeys: [] }) },
  // objects the record path reads differently from JSON: cel-js's business
  {
    weight: 1,
    arbitrary: fc.constantFrom<Record<string, unknown>>(
      { amountMinor: 5, constructor: 1 },
      Object.assign(Object.create(null), { amountMinor: 5, rate: 0.5 }),
      Object.defineProperty({ rate: 0.5 }, 'amountMinor', { value: 5, enumerable: false }),
      { meta: { constructor: 1 }, flag: true },
      { meta: { x: 1 }, amountMinor: undefined, flag: false },
    ),
  },
)
const scores = fc.record({ fraud: fc.oneof(fc.double({ min: 0, max: 1 }), fc.constant(Number.NaN)) }, { requiredKeys: [] })

type Outcome = { value: unknown; spent: number } | { error: string; spent: number }

function run(evaluate: () => unknown, meter: Meter): Outcome {
  try {
    return { value: evaluate(), spent: meter.spent }
  } catch (error) {
    return { error: (error as Error).message, spent: meter.spent }
  }
}

const same = (a: unknown, b: unknown) => Object.is(a, b) || (typeof a === 'number' && typeof b === 'number' && a === b && a !== 0)

test('expressions over the feature vector answer as over the records, or leave the answer to them', () => {
  const slots = new StrategySlots(featureTypes, new Set(['fraud']), celSchemaOf(eventSchema))
  // as a strategy does: every feature its expressions read has a slot, so that filling checks every value
  for (const name of featureTypes.keys()) slots.slotOf(['features', name])
  const compiled = new Map<string, CompiledExpression | undefined>()
  const compile = (source: string) => {
    if (!compiled.has(source)) {
      const result = compileExpression(source, checking, runtime, { trustedRecords: new Set(['features', 'scores']), slots })
      compiled.set(source, 'ok' in result ? undefined : result)
    }
    return compiled.get(source)
  }
  let overSlots = 0
  let answered = 0
  fc.assert(
    fc.property(fc.oneof(bool, bool, int, double), fc.array(fc.tuple(features, data, scores, fc.integer({ min: 1, max: 40 })), { minLength: 8, maxLength: 8 }), (source, contexts) => {
      const expression = compile(source)
      if (!expression?.evaluateSlots) return
      for (const [values, eventData, scored, limit] of contexts) check(source, expression, values, eventData, scored, limit)
    }),
    { numRuns: 10_000, seed: Number(process.env.XIEZHI_FUZZ_SEED ?? 20261127) },
  )
  console.log(`${overSlots} evaluations compiled over slots, ${answered} answered there`)
  assert.ok(answered > 10_000, `only ${answered} evaluations answered over slots`)

  function check(source: string, expression: CompiledExpression, values: Record<string, unknown>, eventData: Record<string, unknown>, scored: Record<string, number>, limit: number) {
    if (!expression.evaluateSlots) return
    overSlots++
    const input = { event: { id: 'e1', type: 'credit.application', occurredAt: '2026-11-27T08:00:00Z', data: eventData }, features: values as Record<string, number> }
    // the features CEL sees: ints as BigInt, which throws for a value that is not an integer, as filling the slots must
    let celFeatures: Record<string, unknown>
    try {
      celFeatures = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined).map(([name, v]) => [name, featureTypes.get(name) === 'int' ? celInt(v as number) : v]))
    } catch {
      assert.throws(() => slots.fill(input, scored))
      return
    }
    const vector = slots.fill(input, scored)
    const context = { event: toCelEvent(input.event), features: celFeatures, scores: scored }
    // a small budget, shared as a decision shares it: text comparisons may exhaust it
    const recordMeter = new Meter(limit)
    recordMeter.spent = limit - 8
    const expected = run(() => expression.evaluate(context, recordMeter), recordMeter)
    const slotMeter = new Meter(limit)
    slotMeter.spent = limit - 8
    const actual = expression.evaluateSlots(vector, slotMeter)
    if (actual === unanswered) {
      assert.equal(slotMeter.spent, limit - 8, `${source}: an unanswered evaluation charged the budget`)
      return
    }
    answered++
    assert.ok('value' in expected, `${source}: the records fail (${'error' in expected ? expected.error : ''}) but the slots answer ${String(actual)}`)
    assert.ok(same(actual, expected.value), `${source}: slots ${String(actual)}, records ${String(expected.value)}`)
    assert.equal(slotMeter.spent, expected.spent, `${source}: charged ${slotMeter.spent - limit + 8} over slots, ${expected.spent - limit + 8} over records`)
  }
})

test('the feature vector has a slot for each feature, score and typed event field read, and none for anything else', () => {
  const slots = new StrategySlots(featureTypes, new Set(['fraud']), celSchemaOf(eventSchema))
  assert.equal(slots.slotOf(['features', 'count'])?.type, 'int')
  assert.equal(slots.slotOf(['features', 'avg'])?.type, 'double')
  assert.equal(slots.slotOf(['scores', 'fraud'])?.type, 'double')
  assert.equal(slots.slotOf(['event', 'data', 'product'])?.type, 'string')
  assert.equal(slots.slotOf(['event', 'data', 'flag'])?.type, 'bool')
  assert.equal(slots.slotOf(['features', 'count'])?.index, 0, 'a path read twice has one slot')
  for (const path of [['features', 'unknown'], ['scores', 'scam'], ['event', 'data'], ['event', 'data', 'meta'], ['event', 'data', 'meta', 'x'], ['event'], ['features']]) {
    assert.equal(slots.slotOf(path), undefined, path.join('.'))
  }
  assert.equal(slots.presenceOf(['features', 'count']), undefined, 'has() is kept for event fields')
  assert.equal(slots.presenceOf(['event', 'data', 'nothing']), undefined, 'has() of a field the schema does not name is the checker\'s to refuse')
  const vector = slots.fill({ event: { id: 'e', type: 't', occurredAt: 'now', data: { product: 'x', flag: 'yes' } }, features: { count: 2 ** 60, avg: 1.5 } }, { fraud: 0.25 })
  assert.deepEqual(Array.from(vector), [undefined, 1.5, 0.25, 'x', undefined], 'an int beyond 2^53 and a field of the wrong type leave their slots empty')
  assert.throws(() => slots.fill({ event: { id: 'e', type: 't', occurredAt: 'now', data: {} }, features: { count: 2.5 } }, {}), RangeError)
})
