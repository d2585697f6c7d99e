import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { float32LessThanBound, nextDown, nextUp, previousFloat32 } from '../../src/models/import/float32.ts'
import { importOnnxModel } from '../../src/models/import/onnx-model.ts'
import { float32AtMostBound, splitBound } from '../../src/models/import/onnx-trees.ts'
import { type EnsembleSpec, ensembleModel, onnxruntimeScores, seeded, type TestTree } from './onnx-reference.ts'

const float32Max = 3.4028234663852886e38
const next32 = (t: number) => -previousFloat32(-t)
/** Any finite float32, subnormals and the extremes included. */
const float32 = fc.float({ noNaN: true, noDefaultInfinity: true }).map((x) => Math.fround(x))

describe('float32 x ≤ t as a double bound', () => {
  test('for every float32 t and double x: Math.fround(x) ≤ t exactly when x ≤ float32AtMostBound(t)', () => {
    fc.assert(
      fc.property(float32, fc.double({ noNaN: true }), (t, x) => {
        assert.equal(x <= float32AtMostBound(t), Math.fround(x) <= t)
      }),
      { numRuns: 20_000 },
    )
  })

  test('the bound is the last double that rounds to t or below, at zero, subnormals and ±FLT_MAX too', () => {
    const edges = [0, -0, 1.401298464324817e-45, -1.401298464324817e-45, 1.1754943508222875e-38, float32Max, -float32Max, 1, -1, Math.fround(0.1)]
    fc.assert(
      fc.property(fc.oneof(float32, fc.constantFrom(...edges)), (t) => {
        const bound = float32AtMostBound(t)
        assert.ok(Math.fround(bound) <= t && !(Math.fround(nextUp(bound)) <= t), String(t))
      }),
      { numRuns: 20_000 },
    )
    assert.equal(Math.fround(nextUp(float32AtMostBound(float32Max))), Number.POSITIVE_INFINITY)
    assert.throws(() => float32AtMostBound(Number.POSITIVE_INFINITY), RangeError)
  })

  test('each mode sends every double where onnxruntime sends its float32, NaN aside', () => {
    const holds = { BRANCH_LEQ: (v: number, t: number) => v <= t, BRANCH_LT: (v: number, t: number) => v < t, BRANCH_GTE: (v: number, t: number) => v >= t, BRANCH_GT: (v: number, t: number) => v > t }
    fc.assert(
      fc.property(float32, fc.double({ noNaN: true }), fc.constantFrom(...(Object.keys(holds) as (keyof typeof holds)[])), (t, x, mode) => {
        const { bound, trueGoesLeft } = splitBound(mode, t, 'float')
        assert.equal(x <= bound === trueGoesLeft, holds[mode](Math.fround(x), t))
        const double = splitBound(mode, t, 'double')
        assert.equal(x <= double.bound === double.trueGoesLeft, holds[mode](x, t))
      }),
      { numRuns: 20_000 },
    )
  })
})

/** Thresholds a converter could write, and the awkward ones: zero of both signs, subnormals, the extremes. */
function threshold(random: ReturnType<typeof seeded>, input: 'float' | 'double'): number {
  const special = [0, -0, 1.401298464324817e-45, -1.401298464324817e-45, 1.1754943508222875e-38, float32Max, -float32Max, 0.5, -2.5, 1e-7, 123456.789]
  const raw = random.next() < 0.2 ? random.pick(special) : (random.next() - 0.5) * 10 ** random.int(4)
  return input === 'float' ? Math.fround(raw) : raw
}

const allModes = ['BRANCH_LEQ', 'BRANCH_LT', 'BRANCH_GTE', 'BRANCH_GT']

function randomTree(random: ReturnType<typeof seeded>, depth: number, features: number, input: 'float' | 'double', rootSplits: boolean): TestTree {
  if (depth === 0 || (!rootSplits && random.next() < 0.2)) return { leaf: Math.fround((random.next() - 0.5) * 4) }
  return {
    feature: random.int(features),
    mode: random.pick(allModes),
    threshold: threshold(random, input),
    missingTracksTrue: random.next() < 0.5,
    whenTrue: randomTree(random, depth - 1, features, input, false),
    whenFalse: randomTree(random, depth - 1, features, input, false),
  }
}

function thresholdsOf(tree: TestTree, byFeature: number[][]): void {
  if ('leaf' in tree) return
  byFeature[tree.feature]!.push(tree.threshold)
  thresholdsOf(tree.whenTrue, byFeature)
  thresholdsOf(tree.whenFalse, byFeature)
}

