/**
 * The offline batch from columns (`observeColumns`) against the offline batch
 * from events (`observeBatch`), which the online path is checked against
 * (feature-kinds.test.ts): the same rows bit for bit, and the same state left
 * in the logs, over random streams with ties, late events, missing values,
 * events without a key and batches of other types.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import type { EventColumns } from '../../src/features/event-columns.ts'
import { parseFeatureDefinitions } from '../../src/features/feature-definition.ts'
import { FeatureEngine, type ObservedEvent } from '../../src/features/feature-engine.ts'
import { compileFeatureExpressions } from '../../src/features/feature-expressions.ts'

const types = new Set(['card.transaction', 'login'])
const hour = 3_600_000
const t0 = Date.parse('2026-03-02T00:00:00Z')

/** Every kind columns carry (numbers, counts, times), per card and per terminal, plain, delayed and with the event; calendar kinds and an expression over them. */
const columnKinds = ['count', 'sum', 'avg', 'min', 'max', 'stddev', 'first_seen', 'last', 'time_since_last'] as const
const rawDefinitions = [
  ...columnKinds.flatMap((kind) =>
    (['bank_card', 'terminal'] as const).flatMap((entity) => {
      const base = { kind, entity, eventTypes: ['card.transaction'], window: '6h', ...(kind === 'count' || kind === 'first_seen' || kind === 'time_since_last' ? {} : { field: '/amountMinor' }) }
      const name = `${kind.replace(/_(.)/g, (_, c: string) => c.toUpperCase())}Per${entity === 'terminal' ? 'Terminal' : 'Card'}`
      return [
        { ...base, name: `${name}Plain` },
        { ...base, name: `${name}Delayed`, delay: '2h' },
        { ...base, name: `${name}WithEvent`, includesEvent: true },
      ]
    }),
  ),
  { name: 'fraudAvgPerTerminalDelayed', kind: 'avg', entity: 'terminal', field: '/fraud', eventTypes: ['card.transaction'], window: '3h', delay: '1h' },
  { name: 'loginsPerCard', kind: 'count', entity: 'bank_card', eventTypes: ['login'], window: '6h' },
  { name: 'hourOfDay', kind: 'hour_of_day', eventTypes: ['card.transaction'] },
  { name: 'dayOfWeek', kind: 'day_of_week', eventTypes: ['card.transaction', 'login'], timeZone: 'UTC' },
  { name: 'nightAndBusy', kind: 'expression', expression: 'features.hourOfDay <= 6 && features.countPerCardPlain > 1 ? 1 : 0' },
]
const schema = { type: 'object', properties: { amountMinor: { type: 'integer' }, fraud: { type: 'integer' } } }
const definitions = parseFeatureDefinitions(rawDefinitions, types)
compileFeatureExpressions(definitions, () => schema)

const item = fc.record({
  gapMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2 * hour }), fc.integer({ min: -2 * hour, max: -1 })),
  card: fc.integer({ min: -1, max: 3 }),
  terminal: fc.integer({ min: -1, max: 2 }),
  amountMinor: fc.option(fc.integer({ min: 0, max: 5_000_000 }), { freq: 6 }),
  fraud: fc.integer({ min: 0, max: 1 }),
  wanted: fc.boolean(),
})
type Item = typeof item extends fc.Arbitrary<infer T> ? T : never
const batchArbitrary = fc.record({ type: fc.constantFrom('card.transaction', 'card.transaction', 'login'), items: fc.array(item, { minLength: 0, maxLength: 40 }) })

interface Batch {
  events: ObservedEvent[]
  columns: EventColumns
  wanted: Uint8Array
}

