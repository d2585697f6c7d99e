/**
 * A variable's bins, and the one lookup that places a value in them — used
 * alike when training counts rows and when a scorecard scores one.
 *
 * A numeric bin is the interval (lower, upper]: lower is −∞ for the first,
 * upper +∞ for the last, and each bin's lower is its neighbour's upper. A
 * categorical bin lists its categories; exactly one is marked `other` and
 * also takes categories never seen in training. Every variable has one
 * `missing` bin, last: NaN, null, undefined or '' go there.
 */
export type BinSpec =
  | { kind: 'range'; lower: number; upper: number }
  | { kind: 'categories'; categories: string[]; other: boolean }
  | { kind: 'missing' }

export type VariableType = 'numeric' | 'categorical'

export class BinLookup {
  private readonly uppers: Float64Array
  private readonly categoryIndex = new Map<string, number>()
  private readonly otherIndex: number
  readonly missingIndex: number

  constructor(
    readonly type: VariableType,
    readonly bins: readonly BinSpec[],
  ) {
    this.missingIndex = bins.findIndex((b) => b.kind === 'missing')
    const ranges = bins.filter((b) => b.kind === 'range')
    this.uppers = Float64Array.from(ranges, (b) => b.upper)
    let other = -1
    bins.forEach((bin, i) => {
      if (bin.kind !== 'categories') return
      for (const category of bin.categories) this.categoryIndex.set(category, i)
      if (bin.other) other = i
    })
    this.otherIndex = other
  }

  /** The bin of a numeric value (NaN is missing). Ranges come first, in order. */
  numeric(value: number): number {
    if (Number.isNaN(value)) return this.missingIndex
    // the first bin whose upper bound is ≥ value
    let lo = 0
    let hi = this.uppers.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (value <= this.uppers[mid]!) hi = mid
      else lo = mid + 1
    }
    return lo
  }

  /** The bin of a category (null or '' is missing; an unseen one goes to the `other` bin). */
  categorical(value: string | null | undefined): number {
    if (value === null || value === undefined || value === '') return this.missingIndex
    return this.categoryIndex.get(value) ?? this.otherIndex
  }
}

const formatNumber = (x: number) => (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6))))

/** How reports and reasons show a bin: `(-∞, 12]`, `(12, 24]`, `A11, A12`, `missing`. */
export function binLabel(bin: BinSpec): string {
  if (bin.kind === 'missing') return 'missing'
  if (bin.kind === 'categories') return `${bin.categories.join(', ') || '(none seen)'}${bin.other ? ' + other' : ''}`
  const lower = bin.lower === Number.NEGATIVE_INFINITY ? '(-∞' : `(${formatNumber(bin.lower)}`
  const upper = bin.upper === Number.POSITIVE_INFINITY ? '+∞)' : `${formatNumber(bin.upper)}]`
  return `${lower}, ${upper}`
}
