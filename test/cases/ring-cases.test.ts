/**
 * Ring cases: a ring of the graph whose risk crosses the threshold opens a
 * case at the hourly recomputation, once; a grown ring updates it; closing
 * it as confirmed fraud labels the ring's users; the case shows the ring's
 * subgraph, and the graph's routes start from a case's keys or a decision.
 * Also migration 0010 on a database that holds decision cases.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely'
import type { FastifyInstance } from 'fastify'
import { buildServer } from '../../src/api/build-server.ts'
import { readConfig } from '../../src/app/config.ts'
import { type Engine, defaultTenant, openEngine } from '../../src/app/open-engine.ts'
import { ringCasePriority } from '../../src/cases/case-priority.ts'
import { defaultRingCaseOptions, RingCases } from '../../src/cases/ring-cases.ts'
import type { ReviewCase } from '../../src/cases/review-case.ts'
import { openWritableDatabase } from '../../src/store/sqlite/sqlite-decision-appender.ts'
import { sqliteMigrations } from '../../src/store/sqlite/sqlite-migrations.ts'
import { SqliteRecordStore } from '../../src/store/sqlite/sqlite-record-store.ts'
import { exampleEvent, tempDataDir } from '../support/temp-engine.ts'

const data = tempDataDir('xiezhi-ring-cases-')
const hourMs = 3_600_000
const startMs = Date.parse('2026-11-20T00:10:00Z')
const nowMs = startMs + 30 * 86_400_000
const clock = { nowMs: () => nowMs }
let engine: Engine
let app: FastifyInstance
let n = 0

/** A credit application of `user` on the ring's device and phone, at `atMs`; its decision id. */
const apply = async (user: string, atMs: number, device = 'dev-ring', phone = '13900009999') => {
  n++
  const event = exampleEvent('credit.application', {
    id: `evt-ring-${n}`,
    occurredAt: new Date(atMs).toISOString(),
    data: { applicationId: `app-ring-${n}`, userId: user, deviceId: device, phone, idNumber: `11010119900307${String(n).padStart(4, '0')}`, ip: `198.51.100.${n}`, bankCard: `62220202001122${String(n).padStart(5, '0')}`, contacts: [], address: `地址 ${n}` },
  })
  const reply = await engine.decisions.decide(defaultTenant, event)
  return { eventId: event.id, decisionId: (JSON.parse(reply.body) as { decisionId: string }).decisionId }
}
const label = async (subjectEventId: string, user: string, atMs: number) =>
  engine.decisions.decide(defaultTenant, { id: `label-${subjectEventId}`, type: 'label', occurredAt: new Date(atMs).toISOString(), data: { subjectEventId, label: 'fraud', userId: user, source: 'chargeback' } })
const ringCases = async (): Promise<ReviewCase[]> => {
  await engine.ringCases.settled()
  return (await engine.cases.list({ tenantId: defaultTenant, queue: 'graph.ring', limit: 50 })).items
}

before(async () => {
  engine = await openEngine(readConfig({ XIEZHI_DATA_DIR: data.dir, LOG_LEVEL: 'silent' }, { authDisabled: true }), { clock })
  app = (await buildServer(engine)).app
})
after(async () => {
  await app.close()
  await engine.close()
  data.remove()
})

let firstDecision = ''
let firstRingId = -1

