/**
 * The strategy lifecycle over HTTP, through the real server stack (in
 * process, authentication on, two API keys): drafts compiled with pointers
 * into the body, a submission citing its backtest, the author's own approval
 * refused and another key's accepted, the approver's view, deployments,
 * rollback (each served by the engine at once), diff, YAML export, the
 * schema; and with authentication off, where everyone is `anonymous`, no
 * approval at all.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { Kysely, Migrator, SqliteDialect } from 'kysely'
import { parse as parseYaml } from 'yaml'
import { buildServer } from '../../src/api/build-server.ts'
import { readConfig } from '../../src/app/config.ts'
import { type Engine, openEngine } from '../../src/app/open-engine.ts'
import { openWritableDatabase } from '../../src/store/sqlite/sqlite-decision-appender.ts'
import { sqliteMigrations } from '../../src/store/sqlite/sqlite-migrations.ts'
import { SqliteRecordStore } from '../../src/store/sqlite/sqlite-record-store.ts'
import { tempDataDir } from '../support/temp-engine.ts'
import { applicationDraft, recordBacktest } from './lifecycle-fixtures.ts'

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

const call = (as: 'author' | 'approver', method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, server = () => app) =>
  server().inject({
    method,
    url,
    headers: { ...keys[as].headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  })
/** Its own decision point, so that the shipped credit-application strategy, live or not, is not in the way. */
const draft = (options: Parameters<typeof applicationDraft>[0] = {}) => applicationDraft({ product: 'lifecycle-test', ...options })
const base = '/v1/strategies/applications'

