import type { GbdtModel } from './tree-model.ts'

/**
 * Exact TreeSHAP (Lundberg, Erion, Lee 2018, "Consistent individualized
 * feature attribution for tree ensembles", Algorithm 2): per feature, its
 * Shapley value for one row, where the value of a set S of known features is
 * the tree's expected output given x_S, taking both branches of a split on
 * an unknown feature in proportion to their training cover. The contributions
 * plus `expectedValue` sum to the row's raw margin.
 *
 * Algorithm 2 walks each tree keeping the path of unique features from the
 * root, each entry with `zero` (the share of cover that reaches here when
 * the feature is unknown) and `one` (1 when the row itself goes this way,
 * else 0). At a leaf of value v, the feature of entry i gets
 *
 *   (one_i − zero_i) · v · Σ_S |S|! (n−1−|S|)! / n! · Π_{k∈S} one_k · Π_{k∉S, k≠i} zero_k
 *
 * over the subsets S of the path's other n − 1 entries. Algorithm 2 (and the
 * shap package's tree_shap.h) keeps that sum as "permutation weights"
 * updated at every node and unwound at every leaf, O(depth) per node and
 * O(depth²) per leaf with a division on the critical path. Here the same
 * sum is computed in its integral form: |S|! (n−1−|S|)! / n! = ∫₀¹ t^|S| (1−t)^(n−1−|S|) dt,
 * so the sum is ∫₀¹ Π_{k≠i} (zero_k + (one_k − zero_k) t) dt, the integral of
 * a polynomial of degree n − 1, which Gauss–Legendre quadrature with
 * ⌈n/2⌉ points gives exactly (up to rounding). The walk then only pushes and
 * pops (zero, one) pairs (O(1) per node besides looking for a repeated
 * feature), and a leaf costs O(n²/2)
 * multiplications with no chain between them: about 2× faster on a 300-tree
 * depth-6 model (docs/models.md), results equal to Algorithm 2's within 1e-14.
 */
export interface Explanation {
  /** The margin of an average row: the base score plus each tree's cover-weighted mean leaf. */
  expectedValue: number
  /** One per feature, in `featureNames` order, in margin units (log-odds for `binary`). */
  contributions: Float64Array
}

/**
 * The walk over one model, built once per model and reused for every row:
 * the path and the leaf's scratch are typed arrays sized by the model's
 * deepest tree, so nothing is allocated per node or per row beyond the result.
 */
class ShapWalker {
  readonly expectedValue: number
  private readonly splitFeature: Int32Array
  private readonly threshold: Float64Array
  private readonly defaultLeft: Uint8Array
  private readonly left: Int32Array
  private readonly right: Int32Array
  private readonly value: Float64Array
  private readonly cover: Float64Array
  /** The path of unique features from the root to the current node: entries 0 … length − 1. */
  private readonly pathFeature: Int32Array
  private readonly zero: Float64Array
  private readonly one: Float64Array
  /** Leaf scratch: each entry's one − zero, the product of the factors after it at one quadrature point, and its integral. */
  private readonly slope: Float64Array
  private readonly after: Float64Array
  private readonly integral: Float64Array
  /** Gauss–Legendre points and weights on [0, 1]; the q-point rule starts at q(q − 1)/2. */
  private readonly points: Float64Array
  private readonly weights: Float64Array
  /** The row and the contributions of the current call. */
  private row: ArrayLike<number> = []
  private phi: Float64Array = new Float64Array(0)

  constructor(private readonly model: GbdtModel) {
    this.splitFeature = model.feature
    this.threshold = model.threshold
    this.defaultLeft = model.defaultLeft
    this.left = model.left
    this.right = model.right
    this.value = model.value
    this.cover = model.cover
    const depth = Math.max(1, maxDepthOf(model))
    this.pathFeature = new Int32Array(depth)
    this.zero = new Float64Array(depth)
    this.one = new Float64Array(depth)
    this.slope = new Float64Array(depth)
    this.after = new Float64Array(depth)
    this.integral = new Float64Array(depth)
    const rules = Math.ceil(depth / 2)
    this.points = new Float64Array((rules * (rules + 1)) / 2)
    this.weights = new Float64Array(this.points.length)
    for (let q = 1; q <= rules; q++) gaussLegendre(q, this.points, this.weights, (q * (q - 1)) / 2)
    let expectedValue = model.baseScore
    for (let t = 0; t < model.treeCount; t++) expectedValue += meanOutput(model, model.roots[t]!)
    this.expectedValue = expectedValue
  }