test('a ring that crosses the risk threshold opens one case at the next recomputation', async () => {
  // four users on one device and phone, three of them labelled fraud; three others on another device and phone, unlabelled (a household: too few for a case on cohesion alone)
  const applied = []
  for (const [i, user] of ['ring-u1', 'ring-u2', 'ring-u3', 'ring-u4'].entries()) applied.push(await apply(user, startMs + i * 60_000))
  firstDecision = applied[0]!.decisionId
  for (const [i, user] of ['quiet-u1', 'quiet-u2', 'quiet-u3'].entries()) await apply(user, startMs + (5 + i) * 60_000, 'dev-quiet', '13900001111')
  for (const [i, user] of ['ring-u1', 'ring-u2', 'ring-u3'].entries()) await label(applied[i]!.eventId, user, startMs + (10 + i) * 60_000)
  assert.deepEqual(await ringCases(), [], 'no computation yet')
  // the next hour's first event has the rings computed (on the ring worker) from the graph as it stands; they apply an hour later
  await apply('ring-other', startMs + hourMs, 'dev-other', '13900002222')
  assert.deepEqual(await ringCases(), [], 'computed, not yet applied')
  await apply('ring-other', startMs + 2 * hourMs, 'dev-other', '13900002222')
  const cases = await ringCases()
  assert.equal(cases.length, 1)
  const [ringCase] = cases
  assert.equal(ringCase!.kind, 'ring')
  assert.equal(ringCase!.decisionId, null)
  assert.equal(ringCase!.entityKeys.user?.length, 4)
  assert.equal(ringCase!.entityKeys.device?.length, 1)
  assert.equal(ringCase!.ring!.riskUsers, 3)
  assert.ok(ringCase!.ring!.risk >= 0.4, `risk ${ringCase!.ring!.risk}`)
  assert.deepEqual({ risk: ringCase!.risk, priority: ringCase!.priority }, ringCasePriority(ringCase!.ring!.risk, 4))
  firstRingId = ringCase!.ring!.ringId
  assert.equal(engine.graph.rings.rings.find((r) => r.riskUsers === 3)?.id, firstRingId, 'the case names the ring by its id')
  // the next hour: the same ring, still open, is not opened again
  await apply('ring-other', startMs + 3 * hourMs, 'dev-other', '13900002222')
  assert.equal((await ringCases()).length, 1)
})

test('a grown ring updates its open case', async () => {
  await apply('ring-u5', startMs + 3 * hourMs + 60_000)
  // the hour after it joined captures it; the next applies that
  await apply('ring-other', startMs + 4 * hourMs, 'dev-other', '13900002222')
  await apply('ring-other', startMs + 5 * hourMs, 'dev-other', '13900002222')
  const [ringCase, ...others] = await ringCases()
  assert.equal(others.length, 0)
  assert.equal(ringCase!.entityKeys.user?.length, 5)
  const activities = await engine.store.cases.activities(ringCase!.id)
  assert.deepEqual(
    activities.map((a) => a.kind),
    ['opened', 'ring_grown'],
  )
  assert.equal(activities[1]!.data.joined, 1)
  assert.equal(ringCase!.ring!.ringId, firstRingId, 'the grown ring kept its id')
})

test('the case shows the ring subgraph; the graph starts from its keys, a decision, or a node', async () => {
  const [ringCase] = await ringCases()
  const view = (await app.inject({ url: `/v1/cases/${ringCase!.id}` })).json()
  assert.equal(view.decision, null)
  assert.equal(view.subgraph.nodes.filter((node: { kind: string }) => node.kind === 'user').length, 5)
  assert.ok(view.subgraph.edges.length >= 10, 'each user to the device and the phone')
  assert.ok(view.subgraph.nodes.every((node: { ring: unknown; keyPrefix: string }) => node.keyPrefix.length === 8))
  const device = ringCase!.entityKeys.device![0]!
  const byKey = await app.inject({ url: `/v1/graph/neighbourhood?kind=device&key=${device}&hops=1` })
  assert.equal(byKey.statusCode, 200)
  assert.equal(byKey.json().nodes.length, 6)
  const byDecision = (await app.inject({ url: `/v1/graph/neighbourhood?decision=${firstDecision}&hops=1` })).json()
  assert.equal(byDecision.nodes[0].kind, 'user')
  const both = await app.inject({ url: `/v1/graph/neighbourhood?kind=device&key=${device}&decision=${firstDecision}` })
  assert.equal(both.statusCode, 400)
  assert.equal((await app.inject({ url: `/v1/graph/neighbourhood?decision=nope` })).statusCode, 404)
  const deviceNode = byKey.json().center
  const detail = (await app.inject({ url: `/v1/graph/nodes/${deviceNode}` })).json()
  assert.equal(detail.node.kind, 'device')
  // five applications on the device, and the three labels about them (a label carries its subject's entities)
  assert.deepEqual(detail.decisions.map((d: { eventType: string }) => d.eventType).sort(), [...Array(5).fill('credit.application'), ...Array(3).fill('label')])
  assert.ok(detail.cases.some((c: { id: string; kind: string }) => c.id === ringCase!.id && c.kind === 'ring'))
  assert.equal((await app.inject({ url: '/v1/graph/nodes/999999' })).statusCode, 404)
  const reveal = await app.inject({ method: 'POST', url: `/v1/cases/${ringCase!.id}/reveal`, payload: { kind: 'phone' } })
  assert.equal(reveal.statusCode, 400)
})

