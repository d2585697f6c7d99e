import { BinLookup, type BinSpec, type VariableType } from './bins.ts'
import { isMissingCategory, isNumericColumn, type ScorecardColumn } from './scorecard-data.ts'

/**
 * Binning (分箱) per variable, from the training rows:
 *
 * - numeric, `monotone`: start from `fineBins` quantile bins; merge adjacent
 *   bins (pool-adjacent-violators) until the bad rate strictly rises (or
 *   falls) from bin to bin — the direction given, or the sign of the
 *   variable's rank correlation with the label; then enforce the constraints.
 * - numeric, `optimal`: from the same quantile bins, split the range
 *   best-first where a split adds the most information value, while both
 *   sides keep `minBinShare` of the rows and `minBinBads` bads, until
 *   `maxBins` or no split adds `minIvGain`. Not forced to be monotone.
 * - categorical: one bin per category; categories under `rareCategoryShare`
 *   are pooled into one `other` bin; bins ordered by bad rate, then the
 *   constraints merge neighbours of similar bad rate.
 *
 * The constraints: a bin under `minBinShare` of the rows or `minBinBads`
 * bads is merged with the neighbour of closer bad rate; then, while there
 * are more than `maxBins`, the neighbouring pair least different by
 * chi-square is merged (ChiMerge). Missing values always get their own bin,
 * whatever its size.
 */
export interface BinningSettings {
  method: 'monotone' | 'optimal'
  fineBins: number
  maxBins: number
  minBinShare: number
  minBinBads: number
  rareCategoryShare: number
  minIvGain: number
  /** Numeric, monotone: 1 the bad rate rises with the value, −1 it falls; undefined to choose by correlation. */
  direction: 1 | -1 | undefined
  woeSmoothing: number
}

export interface VariableBinning {
  name: string
  type: VariableType
  bins: BinSpec[]
  goods: number[]
  bads: number[]
  /** Numeric, monotone: the direction of the bad rate. */
  direction?: 1 | -1
}

/** Adjacent rows of a sorted variable, or a group of categories. */
interface Block {
  goods: number
  bads: number
  /** Numeric: the largest value in the block. */
  upper: number
  categories: string[]
  other: boolean
}

const countOf = (b: Block) => b.goods + b.bads
const badRate = (b: Block) => (countOf(b) === 0 ? 0 : b.bads / countOf(b))
const merged = (a: Block, b: Block): Block => ({
  goods: a.goods + b.goods,
  bads: a.bads + b.bads,
  upper: Math.max(a.upper, b.upper),
  categories: [...a.categories, ...b.categories],
  other: a.other || b.other,
})

export function binVariable(column: ScorecardColumn, labels: Float64Array, settings: BinningSettings): VariableBinning {
  const minCount = Math.max(1, Math.ceil(settings.minBinShare * labels.length))
  if (isNumericColumn(column.values)) {
    const fine = fineBlocks(column.values, labels, settings.fineBins)
    let blocks: Block[]
    let direction: 1 | -1 | undefined
    if (settings.method === 'monotone') {
      direction = settings.direction ?? correlationSign(fine)
      blocks = enforceConstraints(poolViolators(fine, direction), minCount, settings.minBinBads, settings.maxBins)
    } else {
      blocks = splitForIv(fine, minCount, settings)
    }
    if (blocks.length === 0) blocks = [{ goods: 0, bads: 0, upper: Number.POSITIVE_INFINITY, categories: [], other: false }]
    const bins: BinSpec[] = blocks.map((b, i) => ({
      kind: 'range',
      lower: i === 0 ? Number.NEGATIVE_INFINITY : blocks[i - 1]!.upper,
      upper: i === blocks.length - 1 ? Number.POSITIVE_INFINITY : b.upper,
    }))
    bins.push({ kind: 'missing' })
    return { name: column.name, type: 'numeric', bins, ...countRows(column, labels, bins), ...(direction ? { direction } : {}) }
  }
  const blocks = categoryBlocks(column.values, labels, Math.ceil(settings.rareCategoryShare * labels.length))
  const kept = enforceConstraints(blocks, minCount, settings.minBinBads, settings.maxBins)
  // unseen categories go with the rare ones; with none rare, to the worst bin (conservative)
  if (kept.length > 0 && !kept.some((b) => b.other)) kept.reduce((worst, b) => (badRate(b) > badRate(worst) ? b : worst)).other = true
  const bins: BinSpec[] = kept.map((b) => ({ kind: 'categories', categories: [...b.categories].sort(), other: b.other }))
  if (bins.length === 0) bins.push({ kind: 'categories', categories: [], other: true })
  bins.push({ kind: 'missing' })
  return { name: column.name, type: 'categorical', bins, ...countRows(column, labels, bins) }
}

