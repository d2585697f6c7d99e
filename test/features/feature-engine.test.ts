import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { type FeatureDefinition, parseFeatureDefinitions } from '../../src/features/feature-definition.ts'
import { FeatureEngine, type ObservedEvent } from '../../src/features/feature-engine.ts'

const types = new Set(['credit.application', 'login', 'loan.drawdown'])
const minute = 60_000
const t0 = Date.parse('2026-11-01T00:00:00Z')

const define = (raw: object[]): FeatureDefinition[] => parseFeatureDefinitions(raw, types)

const application = (at: number, keys: ObservedEvent['keys'], amountMinor = 100): ObservedEvent => ({
  type: 'credit.application',
  occurredAtMs: at,
  data: { amountMinor },
  keys,
})

/** Point-in-time: every feature kind reads only what came before the event, never the event itself or later ones. */
describe('point in time, for every feature kind', () => {
  const engine = () =>
    new FeatureEngine(
      define([
        { name: 'applicationsPerDevice10m', kind: 'count', entity: 'device', eventTypes: ['credit.application'], window: '10m' },
        { name: 'distinctUsersPerDevice10m', kind: 'distinct_count', entity: 'device', of: 'user', eventTypes: ['credit.application'], window: '10m' },
        { name: 'amountSumMinorPerDevice10m', kind: 'sum', entity: 'device', field: '/amountMinor', eventTypes: ['credit.application'], window: '10m' },
        { name: 'amountMaxMinorPerDevice10m', kind: 'max', entity: 'device', field: '/amountMinor', eventTypes: ['credit.application'], window: '10m' },
      ]),
    )

  test('the first event sees nothing, not even itself', () => {
    const values = engine().observe(application(t0, { device: ['d1'], user: ['u1'] }, 500))
    assert.deepEqual(values, { applicationsPerDevice10m: 0, distinctUsersPerDevice10m: 0, amountSumMinorPerDevice10m: 0, amountMaxMinorPerDevice10m: 0 })
  })

  test('later events see the earlier ones inside the window', () => {
    const e = engine()
    e.observe(application(t0, { device: ['d1'], user: ['u1'] }, 500))
    e.observe(application(t0 + minute, { device: ['d1'], user: ['u2'] }, 300))
    const values = e.observe(application(t0 + 2 * minute, { device: ['d1'], user: ['u2'] }, 900))
    assert.deepEqual(values, { applicationsPerDevice10m: 2, distinctUsersPerDevice10m: 2, amountSumMinorPerDevice10m: 800, amountMaxMinorPerDevice10m: 500 })
  })

  test('entries leave the window once it has passed (the boundary is exclusive)', () => {
    const e = engine()
    e.observe(application(t0, { device: ['d1'], user: ['u1'] }, 500))
    e.observe(application(t0 + 5 * minute, { device: ['d1'], user: ['u2'] }, 300))
    const at10 = e.read(application(t0 + 10 * minute, { device: ['d1'] }))
    assert.deepEqual(at10, { applicationsPerDevice10m: 1, distinctUsersPerDevice10m: 1, amountSumMinorPerDevice10m: 300, amountMaxMinorPerDevice10m: 300 })
    const at16 = e.read(application(t0 + 16 * minute, { device: ['d1'] }))
    assert.deepEqual(at16, { applicationsPerDevice10m: 0, distinctUsersPerDevice10m: 0, amountSumMinorPerDevice10m: 0, amountMaxMinorPerDevice10m: 0 })
  })

  test('a late event does not see events that happened after it', () => {
    const e = engine()
    e.observe(application(t0, { device: ['d1'], user: ['u1'] }, 500))
    e.observe(application(t0 + 8 * minute, { device: ['d1'], user: ['u2'] }, 700))
    const late = e.observe(application(t0 + 4 * minute, { device: ['d1'], user: ['u3'] }, 100))
    assert.deepEqual(late, { applicationsPerDevice10m: 1, distinctUsersPerDevice10m: 1, amountSumMinorPerDevice10m: 500, amountMaxMinorPerDevice10m: 500 })
    // and once added, later reads count it in time order
    const after = e.read(application(t0 + 9 * minute, { device: ['d1'] }))
    assert.deepEqual(after, { applicationsPerDevice10m: 3, distinctUsersPerDevice10m: 3, amountSumMinorPerDevice10m: 1300, amountMaxMinorPerDevice10m: 700 })
  })

  test('max follows the window as larger values expire', () => {
    const e = engine()
    e.observe(application(t0, { device: ['d1'] }, 900))
    e.observe(application(t0 + 3 * minute, { device: ['d1'] }, 200))
    e.observe(application(t0 + 6 * minute, { device: ['d1'] }, 400))
    assert.equal(e.read(application(t0 + 9 * minute, { device: ['d1'] })).amountMaxMinorPerDevice10m, 900)
    assert.equal(e.read(application(t0 + 11 * minute, { device: ['d1'] })).amountMaxMinorPerDevice10m, 400)
    assert.equal(e.read(application(t0 + 17 * minute, { device: ['d1'] })).amountMaxMinorPerDevice10m, 0)
  })
})

