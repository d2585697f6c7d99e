import { cellCount, fillCells, neverRightCell, splitCell } from './split-cells.ts'
import type { GbdtModel } from './tree-model.ts'

/**
 * Exact TreeSHAP (Lundberg, Erion, Lee 2018, "Consistent individualized
 * feature attribution for tree ensembles"): per feature, its Shapley value
 * for one row, where the value of a set S of known features is the tree's
 * expected output given x_S, taking both branches of a split on an unknown
 * feature in proportion to their training cover. The contributions plus
 * `expectedValue` sum to the row's raw margin.
 *
 * For a leaf of value v whose path splits on the distinct features P, each
 * feature k ∈ P has `zero_k` (the product of the cover shares of the path's
 * branches on k: row-independent) and `one_k` (1 when the row itself takes
 * all of them, else 0). With g_k(t) = zero_k + (one_k − zero_k) t, feature
 * i ∈ P gets from that leaf
 *
 *   v · (one_i − zero_i) · ∫₀¹ Π_{k∈P, k≠i} g_k(t) dt = ∫₀¹ v G(t) h_i(t) dt,
 *   G = Π_{k∈P} g_k,  h_i = (one_i − zero_i) / g_i,
 *
 * the integral form of the Shapley weights (|S|! (n−1−|S|)! / n! =
 * ∫₀¹ t^|S| (1−t)^(n−1−|S|) dt), exact by Gauss–Legendre quadrature with
 * ⌈n/2⌉ points (the integrand is a polynomial of degree n − 1).
 *
 * Summed over leaves, feature i's value in a tree is a sum over the edges
 * that split on i (a telescoping sum, so a feature split on twice on a path
 * counts once, at its combined zero and one):
 *
 *   φ_i = Σ_{edges e on i, into node c} ∫₀¹ S_c(t) (h_e(t) − h_e'(t)) dt
 *
 * where S_c = Σ_{leaves l below c} v_l G_l (at each quadrature point: the
 * sum of the children's), h_e uses the combined zero and one of i at c, and
 * e' is the edge on i nearest above e (h_e' = 0 when there is none). So a
 * row costs one pass down each tree (G at the Q points: one product per
 * node), one pass up (S, and each edge's share): O(Q) per node, where
 * Algorithm 2 spends O(depth) per node and O(depth²) per leaf. Every factor
 * that does not depend on the row (zero_k, 1/g_k when one_k = 1, h_k) is
 * computed once per model. docs/models.md has the measurements.
 */
export interface Explanation {
  /** The margin of an average row: the base score plus each tree's cover-weighted mean leaf. */
  expectedValue: number
  /** One per feature, in `featureNames` order, in margin units (log-odds for `binary`). */
  contributions: Float64Array
}

/**
 * A model's trees renumbered depth first (a node's subtree follows it, its
 * left child right after it), with the row-independent factors of each edge;
 * built once per model, reused for every row.
 *
 * The walks below have no branch that depends on the row or on the node (a
 * leaf or not, one or zero): such branches are mispredicted about half the
 * time. Choices are made by index instead, into rows of Q numbers. And they
 * read only two tables, `links` and `factors`, besides their scratch: with a
 * dozen typed arrays V8 ran out of registers and re-checked each array at
 * every access, several times the work of the arithmetic.
 *
 * `links`, 4 per node n: the parent (absolute index) · 2 + 1 if n is its
 * right child; `prev`, the node entered by the nearest edge above on the
 * same feature, or the sentinel `total` (one always 1, 1/g = 1, h = 0);
 * the feature of the edge into n; the row cell its split reads
 * (split-cells.ts; at a leaf, one that never goes right).
 *
 * `factors`, `width` = 6 + 3Q numbers per node, then the sentinel's record,
 * then one shared record for one = 0:
 *
 *   0 cut (or 0)   1 leaf value (0 at a split)
 *   2, 3   zero, 1          the scale of g's row when one is 0, 1
 *   4, 5   1/zero (or 0), 1 the scale of 1/g's row when one is 0, 1
 *   6 …    g at one = 1:   zero + (1 − zero) t            (Q)
 *   6 + Q  1/g at one = 1                                  (Q)
 *   6 + 2Q w · h at one = 1: w (1 − zero) / g              (Q)
 *
 * At one = 0, g = zero · (1 − t), 1/g = (1/zero) · 1/(1 − t) and
 * w h = −w/(1 − t) whatever the node, so the shared record's three rows hold
 * 1 − t, 1/(1 − t) and −w/(1 − t), scaled by the node's slot 2 or 4; w are
 * the quadrature weights.
 */
class ShapTables {
  readonly expectedValue: number
  readonly featureCount: number
  /** Quadrature points per edge. */
  readonly q: number
  readonly width: number
  readonly treeStart: Int32Array
  readonly links: Int32Array
  readonly factors: Float64Array
  /** The offset in `factors` of the shared record used when one is 0. */
  readonly atOneZero: number
  readonly largestTree: number