/** Goods and bads per bin, placing each row with the same lookup scoring uses. */
export function countRows(column: ScorecardColumn, labels: Float64Array, bins: BinSpec[]): { goods: number[]; bads: number[] } {
  const lookup = new BinLookup(isNumericColumn(column.values) ? 'numeric' : 'categorical', bins)
  const goods = new Array<number>(bins.length).fill(0)
  const bads = new Array<number>(bins.length).fill(0)
  const indexOf = binIndexer(column, lookup)
  for (let i = 0; i < labels.length; i++) {
    const b = indexOf(i)
    if (labels[i] === 1) bads[b]!++
    else goods[b]!++
  }
  return { goods, bads }
}

/** Row index → bin index for a whole column. */
export function binIndexer(column: ScorecardColumn, lookup: BinLookup): (row: number) => number {
  const values = column.values
  if (isNumericColumn(values)) return (row) => lookup.numeric(values[row]!)
  return (row) => lookup.categorical(values[row])
}

/** Quantile bins of the non-missing values, cut only between distinct values. */
function fineBlocks(values: Float64Array | Float32Array, labels: Float64Array, fineBins: number): Block[] {
  const rows: number[] = []
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) rows.push(i)
  rows.sort((a, b) => values[a]! - values[b]!)
  const blocks: Block[] = []
  let current: Block = { goods: 0, bads: 0, upper: Number.NEGATIVE_INFINITY, categories: [], other: false }
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k]!
    if (labels[i] === 1) current.bads++
    else current.goods++
    current.upper = values[i]!
    const boundary = k === rows.length - 1 || values[rows[k + 1]!]! !== values[i]!
    // close the block when the running count passes the next quantile
    if (boundary && k + 1 >= ((blocks.length + 1) * rows.length) / fineBins) {
      blocks.push(current)
      current = { goods: 0, bads: 0, upper: Number.NEGATIVE_INFINITY, categories: [], other: false }
    }
  }
  if (countOf(current) > 0) blocks.push(current)
  return blocks
}

/** The sign of the count-weighted correlation between a block's rank and its bad rate (1 when none). */
function correlationSign(blocks: Block[]): 1 | -1 {
  let n = 0
  let sumX = 0
  let sumY = 0
  for (const [x, b] of blocks.entries()) {
    n += countOf(b)
    sumX += x * countOf(b)
    sumY += b.bads
  }
  let covariance = 0
  for (const [x, b] of blocks.entries()) covariance += countOf(b) * (x - sumX / n) * (badRate(b) - sumY / n)
  return covariance < 0 ? -1 : 1
}

/** Pool adjacent violators: merge neighbours until the bad rate strictly moves in `direction`. */
function poolViolators(blocks: Block[], direction: 1 | -1): Block[] {
  const stack: Block[] = []
  for (const block of blocks) {
    stack.push(block)
    while (stack.length >= 2 && direction * (badRate(stack.at(-1)!) - badRate(stack.at(-2)!)) <= 0) {
      const last = stack.pop()!
      stack.push(merged(stack.pop()!, last))
    }
  }
  return stack
}

/** Pearson's chi-square of two neighbouring blocks' goods and bads (0 when a class is absent from both). */
function chiSquare(a: Block, b: Block): number {
  const total = countOf(a) + countOf(b)
  const goods = a.goods + b.goods
  const bads = a.bads + b.bads
  let chi = 0
  for (const block of [a, b]) {
    for (const [observed, classTotal] of [
      [block.goods, goods],
      [block.bads, bads],
    ] as const) {
      const expected = (countOf(block) * classTotal) / total
      if (expected > 0) chi += (observed - expected) ** 2 / expected
    }
  }
  return chi
}

