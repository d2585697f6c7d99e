/**
 * The monitor over a hand-made decision log: drift in the score or in one
 * input raises an alert for that bucket and that input only; the same
 * distribution raises none; and the label rules (positive, negative,
 * other, pending; known at the cut-off) sort every decision as documented.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { MonitoredDecision, MonitoringSource } from '../../src/monitoring/decision-log-source.ts'
import type { KnownLabel } from '../../src/monitoring/label-outcomes.ts'
import { type ScoreMonitorInput, scoreMonitorRequest } from '../../src/monitoring/monitoring-request.ts'
import { monitorScore } from '../../src/monitoring/score-monitor.ts'
import { Random } from '../../src/simulation/random.ts'
import { XiezhiError } from '../../src/core/errors.ts'

const dayMs = 86_400_000
/** Monday 5 January 2026, 00:00 in Beijing. */
const week1 = Date.parse('2026-01-04T16:00:00Z')

function memorySource(decisions: MonitoredDecision[], labels: KnownLabel[] = []): MonitoringSource {
  return {
    async *decisions(_type, fromMs, toMs) {
      for (const d of decisions) if (d.occurredAtMs >= fromMs && d.occurredAtMs < toMs) yield d
    },
    async *labels(fromMs, toMs) {
      for (const l of labels) if (l.knownAtMs >= fromMs && l.knownAtMs < toMs) yield l
    },
  }
}

const normal = (random: Random) => {
  let sum = 0
  for (let i = 0; i < 12; i++) sum += random.float()
  return sum - 6
}
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x))

/** A week of decisions: the score's log-odds around -2 (+ scoreShift), an input `f` that never moves, an input `g` (a count) shifted by gShift. */
function week(random: Random, startMs: number, n: number, shift: { score?: number; g?: number } = {}): MonitoredDecision[] {
  return Array.from({ length: n }, (_, i) => ({
    eventId: `e${startMs}-${i}`,
    occurredAtMs: startMs + Math.floor((i / n) * 7 * dayMs),
    scores: { risk: sigmoid(normal(random) - 2 + (shift.score ?? 0)) },
    features: { f: random.int(0, 4), g: random.int(0, 3) + (shift.g ?? 0) },
  }))
}

const input = (over: Partial<ScoreMonitorInput> = {}): ScoreMonitorInput => ({
  eventType: 'credit.application',
  score: 'risk',
  from: '2026-01-05',
  to: '2026-02-02',
  bucket: 'week',
  ...over,
})

test('a shifted score or input raises an alert in its bucket; the same distribution raises none', async () => {
  const random = new Random(42, 'drift')
  const decisions = [
    ...week(random, week1, 1_500), // the baseline: the first bucket by default
    ...week(random, week1 + 7 * dayMs, 1_500), // the same distribution
    ...week(random, week1 + 14 * dayMs, 1_500, { score: 1.2 }), // the score moves, its inputs here do not
    ...week(random, week1 + 21 * dayMs, 1_500, { g: 2 }), // one input moves
  ]
  const report = await monitorScore(memorySource(decisions), scoreMonitorRequest(input(), week1 + 60 * dayMs))
  assert.deepEqual(
    report.buckets.map((b) => [b.bucket, b.volume]),
    [
      ['2026-01-05', 1_500],
      ['2026-01-12', 1_500],
      ['2026-01-19', 1_500],
      ['2026-01-26', 1_500],
    ],
  )
  assert.equal(report.baseline.volume, 1_500)
  assert.equal(report.buckets[0]!.scorePsi, 0, 'the baseline against itself')
  assert.ok(report.buckets[1]!.scorePsi! < 0.05, `same distribution: PSI ${report.buckets[1]!.scorePsi}`)
  assert.ok(report.buckets[2]!.scorePsi! > 0.25, `shifted: PSI ${report.buckets[2]!.scorePsi}`)
  assert.ok(report.buckets[3]!.featurePsi.g! > 0.25 && report.buckets[3]!.featurePsi.f! < 0.05)
  assert.deepEqual(
    report.alerts.map((a) => [a.bucket, a.subject, a.name, a.level]),
    [
      ['2026-01-19', 'score', 'risk', 'alert'],
      ['2026-01-26', 'feature', 'g', 'alert'],
    ],
  )

  // a baseline window given explicitly: against the shifted week, the first week drifts
  const againstShifted = await monitorScore(memorySource(decisions), scoreMonitorRequest(input({ baselineFrom: '2026-01-19', baselineTo: '2026-01-26' }), week1 + 60 * dayMs))
  assert.equal(againstShifted.baseline.volume, 1_500)
  assert.ok(againstShifted.alerts.some((a) => a.bucket === '2026-01-05' && a.subject === 'score'))
  assert.ok(!againstShifted.alerts.some((a) => a.bucket === '2026-01-19'))

  // a bucket smaller than minVolume raises nothing, however far it moved
  const small = [...week(random, week1, 1_500), ...week(random, week1 + 7 * dayMs, 20, { score: 3 })]
  const quiet = await monitorScore(memorySource(small), scoreMonitorRequest(input({ to: '2026-01-19' }), week1 + 60 * dayMs))
  assert.ok(quiet.buckets[1]!.scorePsi! > 0.25)
  assert.deepEqual(quiet.alerts, [])
  // with a lower minVolume it does (and 20 values of an input that never moved may well pass 0.1 by chance: why minVolume exists)
  const loud = await monitorScore(memorySource(small), scoreMonitorRequest(input({ to: '2026-01-19', minVolume: 10 }), week1 + 60 * dayMs))
  assert.deepEqual(
    loud.alerts.filter((a) => a.subject === 'score').map((a) => [a.bucket, a.name, a.level]),
    [['2026-01-12', 'risk', 'alert']],
  )
})

