/**
 * The handbook's ranking figures on hand-made examples: Card Precision@k
 * (chapter 4.2's definition) and average precision (scikit-learn's).
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { averagePrecision } from '../../src/models/evaluation/average-precision.ts'
import { cardPrecisionAtK } from '../../src/models/evaluation/card-precision.ts'

/** [day, card, fraud, score] */
const rows = (list: [number, number, number, number][]) => ({
  day: list.map((r) => r[0]),
  card: list.map((r) => r[1]),
  fraud: list.map((r) => r[2]),
  score: list.map((r) => r[3]),
})

describe('Card Precision@k', () => {
  test('per day: cards ranked by their highest score, fraudulent if any transaction was, cards found earlier left out', () => {
    const result = cardPrecisionAtK(
      rows([
        // day 1: card 1 ranks first by its genuine 0.9 but is fraudulent by its 0.2; card 2 is genuine
        [1, 1, 0, 0.9],
        [1, 1, 1, 0.2],
        [1, 2, 0, 0.8],
        [1, 3, 1, 0.7],
        [1, 4, 1, 0.1],
        // day 2: card 1 was found on day 1, so its 0.95 does not count; cards 3 and 6 are the top 2
        [2, 1, 1, 0.95],
        [2, 3, 1, 0.6],
        [2, 6, 1, 0.55],
        [2, 5, 0, 0.5],
        // day 3: card 3 was found on day 2; one card left, still divided by k
        [3, 3, 0, 0.99],
        [3, 7, 1, 0.3],
      ]),
      2,
    )
    assert.deepEqual(result.days, [1, 2, 3])
    assert.deepEqual(result.perDay, [0.5, 1, 0.5])
    assert.deepEqual(result.compromisedCardsPerDay, [3, 2, 1])
    assert.equal(result.mean, 2 / 3)
  })

  test('rows need not come in day order; equal scores at the k-th place go to the lower card id', () => {
    const result = cardPrecisionAtK(
      rows([
        [5, 9, 1, 0.4],
        [4, 8, 0, 0.1],
        [5, 2, 0, 0.4],
        [4, 3, 1, 0.1],
      ]),
      1,
    )
    assert.deepEqual(result.days, [4, 5])
    // day 4: cards 3 (fraud) and 8 tie, card 3 first; day 5: cards 2 and 9 tie, card 2 (genuine) first
    assert.deepEqual(result.perDay, [1, 0])
  })

  test('refuses a k that is not a whole number ≥ 1', () => {
    assert.throws(() => cardPrecisionAtK(rows([[1, 1, 1, 0.5]]), 0), /k must be/)
  })
})

describe('average precision', () => {
  test('the step-wise area under the precision-recall curve', () => {
    // ranks: +, −, +, − → precision 1 at recall ½, 2/3 at recall 1
    assert.equal(averagePrecision([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]), 0.5 * 1 + 0.5 * (2 / 3))
  })

  test('tied scores enter together (scikit-learn gives 0.58333 here)', () => {
    assert.equal(averagePrecision([1, 0, 1], [0.5, 0.5, 0.1]), 0.5 * 0.5 + 0.5 * (2 / 3))
    assert.equal(averagePrecision([0, 1, 1], [0.5, 0.5, 0.1]), averagePrecision([1, 0, 1], [0.5, 0.5, 0.1]))
  })

  test('a perfect ranking gives 1; no positive gives NaN', () => {
    assert.equal(averagePrecision([0, 1, 0, 1], [0.1, 0.8, 0.2, 0.9]), 1)
    assert.ok(Number.isNaN(averagePrecision([0, 0], [0.1, 0.2])))
  })
})
