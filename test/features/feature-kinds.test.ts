import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { deserialize, serialize } from 'node:v8'
import fc from 'fast-check'
import { XiezhiError } from '../../src/core/errors.ts'
import { speedKmh } from '../../src/core/geo.ts'
import { type FeatureDefinition, featureKinds, parseFeatureDefinitions } from '../../src/features/feature-definition.ts'
import { FeatureEngine, type ObservedEvent } from '../../src/features/feature-engine.ts'
import { compileFeatureExpressions } from '../../src/features/feature-expressions.ts'
import { currentPairValues } from '../../src/features/pair-values.ts'
import { estimateDistinct } from '../../src/features/sliding-hyperloglog.ts'

const types = new Set(['card.transaction', 'login'])
const hour = 3_600_000
const t0 = Date.parse('2026-03-02T00:00:00Z') // a Monday

/** What a feature must be, recomputed naively from every earlier event (and the event itself with includesEvent). */
function expected(definition: FeatureDefinition, history: ObservedEvent[], event: ObservedEvent): number {
  const t = event.occurredAtMs
  const key = event.keys.bank_card![0]!
  const upTo = t - definition.delayMs
  const from = upTo - definition.windowMs
  const seen = [...history, ...(definition.includesEvent ? [event] : [])]
  const passes = (e: ObservedEvent) => definition.where === undefined || (e.data.amountMinor as number) >= 1_000_000
  const samePair = (e: ObservedEvent) => definition.pairedWith === undefined || e.keys.terminal?.[0] === event.keys.terminal?.[0]
  const inWindow = seen.filter((e) => e.keys.bank_card![0] === key && samePair(e) && definition.eventTypes.includes(e.type) && e.occurredAtMs > from && e.occurredAtMs <= upTo && passes(e))
  const numbers = inWindow.map((e) => e.data.amountMinor as number)
  const n = numbers.length
  const mean = numbers.reduce((a, b) => a + b, 0) / n
  switch (definition.kind) {
    case 'count':
      return n
    case 'distinct_count':
      if (definition.approximate) return estimateDistinct(inWindow.map((e) => String(e.data.terminalId)))
      return new Set(inWindow.map((e) => e.data.terminalId)).size
    case 'sum':
      return numbers.reduce((a, b) => a + b, 0)
    case 'avg':
      return n === 0 ? 0 : mean
    case 'stddev':
      return n === 0 ? 0 : Math.sqrt(numbers.reduce((a, b) => a + (b - mean) ** 2, 0) / n)
    case 'min':
      return n === 0 ? 0 : Math.min(...numbers)
    case 'max':
      return n === 0 ? 0 : Math.max(...numbers)
    case 'first_seen':
      return n === 0 ? -1 : (upTo - inWindow[0]!.occurredAtMs) / 1000
    case 'last':
      return n === 0 ? 0 : numbers[n - 1]!
    case 'time_since_last':
      return n === 0 ? -1 : (upTo - inWindow[n - 1]!.occurredAtMs) / 1000
    case 'hour_of_day':
      return new Date(t + 8 * hour).getUTCHours()
    case 'day_of_week':
      return (new Date(t + 8 * hour).getUTCDay() + 6) % 7
    case 'geo_velocity': {
      const here = event.data.geo as { lat: number; lon: number } | undefined
      const before = inWindow.filter((e) => e.data.geo !== undefined && e !== event)
      const last = before[before.length - 1]
      if (!here || !definition.eventTypes.includes(event.type) || !last) return 0
      return speedKmh(last.data.geo as { lat: number; lon: number }, here, upTo - last.occurredAtMs)
    }
    case 'in_list':
      return hotCards.has(definition.list!, key, t) ? 1 : 0
    case 'expression':
      throw new Error('expressions are checked from their inputs')
    case 'graph':
      throw new Error('graph features are checked in test/graph')
  }
}