  constructor(model: GbdtModel) {
    const { feature, threshold, defaultLeft, left, right, cover, value, roots } = model
    const total = feature.length
    const featureCount = model.featureCount
    this.featureCount = featureCount
    this.treeStart = new Int32Array(roots.length + 1)
    this.links = new Int32Array(4 * (total + 1))
    const zeros = new Float64Array(total + 1)
    const cuts = new Float64Array(total)
    const leafValues = new Float64Array(total)
    const never = neverRightCell(featureCount)
    // depth first, the left subtree before the right
    const order = new Int32Array(total)
    // lastOn[f]: the node entered by the nearest edge on f above the current one, or the sentinel
    const lastOn = new Int32Array(featureCount)
    let at = 0
    let distinctMost = 0
    let largestTree = 1
    const visit = (node: number, from: number, distinct: number): void => {
      const here = at++
      order[here] = node
      let f = -1
      let saved = total
      if (from >= 0) {
        const above = order[from]!
        f = feature[above]!
        saved = lastOn[f]!
        this.links[4 * here] = 2 * from + (node === right[above] ? 1 : 0)
        this.links[4 * here + 1] = saved
        this.links[4 * here + 2] = f
        const share = cover[above]! > 0 ? cover[node]! / cover[above]! : 0
        zeros[here] = saved < total ? zeros[saved]! * share : share
        lastOn[f] = here
      } else {
        this.links[4 * here] = 2 * here
        this.links[4 * here + 1] = total
      }
      if (feature[node]! < 0) {
        this.links[4 * here + 3] = never
        leafValues[here] = value[node]!
        distinctMost = Math.max(distinctMost, distinct)
      } else {
        const split = splitCell(feature[node]!, threshold[node]!, defaultLeft[node] === 1, featureCount)
        this.links[4 * here + 3] = split.cell
        cuts[here] = split.cut
        const isNew = lastOn[feature[node]!] === total ? 1 : 0
        visit(left[node]!, here, distinct + isNew)
        visit(right[node]!, here, distinct + isNew)
      }
      if (f >= 0) lastOn[f] = saved
    }
    for (let t = 0; t < roots.length; t++) {
      const start = at
      this.treeStart[t] = start
      lastOn.fill(total)
      visit(roots[t]!, -1, 0)
      largestTree = Math.max(largestTree, at - start)
    }
    this.treeStart[roots.length] = at
    this.links[4 * total + 1] = total
    this.largestTree = largestTree
    const q = Math.max(1, Math.ceil(distinctMost / 2))
    this.q = q
    const width = 6 + 3 * q
    this.width = width
    const points = new Float64Array(q)
    const weights = new Float64Array(q)
    gaussLegendre(q, points, weights)
    const factors = new Float64Array((total + 2) * width)
    for (let n = 0; n <= total; n++) {
      const z = n < total ? zeros[n]! : 1
      const row = n * width
      factors[row] = n < total ? cuts[n]! : 0
      factors[row + 1] = n < total ? leafValues[n]! : 0
      factors[row + 2] = z
      factors[row + 3] = 1
      factors[row + 4] = z > 0 ? 1 / z : 0
      factors[row + 5] = 1
      for (let k = 0; k < q; k++) {
        const g = z + (1 - z) * points[k]!
        factors[row + 6 + k] = g
        factors[row + 6 + q + k] = 1 / g
        factors[row + 6 + 2 * q + k] = n < total ? (weights[k]! * (1 - z)) / g : 0
      }
    }
    // the sentinel (z = 1): g = 1, 1/g = 1, h = 0
    this.atOneZero = (total + 1) * width
    for (let k = 0; k < q; k++) {
      const t = points[k]!
      factors[this.atOneZero + 6 + k] = 1 - t
      factors[this.atOneZero + 6 + q + k] = 1 / (1 - t)
      factors[this.atOneZero + 6 + 2 * q + k] = -weights[k]! / (1 - t)
    }
    this.factors = factors
    let expectedValue = model.baseScore
    for (let t = 0; t < model.treeCount; t++) expectedValue += meanOutput(model, roots[t]!)
    this.expectedValue = expectedValue
  }
}

/**
 * One model's tables with the scratch of a row, in one Float64Array and one
 * Int32Array, so the loops below hold two arrays (V8 keeps them in
 * registers and checks each once, where with a dozen it spilled them and
 * checked each at every access).
 *
 *   mem:  factors (see ShapTables) | the row's cells (split-cells.ts) | per node of the current tree G, then S, at the Q points | φ
 *   ints: links (see ShapTables)   | per node (absolute; the sentinel's one always 1): one | right · 2
 */