/** Merge too-small bins into their closer neighbour, then merge the most similar pair until at most maxBins. */
function enforceConstraints(blocks: Block[], minCount: number, minBads: number, maxBins: number): Block[] {
  const bins = [...blocks]
  const tooSmall = (b: Block) => countOf(b) < minCount || b.bads < minBads
  while (bins.length > 1) {
    let worst = -1
    for (let i = 0; i < bins.length; i++) if (tooSmall(bins[i]!) && (worst < 0 || countOf(bins[i]!) < countOf(bins[worst]!))) worst = i
    if (worst < 0) break
    const rate = badRate(bins[worst]!)
    const left = worst - 1
    const right = worst + 1
    const withLeft =
      right >= bins.length || (left >= 0 && Math.abs(badRate(bins[left]!) - rate) <= Math.abs(badRate(bins[right]!) - rate))
    const at = withLeft ? left : worst
    bins.splice(at, 2, merged(bins[at]!, bins[at + 1]!))
  }
  while (bins.length > maxBins) {
    let best = 0
    let bestChi = Number.POSITIVE_INFINITY
    for (let i = 0; i + 1 < bins.length; i++) {
      const chi = chiSquare(bins[i]!, bins[i + 1]!)
      if (chi < bestChi) {
        bestChi = chi
        best = i
      }
    }
    bins.splice(best, 2, merged(bins[best]!, bins[best + 1]!))
  }
  return bins
}

/** Best-first splits of the fine blocks, each the one that adds the most IV. */
function splitForIv(fine: Block[], minCount: number, settings: BinningSettings): Block[] {
  if (fine.length === 0) return []
  // prefix sums over the fine blocks
  const goods = new Float64Array(fine.length + 1)
  const bads = new Float64Array(fine.length + 1)
  fine.forEach((b, i) => {
    goods[i + 1] = goods[i]! + b.goods
    bads[i + 1] = bads[i]! + b.bads
  })
  const totalGoods = goods[fine.length]!
  const totalBads = bads[fine.length]!
  const a = settings.woeSmoothing
  const ivOf = (from: number, to: number) => {
    const g = (goods[to]! - goods[from]! + a) / (totalGoods + a)
    const b = (bads[to]! - bads[from]! + a) / (totalBads + a)
    return (g - b) * Math.log(g / b)
  }
  const allowed = (from: number, to: number) => goods[to]! - goods[from]! + bads[to]! - bads[from]! >= minCount && bads[to]! - bads[from]! >= settings.minBinBads
  // segments are [from, to) over the fine blocks
  const cuts = [0, fine.length]
  while (cuts.length - 1 < settings.maxBins) {
    let bestGain = settings.minIvGain
    let bestCut = -1
    for (let s = 0; s + 1 < cuts.length; s++) {
      const from = cuts[s]!
      const to = cuts[s + 1]!
      const whole = ivOf(from, to)
      for (let c = from + 1; c < to; c++) {
        if (!allowed(from, c) || !allowed(c, to)) continue
        const gain = ivOf(from, c) + ivOf(c, to) - whole
        if (gain > bestGain) {
          bestGain = gain
          bestCut = c
        }
      }
    }
    if (bestCut < 0) break
    cuts.push(bestCut)
    cuts.sort((x, y) => x - y)
  }
  const blocks: Block[] = []
  for (let s = 0; s + 1 < cuts.length; s++) blocks.push(fine.slice(cuts[s]!, cuts[s + 1]!).reduce(merged))
  return blocks
}

/** One block per category, rare ones pooled into an `other` block; ordered by bad rate. */
function categoryBlocks(values: readonly (string | null)[], labels: Float64Array, rareCount: number): Block[] {
  const byCategory = new Map<string, Block>()
  for (let i = 0; i < values.length; i++) {
    const value = values[i]
    if (isMissingCategory(value)) continue
    let block = byCategory.get(value!)
    if (block === undefined) {
      block = { goods: 0, bads: 0, upper: 0, categories: [value!], other: false }
      byCategory.set(value!, block)
    }
    if (labels[i] === 1) block.bads++
    else block.goods++
  }
  const blocks: Block[] = []
  let rare: Block | undefined
  for (const block of [...byCategory.values()].sort((x, y) => (x.categories[0]! < y.categories[0]! ? -1 : 1))) {
    if (countOf(block) >= rareCount) blocks.push(block)
    else rare = rare ? merged(rare, block) : { ...block, other: true }
  }
  if (rare) blocks.push(rare)
  return blocks.sort((x, y) => badRate(x) - badRate(y))
}
