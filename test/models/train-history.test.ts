/**
 * `xiezhi train` on a simulated history decided through the engine, with the
 * simulator's delayed label events in the log: labels known after the
 * cut-off must not be used, validation rows must be later than training
 * rows, and the model must register with its metadata.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { readConfig } from '../../src/app/config.ts'
import { loadDefinitions } from '../../src/app/load-definitions.ts'
import { defaultTenant, openEngine, openRecords } from '../../src/app/open-engine.ts'
import { trainFromHistory } from '../../src/app/train-from-history.ts'
import { parseDayOrInstant } from '../../src/core/day-or-instant.ts'
import { simulate } from '../../src/simulation/simulation.ts'
import type { GroundTruth } from '../../src/simulation/world.ts'
import { defaultWorldConfig } from '../../src/simulation/world-config.ts'
import { cliRunner } from '../support/cli-process.ts'
import { tempDataDir } from '../support/temp-engine.ts'

// on tmpfs where there is one: a decision is acknowledged after an fsync, the largest cost of deciding the history
const data = existsSync('/dev/shm') ? shmDataDir() : tempDataDir('xiezhi-train-')
const xiezhi = cliRunner(data.dir)
const truths: GroundTruth[] = []
const day = (text: string) => parseDayOrInstant(text)!
// a world with many fraud rings, few logins and no machines: enough labels in a small, quick history
const config = {
  ...defaultWorldConfig,
  customers: { ...defaultWorldConfig.customers, loginsPerDay: 0.1, smeShare: 0, strayClicksPerCustomer: 0.5 },
  fraudRings: { applicationShare: 0.3, members: [5, 25] as [number, number] },
  fakeTraffic: { ...defaultWorldConfig.fakeTraffic, burstsPerDayPer10kCustomers: 0.2 },
}
const window = { from: '2026-01-01', to: '2026-02-10', cutoff: '2026-02-20' }
let decided = 0
let decideSeconds = 0

before(async () => {
  // the engine's clock follows simulated time, as if each event were decided when it happened
  let nowMs = day('2026-01-01')
  const engine = await openEngine(readConfig({ XIEZHI_DATA_DIR: data.dir, LOG_LEVEL: 'silent' }, { authDisabled: true }), { clock: { nowMs: () => nowMs } })
  const started = performance.now()
  try {
    for (const event of simulate({ seed: 5, days: 60, customers: 700, start: '2026-01-01', labelEvents: true, config }, (t) => truths.push(t))) {
      nowMs = Date.parse(event.occurredAt) + 1_000
      await engine.decisions.decide(defaultTenant, event)
      decided++
    }
  } finally {
    await engine.close()
  }
  decideSeconds = (performance.now() - started) / 1000
})
after(() => data.remove())

function shmDataDir() {
  const dir = mkdtempSync('/dev/shm/xiezhi-train-')
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Fraud truths about events of a type in the window, known by `cutoffMs` (or at any time). */
const fraudTruths = (eventType: string, cutoffMs = Number.POSITIVE_INFINITY) =>
  truths.filter(
    (t) => t.label === 'fraud' && t.eventType === eventType && t.occurredAtMs >= day(window.from) && t.occurredAtMs < day(window.to) && t.knownAtMs !== null && t.knownAtMs <= cutoffMs,
  )

