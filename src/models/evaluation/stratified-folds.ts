import { SeededDraws } from '../gbdt/sampling.ts'

/**
 * Stratified k-fold cross-validation folds: the rows of each class (0, then
 * 1) are shuffled with a seeded draw and dealt to the folds in turn, the
 * dealing going on from one class to the next. Every row is in exactly one
 * fold; each fold holds ⌊n_c / k⌋ or ⌈n_c / k⌉ rows of each class c. Returns
 * each fold's rows (its test part), ascending. The same folds as
 * `crossValidate` in `scripts/eval-scorecard.ts` for the same seed.
 */
export function stratifiedFolds(labels: ArrayLike<number>, folds: number, seed: number): Int32Array[] {
  if (!Number.isInteger(folds) || folds < 2) throw new RangeError(`folds must be a whole number ≥ 2, not ${folds}`)
  const draws = new SeededDraws(seed)
  const out: number[][] = Array.from({ length: folds }, () => [])
  let dealt = 0
  for (const label of [0, 1]) {
    const rows: number[] = []
    for (let i = 0; i < labels.length; i++) if (labels[i] === label) rows.push(i)
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(draws.float() * (i + 1))
      ;[rows[i], rows[j]] = [rows[j]!, rows[i]!]
    }
    for (const row of rows) out[dealt++ % folds]!.push(row)
  }
  return out.map((fold) => Int32Array.from(fold).sort())
}

/** The rows not in `test`, ascending. */
export function complementOf(test: Int32Array, rowCount: number): Int32Array {
  const inTest = new Uint8Array(rowCount)
  for (const i of test) inTest[i] = 1
  const rest = new Int32Array(rowCount - test.length)
  let n = 0
  for (let i = 0; i < rowCount; i++) if (inTest[i] === 0) rest[n++] = i
  return rest
}
