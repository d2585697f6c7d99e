/**
 * A ring case's members as the investigator meets them over HTTP: the rings
 * list links a ring to its case; the neighbourhood filters by edge type; a
 * reviewer excludes a member before closing the case as confirmed fraud,
 * and that user gets no label; a node's ring cases are found through the
 * members' table (migration 0014), also on a database from the version
 * before. Bad input is refused naming the field.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely'
import { buildServer } from '../../src/api/build-server.ts'
import { readConfig } from '../../src/app/config.ts'
import { type Engine, defaultTenant, openEngine } from '../../src/app/open-engine.ts'
import type { ReviewCase } from '../../src/cases/review-case.ts'
import { openWritableDatabase } from '../../src/store/sqlite/sqlite-decision-appender.ts'
import { sqliteMigrations } from '../../src/store/sqlite/sqlite-migrations.ts'
import { SqliteRecordStore } from '../../src/store/sqlite/sqlite-record-store.ts'
import { exampleEvent, tempDataDir } from '../support/temp-engine.ts'

const data = tempDataDir('xiezhi-ring-members-')
const hourMs = 3_600_000
const startMs = Date.parse('2026-11-20T00:10:00Z')
const nowMs = startMs + 30 * 86_400_000
const clock = { nowMs: () => nowMs }
const sharedPhone = '13900009999'
let engine: Engine
let app: FastifyInstance
let n = 0

const apply = async (user: string, atMs: number, device = 'dev-ring', phone = sharedPhone) => {
  n++
  const event = exampleEvent('credit.application', {
    id: `evt-member-${n}`,
    occurredAt: new Date(atMs).toISOString(),
    data: { applicationId: `app-member-${n}`, userId: user, deviceId: device, phone, idNumber: `11010119900307${String(n).padStart(4, '0')}`, ip: `198.51.100.${n}`, bankCard: `62220202001122${String(n).padStart(5, '0')}`, contacts: [], address: `地址 ${n}` },
  })
  await engine.decisions.decide(defaultTenant, event)
  return event.id
}
const ringCases = async (): Promise<ReviewCase[]> => {
  await engine.ringCases.settled()
  return (await engine.cases.list({ tenantId: defaultTenant, queue: 'graph.ring', limit: 50 })).items
}

before(async () => {
  engine = await openEngine(readConfig({ XIEZHI_DATA_DIR: data.dir, LOG_LEVEL: 'silent' }, { authDisabled: true }), { clock })
  app = (await buildServer(engine)).app
  const applied = []
  for (const [i, user] of ['ring-u1', 'ring-u2', 'ring-u3', 'ring-u4', 'ring-u5'].entries()) applied.push(await apply(user, startMs + i * 60_000))
  for (const [i, user] of ['quiet-u1', 'quiet-u2', 'quiet-u3'].entries()) await apply(user, startMs + (6 + i) * 60_000, 'dev-quiet', '13900001111')
  for (let i = 0; i < 3; i++)
    await engine.decisions.decide(defaultTenant, { id: `label-${applied[i]}`, type: 'label', occurredAt: new Date(startMs + (10 + i) * 60_000).toISOString(), data: { subjectEventId: applied[i], label: 'fraud', userId: `ring-u${i + 1}`, source: 'chargeback' } })
  // the next hour captures the rings (on the ring worker); the hour after applies them
  await apply('ring-other', startMs + hourMs, 'dev-other', '13900002222')
  await apply('ring-other', startMs + 2 * hourMs, 'dev-other', '13900002222')
  assert.equal((await ringCases()).length, 1)
})
after(async () => {
  await app.close()
  await engine.close()
  data.remove()
})

test('GET /v1/graph/rings: the ring with its figures, members by kind, labelled users and its case; no value, no key', async () => {
  const [ringCase] = await ringCases()
  const reply = await app.inject({ url: '/v1/graph/rings' })
  assert.equal(reply.statusCode, 200)
  const body = reply.json()
  // the ring, and the three quiet users on one device and phone: cohesive, unlabelled, listed below it
  assert.equal(body.total, 2, JSON.stringify(body))
  const [ring, quiet] = body.items
  assert.deepEqual([quiet.users, quiet.riskUsers, quiet.case], [3, 0, null])
  assert.deepEqual([ring.users, ring.members.user, ring.members.device, ring.members.phone, ring.labelledUsers.fraud], [5, 5, 1, 1, 3])
  assert.deepEqual(ring.case, { id: ringCase!.id, status: 'open', disposition: null, risk: ringCase!.risk })
  assert.ok(Number.isInteger(ring.focusNode))
  assert.ok(!reply.body.includes(sharedPhone) && !reply.body.includes('ring-u1'), 'no value')
  for (const keys of Object.values(ringCase!.entityKeys)) for (const key of keys) assert.ok(!reply.body.includes(key), 'no blind index')
  // the focus node opens the ring: its neighbourhood holds the five users
  const around = (await app.inject({ url: `/v1/graph/neighbourhood?node=${ring.focusNode}&hops=1` })).json()
  assert.equal(around.nodes.filter((node: { kind: string }) => node.kind === 'user').length, 5)
  // filters and paging
  assert.equal((await app.inject({ url: '/v1/graph/rings?minUsers=6' })).json().total, 0)
  assert.equal((await app.inject({ url: '/v1/graph/rings?minRisk=0.99&cohesive=false' })).json().total, 0)
  assert.equal((await app.inject({ url: '/v1/graph/rings?minRisk=0.5&cohesive=false' })).json().total, 1)
  const second = (await app.inject({ url: '/v1/graph/rings?offset=1&limit=1' })).json()
  assert.deepEqual([second.total, second.items.length, second.items[0].id], [2, 1, quiet.id])
  assert.deepEqual((await app.inject({ url: '/v1/graph/rings?sort=users&order=asc' })).json().items.map((r: { users: number }) => r.users), [3, 5])
})

test('bad rings and neighbourhood queries are refused naming the field', async () => {
  const rings = await app.inject({ url: '/v1/graph/rings?sort=size&limit=0' })
  assert.equal(rings.statusCode, 400)
  const pointers = (rings.json().errors as { pointer: string }[]).map((i) => i.pointer)
  assert.ok(pointers.some((p) => p.startsWith('/query/sort') || p.startsWith('/query/limit')), JSON.stringify(rings.json()))
  const edgeType = await app.inject({ url: '/v1/graph/neighbourhood?node=0&edgeTypes=user-device&edgeTypes=user-car' })
  assert.equal(edgeType.statusCode, 400, edgeType.body)
  assert.deepEqual(
    (edgeType.json().errors as { pointer: string; code: string }[]).map((i) => [i.pointer, i.code]),
    [['/query/edgeTypes/1', 'unknown_edge_type']],
  )
})

test('the neighbourhood over HTTP follows only the edge types asked for', async () => {
  const [ringCase] = await ringCases()
  const device = ringCase!.entityKeys.device![0]!
  const all = (await app.inject({ url: `/v1/graph/neighbourhood?kind=device&key=${device}&hops=2` })).json()
  const byPhone = (await app.inject({ url: `/v1/graph/neighbourhood?kind=device&key=${device}&hops=2&edgeTypes=user-device` })).json()
  assert.ok(all.edges.some((e: { type: string }) => e.type === 'user-phone'))
  assert.deepEqual([...new Set(byPhone.edges.map((e: { type: string }) => e.type))], ['user-device'])
  assert.equal(byPhone.nodes.length, 6, 'the device and its five users')
})

test('a reviewer excludes a member, saying why; closing as confirmed fraud labels the others only', async () => {
  const [ringCase] = await ringCases()
  const users = ringCase!.entityKeys.user!
  const innocent = users[users.length - 1]!
  const exclude = (payload: Record<string, string>, caseId = ringCase!.id) => app.inject({ method: 'POST', url: `/v1/cases/${caseId}/members/exclude`, payload })
  // not held yet
  assert.equal((await exclude({ kind: 'user', key: innocent, reason: 'the family phone' })).statusCode, 409)
  const claimed = await engine.cases.claimNext(defaultTenant, 'anonymous', ['graph.ring'])
  assert.equal(claimed?.id, ringCase!.id)
  const bad = await exclude({ kind: 'device', key: 'nope', reason: ' ' })
  assert.equal(bad.statusCode, 400, bad.body)
  assert.deepEqual((bad.json().errors as { pointer: string }[]).map((i) => i.pointer).sort(), ['/body/kind', '/body/reason'])
  const notMember = await exclude({ kind: 'user', key: 'AAAAAAAAAAAAAAAAAAAAAA', reason: 'x' })
  assert.deepEqual([notMember.statusCode, notMember.json().errors[0].pointer, notMember.json().errors[0].code], [400, '/body/key', 'not_a_member'])
  const done = await exclude({ kind: 'user', key: innocent, reason: 'the family phone: his mother' })
  assert.equal(done.statusCode, 200, done.body)
  assert.deepEqual(
    done.json().excluded.map((e: { entityKey: string; by: string; reason: string }) => [e.entityKey, e.by, e.reason]),
    [[innocent, 'anonymous', 'the family phone: his mother']],
  )
  assert.equal((await exclude({ kind: 'user', key: innocent, reason: 'again' })).json().errors[0].code, 'excluded_already')
  const view = (await app.inject({ url: `/v1/cases/${ringCase!.id}` })).json()
  assert.equal(view.excluded.length, 1)
  const history = view.activities.at(-1)
  assert.deepEqual([history.kind, history.actor, history.data.keyPrefix, history.data.reason], ['member_excluded', 'anonymous', innocent.slice(0, 8), 'the family phone: his mother'])

  // an exclusion made by mistake is undone, saying why; both steps stay in the history
  const readmit = (payload: Record<string, string>) => app.inject({ method: 'POST', url: `/v1/cases/${ringCase!.id}/members/readmit`, payload })
  const other = users[0]!
  assert.equal((await readmit({ kind: 'user', key: other, reason: 'not excluded' })).json().errors[0].code, 'not_excluded')
  assert.equal((await exclude({ kind: 'user', key: other, reason: 'wrong row' })).statusCode, 200)
  const noReason = await readmit({ kind: 'user', key: other, reason: '' })
  assert.deepEqual([noReason.statusCode, noReason.json().errors[0].pointer], [400, '/body/reason'])
  const readmitted = await readmit({ kind: 'user', key: other, reason: 'I picked the wrong row' })
  assert.equal(readmitted.statusCode, 200, readmitted.body)
  assert.deepEqual(
    readmitted.json().excluded.map((e: { entityKey: string }) => e.entityKey),
    [innocent],
  )
  const steps = (await app.inject({ url: `/v1/cases/${ringCase!.id}` })).json().activities.slice(-2)
  assert.deepEqual(
    steps.map((a: { kind: string; data: { keyPrefix: string; reason: string } }) => [a.kind, a.data.keyPrefix, a.data.reason]),
    [
      ['member_excluded', other.slice(0, 8), 'wrong row'],
      ['member_readmitted', other.slice(0, 8), 'I picked the wrong row'],
    ],
  )

  const labelsBefore = (await engine.store.listDecisions({ tenantId: defaultTenant, eventType: 'label', limit: 500 })).items.length
  const closed = await engine.cases.close(defaultTenant, ringCase!.id, 'anonymous', { disposition: 'confirmed_fraud' })
  const labels = (await engine.store.listDecisions({ tenantId: defaultTenant, eventType: 'label', limit: 500 })).items
  assert.equal(labels.length - labelsBefore, 4, 'four of five users labelled')
  const last = (await engine.store.cases.activities(closed.id)).at(-1)!
  assert.deepEqual([last.data.labelledUsers, last.data.excludedUsers], [4, 1])
  const innocentNode = (await app.inject({ url: `/v1/graph/neighbourhood?kind=user&key=${innocent}&hops=1` })).json().nodes[0]
  assert.deepEqual(innocentNode.labels, [])
  // the rings list now links the ring to its closed case
  const ring = (await app.inject({ url: '/v1/graph/rings' })).json().items[0]
  assert.deepEqual([ring.case.id, ring.case.status, ring.case.disposition], [ringCase!.id, 'closed', 'confirmed_fraud'])
  // a node's ring cases, through the members' table
  const detail = (await app.inject({ url: `/v1/graph/nodes/${innocentNode.id}` })).json()
  assert.ok(detail.cases.some((c: { id: string }) => c.id === ringCase!.id))
})

test('migration 0014 gives the ring cases of the version before their members', async () => {
  const file = join(data.dir, 'members-migration.sqlite')
  const db = new Kysely<never>({ dialect: new SqliteDialect({ database: openWritableDatabase(file) }) })
  assert.equal((await new Migrator({ db, provider: { getMigrations: async () => sqliteMigrations } }).migrateTo('0013-strategy-tenants')).error, undefined)
  const ring = { ringId: 1, computedAt: '2026-11-20T01:00:00.000Z', users: 3, nodes: 4, riskUsers: 2, newUsers: 0, risk: 0.5, cohesion: 1, growth: 0 }
  const base = { tenant_id: 'default', kind: 'ring', queue: 'graph.ring', risk: 'high', priority: 3001, status: 'open', created_at: 1, due_at: 2, ring: JSON.stringify(ring) }
  await db.insertInto('review_cases' as never).values({ ...base, id: 'ring-1', entity_keys: '{"user":["u_1","u_2","u%3"],"device":["d_1"]}' } as never).execute()
  await db.insertInto('review_cases' as never).values({ ...base, id: 'ring-2', entity_keys: '{"user":["u_2x"]}' } as never).execute()
  await db.insertInto('review_cases' as never).values({ ...base, id: 'case-1', kind: 'decision', decision_id: 'd-1', event_id: 'e-1', event_type: 'credit.application', ring: null, entity_keys: '{"user":["u_1"]}' } as never).execute()
  await db.destroy()
  const store = await SqliteRecordStore.open(file)
  try {
    // `_` and `%` are keys' own characters, not wildcards: u_1 is in ring-1 only, u_2 not in ring-2
    assert.deepEqual((await store.cases.casesOfEntity('default', 'u_1', [], 10)).map((c) => c.id), ['ring-1'])
    assert.deepEqual((await store.cases.casesOfEntity('default', 'u_2', [], 10)).map((c) => c.id), ['ring-1'])
    assert.deepEqual((await store.cases.casesOfEntity('default', 'u%3', ['d-1'], 10)).map((c) => c.id).sort(), ['case-1', 'ring-1'])
    assert.deepEqual((await store.cases.casesOfEntity('default', 'd_1', [], 10)).map((c) => c.id), ['ring-1'])
    assert.deepEqual((await store.cases.ringCasesWithMembers('default', ['u_2x', 'u_1'])).map((c) => c.id), ['ring-1', 'ring-2'])
    const check = new Kysely<never>({ dialect: new SqliteDialect({ database: openWritableDatabase(file) }) })
    assert.equal((await sql<{ n: number }>`select count(*) as n from ring_case_members`.execute(check)).rows[0]!.n, 5)
    await check.destroy()
  } finally {
    await store.close()
  }
})
