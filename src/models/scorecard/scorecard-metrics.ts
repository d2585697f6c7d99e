import { auc } from '../gbdt/metrics.ts'

/**
 * How well scores separate bads from goods. A scorecard's score is high for
 * goods, so AUC is taken on the negated score (the chance a random bad
 * scores below a random good; ties count half), Gini = 2·AUC − 1, and KS is
 * the largest gap between the cumulative score distributions of bads and
 * goods.
 */
export interface SeparationMetrics {
  rows: number
  bads: number
  auc: number
  gini: number
  ks: number
}

export function kolmogorovSmirnov(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const order = Array.from({ length: labels.length }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!)
  let bads = 0
  for (let i = 0; i < labels.length; i++) bads += labels[i] === 1 ? 1 : 0
  const goods = labels.length - bads
  if (bads === 0 || goods === 0) return Number.NaN
  let badsBelow = 0
  let goodsBelow = 0
  let best = 0
  for (let k = 0; k < order.length; ) {
    // a threshold between groups of tied scores only
    const score = scores[order[k]!]!
    for (; k < order.length && scores[order[k]!] === score; k++) {
      if (labels[order[k]!] === 1) badsBelow++
      else goodsBelow++
    }
    best = Math.max(best, Math.abs(badsBelow / bads - goodsBelow / goods))
  }
  return best
}

export function separation(labels: ArrayLike<number>, scores: ArrayLike<number>): SeparationMetrics {
  const negated = Float64Array.from({ length: labels.length }, (_, i) => -scores[i]!)
  const area = auc(labels, negated)
  let bads = 0
  for (let i = 0; i < labels.length; i++) bads += labels[i] === 1 ? 1 : 0
  return { rows: labels.length, bads, auc: area, gini: 2 * area - 1, ks: kolmogorovSmirnov(labels, scores) }
}
