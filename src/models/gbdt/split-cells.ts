/**
 * A split `x ≤ threshold, missing → defaultLeft` as one comparison with no
 * test for NaN: `cells[cell] > cut` says "go right". The row is copied once
 * into `cells`, three times over:
 *
 *   [0, F)        the values, missing as −∞   (read by splits that send missing left)
 *   [F, 2F)       the values, missing as +∞   (read by splits that send missing right)
 *   [2F, 3F)      1 where the value is missing, else 0
 *   3F            −∞, always (a cell that never goes right)
 *
 * −∞ > t is false and +∞ > t is true for every finite t, so a missing value
 * takes its split's default way. The third block covers the thresholds where
 * that fails (+∞ with missing → right: only a missing value goes right; NaN:
 * nothing but, perhaps, a missing value goes right). A cell that is not a
 * number at all (undefined past the row's end, a string) goes left at every
 * split, as `x > t` and `Number.isNaN(x)` both being false always made it.
 */
export const cellCount = (featureCount: number) => 3 * featureCount + 1

/** Fills `cells` (length `cellCount(featureCount)`) from a row in feature order. */
export function fillCells(row: ArrayLike<number>, featureCount: number, cells: Float64Array): void {
  for (let f = 0; f < featureCount; f++) {
    const value = row[f]!
    const x = +value
    if (!Number.isNaN(x)) {
      cells[f] = x
      cells[featureCount + f] = x
      cells[2 * featureCount + f] = 0
    } else {
      const missing = Number.isNaN(value)
      cells[f] = Number.NEGATIVE_INFINITY
      cells[featureCount + f] = missing ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY
      cells[2 * featureCount + f] = missing ? 1 : 0
    }
  }
  cells[3 * featureCount] = Number.NEGATIVE_INFINITY
}

/** The cell and the cut of a split on `feature`, so that `cells[cell] > cut` exactly when the row goes right. */
export function splitCell(feature: number, threshold: number, defaultLeft: boolean, featureCount: number): { cell: number; cut: number } {
  if (Number.isNaN(threshold) || (threshold === Number.POSITIVE_INFINITY && !defaultLeft)) {
    // only a missing value can go right, and only when missing values go right
    return { cell: 2 * featureCount + feature, cut: defaultLeft ? 1 : 0.5 }
  }
  return { cell: defaultLeft ? feature : featureCount + feature, cut: threshold }
}

/** The cell that is always −∞: compared with any cut, it stays left. */
export const neverRightCell = (featureCount: number) => 3 * featureCount
