import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { Multisets } from '../../src/features/multisets.ts'

test('the shared multisets count each (log, value, feature) exactly as a map of counts does, through growth and deletions', () => {
  const triple = fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 3 }))
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), triple), { maxLength: 600 }), (steps) => {
      const sets = new Multisets()
      const counts = new Map<string, number>()
      for (const [adding, [log, value, f]] of steps) {
        const key = `${log}/${value}/${f}`
        const n = counts.get(key) ?? 0
        if (adding) {
          assert.equal(sets.add(log, value, f), n === 0)
          counts.set(key, n + 1)
        } else if (n > 0) {
          assert.equal(sets.remove(log, value, f), n === 1)
          if (n === 1) counts.delete(key)
          else counts.set(key, n - 1)
        } else assert.throws(() => sets.remove(log, value, f), /does not hold/)
        assert.equal(sets.pairs, counts.size)
      }
      for (let log = 0; log <= 5; log++) for (let value = 0; value <= 40; value++) for (let f = 0; f <= 3; f++) assert.equal(sets.has(log, value, f), counts.has(`${log}/${value}/${f}`))
    }),
    { numRuns: 200 },
  )
})
