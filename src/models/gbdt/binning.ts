import type { SeededDraws } from './sampling.ts'

/**
 * Quantile bins per feature. Bin 0 holds the missing values (NaN); bins
 * 1…k hold the values, bin b taking those ≤ `upperBounds[b − 1]` and above
 * the previous bound. A split "bin ≤ b" is thus the split "value ≤
 * upperBounds[b − 1]" on raw numbers, which is what the model stores.
 * Bounds sit halfway between two neighbouring distinct training values, so a
 * value unseen in training falls on the nearer side.
 */
export interface FeatureBins {
  /** Ascending; the last is +Infinity. */
  upperBounds: Float64Array
  /** 1 (missing) + the number of value bins. */
  binCount: number
}

export const missingBin = 0

/** LightGBM places its bin edges from at most 200,000 rows; so do we (except for features with fewer distinct values than bins, which get one bin per value). */
export const binSampleRows = 200_000

/** The bin edges of one column, from (a sample of) its values. */
export function binEdges(column: Float64Array | Float32Array, maxBins: number, sample: Uint32Array | undefined): FeatureBins {
  const count = sample ? sample.length : column.length
  const values = new Float64Array(count)
  let present = 0
  for (let k = 0; k < count; k++) {
    const x = column[sample ? sample[k]! : k]!
    if (!Number.isNaN(x)) values[present++] = x
  }
  const sorted = values.subarray(0, present).sort()
  // distinct values and how often each occurs
  const distinct: number[] = []
  const counts: number[] = []
  for (let k = 0; k < present; k++) {
    const x = sorted[k]!
    if (distinct.length > 0 && distinct[distinct.length - 1] === x) counts[counts.length - 1]!++
    else {
      distinct.push(x)
      counts.push(1)
    }
  }
  const bounds: number[] = []
  if (distinct.length <= maxBins) {
    for (let d = 0; d + 1 < distinct.length; d++) bounds.push(between(distinct[d]!, distinct[d + 1]!))
  } else {
    // greedy equal-count bins: close a bin once it holds its share of what is left
    let remaining = present
    let binsLeft = maxBins
    let inBin = 0
    for (let d = 0; d + 1 < distinct.length && binsLeft > 1; d++) {
      inBin += counts[d]!
      if (inBin >= remaining / binsLeft) {
        bounds.push(between(distinct[d]!, distinct[d + 1]!))
        remaining -= inBin
        binsLeft--
        inBin = 0
      }
    }
  }
  bounds.push(Number.POSITIVE_INFINITY)
  return { upperBounds: Float64Array.from(bounds), binCount: bounds.length + 1 }
}

/** Whether the column holds at most `limit` distinct values besides NaN (stops counting past the limit). */
function hasAtMostDistinct(column: Float64Array | Float32Array, limit: number): boolean {
  const seen = new Set<number>()
  for (let i = 0; i < column.length; i++) {
    const x = column[i]!
    if (Number.isNaN(x) || seen.has(x)) continue
    seen.add(x)
    if (seen.size > limit) return false
  }
  return true
}

/** A finite threshold t with below ≤ t < above, halfway where floating point allows (JSON has no Infinity). */
function between(below: number, above: number): number {
  const middle = below / 2 + above / 2
  if (middle === Number.NEGATIVE_INFINITY) return -Number.MAX_VALUE
  return middle >= above || middle < below || !Number.isFinite(middle) ? below : middle
}

/** The bin of one value. */
export function binOf(bins: FeatureBins, x: number): number {
  if (Number.isNaN(x)) return missingBin
  const bounds = bins.upperBounds
  let low = 0
  let high = bounds.length - 1
  while (low < high) {
    const mid = (low + high) >>> 1
    if (x <= bounds[mid]!) high = mid
    else low = mid + 1
  }
  return low + 1
}

/**
 * The bin of every training cell: one byte per cell while every feature has
 * at most 256 bins (the missing bin and 255 value bins), two bytes beyond.
 * One byte keeps the matrix, and the histogram loop reading it, as small as
 * it can be; the width follows the bins actually made, so asking for many
 * bins costs nothing on features that have few distinct values.
 */
export type BinMatrix = Uint8Array | Uint16Array

/** The most bins (with the missing bin) a one-byte matrix holds. */
export const byteBinLimit = 256

/** The training set as bins: one column of `rowCount` cells per feature, in one shared buffer the histogram workers read. */
export interface BinnedData {
  rowCount: number
  featureBins: FeatureBins[]
  /** Column-major: the bin of row i of feature f is at f × rowCount + i. */
  bins: BinMatrix
}

export function binColumns(columns: readonly (Float64Array | Float32Array)[], maxBins: number, draws: SeededDraws): BinnedData {
  const rowCount = columns[0]!.length
  const sample = rowCount > binSampleRows ? draws.rows(rowCount, binSampleRows / rowCount) : undefined
  const featureBins = columns.map((column) => {
    const edges = binEdges(column, maxBins, sample)
    // the sample may miss rare values; a feature with no more distinct values than bins gets one bin per value of the whole column
    return sample && edges.binCount - 1 < maxBins && hasAtMostDistinct(column, maxBins) ? binEdges(column, maxBins, undefined) : edges
  })
  const wide = featureBins.some((edges) => edges.binCount > byteBinLimit)
  const bins = wide ? new Uint16Array(new SharedArrayBuffer(2 * rowCount * columns.length)) : new Uint8Array(new SharedArrayBuffer(rowCount * columns.length))
  columns.forEach((column, f) => {
    const edges = featureBins[f]!
    const out = bins.subarray(f * rowCount, (f + 1) * rowCount)
    for (let i = 0; i < rowCount; i++) out[i] = binOf(edges, column[i]!)
  })
  return { rowCount, featureBins, bins }
}
