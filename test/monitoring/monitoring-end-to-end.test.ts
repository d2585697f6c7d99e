/**
 * Monitoring on a simulated history decided through the engine: 40 days of
 * a lending population with fraud rings, the engine's clock following the
 * simulated time, label events arriving 5–20 days after the fraud. The
 * shipped credit-application `fraud` scorecard is monitored against the
 * `fraud` labels: labels known after the cut-off are not counted, the
 * figures are sane, and the HTTP API and the CLI give the same report.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildServer } from '../../src/api/build-server.ts'
import { defaultTenant } from '../../src/app/open-engine.ts'
import { decisionLogSource } from '../../src/monitoring/decision-log-source.ts'
import { type ScoreMonitorInput, scoreMonitorRequest } from '../../src/monitoring/monitoring-request.ts'
import { type ScoreMonitorReport, monitorScore } from '../../src/monitoring/score-monitor.ts'
import { simulate } from '../../src/simulation/simulation.ts'
import { defaultWorldConfig } from '../../src/simulation/world-config.ts'
import { cliRunner } from '../support/cli-process.ts'
import { openTestEngine, tempDataDir } from '../support/temp-engine.ts'

/** The event types the fraud score and its labels need; logins, clicks and telemetry would only slow the test down. */
const decided = new Set(['account.registered', 'credit.application', 'loan.drawdown', 'label'])
const sum = (report: ScoreMonitorReport, pick: (b: ScoreMonitorReport['buckets'][number]) => number) => report.buckets.reduce((n, b) => n + pick(b), 0)