/** A list with card c2 on it from two hours after the start. */
const hotCards = { has: (list: string, key: string, atMs: number) => list === 'hot-cards' && key === 'c2' && atMs >= t0 + 2 * hour }

const windowKinds = featureKinds.filter((k) => k !== 'hour_of_day' && k !== 'day_of_week' && k !== 'in_list' && k !== 'expression' && k !== 'graph')

/** Every window kind, plain, delayed and including the event; plus both calendar kinds. */
const definitions = parseFeatureDefinitions(
  [
    ...windowKinds.flatMap((kind) => {
      const base = {
        kind,
        entity: 'bank_card',
        eventTypes: ['card.transaction'],
        window: '6h',
        ...(kind === 'distinct_count'
          ? { field: '/terminalId' }
          : kind === 'geo_velocity'
            ? { field: '/geo' }
            : ['sum', 'avg', 'min', 'max', 'stddev', 'last'].includes(kind)
              ? { field: '/amountMinor' }
              : {}),
      }
      const name = kind.replace(/_(.)/g, (_, c: string) => c.toUpperCase())
      return [
        { ...base, name: `${name}Plain` },
        { ...base, name: `${name}Delayed`, delay: '2h' },
        { ...base, name: `${name}WithEvent`, includesEvent: true },
      ]
    }),
    { name: 'hourOfDay', kind: 'hour_of_day', eventTypes: ['card.transaction'] },
    { name: 'terminalsPerCardApproximate', kind: 'distinct_count', entity: 'bank_card', field: '/terminalId', approximate: true, eventTypes: ['card.transaction'], window: '6h' },
    { name: 'terminalsPerCardApproximateDelayed', kind: 'distinct_count', entity: 'bank_card', field: '/terminalId', approximate: true, eventTypes: ['card.transaction'], window: '6h', delay: '2h' },
    { name: 'terminalsPerCardApproximateWithEvent', kind: 'distinct_count', entity: 'bank_card', field: '/terminalId', approximate: true, eventTypes: ['card.transaction'], window: '6h', includesEvent: true },
    { name: 'cardOnHotList', kind: 'in_list', entity: 'bank_card', list: 'hot-cards', eventTypes: ['card.transaction'] },
    { name: 'countPerCardAndTerminal', kind: 'count', entity: 'bank_card', pairedWith: 'terminal', eventTypes: ['card.transaction'], window: '6h' },
    { name: 'sumPerCardAndTerminalWithEvent', kind: 'sum', entity: 'bank_card', pairedWith: 'terminal', eventTypes: ['card.transaction'], window: '6h', field: '/amountMinor', includesEvent: true },
    { name: 'dayOfWeek', kind: 'day_of_week', eventTypes: ['card.transaction'] },
    { name: 'largeCountPlain', kind: 'count', entity: 'bank_card', eventTypes: ['card.transaction'], window: '6h', where: 'event.data.amountMinor >= 1000000' },
    { name: 'largeAvgWithEvent', kind: 'avg', entity: 'bank_card', eventTypes: ['card.transaction'], window: '6h', field: '/amountMinor', includesEvent: true, where: 'event.data.amountMinor >= 1000000' },
    { name: 'largeShare', kind: 'expression', expression: 'features.countPlain == 0 ? 0.0 : double(features.largeCountPlain) / double(features.countPlain)' },
    { name: 'nightAndLarge', kind: 'expression', expression: 'features.hourOfDay <= 6 && features.largeCountPlain > 0 ? 1 : 0' },
  ],
  types,
)
const cardSchema = { type: 'object', properties: { amountMinor: { type: 'integer' }, terminalId: { type: 'string' } } }
compileFeatureExpressions(definitions, () => cardSchema)

const eventArbitrary = fc.record({
  gapMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3 * hour })),
  card: fc.constantFrom('c1', 'c2', 'c3'),
  terminal: fc.constantFrom('t1', 't2', 't3', 't4'),
  amountMinor: fc.integer({ min: 0, max: 5_000_000 }),
  type: fc.constantFrom('card.transaction', 'card.transaction', 'login'),
  place: fc.constantFrom(undefined, { lat: 31.23, lon: 121.47 }, { lat: 39.9, lon: 116.4 }, { lat: 23.13, lon: 113.26 }),
})