/** One batch both ways: events (keys `c<code>`, `t<code>`; no amount where it is missing) and the same as columns. */
function batchOf(type: string, items: Item[], clock: { t: number }, codeScale = 1): Batch {
  const n = items.length
  const columns = {
    count: n,
    type,
    occurredAtMs: new Float64Array(n),
    keys: { bank_card: { codes: new Int32Array(n), keyOf: (code: number) => `c${code / codeScale}` }, terminal: { codes: new Int32Array(n), keyOf: (code: number) => `t${code}` } },
    numbers: { '/amountMinor': new Float64Array(n), '/fraud': new Float64Array(n) },
  }
  const events = items.map((it, i) => {
    clock.t += it.gapMs
    columns.occurredAtMs[i] = clock.t
    columns.keys.bank_card.codes[i] = it.card < 0 ? -1 : it.card * codeScale
    columns.keys.terminal.codes[i] = it.terminal
    columns.numbers['/amountMinor'][i] = it.amountMinor ?? Number.NaN
    columns.numbers['/fraud'][i] = it.fraud
    const keys: ObservedEvent['keys'] = {}
    if (it.card >= 0) keys.bank_card = [`c${it.card}`]
    if (it.terminal >= 0) keys.terminal = [`t${it.terminal}`]
    return { type, occurredAtMs: clock.t, data: { ...(it.amountMinor === null ? {} : { amountMinor: it.amountMinor }), fraud: it.fraud }, keys }
  })
  return { events, columns: { ...columns, eventAt: (i) => events[i]! }, wanted: Uint8Array.from(items, (it) => (it.wanted ? 1 : 0)) }
}

const bytes = (rows: Float64Array, n: number, width: number) => Buffer.from(rows.buffer, rows.byteOffset, n * width * 8)

describe('observeColumns', () => {
  test('gives the rows observeBatch gives, bit for bit, and leaves the same state', () => {
    fc.assert(
      fc.property(fc.array(batchArbitrary, { minLength: 1, maxLength: 6 }), fc.boolean(), (batches, sparseCodes) => {
        const fromEvents = new FeatureEngine(definitions)
        const fromColumns = new FeatureEngine(definitions)
        const clock = { t: t0 }
        const width = definitions.length
        let reused: Float64Array | undefined
        for (const { type, items } of batches) {
          // codes beyond the dense range take the Map of slots
          const batch = batchOf(type, items, clock, sparseCodes ? 1 << 25 : 1)
          const expected = fromEvents.observeBatch(batch.events, (i) => batch.wanted[i] === 1)
          const { eventAt: _, ...columnsOnly } = batch.columns
          reused = fromColumns.observeColumns(columnsOnly, batch.wanted, reused)
          assert.deepEqual(bytes(reused, items.length, width), bytes(expected, items.length, width))
        }
        assert.deepEqual(fromColumns.snapshot(), fromEvents.snapshot())
        assert.deepEqual(fromColumns.stats(), fromEvents.stats())
      }),
      { numRuns: 200, seed: 20261128 },
    )
  })

  test('what columns cannot carry goes through observeBatch with eventAt, and without it is an error naming the feature', () => {
    const filtered = parseFeatureDefinitions([...rawDefinitions, { name: 'largePerCard', kind: 'count', entity: 'bank_card', eventTypes: ['card.transaction'], window: '6h', where: 'event.data.amountMinor >= 1000000' }], types)
    compileFeatureExpressions(filtered, () => schema)
    const items = Array.from({ length: 30 }, (_, i) => ({ gapMs: (i % 4) * 600_000, card: i % 3, terminal: i % 2, amountMinor: (i * 370_001) % 2_000_000, fraud: i % 5 === 0 ? 1 : 0, wanted: true }))
    const batch = batchOf('card.transaction', items, { t: t0 })
    const expected = new FeatureEngine(filtered).observeBatch(batch.events)
    assert.deepEqual(new FeatureEngine(filtered).observeColumns(batch.columns), expected)
    const { eventAt: _, ...columnsOnly } = batch.columns
    assert.throws(() => new FeatureEngine(filtered).observeColumns(columnsOnly), /feature "largePerCard" has a where condition.*give eventAt/)
    // a number field without its column is not taken as missing in every event
    const { '/fraud': __, ...noFraud } = columnsOnly.numbers
    assert.throws(() => new FeatureEngine(definitions).observeColumns({ ...columnsOnly, numbers: noFraud }), /reads \/fraud, a number without its column/)
  })
})