describe('strategy lifecycle over HTTP', () => {
  test('draft, submit with a backtest, the author cannot approve, another key can; the approver sees the diff and the backtest', async () => {
    const broken = draft()
    ;(broken.flow as { rules?: { when: string }[] }[])[0]!.rules![0]!.when = 'features.applicationsPerDevice1h >= "three"'
    const refused = await call('author', 'POST', `${base}/drafts`, { document: broken })
    assert.equal(refused.statusCode, 400, refused.body)
    assert.deepEqual(refused.json().errors.map((e: { pointer: string; code: string }) => `${e.pointer} ${e.code}`), ['/body/document/flow/0/rules/0/when cel_type_error'])

    const created = await call('author', 'POST', `${base}/drafts`, { document: draft() })
    assert.equal(created.statusCode, 201, created.body)
    assert.deepEqual([created.json().version, created.json().state, created.json().authors], [1, 'draft', [keys.author.actor]])
    const replaced = await call('author', 'PUT', `${base}/versions/1`, { document: { ...draft({ device: 4 }), version: 1 } })
    assert.equal(replaced.statusCode, 200, replaced.body)
    const { hash } = replaced.json()

    await recordBacktest(engine.store, 'bt-stale', { strategyId: 'applications', version: 1, hash: created.json().hash })
    await recordBacktest(engine.store, 'bt-fresh', { strategyId: 'applications', version: 1, hash })
    const stale = await call('author', 'POST', `${base}/versions/1/submit`, { backtestId: 'bt-stale' })
    assert.equal(stale.statusCode, 409, stale.body)
    assert.deepEqual(stale.json().errors.map((e: { pointer: string; code: string }) => `${e.pointer} ${e.code}`), ['/body/backtestId backtest_mismatch'])
    const submitted = await call('author', 'POST', `${base}/versions/1/submit`, { backtestId: 'bt-fresh', note: 'device rule at 4' })
    assert.equal(submitted.statusCode, 200, submitted.body)
    assert.deepEqual([submitted.json().state, submitted.json().submittedBy, submitted.json().backtestId], ['submitted', keys.author.actor, 'bt-fresh'])

    const view = await call('approver', 'GET', `${base}/versions/1`)
    assert.equal(view.statusCode, 200, view.body)
    assert.equal(view.json().document.flow[0].rules[0].when, 'features.applicationsPerDevice1h >= 4')
    assert.deepEqual([view.json().review.against, view.json().review.backtest.id, view.json().review.backtest.figures.decided], [null, 'bt-fresh', 1200])

    const own = await call('author', 'POST', `${base}/versions/1/approve`)
    assert.equal(own.statusCode, 409, own.body)
    assert.deepEqual(own.json().errors, [{ pointer: '/params/version', code: 'same_actor', message: `written by ${keys.author.actor}, submitted by ${keys.author.actor}; another user or API key must approve it` }])
    const approved = await call('approver', 'POST', `${base}/versions/1/approve`, { note: 'backtest reviewed' })
    assert.equal(approved.statusCode, 200, approved.body)
    assert.deepEqual([approved.json().version.state, approved.json().version.approvedBy, approved.json().deployment.champion], ['live', keys.approver.actor, 1])
    assert.equal(engine.strategies.for('default', 'credit.application', { product: 'lifecycle-test' })?.champion.version, 1, 'the engine serves it from the next decision')

    // the next version: what its approver sees is the change from the live champion
    const second = await call('author', 'POST', `${base}/drafts`, { document: draft({ device: 5, extraRow: true }) })
    assert.equal(second.json().version, 2)
    assert.equal((await call('author', 'POST', `${base}/versions/2/submit`)).statusCode, 200)
    const review = (await call('approver', 'GET', `${base}/versions/2`)).json().review
    assert.equal(review.against, 1)
    assert.deepEqual(review.diff.lines.slice(0, 3), [
      '~ /version: 1 → 2',
      '~ /flow/hard-rules/rules/device-burst/when: "features.applicationsPerDevice1h >= 4" → "features.applicationsPerDevice1h >= 5"',
      '+ /flow/velocity/rows/ip-burst/id: "ip-burst"',
    ])
    const approvedWithout = await call('approver', 'POST', `${base}/versions/2/approve`, { deploy: false })
    assert.deepEqual([approvedWithout.statusCode, approvedWithout.json().version.state, approvedWithout.json().deployment], [200, 'approved', null])
  })

  test('deployments, rollback, the listing, diff, YAML export and the schema', async () => {
    const deployed = await call('author', 'POST', `${base}/deployments`, { champion: 1, challengers: [{ version: 2, share: 10 }], note: 'a tenth on 2' })
    assert.equal(deployed.statusCode, 201, deployed.body)
    assert.deepEqual([deployed.json().kind, deployed.json().challengers, deployed.json().movedBy], ['publish', [{ version: 2, share: 10 }], keys.author.actor])
    assert.deepEqual(engine.strategies.liveOf('default', 'applications')?.challengers.map((c) => c.strategy.version), [2])
    const tooMuch = await call('author', 'POST', `${base}/deployments`, { champion: 1, challengers: [{ version: 2, share: 99.99 }], shadows: [2] })
    assert.equal(tooMuch.statusCode, 400, tooMuch.body)
    assert.deepEqual(tooMuch.json().errors.map((e: { pointer: string; code: string }) => `${e.pointer} ${e.code}`), ['/body/shadows/0 duplicate'])

    const listed = (await call('approver', 'GET', '/v1/strategies')).json().items.find((s: { id: string }) => s.id === 'applications')
    assert.deepEqual([listed.eventType, listed.product, listed.live.champion, listed.live.challengers, listed.versions.live], ['credit.application', 'lifecycle-test', 1, [{ version: 2, share: 10 }], [1, 2]])

    const back = await call('approver', 'POST', `${base}/rollback`, { note: 'too many reviews' })
    assert.equal(back.statusCode, 201, back.body)
    assert.deepEqual([back.json().kind, back.json().champion, back.json().challengers, back.json().note], ['rollback', 1, [], 'too many reviews'])
    assert.deepEqual(engine.strategies.liveOf('default', 'applications')?.challengers, [])
    const nothing = await call('approver', 'POST', `${base}/rollback`)
    assert.equal(nothing.statusCode, 409, nothing.body)
    assert.equal(nothing.json().errors[0].code, 'nothing_to_roll_back')
    const detail = (await call('approver', 'GET', base)).json()
    assert.deepEqual([detail.live.kind, detail.rollbackTo, detail.deployments.length], ['rollback', null, 3])
    assert.deepEqual(detail.versions.map((v: { version: number; state: string }) => `${v.version} ${v.state}`), ['1 live', '2 retired'])

    const diff = await call('approver', 'GET', `${base}/diff?from=1&to=2`)
    assert.equal(diff.statusCode, 200, diff.body)
    assert.deepEqual([diff.json().from, diff.json().to, diff.json().lines.length], [1, 2, 8])
    const missing = await call('approver', 'GET', `${base}/diff?from=1&to=9`)
    assert.deepEqual([missing.statusCode, missing.json().errors[0].pointer], [404, '/query/to'])

    const yaml = await call('approver', 'GET', `${base}/versions/2?format=yaml`)
    assert.equal(yaml.statusCode, 200, yaml.body)
    assert.match(String(yaml.headers['content-type']), /^application\/yaml/)
    assert.match(yaml.body, /^# applications version 2 \(retired, approved by key:/)
    assert.match(yaml.body, /\nid: applications\nversion: 2\neventType: credit.application\nproduct: lifecycle-test\n/)
    const json = (await call('approver', 'GET', `${base}/versions/2`)).json()
    assert.deepEqual(parseYaml(yaml.body), json.document, 'the export reads back as the document')

    const schema = await call('author', 'GET', '/v1/strategies/schema')
    assert.equal(schema.statusCode, 200, schema.body)
    assert.equal(schema.json().$id, 'https://xiezhi.dev/schemas/strategy.schema.json')
    assert.equal((await call('author', 'GET', '/openapi.json')).statusCode, 200, 'the routes make a valid OpenAPI document')
  })

  test("a submission rejected by an approver with a comment, another withdrawn by its author; neither approved after; a strategy's backtests listed", async () => {
    const password = 'a long enough password'
    await engine.users.add({ username: 'rita', password, roles: ['reviewer'] })
    await engine.users.add({ username: 'paul', password, roles: ['approver'] })
    await engine.users.add({ username: 'anna', password, roles: ['analyst'] })
    const session = async (username: string) => {
      const reply = await app.inject({ method: 'POST', url: '/v1/session', payload: { username, password } })
      assert.equal(reply.statusCode, 200, reply.body)
      return `xiezhi_session=${reply.cookies.find((c) => c.name === 'xiezhi_session')!.value}`
    }
    const as = (cookie: string, url: string, body?: unknown) =>
      app.inject({ method: 'POST', url, headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) })
    const [rita, paul, anna] = [await session('rita'), await session('paul'), await session('anna')]
    const reviews = '/v1/strategies/reviews'
    const codes = (reply: { json(): { errors: { pointer: string; code: string }[] } }) => reply.json().errors.map((e) => `${e.pointer} ${e.code}`)
    // a signed-in user does only what their role may: a reviewer writes no draft, an analyst approves and deploys nothing
    const reviewerDraft = await as(rita, `${reviews}/drafts`, { document: draft({ product: 'reviews-test' }) })
    assert.deepEqual([reviewerDraft.statusCode, codes(reviewerDraft)], [403, [' role_required']])
    for (const [url, body] of [[`${base}/versions/1/approve`, undefined], [`${base}/deployments`, { champion: 1 }], [`${base}/rollback`, undefined]] as const) {
      const refused = await as(anna, url, body)
      assert.deepEqual([refused.statusCode, codes(refused)], [403, [' role_required']], url)
    }
    for (const v of [1, 2]) {
      assert.equal((await call('author', 'POST', `${reviews}/drafts`, { document: draft({ product: 'reviews-test' }) })).statusCode, 201)
      assert.equal((await call('author', 'POST', `${reviews}/versions/${v}/submit`)).statusCode, 200)
    }

    const reviewer = await as(rita, `${reviews}/versions/1/reject`, { note: 'no' })
    assert.deepEqual([reviewer.statusCode, codes(reviewer)], [403, [' role_required']])
    const silent = await as(paul, `${reviews}/versions/1/reject`)
    assert.deepEqual([silent.statusCode, codes(silent)], [400, ['/body/note required']])
    const own = await call('author', 'POST', `${reviews}/versions/1/reject`, { note: 'changed my mind' })
    assert.deepEqual([own.statusCode, codes(own)], [409, ['/params/version same_actor']])
    const rejected = await as(paul, `${reviews}/versions/1/reject`, { note: 'the backtest doubles the reviews' })
    assert.equal(rejected.statusCode, 200, rejected.body)
    assert.deepEqual([rejected.json().state, rejected.json().rejectedBy, rejected.json().rejectNote], ['rejected', 'user:paul', 'the backtest doubles the reviews'])
    const late = await call('approver', 'POST', `${reviews}/versions/1/approve`)
    assert.deepEqual([late.statusCode, codes(late)], [409, ['/params/version already_rejected']])
    assert.match(late.json().errors[0].message, /^it is rejected \(by user:paul at .*: the backtest doubles the reviews\); write a new draft from it$/)

    const stranger = await call('approver', 'POST', `${reviews}/versions/2/withdraw`)
    assert.deepEqual([stranger.statusCode, codes(stranger)], [403, ['/params/version not_an_author']])
    const withdrawn = await call('author', 'POST', `${reviews}/versions/2/withdraw`, { note: 'wrong threshold' })
    assert.equal(withdrawn.statusCode, 200, withdrawn.body)
    assert.deepEqual([withdrawn.json().state, withdrawn.json().withdrawnBy, withdrawn.json().withdrawNote], ['withdrawn', keys.author.actor, 'wrong threshold'])
    for (const [action, body] of [['approve', undefined], ['reject', { note: 'too late' }], ['submit', undefined]] as const) {
      const refused = await call('approver', 'POST', `${reviews}/versions/2/${action}`, body)
      assert.deepEqual([refused.statusCode, codes(refused)], [409, [`/params/version ${action === 'submit' ? 'not_a_draft' : 'already_withdrawn'}`]], action)
    }
    const detail = (await call('approver', 'GET', reviews)).json()
    assert.deepEqual(detail.versions.map((v: { version: number; state: string }) => `${v.version} ${v.state}`), ['1 rejected', '2 withdrawn'])

    await recordBacktest(engine.store, 'bt-reviews-1', { strategyId: 'reviews', version: 1, hash: 'a'.repeat(64) })
    await recordBacktest(engine.store, 'bt-reviews-2', { strategyId: 'reviews', version: 2, hash: 'b'.repeat(64) }, 'failed')
    const listed = await call('approver', 'GET', '/v1/backtests?strategyId=reviews')
    assert.equal(listed.statusCode, 200, listed.body)
    assert.deepEqual(
      listed.json().items.map((b: { id: string; status: string; strategy: { version: number }; report?: unknown }) => `${b.id} v${b.strategy.version} ${b.status} ${b.report === undefined ? 'no report' : 'report'}`),
      ['bt-reviews-2 v2 failed no report', 'bt-reviews-1 v1 done no report'],
    )
    assert.equal((await call('approver', 'GET', '/v1/backtests?strategyId=Not%20an%20id')).statusCode, 400)
  })

  test("a key with an owner acts as that user: one person's two keys are one approver, the user's roles apply, a disabled owner's key stops", async () => {
    const ownedData = tempDataDir()
    const owned = await openEngine(readConfig({ XIEZHI_DATA_DIR: ownedData.dir, LOG_LEVEL: 'silent' }))
    const server = (await buildServer(owned)).app
    try {
      await owned.users.add({ username: 'alice', password: 'alice-password', roles: ['analyst', 'approver'] })
      await owned.users.add({ username: 'bob', password: 'bob-password!', roles: ['approver'] })
      await owned.users.add({ username: 'carol', password: 'carol-password', roles: ['reviewer'] })
      const keyOf = async (owner: string | null) => `Bearer ${(await owned.apiKeys.create(`${owner ?? 'service'} key`, 'default', owner)).key}`
      const [alice1, alice2, bob, carol] = [await keyOf('alice'), await keyOf('alice'), await keyOf('bob'), await keyOf('carol')]
      const as = (authorization: string, method: 'POST' | 'GET', url: string, body?: unknown) =>
        server.inject({ method, url, headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) })
      const created = await as(alice1, 'POST', `${base}/drafts`, { document: draft() })
      assert.deepEqual([created.statusCode, created.json().authors], [201, ['user:alice']], created.body)
      assert.equal((await as(alice1, 'POST', `${base}/versions/1/submit`, {})).statusCode, 200)
      const ownSecondKey = await as(alice2, 'POST', `${base}/versions/1/approve`)
      assert.deepEqual([ownSecondKey.statusCode, ownSecondKey.json().errors[0].code], [409, 'same_actor'], "alice's other key is still alice")
      const reviewerKey = await as(carol, 'POST', `${base}/versions/1/approve`)
      assert.deepEqual([reviewerKey.statusCode, reviewerKey.json().errors[0].code], [403, 'role_required'], "carol's key has carol's roles")
      const approved = await as(bob, 'POST', `${base}/versions/1/approve`)
      assert.deepEqual([approved.statusCode, approved.json().version.approvedBy], [200, 'user:bob'], approved.body)
      await owned.users.disable('carol')
      const stopped = await as(carol, 'GET', '/v1/strategies')
      assert.equal(stopped.statusCode, 401)
      assert.match(stopped.json().detail ?? stopped.json().title, /carol is disabled/)
    } finally {
      await server.close()
      await owned.close()
      ownedData.remove()
    }
  })

  test('with authentication off everyone is anonymous: no approval gets through', async () => {
    const anon = (method: 'POST' | 'GET', url: string, body?: unknown) => call('author', method, url, body, () => openApp)
    assert.equal((await anon('POST', `${base}/drafts`, { document: draft() })).statusCode, 201)
    assert.equal((await anon('POST', `${base}/versions/1/submit`, {})).statusCode, 200)
    const refused = await anon('POST', `${base}/versions/1/approve`)
    assert.equal(refused.statusCode, 409, refused.body)
    assert.equal(refused.json().errors[0].code, 'same_actor')
    assert.match(refused.json().errors[0].message, /every caller is anonymous/)
    const unknown = await anon('POST', `${base}/versions/1/approve`, { deploy: true, extra: 1 })
    assert.deepEqual([unknown.statusCode, unknown.json().errors[0].pointer], [400, '/body/extra'])
  })
})

test('0017-api-key-owners keeps the keys made before as their own actors', async () => {
  const migrated = tempDataDir()
  const file = join(migrated.dir, 'records-0017.sqlite')
  const db = new Kysely<never>({ dialect: new SqliteDialect({ database: openWritableDatabase(file) }) })
  assert.equal((await new Migrator({ db, provider: { getMigrations: async () => sqliteMigrations } }).migrateTo('0016-user-tenants')).error, undefined)
  await db.insertInto('api_keys' as never).values({ id: 'a1b2c3d4e5f6', tenant_id: 'default', name: 'ci', secret_hash: 'ff', created_at: 1, revoked_at: null } as never).execute()
  await db.destroy()
  const store = await SqliteRecordStore.open(file)
  try {
    assert.deepEqual(await store.findApiKey('a1b2c3d4e5f6'), { id: 'a1b2c3d4e5f6', tenantId: 'default', name: 'ci', owner: null, secretHash: 'ff', createdAtMs: 1, revokedAtMs: null })
  } finally {
    await store.close()
    migrated.remove()
  }
})
