/**
 * The champion/challenger report: rates with Wilson intervals, fraud caught
 * and bad rate as labels are known at the cut-off, shadows' agreement, and
 * the sample-ratio check of the split.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { Action } from '../../src/core/actions.ts'
import { compareArms } from '../../src/monitoring/arm-comparison.ts'
import type { ArmSource, MonitoredDecision } from '../../src/monitoring/decision-log-source.ts'
import type { KnownLabel } from '../../src/monitoring/label-outcomes.ts'
import { type LoanEvent, LoanBook } from '../../src/monitoring/loan-outcomes.ts'
import { chiSquareTest, upperRegularizedGamma, wilson } from '../../src/monitoring/proportions.ts'

const dayMs = 86_400_000
const start = Date.parse('2026-06-01T00:00:00Z')

function source(decisions: MonitoredDecision[], labels: KnownLabel[], loanEvents: LoanEvent[] = []): ArmSource {
  return {
    async *decisions(eventType, fromMs, toMs, options) {
      const inPeriod = decisions.filter((d) => d.occurredAtMs >= fromMs && d.occurredAtMs < toMs && eventType === 'credit.application')
      yield* inPeriod.map((d) => (options?.withApplicationIds ? d : { ...d, applicationId: undefined }))
    },
    async *labels(fromMs, toMs) {
      yield* labels.filter((l) => l.knownAtMs >= fromMs && l.knownAtMs < toMs)
    },
    async *loanEvents(fromMs, toMs) {
      yield* loanEvents.filter((e) => e.occurredAtMs >= fromMs && e.occurredAtMs < toMs)
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

test('per arm: actions, fraud caught, bad rate at 30 dpd of the loans approvals led to, shadows and the split check', async () => {
  const decisions: MonitoredDecision[] = []
  const labels: KnownLabel[] = []
  const loanEvents: LoanEvent[] = []
  const at = (day: number) => start + day * dayMs
  const decide = (i: number, version: number, action: Action, shadowAction: Action, day: number) => {
    const eventId = `e${i}`
    decisions.push({
      eventId,
      occurredAtMs: at(day),
      scores: {},
      features: {},
      action,
      strategy: { id: 'credit-application', version, arm: version === 1 ? 'champion' : 'challenger' },
      shadows: [{ version: 3, action: shadowAction, hits: [], reasons: [] }],
      applicationId: `A${i}`,
    })
    return eventId
  }
  // champion (v1): 60 events, 40 approved; challenger (v2): 40 events, 20 approved
  for (let i = 0; i < 100; i++) {
    const version = i < 60 ? 1 : 2
    const approved = version === 1 ? i < 40 : i < 80
    const day = i % 2 === 0 ? 0 : 50
    const id = decide(i, version, approved ? 'approve' : 'review', 'reject', day)
    // every fifth event is fraud, known two days later
    if (i % 5 === 0) labels.push({ subjectEventId: id, label: 'fraud', knownAtMs: at(2) })
    // every application draws a loan an hour later, except the odd ones divisible by 3; its first instalment is due 30 days on
    if (i % 2 === 1 && i % 3 === 0) continue
    loanEvents.push({ kind: 'drawdown', eventId: `d${i}`, occurredAtMs: at(day) + 3_600_000, loanId: `L${i}`, applicationId: `A${i}`, firstDueAtMs: at(day + 30) })
    // when i % 4 === 0 the first instalment is missed (seen the next day) and never paid: 30 days past due on day 60
    if (i % 4 === 0) loanEvents.push({ kind: 'repayment', eventId: `r${i}`, occurredAtMs: at(day + 31), loanId: `L${i}`, installment: 1, status: 'missed', daysPastDue: 1, dueAtMs: at(day + 30) })
  }
  // collections charge off i = 2's loan (known by the cut-off); i = 6's default label comes after it
  labels.push({ subjectEventId: 'd2', label: 'charge_off', knownAtMs: at(70) })
  labels.push({ subjectEventId: 'd6', label: 'default', knownAtMs: at(80) })
  const report = await compareArms(source(decisions, labels, loanEvents), {
    eventType: 'credit.application',
    strategyId: 'credit-application',
    fromMs: start,
    toMs: at(60),
    cutoffMs: at(75),
    fraudLabel: 'fraud',
    badLabels: ['default', 'charge_off'],
    daysPastDue: 30,
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
  // bad rate: the matured approvals are the day-0 ones (even i < 40: 20), of which i % 4 === 0 missed (10) and i = 2 was charged off;
  // the day-50 ones are immature at day 75 (first due day 80), or never drawn (odd i divisible by 3: 3, 9, …, 39 → 7)
  assert.deepEqual([champion!.badRate.count, champion!.badRate.of], [11, 20])
  assert.deepEqual(champion!.approvals, { notDrawn: 7, immature: 13, matured: 20 })
  assert.deepEqual([challenger!.badRate.count, challenger!.badRate.of], [5, 10])
  assert.deepEqual(challenger!.approvals, { notDrawn: 3, immature: 7, matured: 10 })
  assert.deepEqual(report.bad, { daysPastDue: 30, labels: ['default', 'charge_off'] })
  assert.equal(report.shadows[0]!.version, 3)
  assert.equal(report.shadows[0]!.decisions, 100)
  assert.equal(report.shadows[0]!.agreement.count, 0)
  assert.equal(report.shadows[0]!.fraudCaught.count, 20)
  assert.equal(report.shadows[0]!.badRate.of, 0, 'a shadow that approves nothing has no bad rate')
  assert.deepEqual(report.sampleRatio?.observed, { 1: 60, 2: 40 })
  assert.equal(report.sampleRatio?.mismatch, false, '60/40 of 100 is within chance of 50/50 (p ≈ 0.046)')

  // a day before the first instalments are 30 days past due every drawn approval is immature; on day 60 the misses count, the charge-off not yet
  const earlier = await compareArms(source(decisions, labels, loanEvents), { ...reportRequest(), cutoffMs: at(59) })
  assert.deepEqual(earlier.arms[0]!.approvals, { notDrawn: 7, immature: 33, matured: 0 })
  const atSixty = await compareArms(source(decisions, labels, loanEvents), { ...reportRequest(), cutoffMs: at(60) })
  assert.deepEqual([atSixty.arms[0]!.badRate.count, atSixty.arms[0]!.badRate.of], [10, 20])
})

const reportRequest = () => ({
  eventType: 'credit.application',
  strategyId: 'credit-application',
  fromMs: start,
  toMs: start + 60 * dayMs,
  cutoffMs: start + 75 * dayMs,
  fraudLabel: 'fraud',
  badLabels: ['default', 'charge_off'],
  daysPastDue: 30,
})

describe('a loan is bad at 30 days past due, as known at the cut-off', () => {
  const book = (cutoffDay: number, events: LoanEvent[], labels: KnownLabel[] = []) => {
    const loans = new LoanBook({ cutoffMs: start + cutoffDay * dayMs, daysPastDue: 30, badLabels: ['default', 'charge_off'] })
    for (const e of events) loans.addEvent(e)
    for (const l of labels) loans.addLabel(l)
    return loans
  }
  const drawn = (loanId: string, applicationId: string | undefined, day: number, firstDueDay?: number): LoanEvent => ({
    kind: 'drawdown',
    eventId: `d-${loanId}`,
    occurredAtMs: start + day * dayMs,
    loanId,
    ...(applicationId ? { applicationId } : {}),
    ...(firstDueDay === undefined ? {} : { firstDueAtMs: start + firstDueDay * dayMs }),
  })
  const repaid = (loanId: string, installment: number, day: number, status: string, daysPastDue: number, dueDay?: number): LoanEvent => ({
    kind: 'repayment',
    eventId: `r-${loanId}-${installment}-${day}`,
    occurredAtMs: start + day * dayMs,
    loanId,
    installment,
    status,
    daysPastDue,
    ...(dueDay === undefined ? {} : { dueAtMs: start + dueDay * dayMs }),
  })

  test('missed and unpaid 30 days after the due date is bad; paid before then is cured; paid later was bad', () => {
    const events = [
      drawn('L1', 'A1', 0, 30),
      repaid('L1', 1, 31, 'missed', 1, 30),
      drawn('L2', 'A2', 0, 30),
      repaid('L2', 1, 31, 'missed', 1, 30),
      repaid('L2', 1, 45, 'paid', 15, 30),
      drawn('L3', 'A3', 0, 30),
      repaid('L3', 1, 31, 'missed', 1, 30),
      repaid('L3', 1, 62, 'paid', 32, 30),
      drawn('L4', 'A4', 0, 30),
      repaid('L4', 1, 35, 'partial', 5, 30),
    ]
    const at = book(70, events)
    assert.deepEqual(['A1', 'A2', 'A3', 'A4'].map((a) => at.outcomeOf(a, `e-${a}`)), ['bad', 'good', 'bad', 'bad'])
    // on day 59 none is 30 days past due yet, and the loans are immature (first due day 30 + 30 days)
    assert.deepEqual(['A1', 'A2', 'A3', 'A4'].map((a) => book(59, events).outcomeOf(a, `e-${a}`)), ['immature', 'immature', 'immature', 'immature'])
    // on day 61 L3's late payment (day 62) is not known yet: it is bad either way
    assert.equal(book(61, events).outcomeOf('A3', 'e-A3'), 'bad')
  })

  test('old events: a repayment without dueAt is due daysPastDue days before it occurred; a drawdown without firstDueAt is first due at its earliest known due date, else 30 days on', () => {
    const events = [drawn('L1', 'A1', 0), repaid('L1', 1, 40, 'missed', 10), drawn('L2', 'A2', 0), drawn('L3', 'A3', 10)]
    // L1 is due on day 30 (40 − 10): mature and bad from day 60; L2 is assumed first due on day 30; L3 on day 40
    assert.deepEqual(['A1', 'A2', 'A3'].map((a) => book(60, events).outcomeOf(a, `e-${a}`)), ['bad', 'good', 'immature'])
    assert.deepEqual(['A1', 'A2'].map((a) => book(59, events).outcomeOf(a, `e-${a}`)), ['immature', 'immature'])
  })

  test('a bad label on the application, the drawdown or a repayment, known by the cut-off, makes it bad; events after the cut-off are not known', () => {
    const events = [drawn('L1', 'A1', 0, 30), drawn('L2', 'A2', 0, 30), repaid('L2', 1, 30, 'paid', 0, 30), drawn('L3', 'A3', 0, 30), drawn('L4', 'A4', 70, 100), drawn('L5', undefined, 0, 30)]
    const labels = [
      { subjectEventId: 'e-A1', label: 'default', knownAtMs: start + 65 * dayMs },
      { subjectEventId: 'r-L2-1-30', label: 'charge_off', knownAtMs: start + 65 * dayMs },
      { subjectEventId: 'd-L3', label: 'default', knownAtMs: start + 90 * dayMs },
      { subjectEventId: 'd-L3', label: 'fraud', knownAtMs: start + 65 * dayMs },
    ]
    const at = book(69, events, labels)
    assert.deepEqual(['A1', 'A2', 'A3', 'A4'].map((a) => at.outcomeOf(a, `e-${a}`)), ['bad', 'bad', 'good', 'not_drawn'])
    assert.equal(at.outcomeOf(undefined, 'e-x'), 'not_drawn', 'an application without an id has no loans')
    assert.equal(book(95, events, labels).outcomeOf('A3', 'e-A3'), 'bad')
  })

  test('an application with two loans is bad when either is, and mature from its first loan', () => {
    const events = [drawn('L1', 'A1', 0, 30), drawn('L2', 'A1', 20, 50), repaid('L2', 1, 51, 'missed', 1, 50)]
    assert.equal(book(60, events).outcomeOf('A1', 'e-A1'), 'good')
    assert.equal(book(80, events).outcomeOf('A1', 'e-A1'), 'bad')
  })
})
