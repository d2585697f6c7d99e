/**
 * The packed scorer (packed-trees.ts) and the edge-wise TreeSHAP
 * (tree-shap.ts) against the plainest walks of the same trees, on random
 * trees built by hand: any shape and depth, features split on again below,
 * thresholds at ±∞, children with no cover, rows with missing and infinite
 * values, tree counts that are not a multiple of the eight trees the scorer
 * walks at once.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { GbdtModel, type TreeArrays } from '../../src/models/gbdt/tree-model.ts'
import { explain } from '../../src/models/gbdt/tree-shap.ts'

interface Spec {
  features: number
  trees: TreeArrays[]
  baseScore: number
}

/** A random tree of at most `depth` levels: each node splits with probability `splitChance` (always at the root). */
function randomTree(features: number, depth: number, draw: () => number): TreeArrays {
  const feature: number[] = []
  const threshold: number[] = []
  const defaultLeft: number[] = []
  const left: number[] = []
  const right: number[] = []
  const value: number[] = []
  const cover: number[] = []
  const grow = (level: number, nodeCover: number): number => {
    const at = feature.length
    feature.push(-1)
    threshold.push(0)
    defaultLeft.push(0)
    left.push(-1)
    right.push(-1)
    value.push(Math.round((draw() - 0.5) * 2000) / 1000)
    cover.push(nodeCover)
    if (level < depth && (level === 0 || draw() < 0.75)) {
      const pick = draw()
      feature[at] = Math.floor(draw() * features)
      threshold[at] = pick < 0.05 ? Number.POSITIVE_INFINITY : pick < 0.1 ? Number.NEGATIVE_INFINITY : Math.round(draw() * 100) / 100
      defaultLeft[at] = draw() < 0.5 ? 1 : 0
      const share = draw() < 0.08 ? 0 : draw() < 0.08 ? 1 : draw()
      left[at] = grow(level + 1, nodeCover * share)
      right[at] = grow(level + 1, nodeCover * (1 - share))
      value[at] = 0
    }
    return at
  }
  grow(0, 100)
  return {
    feature: Int32Array.from(feature),
    threshold: Float64Array.from(threshold),
    defaultLeft: Uint8Array.from(defaultLeft),
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    value: Float64Array.from(value),
    cover: Float64Array.from(cover),
    gain: new Float64Array(feature.length),
  }
}

const specs = fc
  .record({
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    features: fc.integer({ min: 1, max: 8 }),
    trees: fc.integer({ min: 1, max: 21 }),
    depth: fc.integer({ min: 1, max: 9 }),
  })
  .map(({ seed, features, trees, depth }): Spec => {
    let state = seed
    const draw = () => {
      state = (Math.imul(state, 48271) >>> 0) % 2147483647
      return state / 2147483647
    }
    return { features, trees: Array.from({ length: trees }, () => randomTree(features, depth, draw)), baseScore: draw() - 0.5 }
  })

const cell = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(0, 0.25, 0.5, 0.75, 1) },
  { weight: 6, arbitrary: fc.double({ min: -0.5, max: 1.5, noNaN: true }) },
  { weight: 3, arbitrary: fc.constant(Number.NaN) },
  { weight: 1, arbitrary: fc.constantFrom(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY) },
)
const withRows = specs.chain((spec) => fc.tuple(fc.constant(spec), fc.array(fc.array(cell, { minLength: spec.features, maxLength: spec.features }), { minLength: 1, maxLength: 5 })))

const modelOf = (spec: Spec) => new GbdtModel({ objective: 'binary', featureNames: Array.from({ length: spec.features }, (_, f) => `f${f}`), baseScore: spec.baseScore, trees: spec.trees })

/** Which child the row takes: left when x ≤ threshold, the default way when x is missing. */
const child = (tree: TreeArrays, node: number, row: readonly number[]) => {
  const x = row[tree.feature[node]!]!
  const goesRight = x > tree.threshold[node]! || (Number.isNaN(x) && tree.defaultLeft[node] === 0)
  return goesRight ? tree.right[node]! : tree.left[node]!
}

/** The base score plus each tree's leaf, added tree after tree. */
function plainMargin(spec: Spec, row: readonly number[]): number {
  let sum = spec.baseScore
  for (const tree of spec.trees) {
    let node = 0
    while (tree.feature[node]! >= 0) node = child(tree, node, row)
    sum += tree.value[node]!
  }
  return sum
}

/**
 * TreeSHAP leaf by leaf, with the Shapley weights summed over every subset:
 * at a leaf of value v whose path splits on the distinct features P, feature
 * i ∈ P gets v (one_i − zero_i) Σ_{S ⊆ P∖i} |S|!(n−1−|S|)!/n! Π_{k∈S} one_k Π_{k∉S, k≠i} zero_k.
 */
function plainShap(spec: Spec, row: readonly number[]): Float64Array {
  const phi = new Float64Array(spec.features)
  const factorial = (k: number): number => (k <= 1 ? 1 : k * factorial(k - 1))
  for (const tree of spec.trees) {
    const walk = (node: number, path: Map<number, { zero: number; one: number }>) => {
      if (tree.feature[node]! < 0) {
        const entries = [...path.entries()]
        const n = entries.length
        entries.forEach(([feature, { zero, one }], i) => {
          const others = entries.filter((_, j) => j !== i).map(([, e]) => e)
          let weight = 0
          for (let mask = 0; mask < 1 << others.length; mask++) {
            let product = 1
            let size = 0
            others.forEach((e, j) => {
              if (mask & (1 << j)) {
                product *= e.one
                size++
              } else product *= e.zero
            })
            weight += ((factorial(size) * factorial(n - 1 - size)) / factorial(n)) * product
          }
          phi[feature]! += tree.value[node]! * (one - zero) * weight
        })
        return
      }
      const f = tree.feature[node]!
      const taken = child(tree, node, row)
      for (const next of [tree.left[node]!, tree.right[node]!]) {
        const share = tree.cover[node]! > 0 ? tree.cover[next]! / tree.cover[node]! : 0
        const before = path.get(f) ?? { zero: 1, one: 1 }
        walk(next, new Map(path).set(f, { zero: before.zero * share, one: before.one && next === taken ? 1 : 0 }))
      }
    }
    walk(0, new Map())
  }
  return phi
}

describe('the packed scorer', () => {
  test('gives the same double as adding the trees one after another', () => {
    fc.assert(
      fc.property(withRows, ([spec, rows]) => {
        const model = modelOf(spec)
        for (const row of rows) {
          assert.equal(model.predictMargin(row), plainMargin(spec, row))
          assert.equal(model.predictMargin(Float64Array.from(row)), plainMargin(spec, row))
        }
      }),
      { numRuns: 300 },
    )
  })
})

describe('TreeSHAP edge by edge', () => {
  test('equals the leaf-by-leaf sum over subsets, zero covers, infinite thresholds and deep trees included', () => {
    fc.assert(
      fc.property(withRows, ([spec, rows]) => {
        const model = modelOf(spec)
        for (const row of rows) {
          const { contributions } = explain(model, row)
          const expected = plainShap(spec, row)
          for (let f = 0; f < spec.features; f++) {
            assert.ok(Math.abs(contributions[f]! - expected[f]!) <= 1e-9 * Math.max(1, Math.abs(expected[f]!)), `feature ${f}: ${contributions[f]} vs ${expected[f]}`)
          }
        }
      }),
      { numRuns: 200 },
    )
  })
})
