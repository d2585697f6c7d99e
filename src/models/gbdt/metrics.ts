import { sigmoid } from './objective.ts'

/**
 * Validation metrics over margins (log-odds for binary). Weights, when
 * given, weigh each row; AUC counts ties as half (the Mann–Whitney U).
 */
export function auc(labels: ArrayLike<number>, scores: ArrayLike<number>, weights?: ArrayLike<number>): number {
  const order = Array.from({ length: labels.length }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!)
  let negativesBelow = 0
  let area = 0
  let positives = 0
  for (let k = 0; k < order.length; ) {
    // one group of tied scores at a time
    let groupPositives = 0
    let groupNegatives = 0
    const score = scores[order[k]!]!
    for (; k < order.length && scores[order[k]!] === score; k++) {
      const i = order[k]!
      const w = weights ? weights[i]! : 1
      if (labels[i] === 1) groupPositives += w
      else groupNegatives += w
    }
    area += groupPositives * (negativesBelow + groupNegatives / 2)
    negativesBelow += groupNegatives
    positives += groupPositives
  }
  return positives === 0 || negativesBelow === 0 ? Number.NaN : area / (positives * negativesBelow)
}

/** Mean log-loss of labels 0/1 at the given margins. */
export function logLoss(labels: ArrayLike<number>, margins: ArrayLike<number>, weights?: ArrayLike<number>): number {
  let sum = 0
  let total = 0
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(Math.max(sigmoid(margins[i]!), 1e-15), 1 - 1e-15)
    const w = weights ? weights[i]! : 1
    sum -= w * (labels[i] === 1 ? Math.log(p) : Math.log(1 - p))
    total += w
  }
  return sum / total
}

export function rmse(labels: ArrayLike<number>, predictions: ArrayLike<number>, weights?: ArrayLike<number>): number {
  let sum = 0
  let total = 0
  for (let i = 0; i < labels.length; i++) {
    const w = weights ? weights[i]! : 1
    sum += w * (predictions[i]! - labels[i]!) ** 2
    total += w
  }
  return Math.sqrt(sum / total)
}

export type MetricName = 'logloss' | 'auc' | 'rmse'

export const higherIsBetter = (metric: MetricName) => metric === 'auc'

export function metricOf(metric: MetricName, labels: ArrayLike<number>, margins: ArrayLike<number>, weights?: ArrayLike<number>): number {
  if (metric === 'auc') return auc(labels, margins, weights)
  if (metric === 'logloss') return logLoss(labels, margins, weights)
  return rmse(labels, margins, weights)
}
