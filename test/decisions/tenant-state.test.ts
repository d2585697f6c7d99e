/**
 * Each tenant's feature state and graph are its own: the same device
 * presented to two institutions counts each one's customers only, in the
 * feature values, the graph's measures, explore and rings, ring cases,
 * after a restart (from the snapshots, or from the log), and in a backfill.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildServer } from '../../src/api/build-server.ts'
import { backfillWithGraph, graphedLogHistory } from '../../src/app/backfill-with-graph.ts'
import { readConfig } from '../../src/app/config.ts'
import { featureSnapshotFile } from '../../src/app/feature-snapshot-file.ts'
import { graphSnapshotFile } from '../../src/app/graph-snapshot-file.ts'
import { type Engine, defaultTenant, openEngine } from '../../src/app/open-engine.ts'
import { listsOfTenant } from '../../src/app/tenant-states.ts'
import { backtestRequest } from '../../src/backtest/backtest-request.ts'
import { runBacktest } from '../../src/backtest/run-backtest.ts'
import { compileStrategy } from '../../src/strategy/compile-strategy.ts'
import { exampleEvent, tempDataDir } from '../support/temp-engine.ts'

const data = tempDataDir('xiezhi-tenant-state-')
const hourMs = 3_600_000
const startMs = Date.parse('2026-11-20T00:10:00Z')
const nowMs = startMs + 3 * hourMs
const clock = { nowMs: () => nowMs }
const config = () => readConfig({ XIEZHI_DATA_DIR: data.dir, LOG_LEVEL: 'silent' })
type Who = 'bank' | 'acme' | 'zeta'
const tenantOf: Record<Who, string> = { bank: defaultTenant, acme: 'acme', zeta: 'zeta' }
const keys = {} as Record<Who, string>
let engine: Engine
let app: FastifyInstance
let n = 0

/** A credit application of `user` (on the shared device and phone unless told) for `who`'s tenant; its event id. */
const apply = async (who: Who, user: string, atMs: number, device = 'dev-shared', phone = '13900009999') => {
  n++
  const event = exampleEvent('credit.application', {
    id: `evt-tenant-${n}`,
    occurredAt: new Date(atMs).toISOString(),
    data: { applicationId: `app-tenant-${n}`, userId: user, deviceId: device, phone, idNumber: `11010119900307${String(n).padStart(4, '0')}`, ip: `198.51.100.${n}`, bankCard: `62220202001122${String(n).padStart(5, '0')}`, contacts: [], address: `地址 ${n}` },
  })
  await engine.decisions.decide(tenantOf[who], event)
  return event.id
}
const label = (who: Who, subjectEventId: string, user: string, atMs: number) =>
  engine.decisions.decide(tenantOf[who], { id: `label-${subjectEventId}`, type: 'label', occurredAt: new Date(atMs).toISOString(), data: { subjectEventId, label: 'fraud', userId: user, source: 'chargeback' } })
const get = async (who: Who, url: string) => {
  const reply = await app.inject({ url, headers: { authorization: `Bearer ${keys[who]}` } })
  assert.equal(reply.statusCode, 200, reply.body)
  return reply.json()
}
const values = async (who: Who, device = 'dev-shared') => {
  const reply = await app.inject({ method: 'POST', url: '/v1/features/values', headers: { authorization: `Bearer ${keys[who]}` }, payload: { entityType: 'device', entityValue: device } })
  assert.equal(reply.statusCode, 200, reply.body)
  return reply.json().values as Record<string, number>
}
const ringCases = async (who: Who) => {
  await engine.ringCases.settled()
  return (await engine.cases.list({ tenantId: tenantOf[who], queue: 'graph.ring', limit: 50 })).items
}
const start = async () => {
  engine = await openEngine(config(), { clock })
  app = (await buildServer(engine)).app
}
const stop = async () => {
  await app.close()
  await engine.close()
}

before(async () => {
  await start()
  for (const who of Object.keys(tenantOf) as Who[]) keys[who] = (await engine.apiKeys.create(who, tenantOf[who])).key
})
after(async () => {
  await stop()
  data.remove()
})

