import type { GbdtModel } from './tree-model.ts'

/**
 * Exact TreeSHAP (Lundberg, Erion, Lee 2018, "Consistent individualized
 * feature attribution for tree ensembles", Algorithm 2): per feature, its
 * Shapley value for one row, where the value of a set S of known features is
 * the tree's expected output given x_S, taking both branches of a split on
 * an unknown feature in proportion to their training cover. Polynomial: each
 * tree costs O(leaves × depth²). The contributions plus `expectedValue` sum
 * to the row's raw margin. The path bookkeeping follows the reference
 * implementation in the shap package (tree_shap.h).
 */
export interface Explanation {
  /** The margin of an average row: the base score plus each tree's cover-weighted mean leaf. */
  expectedValue: number
  /** One per feature, in `featureNames` order, in margin units (log-odds for `binary`). */
  contributions: Float64Array
}

/** One entry of the path of unique features from the root: the feature, the share of cover that reaches here without it and with it (0 or 1), and the permutation weight. */
class PathStore {
  feature: Int32Array
  zero: Float64Array
  one: Float64Array
  weight: Float64Array

  constructor(size: number) {
    this.feature = new Int32Array(size)
    this.zero = new Float64Array(size)
    this.one = new Float64Array(size)
    this.weight = new Float64Array(size)
  }

  /** Copies `length` entries from `from` to `to` (each recursion level works on its own copy). */
  copy(from: number, to: number, length: number): void {
    // paths are short: a loop beats four copyWithin calls
    for (let i = 0; i < length; i++) {
      this.feature[to + i] = this.feature[from + i]!
      this.zero[to + i] = this.zero[from + i]!
      this.one[to + i] = this.one[from + i]!
      this.weight[to + i] = this.weight[from + i]!
    }
  }
}

/** What explaining needs beyond the model, computed once per model: the path buffer and the expected value. */
const prepared = new WeakMap<GbdtModel, { path: PathStore; expectedValue: number }>()

function prepare(model: GbdtModel): { path: PathStore; expectedValue: number } {
  let ready = prepared.get(model)
  if (!ready) {
    const depth = maxDepthOf(model)
    let expectedValue = model.baseScore
    for (let t = 0; t < model.treeCount; t++) expectedValue += meanOutput(model, model.roots[t]!)
    ready = { path: new PathStore(((depth + 2) * (depth + 3)) / 2), expectedValue }
    prepared.set(model, ready)
  }
  return ready
}

export function explain(model: GbdtModel, row: ArrayLike<number>): Explanation {
  const contributions = new Float64Array(model.featureCount)
  const { path, expectedValue } = prepare(model)
  for (let t = 0; t < model.treeCount; t++) recurse(model, row, contributions, path, model.roots[t]!, 0, 0, 1, 1, -1)
  return { expectedValue, contributions }
}

/** Extends the path at `at` (its entries at at…at+depth−1) with one more feature. */
function extend(p: PathStore, at: number, depth: number, zero: number, one: number, feature: number): void {
  p.feature[at + depth] = feature
  p.zero[at + depth] = zero
  p.one[at + depth] = one
  p.weight[at + depth] = depth === 0 ? 1 : 0
  for (let i = depth - 1; i >= 0; i--) {
    p.weight[at + i + 1]! += (one * p.weight[at + i]! * (i + 1)) / (depth + 1)
    p.weight[at + i] = (zero * p.weight[at + i]! * (depth - i)) / (depth + 1)
  }
}

/** Removes entry `index` from the path (undoing its extension). */
function unwind(p: PathStore, at: number, depth: number, index: number): void {
  const one = p.one[at + index]!
  const zero = p.zero[at + index]!
  let next = p.weight[at + depth]!
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const previous = p.weight[at + i]!
      p.weight[at + i] = (next * (depth + 1)) / ((i + 1) * one)
      next = previous - (p.weight[at + i]! * zero * (depth - i)) / (depth + 1)
    } else {
      p.weight[at + i] = (p.weight[at + i]! * (depth + 1)) / (zero * (depth - i))
    }
  }
  for (let i = index; i < depth; i++) {
    p.feature[at + i] = p.feature[at + i + 1]!
    p.zero[at + i] = p.zero[at + i + 1]!
    p.one[at + i] = p.one[at + i + 1]!
  }
}