describe('every feature kind, against a naive recomputation', () => {
  test('online values equal the definition for random streams (ties, gaps, delays, the event itself)', () => {
    fc.assert(
      fc.property(fc.array(eventArbitrary, { minLength: 1, maxLength: 60 }), (stream) => {
        const engine = new FeatureEngine(definitions, { lists: hotCards })
        const history: ObservedEvent[] = []
        let t = t0
        for (const item of stream) {
          t += item.gapMs
          const event: ObservedEvent = {
            type: item.type,
            occurredAtMs: t,
            data: { amountMinor: item.amountMinor, terminalId: item.terminal, ...(item.place ? { geo: item.place } : {}) },
            keys: { bank_card: [item.card], terminal: [item.terminal] },
          }
          const values = engine.observe(event)
          for (const definition of definitions) {
            const applies = definition.eventTypes.includes(event.type) || !definition.includesEvent
            if (definition.kind === 'expression') continue
            if (definition.kind === 'hour_of_day' || definition.kind === 'day_of_week' || definition.kind === 'in_list') {
              if (event.type === 'card.transaction') assert.equal(values[definition.name], expected(definition, history, event), definition.name)
              continue
            }
            if (!applies) continue
            const want = expected(definition, history, event)
            assert.ok(Math.abs(values[definition.name]! - want) <= 1e-6 * Math.max(1, Math.abs(want)), `${definition.name} at ${t - t0}: ${values[definition.name]} ≠ ${want}`)
          }
          if (event.type === 'card.transaction') {
            const share = values.countPlain === 0 ? 0 : values.largeCountPlain! / values.countPlain!
            assert.ok(Math.abs(values.largeShare! - share) < 1e-12, 'largeShare')
            assert.equal(values.nightAndLarge, values.hourOfDay! <= 6 && values.largeCountPlain! > 0 ? 1 : 0)
          }
          history.push(event)
        }
      }),
      { numRuns: 150, seed: 20261127 },
    )
  })

  test('the batch execution (entity by entity) gives every event the values observe gives it', () => {
    const batchEvent = fc.record({
      gapMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3 * hour }), fc.integer({ min: -2 * hour, max: -1 })),
      cards: fc.array(fc.constantFrom('c1', 'c2', 'c3'), { minLength: 0, maxLength: 3 }),
      terminal: fc.constantFrom('t1', 't2', 't3', 't4'),
      amountMinor: fc.integer({ min: 0, max: 5_000_000 }),
      type: fc.constantFrom('card.transaction', 'card.transaction', 'login'),
      place: fc.constantFrom(undefined, { lat: 31.23, lon: 121.47 }, { lat: 39.9, lon: 116.4 }),
      wanted: fc.boolean(),
    })
    fc.assert(
      fc.property(fc.array(batchEvent, { minLength: 1, maxLength: 80 }), fc.integer({ min: 1, max: 40 }), (stream, batchSize) => {
        let t = t0
        // late events (negative gaps), several cards per event, the same card twice: the cases where order matters
        const events: ObservedEvent[] = stream.map((item) => {
          t += item.gapMs
          const data = { amountMinor: item.amountMinor, terminalId: item.terminal, ...(item.place ? { geo: item.place } : {}) }
          return { type: item.type, occurredAtMs: t, data, keys: { bank_card: item.cards, terminal: [item.terminal] } }
        })
        const online = new FeatureEngine(definitions, { lists: hotCards })
        const expectedRows = events.map((event, i) => {
          if (stream[i]!.wanted) return online.observe(event)
          online.add(event)
          return undefined
        })
        const offline = new FeatureEngine(definitions, { lists: hotCards })
        for (let from = 0; from < events.length; from += batchSize) {
          const batch = events.slice(from, from + batchSize)
          const rows = offline.observeBatch(batch, (i) => stream[from + i]!.wanted)
          batch.forEach((_, i) => {
            const want = expectedRows[from + i]
            if (want) assert.deepEqual(offline.recordOf(rows, i), want, `event ${from + i}`)
          })
        }
        assert.deepEqual(offline.stats(), online.stats())
      }),
      { numRuns: 150, seed: 20261128 },
    )
  })

  test('a snapshot restored into a fresh engine answers every later event as the engine it was taken from', () => {
    fc.assert(
      fc.property(fc.array(eventArbitrary, { minLength: 2, maxLength: 60 }), fc.nat(), fc.boolean(), (stream, cut, late) => {
        let t = t0
        const events: ObservedEvent[] = stream.map((item) => {
          t += item.gapMs
          const data = { amountMinor: item.amountMinor, terminalId: item.terminal, ...(item.place ? { geo: item.place } : {}) }
          return { type: item.type, occurredAtMs: t, data, keys: { bank_card: [item.card], terminal: [item.terminal] } }
        })
        const at = 1 + (cut % (events.length - 1))
        // a late event right after the restore reads the retained entries, not the running aggregates
        if (late) events.splice(at, 0, { ...events[at - 1]!, occurredAtMs: events[at - 1]!.occurredAtMs - 90 * 60_000 })
        const original = new FeatureEngine(definitions, { lists: hotCards })
        for (const event of events.slice(0, at)) original.observe(event)
        const restored = new FeatureEngine(definitions, { lists: hotCards })
        assert.ok(restored.restore(deserialize(serialize(original.snapshot()))))
        for (const event of events.slice(at)) assert.deepEqual(restored.observe(event), original.observe(event))
        assert.deepEqual(restored.stats(), original.stats())
      }),
      { numRuns: 150, seed: 20261129 },
    )
  })

  test('sweeping expired logs between events changes no value, and a log made again under a reused number counts afresh', () => {
    const sweptEvent = fc.record({
      // gaps past the 8-hour horizon, so that logs expire and go
      gapMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3 * hour }), fc.integer({ min: 8 * hour, max: 12 * hour })),
      cards: fc.array(fc.constantFrom('c1', 'c2', 'c3', 'c4', 'c5'), { minLength: 1, maxLength: 2 }),
      terminal: fc.constantFrom('t1', 't2', 't3', 't4'),
      amountMinor: fc.integer({ min: 0, max: 5_000_000 }),
    })
    fc.assert(
      fc.property(fc.array(sweptEvent, { minLength: 1, maxLength: 60 }), (stream) => {
        let t = t0
        const swept = new FeatureEngine(definitions, { lists: hotCards })
        const kept = new FeatureEngine(definitions, { lists: hotCards })
        for (const item of stream) {
          t += item.gapMs
          const event: ObservedEvent = { type: 'card.transaction', occurredAtMs: t, data: { amountMinor: item.amountMinor, terminalId: item.terminal }, keys: { bank_card: item.cards, terminal: [item.terminal] } }
          swept.sweep(t)
          assert.deepEqual(swept.observe(event), kept.observe(event))
        }
        // what the swept engine keeps restores whole: the same answers after it
        const restored = new FeatureEngine(definitions, { lists: hotCards })
        assert.ok(restored.restore(deserialize(serialize(swept.snapshot()))))
        assert.deepEqual(restored.stats(), swept.stats())
        for (const card of ['c1', 'c2', 'c3', 'c4', 'c5']) {
          const next: ObservedEvent = { type: 'card.transaction', occurredAtMs: t + hour, data: { amountMinor: 1, terminalId: 't1' }, keys: { bank_card: [card], terminal: ['t1'] } }
          assert.deepEqual(restored.observe(next), kept.observe(next))
        }
      }),
      { numRuns: 150, seed: 20261130 },
    )
  })

  test('a snapshot of other definitions is not restored', () => {
    const engine = new FeatureEngine(definitions)
    const other = new FeatureEngine(definitions.map((d) => (d.name === 'countPlain' ? { ...d, window: '7h', windowMs: 7 * hour } : d)))
    assert.equal(other.restore(engine.snapshot()), false)
  })

  test('a read is a dry run: read then observe give the same values', () => {
    const engine = new FeatureEngine(definitions)
    const event = (at: number, amountMinor: number): ObservedEvent => ({ type: 'card.transaction', occurredAtMs: at, data: { amountMinor, terminalId: 't1' }, keys: { bank_card: ['c1'] } })
    engine.observe(event(t0, 100))
    const dry = engine.read(event(t0 + hour, 300))
    assert.deepEqual(engine.read(event(t0 + hour, 300)), dry)
    assert.deepEqual(engine.observe(event(t0 + hour, 300)), dry)
    assert.equal(dry.avgWithEvent, 200)
    assert.equal(dry.avgPlain, 100)
  })

  test('calendar features follow the time zone', () => {
    const [utc] = parseFeatureDefinitions([{ name: 'hourUtc', kind: 'hour_of_day', eventTypes: ['login'], timeZone: 'UTC' }], types)
    const engine = new FeatureEngine([utc!])
    assert.equal(engine.read({ type: 'login', occurredAtMs: t0 + 3 * hour, data: {}, keys: {} }).hourUtc, 3)
    // zones whose clocks change on the half hour: Newfoundland springs forward at 05:30Z
    const [stJohns] = parseFeatureDefinitions([{ name: 'hourStJohns', kind: 'hour_of_day', eventTypes: ['login'], timeZone: 'America/St_Johns' }], types)
    const newfoundland = new FeatureEngine([stJohns!])
    const hourAt = (iso: string) => newfoundland.read({ type: 'login', occurredAtMs: Date.parse(iso), data: {}, keys: {} }).hourStJohns
    assert.equal(hourAt('2018-03-11T05:15:00Z'), 1)
    assert.equal(hourAt('2018-03-11T05:45:00Z'), 3)
  })
})

