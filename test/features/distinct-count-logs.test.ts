import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { parseFeatureDefinitions } from '../../src/features/feature-definition.ts'
import { FeatureEngine, type ObservedEvent } from '../../src/features/feature-engine.ts'

const minute = 60_000
const t0 = Date.parse('2026-11-01T00:00:00Z')
const definitions = parseFeatureDefinitions(
  [
    { name: 'usersPerDevice1h', kind: 'distinct_count', entity: 'device', of: 'user', eventTypes: ['login'], window: '1h' },
    { name: 'usersPerDevice1hDelayed', kind: 'distinct_count', entity: 'device', of: 'user', eventTypes: ['login'], window: '1h', delay: '20m' },
    { name: 'usersPerDevice1hWithEvent', kind: 'distinct_count', entity: 'device', of: 'user', eventTypes: ['login'], window: '1h', includesEvent: true },
    { name: 'loginsPerDevice1h', kind: 'count', entity: 'device', eventTypes: ['login'], window: '1h' },
  ],
  new Set(['login']),
)

/** The distinct users of the logins in `history` inside (asOf − 1h, asOf], and the event's own with `own`. */
function naive(history: readonly ObservedEvent[], asOf: number, own: readonly string[] = []): number {
  const users = new Set(own)
  for (const event of history) if (event.occurredAtMs > asOf - 60 * minute && event.occurredAtMs <= asOf) for (const user of event.keys.user ?? []) users.add(user)
  return users.size
}

// one device's log going from a few entries (counted from its entries) to dozens (counted in the shared multisets, from the move to a
// block of room for 32 on), its windows emptying and filling again; several users per event (an entry holding a list), the same one twice, late events, a snapshot restored midway
test('exact distinct counts are the same whether a log counts them from its entries or in the multisets, through growth, late events and a restore', () => {
  const step = fc.record({
    gapMs: fc.oneof(
      { arbitrary: fc.constant(0), weight: 4 },
      { arbitrary: fc.integer({ min: 1, max: 2 * minute }), weight: 10 },
      { arbitrary: fc.integer({ min: 30 * minute, max: 3 * 60 * minute }), weight: 1 },
      // late: that much before the newest event so far (well within the hour an event may be late)
      { arbitrary: fc.integer({ min: -20 * minute, max: -1 }), weight: 2 },
    ),
    users: fc.array(fc.constantFrom('u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7'), { minLength: 0, maxLength: 3 }),
  })
  fc.assert(
    fc.property(fc.array(step, { minLength: 1, maxLength: 300, size: 'max' }), fc.nat(), (steps, cut) => {
      let engine = new FeatureEngine(definitions)
      const restoreAt = cut % steps.length
      const history: ObservedEvent[] = []
      let newest = t0
      steps.forEach((s, i) => {
        if (i === restoreAt) {
          const restored = new FeatureEngine(definitions)
          assert.ok(restored.restore(structuredClone(engine.snapshot())))
          engine = restored
        }
        if (s.gapMs >= 0) newest += s.gapMs
        const t = newest + Math.min(0, s.gapMs)
        const event: ObservedEvent = { type: 'login', occurredAtMs: t, data: {}, keys: { device: ['d1'], ...(s.users.length > 0 ? { user: s.users } : {}) } }
        const values = engine.observe(event)
        assert.equal(values.usersPerDevice1h, naive(history, t), `plain at event ${i}`)
        assert.equal(values.usersPerDevice1hDelayed, naive(history, t - 20 * minute), `delayed at event ${i}`)
        assert.equal(values.usersPerDevice1hWithEvent, naive(history, t, s.users), `with the event at event ${i}`)
        history.push(event)
      })
    }),
    { numRuns: 120, seed: 20261128 },
  )
})
