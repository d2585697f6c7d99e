/**
 * The Fraud Detection Handbook's validation protocol (Le Borgne et al.,
 * 2022, chapters 3.5 and 5.2, `get_train_test_set`): train on 7 days, skip
 * 7 days of label delay, test on the 7 days after. Times are UTC (the
 * book's carry no zone), and days are UTC days.
 *
 * From each test day the cards already known to be compromised are removed:
 * those with a fraud in the training week, or in the days after it up to 8
 * days before the test day. In the book's code, test day `start + 14 + d`
 * adds the frauds of day `start + 6 + d` (`delta_train + day − 1`) to those
 * of the training week; in other words a fraud becomes known 7 days after
 * the end of the day it happened on. Training keeps every transaction.
 *
 * Chapter 5.3 assesses a model on four such folds, the training start
 * 2018-08-15 and 7, 14 and 21 days before it, and reports the mean and the
 * population standard deviation over the folds.
 */
export const dayMs = 86_400_000

/** Chapter 5.3's test folds: training starts, the first one then 7, 14, 21 days earlier. */
export const chapter5TestTrainStarts = ['2018-08-15', '2018-08-08', '2018-08-01', '2018-07-25'] as const
/** Chapter 5.3's validation folds (used to choose parameters), the same way from 2018-07-11. */
export const chapter5ValidationTrainStarts = ['2018-07-11', '2018-07-04', '2018-06-27', '2018-06-20'] as const

export interface ProtocolDays {
  trainDays: number
  delayDays: number
  testDays: number
}

export const handbookDays: ProtocolDays = { trainDays: 7, delayDays: 7, testDays: 7 }

/** One fold: half-open UTC intervals [from, until), in ms. */
export interface HandbookFold {
  /** The training start as YYYY-MM-DD. */
  trainStart: string
  trainFromMs: number
  trainUntilMs: number
  /** The label delay: neither trained nor tested on. */
  delayFromMs: number
  delayUntilMs: number
  testFromMs: number
  testUntilMs: number
  /** Start of each test day. */
  testDayStartsMs: number[]
}

/** `2018-08-15` → that UTC day's start in ms; undefined for anything else (a malformed or impossible date). */
export function utcDayStartMs(day: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined
  const ms = Date.parse(`${day}T00:00:00Z`)
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== day ? undefined : ms
}

export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10)

export function handbookFold(trainStart: string, days: ProtocolDays = handbookDays): HandbookFold {
  const start = utcDayStartMs(trainStart)
  if (start === undefined) throw new RangeError(`a training start must be a day such as 2018-08-15, not "${trainStart}"`)
  const trainUntilMs = start + days.trainDays * dayMs
  const testFromMs = trainUntilMs + days.delayDays * dayMs
  return {
    trainStart,
    trainFromMs: start,
    trainUntilMs,
    delayFromMs: trainUntilMs,
    delayUntilMs: testFromMs,
    testFromMs,
    testUntilMs: testFromMs + days.testDays * dayMs,
    testDayStartsMs: Array.from({ length: days.testDays }, (_, d) => testFromMs + d * dayMs),
  }
}

/** The transactions the protocol reads: times, cards, labels, one entry per row. */
export interface LabelledTransactions {
  count: number
  occurredAtMs: ArrayLike<number>
  customerId: ArrayLike<number>
  fraud: ArrayLike<number>
}

export interface FoldRows {
  /** Rows of the training week, ascending. */
  train: Int32Array
  /** Rows of the test days whose card was not known to be compromised that day, ascending. */
  test: Int32Array
  /** Test-day rows left out because their card was known to be compromised. */
  removedKnownCompromised: number
}

/**
 * The rows of one fold. A card counts as known on a test day starting at
 * `T` if it has a fraud in [trainFrom, T − delay): the training week and the
 * delay days before `T − delay` (`delay` in whole days, so a fraud on day
 * T − 8 is known on day T, one on day T − 7 not yet).
 */
export function foldRows(fold: HandbookFold, tx: LabelledTransactions, days: ProtocolDays = handbookDays): FoldRows {
  const train: number[] = []
  const testCandidates: number[] = []
  // the first time each card is seen fraudulent from the training start on, up to the end of the test
  const firstFraudMs = new Map<number, number>()
  for (let i = 0; i < tx.count; i++) {
    const t = tx.occurredAtMs[i]!
    if (t < fold.trainFromMs || t >= fold.testUntilMs) continue
    if (t < fold.trainUntilMs) train.push(i)
    else if (t >= fold.testFromMs) testCandidates.push(i)
    if (tx.fraud[i] === 1) {
      const card = tx.customerId[i]!
      const first = firstFraudMs.get(card)
      if (first === undefined || t < first) firstFraudMs.set(card, t)
    }
  }
  const test: number[] = []
  let removedKnownCompromised = 0
  for (const i of testCandidates) {
    const t = tx.occurredAtMs[i]!
    const dayStart = fold.testFromMs + Math.floor((t - fold.testFromMs) / dayMs) * dayMs
    const first = firstFraudMs.get(tx.customerId[i]!)
    if (first !== undefined && first < dayStart - days.delayDays * dayMs) removedKnownCompromised++
    else test.push(i)
  }
  return { train: Int32Array.from(train).sort(), test: Int32Array.from(test).sort(), removedKnownCompromised }
}
