import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildServer } from '../../src/api/build-server.ts'
import { readConfig } from '../../src/app/config.ts'
import { type Engine, openEngine } from '../../src/app/open-engine.ts'
import { exampleEvent, tempDataDir } from '../support/temp-engine.ts'

const data = tempDataDir()
let engine: Engine
let app: FastifyInstance
let auth: { authorization: string }

before(async () => {
  engine = await openEngine(readConfig({ XIEZHI_DATA_DIR: data.dir, LOG_LEVEL: 'silent' }))
  app = (await buildServer(engine)).app
  auth = { authorization: `Bearer ${(await engine.apiKeys.create('test', 'default')).key}` }
})
after(async () => {
  await app.close()
  await engine.close()
  data.remove()
})

const post = (body: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/v1/events', headers: { ...auth, 'content-type': 'application/json', ...headers }, payload: typeof body === 'string' ? body : JSON.stringify(body) })
const recent = (type: string, id: string, data: Record<string, unknown> = {}) =>
  exampleEvent(type, { id, occurredAt: new Date(Date.now() - 60_000).toISOString(), data })

describe('POST /v1/events', () => {
  test('returns the decision with reasons, scores, features and the strategy version', async () => {
    const response = await post(recent('loan.drawdown', 'api-1'))
    assert.equal(response.statusCode, 200)
    const decision = response.json()
    assert.equal(decision.eventId, 'api-1')
    assert.equal(decision.action, 'review')
    assert.deepEqual(decision.strategy, { id: 'loan-drawdown', version: 2 })
    assert.ok(decision.reasons.some((r: { code: string }) => r.code === 'SCREEN_SHARING_ACTIVE'))
    assert.equal(typeof decision.scores.scam, 'number')
    // the features the drawdown strategy reads, and only those
    assert.deepEqual(Object.keys(decision.features).sort(), [
      'distinctBankCardsPerUser30d',
      'distinctDevicesPerUser7d',
      'distinctUsersPerBankCard30d',
      'drawdownAmountSumMinorPerUser24h',
      'drawdownsPerUser24h',
      'drawdownsPerUser7d',
    ])
    assert.equal(typeof decision.latencyMs, 'number')
  })

  test('a credit application that is approved carries a limit and a price', async () => {
    const decision = (await post(recent('credit.application', 'api-2'))).json()
    assert.equal(decision.action, 'approve')
    assert.deepEqual(Object.keys(decision.offer), ['limitMinor', 'aprBps'])
  })

  test('a replay says so in a header and returns the same bytes', async () => {
    const event = recent('login', 'api-3')
    const first = await post(event)
    const again = await post(event)
    assert.equal(again.headers['idempotent-replay'], 'true')
    assert.equal(again.body, first.body)
    const conflict = await post({ ...event, data: { ...event.data, success: false } })
    assert.equal(conflict.statusCode, 409)
  })

  // one row per kind of bad request: status and problem type
  const problems: { name: string; send: () => ReturnType<typeof post>; status: number; type: string; pointer: string }[] = [
    { name: 'malformed JSON', send: () => post('{"id": '), status: 400, type: 'invalid-input', pointer: '' },
    { name: 'empty body', send: () => post(''), status: 400, type: 'invalid-input', pointer: '' },
    { name: 'oversized body', send: () => post({ ...recent('complaint', 'big'), data: { text: 'x'.repeat(70_000) } }), status: 413, type: 'payload-too-large', pointer: '' },
    { name: 'not JSON', send: () => post('id=1', { 'content-type': 'application/x-www-form-urlencoded' }), status: 415, type: 'unsupported-media-type', pointer: '' },
    { name: 'unknown type', send: () => post({ ...recent('login', 'u1'), type: 'loan.teleport' }), status: 422, type: 'unknown-event-type', pointer: '/type' },
    { name: 'wrong field type', send: () => post(recent('login', 'w1', { success: 'yes' })), status: 400, type: 'invalid-input', pointer: '/data/success' },
    { name: 'no API key', send: () => post(recent('login', 'k1'), { authorization: '' }), status: 401, type: 'unauthorized', pointer: '' },
    { name: 'revoked-looking key', send: () => post(recent('login', 'k2'), { authorization: 'Bearer xz_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }), status: 401, type: 'unauthorized', pointer: '' },
  ]
  for (const row of problems) {
    test(`${row.name} → ${row.status} problem+json`, async () => {
      const response = await row.send()
      assert.equal(response.statusCode, row.status)
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/)
      const problem = response.json()
      assert.equal(problem.status, row.status)
      assert.equal(problem.type, `https://xiezhi.dev/problems/${row.type}`)
      if (row.status !== 401) assert.equal(problem.errors[0].pointer, row.pointer)
    })
  }
})

describe('reading decisions', () => {
  test('get one, list by entity with a cursor, and explain', async () => {
    const ids = []
    for (let i = 0; i < 5; i++) ids.push((await post(recent('login', `list-${i}`, { deviceId: 'dev-list' }))).json().decisionId)
    const one = await app.inject({ url: `/v1/decisions/${ids[0]}`, headers: auth })
    assert.equal(one.json().decisionId, ids[0])
    const page1 = (await app.inject({ url: '/v1/decisions?entityType=device&entityValue=dev-list&limit=3', headers: auth })).json()
    const page2 = (await app.inject({ url: `/v1/decisions?entityType=device&entityValue=dev-list&limit=3&cursor=${page1.nextCursor}`, headers: auth })).json()
    assert.deepEqual([...page1.items, ...page2.items].map((d: { decisionId: string }) => d.decisionId), [...ids].reverse())
    const explanation = (await app.inject({ url: `/v1/decisions/${ids[4]}/explanation`, headers: auth })).json()
    assert.equal(explanation.reproduced, true)
    const missing = await app.inject({ url: '/v1/decisions/nope', headers: auth })
    assert.equal(missing.statusCode, 404)
    const half = await app.inject({ url: '/v1/decisions?entityType=device', headers: auth })
    assert.equal(half.statusCode, 400)
    assert.equal(half.json().errors[0].pointer, '/query/entityValue')
    const badLimit = await app.inject({ url: '/v1/decisions?limit=0', headers: auth })
    assert.equal(badLimit.statusCode, 400)
  })
})

describe('tenant event types over the API', () => {
  test('register a type, then send an event of it', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/v1/event-types',
      headers: auth,
      payload: { type: 'merchant.payout', schema: { type: 'object', required: ['amountMinor'], properties: { amountMinor: { type: 'integer' }, deviceId: { type: 'string' } } }, entities: { device: '/deviceId' } },
    })
    assert.equal(created.statusCode, 201)
    const decided = await post({ id: 'payout-1', type: 'merchant.payout', occurredAt: new Date().toISOString(), data: { amountMinor: 5, deviceId: 'd' } })
    assert.equal(decided.statusCode, 200)
    assert.equal(decided.json().reasons[0].code, 'NO_STRATEGY')
    const list = (await app.inject({ url: '/v1/event-types', headers: auth })).json()
    assert.ok(list.items.some((t: { type: string }) => t.type === 'merchant.payout'))
  })
})

