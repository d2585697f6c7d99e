/**
 * Float32 arithmetic as XGBoost does it, on JavaScript's doubles.
 *
 * XGBoost stores thresholds and leaf values as float32, casts every input
 * value to float32 before comparing (`fvalue < split_cond` goes left), and
 * adds the trees' outputs into a float32 prediction. `Math.fround` is the
 * exact float32 rounding (round to nearest, ties to even), so all of that can
 * be replayed bit for bit.
 */

const view = new DataView(new ArrayBuffer(8))

/** The next double towards −∞ (for finite x). */
export function nextDown(x: number): number {
  if (Number.isNaN(x) || x === Number.NEGATIVE_INFINITY) return x
  if (x === 0) return -Number.MIN_VALUE
  view.setFloat64(0, x)
  const bits = view.getBigInt64(0)
  view.setBigInt64(0, x > 0 ? bits - 1n : bits + 1n)
  return view.getFloat64(0)
}

/** The next double towards +∞ (for finite x). */
export function nextUp(x: number): number {
  return -nextDown(-x)
}

/** The float32 just below a float32 value t (−∞ below the lowest one). */
export function previousFloat32(t: number): number {
  const f = new Float32Array([t])
  const bits = new Int32Array(f.buffer)
  if (t === 0) return -1.401298464324817e-45
  if (t > 0) bits[0]! -= 1
  else bits[0]! += 1
  return f[0]!
}

/** |x| at or beyond this rounds to ±∞ in float32 (the midpoint above the largest float32; the tie goes to the even ∞). */
const float32Overflow = 2 ** 128 - 2 ** 103

/**
 * The largest double x with `Math.fround(x) < t`, for a float32 threshold t.
 * So `Math.fround(x) < t` ⟺ `x <= float32LessThanBound(t)` for every double
 * x (NaN aside): XGBoost's float32 split becomes the `x ≤ threshold` split of
 * the project's tree model without changing a single routing.
 */
export function float32LessThanBound(t: number): number {
  if (!Number.isFinite(t) || Math.fround(t) !== t) throw new RangeError(`${t} is not a finite float32`)
  const below = previousFloat32(t)
  // doubles up to the midpoint of two neighbouring float32s round down to the lower one, the midpoint itself to the even one
  let bound = below === Number.NEGATIVE_INFINITY ? -float32Overflow : (below + t) / 2
  if (!(Math.fround(bound) < t)) bound = nextDown(bound)
  // a broken invariant here is a bug, not bad input
  if (!(Math.fround(bound) < t) || Math.fround(nextUp(bound)) < t) throw new Error(`float32 bound of ${t} is wrong: ${bound}`)
  return bound
}

/** XGBoost's logistic `ProbToMargin` in float32: −log(1/p − 1). */
export function float32Logit(p: number): number {
  const odds = Math.fround(Math.fround(1 / Math.fround(p)) - 1)
  return Math.fround(-Math.fround(Math.log(odds)))
}

/** XGBoost's `Sigmoid` in float32: 1 / (1 + exp(−x)). */
export function float32Sigmoid(margin: number): number {
  return Math.fround(1 / Math.fround(Math.fround(Math.exp(-margin)) + 1))
}
