/**
 * The graph's measures in the feature library's offline side: the backfill
 * computes them point in time from the decision log, equal to what every
 * decision recorded online; the catalogue lists them (kind `graph`); an
 * entity's current values include them; a dry run gives the values the
 * decision then records, and changes nothing in the graph.
 */
import assert from 'node:assert/strict'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { buildServer } from '../../src/api/build-server.ts'
import { graphedLogHistory, backfillWithGraph } from '../../src/app/backfill-with-graph.ts'
import { readConfig } from '../../src/app/config.ts'
import { loadFeatures } from '../../src/app/load-definitions.ts'
import { defaultTenant, openEngine, openRecords } from '../../src/app/open-engine.ts'
import type { Decision } from '../../src/decisions/decision.ts'
import { horizonOf } from '../../src/features/feature-definition.ts'
import { graphFeatureNames } from '../../src/graph/graph-measures.ts'
import { defaultWorldConfig } from '../../src/simulation/world-config.ts'
import { decideSimulatedHistory } from '../backtest/decided-history.ts'
import { exampleEvent, tempDataDir } from '../support/temp-engine.ts'

const dayMs = 86_400_000
const start = Date.parse('2026-05-01T00:00:00+08:00')
const days = 16
const decided = ['credit.application', 'loan.drawdown', 'login', 'label']

/** Reads every graph measure, so that each decision records them all. */
const strategy = (eventType: string) => `
id: ${eventType.replace('.', '-')}-graph
version: 1
eventType: ${eventType}
defaultAction: approve
ruleSets:
  - id: graph
    mode: parallel
    rules:
      - id: reads-every-graph-measure
        when: >-
          ${graphFeatureNames.map((name) => `double(features.${name})`).join(' + ')} > 1000000000.0
        action: review
        reason: { code: NEVER, zh: 不会命中, en: Never hits }
`

let data: { dir: string; remove(): void }
let configDir: string
const config = () => readConfig({ XIEZHI_DATA_DIR: data.dir, XIEZHI_CONFIG_DIR: configDir, LOG_LEVEL: 'silent' }, { authDisabled: true })

before(async () => {
  data = existsSync('/dev/shm') ? shmDir() : tempDataDir('xiezhi-graph-offline-')
  configDir = join(data.dir, 'config')
  mkdirSync(join(configDir, 'strategies'), { recursive: true })
  copyFileSync(new URL('../../config/features.yaml', import.meta.url).pathname, join(configDir, 'features.yaml'))
  for (const type of decided) writeFileSync(join(configDir, 'strategies', `${type}.yaml`), strategy(type))
  const world = { ...defaultWorldConfig, fraudRings: { applicationShare: 0.3, members: [5, 15] as [number, number] } }
  await decideSimulatedHistory(data.dir, { seed: 3, days, customers: 200, start: '2026-05-01', labelEvents: true, config: world }, { configDir })
})
after(() => data?.remove())

