/**
 * Judging a challenger on real loan outcomes: a simulated lender's
 * applications, drawdowns and repayments decided through the engine, with the
 * shipped credit-application strategy as champion and a challenger that
 * approves every applicant (the rings and the over-borrowed included) on half
 * the traffic. No `default` label is posted: the bad rate comes from the
 * repayments alone, linked to the application through the drawdown's
 * `applicationId`. The challenger's bad rate at 30 days past due must come
 * out higher than the champion's; the report agrees with the simulator's
 * ground truth; API and CLI give the same report.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildServer } from '../../src/api/build-server.ts'
import { defaultTenant } from '../../src/app/open-engine.ts'
import type { ArmComparison } from '../../src/monitoring/arm-comparison.ts'
import { decisionLogSource } from '../../src/monitoring/decision-log-source.ts'
import { LoanBook } from '../../src/monitoring/loan-outcomes.ts'
import { simulate } from '../../src/simulation/simulation.ts'
import type { GroundTruth } from '../../src/simulation/world.ts'
import { defaultWorldConfig } from '../../src/simulation/world-config.ts'
import { StrategyLifecycle } from '../../src/strategy/lifecycle/strategy-lifecycle.ts'
import { cliRunner } from '../support/cli-process.ts'
import { openTestEngine, tempDataDir } from '../support/temp-engine.ts'

const decided = new Set(['account.registered', 'credit.application', 'loan.drawdown', 'loan.repayment', 'label'])
const approveAll = { ruleSets: [{ id: 'all', mode: 'serial', rules: [{ id: 'never', when: 'false', action: 'review', reason: { code: 'NEVER', zh: '从不', en: 'Never' } }] }] }

test('a challenger that approves riskier applicants shows a higher bad rate at 30 dpd than the champion', async () => {
  const data = tempDataDir('xiezhi-arm-outcomes-')
  const startMs = Date.parse('2025-12-31T16:00:00Z') // 1 January 2026, Beijing
  let nowMs = startMs
  const engine = await openTestEngine(data.dir, { clock: { nowMs: () => nowMs } })
  const truths: GroundTruth[] = []
  const applicationIds = new Map<string, string>()
  const applicants = new Map<string, string>()
  let report: ArmComparison
  const query = { from: '2026-01-01', to: '2026-02-25', cutoff: '2026-05-01' }
  try {
    // the challenger: the shipped document with no rule that fires, on 50 % of applicants
    const lifecycle = new StrategyLifecycle({ store: engine.store, clock: engine.clock, catalogue: engine.catalogueOf, watcher: engine.strategies })
    const shipped = (await lifecycle.version(defaultTenant, 'credit-application', 1)).record
    const { version: _, ...document } = JSON.parse(shipped.document) as Record<string, unknown>
    const draft = await lifecycle.createDraft(defaultTenant, 'credit-application', { document: { ...document, ...approveAll } }, 'alice')
    await lifecycle.submit(defaultTenant, 'credit-application', draft.version, {}, 'alice')
    await lifecycle.approve(defaultTenant, 'credit-application', draft.version, { deploy: false }, 'bob')
    await lifecycle.deploy(defaultTenant, 'credit-application', { champion: 1, challengers: [{ version: draft.version, share: 50 }], shadows: [] }, 'bob')

    // rings raised to 15 % of applications: the champion rejects most of them, the challenger lends to all, and they never repay
    const config = { ...defaultWorldConfig, fraudRings: { ...defaultWorldConfig.fraudRings, applicationShare: 0.15 } }
    for (const event of simulate({ seed: 11, days: 120, customers: 2_000, labelEvents: true, config }, (truth) => truths.push(truth))) {
      if (!decided.has(event.type)) continue
      // the bad rate must come from the repayments: no default label reaches the engine
      if (event.type === 'label' && event.data.label === 'default') continue
      nowMs = Date.parse(event.occurredAt) + 1_000
      await engine.decisions.decide(defaultTenant, event)
      if (event.type === 'credit.application') {
        applicationIds.set(event.id, event.data.applicationId as string)
        applicants.set(event.id, event.data.userId as string)
      }
    }
    nowMs = Date.parse('2026-05-01T00:00:00+08:00')
    const { app } = await buildServer(engine)
    try {
      const reply = await app.inject(`/v1/monitoring/strategies/credit-application/arms?${new URLSearchParams(query)}`)
      assert.equal(reply.statusCode, 200, reply.body)
      report = reply.json() as ArmComparison
    } finally {
      await app.close()
    }

    const [champion, challenger] = report.arms
    console.log(JSON.stringify({ arms: report.arms.map((a) => ({ version: a.version, arm: a.arm, decisions: a.decisions, approval: a.approvalRate.rate, fraudCaught: a.fraudCaught, badRate: a.badRate, approvals: a.approvals })) }))
    assert.deepEqual([champion!.arm, challenger!.arm], ['champion', 'challenger'])
    assert.equal(report.sampleRatio?.mismatch, false)
    assert.equal(challenger!.approvalRate.rate, 1, 'the challenger approves everyone')
    assert.ok(champion!.approvalRate.rate! < 0.95, `the champion approves ${champion!.approvalRate.rate}`)
    // applications up to 25 February, cut off on 1 May: a loan drawn within 4 days of its application is mature
    for (const arm of [champion!, challenger!]) {
      assert.ok(arm.approvals.immature < arm.approvals.matured / 20, `v${arm.version}: ${arm.approvals.immature} immature`)
      assert.ok(arm.approvals.matured >= 120, `v${arm.version}: ${arm.approvals.matured} matured loans`)
      assert.ok(arm.approvals.notDrawn > 0 && arm.approvals.notDrawn < arm.approvals.matured, 'some approved applicants never draw')
    }
    assert.ok(champion!.badRate.count > 0, 'the champion has bad loans too: they are found through the repayments')
    assert.ok(challenger!.badRate.rate! > champion!.badRate.rate!, `challenger ${challenger!.badRate.rate} vs champion ${champion!.badRate.rate}`)
    // (about 25 % against 11 % on some 150 matured loans each; the split hashes a per-directory key, so the arms' members change from run to run)

    // against the simulator's ground truth: every drawn application it defaulted (30 dpd by the cut-off) is bad, and nothing it did not default or defraud is
    const cutoffMs = Date.parse('2026-05-01T00:00:00+08:00')
    const loans = new LoanBook({ cutoffMs, daysPastDue: 30, badLabels: ['default', 'charge_off'] })
    const source = decisionLogSource(engine.store, (sealed) => engine.vault.open(sealed), defaultTenant)
    for await (const event of source.loanEvents(startMs, cutoffMs + 1)) loans.addEvent(event)
    const defaulted = new Set(truths.filter((t) => t.eventType === 'credit.application' && t.label === 'default' && t.knownAtMs !== null && t.knownAtMs <= cutoffMs).map((t) => t.eventId))
    const troubled = new Set(truths.filter((t) => t.eventType === 'credit.application').map((t) => t.eventId))
    const borrowersWhoStopped = new Set(truths.filter((t) => t.eventType === 'loan.repayment').map((t) => t.userId))
    let checked = 0
    let honestBad = 0
    for (const [eventId, applicationId] of applicationIds) {
      const outcome = loans.outcomeOf(applicationId, eventId)
      if (defaulted.has(eventId)) {
        assert.equal(outcome, 'bad', `${eventId} defaulted by the cut-off`)
        checked++
      } else if (!troubled.has(eventId) && outcome === 'bad') {
        // an honest applicant's loan goes bad only when a debt-avoidance agent talked the borrower out of paying
        assert.ok(borrowersWhoStopped.has(applicants.get(eventId)), `${eventId} is bad without a cause`)
        honestBad++
      }
    }
    assert.ok(checked >= 8, `${checked} defaulted applications checked`)
    assert.ok(honestBad <= checked / 4, `${honestBad} honest applications bad`)
  } finally {
    await engine.close()
  }

  try {
    // the CLI over the same data directory: the same report, and a table
    const xiezhi = cliRunner(data.dir)
    const args = ['strategies', 'arms', 'credit-application', '--from', query.from, '--to', query.to, '--cutoff', query.cutoff]
    const json = await xiezhi(...args, '--json')
    assert.equal(json.code, 0, json.stderr)
    assert.deepEqual(JSON.parse(json.stdout), report)
    const printed = await xiezhi(...args)
    assert.equal(printed.code, 0, printed.stderr)
    assert.match(printed.stdout, /^v1 champion +\d+ +\d+\.\d% \[/m)
    assert.match(printed.stdout, /^v\d+ challenger +\d+ +100\.0% \[/m)
    assert.match(printed.stdout, /split as given: v1 50% → \d+/)
    const wrong = await xiezhi('strategies', 'arms', 'credit-application', '--from', '2026-02-01', '--to', '2026-01-01', '--bad-labels', 'Default')
    assert.equal(wrong.code, 1)
    assert.match(wrong.stderr, /\/to: .*\(invalid_range\)/)
    assert.match(wrong.stderr, /\/badLabels: .*\(invalid_format\)/)
  } finally {
    data.remove()
  }
})