describe('operations', () => {
  test('health, readiness, metrics, OpenAPI and the reference page', async () => {
    assert.equal((await app.inject('/healthz')).statusCode, 200)
    assert.equal((await app.inject('/readyz')).json().status, 'ready')
    const metrics = (await app.inject('/metrics')).body
    assert.match(metrics, /xiezhi_decision_latency_seconds_bucket/)
    assert.match(metrics, /xiezhi_decisions_total\{event_type="login",action="approve"\}/)
    assert.match(metrics, /xiezhi_decision_reasons_total\{code="SCREEN_SHARING_ACTIVE"\}/)
    const openapi = (await app.inject('/openapi.json')).json()
    assert.equal(openapi.openapi, '3.1.0')
    assert.ok(openapi.paths['/v1/events'].post)
    assert.ok(openapi.paths['/v1/decisions/{id}'].get)
    const docs = await app.inject('/docs/')
    assert.equal(docs.statusCode, 200)
    assert.match(docs.body, /<html/i)
  })
})

describe('the feature catalogue', () => {
  const get = (url: string) => app.inject({ method: 'GET', url, headers: auth })

  test('lists and describes features with the strategies that read them', async () => {
    const list = (await get('/v1/features')).json() as { items: { name: string; usedBy: { strategy: string }[] }[] }
    assert.ok(list.items.length >= 40)
    const described = (await get('/v1/features/distinctUsersPerBankCard30d')).json()
    assert.equal(described.kind, 'distinct_count')
    assert.equal(described.entity, 'bank_card')
    assert.deepEqual(described.usedBy, [{ strategy: 'loan-drawdown', version: 2 }])
    assert.equal(described.version, 1)
    const versions = (await get('/v1/features/distinctUsersPerBankCard30d/versions')).json()
    assert.deepEqual(versions.items.map((v: { version: number; definition: { window: string } }) => [v.version, v.definition.window]), [[1, '30d']])
    assert.equal((await get('/v1/features/noSuchFeature')).statusCode, 404)
  })

  test("a dry run computes an event's features without recording it; values show what is kept per entity", async () => {
    const card = 'card-dry-run-1'
    const drawdown = (id: string) => recent('loan.drawdown', id, { bankCard: card, userId: `u-${id}` })
    await post(drawdown('fr-1'))
    const dry = () => app.inject({ method: 'POST', url: '/v1/features/dry-run', headers: { ...auth, 'content-type': 'application/json' }, payload: JSON.stringify(drawdown('fr-2')) })
    const first = (await dry()).json()
    assert.equal(first.features.drawdownsPerBankCard24h, 1)
    assert.deepEqual((await dry()).json(), first, 'a dry run changes nothing')
    assert.equal((await get(`/v1/decisions?entityType=bank_card&entityValue=${card}`)).json().items.length, 1, 'nothing was recorded')
    const valuesOf = (body: Record<string, string>) => app.inject({ method: 'POST', url: '/v1/features/values', headers: { ...auth, 'content-type': 'application/json' }, payload: JSON.stringify(body) })
    const values = (await valuesOf({ entityType: 'bank_card', entityValue: card })).json()
    assert.equal(values.values.drawdownsPerBankCard24h, 1)
    const invalid = await app.inject({ method: 'POST', url: '/v1/features/dry-run', headers: { ...auth, 'content-type': 'application/json' }, payload: JSON.stringify({ ...drawdown('fr-3'), data: { amountMinor: 1.5 } }) })
    assert.equal(invalid.statusCode, 400)
    assert.equal((await valuesOf({ entityType: 'planet', entityValue: 'x' })).statusCode, 400)
    const noPair = await valuesOf({ entityType: 'bank_card', entityValue: card, pairedType: 'device', pairedValue: 'd1' })
    assert.deepEqual([noPair.statusCode, noPair.json().errors[0].pointer, noPair.json().errors[0].code], [400, '/body/pairedType', 'unknown_pair'])
    const inTheUrl = await get(`/v1/features/values?entityType=bank_card&entityValue=${card}`)
    assert.equal(inTheUrl.statusCode, 404, 'no clear value in a URL')
  })
})
