import type { BinMatrix, FeatureBins } from './binning.ts'

/**
 * A node's histogram: per feature and bin, the sums of gradient and hessian
 * and the row count, interleaved (3 numbers per bin) in one Float64Array.
 * `offsets[f]` is where feature f's first bin starts.
 */
export interface HistogramLayout {
  offsets: Int32Array
  /** Numbers in one histogram: 3 per bin over all features. */
  size: number
}

export const GRAD = 0
export const HESS = 1
export const COUNT = 2

export function histogramLayout(featureBins: readonly FeatureBins[]): HistogramLayout {
  const offsets = new Int32Array(featureBins.length)
  let size = 0
  featureBins.forEach((bins, f) => {
    offsets[f] = size
    size += 3 * bins.binCount
  })
  return { offsets, size }
}

/**
 * The rows a node holds and their gradients, as the histogram builders read
 * them: `rows[start…end)` are the node's row ids, and `gradients[k]`,
 * `hessians[k]` belong to `rows[k]` (kept in step when rows are partitioned,
 * so the sums read them in order rather than by random access).
 */
export interface NodeRows {
  rows: Uint32Array
  gradients: Float64Array
  hessians: Float64Array
}

/**
 * Sums the node's rows into `out` for the features `features[from…to)`.
 * Each feature is summed by one thread, in row order, so the sums are the
 * same whatever the number of threads.
 */
export function accumulateHistogram(
  bins: BinMatrix,
  rowCount: number,
  layout: HistogramLayout,
  node: NodeRows,
  start: number,
  end: number,
  features: Int32Array,
  from: number,
  to: number,
  out: Float64Array,
): void {
  const { rows, gradients, hessians } = node
  for (let k = from; k < to; k++) {
    const f = features[k]!
    const column = f * rowCount
    const offset = layout.offsets[f]!
    const width = (f + 1 < layout.offsets.length ? layout.offsets[f + 1]! : layout.size) - offset
    out.fill(0, offset, offset + width)
    for (let i = start; i < end; i++) {
      const at = offset + 3 * bins[column + rows[i]!]!
      out[at] += gradients[i]!
      out[at + 1] += hessians[i]!
      out[at + 2]++
    }
  }
}

/** The sibling's histogram: parent − child, feature by feature (LightGBM's subtraction trick), written over `parent`. */
export function subtractHistogram(parent: Float64Array, child: Float64Array, layout: HistogramLayout, features: Int32Array): Float64Array {
  for (let k = 0; k < features.length; k++) {
    const f = features[k]!
    const offset = layout.offsets[f]!
    const end = f + 1 < layout.offsets.length ? layout.offsets[f + 1]! : layout.size
    for (let i = offset; i < end; i++) parent[i] -= child[i]!
  }
  return parent
}

/** Builds the histogram of a node's rows: on this thread, or split over worker threads by feature. */
export interface HistogramBuilder {
  build(start: number, end: number, features: Int32Array, out: Float64Array): void
  close(): Promise<void>
}

export class LocalHistogramBuilder implements HistogramBuilder {
  constructor(
    private readonly bins: BinMatrix,
    private readonly rowCount: number,
    private readonly layout: HistogramLayout,
    private readonly node: NodeRows,
  ) {}

  build(start: number, end: number, features: Int32Array, out: Float64Array): void {
    accumulateHistogram(this.bins, this.rowCount, this.layout, this.node, start, end, features, 0, features.length, out)
  }

  async close(): Promise<void> {}
}
