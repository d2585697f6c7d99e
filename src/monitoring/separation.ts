import { auc } from '../models/gbdt/metrics.ts'
import { kolmogorovSmirnov } from '../models/scorecard/scorecard-metrics.ts'

/**
 * How well a risk score (higher = riskier, as the strategies' logistic
 * scorecards are) separates positives (label 1) from negatives (label 0):
 * AUC, the chance a random positive scores above a random negative (ties
 * count half), and KS, the largest gap between the two cumulative score
 * distributions. Both are the models' own metrics (`models/gbdt/metrics.ts`,
 * `models/scorecard/scorecard-metrics.ts`); null when one class is absent.
 */
export interface Separation {
  auc: number | null
  ks: number | null
}

export function separation(labels: ArrayLike<number>, scores: ArrayLike<number>): Separation {
  return { auc: finiteOrNull(auc(labels, scores)), ks: finiteOrNull(kolmogorovSmirnov(labels, scores)) }
}

export const finiteOrNull = (value: number): number | null => (Number.isFinite(value) ? value : null)