describe('definitions are checked', () => {
  const issues = (raw: object) => {
    try {
      parseFeatureDefinitions([raw], types)
      return []
    } catch (error) {
      assert.ok(error instanceof XiezhiError)
      return error.issues.map((i) => `${i.pointer} ${i.code}`)
    }
  }
  test('each mistake is named', () => {
    assert.deepEqual(issues({ name: 'a1', kind: 'avg', entity: 'bank_card', eventTypes: ['login'], window: '1h' }), ['/features/0/field required'])
    assert.deepEqual(issues({ name: 'a1', kind: 'count', entity: 'bank_card', eventTypes: ['login'], window: '1h', delay: 'soon' }), ['/features/0/delay invalid_format'])
    assert.deepEqual(issues({ name: 'a1', kind: 'count', entity: 'bank_card', eventTypes: ['login'], window: '1h', delay: '1h', includesEvent: true }), ['/features/0/includesEvent not_allowed'])
    assert.deepEqual(issues({ name: 'a1', kind: 'hour_of_day', eventTypes: ['login'], timeZone: 'Mars/Olympus' }), ['/features/0/timeZone invalid_value'])
    assert.deepEqual(issues({ name: 'a1', kind: 'count', entity: 'bank_card', eventTypes: ['login'], window: '1h', timeZone: 'UTC' }), ['/features/0/timeZone not_allowed'])
    assert.deepEqual(issues({ name: 'a1', kind: 'count', eventTypes: ['login'], window: '1h' }), ['/features/0/entity unknown_entity_kind'])
    assert.deepEqual(issues({ name: 'a1', kind: 'expression' }), ['/features/0/expression required'])
    assert.deepEqual(issues({ name: 'a1', kind: 'hour_of_day', eventTypes: ['login'], where: 'true' }), ['/features/0/where not_allowed'])
  })

  test('CEL in where and expression is type-checked against the event schema and earlier features', () => {
    const compileIssues = (raw: object[]) => {
      try {
        compileFeatureExpressions(parseFeatureDefinitions(raw, types), () => cardSchema)
        return []
      } catch (error) {
        assert.ok(error instanceof XiezhiError)
        return error.issues.map((i) => `${i.pointer} ${i.code}`)
      }
    }
    const count = { name: 'n1', kind: 'count', entity: 'bank_card', eventTypes: ['card.transaction'], window: '1h' }
    assert.deepEqual(compileIssues([{ ...count, where: "event.data.amountMinor > 'many'" }]), ['/features/0/where cel_type_error'])
    assert.deepEqual(compileIssues([{ ...count, where: 'event.data.nope > 1' }]), ['/features/0/where cel_type_error'])
    assert.deepEqual(compileIssues([{ ...count, where: 'event.data.amountMinor' }]), ['/features/0/where cel_type_error'])
    assert.deepEqual(compileIssues([count, { name: 'e1', kind: 'expression', expression: 'features.later + 1' }, { ...count, name: 'later' }]), ['/features/1/expression cel_type_error'])
    assert.deepEqual(compileIssues([count, { name: 'e1', kind: 'expression', expression: 'features.n1 > 1' }]), ['/features/1/expression cel_type_error'])
    assert.deepEqual(compileIssues([count, { ...count, name: 'n2', where: 'event.data.amountMinor >= 100' }, { name: 'e1', kind: 'expression', expression: 'features.n1 - features.n2' }]), [])
  })
})

