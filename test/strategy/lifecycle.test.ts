/**
 * The strategy lifecycle's rules, on the SQLite store: a draft is compiled on
 * every save; a submission freezes it and may cite only a finished backtest
 * of that very document; an approval needs someone who neither wrote nor
 * submitted it; deployments name approved versions and form a chain that one
 * change at a time extends and rollbacks walk back; config files are
 * recorded as approved by `config`.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { readConfig } from '../../src/app/config.ts'
import type { RecordStore } from '../../src/decisions/record-store.ts'
import { SqliteRecordStore } from '../../src/store/sqlite/sqlite-record-store.ts'
import { compileStrategy } from '../../src/strategy/compile-strategy.ts'
import { diffDocuments } from '../../src/strategy/lifecycle/strategy-diff.ts'
import { StrategyLifecycle } from '../../src/strategy/lifecycle/strategy-lifecycle.ts'
import { detailView, summaryView } from '../../src/strategy/lifecycle/strategy-views.ts'
import { tempDataDir } from '../support/temp-engine.ts'
import { applicationDraft, RecordingWatcher, recordBacktest, refusal, smallCatalogue } from './lifecycle-fixtures.ts'

const data = tempDataDir('xiezhi-lifecycle-')
const catalogue = smallCatalogue()
let nowMs = Date.parse('2026-11-03T00:00:00Z')
const clock = { nowMs: () => (nowMs += 1_000) }
let n = 0
/** A fresh store per test: tests do not depend on each other's strategies. */
async function fresh(watcher = new RecordingWatcher()): Promise<{ store: RecordStore; lifecycle: StrategyLifecycle; watcher: RecordingWatcher }> {
  const store = await SqliteRecordStore.open(join(data.dir, `records-${++n}.sqlite`))
  stores.push(store)
  return { store, lifecycle: new StrategyLifecycle({ store, clock, catalogue: () => catalogue, watcher }), watcher }
}
const stores: RecordStore[] = []
after(async () => {
  for (const store of stores) await store.close()
  data.remove()
})

/** Writes, submits and approves a version (alice writes, bob submits, carol approves). */
async function approved(lifecycle: StrategyLifecycle, document: Record<string, unknown>, deploy = false, id = 'applications') {
  const draft = await lifecycle.createDraft('default', id, { document }, 'alice')
  await lifecycle.submit('default', id, draft.version, {}, 'bob')
  return (await lifecycle.approve('default', id, draft.version, { deploy }, 'carol')).version
}

