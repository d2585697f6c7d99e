import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { averagePrecision, bestMacroF1Threshold, macroF1 } from '../../src/graph/evaluation/classification-metrics.ts'
import { NumpyRandomState } from '../../src/graph/evaluation/numpy-random-state.ts'
import { approximateMode, stratifiedTrainTestSplit } from '../../src/graph/evaluation/stratified-split.ts'

test("NumPy's RandomState: the published first outputs of MT19937 and of seeded permutations", () => {
  assert.equal(new NumpyRandomState(5489).nextUint32(), 3499211612)
  assert.equal(new NumpyRandomState(0).nextDouble(), 0.5488135039273248)
  assert.equal(new NumpyRandomState(2).nextDouble(), 0.43599490214200376)
  assert.deepEqual([...new NumpyRandomState(0).permutation(10)], [2, 8, 4, 9, 1, 6, 7, 3, 0, 5])
  assert.deepEqual([...new NumpyRandomState(42).permutation(10)], [8, 1, 5, 0, 7, 2, 9, 4, 3, 6])
})

test('the stratified split keeps each class in proportion, splits every row once, and repeats for the same seed', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 30, maxLength: 400 }), fc.double({ min: 0.1, max: 0.5, noNaN: true }), fc.integer({ min: 0, max: 1000 }), (labels, testSize, seed) => {
      fc.pre([0, 1, 2].every((c) => labels.filter((l) => l === c).length >= 2))
      const { train, test: held } = stratifiedTrainTestSplit(labels, testSize, seed)
      assert.equal(held.length, Math.ceil(testSize * labels.length))
      assert.deepEqual([...train, ...held].sort((a, b) => a - b), labels.map((_, i) => i))
      for (const c of [0, 1, 2]) {
        const total = labels.filter((l) => l === c).length
        const inTest = [...held].filter((i) => labels[i] === c).length
        // within one row of the class's exact share (scikit-learn's approximate mode)
        assert.ok(Math.abs(inTest - (total * held.length) / labels.length) <= 1 + 1e-9, `class ${c}: ${inTest} of ${total}`)
      }
      assert.deepEqual(stratifiedTrainTestSplit(labels, testSize, seed), { train, test: held })
    }),
    { numRuns: 150 },
  )
})

test("S-FFSD's class counts split as scikit-learn's approximate mode gives them", () => {
  const counts = [24_387, 5_256, 48_238]
  const rng = new NumpyRandomState(2)
  const train = approximateMode(counts, 62_304, rng)
  const test = approximateMode(
    counts.map((c, i) => c - train[i]!),
    15_577,
    rng,
  )
  assert.deepEqual(train, [19_509, 4_205, 38_590])
  assert.deepEqual(test, [4_878, 1_051, 9_648])
})

test('average precision, macro-F1 and the best threshold on small cases worked by hand', () => {
  // scikit-learn: average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.8333…
  assert.ok(Math.abs(averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) - 0.8333333333333333) < 1e-12)
  // f1_score([0, 1, 1, 0], [0, 1, 0, 0], average='macro') = (0.8 + 0.6667) / 2
  assert.ok(Math.abs(macroF1([0, 1, 1, 0], [0, 1, 0, 0]) - (0.8 + 2 / 3) / 2) < 1e-12)
  const best = bestMacroF1Threshold([0, 0, 1, 1, 0, 1], [0.1, 0.2, 0.7, 0.9, 0.3, 0.6])
  assert.deepEqual(best, { threshold: 0.6, f1: 1 })
})
