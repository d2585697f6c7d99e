/**
 * A backtest of a strategy that reads the relationship graph's measures: the
 * graph is rebuilt alongside the replay from the start of the log, each
 * event measured before it is added, so every graph value a live decision
 * recorded comes back the same — rings and propagated risk included (they
 * are recomputed at the same hours of event time) — and a draft's graph
 * rules hit exactly where those values cross their thresholds.
 */
import assert from 'node:assert/strict'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { parse as parseYaml } from 'yaml'
import { readConfig } from '../../src/app/config.ts'
import { loadFeatures, strategyCatalogue } from '../../src/app/load-definitions.ts'
import { defaultTenant, openEngine, openRecords, type Records } from '../../src/app/open-engine.ts'
import { backtestRequest } from '../../src/backtest/backtest-request.ts'
import { runBacktest } from '../../src/backtest/run-backtest.ts'
import type { StoredDecision } from '../../src/decisions/record-store.ts'
import type { FeatureDefinition } from '../../src/features/feature-definition.ts'
import { graphFeatureNames } from '../../src/graph/graph-measures.ts'
import { type SimulationOptions, simulate } from '../../src/simulation/simulation.ts'
import type { GroundTruth } from '../../src/simulation/world.ts'
import { defaultWorldConfig } from '../../src/simulation/world-config.ts'
import { compileStrategy } from '../../src/strategy/compile-strategy.ts'
import type { Strategy } from '../../src/strategy/strategy.ts'
import { tempDataDir } from '../support/temp-engine.ts'
import { day } from './backtest-world.ts'
import { decideSimulatedHistory } from './decided-history.ts'

const period = { start: '2026-03-01', days: 24, from: '2026-03-12', to: '2026-03-26' }
const dayMs = 86_400_000

/**
 * Reads every graph measure (the last rule only so that each decision
 * records them all) and one window feature; live for applications and for
 * logins (which come after the fraud labels of ring members' applications).
 */
const liveStrategy = (eventType: string) => `
id: ${eventType.replace('.', '-')}-graph
version: 1
eventType: ${eventType}
defaultAction: approve
onRuleError: review
ruleSets:
  - id: graph
    mode: parallel
    rules:
      - id: linked-to-fraud
        when: features.riskUsers2h30d >= 1 || features.propagatedRisk >= 0.01
        action: review
        reason: { code: LINKED_TO_FRAUD, zh: 关联用户有欺诈标签, en: Linked to a user labelled fraud }
      - id: shared-device
        when: features.usersPerDevice >= 3 && features.applicationsPerDevice24h >= 1
        action: reject
        reason: { code: SHARED_DEVICE, zh: 设备被多人共用, en: Device shared by several users }
      - id: risky-ring
        when: features.ringRisk >= 0.5 && features.ringUsers >= 4
        action: review
        reason: { code: RISKY_RING, zh: 所在团伙风险高, en: In a risky ring }
      - id: reads-the-rest
        when: >-
          features.graphNodes2h30d + features.graphUsers2h30d + features.riskNodes2h30d + features.usersPerPhone
          + features.usersPerContact + features.usersPerIp + features.usersPerBankCard + features.usersPerIdNumber
          + features.usersPerAddress + features.componentNodes + features.graphSearchCapped > 1000000000
          && features.ringGrowth7d > 2.0
        action: reject
        reason: { code: NEVER, zh: 不会命中, en: Never hits }
`

const liveTypes = ['credit.application', 'login']

let data: { dir: string; remove(): void }
let records: Records
let features: FeatureDefinition[]

before(async () => {
  data = existsSync('/dev/shm') ? shmDir() : tempDataDir('xiezhi-graph-backtest-')
  const configDir = join(data.dir, 'config')
  mkdirSync(join(configDir, 'strategies'), { recursive: true })
  copyFileSync(new URL('../../config/features.yaml', import.meta.url).pathname, join(configDir, 'features.yaml'))
  for (const eventType of liveTypes) writeFileSync(join(configDir, 'strategies', `${eventType}.yaml`), liveStrategy(eventType))
  const config = { ...defaultWorldConfig, fraudRings: { applicationShare: 0.3, members: [5, 15] as [number, number] } }
  const simulation = { seed: 7, days: period.days, customers: 300, start: period.start, labelEvents: true, config }
  const truths: GroundTruth[] = []
  await decideSimulatedHistory(data.dir, simulation, { configDir, onTruth: (truth) => truths.push(truth) })
  await applyAgainAfterTheLabels(simulation, truths, configDir)
  records = await openRecords(readConfig({ XIEZHI_DATA_DIR: data.dir, XIEZHI_CONFIG_DIR: configDir }))
  features = loadFeatures(records.config.configDir, records.registry, defaultTenant)
})
after(async () => {
  await records?.close()
  data?.remove()
})

const compile = (document: unknown): Strategy => compileStrategy(document, strategyCatalogue(features, records.registry, defaultTenant))
const backtest = (draft: Strategy, onDecision: (eventId: string, values: Record<string, number>, action: string) => void, readAhead = false) =>
  runBacktest({ store: records.store, vault: records.vault, definitions: features, tenantId: defaultTenant }, draft, backtestRequest({ from: period.from, to: period.to }, Date.now()), {
    pageSize: 500,
    readAhead,
    onDecision: ({ eventId, features: values, outcome }) => onDecision(eventId, values, outcome.action),
  })
