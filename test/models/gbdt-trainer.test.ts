import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { trainGbdt, trainGbdtSync } from '../../src/models/gbdt/gbdt-trainer.ts'
import { auc, logLoss, rmse } from '../../src/models/gbdt/metrics.ts'
import { rowOf, synthetic, xor } from './synthetic-data.ts'

const leavesOf = (feature: Int32Array) => feature.filter((f) => f < 0).length

describe('learning', () => {
  test('learns XOR, which no single split can: depth 2 trees do, stumps do not', () => {
    const train = xor(2000, 1)
    const test_ = xor(1000, 2)
    const deep = trainGbdtSync(train, { rounds: 50, learningRate: 0.3, maxDepth: 2 }).model
    const stumps = trainGbdtSync(train, { rounds: 50, learningRate: 0.3, maxDepth: 1 }).model
    assert.ok(auc(test_.labels, deep.predictMarginBatch(test_.features)) > 0.95)
    assert.ok(auc(test_.labels, stumps.predictMarginBatch(test_.features)) < 0.6)
  })

  test('leaf-wise growth learns XOR too and keeps each tree within maxLeaves', () => {
    const train = xor(2000, 3)
    const test_ = xor(1000, 4)
    const model = trainGbdtSync(train, { rounds: 40, learningRate: 0.3, growth: 'leafwise', maxLeaves: 5 }).model
    assert.ok(auc(test_.labels, model.predictMarginBatch(test_.features)) > 0.95)
    for (let t = 0; t < model.treeCount; t++) assert.ok(leavesOf(model.tree(t).feature) <= 5)
    assert.ok(leavesOf(model.tree(0).feature) === 5, 'the first tree has more than enough signal for 5 leaves')
  })

  test('regression with squared error fits a curve far better than its mean', () => {
    const f = (x: number[]) => Math.sin(6 * x[0]!) + x[1]! * x[1]!
    const train = synthetic(3000, 3, 5, f)
    const test_ = synthetic(1000, 3, 6, f)
    const model = trainGbdtSync(train, { objective: 'regression', rounds: 150, learningRate: 0.2, maxDepth: 4 }).model
    const predicted = model.predictBatch(test_.features)
    const mean = test_.labels.reduce((a, b) => a + b, 0) / test_.labels.length
    assert.ok(rmse(test_.labels, predicted) < 0.1 * rmse(test_.labels, new Float64Array(test_.labels.length).fill(mean)))
  })

  test('the base score is the log-odds of the (weighted) base rate', () => {
    const data = synthetic(1000, 1, 7, (x) => (x[0]! < 0.2 ? 1 : 0))
    const model = trainGbdtSync(data, { rounds: 1 }).model
    const rate = data.labels.reduce((a, b) => a + b, 0) / data.labels.length
    assert.ok(Math.abs(model.baseScore - Math.log(rate / (1 - rate))) < 1e-12)
  })
})

describe('the training margins', () => {
  test("each tree is fitted at the margins the trees before it give (rows moved leaf by leaf, as they were split)", () => {
    const data = synthetic(3000, 3, 16, (x, draw) => (draw() < 0.2 + 0.5 * x[0]! * x[1]! ? 1 : 0))
    for (const growth of [{ maxDepth: 4 }, { growth: 'leafwise' as const, maxLeaves: 9 }]) {
      const options = { ...growth, learningRate: 1, lambda: 1 }
      const first = trainGbdtSync(data, { ...options, rounds: 1 }).model
      const both = trainGbdtSync(data, { ...options, rounds: 2 }).model
      // the second tree's root holds −G / (H + lambda) over the gradients at the first tree's margins
      let g = 0
      let h = 0
      for (let i = 0; i < data.labels.length; i++) {
        const p = first.predict(rowOf(data, i))
        g += p - data.labels[i]!
        h += p * (1 - p)
      }
      assert.ok(Math.abs(both.tree(1).value[0]! - -g / (h + 1)) < 1e-9)
    }
  })
})