/** The total permutation weight the path would have with entry `index` unwound, without unwinding it. */
function unwoundSum(p: PathStore, at: number, depth: number, index: number): number {
  const one = p.one[at + index]!
  const zero = p.zero[at + index]!
  let next = p.weight[at + depth]!
  let total = 0
  if (one !== 0) {
    for (let i = depth - 1; i >= 0; i--) {
      const share = next / ((i + 1) * one)
      total += share
      next = p.weight[at + i]! - share * zero * (depth - i)
    }
  } else {
    for (let i = depth - 1; i >= 0; i--) total += p.weight[at + i]! / (zero * (depth - i))
  }
  return total * (depth + 1)
}

function recurse(
  m: GbdtModel,
  row: ArrayLike<number>,
  phi: Float64Array,
  p: PathStore,
  node: number,
  parentAt: number,
  depth: number,
  parentZero: number,
  parentOne: number,
  parentFeature: number,
): void {
  // this level's copy of the path sits right after the parent's
  const at = parentAt + depth
  p.copy(parentAt, at, depth)
  extend(p, at, depth, parentZero, parentOne, parentFeature)
  const feature = m.feature[node]!
  if (feature < 0) {
    const value = m.value[node]!
    for (let i = 1; i <= depth; i++) {
      const w = unwoundSum(p, at, depth, i)
      phi[p.feature[at + i]!]! += w * (p.one[at + i]! - p.zero[at + i]!) * value
    }
    return
  }
  const x = row[feature]!
  const cut = m.threshold[node]!
  const goesLeft = x <= cut ? true : x > cut ? false : m.defaultLeft[node] === 1
  const hot = goesLeft ? m.left[node]! : m.right[node]!
  const cold = goesLeft ? m.right[node]! : m.left[node]!
  const cover = m.cover[node]!
  const hotZero = cover > 0 ? m.cover[hot]! / cover : 0
  const coldZero = cover > 0 ? m.cover[cold]! / cover : 0
  let incomingZero = 1
  let incomingOne = 1
  // a feature split on again further down: undo its earlier entry and redo it here
  let index = 0
  while (index <= depth && p.feature[at + index] !== feature) index++
  if (index <= depth) {
    incomingZero = p.zero[at + index]!
    incomingOne = p.one[at + index]!
    unwind(p, at, depth, index)
    depth -= 1
  }
  recurse(m, row, phi, p, hot, at, depth + 1, hotZero * incomingZero, incomingOne, feature)
  recurse(m, row, phi, p, cold, at, depth + 1, coldZero * incomingZero, 0, feature)
}

/** A tree's output averaged over its training rows: leaves weighted by cover. */
function meanOutput(m: GbdtModel, node: number): number {
  if (m.feature[node]! < 0) return m.value[node]!
  const cover = m.cover[node]!
  const left = m.left[node]!
  const right = m.right[node]!
  if (cover <= 0) return (meanOutput(m, left) + meanOutput(m, right)) / 2
  return (m.cover[left]! * meanOutput(m, left) + m.cover[right]! * meanOutput(m, right)) / cover
}

function maxDepthOf(m: GbdtModel): number {
  let deepest = 0
  const walk = (node: number, depth: number) => {
    deepest = Math.max(deepest, depth)
    if (m.feature[node]! >= 0) {
      walk(m.left[node]!, depth + 1)
      walk(m.right[node]!, depth + 1)
    }
  }
  for (let t = 0; t < m.treeCount; t++) walk(m.roots[t]!, 0)
  return deepest
}
