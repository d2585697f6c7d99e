import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { float32LessThanBound, float32Logit, float32Sigmoid, nextDown, nextUp, previousFloat32 } from '../../src/models/import/float32.ts'

/** Any finite float32, subnormals and the extremes included. */
const float32 = fc.float({ noNaN: true, noDefaultInfinity: true }).map((x) => Math.fround(x))

describe('float32 splits as x ≤ bound', () => {
  test('for every float32 t and double x: Math.fround(x) < t exactly when x ≤ float32LessThanBound(t)', () => {
    fc.assert(
      fc.property(float32, fc.double({ noNaN: true }), (t, x) => {
        assert.equal(x <= float32LessThanBound(t), Math.fround(x) < t)
      }),
      { numRuns: 20_000 },
    )
  })

  test('around the threshold, where the doubles that round to it sit', () => {
    fc.assert(
      fc.property(float32, fc.integer({ min: -4, max: 4 }), (t, step) => {
        const bound = float32LessThanBound(t)
        let x = bound
        for (let i = 0; i < Math.abs(step); i++) x = step < 0 ? nextDown(x) : nextUp(x)
        assert.equal(x <= bound, Math.fround(x) < t)
        assert.equal(Math.fround(nextUp(bound)) < t, false)
        assert.equal(Math.fround(bound) < t, true)
      }),
      { numRuns: 20_000 },
    )
  })

  test('the edges: zero, the smallest subnormal, the largest and the lowest float32', () => {
    const max = 3.4028234663852886e38
    for (const t of [0, -0, 1.401298464324817e-45, -1.401298464324817e-45, max, -max, 1, -1]) {
      const bound = float32LessThanBound(t)
      assert.ok(Math.fround(bound) < t && !(Math.fround(nextUp(bound)) < t), String(t))
    }
    assert.equal(previousFloat32(-max), Number.NEGATIVE_INFINITY)
    assert.throws(() => float32LessThanBound(0.1), RangeError)
    assert.throws(() => float32LessThanBound(Number.POSITIVE_INFINITY), RangeError)
  })

  test('nextDown and nextUp step one double', () => {
    assert.equal(nextUp(1), 1 + Number.EPSILON)
    assert.equal(nextDown(1), 1 - Number.EPSILON / 2)
    assert.equal(nextDown(0), -Number.MIN_VALUE)
    assert.equal(nextUp(0), Number.MIN_VALUE)
  })
})

describe('float32 logit and sigmoid', () => {
  test('logit(0.5) is 0 and the two are inverse to float32 precision', () => {
    assert.equal(float32Logit(0.5) + 0, 0)
    fc.assert(
      fc.property(fc.double({ min: 1e-4, max: 1 - 1e-4, noNaN: true }), (p) => {
        assert.ok(Math.abs(float32Sigmoid(float32Logit(p)) - p) <= 1e-6)
        assert.equal(Math.fround(float32Sigmoid(float32Logit(p))), float32Sigmoid(float32Logit(p)))
      }),
    )
  })
})
