/**
 * The registry over HTTP, through the real server stack (in process, with
 * authentication on and two API keys): upload, read, promote, the author's
 * own approval refused, another key's approval, rollback; and with
 * authentication off, where everyone is `anonymous`, no approval at all.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildServer } from '../../src/api/build-server.ts'
import { readConfig } from '../../src/app/config.ts'
import { type Engine, openEngine } from '../../src/app/open-engine.ts'
import { trainGbdtSync } from '../../src/models/gbdt/gbdt-trainer.ts'
import { modelToJson } from '../../src/models/gbdt/model-json.ts'
import { fixtureText } from './import-fixtures.ts'
import { xor } from './synthetic-data.ts'
import { tempDataDir } from '../support/temp-engine.ts'

const data = tempDataDir()
const open = tempDataDir()
let engine: Engine
let app: FastifyInstance
let openEngineNoAuth: Engine
let openApp: FastifyInstance
const keys: Record<'author' | 'approver', { headers: { authorization: string }; actor: string }> = {} as never

before(async () => {
  engine = await openEngine(readConfig({ XIEZHI_DATA_DIR: data.dir, LOG_LEVEL: 'silent' }))
  app = (await buildServer(engine)).app
  for (const who of ['author', 'approver'] as const) {
    const created = await engine.apiKeys.create(who, 'default')
    keys[who] = { headers: { authorization: `Bearer ${created.key}` }, actor: `key:${created.id}` }
  }
  openEngineNoAuth = await openEngine(readConfig({ XIEZHI_DATA_DIR: open.dir, LOG_LEVEL: 'silent' }, { authDisabled: true }))
  openApp = (await buildServer(openEngineNoAuth)).app
})
after(async () => {
  await app.close()
  await engine.close()
  await openApp.close()
  await openEngineNoAuth.close()
  data.remove()
  open.remove()
})

const call = (as: 'author' | 'approver', method: 'GET' | 'POST', url: string, body?: unknown, server = () => app) =>
  server().inject({
    method,
    url,
    headers: { ...keys[as].headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  })
const gbdt = (seed: number) => modelToJson(trainGbdtSync(xor(300, seed), { rounds: 5, maxDepth: 2, seed }).model)

describe('model registry over HTTP', () => {
  test('upload, read, promote, approve by another key, rollback', async () => {
    const first = await call('author', 'POST', '/v1/models/fraud-app/versions', { model: gbdt(1), metadata: { label: 'fraud', metrics: { validation: { auc: 0.81 } } } })
    assert.equal(first.statusCode, 201, first.body)
    assert.deepEqual([first.json().version, first.json().kind, first.json().createdBy], [1, 'gbdt', keys.author.actor])
    const same = await call('approver', 'POST', '/v1/models/fraud-app/versions', { model: JSON.stringify(gbdt(1)) })
    assert.deepEqual([same.statusCode, same.json().version], [200, 1], 'the same artifact is the same version')
    const lightgbm = await call('author', 'POST', '/v1/models/fraud-app/versions', { model: fixtureText('lightgbm/binary_classification.model.txt'), kind: 'imported-lightgbm' })
    assert.deepEqual([lightgbm.statusCode, lightgbm.json().version, lightgbm.json().kind], [201, 2, 'imported-lightgbm'])

    const read = await call('approver', 'GET', '/v1/models/fraud-app/versions/1')
    assert.equal(read.statusCode, 200, read.body)
    assert.deepEqual(read.json().artifact, JSON.parse(JSON.stringify(gbdt(1))))
    assert.equal(read.json().metadata.metrics.validation.auc, 0.81)

    const asked = await call('author', 'POST', '/v1/models/fraud-app/promotions', { alias: 'champion', version: 1, note: 'first' })
    assert.equal(asked.statusCode, 201, asked.body)
    const own = await call('author', 'POST', `/v1/models/fraud-app/promotions/${asked.json().id}/approve`)
    assert.equal(own.statusCode, 409, own.body)
    assert.match(String(own.headers['content-type']), /^application\/problem\+json/)
    assert.deepEqual(own.json().errors, [{ pointer: '/params/promotionId', code: 'same_actor', message: `requested by ${keys.author.actor}; another user or API key must approve it` }])
    const approved = await call('approver', 'POST', `/v1/models/fraud-app/promotions/${asked.json().id}/approve`)
    assert.equal(approved.statusCode, 200, approved.body)
    assert.deepEqual([approved.json().promotion.approvedBy, approved.json().move.toVersion], [keys.approver.actor, 1])

    const second = await call('approver', 'POST', '/v1/models/fraud-app/promotions', { alias: 'champion', version: 2 })
    assert.equal((await call('author', 'POST', `/v1/models/fraud-app/promotions/${second.json().id}/approve`)).statusCode, 200)
    const rolled = await call('author', 'POST', '/v1/models/fraud-app/aliases/champion/rollback', { note: 'alerts' })
    assert.equal(rolled.statusCode, 200, rolled.body)
    assert.deepEqual([rolled.json().fromVersion, rolled.json().toVersion, rolled.json().movedBy], [2, 1, keys.author.actor])
    const again = await call('author', 'POST', '/v1/models/fraud-app/aliases/champion/rollback')
    assert.deepEqual([again.statusCode, again.json().errors[0].pointer, again.json().errors[0].code], [409, '/params/alias', 'nothing_to_roll_back'])

    const detail = (await call('author', 'GET', '/v1/models/fraud-app')).json()
    assert.deepEqual(detail.aliases.map((a: { alias: string; version: number }) => [a.alias, a.version]), [['champion', 1]])
    assert.deepEqual(detail.history.map((m: { kind: string; toVersion: number }) => [m.kind, m.toVersion]), [['promotion', 1], ['promotion', 2], ['rollback', 1]])
    const list = (await call('author', 'GET', '/v1/models')).json()
    assert.deepEqual(list.items.map((m: { name: string; versions: number; aliases: object }) => [m.name, m.versions, m.aliases]), [['fraud-app', 2, { champion: 1 }]])
    const openapi = (await app.inject('/openapi.json')).json()
    assert.ok(openapi.paths['/v1/models/{name}/promotions/{promotionId}/approve'])
  })

  // one row per mistake: what is sent and the problem that comes back
  const problems: [string, 'GET' | 'POST', string, unknown, number, string, string][] = [
    ['a broken model', 'POST', '/v1/models/m/versions', { model: { format: 'xiezhi-gbdt', version: 1 } }, 400, '/body/model/objective', 'invalid_model'],
    ['an unknown format', 'POST', '/v1/models/m/versions', { model: { foo: 1 } }, 400, '/body/model', 'unknown_model_format'],
    ['a kind that disagrees', 'POST', '/v1/models/m/versions', { model: fixtureText('lightgbm/small_tree.model.txt'), kind: 'gbdt' }, 400, '/body/kind', 'kind_mismatch'],
    ['an unknown kind', 'POST', '/v1/models/m/versions', { model: {}, kind: 'onnx' }, 400, '/body/kind', 'invalid_enum'],
    ['a bad name', 'GET', '/v1/models/Bad!', undefined, 400, '/params/name', 'invalid_pattern'],
    ['an unknown model', 'GET', '/v1/models/nothing', undefined, 404, '/params/name', 'unknown_model'],
    ['an unknown version', 'GET', '/v1/models/fraud-app/versions/99', undefined, 404, '/params/version', 'unknown_model_version'],
    ['a promotion of an unknown version', 'POST', '/v1/models/fraud-app/promotions', { alias: 'challenger', version: 99 }, 404, '/body/version', 'unknown_model_version'],
    ['an unknown promotion', 'POST', '/v1/models/fraud-app/promotions/nope/approve', undefined, 404, '/params/promotionId', 'unknown_promotion'],
    ['a rollback of an alias never set', 'POST', '/v1/models/fraud-app/aliases/shadow/rollback', {}, 404, '/params/alias', 'unknown_alias'],
  ]
  for (const [name, method, url, body, status, pointer, code] of problems) {
    test(`problem: ${name}`, async () => {
      const response = await call('author', method, url, body)
      assert.equal(response.statusCode, status, response.body)
      assert.ok(response.json().errors.some((e: { pointer: string; code: string }) => e.pointer === pointer && e.code === code), response.body)
    })
  }

  test('with authentication off every caller is anonymous, so no approval goes through', async () => {
    const server = () => openApp
    assert.equal((await call('author', 'POST', '/v1/models/m/versions', { model: gbdt(2) }, server)).statusCode, 201)
    const asked = await call('author', 'POST', '/v1/models/m/promotions', { alias: 'champion', version: 1 }, server)
    assert.equal(asked.json().requestedBy, 'anonymous')
    const approved = await call('approver', 'POST', `/v1/models/m/promotions/${asked.json().id}/approve`, undefined, server)
    assert.deepEqual([approved.statusCode, approved.json().errors[0].code], [409, 'same_actor'])
  })
})