test('closing a ring case as confirmed fraud labels its users; the closed ring is not reopened', async () => {
  const claimed = await engine.cases.claimNext(defaultTenant, 'user:alice', ['graph.ring'])
  assert.equal(claimed?.kind, 'ring')
  await assert.rejects(engine.cases.close(defaultTenant, claimed!.id, 'user:alice', { disposition: 'credit_risk' }), /disposition is invalid/)
  const labelsBefore = (await engine.store.listDecisions({ tenantId: defaultTenant, eventType: 'label', limit: 500 })).items.length
  const closed = await engine.cases.close(defaultTenant, claimed!.id, 'user:alice', { disposition: 'confirmed_fraud', notes: 'one team' })
  assert.equal(closed.status, 'closed')
  assert.equal(closed.resolution, null)
  const labels = (await engine.store.listDecisions({ tenantId: defaultTenant, eventType: 'label', limit: 500 })).items
  assert.equal(labels.length - labelsBefore, 5)
  const last = (await engine.store.cases.activities(closed.id)).at(-1)!
  assert.deepEqual([last.kind, last.data.label, last.data.labelledUsers], ['closed', 'fraud', 5])
  // every user of the ring now carries a risk label in the graph
  const device = (await app.inject({ url: `/v1/graph/neighbourhood?kind=device&key=${closed.entityKeys.device![0]}&hops=1` })).json()
  assert.ok(device.nodes.filter((node: { kind: string }) => node.kind === 'user').every((node: { labels: string[] }) => node.labels.includes('fraud')))
  // the labels, decided at the clock's time, cross the hour: the rings captured before (the same ring) apply, and its case stays closed and no other opens
  assert.ok(engine.graph.lastComputation && engine.graph.rings.computedAtMs >= startMs + 4 * hourMs, 'the rings captured at the last hour before the close applied')
  const cases = await ringCases()
  assert.deepEqual(
    cases.map((c) => c.status),
    ['closed'],
  )
})

