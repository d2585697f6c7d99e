/**
 * The monitoring metrics on cases small enough to work out by hand: PSI over
 * quantile bins with its floor, KS and AUC of a risk score, precision and
 * recall at a review capacity, and the local calendar buckets.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { driftLevel } from '../../src/monitoring/drift-alerts.ts'
import { parseCapacity } from '../../src/monitoring/monitoring-request.ts'
import { type CapacityRow, precisionAtCapacity } from '../../src/monitoring/precision-at-capacity.ts'
import { binShares, populationStabilityIndex, quantileEdges } from '../../src/monitoring/psi.ts'
import { separation } from '../../src/monitoring/separation.ts'
import { TimeBuckets } from '../../src/monitoring/time-buckets.ts'

const close = (actual: number | null, expected: number, message?: string) => assert.ok(actual !== null && Math.abs(actual - expected) < 1e-9, `${actual} ≠ ${expected} ${message ?? ''}`)
const one10 = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]

test('PSI: the bins are cut on the baseline quantiles; PSI = Σ (c − b) ln(c / b)', () => {
  assert.deepEqual(quantileEdges(one10, 2), [5])
  assert.deepEqual(quantileEdges(one10, 10), [1, 2, 3, 4, 5, 6, 7, 8, 9])
  // baseline halves 0.5 / 0.5; current 3 of 4 at or below 5
  const result = populationStabilityIndex(one10, [1, 2, 3, 6], { bins: 2 })
  close(result.psi, 0.25 * Math.log(1.5) + -0.25 * Math.log(0.5))
  close(result.psi, 0.274653072, '(by hand)')
  assert.deepEqual(
    result.bins.map((b) => [b.above, b.atMost, b.baselineShare, b.currentShare]),
    [
      [-Infinity, 5, 0.5, 0.75],
      [5, Infinity, 0.5, 0.25],
    ],
  )
  // the same distribution: 0
  close(populationStabilityIndex(one10, [...one10].reverse()).psi, 0)
})

test('PSI: an empty bin counts with the floor (0.0001) instead of making PSI infinite', () => {
  const result = populationStabilityIndex(one10, [1, 2], { bins: 2 })
  close(result.psi, 0.5 * Math.log(2) + (0.0001 - 0.5) * Math.log(0.0001 / 0.5))
  assert.ok(Math.abs(result.psi - 4.604318) < 1e-6, '(by hand, to 6 places)')
  // a coarser floor gives a smaller term
  assert.ok(populationStabilityIndex(one10, [1, 2], { bins: 2, floor: 0.01 }).psi < result.psi)
  // nothing on one side: no figure
  assert.ok(Number.isNaN(populationStabilityIndex(one10, []).psi))
  assert.ok(Number.isNaN(populationStabilityIndex([], one10).psi))
})

test('PSI: tied baseline values (a count that is mostly 0) make fewer, wider bins, none empty on the baseline', () => {
  const baseline = [0, 0, 0, 0, 0, 0, 0, 1, 2, 3]
  const edges = quantileEdges(baseline, 10)
  assert.deepEqual(edges, [0, 1, 2])
  assert.deepEqual(binShares(edges, baseline), [0.7, 0.1, 0.1, 0.1])
  // a constant baseline has a single bin, so nothing can drift against it
  assert.deepEqual(quantileEdges([4, 4, 4], 10), [])
  close(populationStabilityIndex([4, 4, 4], [1, 9]).psi, 0)
  // non-finite values are left out on both sides
  assert.deepEqual(binShares([5], [1, Number.NaN, 9, Infinity]), [0.5, 0.5])
})

test('KS and AUC of a risk score (higher = riskier), reusing the models\' metrics', () => {
  // ascending: 0.1 (neg), 0.4 (pos), 0.5 (neg), 0.9 (pos): the gap peaks at 0.5
  const s = separation([1, 1, 0, 0], [0.9, 0.4, 0.5, 0.1])
  close(s.ks, 0.5)
  // pairs (pos above neg): 0.9>0.5, 0.9>0.1, 0.4>0.1, not 0.4>0.5 → 3 of 4
  close(s.auc, 0.75)
  // a tie counts half
  close(separation([1, 0], [0.5, 0.5]).auc, 0.5)
  close(separation([1, 1, 0, 0], [0.9, 0.8, 0.2, 0.1]).ks, 1)
  // one class only: no figures
  assert.deepEqual(separation([1, 1], [0.2, 0.3]), { auc: null, ks: null })
})

test('precision and recall at a review capacity: the top N (or k %) of each day by score', () => {
  const rows: CapacityRow[] = [
    { day: 1, score: 0.9, outcome: 1 },
    { day: 1, score: 0.8, outcome: 0 },
    { day: 1, score: 0.7, outcome: null },
    { day: 1, score: 0.2, outcome: 1 },
    { day: 2, score: 0.95, outcome: null },
    { day: 2, score: 0.3, outcome: 1 },
    { day: 2, score: 0.1, outcome: 0 },
  ]
  // day 1 reviews 0.9 (pos) and 0.8 (neg); day 2 reviews 0.95 (unknown) and 0.3 (pos)
  assert.deepEqual(precisionAtCapacity(rows, { perDay: 2 }), { reviewed: 4, reviewedKnown: 3, truePositives: 2, positives: 3, precision: 2 / 3, recall: 2 / 3 })
  // 25 %, rounded up: one a day — 0.9 (pos) and 0.95 (unknown)
  assert.deepEqual(precisionAtCapacity(rows, { share: 0.25 }), { reviewed: 2, reviewedKnown: 1, truePositives: 1, positives: 3, precision: 1, recall: 1 / 3 })
  // a capacity above the volume reviews everything
  assert.deepEqual(precisionAtCapacity(rows, { perDay: 100 }), { reviewed: 7, reviewedKnown: 5, truePositives: 3, positives: 3, precision: 3 / 5, recall: 1 })
  // ties at the edge go to the row given first
  const tied: CapacityRow[] = [
    { day: 1, score: 0.5, outcome: 0 },
    { day: 1, score: 0.5, outcome: 1 },
  ]
  assert.equal(precisionAtCapacity(tied, { perDay: 1 }).precision, 0)
  assert.deepEqual(precisionAtCapacity([], { share: 0.05 }), { reviewed: 0, reviewedKnown: 0, truePositives: 0, positives: 0, precision: null, recall: null })
  assert.deepEqual(parseCapacity('5%'), { share: 0.05 })
  assert.deepEqual(parseCapacity('200'), { perDay: 200 })
  for (const bad of ['0%', '101%', '0', '-3', '1.5', 'five']) assert.equal(parseCapacity(bad), undefined, bad)
})

test('drift levels: above 0.1 a warning, above 0.25 an alert', () => {
  assert.equal(driftLevel(0.1), undefined)
  assert.equal(driftLevel(0.11), 'warning')
  assert.equal(driftLevel(0.25), 'warning')
  assert.equal(driftLevel(0.26), 'alert')
  assert.equal(driftLevel(null), undefined)
})

test('buckets are local days and ISO weeks (Monday first) in Asia/Shanghai by default', () => {
  const days = new TimeBuckets('day')
  // 2026-01-01T15:59:59Z is 23:59:59 in Beijing; one second later it is the 2nd
  assert.equal(days.bucketOf(Date.parse('2026-01-01T15:59:59Z')).label, '2026-01-01')
  assert.deepEqual(days.bucketOf(Date.parse('2026-01-01T16:00:00Z')), { label: '2026-01-02', startMs: Date.parse('2026-01-01T16:00:00Z'), endMs: Date.parse('2026-01-02T16:00:00Z') })
  const weeks = new TimeBuckets('week')
  // Thursday 1 January 2026 is in the week of Monday 29 December 2025
  assert.deepEqual(weeks.bucketOf(Date.parse('2026-01-01T00:00:00Z')), { label: '2025-12-29', startMs: Date.parse('2025-12-28T16:00:00Z'), endMs: Date.parse('2026-01-04T16:00:00Z') })
  assert.deepEqual(
    weeks.between(Date.parse('2025-12-31T16:00:00Z'), Date.parse('2026-01-14T16:00:00Z')).map((b) => b.label),
    ['2025-12-29', '2026-01-05', '2026-01-12'],
  )
  // another zone, across a daylight-saving change (New York, 8 March 2026: the day has 23 hours)
  const ny = new TimeBuckets('day', 'America/New_York')
  const march8 = ny.bucketOf(Date.parse('2026-03-08T12:00:00Z'))
  assert.deepEqual(march8, { label: '2026-03-08', startMs: Date.parse('2026-03-08T05:00:00Z'), endMs: Date.parse('2026-03-09T04:00:00Z') })
})
