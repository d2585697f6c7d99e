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

test('the shared multisets shrink when most pairs are gone and grow again, counting exactly as a map of counts does', () => {
  // bursts of adds over many logs, then most removed: the table must follow both ways and never lose a count
  const round = fc.record({ adds: fc.integer({ min: 0, max: 2_000 }), keepOneIn: fc.integer({ min: 1, max: 100 }), seed: fc.nat() })
  fc.assert(
    fc.property(fc.array(round, { minLength: 1, maxLength: 5 }), (rounds) => {
      const sets = new Multisets()
      const counts = new Map<string, number>()
      const triples = new Map<string, [number, number, number]>()
      for (const { adds, keepOneIn, seed } of rounds) {
        for (let i = 0; i < adds; i++) {
          const log = (seed + i * 7) % 97
          const value = (seed * 31 + i) % 1_000
          const f = i % 3
          const key = `${log}/${value}/${f}`
          assert.equal(sets.add(log, value, f), !counts.has(key))
          counts.set(key, (counts.get(key) ?? 0) + 1)
          triples.set(key, [log, value, f])
        }
        const peak = sets.capacity
        let turn = 0
        for (const [key, n] of [...counts]) {
          if (turn++ % keepOneIn === 0) continue
          const [log, value, f] = triples.get(key)!
          for (let k = n; k > 0; k--) assert.equal(sets.remove(log, value, f), k === 1)
          counts.delete(key)
        }
        assert.equal(sets.pairs, counts.size)
        if (peak > 16 && counts.size * 8 <= peak) assert.ok(sets.capacity === 16 || sets.capacity < 8 * counts.size, `${sets.capacity} slots for ${counts.size} pairs`)
        for (const [key, [log, value, f]] of triples) assert.equal(sets.has(log, value, f), counts.has(key))
      }
    }),
    { numRuns: 60 },
  )
})