describe('the base score', () => {
  const data = synthetic(1000, 2, 14, (x, draw) => (draw() < 0.1 + 0.3 * x[0]! ? 1 : 0))
  const positives = data.labels.reduce((a, b) => a + b, 0)

  test("'prior' is the default: the same model, byte for byte", async () => {
    const { serializeModel } = await import('../../src/models/gbdt/model-json.ts')
    const options = { rounds: 5, maxDepth: 3 }
    assert.equal(serializeModel(trainGbdtSync(data, { ...options, baseScore: 'prior' }).model), serializeModel(trainGbdtSync(data, options).model))
  })

  test('a given margin is where boosting starts: at 0 every row has gradient p − y = 0.5 − y and hessian 0.25', () => {
    const model = trainGbdtSync(data, { rounds: 1, maxDepth: 1, learningRate: 0.5, lambda: 1, baseScore: 0 }).model
    assert.equal(model.baseScore, 0)
    // the root keeps the weight it would have as a leaf: −G / (H + lambda), times the learning rate
    const rootValue = (-(data.labels.length * 0.5 - positives) / (data.labels.length * 0.25 + 1)) * 0.5
    assert.ok(Math.abs(model.value[0]! - rootValue) < 1e-12)
    const shifted = trainGbdtSync(data, { rounds: 1, maxDepth: 1, baseScore: -2 }).model
    assert.equal(shifted.baseScore, -2)
    assert.notEqual(shifted.value[0], model.value[0])
  })

  test('it is kept among the parameters, and a regression starts from the given value', async () => {
    const { serializeModel } = await import('../../src/models/gbdt/model-json.ts')
    const json = JSON.parse(serializeModel(trainGbdtSync(data, { rounds: 2, baseScore: 0 }).model))
    assert.equal(json.baseScore, 0)
    assert.equal(json.training.parameters.baseScore, 0)
    assert.equal(JSON.parse(serializeModel(trainGbdtSync(data, { rounds: 2 }).model)).training.parameters.baseScore, 'prior')
    const regression = trainGbdtSync({ features: data.features, labels: data.labels.map((y) => 10 + y) }, { objective: 'regression', rounds: 3, baseScore: 7.5 }).model
    assert.equal(regression.baseScore, 7.5)
    assert.ok(regression.value[0]! > 0, 'the first tree moves every row up towards labels of 10 and 11')
  })
})

describe('more than 255 bins', () => {
  // 20,000 distinct values; the 30 largest (0.15 %) are all positive, with a base rate of 5 % below them.
  // 255 equal-count bins hold about 78 rows each, so the top bin mixes the 30 with 48 others: only many bins can cut at the rule.
  const rows = 20_000
  const x = Float64Array.from({ length: rows }, (_, i) => ((i * 7919) % rows) / 100)
  const rule = (rows - 30) / 100
  const noise = synthetic(rows, 1, 15, () => 0).features[0]!
  const labels = Float64Array.from(x, (v, i) => (v >= rule ? 1 : noise[i]! < 0.05 ? 1 : 0))
  const data = { features: [x], labels }
  const options = { rounds: 1, maxDepth: 1, learningRate: 1, minChildWeight: 0, baseScore: 0 } as const

  test('a split at a value only more than 255 bins can isolate is found; with 255 it is not', () => {
    const fine = trainGbdtSync(data, { ...options, maxBins: 65_535 }).model
    assert.equal(fine.threshold[0], rule - 0.005, 'halfway between the last value under the rule and the first over it')
    const coarse = trainGbdtSync(data, { ...options, maxBins: 255 }).model
    assert.ok(coarse.threshold[0]! < rule - 0.4, `255 bins cut at ${coarse.threshold[0]}`)
    // the many-bin model sends exactly the rule's rows right
    const right = fine.predictMarginBatch([Float64Array.of(rule - 0.01, rule)])
    assert.ok(right[1]! > right[0]! + 1)
  })

  test('one thread or three give the same model on a two-byte bin matrix', async () => {
    const { serializeModel } = await import('../../src/models/gbdt/model-json.ts')
    const wide = { features: [x, noise, Float64Array.from(x, (v) => -v)], labels }
    const more = { rounds: 10, maxDepth: 4, maxBins: 4095, subsample: 0.8, colsampleByTree: 0.67, seed: 3 }
    const one = serializeModel((await trainGbdt(wide, { ...more, threads: 1 })).model)
    const three = serializeModel((await trainGbdt(wide, { ...more, threads: 3 })).model)
    assert.equal(three, one)
    assert.ok(JSON.parse(one).trees.some((tree: { threshold: number[] }) => tree.threshold.includes(rule - 0.005) || tree.threshold.includes(-(rule - 0.005))))
  })
})

