/**
 * The champion/challenger report: rates with Wilson intervals, fraud caught
 * and bad rate as labels are known at the cut-off, shadows' agreement, and
 * the sample-ratio check of the split.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { Action } from '../../src/core/actions.ts'
import { compareArms } from '../../src/monitoring/arm-comparison.ts'
import type { MonitoredDecision, MonitoringSource } from '../../src/monitoring/decision-log-source.ts'
import type { KnownLabel } from '../../src/monitoring/label-outcomes.ts'
import { chiSquareTest, upperRegularizedGamma, wilson } from '../../src/monitoring/proportions.ts'

const dayMs = 86_400_000
const start = Date.parse('2026-06-01T00:00:00Z')

function source(decisions: MonitoredDecision[], labels: KnownLabel[]): MonitoringSource {
  return {
    async *decisions(eventType, fromMs, toMs) {
      yield* decisions.filter((d) => d.occurredAtMs >= fromMs && d.occurredAtMs < toMs && eventType === 'credit.application')
    },
    async *labels(fromMs, toMs) {
      yield* labels.filter((l) => l.knownAtMs >= fromMs && l.knownAtMs < toMs)
    },
  }
}

describe('statistics', () => {
  test('χ² tail probabilities match the tables', () => {
    // the 5 % critical values of χ² with 1, 3 and 10 degrees of freedom, and the 0.1 % one with 1
    assert.ok(Math.abs(upperRegularizedGamma(0.5, 3.841459 / 2) - 0.05) < 1e-6)
    assert.ok(Math.abs(upperRegularizedGamma(1.5, 7.814728 / 2) - 0.05) < 1e-6)
    assert.ok(Math.abs(upperRegularizedGamma(5, 18.307038 / 2) - 0.05) < 1e-6)
    assert.ok(Math.abs(upperRegularizedGamma(0.5, 10.827566 / 2) - 0.001) < 1e-7)
    assert.equal(chiSquareTest([500, 500], [50, 50]).pValue, 1)
    assert.ok(chiSquareTest([560, 440], [50, 50]).pValue < 0.001)
    assert.ok(chiSquareTest([905, 95], [90, 10]).pValue > 0.5)
  })

  test('Wilson intervals hold 0 and 100 % and shrink with the count', () => {
    assert.deepEqual(wilson(0, 0), { count: 0, of: 0, rate: null, low: null, high: null })
    const none = wilson(0, 20)
    assert.equal(none.low, 0)
    assert.ok(none.high! > 0.1 && none.high! < 0.2)
    const wide = wilson(10, 100)
    const narrow = wilson(100, 1000)
    assert.ok(narrow.high! - narrow.low! < wide.high! - wide.low!)
    assert.ok(wide.low! < 0.1 && wide.high! > 0.1)
  })
})

test('per arm: actions, fraud caught, bad rate of matured approvals, shadows and the split check', async () => {
  const decisions: MonitoredDecision[] = []
  const labels: KnownLabel[] = []
  const decide = (i: number, version: number, action: Action, shadowAction: Action, day: number) => {
    const eventId = `e${i}`
    decisions.push({
      eventId,
      occurredAtMs: start + day * dayMs,
      scores: {},
      features: {},
      action,
      strategy: { id: 'credit-application', version, arm: version === 1 ? 'champion' : 'challenger' },
      shadows: [{ version: 3, action: shadowAction, hits: [], reasons: [] }],
    })
    return eventId
  }
  // champion (v1): 60 events, 40 approved; challenger (v2): 40 events, 20 approved
  for (let i = 0; i < 100; i++) {
    const version = i < 60 ? 1 : 2
    const approved = version === 1 ? i < 40 : i < 80
    const id = decide(i, version, approved ? 'approve' : 'review', 'reject', i % 2 === 0 ? 0 : 50)
    // every fifth event is fraud, known two days later
    if (i % 5 === 0) labels.push({ subjectEventId: id, label: 'fraud', knownAtMs: start + 2 * dayMs })
    // approvals on day 0 (even i) default when i % 4 === 0, known 40 days later (30 days past due); one more is known only after the cut-off
    if (approved && i % 4 === 0) labels.push({ subjectEventId: id, label: 'default', knownAtMs: start + 40 * dayMs })
    if (i === 2) labels.push({ subjectEventId: id, label: 'default', knownAtMs: start + 50 * dayMs })
  }
  const report = await compareArms(source(decisions, labels), {
    eventType: 'credit.application',
    strategyId: 'credit-application',
    fromMs: start,
    toMs: start + 60 * dayMs,
    cutoffMs: start + 45 * dayMs,
    fraudLabel: 'fraud',
    badLabel: 'default',
    maturityDays: 30,
    expectedShares: new Map([
      [1, 50],
      [2, 50],
    ]),
  })
  const [champion, challenger] = report.arms
  assert.deepEqual([champion!.version, champion!.arm, champion!.decisions, champion!.actions.approve], [1, 'champion', 60, 40])
  assert.deepEqual([challenger!.version, challenger!.arm, challenger!.decisions, challenger!.actions.approve], [2, 'challenger', 40, 20])
  // fraud: i % 5 === 0 → champion i = 0..55 (12 events, of which i ≥ 40 reviewed: 40, 45, 50, 55 → 4 caught); challenger 60..95 (8, i ≥ 80 reviewed: 4 caught)
  assert.deepEqual([champion!.fraudCaught.count, champion!.fraudCaught.of], [4, 12])
  assert.deepEqual([challenger!.fraudCaught.count, challenger!.fraudCaught.of], [4, 8])
  // bad rate: the matured approvals are the day-0 ones (even i < 40: 20), of which i % 4 === 0 defaulted (10); i = 2's default came after the cut-off
  assert.deepEqual([champion!.badRate.count, champion!.badRate.of], [10, 20])
  assert.deepEqual([challenger!.badRate.count, challenger!.badRate.of], [5, 10])
  assert.equal(report.shadows[0]!.version, 3)
  assert.equal(report.shadows[0]!.decisions, 100)
  assert.equal(report.shadows[0]!.agreement.count, 0)
  assert.equal(report.shadows[0]!.fraudCaught.count, 20)
  assert.deepEqual(report.sampleRatio?.observed, { 1: 60, 2: 40 })
  assert.equal(report.sampleRatio?.mismatch, false, '60/40 of 100 is within chance of 50/50 (p ≈ 0.046)')
})
