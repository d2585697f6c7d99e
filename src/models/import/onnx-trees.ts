import { type TreeArrays, emptyTreeArrays } from '../gbdt/tree-model.ts'
import { float32LessThanBound, nextDown, previousFloat32 } from './float32.ts'
import type { EnsembleTree, SplitMode } from './onnx-graph.ts'

/**
 * ONNX splits as the flat model's `x ≤ threshold` splits, without changing a
 * routing.
 *
 * onnxruntime compares the input in its own type against the threshold:
 * `x <= t` (BRANCH_LEQ), `x < t`, `x >= t`, `x > t`, and sends the row to the
 * true child when the comparison holds or, with
 * `nodes_missing_value_tracks_true = 1`, when x is NaN (a comparison with NaN
 * is false, so NaN otherwise goes to the false child). For a float input,
 * x is the float32 the caller's double rounds to (`Math.fround`), and t a
 * float32.
 *
 * Each comparison holds on a set of doubles of the form x ≤ b (LEQ, LT) or
 * on its complement x > b (GTE, GT): with float32 rounding,
 *
 *   fround(x) < t  ⟺  x ≤ float32LessThanBound(t)
 *   fround(x) ≤ t  ⟺  x ≤ float32AtMostBound(t)
 *
 * and on doubles `x < t ⟺ x ≤ nextDown(t)`. So LEQ and LT keep the true
 * child on the left; GTE and GT are the negations of LT and LEQ and put the
 * false child on the left. NaN goes left exactly when the left child is
 * where onnxruntime sends it.
 */
export function splitBound(mode: SplitMode, t: number, input: 'float' | 'double'): { bound: number; trueGoesLeft: boolean } {
  const below = input === 'float' ? float32LessThanBound(t) : nextDown(t)
  const atMost = input === 'float' ? float32AtMostBound(t) : t
  switch (mode) {
    case 'BRANCH_LEQ':
      return { bound: atMost, trueGoesLeft: true }
    case 'BRANCH_LT':
      return { bound: below, trueGoesLeft: true }
    case 'BRANCH_GTE':
      return { bound: below, trueGoesLeft: false }
    case 'BRANCH_GT':
      return { bound: atMost, trueGoesLeft: false }
  }
}

/** |x| at or beyond this rounds to ±∞ in float32 (the midpoint above the largest float32; the tie goes to the even ∞). */
const float32Overflow = 2 ** 128 - 2 ** 103
const float32Max = 3.4028234663852886e38

/** The largest double x with `Math.fround(x) ≤ t`, for a finite float32 t. */
export function float32AtMostBound(t: number): number {
  if (!Number.isFinite(t) || Math.fround(t) !== t) throw new RangeError(`${t} is not a finite float32`)
  if (t === float32Max) return nextDown(float32Overflow)
  // fround(x) ≤ t ⟺ fround(x) < the float32 after t
  return float32LessThanBound(-previousFloat32(-t))
}

/**
 * An ONNX tree as the flat model's arrays. Covers: ONNX files carry no
 * training counts (`nodes_hitrates` is optional and the converters write 1 or
 * nothing), so every leaf counts 1 and a split the sum of its children;
 * TreeSHAP then weighs a split's two sides by their leaf counts.
 */
export function treeArraysOf(tree: EnsembleTree, input: 'float' | 'double'): TreeArrays {
  const arrays = emptyTreeArrays(tree.nodes.length)
  // children come after their parent (depth first from the root): sum covers from the end
  for (let i = tree.nodes.length - 1; i >= 0; i--) {
    const node = tree.nodes[i]!
    if (node.leaf) {
      arrays.feature[i] = -1
      arrays.left[i] = -1
      arrays.right[i] = -1
      arrays.value[i] = node.weight
      arrays.cover[i] = 1
      continue
    }
    const { bound, trueGoesLeft } = splitBound(node.mode, node.threshold, input)
    const left = trueGoesLeft ? node.whenTrue : node.whenFalse
    const right = trueGoesLeft ? node.whenFalse : node.whenTrue
    arrays.feature[i] = node.feature
    arrays.threshold[i] = bound
    arrays.defaultLeft[i] = node.missingTracksTrue === trueGoesLeft ? 1 : 0
    arrays.left[i] = left
    arrays.right[i] = right
    arrays.cover[i] = arrays.cover[left]! + arrays.cover[right]!
  }
  return arrays
}