test('migration 0010 keeps decision cases as they were', async () => {
  const file = join(data.dir, 'migration.sqlite')
  const db = new Kysely<never>({ dialect: new SqliteDialect({ database: openWritableDatabase(file) }) })
  assert.equal((await new Migrator({ db, provider: { getMigrations: async () => sqliteMigrations } }).migrateTo('0009-review-desk-counts')).error, undefined)
  const row = { id: 'case-1', tenant_id: 'default', decision_id: 'd-1', event_id: 'e-1', event_type: 'credit.application', queue: 'credit.application', risk: 'high', priority: 3001, status: 'open', created_at: 1, due_at: 2, entity_keys: '{"user":["k"]}' }
  await db.insertInto('review_cases' as never).values(row as never).execute()
  await db.insertInto('review_case_activities' as never).values({ id: 'a-1', case_id: 'case-1', kind: 'opened', actor: 'system', at: 1, data: '{}' } as never).execute()
  // a column and an index another migration may have added first are kept
  await sql`alter table review_cases add column claim_note text default 'none'`.execute(db)
  await sql`create index review_cases_note on review_cases (claim_note)`.execute(db)
  await db.destroy()
  const store = await SqliteRecordStore.open(file)
  try {
    const migrated = await store.cases.get('default', 'case-1')
    assert.deepEqual([migrated?.kind, migrated?.decisionId, migrated?.ring, migrated?.entityKeys], ['decision', 'd-1', null, { user: ['k'] }])
    assert.equal((await store.cases.activities('case-1')).length, 1)
    assert.equal((await store.cases.counts('default', 3)).breached, 1)
    const check = new Kysely<never>({ dialect: new SqliteDialect({ database: openWritableDatabase(file) }) })
    assert.deepEqual((await sql<{ claim_note: string }>`select claim_note from review_cases`.execute(check)).rows, [{ claim_note: 'none' }])
    const indexes = (await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'review_cases' and sql is not null order by name`.execute(check)).rows.map((r) => r.name)
    assert.deepEqual(indexes, ['review_cases_assignee_callback', 'review_cases_counts', 'review_cases_kind', 'review_cases_note', 'review_cases_queue'])
    await check.destroy()
  } finally {
    await store.close()
  }
})

test('a ring matched to a closed case opens a new one only when a new team joined it', async () => {
  const store = await SqliteRecordStore.open(':memory:')
  try {
    const rings = new RingCases({ store: store.cases, clock, options: defaultRingCaseOptions, onError: (error) => assert.fail(error) })
    const sighting = (users: string[], risk = 0.5, ringId = 1) => ({
      summary: { ringId, computedAt: new Date(nowMs).toISOString(), users: users.length, nodes: users.length + 1, riskUsers: 2, newUsers: 0, risk, cohesion: 1, growth: 0 },
      members: { user: users, device: ['dev'] },
    })
    assert.deepEqual(await rings.apply(defaultTenant, [sighting(['a', 'b', 'c'], 0.39)]), { opened: 0, grown: 0, linked: 0, unchanged: 0 }, 'below the threshold')
    assert.deepEqual(await rings.apply(defaultTenant, [sighting(['a', 'b', 'c'])]), { opened: 1, grown: 0, linked: 0, unchanged: 0 })
    const [opened] = await store.cases.ringCases(defaultTenant, 0)
    await store.cases.update(defaultTenant, opened!.id, { status: 'open', assignee: null }, { status: 'closed', closedAtMs: nowMs, disposition: 'confirmed_fraud' }, { id: 'close', caseId: opened!.id, kind: 'closed', actor: 'user:alice', atMs: nowMs, data: {} })
    // two newcomers: still the closed case's ring
    assert.deepEqual(await rings.apply(defaultTenant, [sighting(['a', 'b', 'c', 'd', 'e'])]), { opened: 0, grown: 0, linked: 0, unchanged: 1 })
    // three: a new team joined, a new case
    assert.deepEqual(await rings.apply(defaultTenant, [sighting(['a', 'b', 'c', 'd', 'e', 'f'])]), { opened: 1, grown: 0, linked: 0, unchanged: 0 })
    // another ring (another id) sharing fewer than half of any case's users is another ring
    assert.deepEqual(await rings.apply(defaultTenant, [sighting(['a', 'x', 'y', 'z', 'w', 'v', 'u'], 0.5, 2)]), { opened: 1, grown: 0, linked: 0, unchanged: 0 })
    assert.equal((await store.cases.ringCases(defaultTenant, 0)).length, 3)
  } finally {
    await store.close()
  }
})

test('a ring that goes on under its id keeps its case however its users turn over; a case that knew another id is linked, not doubled', async () => {
  const store = await SqliteRecordStore.open(':memory:')
  try {
    const rings = new RingCases({ store: store.cases, clock, options: defaultRingCaseOptions, onError: (error) => assert.fail(error) })
    const sighting = (ringId: number, users: string[], risk = 0.5) => ({
      summary: { ringId, computedAt: new Date(nowMs).toISOString(), users: users.length, nodes: users.length + 1, riskUsers: 2, newUsers: 0, risk, cohesion: 1, growth: 0 },
      members: { user: users, device: ['dev'] },
    })
    assert.deepEqual(await rings.apply(defaultTenant, [sighting(7, ['a', 'b', 'c', 'd'])]), { opened: 1, grown: 0, linked: 0, unchanged: 0 })
    // hour by hour the old members leave the window and others join: by users alone, the fourth hour (a, b, c, d all gone) would be another ring
    const hours = [['b', 'c', 'd', 'e'], ['c', 'd', 'e', 'f'], ['d', 'e', 'f', 'g'], ['e', 'f', 'g', 'h']]
    for (const users of hours) assert.deepEqual(await rings.apply(defaultTenant, [sighting(7, users)]), { opened: 0, grown: 1, linked: 0, unchanged: 0 }, users.join())
    assert.deepEqual(await rings.apply(defaultTenant, [sighting(7, ['e', 'f', 'g', 'h'])]), { opened: 0, grown: 0, linked: 0, unchanged: 1 }, 'the same ring again')
    const [only, ...others] = await store.cases.ringCases(defaultTenant, 0)
    assert.equal(others.length, 0, 'one case for the ring')
    assert.deepEqual(only!.entityKeys.user, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'])
    // a case that knew the ring under another id (one opened before ids lasted): found by its users, and from then on by id
    assert.deepEqual(await rings.apply(defaultTenant, [sighting(9, ['e', 'f', 'g', 'h'])]), { opened: 0, grown: 0, linked: 1, unchanged: 0 })
    assert.equal((await store.cases.get(defaultTenant, only!.id))?.ring?.ringId, 9)
    assert.deepEqual((await store.cases.activities(only!.id)).map((a) => a.kind).at(-1), 'ring_linked')
    // an id shared by no user of the case (an id from before ids lasted) does not name the case
    assert.deepEqual(await rings.apply(defaultTenant, [sighting(9, ['p', 'q', 'r'])]), { opened: 1, grown: 0, linked: 0, unchanged: 0 })
    // two rings in one computation, the riskier one first: the case that saw ring 9 with most of its users grows, the other case is ring 10's by its users
    assert.deepEqual(await rings.apply(defaultTenant, [sighting(9, ['e', 'f', 'g', 'h', 'i']), sighting(10, ['p', 'q', 'r'], 0.9)]), { opened: 0, grown: 1, linked: 1, unchanged: 0 })
    const cases = await store.cases.ringCases(defaultTenant, 0)
    assert.deepEqual(cases.map((c) => [c.ring?.ringId, c.entityKeys.user?.length]).sort(), [[10, 3], [9, 9]])
  } finally {
    await store.close()
  }
})

test('the ring-case thresholds are read from the environment, and a bad one is refused by name', () => {
  assert.deepEqual([readConfig({}).ringCaseMinRisk, readConfig({}).ringCaseMinCohesion], [0.4, 0.5])
  assert.equal(readConfig({ XIEZHI_RING_CASE_MIN_RISK: '0.25' }).ringCaseMinRisk, 0.25)
  assert.equal(readConfig({ XIEZHI_RING_CASE_MIN_COHESION: '0.8' }).ringCaseMinCohesion, 0.8)
  for (const name of ['XIEZHI_RING_CASE_MIN_RISK', 'XIEZHI_RING_CASE_MIN_COHESION']) {
    for (const bad of ['0', '1.5', 'high']) {
      assert.throws(
        () => readConfig({ [name]: bad }),
        (error: { issues?: { pointer: string }[] }) => error.issues?.[0]?.pointer === `/env/${name}`,
      )
    }
  }
})

test('an unlabelled ring opens a case on cohesion alone once it has more users than a household', async () => {
  const store = await SqliteRecordStore.open(':memory:')
  try {
    const rings = new RingCases({ store: store.cases, clock, options: defaultRingCaseOptions, onError: (error) => assert.fail(error) })
    const sighting = (users: string[], cohesion: number) => ({
      summary: { ringId: 0, computedAt: new Date(nowMs).toISOString(), users: users.length, nodes: users.length + 2, riskUsers: 0, newUsers: 0, risk: 0.02, cohesion, growth: 0 },
      members: { user: users, device: ['dev'] },
    })
    assert.deepEqual(await rings.apply(defaultTenant, [sighting(['h1', 'h2', 'h3'], 1)]), { opened: 0, grown: 0, linked: 0, unchanged: 0 }, 'three users on one phone: a household')
    assert.deepEqual(await rings.apply(defaultTenant, [sighting(['s1', 's2', 's3', 's4'], 0.25)]), { opened: 0, grown: 0, linked: 0, unchanged: 0 }, 'four users who share little')
    assert.deepEqual(await rings.apply(defaultTenant, [sighting(['t1', 't2', 't3', 't4'], 0.75)]), { opened: 1, grown: 0, linked: 0, unchanged: 0 })
    const [opened] = await store.cases.ringCases(defaultTenant, 0)
    assert.deepEqual({ risk: opened!.risk, priority: opened!.priority }, ringCasePriority(0.02, 4), 'its priority follows its low risk: labelled rings come first')
  } finally {
    await store.close()
  }
})