describe('regularisation and limits', () => {
  const data = synthetic(2000, 3, 8, (x, draw) => (draw() < x[0]! ? 1 : 0))

  test('a larger lambda shrinks the leaf values; alpha zeroes the small ones', () => {
    const spread = (lambda: number, alpha = 0) => {
      const m = trainGbdtSync(data, { rounds: 1, maxDepth: 3, learningRate: 1, lambda, alpha }).model
      return Math.max(...m.value.map(Math.abs))
    }
    assert.ok(spread(1000) < spread(0) / 2)
    const sparse = trainGbdtSync(data, { rounds: 1, maxDepth: 3, learningRate: 1, alpha: 1e6 }).model
    assert.equal(sparse.treeCount, 1)
    assert.deepEqual([...sparse.feature], [-1], 'no split gains anything once alpha swallows every gradient sum')
  })

  test('every leaf holds at least minChildWeight of hessian and minChildSamples rows', () => {
    const model = trainGbdtSync(data, { rounds: 5, maxDepth: 8, minChildWeight: 20 }).model
    for (let node = 0; node < model.feature.length; node++) assert.ok(model.cover[node]! >= 20 - 1e-9)
    const few = trainGbdtSync(data, { rounds: 5, maxDepth: 8, minChildSamples: 300 }).model
    for (let t = 0; t < few.treeCount; t++) assert.ok(leavesOf(few.tree(t).feature) <= Math.floor(2000 / 300))
  })

  test('minSplitGain stops splits that gain less', () => {
    const all = trainGbdtSync(data, { rounds: 1, maxDepth: 6 }).model
    const gains = [...all.gain].filter((g) => g > 0).sort((a, b) => a - b)
    const cut = gains[Math.floor(gains.length / 2)]!
    const pruned = trainGbdtSync(data, { rounds: 1, maxDepth: 6, minSplitGain: cut }).model
    for (const g of pruned.gain) assert.ok(g === 0 || g > cut)
    assert.ok(pruned.feature.length < all.feature.length)
  })

  test('scalePosWeight (or classWeights) raises the predicted probabilities', () => {
    const mean = (m: { predictBatch: (c: readonly Float64Array[]) => Float64Array }) => m.predictBatch(data.features as Float64Array[]).reduce((a, b) => a + b, 0) / 2000
    const plain = trainGbdtSync(data, { rounds: 20 }).model
    const weighted = trainGbdtSync(data, { rounds: 20, scalePosWeight: 4 }).model
    const same = trainGbdtSync(data, { rounds: 20, classWeights: { 0: 1, 1: 4 } }).model
    assert.ok(mean(weighted) > mean(plain) + 0.1)
    assert.equal(mean(same), mean(weighted))
  })
})

describe('missing values', () => {
  test('rows with a missing value go the way that fits them, learned per split', () => {
    // x0 is missing on a fifth of the rows, and those rows are nearly all positive
    const data = synthetic(3000, 2, 9, (x, draw) => (x[1]! < 0.2 ? (draw() < 0.95 ? 1 : 0) : x[0]! > 0.7 ? 1 : 0))
    const column = data.features[0] as Float64Array
    data.features[1]!.forEach((v, i) => {
      if (v < 0.2) column[i] = Number.NaN
    })
    const model = trainGbdtSync({ features: [column], labels: data.labels }, { rounds: 30, maxDepth: 2 }).model
    assert.ok(model.predict([Number.NaN]) > 0.85)
    assert.ok(model.predict([0.3]) < 0.15)
    assert.ok(model.predict([0.9]) > 0.85)
    const root = model.tree(0)
    assert.equal(root.feature[0], 0)
  })
})

