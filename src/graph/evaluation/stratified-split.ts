import { NumpyRandomState } from './numpy-random-state.ts'

export interface Split {
  /** Row numbers, in the order scikit-learn returns them (shuffled). */
  train: Int32Array
  test: Int32Array
}

/**
 * `sklearn.model_selection.train_test_split(range(n), y, stratify=y,
 * test_size=testSize, random_state=seed, shuffle=True)`, reproduced:
 * `_validate_shuffle_split` (n_test = ⌈testSize·n⌉, n_train = n − n_test),
 * then `StratifiedShuffleSplit._iter_indices` — classes in sorted order, each
 * class's rows in row order (a stable argsort), `_approximate_mode` for how
 * many of each class go to train and then to test (ties in the remainders
 * broken by `rng.choice`), a permutation per class, and a final permutation
 * of each side — all from NumPy's legacy MT19937 `RandomState(seed)`.
 *
 * Checked against NumPy's published outputs for the generator
 * (`numpy-random-state.ts`); the splitter's steps follow scikit-learn ≥ 0.22
 * (unchanged through 1.x).
 */
export function stratifiedTrainTestSplit(labels: ArrayLike<number>, testSize: number, seed: number): Split {
  const n = labels.length
  const nTest = Math.ceil(testSize * n)
  const nTrain = n - nTest
  const classes = [...new Set(Array.from(labels))].sort((a, b) => a - b)
  const classIndex = new Map(classes.map((c, i) => [c, i]))
  const counts = classes.map(() => 0)
  const members: number[][] = classes.map(() => [])
  for (let i = 0; i < n; i++) {
    const c = classIndex.get(labels[i]!)!
    counts[c]!++
    members[c]!.push(i)
  }
  const rng = new NumpyRandomState(seed)
  const trainCounts = approximateMode(counts, nTrain, rng)
  const testCounts = approximateMode(
    counts.map((count, i) => count - trainCounts[i]!),
    nTest,
    rng,
  )
  const train: number[] = []
  const test: number[] = []
  for (let c = 0; c < classes.length; c++) {
    const permutation = rng.permutation(counts[c]!)
    const rows = members[c]!
    for (let k = 0; k < trainCounts[c]!; k++) train.push(rows[permutation[k]!]!)
    for (let k = trainCounts[c]!; k < trainCounts[c]! + testCounts[c]!; k++) test.push(rows[permutation[k]!]!)
  }
  rng.shuffle(train)
  rng.shuffle(test)
  return { train: Int32Array.from(train), test: Int32Array.from(test) }
}

/**
 * scikit-learn's `_approximate_mode`: each class's share of `draws`,
 * floored, then the rest handed out by the largest remainders (classes with
 * equal remainders drawn at random).
 */
export function approximateMode(counts: number[], draws: number, rng: NumpyRandomState): number[] {
  const total = counts.reduce((a, b) => a + b, 0)
  const continuous = counts.map((count) => (count / total) * draws)
  const floored = continuous.map(Math.floor)
  let needToAdd = Math.round(draws - floored.reduce((a, b) => a + b, 0))
  if (needToAdd > 0) {
    const remainders = continuous.map((value, i) => value - floored[i]!)
    const values = [...new Set(remainders)].sort((a, b) => b - a)
    for (const value of values) {
      const tied = remainders.flatMap((r, i) => (r === value ? [i] : []))
      const addNow = Math.min(tied.length, needToAdd)
      const chosen = rng.choiceWithoutReplacement(tied.length, addNow)
      for (const k of chosen) floored[tied[k]!]!++
      needToAdd -= addNow
      if (needToAdd === 0) break
    }
  }
  return floored
}