/**
 * Rows whose cells sit on and around the thresholds of their feature: the
 * threshold, its float32 neighbours, the doubles on either side of each
 * float32 rounding boundary, NaN, ±0, ±∞ and plain random values.
 */
function rowsFor(random: ReturnType<typeof seeded>, trees: TestTree[], features: number, count: number, input: 'float' | 'double'): number[][] {
  const byFeature = Array.from({ length: features }, () => [] as number[])
  for (const tree of trees) thresholdsOf(tree, byFeature)
  const candidates = byFeature.map((ts) =>
    ts.flatMap((t) => {
      const near = input === 'float' ? [t, previousFloat32(t), next32(t), (t + next32(t)) / 2, float32AtMostBound(t), nextUp(float32AtMostBound(t)), float32LessThanBound(t), nextUp(float32LessThanBound(t))] : [t, nextDown(t), nextUp(t)]
      return near.filter(Number.isFinite)
    }),
  )
  const extra = [Number.NaN, 0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]
  return Array.from({ length: count }, () =>
    candidates.map((c) => {
      const r = random.next()
      if (r < 0.1) return random.pick(extra)
      if (r < 0.2 || c.length === 0) return (random.next() - 0.5) * 20
      return random.pick(c)
    }),
  )
}

interface Case {
  name: string
  operator: EnsembleSpec['operator']
  input: 'float' | 'double'
  trees: number
  depth: number
  models: number
}

const cases: Case[] = [
  { name: 'TreeEnsembleRegressor, float input', operator: 'TreeEnsembleRegressor', input: 'float', trees: 6, depth: 4, models: 25 },
  { name: 'TreeEnsembleRegressor, double input', operator: 'TreeEnsembleRegressor', input: 'double', trees: 6, depth: 4, models: 15 },
  { name: 'TreeEnsembleRegressor, 120 trees (past onnxruntime’s 80-tree parallel threshold)', operator: 'TreeEnsembleRegressor', input: 'float', trees: 120, depth: 3, models: 3 },
  { name: 'TreeEnsembleClassifier (binary, LOGISTIC), float input', operator: 'TreeEnsembleClassifier', input: 'float', trees: 6, depth: 4, models: 25 },
  { name: 'TreeEnsembleClassifier (binary, LOGISTIC), double input', operator: 'TreeEnsembleClassifier', input: 'double', trees: 6, depth: 4, models: 10 },
  { name: 'TreeEnsemble (opset 5), float input', operator: 'TreeEnsemble', input: 'float', trees: 6, depth: 4, models: 15 },
  { name: 'TreeEnsemble (opset 5), double input', operator: 'TreeEnsemble', input: 'double', trees: 6, depth: 4, models: 10 },
]

describe('random trees with every split mode and missing-value rule score as onnxruntime-node does', () => {
  for (const c of cases) {
    test(c.name, async (t) => {
      const random = seeded(c.name.length * 7919 + c.trees)
      let rows = 0
      let exact = 0
      let largest = 0
      for (let m = 0; m < c.models; m++) {
        const features = 1 + random.int(5)
        const trees = Array.from({ length: c.trees }, () => randomTree(random, c.depth, features, c.input, c.operator === 'TreeEnsemble'))
        const base = c.operator === 'TreeEnsemble' || random.next() < 0.3 ? undefined : [threshold(random, c.input) % 3]
        const bytes = ensembleModel({ operator: c.operator, trees, features, input: c.input, ...(base ? { base } : {}), asTensor: c.input === 'double' && random.next() < 0.5 })
        const sample = rowsFor(random, trees, features, 300, c.input)
        const expected = await onnxruntimeScores(bytes, sample, c.input)
        const imported = importOnnxModel(bytes)
        sample.forEach((row, i) => {
          const got = imported.predict(row)
          const want = expected[i]!
          const difference = Number.isNaN(want) && Number.isNaN(got) ? 0 : Math.abs(got - want)
          largest = Math.max(largest, difference)
          if (Object.is(got, want) || got === want) exact++
          assert.ok(difference <= 1e-6, `model ${m} row ${i} [${row}]: onnxruntime ${want}, imported ${got}`)
        })
        rows += sample.length
      }
      // the regressors' sums are replayed in onnxruntime's arithmetic: bit for bit
      if (c.operator !== 'TreeEnsembleClassifier') assert.equal(exact, rows, `largest difference ${largest}`)
      t.diagnostic(`${rows} rows, ${exact} identical, largest difference ${largest}`)
    })
  }
})