test('a simulated history through the engine: labels after the cut-off do not count, the figures are sane, API and CLI agree', async () => {
  const data = tempDataDir('xiezhi-monitoring-')
  let nowMs = Date.parse('2026-01-01T00:00:00Z')
  const engine = await openTestEngine(data.dir, { clock: { nowMs: () => nowMs } })
  const applications = new Map<string, number>()
  const fraudKnownAt = new Map<string, number>()
  try {
    // many fraud rings, so that enough applications are labelled within the period
    const config = { ...defaultWorldConfig, fraudRings: { ...defaultWorldConfig.fraudRings, applicationShare: 0.1 } }
    for (const event of simulate({ seed: 5, days: 40, customers: 600, labelEvents: true, config })) {
      if (!decided.has(event.type)) continue
      nowMs = Date.parse(event.occurredAt) + 1_000
      await engine.decisions.decide(defaultTenant, event)
      if (event.type === 'credit.application') applications.set(event.id, Date.parse(event.occurredAt))
      const data = event.data as { subjectEventId?: string; label?: string }
      if (event.type === 'label' && data.label === 'fraud' && applications.has(data.subjectEventId!)) fraudKnownAt.set(data.subjectEventId!, Date.parse(event.occurredAt))
    }
    const source = decisionLogSource(engine.store, (sealed) => engine.vault.open(sealed), defaultTenant)
    const input: ScoreMonitorInput = { eventType: 'credit.application', score: 'fraud', label: 'fraud', from: '2026-01-01', to: '2026-02-10', bucket: 'week', maturityDays: 21 }
    const endMs = nowMs
    const cutoffMs = Date.parse('2026-01-29T16:00:00Z') // 30 January, Beijing midnight: about a third of the way through the fraud labels
    const knownBy = (atMs: number) => [...fraudKnownAt.values()].filter((known) => known <= atMs).length
    assert.ok(knownBy(cutoffMs) >= 15 && knownBy(endMs) - knownBy(cutoffMs) >= 15, `fraud labels: ${knownBy(cutoffMs)} by the cut-off, ${knownBy(endMs)} in all`)

    const atCutoff = await monitorScore(source, scoreMonitorRequest({ ...input, cutoff: new Date(cutoffMs).toISOString() }, endMs))
    const atEnd = await monitorScore(source, scoreMonitorRequest(input, endMs))
    // the labels known at each moment, no more: the later ones are left out
    assert.equal(sum(atCutoff, (b) => b.positives), knownBy(cutoffMs))
    assert.equal(sum(atEnd, (b) => b.positives), knownBy(endMs))
    assert.ok(sum(atCutoff, (b) => b.positives) < sum(atEnd, (b) => b.positives))
    // every application is in one bucket and carries the score
    assert.equal(sum(atEnd, (b) => b.volume), applications.size)
    assert.equal(atEnd.unscored, 0)
    for (const b of atEnd.buckets) assert.equal(b.positives + b.negatives + b.other + b.pending, b.volume)
    // what is pending at the end (no label, under 21 days old) was pending at the earlier cut-off too, and more besides
    assert.ok(sum(atCutoff, (b) => b.pending) > sum(atEnd, (b) => b.pending))
    assert.ok(sum(atCutoff, (b) => b.negatives) < sum(atEnd, (b) => b.negatives))

    // the shipped scorecard separates the rings' applications from the rest
    const scored = atEnd.buckets.filter((b) => b.auc !== null && b.positives >= 5)
    assert.ok(scored.length >= 2, 'two weeks with enough positives and negatives')
    for (const b of scored) {
      assert.ok(b.auc! > 0.8, `${b.bucket}: AUC ${b.auc}`)
      assert.ok(b.ks! > 0.5, `${b.bucket}: KS ${b.ks}`)
      // reviewing the top 5 % a day finds more than the 5 % of the positives a random 5 % would
      assert.ok(b.capacity.recall! > 0.05, `${b.bucket}: recall ${b.capacity.recall} at 5 %`)
      assert.ok(b.capacity.precision! > 0, `${b.bucket}: precision ${b.capacity.precision}`)
    }
    // the rings' bursts move the score and its device inputs against the quiet first days: drift is reported
    assert.ok(atEnd.alerts.some((a) => a.subject === 'score' && a.name === 'fraud'))
    assert.ok(atEnd.alerts.every((a) => a.psi > 0.1))
    console.log(
      JSON.stringify({
        events: applications.size,
        fraudLabels: { byCutoff: knownBy(cutoffMs), byEnd: knownBy(endMs) },
        weeks: atEnd.buckets.map((b) => ({ week: b.bucket, volume: b.volume, positives: b.positives, negatives: b.negatives, auc: b.auc, ks: b.ks, precision: b.capacity.precision, recall: b.capacity.recall, scorePsi: b.scorePsi })),
        alerts: atEnd.alerts.length,
      }),
    )

    // the HTTP API gives the same report
    const { app } = await buildServer(engine)
    try {
      const query = new URLSearchParams({ eventType: 'credit.application', score: 'fraud', label: 'fraud', from: '2026-01-01', to: '2026-02-10', bucket: 'week', maturityDays: '21' })
      const response = await app.inject(`/v1/monitoring/scores?${query}`)
      assert.equal(response.statusCode, 200)
      assert.deepEqual(response.json(), JSON.parse(JSON.stringify(atEnd)))
      const bad = await app.inject('/v1/monitoring/scores?eventType=credit.application&score=fraud&from=2026-01-10&to=2026-01-01&capacity=150%')
      assert.equal(bad.statusCode, 400)
      assert.match(String(bad.headers['content-type']), /^application\/problem\+json/)
      assert.deepEqual(
        bad.json().errors.map((e: { pointer: string; code: string }) => [e.pointer, e.code]),
        [
          ['/query/to', 'invalid_range'],
          ['/query/capacity', 'invalid_format'],
        ],
      )
      const unknown = await app.inject('/v1/monitoring/scores?eventType=loan.nothing&score=fraud&from=2026-01-01&to=2026-01-10')
      assert.equal(unknown.statusCode, 422)
      assert.equal(unknown.json().errors[0].pointer, '/query/eventType')
      const missing = await app.inject('/v1/monitoring/scores?eventType=credit.application&from=2026-01-01&to=2026-01-10&bucket=month')
      assert.equal(missing.statusCode, 400)
      // the schema's own check names the field too (fastify stops at the first)
      assert.equal(missing.json().errors[0].pointer, '/query/score')
    } finally {
      await app.close()
    }
  } finally {
    await engine.close()
  }

  try {
    // the CLI over the same data directory: one JSON line, or a table; exit 2 when drift reaches the alert level
    const xiezhi = cliRunner(data.dir)
    const args = ['monitor', '--event-type', 'credit.application', '--score', 'fraud', '--from', '2026-01-01', '--to', '2026-02-10', '--bucket', 'week', '--maturity-days', '21', '--cutoff', '2026-01-30']
    const json = await xiezhi(...args, '--json')
    assert.equal(json.code, 2, json.stderr)
    const report = JSON.parse(json.stdout) as ScoreMonitorReport
    assert.equal(sum(report, (b) => b.positives), knownBy30January(fraudKnownAt))
    const printed = await xiezhi(...args)
    assert.match(printed.stdout, /^2026-01-12 +\d+ +\d+ +\d+/m)
    assert.match(printed.stdout, /alert +\d{4}-\d{2}-\d{2} +score fraud: PSI \d\.\d{3}/)
    const wrong = await xiezhi('monitor', '--event-type', 'credit.application', '--score', 'fraud', '--from', '2026-01-01', '--to', '2026-01-02', '--capacity', 'lots')
    assert.equal(wrong.code, 1)
    assert.match(wrong.stderr, /\/capacity: .* \(invalid_format\)/)
  } finally {
    data.remove()
  }
})

const knownBy30January = (knownAt: Map<string, number>) => [...knownAt.values()].filter((ms) => ms <= Date.parse('2026-01-29T16:00:00Z')).length