describe('strategy lifecycle', () => {
  test('draft → submitted with its backtest → approved by another actor → live', async () => {
    const { store, lifecycle, watcher } = await fresh()
    const draft = await lifecycle.createDraft('default', 'applications', { document: applicationDraft() }, 'alice')
    assert.deepEqual([draft.version, draft.state, draft.authors], [1, 'draft', ['alice']])
    assert.equal(JSON.parse(draft.document).version, 1, "the document's version is set to the number")
    assert.equal(draft.hash, compileStrategy(JSON.parse(draft.document), catalogue).hash, 'the hash names the stored document')
    const edited = await lifecycle.replaceDraft('default', 'applications', 1, { document: applicationDraft({ device: 4 }) }, 'dave')
    assert.deepEqual(edited.authors, ['alice', 'dave'])
    assert.notEqual(edited.hash, draft.hash)

    // a backtest of the first draft (now replaced), one still running, one of the right document
    await recordBacktest(store, 'bt-old', { strategyId: 'applications', version: 1, hash: draft.hash })
    await recordBacktest(store, 'bt-running', { strategyId: 'applications', version: 1, hash: edited.hash }, 'running')
    await recordBacktest(store, 'bt-good', { strategyId: 'applications', version: 1, hash: edited.hash })
    assert.equal(await refusal(() => lifecycle.submit('default', 'applications', 1, { backtestId: 'bt-old' }, 'bob')), 'conflict /backtestId backtest_mismatch')
    assert.equal(await refusal(() => lifecycle.submit('default', 'applications', 1, { backtestId: 'bt-running' }, 'bob')), 'conflict /backtestId backtest_not_done')
    assert.equal(await refusal(() => lifecycle.submit('default', 'applications', 1, { backtestId: 'bt-missing' }, 'bob')), 'not_found /backtestId unknown_backtest')
    assert.equal(await refusal(() => lifecycle.submit('acme', 'applications', 1, { backtestId: 'bt-good' }, 'bob')), 'not_found /id unknown_strategy', "another tenant has no such strategy, nor its backtest")
    assert.equal(await refusal(() => lifecycle.approve('default', 'applications', 1, {}, 'carol')), 'conflict /version not_submitted')
    const submitted = await lifecycle.submit('default', 'applications', 1, { backtestId: 'bt-good', note: 'fewer reviews' }, 'bob')
    assert.deepEqual([submitted.state, submitted.submittedBy, submitted.backtestId], ['submitted', 'bob', 'bt-good'])
    assert.equal(await refusal(() => lifecycle.replaceDraft('default', 'applications', 1, { document: applicationDraft() }, 'alice')), 'conflict /version not_a_draft')
    assert.equal(await refusal(() => lifecycle.submit('default', 'applications', 1, {}, 'bob')), 'conflict /version not_a_draft')

    const review = await lifecycle.review('default', 'applications', 1)
    assert.deepEqual([review.against, review.diff], [null, null], 'nothing live to compare with yet')
    assert.equal(review.backtest?.id, 'bt-good')
    assert.deepEqual(review.backtest?.figures?.approvalRate, { draft: 0.91, live: 0.93, change: -0.02 })

    for (const actor of ['alice', 'dave', 'bob', 'anonymous']) {
      assert.equal(await refusal(() => lifecycle.approve('default', 'applications', 1, {}, actor)), 'conflict /version same_actor', `${actor} may not approve`)
    }
    assert.equal(watcher.checks.length, 0)
    const { version, deployment } = await lifecycle.approve('default', 'applications', 1, { note: 'backtest looks right' }, 'carol')
    assert.deepEqual([version.state, version.approvedBy, version.approveNote], ['approved', 'carol', 'backtest looks right'])
    assert.deepEqual([deployment?.kind, deployment?.champion, deployment?.previousId, deployment?.movedBy], ['publish', 1, null, 'carol'])
    assert.deepEqual(watcher.checks.map((c) => [...c.documents.keys()]), [[1]])
    assert.equal(watcher.checks[0]!.documents.get(1), edited.document, 'the watcher gets the documents')
    assert.deepEqual(watcher.served, [deployment])
    assert.equal(await refusal(() => lifecycle.approve('default', 'applications', 1, {}, 'erin')), 'conflict /version already_approved')

    const [summary] = await lifecycle.strategies('default')
    assert.deepEqual(summary, { tenantId: 'default', id: 'applications', eventType: 'credit.application', live: deployment, versions: { draft: [], submitted: [], approved: [], rejected: [], withdrawn: [], live: [1], retired: [] } })
    const live = await lifecycle.liveDeployments()
    assert.deepEqual(live.map((l) => [l.deployment.id, [...l.documents.keys()]]), [[deployment!.id, [1]]])
  })

  test('with backtests required, a submission must cite one, and a version submitted without one is not approved', async () => {
    const { store, lifecycle } = await fresh()
    const draft = await lifecycle.createDraft('default', 'applications', { document: applicationDraft() }, 'alice')
    await lifecycle.submit('default', 'applications', 1, {}, 'bob')
    const strict = new StrategyLifecycle({ store, clock, catalogue: () => catalogue, requireBacktest: true })
    assert.equal(await refusal(() => strict.approve('default', 'applications', 1, {}, 'carol')), 'conflict /version backtest_required', 'submitted before the rule: sent back')
    await strict.reject('default', 'applications', 1, { note: 'backtest it first' }, 'carol')
    const copy = await strict.createDraft('default', 'applications', { document: applicationDraft() }, 'alice')
    assert.equal(await refusal(() => strict.submit('default', 'applications', copy.version, {}, 'bob')), 'invalid_input /backtestId required')
    await recordBacktest(store, 'bt-copy', { strategyId: 'applications', version: copy.version, hash: copy.hash })
    await strict.submit('default', 'applications', copy.version, { backtestId: 'bt-copy' }, 'bob')
    assert.equal((await strict.approve('default', 'applications', copy.version, {}, 'carol')).version.state, 'approved')
    assert.notEqual(draft.version, copy.version)
    assert.equal(readConfig({ XIEZHI_REQUIRE_BACKTEST: 'true' }).requireBacktest, true)
    assert.equal(readConfig({}).requireBacktest, false)
    assert.throws(
      () => readConfig({ XIEZHI_REQUIRE_BACKTEST: 'yes' }),
      (error: { issues?: { pointer: string }[] }) => error.issues?.[0]?.pointer === '/env/XIEZHI_REQUIRE_BACKTEST',
    )
  })

  test("the listing and the detail name a strategy's whole decision point, its stage too", async () => {
    const { lifecycle } = await fresh()
    await lifecycle.createDraft('default', 'staged', { document: { ...applicationDraft(), id: 'staged', stage: 'pre_loan' } }, 'alice')
    const [summary] = await lifecycle.strategies('default')
    assert.deepEqual([summary?.eventType, summary?.stage], ['credit.application', 'pre_loan'])
    assert.equal(summaryView(summary!).stage, 'pre_loan')
    assert.equal(detailView(await lifecycle.strategy('default', 'staged')).stage, 'pre_loan')
  })

  test('a submission is rejected by an approver with a reason, or withdrawn by its author; both are final', async () => {
    const { lifecycle } = await fresh()
    for (const device of [3, 4, 5]) {
      const draft = await lifecycle.createDraft('default', 'applications', { document: applicationDraft({ device }) }, 'alice')
      if (device !== 5) await lifecycle.submit('default', 'applications', draft.version, {}, 'bob')
    }
    assert.equal(await refusal(() => lifecycle.reject('default', 'applications', 3, { note: 'no' }, 'carol')), 'conflict /version not_submitted')
    assert.equal(await refusal(() => lifecycle.reject('default', 'applications', 1, {}, 'carol')), 'invalid_input /note required')
    assert.equal(await refusal(() => lifecycle.reject('default', 'applications', 1, { note: '   ' }, 'carol')), 'invalid_input /note required')
    assert.equal(await refusal(() => lifecycle.reject('default', 'applications', 1, { note: 'x'.repeat(501) }, 'carol')), 'invalid_input /note invalid_maxLength')
    for (const actor of ['alice', 'bob']) assert.equal(await refusal(() => lifecycle.reject('default', 'applications', 1, { note: 'mine' }, actor)), 'conflict /version same_actor', `${actor} withdraws instead`)
    const rejected = await lifecycle.reject('default', 'applications', 1, { note: ' reviews double ' }, 'carol')
    assert.deepEqual([rejected.state, rejected.rejectedBy, rejected.rejectNote], ['rejected', 'carol', 'reviews double'])
    assert.equal(await refusal(() => lifecycle.approve('default', 'applications', 1, {}, 'dave')), 'conflict /version already_rejected')
    assert.equal(await refusal(() => lifecycle.withdraw('default', 'applications', 1, {}, 'alice')), 'conflict /version already_rejected')
    assert.equal(await refusal(() => lifecycle.deploy('default', 'applications', { champion: 1 }, 'dave')), 'conflict /champion not_approved')

    assert.equal(await refusal(() => lifecycle.withdraw('default', 'applications', 2, {}, 'carol')), 'forbidden /version not_an_author')
    const withdrawn = await lifecycle.withdraw('default', 'applications', 2, {}, 'alice')
    assert.deepEqual([withdrawn.state, withdrawn.withdrawnBy, withdrawn.withdrawNote], ['withdrawn', 'alice', ''])
    assert.equal(await refusal(() => lifecycle.approve('default', 'applications', 2, {}, 'carol')), 'conflict /version already_withdrawn')
    assert.equal(await refusal(() => lifecycle.submit('default', 'applications', 2, {}, 'alice')), 'conflict /version not_a_draft')
    assert.deepEqual((await lifecycle.version('default', 'applications', 1)).record, rejected, 'as recorded')
    const [summary] = await lifecycle.strategies('default')
    assert.deepEqual(summary?.versions, { draft: [3], submitted: [], approved: [], rejected: [1], withdrawn: [2], live: [], retired: [] })
  })

  test('a draft is compiled on every save: errors point under /document', async () => {
    const { lifecycle } = await fresh()
    const broken = applicationDraft()
    ;(broken.flow as { rules?: { when: string }[] }[])[0]!.rules![0]!.when = 'features.applicationsPerDevice1h >= "three"'
    assert.equal(await refusal(() => lifecycle.createDraft('default', 'applications', { document: broken }, 'alice')), 'invalid_input /document/flow/0/rules/0/when cel_type_error')
    const badCell = applicationDraft({ extraRow: true })
    ;(badCell.flow as { rows?: { when: unknown[] }[] }[])[1]!.rows![1]!.when = ['>= "x"', '-']
    assert.equal(await refusal(() => lifecycle.createDraft('default', 'applications', { document: badCell }, 'alice')), 'invalid_input /document/flow/1/rows/1/when/0 cel_type_error')
    assert.equal(await refusal(() => lifecycle.createDraft('default', 'applications', { document: { ...applicationDraft(), version: 4 } }, 'alice')), 'invalid_input /document/version version_mismatch')
    assert.equal(await refusal(() => lifecycle.createDraft('default', 'applications', { document: { ...applicationDraft(), id: 'other' } }, 'alice')), 'invalid_input /document/id id_mismatch')
    assert.equal(await refusal(() => lifecycle.createDraft('default', 'applications', { document: [] }, 'alice')), 'invalid_input /document invalid_type')
    assert.equal(await refusal(() => lifecycle.createDraft('default', 'Bad Id', { document: applicationDraft() }, 'alice')), 'invalid_input /id invalid_format')
    assert.equal(await refusal(() => lifecycle.strategy('default', 'applications')), 'not_found /id unknown_strategy', 'nothing was recorded')
    const first = await lifecycle.createDraft('default', 'applications', { document: { ...applicationDraft(), version: 1 } }, 'alice')
    const second = await lifecycle.createDraft('default', 'applications', { document: applicationDraft() }, 'alice')
    assert.deepEqual([first.version, second.version], [1, 2])
    const fixed = await lifecycle.replaceDraft('default', 'applications', 2, { document: { ...applicationDraft({ device: 5 }), version: 2 } }, 'alice')
    assert.deepEqual(fixed.authors, ['alice'])
    assert.equal(await refusal(() => lifecycle.replaceDraft('default', 'applications', 2, { document: broken }, 'alice')), 'invalid_input /document/flow/0/rules/0/when cel_type_error')
    assert.equal((await lifecycle.version('default', 'applications', 2)).record.hash, fixed.hash, 'a refused save changes nothing')
    assert.equal(await refusal(() => lifecycle.replaceDraft('default', 'applications', 9, { document: applicationDraft() }, 'alice')), 'not_found /version unknown_strategy_version')
  })

  test('deployments: approved versions only, shares below 100, each version once; rollback one step, then another', async () => {
    const { lifecycle, watcher } = await fresh()
    const v1 = await approved(lifecycle, applicationDraft(), true)
    const v2 = await approved(lifecycle, applicationDraft({ device: 4 }))
    const v3 = await approved(lifecycle, applicationDraft({ device: 5 }))
    await lifecycle.createDraft('default', 'applications', { document: applicationDraft({ device: 6 }) }, 'alice')
    assert.deepEqual([v1.version, v2.version, v3.version], [1, 2, 3])

    assert.equal(
      await refusal(() => lifecycle.deploy('default', 'applications', { champion: 2, challengers: [{ version: 3, share: 60 }, { version: 1, share: 40 }] }, 'dave')),
      'invalid_input /challengers invalid_value',
    )
    assert.equal(await refusal(() => lifecycle.deploy('default', 'applications', { champion: 2, challengers: [{ version: 3, share: 0.001 }], shadows: [2] }, 'dave')), 'invalid_input /challengers/0/share invalid_value, /shadows/0 duplicate')
    assert.equal(await refusal(() => lifecycle.deploy('default', 'applications', { champion: 2, shadows: [4] }, 'dave')), 'conflict /shadows/0 not_approved')
    assert.equal(await refusal(() => lifecycle.deploy('default', 'applications', { champion: 9 }, 'dave')), 'not_found /champion unknown_strategy_version')
    assert.equal(await refusal(() => lifecycle.deploy('default', 'applications', { champion: 1 }, 'dave')), 'conflict /champion already_deployed')

    const d2 = await lifecycle.deploy('default', 'applications', { champion: 2, challengers: [{ version: 3, share: 12.5 }], shadows: [1], note: 'try 3 on an eighth' }, 'dave')
    assert.deepEqual([d2.kind, d2.champion, d2.challengers, d2.shadows, d2.movedBy], ['publish', 2, [{ version: 3, share: 12.5 }], [1], 'dave'])
    const d3 = await lifecycle.deploy('default', 'applications', { champion: 3 }, 'dave')
    const detail = await lifecycle.strategy('default', 'applications')
    assert.deepEqual(detail.versions.map((v) => `${v.record.version}:${v.state}:${v.role ?? '-'}`), ['1:retired:-', '2:retired:-', '3:live:champion', '4:draft:-'])
    assert.deepEqual(detail.chain?.earlier.map((d) => d.champion), [1, 2])

    const back = await lifecycle.rollback('default', 'applications', 'erin', 'alerts after release')
    assert.deepEqual([back.kind, back.champion, back.challengers, back.shadows, back.previousId, back.note], ['rollback', 2, [{ version: 3, share: 12.5 }], [1], d3.id, 'alerts after release'])
    const again = await lifecycle.rollback('default', 'applications', 'erin')
    assert.deepEqual([again.champion, again.challengers, again.shadows, again.previousId], [1, [], [], back.id])
    assert.equal(await refusal(() => lifecycle.rollback('default', 'applications', 'erin')), 'conflict /id nothing_to_roll_back')
    const states = (await lifecycle.strategy('default', 'applications')).versions.map((v) => `${v.record.version}:${v.state}`)
    assert.deepEqual(states, ['1:live', '2:retired', '3:retired', '4:draft'])
    // a deployment after rollbacks starts from where it stands
    await lifecycle.deploy('default', 'applications', { champion: 3 }, 'dave')
    assert.deepEqual((await lifecycle.rollback('default', 'applications', 'erin')).champion, 1)
    assert.deepEqual(watcher.served.map((d) => d.champion), [1, 2, 3, 2, 1, 3, 1])
  })

  test('two deployments made at once: one lands, the other is told deployment_moved', async () => {
    const { lifecycle, store } = await fresh()
    await approved(lifecycle, applicationDraft(), true)
    await approved(lifecycle, applicationDraft({ device: 4 }))
    await approved(lifecycle, applicationDraft({ device: 5 }))
    const results = await Promise.allSettled([lifecycle.deploy('default', 'applications', { champion: 2 }, 'dave'), lifecycle.deploy('default', 'applications', { champion: 3 }, 'erin')])
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected'])
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult
    assert.equal(await refusal(() => Promise.reject(lost.reason)), 'conflict /id deployment_moved')
    const chain = await store.listStrategyDeployments('default', 'applications')
    assert.equal(chain.length, 2)
    assert.equal(chain[1]!.previousId, chain[0]!.id)
  })

  test('a deployment the watcher refuses is not recorded', async () => {
    const { lifecycle, watcher, store } = await fresh()
    const draft = await lifecycle.createDraft('default', 'applications', { document: applicationDraft() }, 'alice')
    await lifecycle.submit('default', 'applications', draft.version, {}, 'alice')
    watcher.refuse = 'cannot serve'
    assert.equal(await refusal(() => lifecycle.approve('default', 'applications', 1, {}, 'bob')), 'invalid_input /champion cel_type_error')
    assert.equal((await lifecycle.version('default', 'applications', 1)).state, 'submitted', 'the approval did not land either')
    assert.deepEqual(await store.listStrategyDeployments(null), [])
    watcher.refuse = undefined
    assert.equal((await lifecycle.approve('default', 'applications', 1, {}, 'bob')).deployment?.champion, 1)
  })

  test('one decision point, one strategy: versions of another point, and points another strategy runs, are refused', async () => {
    const { lifecycle } = await fresh()
    await approved(lifecycle, applicationDraft(), true)
    await approved(lifecycle, applicationDraft({ product: 'consumer-cash' }))
    assert.equal(await refusal(() => lifecycle.deploy('default', 'applications', { champion: 1, shadows: [2] }, 'dave')), 'conflict /shadows/0 decision_point_mismatch')
    const other = await lifecycle.createDraft('default', 'applications-b', { document: applicationDraft() }, 'alice')
    await lifecycle.submit('default', 'applications-b', other.version, {}, 'alice')
    assert.equal(await refusal(() => lifecycle.approve('default', 'applications-b', 1, {}, 'bob')), 'conflict /champion decision_point_taken')
    assert.equal((await lifecycle.approve('default', 'applications-b', 1, { deploy: false }, 'bob')).deployment, null, 'approved, not deployed')
  })

  test('the diff names rules and rows by id: a changed rule and an added row', async () => {
    const { lifecycle } = await fresh()
    await lifecycle.createDraft('default', 'applications', { document: applicationDraft() }, 'alice')
    await lifecycle.createDraft('default', 'applications', { document: applicationDraft({ device: 4, extraRow: true }) }, 'alice')
    const diff = await lifecycle.diff('default', 'applications', 1, 2)
    assert.deepEqual(diff.lines, [
      '~ /version: 1 → 2',
      '~ /flow/hard-rules/rules/device-burst/when: "features.applicationsPerDevice1h >= 3" → "features.applicationsPerDevice1h >= 4"',
      '+ /flow/velocity/rows/ip-burst/id: "ip-burst"',
      '+ /flow/velocity/rows/ip-burst/when: ["[5..10)","consumer-cash"]',
      '+ /flow/velocity/rows/ip-burst/action: "review"',
      '+ /flow/velocity/rows/ip-burst/reason/code: "IP_APPLICATION_BURST"',
      '+ /flow/velocity/rows/ip-burst/reason/zh: "中文 IP_APPLICATION_BURST"',
      '+ /flow/velocity/rows/ip-burst/reason/en: "English IP_APPLICATION_BURST"',
    ])
    assert.deepEqual(diff.changes[1], { op: 'changed', path: '/flow/hard-rules/rules/device-burst/when', from: 'features.applicationsPerDevice1h >= 3', to: 'features.applicationsPerDevice1h >= 4' })
    const back = await lifecycle.diff('default', 'applications', 2, 1)
    assert.deepEqual(back.lines.filter((l) => l.startsWith('-')).length, 6, 'the other way the row is removed')
    assert.equal(await refusal(() => lifecycle.diff('default', 'applications', 1, 7)), 'not_found /to unknown_strategy_version')
  })

  test('the diff reports a removed rule where it stood, and rules that changed places', () => {
    const rule = (id: string, when = 'true') => ({ id, when, action: 'review', reason: { code: 'X_Y_Z', zh: '中', en: 'en' } })
    const before = { id: 's', ruleSets: [{ id: 'hard', mode: 'serial', rules: [rule('a'), rule('b'), rule('c')] }], models: [{ name: 'fraud', intercept: -5, inputs: [{ feature: 'f1', weight: 1 }] }] }
    const after = { id: 's', ruleSets: [{ id: 'hard', mode: 'serial', rules: [rule('c', 'false'), rule('a')] }], models: [{ name: 'fraud', intercept: -4, inputs: [{ feature: 'f1', weight: 2 }] }] }
    assert.deepEqual(diffDocuments(before, after).lines, [
      '~ /models/fraud/intercept: -5 → -4',
      '~ /models/fraud/inputs/f1/weight: 1 → 2',
      '↕ /ruleSets/hard/rules: ["a","c"] → ["c","a"]',
      '- /ruleSets/hard/rules/b/id: "b"',
      '- /ruleSets/hard/rules/b/when: "true"',
      '- /ruleSets/hard/rules/b/action: "review"',
      '- /ruleSets/hard/rules/b/reason/code: "X_Y_Z"',
      '- /ruleSets/hard/rules/b/reason/zh: "中"',
      '- /ruleSets/hard/rules/b/reason/en: "en"',
      '~ /ruleSets/hard/rules/c/when: "true" → "false"',
    ])
    assert.deepEqual(diffDocuments(before, before).lines, [])
  })

  test('config files: a new version is approved by config; the same again is nothing; a change without a new number is refused; a higher number deploys', async () => {
    const { lifecycle } = await fresh()
    const compiled = (version: number, device = 3) => compileStrategy({ ...applicationDraft({ device }), id: 'applications', version }, catalogue)
    const first = await lifecycle.recordConfigVersion('default', compiled(1))
    assert.deepEqual([first.created, first.deploy, first.version.state, first.version.approvedBy, first.version.authors], [true, true, 'approved', 'config', ['config']])
    const d1 = await lifecycle.deployConfigVersion('default', 'applications', 1)
    assert.deepEqual([d1.kind, d1.movedBy, d1.champion], ['config', 'config', 1])
    assert.deepEqual(await lifecycle.recordConfigVersion('default', compiled(1)), { version: first.version, created: false, deploy: false })
    await assert.rejects(lifecycle.recordConfigVersion('default', compiled(1, 4)), (error: Error & { kind?: string }) => error.kind === 'invalid_configuration' && /differs from the version already recorded/.test(error.message))
    const second = await lifecycle.recordConfigVersion('default', compiled(2, 4))
    assert.deepEqual([second.created, second.deploy], [true, true])
    await lifecycle.deployConfigVersion('default', 'applications', 2)
    // rolled back through the API: the next start does not undo the rollback
    await lifecycle.rollback('default', 'applications', 'dave')
    assert.deepEqual([(await lifecycle.recordConfigVersion('default', compiled(2, 4))).deploy], [false])
    // a draft written through the API under the number a file then uses
    await lifecycle.createDraft('default', 'applications', { document: applicationDraft({ device: 7 }) }, 'alice')
    await assert.rejects(lifecycle.recordConfigVersion('default', compiled(3, 7)), /is a draft version written through the API/)
  })
})