class ShapWalker {
  private readonly mem: Float64Array
  private readonly ints: Int32Array
  private readonly atCells: number
  private readonly atScratch: number
  private readonly atPhi: number
  private readonly atState: number

  constructor(readonly tables: ShapTables) {
    const { factors, links, featureCount, largestTree, q } = tables
    this.atCells = factors.length
    this.atScratch = this.atCells + cellCount(featureCount)
    this.atPhi = this.atScratch + largestTree * 2 * q
    this.mem = new Float64Array(this.atPhi + featureCount)
    this.mem.set(factors)
    this.atState = links.length
    const total = links.length / 4 - 1
    this.ints = new Int32Array(links.length + total + 1)
    this.ints.set(links)
    this.ints[this.atState + total] = 1
  }

  explain(row: ArrayLike<number>): Float64Array {
    const { mem, ints, atCells, atScratch, atPhi, atState } = this
    const { q, width, treeStart, atOneZero, featureCount } = this.tables
    fillCells(row, featureCount, mem.subarray(atCells, atScratch))
    mem.fill(0, atPhi, atPhi + featureCount)
    const q2 = 2 * q
    const trees = treeStart.length - 1
    for (let t = 0; t < trees; t++) {
      const start = treeStart[t]!
      const end = treeStart[t + 1]!
      const scratch = atScratch - start * q2
      // down: one (the row takes this edge, and the feature's edges above), G = G(parent) · g / g(prev)
      for (let k = 0; k < q; k++) {
        mem[atScratch + k] = 1
        mem[atScratch + q + k] = 0
      }
      ints[atState + start] = 1 | (+(mem[atCells + ints[4 * start + 3]!]! > mem[start * width]!) << 1)
      for (let n = start + 1; n < end; n++) {
        const up = ints[4 * n]!
        const before = ints[4 * n + 1]!
        const oneBefore = ints[atState + before]! & 1
        const one = (1 ^ (ints[atState + (up >> 1)]! >> 1) ^ (up & 1)) & oneBefore
        const here = n * width
        ints[atState + n] = one | (+(mem[atCells + ints[4 * n + 3]!]! > mem[here]!) << 1)
        const beforeRow = before * width
        const scale = mem[here + 2 + one]! * mem[beforeRow + 4 + oneBefore]!
        const gRow = (atOneZero ^ ((here ^ atOneZero) & -one)) + 6
        const invRow = (atOneZero ^ ((beforeRow ^ atOneZero) & -oneBefore)) + 6 + q
        const c = scratch + n * q2
        const a = scratch + (up >> 1) * q2
        for (let k = 0; k < q; k++) {
          mem[c + k] = mem[a + k]! * (scale * (mem[gRow + k]! * mem[invRow + k]!))
          mem[c + q + k] = 0
        }
      }
      // up: S (v·G at a leaf, plus the children's), and each edge's share, ∫ S (h − h(prev))
      for (let n = end - 1; n > start; n--) {
        const up = ints[4 * n]!
        const before = ints[4 * n + 1]!
        const here = n * width
        const v = mem[here + 1]!
        const hRow = (atOneZero ^ ((here ^ atOneZero) & -(ints[atState + n]! & 1))) + 6 + q2
        const beforeRow = before * width
        const hBeforeRow = (atOneZero ^ ((beforeRow ^ atOneZero) & -(ints[atState + before]! & 1))) + 6 + q2
        const c = scratch + n * q2
        const a = scratch + (up >> 1) * q2
        let share = 0
        for (let k = 0; k < q; k++) {
          const sum = mem[c + q + k]! + v * mem[c + k]!
          mem[a + q + k]! += sum
          share += sum * (mem[hRow + k]! - mem[hBeforeRow + k]!)
        }
        mem[atPhi + ints[4 * n + 2]!]! += share
      }
    }
    return mem.slice(atPhi, atPhi + featureCount)
  }
}

/** The walker of each model, built on its first explanation. */
const walkers = new WeakMap<GbdtModel, ShapWalker>()

export function explain(model: GbdtModel, row: ArrayLike<number>): Explanation {
  let walker = walkers.get(model)
  if (!walker) {
    walker = new ShapWalker(new ShapTables(model))
    walkers.set(model, walker)
  }
  return { expectedValue: walker.tables.expectedValue, contributions: walker.explain(row) }
}

/**
 * The `count`-point Gauss–Legendre rule moved to [0, 1]: exact for
 * polynomials of degree up to 2·count − 1. The points are the roots of the
 * Legendre polynomial P_count, found by Newton's method from the usual
 * cosine guesses.
 */
function gaussLegendre(count: number, points: Float64Array, weights: Float64Array): void {
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
    points[k] = (1 - x) / 2
    weights[k] = 1 / ((1 - x * x) * slope * slope)
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
