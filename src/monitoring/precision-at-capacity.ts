/**
 * Precision and recall at a review capacity: each day, the reviewers can look
 * at the top N decisions by score (`{ perDay: N }`), or the top k % of that
 * day's decisions (`{ share: k / 100 }`, rounded up, so a day with any
 * decision reviews at least one). Among the reviewed, precision counts the
 * positives over those whose outcome is known (positive or negative; an
 * unknown outcome is neither right nor wrong); recall counts the reviewed
 * positives over every positive of the days. Equal scores at the capacity's
 * edge are taken in the order given (the order the events occurred).
 */
export type ReviewCapacity = { perDay: number } | { share: number }

export interface CapacityRow {
  score: number
  /** 1 positive, 0 negative, null unknown (not labelled, not yet mature, or labelled otherwise). */
  outcome: 1 | 0 | null
  /** Any number naming the day (the local day); rows of one day compete for that day's capacity. */
  day: number
}

export interface PrecisionAtCapacity {
  reviewed: number
  /** Reviewed rows whose outcome is known. */
  reviewedKnown: number
  truePositives: number
  positives: number
  precision: number | null
  recall: number | null
}

/** How many of a day's `n` decisions the capacity reviews. */
export function reviewedOf(capacity: ReviewCapacity, n: number): number {
  if ('perDay' in capacity) return Math.min(n, capacity.perDay)
  return Math.min(n, Math.ceil(capacity.share * n - 1e-9))
}

export function precisionAtCapacity(rows: readonly CapacityRow[], capacity: ReviewCapacity): PrecisionAtCapacity {
  const byDay = new Map<number, number[]>()
  rows.forEach((row, i) => {
    const day = byDay.get(row.day)
    if (day) day.push(i)
    else byDay.set(row.day, [i])
  })
  let reviewed = 0
  let reviewedKnown = 0
  let truePositives = 0
  let positives = 0
  for (const indexes of byDay.values()) {
    // a stable sort: ties keep the given order
    indexes.sort((a, b) => rows[b]!.score - rows[a]!.score)
    const take = reviewedOf(capacity, indexes.length)
    indexes.forEach((index, rank) => {
      const outcome = rows[index]!.outcome
      if (outcome === 1) positives++
      if (rank >= take) return
      reviewed++
      if (outcome !== null) reviewedKnown++
      if (outcome === 1) truePositives++
    })
  }
  return {
    reviewed,
    reviewedKnown,
    truePositives,
    positives,
    precision: reviewedKnown === 0 ? null : truePositives / reviewedKnown,
    recall: positives === 0 ? null : truePositives / positives,
  }
}