describe('monotone constraints', () => {
  // risk rises with x0 overall but wiggles; x1 matters too
  const data = synthetic(4000, 2, 10, (x, draw) => (draw() < 0.5 * x[0]! + 0.3 * Math.sin(12 * x[0]!) ** 2 * (x[1]! > 0.5 ? 1 : 0) ? 1 : 0))
  const grid = Array.from({ length: 101 }, (_, i) => i / 100)
  const violations = (model: { predictMargin: (row: number[]) => number }) => {
    let count = 0
    for (const x1 of [0.1, 0.4, 0.6, 0.9]) {
      const margins = grid.map((x0) => model.predictMargin([x0, x1]))
      for (let i = 1; i < margins.length; i++) if (margins[i]! < margins[i - 1]! - 1e-12) count++
    }
    return count
  }

  test('+1: the prediction never falls as the feature rises (without it, it does)', () => {
    const free = trainGbdtSync(data, { rounds: 60, maxDepth: 4, learningRate: 0.2 }).model
    const constrained = trainGbdtSync(data, { rounds: 60, maxDepth: 4, learningRate: 0.2, monotoneConstraints: [1, 0] }).model
    assert.ok(violations(free) > 0, 'the unconstrained model follows the wiggle')
    assert.equal(violations(constrained), 0)
  })

  test('−1 by feature name, with leaf-wise growth', () => {
    const flipped = { ...data, featureNames: ['utilisation', 'tenure'], labels: data.labels.map((y) => 1 - y) }
    const model = trainGbdtSync(flipped, { rounds: 60, growth: 'leafwise', maxLeaves: 12, learningRate: 0.2, monotoneConstraints: { utilisation: -1 } }).model
    assert.equal(violations({ predictMargin: (row) => -model.predictMargin(row) }), 0)
  })
})

describe('early stopping', () => {
  const noisy = (seed: number) => synthetic(1500, 5, seed, (x, draw) => (draw() < 0.3 + 0.4 * x[0]! ? 1 : 0))

  test('stops once the validation log-loss has not improved for the given rounds, keeping the best trees', () => {
    const { model, report } = trainGbdtSync(noisy(11), { rounds: 500, learningRate: 0.3, maxDepth: 5, earlyStoppingRounds: 10 }, noisy(12))
    assert.ok(report.stoppedEarly)
    assert.equal(report.roundsTrained, report.bestIteration + 10)
    assert.equal(model.treeCount, report.bestIteration)
    const best = Math.min(...report.validationScores)
    assert.equal(report.validationScores[report.bestIteration - 1], best)
    const validation = noisy(12)
    assert.ok(Math.abs(logLoss(validation.labels, model.predictMarginBatch(validation.features)) - best) < 1e-9)
  })

  test('on AUC too', () => {
    const { report } = trainGbdtSync(noisy(11), { rounds: 500, learningRate: 0.3, maxDepth: 5, earlyStoppingRounds: 10, earlyStoppingMetric: 'auc' }, noisy(12))
    assert.ok(report.stoppedEarly && report.roundsTrained < 500)
    assert.equal(Math.max(...report.validationScores), report.validationScores[report.bestIteration - 1])
  })
})

describe('determinism', () => {
  const data = synthetic(3000, 6, 13, (x, draw) => (draw() < x[0]! * x[1]! + 0.2 * x[2]! ? 1 : 0))
  const options = { rounds: 30, subsample: 0.7, colsampleByTree: 0.5, seed: 42 }

  test('the same seed gives a byte-identical model; another seed another model', async () => {
    const { serializeModel } = await import('../../src/models/gbdt/model-json.ts')
    const a = serializeModel(trainGbdtSync(data, options).model)
    const b = serializeModel(trainGbdtSync(data, options).model)
    const c = serializeModel(trainGbdtSync(data, { ...options, seed: 43 }).model)
    assert.equal(a, b)
    assert.notEqual(a, c)
  })

  test('one thread or three: the same model, byte for byte (depth- and leaf-wise)', async () => {
    const { serializeModel } = await import('../../src/models/gbdt/model-json.ts')
    for (const growth of [{ growth: 'depthwise' as const }, { growth: 'leafwise' as const, maxLeaves: 20 }]) {
      const one = serializeModel((await trainGbdt(data, { ...options, ...growth, threads: 1 })).model)
      const three = serializeModel((await trainGbdt(data, { ...options, ...growth, threads: 3 })).model)
      assert.equal(three, one)
    }
  })
})
