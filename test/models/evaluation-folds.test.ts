/** Stratified cross-validation folds, and the Fraud Detection Handbook's train / delay / test folds. */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { foldRows, handbookFold } from '../../src/models/evaluation/handbook-protocol.ts'
import { complementOf, stratifiedFolds } from '../../src/models/evaluation/stratified-folds.ts'

describe('stratified folds', () => {
  // 103 goods and 17 bads in a scrambled order
  const labels = Float64Array.from({ length: 120 }, (_, i) => ((i * 37) % 120 < 17 ? 1 : 0))

  test('every row is in exactly one fold, and each fold keeps the class ratio (⌊n/k⌋ or ⌈n/k⌉ of each class)', () => {
    const folds = stratifiedFolds(labels, 5, 0)
    const all = folds.flatMap((f) => [...f]).sort((a, b) => a - b)
    assert.deepEqual(all, Array.from({ length: 120 }, (_, i) => i))
    for (const fold of folds) {
      const bads = [...fold].filter((i) => labels[i] === 1).length
      const goods = fold.length - bads
      assert.ok(bads === 3 || bads === 4, `bads ${bads}`)
      assert.ok(goods === 20 || goods === 21, `goods ${goods}`)
      assert.deepEqual([...fold], [...fold].sort((a, b) => a - b))
    }
  })

  test('the same seed gives the same folds, another seed others; the training part is the rest', () => {
    assert.deepEqual(stratifiedFolds(labels, 5, 7), stratifiedFolds(labels, 5, 7))
    assert.notDeepEqual(stratifiedFolds(labels, 5, 7), stratifiedFolds(labels, 5, 8))
    const [first] = stratifiedFolds(labels, 5, 7)
    const rest = complementOf(first!, labels.length)
    assert.equal(rest.length + first!.length, 120)
    assert.ok([...rest].every((i) => !first!.includes(i)))
  })

  test('refuses fewer than 2 folds', () => {
    assert.throws(() => stratifiedFolds(labels, 1, 0), /folds must be/)
  })
})

describe("the handbook's folds (7-day training, 7-day delay, 7-day test)", () => {
  const day = (text: string) => Date.parse(`${text}Z`)

  test('training start 2018-08-15: train 08-15 … 08-21, delay 08-22 … 08-28, test 08-29 … 09-04, UTC days', () => {
    const fold = handbookFold('2018-08-15')
    assert.equal(fold.trainFromMs, day('2018-08-15T00:00:00'))
    assert.equal(fold.trainUntilMs, day('2018-08-22T00:00:00'))
    assert.equal(fold.delayUntilMs, day('2018-08-29T00:00:00'))
    assert.equal(fold.testFromMs, day('2018-08-29T00:00:00'))
    assert.equal(fold.testUntilMs, day('2018-09-05T00:00:00'))
    assert.deepEqual(
      fold.testDayStartsMs.map((ms) => new Date(ms).toISOString().slice(0, 10)),
      ['2018-08-29', '2018-08-30', '2018-08-31', '2018-09-01', '2018-09-02', '2018-09-03', '2018-09-04'],
    )
    assert.throws(() => handbookFold('2018-02-30'), /training start/)
  })

  test('test rows of cards known to be compromised are removed: a fraud is known from 8 days after its day on', () => {
    // [time, card, fraud]
    const list: [string, number, number][] = [
      ['2018-08-10T12:00:00', 5, 1], // before the training week: not counted by the book
      ['2018-08-15T00:00:00', 7, 0], // first training instant
      ['2018-08-16T09:00:00', 1, 1], // a fraud in the training week
      ['2018-08-21T23:59:59', 2, 1], // the last training second
      ['2018-08-22T00:00:00', 3, 1], // the first delay day: known on test day 08-30, not 08-29
      ['2018-08-28T10:00:00', 4, 1], // the last delay day: known on 09-05, after the test
      ['2018-08-29T08:00:00', 1, 0],
      ['2018-08-29T08:00:01', 2, 0],
      ['2018-08-29T08:00:02', 3, 0],
      ['2018-08-29T08:00:03', 5, 0],
      ['2018-08-29T09:00:00', 6, 1], // a fraud on a test day is not known during the test
      ['2018-08-30T00:00:00', 3, 1],
      ['2018-09-04T23:59:59', 4, 0],
      ['2018-09-04T23:59:59', 6, 0],
      ['2018-09-05T00:00:00', 8, 0], // after the test
    ]
    const tx = { count: list.length, occurredAtMs: list.map((r) => day(r[0])), customerId: list.map((r) => r[1]), fraud: list.map((r) => r[2]) }
    const rows = foldRows(handbookFold('2018-08-15'), tx)
    const at = (is: Int32Array) => [...is].map((i) => `${list[i]![0]} card ${list[i]![1]}`)
    assert.deepEqual(at(rows.train), ['2018-08-15T00:00:00 card 7', '2018-08-16T09:00:00 card 1', '2018-08-21T23:59:59 card 2'])
    assert.deepEqual(at(rows.test), ['2018-08-29T08:00:02 card 3', '2018-08-29T08:00:03 card 5', '2018-08-29T09:00:00 card 6', '2018-09-04T23:59:59 card 4', '2018-09-04T23:59:59 card 6'])
    assert.equal(rows.removedKnownCompromised, 3)
  })
})