test("a pair's current values, named either way round; an undeclared pair or half a pair is refused naming the field", () => {
  const engine = new FeatureEngine(definitions, { lists: hotCards })
  const at = (minutes: number) => t0 + minutes * 60_000
  const transaction = (minutes: number, card: string, terminal: string, amountMinor: number): ObservedEvent => ({
    type: 'card.transaction',
    occurredAtMs: at(minutes),
    data: { amountMinor, terminalId: terminal },
    keys: { bank_card: [card], terminal: [terminal] },
  })
  for (const event of [transaction(0, 'c1', 't1', 100), transaction(5, 'c1', 't1', 250), transaction(9, 'c1', 't2', 999), transaction(12, 'c2', 't1', 7)]) engine.observe(event)
  const asKey = (_kind: string, value: string) => value
  const forward = currentPairValues(engine, asKey, { entityType: 'bank_card', entityValue: 'c1', pairedType: 'terminal', pairedValue: 't1' }, at(20))
  assert.deepEqual([forward.countPerCardAndTerminal, forward.sumPerCardAndTerminalWithEvent], [2, 350])
  assert.deepEqual(currentPairValues(engine, asKey, { entityType: 'terminal', entityValue: 't1', pairedType: 'bank_card', pairedValue: 'c1' }, at(20)), forward, 'the other way round')
  assert.equal(currentPairValues(engine, asKey, { entityType: 'bank_card', entityValue: 'c3', pairedType: 'terminal', pairedValue: 't1' }, at(20)).countPerCardAndTerminal, 0, 'a pair never seen')
  const refusal = (query: Parameters<typeof currentPairValues>[2]) => {
    try {
      currentPairValues(engine, asKey, query, at(20))
    } catch (error) {
      return (error as XiezhiError).issues.map((i) => `${i.pointer} ${i.code}`)
    }
    return []
  }
  assert.deepEqual(refusal({ entityType: 'bank_card', entityValue: 'c1', pairedType: 'device', pairedValue: 'd1' }), ['/pairedType unknown_pair'])
  assert.deepEqual(refusal({ entityType: 'bank_card', entityValue: 'c1', pairedValue: 't1' }), ['/pairedType required'])
  assert.deepEqual(refusal({ entityType: 'bank_card', entityValue: 'c1', pairedType: 'terminal' }), ['/pairedValue required'])
})