  explain(row: ArrayLike<number>): Float64Array {
    const { model } = this
    const phi = new Float64Array(model.featureCount)
    this.row = row
    this.phi = phi
    for (let t = 0; t < model.treeCount; t++) this.recurse(model.roots[t]!, 0)
    this.row = []
    this.phi = new Float64Array(0)
    return phi
  }

  /** Adds the contributions of the subtree at `node`, reached by the path's first `length` entries. */
  private recurse(node: number, length: number): void {
    const feature = this.splitFeature[node]!
    if (feature < 0) {
      if (length > 0) this.leaf(length, this.value[node]!)
      return
    }
    const x = this.row[feature]!
    const cut = this.threshold[node]!
    const goesLeft = x <= cut ? true : x > cut ? false : this.defaultLeft[node] === 1
    const hot = goesLeft ? this.left[node]! : this.right[node]!
    const cold = goesLeft ? this.right[node]! : this.left[node]!
    const cover = this.cover[node]!
    const hotZero = cover > 0 ? this.cover[hot]! / cover : 0
    const coldZero = cover > 0 ? this.cover[cold]! / cover : 0
    const { pathFeature, zero, one } = this
    let index = 0
    while (index < length && pathFeature[index] !== feature) index++
    if (index < length) {
      // a feature split on again further down keeps its one entry, narrowed by this split, and gets it back after
      const incomingZero = zero[index]!
      const incomingOne = one[index]!
      zero[index] = hotZero * incomingZero
      this.recurse(hot, length)
      zero[index] = coldZero * incomingZero
      one[index] = 0
      this.recurse(cold, length)
      zero[index] = incomingZero
      one[index] = incomingOne
      return
    }
    pathFeature[length] = feature
    zero[length] = hotZero
    one[length] = 1
    this.recurse(hot, length + 1)
    zero[length] = coldZero
    one[length] = 0
    this.recurse(cold, length + 1)
  }

  /** Entry i's feature gets (one_i − zero_i) · value · ∫₀¹ Π_{k≠i} (zero_k + (one_k − zero_k) t) dt (see the top of the file). */
  private leaf(length: number, value: number): void {
    const { pathFeature, zero, one, slope, after, integral, points, weights, phi } = this
    const rule = (length + 1) >> 1
    const first = (rule * (rule - 1)) >> 1
    for (let i = 0; i < length; i++) {
      slope[i] = one[i]! - zero[i]!
      integral[i] = 0
    }
    for (let q = first; q < first + rule; q++) {
      const t = points[q]!
      let product = 1
      for (let i = length - 1; i >= 0; i--) {
        after[i] = product
        product *= zero[i]! + slope[i]! * t
      }
      // the product of the factors before entry i, times those after it
      let before = weights[q]!
      for (let i = 0; i < length; i++) {
        integral[i]! += before * after[i]!
        before *= zero[i]! + slope[i]! * t
      }
    }
    for (let i = 0; i < length; i++) phi[pathFeature[i]!]! += slope[i]! * value * integral[i]!
  }
}

/** The walker of each model, built on its first explanation. */
const walkers = new WeakMap<GbdtModel, ShapWalker>()

export function explain(model: GbdtModel, row: ArrayLike<number>): Explanation {
  let walker = walkers.get(model)
  if (!walker) {
    walker = new ShapWalker(model)
    walkers.set(model, walker)
  }
  return { expectedValue: walker.expectedValue, contributions: walker.explain(row) }
}

/**
 * The `count`-point Gauss–Legendre rule moved to [0, 1], written at `at`:
 * exact for polynomials of degree up to 2·count − 1. The points are the
 * roots of the Legendre polynomial P_count, found by Newton's method from
 * the usual cosine guesses.
 */
function gaussLegendre(count: number, points: Float64Array, weights: Float64Array, at: number): void {
  for (let k = 0; k < count; k++) {
    let x = Math.cos((Math.PI * (k + 0.75)) / (count + 0.5))
    let slope = 1
    for (let step = 0; step < 100; step++) {
      // P_count(x) and its derivative by the three-term recurrence
      let p = 1
      let previous = 0
      for (let j = 1; j <= count; j++) {
        const older = previous
        previous = p
        p = ((2 * j - 1) * x * previous - (j - 1) * older) / j
      }
      slope = (count * (x * p - previous)) / (x * x - 1)
      const dx = p / slope
      x -= dx
      if (Math.abs(dx) < 1e-16) break
    }
    points[at + k] = (1 - x) / 2
    weights[at + k] = 1 / ((1 - x * x) * slope * slope)
  }
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
