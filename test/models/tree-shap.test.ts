import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { trainGbdtSync } from '../../src/models/gbdt/gbdt-trainer.ts'
import type { GbdtModel } from '../../src/models/gbdt/tree-model.ts'
import { explain } from '../../src/models/gbdt/tree-shap.ts'
import { synthetic } from './synthetic-data.ts'

/**
 * The value of knowing the features in S: each tree's expected output when
 * the features in S are those of `row` and the others unknown, an unknown
 * split taking both branches weighted by their cover (TreeSHAP's definition).
 */
function coalitionValue(model: GbdtModel, row: ArrayLike<number>, known: Set<number>): number {
  const expected = (node: number): number => {
    const f = model.feature[node]!
    if (f < 0) return model.value[node]!
    const left = model.left[node]!
    const right = model.right[node]!
    if (known.has(f)) {
      const x = row[f]!
      return expected(x <= model.threshold[node]! ? left : x > model.threshold[node]! ? right : model.defaultLeft[node] ? left : right)
    }
    return (model.cover[left]! * expected(left) + model.cover[right]! * expected(right)) / model.cover[node]!
  }
  let sum = model.baseScore
  for (let t = 0; t < model.treeCount; t++) sum += expected(model.roots[t]!)
  return sum
}

/** Shapley values by enumerating every subset of the other features: exponential, for tiny models only. */
function bruteForceShapley(model: GbdtModel, row: ArrayLike<number>): Float64Array {
  const m = model.featureCount
  const factorial = (k: number): number => (k <= 1 ? 1 : k * factorial(k - 1))
  const phi = new Float64Array(m)
  for (let i = 0; i < m; i++) {
    for (let mask = 0; mask < 1 << m; mask++) {
      if (mask & (1 << i)) continue
      const known = new Set<number>()
      for (let j = 0; j < m; j++) if (mask & (1 << j)) known.add(j)
      const weight = (factorial(known.size) * factorial(m - known.size - 1)) / factorial(m)
      const without = coalitionValue(model, row, known)
      known.add(i)
      phi[i]! += weight * (coalitionValue(model, row, known) - without)
    }
  }
  return phi
}

/** A small model trained on seeded random data, with missing cells, of any growth and depth. */
const smallModel = fc
  .record({
    seed: fc.integer({ min: 0, max: 1_000_000 }),
    rows: fc.integer({ min: 20, max: 150 }),
    features: fc.integer({ min: 1, max: 5 }),
    rounds: fc.integer({ min: 1, max: 4 }),
    depth: fc.integer({ min: 1, max: 5 }),
    leafwise: fc.boolean(),
    missingShare: fc.constantFrom(0, 0.1, 0.4),
  })
  .map((p) => {
    const data = synthetic(p.rows, p.features, p.seed, (x, draw) => (draw() < (x[0]! + (x[1] ?? 0.5) * (x[2] ?? 0.5)) / 1.5 ? 1 : 0))
    let k = 0
    for (const column of data.features) for (let i = 0; i < column.length; i++) if (((k++ * 2654435761) % 1000) / 1000 < p.missingShare) column[i] = Number.NaN
    const growth = p.leafwise ? { growth: 'leafwise' as const, maxLeaves: 2 + (p.depth % 6) } : { maxDepth: p.depth }
    return trainGbdtSync(data, { rounds: p.rounds, learningRate: 0.5, minChildWeight: 0, ...growth, seed: p.seed }).model
  })

const cell = fc.oneof(fc.double({ min: -0.2, max: 1.2, noNaN: true }), fc.constant(Number.NaN))
const rowFor = (model: GbdtModel) => fc.array(cell, { minLength: model.featureCount, maxLength: model.featureCount })

describe('TreeSHAP', () => {
  test('contributions plus the expected value add up to the margin', () => {
    fc.assert(
      fc.property(smallModel.chain((model) => fc.tuple(fc.constant(model), rowFor(model))), ([model, row]) => {
        const { expectedValue, contributions } = explain(model, row)
        const total = contributions.reduce((a, b) => a + b, expectedValue)
        assert.ok(Math.abs(total - model.predictMargin(row)) < 1e-9, `${total} vs ${model.predictMargin(row)}`)
      }),
      { numRuns: 150 },
    )
  })

  test('equal the Shapley values found by enumerating every subset of features', () => {
    fc.assert(
      fc.property(smallModel.chain((model) => fc.tuple(fc.constant(model), rowFor(model))), ([model, row]) => {
        const { expectedValue, contributions } = explain(model, row)
        const exact = bruteForceShapley(model, row)
        assert.ok(Math.abs(expectedValue - coalitionValue(model, row, new Set())) < 1e-9)
        for (let i = 0; i < exact.length; i++) assert.ok(Math.abs(contributions[i]! - exact[i]!) < 1e-9, `feature ${i}: ${contributions[i]} vs ${exact[i]}`)
      }),
      { numRuns: 150 },
    )
  })

  test('a feature the model never splits on contributes nothing; one feature alone takes the whole difference', () => {
    const data = synthetic(500, 3, 4, (x) => (x[1]! > 0.3 ? 1 : 0))
    const model = trainGbdtSync(data, { rounds: 10, maxDepth: 2, colsampleByTree: 1 }).model
    const row = [0.9, 0.8, 0.1]
    const { expectedValue, contributions } = explain(model, row)
    assert.equal(contributions[0], 0)
    assert.equal(contributions[2], 0)
    assert.ok(Math.abs(contributions[1]! - (model.predictMargin(row) - expectedValue)) < 1e-12)
  })
})
