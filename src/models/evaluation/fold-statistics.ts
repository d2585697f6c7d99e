/** Summaries of a figure measured on several folds. */

export const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length

/** Population standard deviation (÷ n), as the Fraud Detection Handbook reports its folds. */
export function populationStd(values: readonly number[]): number {
  const m = mean(values)
  return Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / values.length)
}

/** Sample standard deviation (÷ n − 1), as `eval:scorecard` reports cross-validation; 0 for one value. */
export function sampleStd(values: readonly number[]): number {
  if (values.length < 2) return 0
  const m = mean(values)
  return Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / (values.length - 1))
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
