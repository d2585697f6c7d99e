export { auc as rocAuc } from '../../models/gbdt/metrics.ts'
export { averagePrecision } from '../../models/evaluation/average-precision.ts'

/** scikit-learn's `f1_score(average='macro')` for 0/1 labels: the mean of both classes' F1 (a class never predicted nor present counts 0). */
export function macroF1(labels: ArrayLike<number>, predicted: ArrayLike<number>): number {
  let tp = 0
  let fp = 0
  let fn = 0
  let tn = 0
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i] === 1
    const p = predicted[i] === 1
    if (y && p) tp++
    else if (!y && p) fp++
    else if (y && !p) fn++
    else tn++
  }
  const f1 = (t: number, falsePositive: number, falseNegative: number) => (t === 0 ? 0 : (2 * t) / (2 * t + falsePositive + falseNegative))
  return (f1(tp, fp, fn) + f1(tn, fn, fp)) / 2
}

/** The score threshold (predict 1 when score ≥ it) with the best macro-F1 on these rows, by one sorted sweep (the highest threshold that reaches the best). */
export function bestMacroF1Threshold(labels: ArrayLike<number>, scores: ArrayLike<number>): { threshold: number; f1: number } {
  const n = labels.length
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!)
  let positives = 0
  for (let i = 0; i < n; i++) if (labels[i] === 1) positives++
  const negatives = n - positives
  let tp = 0
  let fp = 0
  let best = { threshold: Number.POSITIVE_INFINITY, f1: macroF1FromCounts(0, 0, positives, negatives) }
  for (let k = 0; k < n; ) {
    const score = scores[order[k]!]!
    for (; k < n && scores[order[k]!] === score; k++) {
      if (labels[order[k]!] === 1) tp++
      else fp++
    }
    const f1 = macroF1FromCounts(tp, fp, positives - tp, negatives - fp)
    if (f1 > best.f1) best = { threshold: score, f1 }
  }
  return best
}

function macroF1FromCounts(tp: number, fp: number, fn: number, tn: number): number {
  const f1 = (t: number, falsePositive: number, falseNegative: number) => (t === 0 ? 0 : (2 * t) / (2 * t + falsePositive + falseNegative))
  return (f1(tp, fp, fn) + f1(tn, fn, fp)) / 2
}