describe('graph measures offline', () => {
  test('the backfill gives every event the graph measures its decision recorded online', async () => {
    const records = await openRecords(config())
    try {
      const definitions = loadFeatures(configDir, records.registry, defaultTenant)
      const range = { fromMs: start + 4 * dayMs, toMs: start + days * dayMs }
      const recorded = new Map<string, Record<string, number>>()
      for await (const batch of records.store.decisionsSince(range.fromMs)) {
        for (const d of batch) if (d.occurredAtMs < range.toMs) recorded.set(d.eventId, (JSON.parse(d.response) as Decision).features)
      }
      let rows = 0
      const nonZero = new Set<string>()
      for await (const row of backfillWithGraph(definitions, graphedLogHistory(records.store, records.vault, range.fromMs - horizonOf(definitions)), range)) {
        rows++
        const expected = recorded.get(row.eventId)!
        for (const name of Object.keys(row.values)) assert.ok(Number.isFinite(row.values[name]), `${row.eventId} ${name}`)
        if (!decided.includes(row.eventType)) continue
        for (const name of graphFeatureNames) {
          assert.equal(row.values[name], expected[name], `${row.eventType} ${row.eventId} ${name}`)
          if (expected[name] !== 0) nonZero.add(name)
        }
      }
      assert.equal(rows, recorded.size)
      assert.ok(rows > 1_000, `${rows} events backfilled`)
      for (const name of ['usersPerDevice', 'riskUsers2h30d', 'riskNodes2h30d', 'componentNodes', 'ringUsers', 'propagatedRisk']) assert.ok(nonZero.has(name), `${name} is never above 0`)
    } finally {
      await records.close()
    }
  })

  test('the catalogue lists the graph measures; current values and dry runs include them; a dry run changes no graph', async () => {
    let nowMs = start + days * dayMs + 3_600_000
    const engine = await openEngine(config(), { clock: { nowMs: () => nowMs } })
    const { app } = await buildServer(engine)
    try {
      const items = (await app.inject({ url: '/v1/features' })).json().items as { name: string; kind: string; type?: string; window?: string; description?: string; usedBy: unknown[] }[]
      const graph = items.filter((f) => f.kind === 'graph')
      // the standard measures, and the fraud-only count config/features.yaml declares besides (which no strategy here reads)
      assert.deepEqual(
        graph.map((f) => f.name),
        [...graphFeatureNames.slice(0, 4), 'fraudNodes2h30d', ...graphFeatureNames.slice(4)],
      )
      for (const f of graph) assert.ok(f.type && f.window && f.description && f.usedBy.length === (f.name === 'fraudNodes2h30d' ? 0 : decided.length), JSON.stringify(f))
      const described = (await app.inject({ url: '/v1/features/usersPerDevice' })).json()
      assert.deepEqual([described.kind, described.type, described.window, described.measure, described.entity, described.version], ['graph', 'int', 'all time', 'shared_users', 'device', 1])
      assert.deepEqual(
        (await app.inject({ url: '/v1/features/usersPerDevice/versions' })).json().items.map((v: { version: number; definition: { measure: string } }) => [v.version, v.definition.measure]),
        [[1, 'shared_users']],
      )

      // a device three people now apply with: one new, two more
      const apply = (n: number) =>
        exampleEvent('credit.application', {
          id: `evt-shared-${n}`,
          occurredAt: new Date(nowMs - 60_000 + n).toISOString(),
          data: { applicationId: `app-shared-${n}`, userId: `u-shared-${n}`, deviceId: 'dev-shared-late', phone: `1380000${String(n).padStart(4, '0')}`, idNumber: `11010119900307${String(n).padStart(4, '0')}`, ip: `198.51.100.${n}`, bankCard: `62220202001199${String(n).padStart(5, '0')}`, contacts: [], address: `后来的地址 ${n}` },
        })
      for (const n of [1, 2]) {
        const decided = await app.inject({ method: 'POST', url: '/v1/events', payload: apply(n) })
        assert.equal(decided.statusCode, 200, decided.body)
      }
      const graphBefore = engine.graph.snapshot().graph
      const dry = await app.inject({ method: 'POST', url: '/v1/features/dry-run', payload: apply(3) })
      assert.equal(dry.statusCode, 200, dry.body)
      const dryFeatures = dry.json().features as Record<string, number>
      assert.equal(dryFeatures.usersPerDevice, 2)
      assert.deepEqual(engine.graph.snapshot().graph, graphBefore, 'a dry run changes nothing in the graph')
      nowMs += 1
      const real = await app.inject({ method: 'POST', url: '/v1/events', payload: apply(3) })
      const recorded = (real.json() as Decision).features
      for (const name of graphFeatureNames) assert.equal(dryFeatures[name], recorded[name], name)

      const values = (await app.inject({ method: 'POST', url: '/v1/features/values', payload: { entityType: 'device', entityValue: 'dev-shared-late' } })).json().values as Record<string, number>
      assert.equal(values.usersPerDevice, 3)
      assert.ok(values.graphUsers2h30d! >= 3)
      const user = (await app.inject({ method: 'POST', url: '/v1/features/values', payload: { entityType: 'user', entityValue: 'u-shared-1' } })).json().values as Record<string, number>
      assert.equal(user.graphUsers2h30d, 2, 'the two others on its device')
      assert.equal(user.usersPerDevice, 0, 'no device in a question about a user')
    } finally {
      await app.close()
      await engine.close()
    }
  })
})

function shmDir() {
  const dir = mkdtempSync('/dev/shm/xiezhi-graph-offline-')
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}
