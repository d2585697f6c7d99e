import { auc } from '../gbdt/metrics.ts'
import { averagePrecision } from './average-precision.ts'
import { type DailyCardScores, cardPrecisionAtK } from './card-precision.ts'
import { mean, populationStd } from './fold-statistics.ts'

/** The Fraud Detection Handbook's three test figures for one fold (chapter 4). */
export interface HandbookFigures {
  /** ROC AUC over the test transactions. */
  auc: number
  /** Average precision over the test transactions (scikit-learn's). */
  ap: number
  /** Card Precision@100: mean over the test days. */
  cp100: number
}

export function handbookFigures(test: DailyCardScores): HandbookFigures {
  return { auc: auc(test.fraud, test.score), ap: averagePrecision(test.fraud, test.score), cp100: cardPrecisionAtK(test, 100).mean }
}

export interface FigureSummary {
  mean: number
  /** Population standard deviation over the folds, as the book reports. */
  std: number
}

/** Mean and population standard deviation of each figure over the folds. */
export function summariseFolds<K extends string>(folds: readonly Record<K, number>[], keys: readonly K[]): Record<K, FigureSummary> {
  return Object.fromEntries(keys.map((k) => [k, { mean: mean(folds.map((f) => f[k])), std: populationStd(folds.map((f) => f[k])) }])) as Record<K, FigureSummary>
}
