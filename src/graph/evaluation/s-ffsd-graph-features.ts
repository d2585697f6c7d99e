import type { FeatureColumns } from './feature-columns.ts'
import type { SffsdData } from './s-ffsd-data.ts'

/**
 * Which labels a row's features may read — never a test row's, never its own.
 *
 * - `random`: every training row's label but the row's own; for the
 *   whole-group rates, a training row reads only the other folds' labels
 *   (out-of-fold target encoding), so that no rate holds its own label.
 * - `temporal`: training labels of rows before `knownBeforeTime[i]`. A test
 *   row gets the cut-off (every training label, all earlier than it); a
 *   training row gets its own time minus a gap drawn like a test row's
 *   distance from the cut-off, so that the model learns from rows that see
 *   labels the way test rows will (the latest ones missing).
 */
export type LabelAccess = { kind: 'random'; train: Uint8Array; fold: Int8Array; folds: number } | { kind: 'temporal'; train: Uint8Array; knownBeforeTime: Float64Array }

/** The relations of GTAN's graph: transactions sharing a Source, Target, Location or Type. */
const relations = ['source', 'target', 'location', 'type'] as const
type Relation = (typeof relations)[number]

/** Transactions grouped by one column's value, each group in time order. */
interface Groups {
  groupOf: Int32Array
  /** Position of each row in its group. */
  position: Int32Array
  start: Int32Array
  members: Int32Array
}

function groupBy(codes: Int32Array, cardinality: number): Groups {
  const n = codes.length
  const size = new Int32Array(cardinality + 1)
  for (let i = 0; i < n; i++) size[codes[i]! + 1]!++
  for (let g = 0; g < cardinality; g++) size[g + 1]! += size[g]!
  const start = size.slice()
  const fill = size.slice()
  const members = new Int32Array(n)
  const position = new Int32Array(n)
  // rows come in time order, so each group fills in time order
  for (let i = 0; i < n; i++) {
    const g = codes[i]!
    position[i] = fill[g]! - start[g]!
    members[fill[g]!++] = i
  }
  return { groupOf: codes, position, start, members }
}

const neighbourCounts = [2, 8] as const
const pastWindows = [100, 1_000, 10_000] as const
const prior = 2

/**
 * Features from the transaction graph GTAN builds (each transaction linked
 * to the next ones sharing its Source, Target, Location or Type), for each
 * relation:
 *
 * - structure, from earlier transactions only: how many came before, time
 *   since the previous one and since the first, how many in the last 100 /
 *   1,000 / 10,000 time units and the ratio of the first to the last (a
 *   burst), the mean amount of the previous two and of all before, and the
 *   amount's distance to them; for Target, Location and Type, how many
 *   distinct Sources made the previous 20 and the share of those that were
 *   a Source's first transaction (a new merchant paid by new cards);
 * - neighbour labels (training labels only, `LabelAccess`): among the 2 and
 *   the 8 nearest earlier neighbours (and later ones for the random split),
 *   how many carry a readable label and how many are fraud; the label and
 *   distance of the nearest labelled neighbour; and the group's fraud rate
 *   (smoothed towards the overall rate).
 *
 * Plus two-hop aggregates: the mean fraud rate of the Targets a Source paid
 * before, and of the Sources a Target was paid by before; and the distinct
 * Targets of the Source and Sources of the Target so far.
 */