test('label rules: positive, labelled negative, other, mature unlabelled, pending; labels after the cut-off do not count', async () => {
  const at = (day: number) => week1 + day * dayMs + 3_600_000
  const d = (eventId: string, day: number, score: number): MonitoredDecision => ({ eventId, occurredAtMs: at(day), scores: { risk: score }, features: {} })
  const decisions = [
    d('fraud-known', 0, 0.9), // fraud, known on day 5
    d('fraud-late', 0, 0.8), // fraud, known on day 40: after the cut-off
    d('legit', 1, 0.7), // labelled legitimate
    d('scam', 1, 0.6), // labelled scam_victim only: other
    d('old-quiet', 2, 0.1), // never labelled, 30 days old at the cut-off: negative
    d('new-quiet', 20, 0.2), // never labelled, 12 days old: pending
    d('both', 3, 0.5), // fraud and legitimate: positive wins
    { eventId: 'unscored', occurredAtMs: at(2), scores: {}, features: {} },
  ]
  const labels: KnownLabel[] = [
    { subjectEventId: 'fraud-known', label: 'fraud', knownAtMs: at(5) },
    { subjectEventId: 'fraud-late', label: 'fraud', knownAtMs: at(40) },
    { subjectEventId: 'legit', label: 'legitimate', knownAtMs: at(9) },
    { subjectEventId: 'scam', label: 'scam_victim', knownAtMs: at(4) },
    { subjectEventId: 'both', label: 'legitimate', knownAtMs: at(6) },
    { subjectEventId: 'both', label: 'fraud', knownAtMs: at(8) },
  ]
  const cutoff = new Date(at(32)).toISOString()
  const report = await monitorScore(memorySource(decisions, labels), scoreMonitorRequest(input({ cutoff, bucket: 'week', to: '2026-02-02' }), 0))
  const totals = report.buckets.reduce(
    (t, b) => ({ volume: t.volume + b.volume, labelled: t.labelled + b.labelled, positives: t.positives + b.positives, negatives: t.negatives + b.negatives, other: t.other + b.other, pending: t.pending + b.pending }),
    { volume: 0, labelled: 0, positives: 0, negatives: 0, other: 0, pending: 0 },
  )
  // fraud-known, both | legit, old-quiet, fraud-late (30+ days old, its label not yet known) | scam | new-quiet
  assert.deepEqual(totals, { volume: 7, labelled: 4, positives: 2, negatives: 3, other: 1, pending: 1 })
  assert.equal(report.unscored, 1)
  assert.deepEqual(report.labels, { positive: 'fraud', negatives: ['legitimate'], unlabelledNegativeAfterDays: 30, labelsRead: 5 })
  // first week: positives 0.9, 0.5; negatives 0.8, 0.7, 0.1 → pairs above: 0.9 beats all 3, 0.5 beats 0.1 → 4 of 6
  assert.equal(report.buckets[0]!.auc, 4 / 6)

  // a cut-off after every label: fraud-late is a positive now
  const later = await monitorScore(memorySource(decisions, labels), scoreMonitorRequest(input({ cutoff: new Date(at(45)).toISOString() }), 0))
  assert.equal(later.buckets[0]!.positives, 3)
  // a shorter maturity makes the recent quiet event a negative too; negatives can be other kinds
  const short = await monitorScore(memorySource(decisions, labels), scoreMonitorRequest(input({ cutoff, maturityDays: 7, negatives: 'legitimate,scam_victim' }), 0))
  assert.deepEqual(
    short.buckets.map((b) => [b.negatives, b.other, b.pending]),
    [
      [4, 0, 0],
      [0, 0, 0],
      [1, 0, 0],
      [0, 0, 0],
    ],
  )
})

test('a request is checked as a whole; every offending field is named', () => {
  try {
    scoreMonitorRequest(input({ from: '2026-02-01', to: '2026-01-01', capacity: '0%', timeZone: 'Mars/Olympus', baselineFrom: '2026-01-01', label: 'fraud', negatives: 'fraud', alert: 0.05 }), 0)
    assert.fail('accepted')
  } catch (error) {
    assert.ok(error instanceof XiezhiError && error.kind === 'invalid_input')
    assert.deepEqual(
      error.issues.map((i) => [i.pointer, i.code]),
      [
        ['/to', 'invalid_range'],
        ['/baselineTo', 'required'],
        ['/timeZone', 'invalid_value'],
        ['/capacity', 'invalid_format'],
        ['/negatives', 'invalid_value'],
        ['/alert', 'invalid_range'],
      ],
    )
  }
  assert.throws(() => scoreMonitorRequest(input({ from: '2026-13-01' }), 0), (e: XiezhiError) => e.issues[0]!.pointer === '/from' && e.issues[0]!.code === 'invalid_date')
  assert.throws(() => scoreMonitorRequest(input({ from: '2024-01-01' }), 0), (e: XiezhiError) => e.issues[0]!.code === 'out_of_range')
})
