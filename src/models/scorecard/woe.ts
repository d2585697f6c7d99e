/**
 * Weight of evidence and information value of a variable's bins.
 *
 * Convention (the industry's, as in Siddiqi, *Credit Risk Scorecards*):
 *
 *   WOE_i = ln(DistrGood_i / DistrBad_i)       IV = Σ (DistrGood_i − DistrBad_i) · WOE_i
 *
 * so a bin with more goods than average has a positive WOE (lower risk).
 * Both distributions are smoothed: with a = `smoothing` and k the number of
 * bins that hold any row, DistrGood_i = (goods_i + a) / (goods + a·k) and
 * DistrBad_i = (bads_i + a) / (bads + a·k); a bin without goods or bads gets
 * a finite WOE, and the distributions still sum to 1 over the k bins.
 * An empty bin (a missing bin when training had no missing value) gets the
 * variable's lowest WOE — the conservative choice — and adds nothing to IV.
 */
export interface WoeTable {
  woe: Float64Array
  /** Each bin's share of the IV: (DistrGood − DistrBad) · WOE. */
  ivParts: Float64Array
  iv: number
}

export function woeTable(goods: ArrayLike<number>, bads: ArrayLike<number>, smoothing: number): WoeTable {
  const n = goods.length
  let totalGoods = 0
  let totalBads = 0
  let occupied = 0
  for (let i = 0; i < n; i++) {
    totalGoods += goods[i]!
    totalBads += bads[i]!
    if (goods[i]! + bads[i]! > 0) occupied++
  }
  const woe = new Float64Array(n)
  const ivParts = new Float64Array(n)
  let lowest = Number.POSITIVE_INFINITY
  let iv = 0
  for (let i = 0; i < n; i++) {
    if (goods[i]! + bads[i]! === 0) continue
    const distrGood = (goods[i]! + smoothing) / (totalGoods + smoothing * occupied)
    const distrBad = (bads[i]! + smoothing) / (totalBads + smoothing * occupied)
    woe[i] = Math.log(distrGood / distrBad)
    ivParts[i] = (distrGood - distrBad) * woe[i]!
    iv += ivParts[i]!
    lowest = Math.min(lowest, woe[i]!)
  }
  for (let i = 0; i < n; i++) if (goods[i]! + bads[i]! === 0) woe[i] = Number.isFinite(lowest) ? lowest : 0
  return { woe, ivParts, iv }
}
