import { FeatureColumns } from './feature-columns.ts'
import type { SffsdData } from './s-ffsd-data.ts'

/** GTAN's time windows over the global transaction index (`featmap_gen`). */
export const gtanWindows = [2, 3, 5, 15, 20, 50, 100, 150, 200, 300, 864, 2590, 5100, 10000, 24000] as const

/**
 * GTAN's tabular inputs (`feature_engineering/data_process.py`,
 * `featmap_gen`): the six columns (Time, label-encoded Source, Target,
 * Location and Type, Amount) and, for each window L, over every transaction
 * with Time in [t − L, t] (all cards, not the card's own): mean, sum and
 * standard deviation (pandas', n − 1; 0 for one row) of Amount, Amount minus
 * that mean, the count, and the distinct Targets, Locations and Types.
 * Computed in one pass per window with running sums and counts.
 */
export function tabularFeatures(data: SffsdData, into = new FeatureColumns(data.rows)): FeatureColumns {
  const n = data.rows
  into.add('time').set(data.time)
  into.add('source').set(Float64Array.from(data.source))
  into.add('target').set(Float64Array.from(data.target))
  into.add('amount').set(data.amount)
  into.add('location').set(Float64Array.from(data.location))
  into.add('type').set(Float64Array.from(data.type))
  let mean0 = 0
  for (let i = 0; i < n; i++) mean0 += data.amount[i]!
  mean0 /= n
  for (const L of gtanWindows) {
    const avg = into.add(`avg${L}`)
    const total = into.add(`sum${L}`)
    const std = into.add(`std${L}`)
    const bias = into.add(`bias${L}`)
    const count = into.add(`count${L}`)
    const distinct = [
      { codes: data.target, column: into.add(`targets${L}`), counts: new Int32Array(data.cardinality.target), size: 0 },
      { codes: data.location, column: into.add(`locations${L}`), counts: new Int32Array(data.cardinality.location), size: 0 },
      { codes: data.type, column: into.add(`types${L}`), counts: new Int32Array(data.cardinality.type), size: 0 },
    ]
    // sums of the amounts shifted by their overall mean keep the variance exact enough in doubles
    let sum = 0
    let sumSq = 0
    let lo = 0
    for (let i = 0; i < n; i++) {
      const x = data.amount[i]! - mean0
      sum += x
      sumSq += x * x
      for (const d of distinct) if (d.counts[d.codes[i]!]!++ === 0) d.size++
      while (data.time[lo]! < data.time[i]! - L) {
        const y = data.amount[lo]! - mean0
        sum -= y
        sumSq -= y * y
        for (const d of distinct) if (--d.counts[d.codes[lo]!]! === 0) d.size--
        lo++
      }
      const k = i - lo + 1
      const m = sum / k
      avg[i] = m + mean0
      total[i] = sum + k * mean0
      std[i] = k > 1 ? Math.sqrt(Math.max(0, (sumSq - k * m * m) / (k - 1))) : 0
      bias[i] = data.amount[i]! - (m + mean0)
      count[i] = k
      for (const d of distinct) d.column[i] = d.size
    }
  }
  return into
}