export function graphFeatures(data: SffsdData, access: LabelAccess, into: FeatureColumns): FeatureColumns {
  const n = data.rows
  const { time, amount, label } = data
  const train = access.train
  const bothWays = access.kind === 'random'
  const usable =
    access.kind === 'random'
      ? (i: number, j: number) => train[j] === 1 && j !== i
      : (i: number, j: number) => train[j] === 1 && time[j]! < access.knownBeforeTime[i]!
  // the overall fraud rate each row may read (the prior of the smoothed rates): other folds' in the random split, earlier labels' in the time split
  const folds = access.kind === 'random' ? access.folds : 1
  const foldRows = new Float64Array(folds)
  const foldFrauds = new Float64Array(folds)
  const cumRows = new Float64Array(n + 1)
  const cumFrauds = new Float64Array(n + 1)
  for (let i = 0; i < n; i++) {
    const usableLabel = train[i] === 1
    cumRows[i + 1] = cumRows[i]! + (usableLabel ? 1 : 0)
    cumFrauds[i + 1] = cumFrauds[i]! + (usableLabel && label[i] === 1 ? 1 : 0)
    if (usableLabel && access.kind === 'random') {
      foldRows[access.fold[i]!]!++
      if (label[i] === 1) foldFrauds[access.fold[i]!]!++
    }
  }
  const baseRateOf = (i: number): number => {
    let rows = 0
    let frauds = 0
    if (access.kind === 'random') {
      const own = train[i] === 1 ? access.fold[i]! : -1
      for (let f = 0; f < folds; f++) {
        if (f === own) continue
        rows += foldRows[f]!
        frauds += foldFrauds[f]!
      }
    } else {
      // rows are in time order
      let lo = 0
      let hi = n
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (time[mid]! < access.knownBeforeTime[i]!) lo = mid + 1
        else hi = mid
      }
      rows = cumRows[lo]!
      frauds = cumFrauds[lo]!
    }
    return rows === 0 ? 0 : frauds / rows
  }
  /** The smoothed fraud rate of group `g` of a relation as row `i` may read it. */
  const rateOf = {} as Record<Relation, (i: number, g: number) => number>
  const groupsOf = {} as Record<Relation, Groups>

  // whether each transaction is its Source's first (known at its own time)
  const sourceIsNew = new Uint8Array(n)
  const sourceSeen = new Uint8Array(data.cardinality.source)
  for (let i = 0; i < n; i++) {
    if (sourceSeen[data.source[i]!] === 0) sourceIsNew[i] = 1
    sourceSeen[data.source[i]!] = 1
  }
  const sources = new Set<number>()

  for (const relation of relations) {
    const codes = data[relation]
    const groups = groupBy(codes, data.cardinality[relation])
    const { position, start, members } = groups
    const prevCount = into.add(`${relation}PrevCount`)
    const gap = into.add(`${relation}TimeSincePrev`)
    const windowCounts = pastWindows.map((L) => ({ L, column: into.add(`${relation}Count${L}`) }))
    const prevAmount2 = into.add(`${relation}PrevAmountMean2`)
    const amountBias2 = into.add(`${relation}AmountBias2`)
    const pastAmount = into.add(`${relation}PastAmountMean`)
    const pastBias = into.add(`${relation}PastAmountBias`)
    const age = into.add(`${relation}Age`)
    const burst = into.add(`${relation}Burst`)
    const newcomers = relation === 'source' ? undefined : into.add(`${relation}NewSourceShare20`)
    const counterparts = relation === 'source' ? undefined : into.add(`${relation}DistinctSources20`)
    const directions = bothWays ? (['Prev', 'Next'] as const) : (['Prev'] as const)
    const neighbourColumns = directions.flatMap((direction) =>
      neighbourCounts.map((k) => ({ direction, k, labelled: into.add(`${relation}${direction}${k}Labelled`), fraud: into.add(`${relation}${direction}${k}Fraud`) })),
    )
    const nearest = directions.map((direction) => ({ direction, label: into.add(`${relation}Nearest${direction}Label`), distance: into.add(`${relation}Nearest${direction}Distance`) }))
    const rateColumn = into.add(`${relation}FraudRate`)
    const labelledColumn = into.add(`${relation}LabelledRows`)
    groupsOf[relation] = groups

    // running amount sums per group, for the expanding means
    const cumulative = new Float64Array(n + 1)
    for (let k = 0; k < n; k++) cumulative[k + 1] = cumulative[k]! + amount[members[k]!]!
    // prefix counts of training rows and frauds over each group's time order (for the temporal rate)
    const cumTrain = new Int32Array(n + 1)
    const cumFraud = new Int32Array(n + 1)
    for (let k = 0; k < n; k++) {
      const j = members[k]!
      cumTrain[k + 1] = cumTrain[k]! + (train[j] === 1 ? 1 : 0)
      cumFraud[k + 1] = cumFraud[k]! + (train[j] === 1 && label[j] === 1 ? 1 : 0)
    }
    // per group and fold, training rows and frauds (for the random split's out-of-fold rate)
    const groupCount = data.cardinality[relation]
    const foldTrain = new Int32Array(groupCount * folds)
    const foldFraud = new Int32Array(groupCount * folds)
    if (access.kind === 'random') {
      for (let j = 0; j < n; j++) {
        if (train[j] !== 1) continue
        const cell = codes[j]! * folds + access.fold[j]!
        foldTrain[cell]!++
        if (label[j] === 1) foldFraud[cell]!++
      }
    }

    for (let i = 0; i < n; i++) {
      const g = codes[i]!
      const first = start[g]!
      const at = first + position[i]!
      const end = start[g + 1]!
      const p = position[i]!
      prevCount[i] = p
      if (p > 0) {
        gap[i] = time[i]! - time[members[at - 1]!]!
        const twoBack = Math.max(first, at - 2)
        const mean2 = (cumulative[at]! - cumulative[twoBack]!) / (at - twoBack)
        prevAmount2[i] = mean2
        amountBias2[i] = amount[i]! - mean2
        const meanAll = (cumulative[at]! - cumulative[first]!) / p
        pastAmount[i] = meanAll
        pastBias[i] = amount[i]! - meanAll
      }
      for (const { L, column } of windowCounts) column[i] = at - lowerBound(members, time, first, at, time[i]! - L)
      age[i] = time[i]! - time[members[first]!]!
      burst[i] = (windowCounts[0]!.column[i]! + 1) / (windowCounts[2]!.column[i]! + 1)
      if (newcomers && counterparts && p > 0) {
        const from = Math.max(first, at - 20)
        let fresh = 0
        sources.clear()
        for (let k = from; k < at; k++) {
          const j = members[k]!
          if (sourceIsNew[j] === 1) fresh++
          sources.add(data.source[j]!)
        }
        newcomers[i] = fresh / (at - from)
        counterparts[i] = sources.size
      }
      for (const column of neighbourColumns) {
        let labelled = 0
        let fraud = 0
        const step = column.direction === 'Prev' ? -1 : 1
        for (let q = 1; q <= column.k; q++) {
          const k = at + step * q
          if (k < first || k >= end) break
          const j = members[k]!
          if (label[j] === 2 || !usable(i, j)) continue
          labelled++
          if (label[j] === 1) fraud++
        }
        column.labelled[i] = labelled
        column.fraud[i] = fraud
      }
      for (const column of nearest) {
        const step = column.direction === 'Prev' ? -1 : 1
        for (let q = 1; q <= 64; q++) {
          const k = at + step * q
          if (k < first || k >= end) break
          const j = members[k]!
          if (label[j] === 2 || !usable(i, j)) continue
          column.label[i] = label[j]!
          column.distance[i] = Math.abs(time[i]! - time[j]!)
          break
        }
      }
      const [labelled, fraud] = readableLabels(i, g)
      labelledColumn[i] = labelled
      rateColumn[i] = (fraud + prior * baseRateOf(i)) / (labelled + prior)
    }
    rateOf[relation] = (i, g) => {
      const [labelled, fraud] = readableLabels(i, g)
      return (fraud + prior * baseRateOf(i)) / (labelled + prior)
    }

    /** Training rows, and frauds among them, of group `g` whose labels row `i` may read. */
    function readableLabels(i: number, g: number): [number, number] {
      if (access.kind === 'random') {
        let labelled = 0
        let fraud = 0
        const own = train[i] === 1 ? access.fold[i]! : -1
        for (let f = 0; f < folds; f++) {
          if (f === own) continue
          labelled += foldTrain[g * folds + f]!
          fraud += foldFraud[g * folds + f]!
        }
        return [labelled, fraud]
      }
      const first = start[g]!
      const k = lowerBound(members, time, first, start[g + 1]!, access.knownBeforeTime[i]!)
      return [cumTrain[k]! - cumTrain[first]!, cumFraud[k]! - cumFraud[first]!]
    }
  }
  twoHopFeatures(data, groupsOf, rateOf, into)
  return into
}