describe('which events feed and read a feature', () => {
  const e = () =>
    new FeatureEngine(define([{ name: 'distinctUsersPerDevice24h', kind: 'distinct_count', entity: 'device', of: 'user', eventTypes: ['login'], window: '24h' }]))

  test('only the listed event types feed it, but any event with the entity reads it', () => {
    const engine = e()
    engine.observe({ type: 'login', occurredAtMs: t0, data: {}, keys: { device: ['d1'], user: ['u1'] } })
    engine.observe({ type: 'credit.application', occurredAtMs: t0 + 1, data: {}, keys: { device: ['d1'], user: ['u9'] } })
    engine.observe({ type: 'login', occurredAtMs: t0 + 2, data: {}, keys: { device: ['d1'], user: ['u2'] } })
    const values = engine.read({ type: 'credit.application', occurredAtMs: t0 + 3, data: {}, keys: { device: ['d1'] } })
    assert.equal(values.distinctUsersPerDevice24h, 2)
  })

  test('an event without the entity reads zero', () => {
    const engine = e()
    engine.observe({ type: 'login', occurredAtMs: t0, data: {}, keys: { device: ['d1'], user: ['u1'] } })
    assert.equal(engine.read({ type: 'login', occurredAtMs: t0 + 1, data: {}, keys: {} }).distinctUsersPerDevice24h, 0)
  })

  test('a multi-valued entity (contacts) reports the highest value over its keys', () => {
    const engine = new FeatureEngine(define([{ name: 'applicationsNamingContact30d', kind: 'count', entity: 'contacts', eventTypes: ['credit.application'], window: '30d' }]))
    engine.observe(application(t0, { contacts: ['c1', 'c2'] }))
    engine.observe(application(t0 + 1, { contacts: ['c2'] }))
    assert.equal(engine.read(application(t0 + 2, { contacts: ['c1', 'c2', 'c3'] })).applicationsNamingContact30d, 2)
  })
})

describe('reads never change what a later event sees', () => {
  const count1h = () =>
    new FeatureEngine(define([{ name: 'applicationsPerDevice1h', kind: 'count', entity: 'device', eventTypes: ['credit.application'], window: '1h' }]))
  const login = (at: number): ObservedEvent => ({ type: 'login', occurredAtMs: at, data: {}, keys: { device: ['d'] } })

  test('an event that feeds nothing, stamped later, leaves the window for a slightly earlier one', () => {
    const engine = count1h()
    engine.observe(application(t0, { device: ['d'] }))
    engine.observe(application(t0 + 10 * minute, { device: ['d'] }))
    engine.observe(login(t0 + 70 * minute))
    assert.equal(engine.observe(application(t0 + 65 * minute, { device: ['d'] })).applicationsPerDevice1h, 1)
  })

  test('a dry run and current values in the future change nothing', () => {
    const engine = count1h()
    engine.observe(application(t0, { device: ['d'] }))
    engine.observe(application(t0 + 10 * minute, { device: ['d'] }))
    assert.equal(engine.read(application(t0 + 5 * 60 * minute, { device: ['d'] })).applicationsPerDevice1h, 0)
    assert.equal(engine.valuesOf('device', 'd', t0 + 9 * 60 * minute).applicationsPerDevice1h, 0)
    assert.equal(engine.observe(application(t0 + 20 * minute, { device: ['d'] })).applicationsPerDevice1h, 2)
  })

  test('a late event within the hour sees exactly what came before it, as a replay of the same events does', () => {
    const online = count1h()
    const events = Array.from({ length: 121 }, (_, i) => application(t0 + i * minute, { device: ['d'] }))
    for (const event of events) online.observe(event)
    const late = application(t0 + 100 * minute, { device: ['d'] })
    const replayed = count1h()
    for (const event of events) replayed.add(event)
    assert.equal(online.observe(late).applicationsPerDevice1h, 60)
    assert.equal(replayed.read(late).applicationsPerDevice1h, 60)
  })
})