const recorded = (d: StoredDecision) => (JSON.parse(d.response) as { features: Record<string, number> }).features

async function liveDecisions(eventType = 'credit.application'): Promise<Map<string, StoredDecision>> {
  const page = await records.store.listDecisions({ tenantId: defaultTenant, eventType, fromMs: day(period.from), toMs: day(period.to), limit: 1_000_000 })
  return new Map(page.items.map((d) => [d.eventId, d]))
}

describe('a backtest of graph measures', () => {
  test('recomputes every graph value the live decisions recorded, and changes nothing, with the log read on this thread or ahead on a worker', async () => {
    const nonZero = new Set<string>()
    for (const [eventType, readAhead] of liveTypes.flatMap((type) => [[type, false], [type, true]] as const)) {
      const live = compile(parseYaml(liveStrategy(eventType)))
      for (const name of graphFeatureNames) assert.ok(live.featuresRead.has(name), name)
      const decisions = await liveDecisions(eventType)
      let compared = 0
      const report = await backtest(live, (eventId, values) => {
        const expected = recorded(decisions.get(eventId)!)
        for (const name of graphFeatureNames) {
          assert.equal(values[name], expected[name], `${eventId} ${name}`)
          if (expected[name] !== 0) nonZero.add(name)
        }
        assert.equal(values.applicationsPerDevice24h, expected.applicationsPerDevice24h)
        compared++
      }, readAhead)
      assert.ok(decisions.size >= 50, `${decisions.size} ${eventType} decisions in the window`)
      assert.equal(compared, decisions.size)
      assert.equal(report.changed.events, 0, JSON.stringify(report.changed.sample.slice(0, 3)))
      assert.deepEqual(report.features, ['applicationsPerDevice24h', ...graphFeatureNames])
      const actions = new Set([...decisions.values()].map((d) => d.action))
      assert.ok(actions.size > 1, `${eventType}: only ${[...actions].join(', ')}`)
    }
    // the comparison means something: the world has shared devices, labelled neighbours, rings and propagated risk
    for (const name of ['usersPerDevice', 'riskUsers2h30d', 'componentNodes', 'ringUsers', 'ringRisk', 'propagatedRisk']) assert.ok(nonZero.has(name), `${name} is never above 0`)
  })

  test("a draft's graph rule hits exactly where the recorded values cross its threshold", async () => {
    const draft = compile({
      id: 'application-graph',
      version: 2,
      eventType: 'credit.application',
      defaultAction: 'approve',
      ruleSets: [{ id: 'graph', mode: 'parallel', rules: [{ id: 'shared', when: 'features.usersPerDevice >= 1 || features.graphUsers2h30d >= 3', action: 'review', reason: { code: 'SHARED', zh: '共用', en: 'Shared' } }] }],
    })
    const decisions = await liveDecisions()
    let hits = 0
    await backtest(draft, (eventId, _values, action) => {
      const expected = recorded(decisions.get(eventId)!)
      const wanted = expected.usersPerDevice! >= 1 || expected.graphUsers2h30d! >= 3 ? 'review' : 'approve'
      assert.equal(action, wanted, eventId)
      if (action === 'review') hits++
    })
    assert.ok(hits > 0 && hits < decisions.size, `${hits} of ${decisions.size}`)
  })
})

/**
 * The simulated fraud rings' members never come back once their labels are
 * known, so nothing would see a labelled neighbour: after the period, new
 * people apply with the devices, phones and id numbers of applications
 * labelled fraud (the same data, another user).
 */
async function applyAgainAfterTheLabels(simulation: SimulationOptions, truths: GroundTruth[], configDir: string) {
  const fraud = new Set(truths.filter((t) => t.label === 'fraud' && t.eventType === 'credit.application').map((t) => t.eventId))
  const again = [...simulate(simulation)].filter((event) => fraud.has(event.id)).slice(0, 20)
  assert.ok(again.length >= 5, `${again.length} applications labelled fraud`)
  const endMs = day(period.start) + period.days * dayMs
  let nowMs = endMs
  const engine = await openEngine(readConfig({ XIEZHI_DATA_DIR: data.dir, XIEZHI_CONFIG_DIR: configDir, LOG_LEVEL: 'silent' }, { authDisabled: true }), { clock: { nowMs: () => nowMs } })
  try {
    for (const [i, event] of again.entries()) {
      const atMs = endMs + (i + 1) * 60_000
      nowMs = atMs + 1_000
      const data = { ...event.data, applicationId: `app-again-${i}`, userId: `${String(event.data.userId)}-again` }
      await engine.decisions.decide(defaultTenant, { id: `evt-again-${i}`, type: 'credit.application', occurredAt: new Date(atMs).toISOString(), data })
    }
  } finally {
    await engine.close()
  }
}

function shmDir() {
  const dir = mkdtempSync('/dev/shm/xiezhi-graph-backtest-')
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}
