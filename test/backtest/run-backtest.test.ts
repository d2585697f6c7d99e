/**
 * Backtests on a small simulated world decided through the engine: the live
 * strategy replayed changes nothing; a draft's rules hit exactly where the
 * point-in-time values cross their thresholds (the values each decision
 * recorded when it was made); the confusion matrices equal a brute-force
 * count over the simulator's ground truth.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { parse as parseYaml } from 'yaml'
import { readConfig } from '../../src/app/config.ts'
import { decisionLogHistory } from '../../src/app/decision-log-history.ts'
import { loadFeatures, strategyCatalogue } from '../../src/app/load-definitions.ts'
import { defaultTenant, openRecords, type Records } from '../../src/app/open-engine.ts'
import { type BacktestInput, backtestRequest } from '../../src/backtest/backtest-request.ts'
import type { BacktestReport } from '../../src/backtest/backtest-report.ts'
import { startLogReadAhead } from '../../src/backtest/log-read-ahead.ts'
import { logPlan, replayPlan } from '../../src/backtest/replay-plan.ts'
import { type BacktestOptions, runBacktest } from '../../src/backtest/run-backtest.ts'
import type { Action } from '../../src/core/actions.ts'
import type { StoredDecision } from '../../src/decisions/record-store.ts'
import { FeatureEngine } from '../../src/features/feature-engine.ts'
import type { FeatureDefinition } from '../../src/features/feature-definition.ts'
import { compileStrategy } from '../../src/strategy/compile-strategy.ts'
import type { Strategy } from '../../src/strategy/strategy.ts'
import { type BacktestWorld, buildBacktestWorld, day, world } from './backtest-world.ts'

let built: BacktestWorld
let records: Records
let features: FeatureDefinition[]

before(async () => {
  built = await buildBacktestWorld()
  records = await openRecords(readConfig({ XIEZHI_DATA_DIR: built.dir }))
  features = loadFeatures(records.config.configDir, records.registry, defaultTenant)
})
after(async () => {
  await records?.close()
  built?.remove()
})

const shipped = (file: string) => parseYaml(readFileSync(new URL(`../../config/strategies/${file}`, import.meta.url), 'utf8')) as Record<string, unknown>
const compile = (document: unknown): Strategy => compileStrategy(document, strategyCatalogue(features, records.registry, defaultTenant))
const backtest = (draft: Strategy, input: Partial<BacktestInput> = {}, options: BacktestOptions = {}): Promise<BacktestReport> =>
  runBacktest({ store: records.store, vault: records.vault, definitions: features, tenantId: defaultTenant }, draft, backtestRequest({ from: world.from, to: world.to, ...input }, Date.now()), options)

/** The stored decisions of a type in the backtest window: the live outcomes. */
async function stored(eventType: string): Promise<StoredDecision[]> {
  const page = await records.store.listDecisions({ tenantId: defaultTenant, eventType, fromMs: day(world.from), toMs: day(world.to), limit: 1_000_000 })
  return page.items
}
const recorded = (d: StoredDecision) => (JSON.parse(d.response) as { features: Record<string, number> }).features
const tally = (list: Action[]) => Object.fromEntries((['approve', 'step_up', 'review', 'reject'] as const).map((a) => [a, list.filter((x) => x === a).length]))