describe('bounded memory', () => {
  test('a hot key keeps at most maxEntriesPerKey entries and says it is saturated', () => {
    const engine = new FeatureEngine(define([{ name: 'applicationsPerDevice30d', kind: 'count', entity: 'device', eventTypes: ['credit.application'], window: '30d' }]), {
      maxEntriesPerKey: 100,
    })
    for (let i = 0; i < 250; i++) engine.observe(application(t0 + i, { device: ['hot'] }))
    assert.equal(engine.read(application(t0 + 1000, { device: ['hot'] })).applicationsPerDevice30d, 100)
    assert.deepEqual(engine.stats(), { entities: 1, saturated: 1 })
  })

  test('dropping the oldest entry over capacity keeps a maximum entered at the same time', () => {
    const maxOf = (times: number[], amounts: number[], readAt: number) => {
      const engine = new FeatureEngine(define([{ name: 'amountMax1h', kind: 'max', entity: 'device', eventTypes: ['credit.application'], field: '/amountMinor', window: '1h' }]), {
        maxEntriesPerKey: 2,
      })
      for (const [i, at] of times.entries()) engine.observe(application(at, { device: ['d'] }, amounts[i]))
      return engine.read(application(readAt, { device: ['d'] })).amountMax1h
    }
    // the third entry drops (t0, 1) only; (t0, 10) is still inside
    assert.equal(maxOf([t0, t0, t0 + 1], [1, 10, 3], t0 + 1), 10)
    assert.equal(maxOf([t0, t0, t0], [1, 10, 3], t0), 10)
  })

  test('sweep drops windows that have fully expired', () => {
    const engine = new FeatureEngine(define([{ name: 'loginsPerDevice10m', kind: 'count', entity: 'device', eventTypes: ['login'], window: '10m' }]))
    engine.observe({ type: 'login', occurredAtMs: t0, data: {}, keys: { device: ['d1'] } })
    engine.observe({ type: 'login', occurredAtMs: t0 + 9 * minute, data: {}, keys: { device: ['d2'] } })
    assert.equal(engine.sweep(t0 + 12 * minute), 1)
    assert.equal(engine.stats().entities, 1)
  })
})

describe('definitions are validated with precise errors', () => {
  const problems = (raw: object[]) => {
    try {
      define(raw)
      return []
    } catch (error) {
      return (error as { issues: { pointer: string; code: string }[] }).issues.map((i) => `${i.pointer} ${i.code}`)
    }
  }

  test('each problem names the field', () => {
    assert.deepEqual(
      problems([
        { name: 'ok', kind: 'count', entity: 'device', eventTypes: ['login'], window: '1h' },
        { name: 'ok', kind: 'median', entity: 'planet', eventTypes: ['nope'], window: '3 weeks' },
        { name: 'sumWithoutField', kind: 'sum', entity: 'user', eventTypes: ['login'], window: '1d' },
      ]),
      [
        '/features/1/name duplicate',
        '/features/1/kind invalid_value',
        '/features/1/entity unknown_entity_kind',
        '/features/1/window invalid_format',
        '/features/1/eventTypes/0 unknown_event_type',
        '/features/2/field required',
      ],
    )
  })
})