test("one tenant's events never move another tenant's feature values or graph measures", async () => {
  // acme: four users on the device and phone, three of them labelled fraud, and three others on another device and phone, unlabelled (a household: no case);
  // the bank: one user on the same device and phone
  const applied = []
  for (const [i, user] of ['ring-u1', 'ring-u2', 'ring-u3', 'ring-u4'].entries()) applied.push(await apply('acme', user, startMs + i * 60_000))
  for (const [i, user] of ['quiet-u1', 'quiet-u2', 'quiet-u3'].entries()) await apply('acme', user, startMs + (5 + i) * 60_000, 'dev-quiet', '13900001111')
  for (const [i, user] of ['ring-u1', 'ring-u2', 'ring-u3'].entries()) await label('acme', applied[i]!, user, startMs + (10 + i) * 60_000)
  await apply('bank', 'bank-u1', startMs + 20 * 60_000)
  const bank = await values('bank')
  const acme = await values('acme')
  const zeta = await values('zeta')
  assert.deepEqual([bank.applicationsPerDevice24h, acme.applicationsPerDevice24h, zeta.applicationsPerDevice24h], [1, 4, 0])
  assert.deepEqual([bank.distinctUsersPerDevice24h, acme.distinctUsersPerDevice24h, zeta.distinctUsersPerDevice24h], [1, 4, 0])
  assert.deepEqual([bank.usersPerDevice, acme.usersPerDevice, zeta.usersPerDevice], [1, 4, 0])
  assert.equal(bank.riskUsers2h30d, 0, "acme's fraud labels are not the bank's")
  assert.ok(acme.riskUsers2h30d! >= 1)
  // a read makes no state: zeta has none until its first event
  assert.deepEqual(engine.tenants.all().map((s) => s.tenantId).sort(), ['acme', 'default'])
  assert.equal(engine.tenants.find('zeta'), undefined)
})

test("explore, nodes and rings answer from the caller's tenant's graph", async () => {
  const lookUp = (who: Who) =>
    app.inject({ method: 'POST', url: '/v1/graph/neighbourhood', headers: { authorization: `Bearer ${keys[who]}` }, payload: { kind: 'device', value: 'dev-shared', hops: 1 } })
  const neighbourhood = async (who: Who) => {
    const reply = await lookUp(who)
    assert.equal(reply.statusCode, 200, reply.body)
    return reply.json()
  }
  const usersOf = (result: { nodes: { kind: string }[] }) => result.nodes.filter((node) => node.kind === 'user').length
  assert.equal(usersOf(await neighbourhood('bank')), 1)
  assert.equal(usersOf(await neighbourhood('acme')), 4)
  const zeta = await lookUp('zeta')
  assert.notEqual(zeta.statusCode, 200, 'zeta has no graph node for the device')
  // node ids are the tenant's own: the bank's graph has only its own nodes
  const bankNodes = engine.tenants.of(defaultTenant).graph.graph.nodes.count
  const beyond = await app.inject({ url: `/v1/graph/nodes/${bankNodes}`, headers: { authorization: `Bearer ${keys.bank}` } })
  assert.equal(beyond.statusCode, 404)
  assert.ok(engine.tenants.of('acme').graph.graph.nodes.count > bankNodes)
})

test('ring cases land in the tenant whose graph holds the ring', async () => {
  // the next hours' events have the rings computed, then applied, in each tenant's graph
  for (const hour of [1, 2]) {
    await apply('acme', 'acme-other', startMs + hour * hourMs, 'dev-other-acme', '13900002222')
    await apply('bank', 'bank-other', startMs + hour * hourMs + 60_000, 'dev-other-bank', '13900003333')
  }
  const acme = await ringCases('acme')
  assert.equal(acme.length, 1)
  assert.equal(acme[0]!.entityKeys.user?.length, 4)
  assert.deepEqual(await ringCases('bank'), [], "the bank's one user on the device is no ring")
  const acmeRings = (await get('acme', '/v1/graph/rings?minUsers=2')).items as { users: number; riskUsers: number; case: { id: string } | null }[]
  assert.deepEqual(acmeRings.filter((ring) => ring.case).map((ring) => [ring.users, ring.riskUsers, ring.case!.id]), [[4, 3, acme[0]!.id]])
  assert.equal((await get('bank', '/v1/graph/rings?minUsers=2')).items.length, 0)
})