/** The first position k in members[from, to) whose row's time is ≥ t (members are in time order). */
function lowerBound(members: Int32Array, time: Float64Array, from: number, to: number, t: number): number {
  let lo = from
  let hi = to
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (time[members[mid]!]! < t) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * Two hops: over the last (up to 32) earlier transactions of a Source, the
 * mean and highest fraud rate of the Targets they paid, each rate as this
 * row may read it; the same for a Target's earlier Sources; and how many
 * distinct counterparts so far.
 */
function twoHopFeatures(data: SffsdData, groupsOf: Record<Relation, Groups>, rateOf: Record<Relation, (i: number, g: number) => number>, into: FeatureColumns): void {
  const n = data.rows
  const pairs = [
    { via: 'source' as const, other: 'target' as const, name: 'sourceTargets' },
    { via: 'target' as const, other: 'source' as const, name: 'targetSources' },
  ]
  for (const { via, other, name } of pairs) {
    const meanRate = into.add(`${name}PastRateMean`)
    const maxRate = into.add(`${name}PastRateMax`)
    const distinct = into.add(`${name}Distinct`)
    const { position, start, members } = groupsOf[via]
    const otherCodes = data[other]
    const rate = rateOf[other]
    const seen = new Set<number>()
    for (let i = 0; i < n; i++) {
      const first = start[data[via][i]!]!
      const at = first + position[i]!
      seen.clear()
      let sum = 0
      let most = Number.NaN
      for (let k = at - 1; k >= first && seen.size < 32; k--) {
        const counterpart = otherCodes[members[k]!]!
        if (seen.has(counterpart)) continue
        seen.add(counterpart)
        const r = rate(i, counterpart)
        sum += r
        if (!(most >= r)) most = r
      }
      if (seen.size > 0) {
        meanRate[i] = sum / seen.size
        maxRate[i] = most
      }
      distinct[i] = seen.size
    }
  }
}
