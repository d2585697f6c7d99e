import type { FeatureBins } from './binning.ts'
import { COUNT, GRAD, HESS, type HistogramLayout } from './histogram.ts'

/**
 * The best split of a node from its histogram. Leaf weights and gains are
 * those of XGBoost and LightGBM: with T(G) = sign(G)·max(|G| − alpha, 0), the
 * weight is −T(G)/(H + lambda) and a leaf's gain T(G)²/(H + lambda); a
 * split's gain is left + right − parent (no ½, as both libraries compare it
 * with their min_split_gain / gamma). Missing values are tried on both sides
 * and go where the gain is larger. Under a monotone constraint the weights
 * are clamped to the node's bounds and a split whose children disagree with
 * the direction is skipped (LightGBM's "basic" method).
 */
export interface SplitRules {
  lambda: number
  alpha: number
  minChildWeight: number
  minChildSamples: number
  minSplitGain: number
  monotone: Int8Array
}

/** What the split finder knows of a node: its sums and the bounds on its weight. */
export interface NodeSums {
  grad: number
  hess: number
  count: number
  lower: number
  upper: number
}

export interface Split {
  gain: number
  feature: number
  /** Value bins 1…bin go left. */
  bin: number
  defaultLeft: boolean
  left: NodeSums
  right: NodeSums
  /** Unscaled weights (before the learning rate), within the node's bounds. */
  leftWeight: number
  rightWeight: number
}

const thresholdL1 = (g: number, alpha: number) => (g > alpha ? g - alpha : g < -alpha ? g + alpha : 0)

/** The weight of a leaf, clamped to its bounds. */
export function leafWeight(grad: number, hess: number, rules: SplitRules, lower: number, upper: number): number {
  const denominator = hess + rules.lambda
  if (denominator <= 0) return 0
  const w = -thresholdL1(grad, rules.alpha) / denominator
  return Math.min(Math.max(w, lower), upper)
}

/** A leaf's gain (twice its loss reduction) at weight w; T(G)²/(H + lambda) at the best weight. */
export const gainAt = (grad: number, hess: number, w: number, rules: SplitRules) => -(2 * thresholdL1(grad, rules.alpha) * w + (hess + rules.lambda) * w * w)

export function findBestSplit(hist: Float64Array, layout: HistogramLayout, featureBins: readonly FeatureBins[], features: Int32Array, node: NodeSums, rules: SplitRules): Split | undefined {
  const free = node.lower === Number.NEGATIVE_INFINITY && node.upper === Number.POSITIVE_INFINITY
  const parentGain = free ? freeGain(node.grad, node.hess, rules) : gainAt(node.grad, node.hess, leafWeight(node.grad, node.hess, rules, node.lower, node.upper), rules)
  let bestGain = Math.max(rules.minSplitGain, 0)
  let bestFeature = -1
  let bestBin = 0
  let bestDefaultLeft = false
  let bestGrad = 0
  let bestHess = 0
  let bestCount = 0
  for (let k = 0; k < features.length; k++) {
    const f = features[k]!
    const direction = rules.monotone[f]!
    const constrained = !free || direction !== 0
    const offset = layout.offsets[f]!
    const valueBins = featureBins[f]!.binCount - 1
    const mg = hist[offset + GRAD]!
    const mh = hist[offset + HESS]!
    const mc = hist[offset + COUNT]!
    let lg = 0
    let lh = 0
    let lc = 0
    for (let b = 1; b < valueBins; b++) {
      const at = offset + 3 * b
      const c = hist[at + COUNT]!
      lg += hist[at + GRAD]!
      lh += hist[at + HESS]!
      lc += c
      // past the first bin, a bin none of the node's rows is in splits them as the bin before did, which was tried
      if (c === 0 && b > 1) continue
      // missing values on the right, then (when there are any) on the left
      let gain = splitGain(lg, lh, lc, node, rules, direction, constrained, parentGain)
      if (gain > bestGain) {
        bestGain = gain
        bestFeature = f
        bestBin = b
        // no missing value here to learn from: future ones go to the side with more cover
        bestDefaultLeft = mc === 0 && lh >= node.hess - lh
        bestGrad = lg
        bestHess = lh
        bestCount = lc
      }
      if (mc === 0) continue
      gain = splitGain(lg + mg, lh + mh, lc + mc, node, rules, direction, constrained, parentGain)
      if (gain > bestGain) {
        bestGain = gain
        bestFeature = f
        bestBin = b
        bestDefaultLeft = true
        bestGrad = lg + mg
        bestHess = lh + mh
        bestCount = lc + mc
      }
    }
  }
  if (bestFeature < 0) return undefined
  const left: NodeSums = { grad: bestGrad, hess: bestHess, count: bestCount, lower: node.lower, upper: node.upper }
  const right: NodeSums = { grad: node.grad - bestGrad, hess: node.hess - bestHess, count: node.count - bestCount, lower: node.lower, upper: node.upper }
  const split: Split = {
    gain: bestGain,
    feature: bestFeature,
    bin: bestBin,
    defaultLeft: bestDefaultLeft,
    left,
    right,
    leftWeight: leafWeight(left.grad, left.hess, rules, node.lower, node.upper),
    rightWeight: leafWeight(right.grad, right.hess, rules, node.lower, node.upper),
  }
  boundChildren(split, rules.monotone[bestFeature]!)
  return split
}

/** T(G)²/(H + lambda): a leaf's gain at its best, unbounded weight. */
function freeGain(grad: number, hess: number, rules: SplitRules): number {
  const denominator = hess + rules.lambda
  if (denominator <= 0) return 0
  const t = thresholdL1(grad, rules.alpha)
  return (t * t) / denominator
}

/** The gain of sending the rows summed in (g, h, c) left and the rest right; −Infinity when the split is not allowed. */
function splitGain(g: number, h: number, c: number, node: NodeSums, rules: SplitRules, direction: number, constrained: boolean, parentGain: number): number {
  const rg = node.grad - g
  const rh = node.hess - h
  const rc = node.count - c
  if (c < rules.minChildSamples || rc < rules.minChildSamples || h < rules.minChildWeight || rh < rules.minChildWeight) return Number.NEGATIVE_INFINITY
  if (!constrained) return freeGain(g, h, rules) + freeGain(rg, rh, rules) - parentGain
  const wl = leafWeight(g, h, rules, node.lower, node.upper)
  const wr = leafWeight(rg, rh, rules, node.lower, node.upper)
  if ((direction > 0 && wl > wr) || (direction < 0 && wl < wr)) return Number.NEGATIVE_INFINITY
  return gainAt(g, h, wl, rules) + gainAt(rg, rh, wr, rules) - parentGain
}

/** Under a constraint the children's weights may not cross their midpoint again further down. */
function boundChildren(split: Split, direction: number): void {
  if (direction === 0) return
  const middle = (split.leftWeight + split.rightWeight) / 2
  if (direction > 0) {
    split.left.upper = Math.min(split.left.upper, middle)
    split.right.lower = Math.max(split.right.lower, middle)
  } else {
    split.left.lower = Math.max(split.left.lower, middle)
    split.right.upper = Math.min(split.right.upper, middle)
  }
}