describe('runBacktest', () => {
  test('the live strategy replayed over its own history changes nothing, and recomputes every value its decisions recorded, with the log read on this thread or ahead on a worker', async () => {
    console.log(`# ${built.events} events decided in ${built.seconds.toFixed(1)} s`)
    for (const [file, readAhead] of ['credit-application.yaml', 'loan-drawdown.yaml', 'login.yaml'].flatMap((f) => [[f, false], [f, true]] as const)) {
      const live = compile(shipped(file))
      const decisions = new Map((await stored(live.document.eventType)).map((d) => [d.eventId, d]))
      let compared = 0
      const report = await backtest(live, {}, {
        onDecision: ({ eventId, features: values }) => {
          const expected = recorded(decisions.get(eventId)!)
          for (const [name, value] of Object.entries(expected)) assert.equal(values[name], value, `${eventId} ${name}`)
          compared++
        },
        readAhead,
      })
      assert.ok(decisions.size >= 30, `${file}: ${decisions.size} decisions in the window`)
      assert.equal(report.events.decided, decisions.size, file)
      assert.equal(compared, decisions.size)
      assert.equal(report.changed.events, 0, `${file}: ${JSON.stringify(report.changed.sample.slice(0, 3))}`)
      assert.deepEqual(report.changed.sample, [])
      const counts = tally([...decisions.values()].map((d) => d.action))
      for (const action of ['approve', 'step_up', 'review', 'reject'] as const) {
        assert.equal(report.actions.live[action].events, counts[action], `${file} live ${action}`)
        assert.equal(report.actions.draft[action].events, counts[action], `${file} draft ${action}`)
      }
      assert.equal(report.approvalRate.change, 0)
      assert.deepEqual(report.live.strategies, [{ id: live.id, version: live.version, events: decisions.size }])
      assert.equal(report.reviews.draft, counts.review)
      assert.equal(report.reviews.perDay.reduce((n, d) => n + d.draft, 0), counts.review)
      assert.deepEqual(report.confusion.draft, report.confusion.live)
    }
  })

  test("a draft's rules hit exactly the events whose point-in-time values cross their thresholds", async () => {
    const draft = compile({
      id: 'device-velocity',
      version: 1,
      eventType: 'credit.application',
      defaultAction: 'approve',
      onRuleError: 'review',
      models: [],
      ruleSets: [
        {
          id: 'velocity',
          mode: 'parallel',
          rules: [
            { id: 'device-24h', when: 'features.applicationsPerDevice24h >= 2', action: 'review', reason: { code: 'DRAFT_DEVICE_24H', zh: '设备24小时内多次申请', en: 'Several applications from one device in 24 hours' } },
            { id: 'device-users-30d', when: 'features.distinctUsersPerDevice30d >= 3', action: 'reject', reason: { code: 'DRAFT_DEVICE_USERS', zh: '设备30天内多个用户', en: 'Several users on one device in 30 days' } },
          ],
        },
      ],
    })
    const decisions = await stored('credit.application')
    // expected: from the values each live decision recorded when it was made, before its event joined the windows
    const expected = { 'device-24h': new Set<string>(), 'device-users-30d': new Set<string>() }
    for (const d of decisions) {
      const values = recorded(d)
      if (values.applicationsPerDevice24h! >= 2) expected['device-24h'].add(d.eventId)
      if (values.distinctUsersPerDevice30d! >= 3) expected['device-users-30d'].add(d.eventId)
    }
    const hit = { 'device-24h': new Set<string>(), 'device-users-30d': new Set<string>() }
    const report = await backtest(draft, { sample: 1_000 }, {
      onDecision: ({ eventId, outcome }) => {
        for (const rule of outcome.hits) hit[rule as keyof typeof hit].add(eventId)
      },
    })
    assert.deepEqual(report.features, ['applicationsPerDevice24h', 'distinctUsersPerDevice30d'], 'only what the draft reads is computed')
    assert.ok(expected['device-24h'].size >= 5 && expected['device-24h'].size < decisions.length, `${expected['device-24h'].size} of ${decisions.length}`)
    console.log(`# ${decisions.length} applications; device-24h ${expected['device-24h'].size}, device-users-30d ${expected['device-users-30d'].size}; ${report.changed.events} changed`)
    assert.deepEqual([...hit['device-24h']].sort(), [...expected['device-24h']].sort())
    assert.deepEqual([...hit['device-users-30d']].sort(), [...expected['device-users-30d']].sort())
    const both = [...expected['device-24h']].filter((id) => expected['device-users-30d'].has(id)).length
    assert.deepEqual(
      report.rules.map((r) => [r.id, r.hits]),
      [
        ['device-24h', expected['device-24h'].size],
        ['device-users-30d', expected['device-users-30d'].size],
      ],
    )
    if (both > 0) assert.deepEqual(report.overlaps.map((o) => [o.rules, o.events]), [[['device-24h', 'device-users-30d'], both]])

    // the values as they stand at the end of the history (what "today's values" would give) pick other events
    const today = new FeatureEngine(features)
    const keys = new Map<string, string>()
    for await (const event of decisionLogHistory(records.store, records.vault, 0)) {
      today.add(event.observed)
      if (event.observed.type === 'credit.application') keys.set(event.eventId, event.observed.keys.device![0]!)
    }
    const atEnd = decisions.filter((d) => today.valuesOf('device', keys.get(d.eventId)!, day(world.to)).applicationsPerDevice24h! >= 2).map((d) => d.eventId)
    console.log(`# at the end of the history: ${atEnd.length} would hit device-24h`)
    assert.notDeepEqual(atEnd.sort(), [...expected['device-24h']].sort(), "today's values would hit other events")

    // every changed decision is in the sample (it holds up to 1,000), with the draft's reasons and no event fields
    const changed = report.changed.sample
    assert.equal(changed.length, report.changed.events)
    for (const c of changed) {
      assert.notEqual(c.live, c.draft)
      for (const r of c.reasons) assert.ok(Object.keys(r.evidence).every((k) => k.startsWith('features.')), JSON.stringify(r))
      assert.deepEqual(Object.keys(c).sort(), ['amountMinor', 'draft', 'eventId', 'eventType', 'live', 'occurredAt', 'reasons'])
    }
  })

  test('the confusion matrices equal a brute-force count over the labels known at the cut-off', async () => {
    // the shipped strategy with a lower fraud-score threshold for review
    const document = shipped('credit-application.yaml') as { version: number; ruleSets: { rules: { id: string; when: string }[] }[] }
    document.version = 99
    document.ruleSets[1]!.rules.find((r) => r.id === 'fraud-score-elevated')!.when = 'scores.fraud >= 0.1'
    const draft = compile(document)
    const cutoff = '2026-01-27'
    const maturityDays = 10
    const draftAction = new Map<string, Action>()
    const report = await backtest(draft, { cutoff, maturityDays }, { onDecision: ({ eventId, outcome }) => draftAction.set(eventId, outcome.action) })

    // labels: ground truth that became a label event in the log by the cut-off
    const known = new Map<string, Set<string>>()
    for (const t of built.truths) {
      if (t.knownAtMs === null || t.knownAtMs >= day(world.end) || t.knownAtMs > day(cutoff)) continue
      known.set(t.eventId, (known.get(t.eventId) ?? new Set()).add(t.label))
    }
    const outcome = (d: StoredDecision) => {
      const kinds = known.get(d.eventId)
      if (kinds?.has('fraud')) return 'positive'
      if (kinds?.has('legitimate')) return 'negative'
      if (kinds) return 'unknown'
      return d.occurredAtMs + maturityDays * 86_400_000 <= day(cutoff) ? 'negative' : 'unknown'
    }
    const blocks = (action: Action) => action !== 'approve'
    const empty = () => ({ blocked: { positive: 0, negative: 0, unknown: 0 }, passed: { positive: 0, negative: 0, unknown: 0 } })
    const expected = { draft: empty(), live: empty() }
    for (const d of await stored('credit.application')) {
      expected.draft[blocks(draftAction.get(d.eventId)!) ? 'blocked' : 'passed'][outcome(d)]++
      expected.live[blocks(d.action) ? 'blocked' : 'passed'][outcome(d)]++
    }
    for (const side of ['draft', 'live'] as const) {
      const { blocked, passed } = report.confusion[side]
      assert.deepEqual({ blocked, passed }, expected[side], side)
    }
    console.log(`# confusion: draft ${JSON.stringify(expected.draft)}, live ${JSON.stringify(expected.live)}`)
    const { blocked, passed } = expected.draft
    assert.ok(blocked.positive > 0 && passed.negative > 0 && blocked.unknown + passed.unknown > 0, JSON.stringify(expected))
    assert.equal(report.confusion.draft.precision, Math.round((blocked.positive / (blocked.positive + blocked.negative)) * 1e6) / 1e6)
    assert.equal(report.confusion.draft.recall, Math.round((blocked.positive / (blocked.positive + passed.positive)) * 1e6) / 1e6)
    assert.ok(report.changed.events > 0 && report.approvalRate.change < 0, 'a lower threshold approves fewer')
    assert.equal(report.labels.cutoff, new Date(day(cutoff)).toISOString())
  })

  test('reading the log ahead on one worker or several gives the report read on this thread gives, in small pages or large', async () => {
    const login = shipped('login.yaml') as { version: number; ruleSets: { rules: { id: string; when: string }[] }[] }
    login.version += 1
    login.ruleSets[0]!.rules.find((r) => r.id === 'device-many-accounts')!.when = 'features.distinctUsersPerDevice24h >= 2'
    const credit = shipped('credit-application.yaml') as { version: number; ruleSets: { rules: { id: string; when: string }[] }[] }
    credit.version += 1
    credit.ruleSets[1]!.rules.find((r) => r.id === 'fraud-score-elevated')!.when = 'scores.fraud >= 0.3'
    for (const document of [login, credit]) {
      const draft = compile(document)
      const run = async (options: BacktestOptions) => {
        const decided: unknown[] = []
        const { timing, ...report } = await backtest(draft, { sample: 1_000, cutoff: '2026-01-27' }, { ...options, onDecision: (d) => decided.push([d.eventId, d.features, d.outcome.action]) })
        return { report, decided }
      }
      const onThread = await run({ readAhead: false })
      assert.ok(onThread.report.events.decided > 0 && onThread.report.labels.labelsRead > 0)
      for (const readers of [1, 2, 3]) {
        for (const pageSize of [37, 5_000]) {
          const ahead = await run({ readAhead: true, pageSize, readers })
          assert.deepEqual(ahead.report, onThread.report, `${readers} readers, page size ${pageSize}`)
          assert.deepEqual(ahead.decided, onThread.decided, `${readers} readers, page size ${pageSize}`)
        }
      }
    }
  })

  test('a number of readers that is not a whole number from 1 to 16 is refused, naming the option', async () => {
    const draft = compile(shipped('login.yaml'))
    for (const readers of [0, 1.5, 17, Number.NaN]) await assert.rejects(backtest(draft, {}, { readAhead: true, readers }), /readers: give a whole number from 1 to 16/)
  })

  test('a backtest stopped while the log is read ahead ends with its reason, and its readers with it', async () => {
    const draft = compile(shipped('login.yaml'))
    for (const readers of [1, 2]) {
      const signal = new AbortController()
      let pages = 0
      await assert.rejects(
        backtest(draft, {}, { readAhead: true, readers, pageSize: 20, signal: signal.signal, onProgress: () => ++pages === 3 && signal.abort() }),
        /interrupted: the server is stopping/,
      )
      assert.equal(pages, 3)
    }
    // the readers stopped midway were ended, not kept: a later backtest gets fresh ones and reads the whole log
    const report = await backtest(draft, {}, { readAhead: true, readers: 2 })
    assert.ok(report.events.decided > 0)
  })

  test('a log the reader thread cannot open fails the read with the reason, and the next read on the thread kept works', async () => {
    const plan = logPlan(replayPlan(compile(shipped('login.yaml')), features, day(world.from), day(world.to)))
    const input = { keys: records.vault.keysForThread(), plan, tenantId: defaultTenant, entityLimit: Number.POSITIVE_INFINITY, pageSize: 500 }
    for (const readers of [1, 2]) {
      const missing = startLogReadAhead({ ...input, file: `${built.dir}/no-such.sqlite` }, undefined, readers)
      await assert.rejects(async () => {
        for await (const _ of missing.parts);
      }, /reading the decision log: .*no-such|reading the decision log: unable to open/)
      await missing.stop()
    }
    const counts: number[] = []
    for (const readers of [1, 2, 1, 2]) {
      const ahead = startLogReadAhead({ ...input, file: records.store.logFile! }, undefined, readers)
      let events = 0
      for await (const part of ahead.parts) if (part.kind === 'events') events += part.events.length
      await ahead.stop()
      counts.push(events)
    }
    assert.ok(counts[0]! > 0)
    assert.deepEqual(counts, [counts[0], counts[0], counts[0], counts[0]])
  })

  test('an event type without a live strategy counts the live decisions as NO_STRATEGY approvals', async () => {
    const draft = compile({
      id: 'repayment-watch',
      version: 1,
      eventType: 'loan.repayment',
      defaultAction: 'approve',
      onRuleError: 'review',
      models: [],
      ruleSets: [{ id: 'late', mode: 'serial', rules: [{ id: 'late-payer', when: 'event.data.daysPastDue > 0', action: 'review', reason: { code: 'DRAFT_LATE', zh: '逾期还款', en: 'Late repayment' } }] }],
    })
    const report = await backtest(draft)
    const decisions = await stored('loan.repayment')
    assert.ok(decisions.length > 0)
    assert.equal(report.events.decided, decisions.length)
    assert.equal(report.live.withoutStrategy, decisions.length)
    assert.deepEqual(report.live.strategies, [])
    assert.equal(report.actions.live.approve.events, decisions.length)
    assert.equal(report.features.length, 0)
  })
})
