import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { SlidingHyperLogLog, estimateDistinct } from '../../src/features/sliding-hyperloglog.ts'

test('the estimate is within the standard error of the exact count', () => {
  // 256 registers: a standard error of about 6.5 %; three of them is a wide margin for one fixed hash
  for (const n of [1, 10, 100, 1_000, 10_000, 100_000]) {
    const estimate = estimateDistinct(Array.from({ length: n }, (_, i) => `device-${i}`))
    assert.ok(Math.abs(estimate - n) <= Math.max(1, 0.195 * n), `${n} distinct values estimated as ${estimate}`)
  }
  assert.equal(estimateDistinct([]), 0)
  assert.equal(estimateDistinct(['a', 'a', 'a']), 1)
})

test('a sliding sketch estimates exactly what plain HyperLogLog gives for the values in the window', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ gap: fc.integer({ min: 0, max: 50 }), value: fc.integer({ min: 0, max: 400 }) }), { minLength: 1, maxLength: 300 }),
      fc.integer({ min: 1, max: 400 }),
      (items, window) => {
        const sketch = new SlidingHyperLogLog()
        let t = 0
        const seen: { t: number; value: string }[] = []
        for (const item of items) {
          t += item.gap
          sketch.add(t, `v${item.value}`)
          seen.push({ t, value: `v${item.value}` })
          // reads move forward with the newest time, as the engine's do
          const inWindow = seen.filter((s) => s.t > t - window).map((s) => s.value)
          assert.equal(sketch.estimate(t - window), estimateDistinct(inWindow))
        }
      },
    ),
    { numRuns: 100, seed: 20261127 },
  )
})

test('a sketch keeps its possible maxima only, and comes back whole from a snapshot', () => {
  const sketch = new SlidingHyperLogLog()
  for (let i = 0; i < 50_000; i++) sketch.add(i, `ip-${i % 20_000}`)
  // bounded: far fewer numbers than values seen
  assert.ok(sketch.storedNumbers < 256 + 2 * 256 * 20, `${sketch.storedNumbers} numbers kept`)
  const numbers: number[] = []
  sketch.writeTo(numbers)
  let at = 0
  const copy = SlidingHyperLogLog.readFrom({ next: () => numbers[at++]! })
  assert.equal(at, numbers.length)
  for (const from of [-1, 10_000, 40_000, 49_990]) assert.equal(copy.estimate(from), sketch.estimate(from))
})
