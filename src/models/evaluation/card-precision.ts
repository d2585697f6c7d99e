/**
 * Card Precision@k, as the Fraud Detection Handbook defines it (chapter 4.2,
 * `card_precision_top_k`): each day, every card gets its highest transaction
 * score and is fraudulent if any of its transactions that day is; the k
 * cards of highest score are the day's alerts, and the day's precision is
 * their fraudulent share (÷ k, even on a day with fewer cards). Cards found
 * fraudulent on an earlier day are left out of the later days (an
 * investigator has already blocked them). The result is the mean over the
 * days present in the rows.
 *
 * Equal scores are ranked by card id, ascending: the book's pandas sort is
 * not stable, so its order among ties at the k-th place is arbitrary.
 */
export interface CardPrecision {
  k: number
  /** The days, ascending, as given in `day`. */
  days: number[]
  /** Precision of each day's top k cards. */
  perDay: number[]
  /** Fraudulent cards each day, among those not yet detected. */
  compromisedCardsPerDay: number[]
  /** Mean of `perDay`. */
  mean: number
}

export interface DailyCardScores {
  /** A day number per row (e.g. days since an epoch). */
  day: ArrayLike<number>
  card: ArrayLike<number>
  /** 1 for a fraudulent transaction. */
  fraud: ArrayLike<number>
  score: ArrayLike<number>
}

export function cardPrecisionAtK(rows: DailyCardScores, k: number): CardPrecision {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a whole number ≥ 1, not ${k}`)
  const n = rows.day.length
  const rowsOfDay = new Map<number, number[]>()
  for (let i = 0; i < n; i++) {
    const day = rows.day[i]!
    const list = rowsOfDay.get(day)
    if (list) list.push(i)
    else rowsOfDay.set(day, [i])
  }
  const days = [...rowsOfDay.keys()].sort((a, b) => a - b)
  const detected = new Set<number>()
  const perDay: number[] = []
  const compromisedCardsPerDay: number[] = []
  for (const day of days) {
    // per card: the highest score and whether any transaction was a fraud
    const best = new Map<number, { score: number; fraud: boolean }>()
    for (const i of rowsOfDay.get(day)!) {
      const card = rows.card[i]!
      if (detected.has(card)) continue
      const seen = best.get(card)
      const fraud = rows.fraud[i] === 1
      if (!seen) best.set(card, { score: rows.score[i]!, fraud })
      else {
        if (rows.score[i]! > seen.score) seen.score = rows.score[i]!
        if (fraud) seen.fraud = true
      }
    }
    const cards = [...best.entries()].sort((a, b) => b[1].score - a[1].score || a[0] - b[0])
    compromisedCardsPerDay.push(cards.filter(([, c]) => c.fraud).length)
    const found = cards.slice(0, k).filter(([, c]) => c.fraud)
    perDay.push(found.length / k)
    for (const [card] of found) detected.add(card)
  }
  const mean = perDay.length === 0 ? Number.NaN : perDay.reduce((a, b) => a + b, 0) / perDay.length
  return { k, days, perDay, compromisedCardsPerDay, mean }
}
