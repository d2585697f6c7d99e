/**
 * Population stability index (PSI) of a current distribution against a
 * baseline:
 *
 *   PSI = Σ over bins (c − b) · ln(c / b)
 *
 * where b and c are the shares of the baseline and of the current values in
 * each bin. The bins are fixed on the baseline by its quantiles, so each
 * holds about 1/bins of it; values that tie (a count that is mostly 0) make
 * fewer, wider bins rather than empty ones. A share below `floor` counts as
 * `floor`, so a bin empty on one side adds a large but finite term instead
 * of an infinite one. Usual reading: below 0.1 stable, 0.1–0.25 a shift to
 * watch, above 0.25 a shift to act on.
 */
export interface PsiOptions {
  /** Quantile bins cut on the baseline; default 10. */
  bins?: number
  /** The least share a bin counts with, on either side; default 0.0001. */
  floor?: number
}

export interface PsiBin {
  /** Exclusive lower edge; -Infinity for the first bin. */
  above: number
  /** Inclusive upper edge; Infinity for the last bin. */
  atMost: number
  baselineShare: number
  currentShare: number
  /** This bin's term of the sum. */
  psi: number
}

export interface PsiResult {
  psi: number
  bins: PsiBin[]
}

export const defaultPsiBins = 10
export const defaultPsiFloor = 0.0001

/**
 * The upper edges of the bins, cut on the baseline at the quantiles k/bins
 * (k = 1 … bins − 1, the lower of the two middle values, so every edge is a
 * baseline value), without repeats; values above the last edge form the last
 * bin. Non-finite values are ignored.
 */
export function quantileEdges(baseline: ArrayLike<number>, bins = defaultPsiBins): number[] {
  if (!(Number.isInteger(bins) && bins >= 2)) throw new RangeError(`bins must be a whole number of at least 2, not ${bins}`)
  const sorted = finiteSorted(baseline)
  if (sorted.length === 0) return []
  const edges: number[] = []
  for (let k = 1; k < bins; k++) {
    const edge = sorted[Math.max(0, Math.ceil((k * sorted.length) / bins) - 1)]!
    if (edges.length === 0 || edge > edges[edges.length - 1]!) edges.push(edge)
  }
  // an edge at the maximum would leave the last bin empty on the baseline
  if (edges[edges.length - 1] === sorted[sorted.length - 1]) edges.pop()
  return edges
}

/** The bin of a value: the first whose upper edge is at or above it (binary search). */
export function binOf(edges: readonly number[], value: number): number {
  let low = 0
  let high = edges.length
  while (low < high) {
    const mid = (low + high) >> 1
    if (value <= edges[mid]!) high = mid
    else low = mid + 1
  }
  return low
}

/** Shares of the finite values in each of the edges' bins (edges.length + 1 of them); all zero when there are none. */
export function binShares(edges: readonly number[], values: ArrayLike<number>): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0)
  let total = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (!Number.isFinite(v)) continue
    counts[binOf(edges, v)]!++
    total++
  }
  return counts.map((c) => (total === 0 ? 0 : c / total))
}

/** PSI over given edges; NaN when either side has no finite value. */
export function psiOverEdges(edges: readonly number[], baseline: ArrayLike<number>, current: ArrayLike<number>, floor = defaultPsiFloor): PsiResult {
  const b = binShares(edges, baseline)
  const c = binShares(edges, current)
  if (b.every((s) => s === 0) || c.every((s) => s === 0)) return { psi: Number.NaN, bins: [] }
  const bins = b.map((baselineShare, i) => {
    const bs = Math.max(baselineShare, floor)
    const cs = Math.max(c[i]!, floor)
    return { above: i === 0 ? -Infinity : edges[i - 1]!, atMost: i === edges.length ? Infinity : edges[i]!, baselineShare, currentShare: c[i]!, psi: (cs - bs) * Math.log(cs / bs) }
  })
  return { psi: bins.reduce((sum, bin) => sum + bin.psi, 0), bins }
}

/** PSI of `current` against `baseline`, with bins cut on the baseline's quantiles. */
export function populationStabilityIndex(baseline: ArrayLike<number>, current: ArrayLike<number>, options: PsiOptions = {}): PsiResult {
  return psiOverEdges(quantileEdges(baseline, options.bins ?? defaultPsiBins), baseline, current, options.floor ?? defaultPsiFloor)
}

function finiteSorted(values: ArrayLike<number>): Float64Array {
  const out: number[] = []
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) out.push(values[i]!)
  return Float64Array.from(out).sort()
}