describe('xiezhi train', () => {
  test('trains on labels as known at the cut-off, validates on later rows, and registers the version with its metadata', async () => {
    const started = performance.now()
    const run = await xiezhi('train', '--name', 'fraud-app', '--label', 'fraud', '--from', window.from, '--to', window.to, '--cutoff', window.cutoff, '--maturity', '10d', '--event-type', 'credit.application', '--by', 'alice', '--json')
    const trainSeconds = (performance.now() - started) / 1000
    assert.equal(run.code, 0, run.stderr)
    // biome-ignore lint/suspicious/noExplicitAny: the metadata JSON, read field by field
    const result = JSON.parse(run.stdout) as { version: number; hash: string; created: boolean; metadata: Record<string, any>; seconds: { build: number; train: number } }
    const m = result.metadata

    // labels: exactly those known by the cut-off; the simulator had more, learned later, which must be left out
    const known = fraudTruths('credit.application', day(window.cutoff)).length
    const all = fraudTruths('credit.application').length
    assert.ok(all > known && known >= 20, `${known} fraud applications known by the cut-off of ${all} in the window`)
    assert.equal(m.labels.positives, known, 'positives are the labels known at the cut-off')
    assert.ok(m.labels.targetLabelsAfterCutoffIgnored >= all - known, 'later labels were seen and ignored')
    assert.equal(m.labels.negatives + m.labels.positives, m.rows.used)
    assert.equal(m.rows.dropped.immature, 0, 'every event of the window is 10 days old at the cut-off')

    // split by time: every validation row is later than every training row
    assert.ok(Date.parse(m.split.training.to) < Date.parse(m.split.validation.from), `${m.split.training.to} < ${m.split.validation.from}`)
    assert.ok(Date.parse(m.split.training.from) >= day(window.from) && Date.parse(m.split.validation.to) < day(window.to))
    assert.equal(m.split.training.rows + m.split.validation.rows, m.rows.used)
    assert.ok(m.split.validation.rows > 0 && m.metrics.validation.positives > 0)
    assert.ok(m.metrics.validation.auc > 0.6, `validation AUC ${m.metrics.validation.auc}`)
    for (const key of ['auc', 'ks', 'logloss']) assert.equal(typeof m.metrics.validation[key], 'number', key)

    // the registered version: kind, hash of the artifact, metadata with the windows of the features
    assert.deepEqual([result.version, result.created], [1, true])
    const shown = await xiezhi('models', 'show', 'fraud-app', '1', '--json')
    assert.equal(shown.code, 0, shown.stderr)
    // biome-ignore lint/suspicious/noExplicitAny: the metadata JSON, read field by field
    const version = JSON.parse(shown.stdout) as { kind: string; hash: string; createdBy: string; artifact: unknown; metadata: Record<string, any> }
    assert.deepEqual([version.kind, version.createdBy, version.hash], ['gbdt', 'alice', result.hash])
    assert.equal(createHash('sha256').update(JSON.stringify(version.artifact)).digest('hex'), version.hash)
    assert.deepEqual(version.metadata, m)
    assert.deepEqual(version.metadata.trainingWindow, { from: new Date(day(window.from)).toISOString(), to: new Date(day(window.to)).toISOString() })
    assert.equal(version.metadata.cutoff, new Date(day(window.cutoff)).toISOString())
    assert.ok(version.metadata.features.length > 10)
    const windowed = Object.values(version.metadata.featureDefinitions as Record<string, { window?: string }>).filter((f) => f.window)
    assert.ok(windowed.length > 5, 'feature windows are recorded')
    assert.equal(typeof version.metadata.parameters.learningRate, 'number')
    console.log(
      `# ${decided} events decided in ${decideSeconds.toFixed(1)} s; train ${trainSeconds.toFixed(1)} s (build ${result.seconds.build} s, fit ${result.seconds.train} s); ` +
        `${m.rows.used} rows, ${m.labels.positives} positives; validation AUC ${m.metrics.validation.auc}, KS ${m.metrics.validation.ks}`,
    )
  })

  test('a later cut-off knows more labels; without --event-type the type with the most labels is chosen', async () => {
    const records = await openRecords(readConfig({ XIEZHI_DATA_DIR: data.dir }))
    try {
      const { features: definitions } = loadDefinitions(records.config.configDir, records.registry, defaultTenant)
      const cutoffMs = day('2026-03-01')
      const trained = await trainFromHistory(
        { store: records.store, vault: records.vault, definitions },
        { label: 'fraud', fromMs: day(window.from), toMs: day(window.to), cutoffMs, validationShare: 0.25, maturityMs: 10 * 86_400_000, minDaysPastDue: 30, params: { rounds: 30 } },
      )
      const counts = ['credit.application', 'loan.drawdown', 'login'].map((type) => [type, fraudTruths(type, cutoffMs).length] as const)
      const most = Math.max(...counts.map(([, n]) => n))
      const chosen = counts.filter(([, n]) => n === most)
      assert.deepEqual(trained.metadata.eventTypes, chosen.map(([type]) => type))
      assert.equal((trained.metadata.labels as { positives: number }).positives, most * chosen.length)
    } finally {
      await records.close()
    }
  })

  test('refusals name the option', async () => {
    const late = await xiezhi('train', '--name', 'm', '--label', 'fraud', '--from', '2026-01-01', '--to', '2026-03-01', '--cutoff', '2026-02-01', '--no-register')
    assert.equal(late.code, 1)
    assert.match(late.stderr, /\/to: the window ends after the cut-off.*\(after_cutoff\)/)
    const unknown = await xiezhi('train', '--name', 'm', '--label', 'fraud', '--from', '2026-01-01', '--to', '2026-01-10', '--cutoff', '2026-02-01', '--features', 'nope', '--no-register')
    assert.match(unknown.stderr, /\/features\/0: "nope" is not in the feature catalogue \(unknown_feature\)/)
    const none = await xiezhi('train', '--name', 'm', '--label', 'scam_victim', '--from', '2026-01-01', '--to', '2026-01-02', '--cutoff', '2026-01-02', '--no-register')
    assert.match(none.stderr, /\(no_labels\)/)
  })
})