test('a restart keeps the tenants apart, from the snapshots or from the log', async () => {
  const before = { bank: await values('bank'), acme: await values('acme') }
  await stop()
  await start()
  assert.deepEqual([engine.rebuilt.snapshot, engine.rebuilt.events, engine.rebuilt.tenants], ['restored', 0, 2])
  assert.deepEqual([engine.graphRebuilt.snapshot, engine.graphRebuilt.events, engine.graphRebuilt.tenants], ['restored', 0, 2])
  assert.deepEqual({ bank: await values('bank'), acme: await values('acme') }, before)
  await stop()
  rmSync(featureSnapshotFile(data.dir))
  rmSync(graphSnapshotFile(data.dir))
  await start()
  assert.deepEqual([engine.rebuilt.snapshot, engine.graphRebuilt.snapshot, engine.graphRebuilt.tenants], ['no snapshot yet', 'no snapshot yet', 2])
  assert.equal(engine.graphRebuilt.events, n + 3, 'every decision of the log, each into its tenant')
  assert.deepEqual({ bank: await values('bank'), acme: await values('acme') }, before)
  assert.equal((await ringCases('acme')).length, 1, 'the ring case is matched again, not doubled')
  assert.deepEqual(await ringCases('bank'), [])
})

test("a backfill from the log replays the tenant's events only", async () => {
  const definitions = engine.catalogue.features
  const lists = listsOfTenant(engine.lists, defaultTenant)
  const rows = []
  for await (const row of backfillWithGraph(definitions, graphedLogHistory(engine.store, engine.vault, startMs - 86_400_000, defaultTenant), { fromMs: startMs, toMs: nowMs }, { lists })) rows.push(row)
  assert.equal(rows.length, 3, "the bank's three events")
  const first = rows.find((row) => row.eventId === 'evt-tenant-8')!
  // the bank's first application on the shared device: acme's four earlier ones are not before it
  assert.deepEqual([first.values.applicationsPerDevice24h, first.values.usersPerDevice], [0, 0])
})

test("a backtest replays the tenant's events only, through its own windows and graph", async () => {
  const draft = compileStrategy(
    {
      id: 'shared-device-draft',
      version: 1,
      eventType: 'credit.application',
      defaultAction: 'approve',
      onRuleError: 'review',
      ruleSets: [
        {
          id: 'shared',
          mode: 'parallel',
          rules: [{ id: 'shared-device', when: 'features.usersPerDevice >= 2 || features.applicationsPerDevice24h >= 2', action: 'reject', reason: { code: 'SHARED_DEVICE', zh: '设备被多人共用', en: 'Device shared' } }],
        },
      ],
    },
    engine.catalogue,
  )
  const request = backtestRequest({ from: new Date(startMs).toISOString(), to: new Date(nowMs).toISOString() }, nowMs)
  for (const readAhead of [false, true]) {
    const backtest = (tenantId: string) => runBacktest({ store: engine.store, vault: engine.vault, definitions: engine.catalogue.features, lists: engine.lists, tenantId }, draft, request, { readAhead })
    const bank = await backtest(defaultTenant)
    assert.deepEqual([bank.events.decided, bank.actions.draft.reject.events], [3, 0], "acme's users on the device are not the bank's")
    const acme = await backtest('acme')
    // the third and fourth applications on acme's ring device, the third on its household's
    assert.deepEqual([acme.events.decided, acme.actions.draft.reject.events], [9, 3])
  }
})

test("no route or command reads the default tenant's state for a caller's request", () => {
  // engine.features and engine.graph are the default tenant's (tests, one-tenant tools): a request reads engine.tenants.read(tenantId)
  const src = new URL('../../src/', import.meta.url).pathname
  const offenders: string[] = []
  for (const dir of ['api', 'api/routes', 'cli', 'cases', 'backtest']) {
    for (const file of readdirSync(join(src, dir)).filter((name) => name.endsWith('.ts'))) {
      const lines = readFileSync(join(src, dir, file), 'utf8').split('\n')
      lines.forEach((line, i) => {
        if (/\bengine\.(features|graph)\b/.test(line)) offenders.push(`src/${dir}/${file}:${i + 1}`)
      })
    }
  }
  assert.deepEqual(offenders, [])
})
