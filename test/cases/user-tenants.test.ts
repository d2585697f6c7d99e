/**
 * Workbench users belong to a tenant and act for it, as API keys do: a user
 * of acme signed in sees acme's strategies and users, not the default
 * tenant's, and what it asks for (a backtest) is acme's; an admin adds users
 * of its own tenant only. Migration 0016-user-tenants makes every user made
 * before the default tenant's, their sessions still live.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { Kysely, Migrator, SqliteDialect } from 'kysely'
import { WorkbenchUsers } from '../../src/access/workbench-users.ts'
import { buildServer } from '../../src/api/build-server.ts'
import { readConfig } from '../../src/app/config.ts'
import { type Engine, openEngine } from '../../src/app/open-engine.ts'
import { openWritableDatabase } from '../../src/store/sqlite/sqlite-decision-appender.ts'
import { sqliteMigrations } from '../../src/store/sqlite/sqlite-migrations.ts'
import { SqliteRecordStore } from '../../src/store/sqlite/sqlite-record-store.ts'
import { tempDataDir } from '../support/temp-engine.ts'

const data = tempDataDir('xiezhi-user-tenants-')
const password = 'correct horse battery'
let engine: Engine
let app: FastifyInstance

before(async () => {
  engine = await openEngine(readConfig({ XIEZHI_DATA_DIR: join(data.dir, 'engine'), LOG_LEVEL: 'silent' }))
  app = (await buildServer(engine)).app
  await engine.users.add({ username: 'bank-admin', password, roles: ['admin'] })
  await engine.users.add({ username: 'acme-admin', password, roles: ['admin'] }, 'acme')
})
after(async () => {
  await app?.close()
  await engine?.close()
  data.remove()
})

async function signIn(username: string) {
  const reply = await app.inject({ method: 'POST', url: '/v1/session', payload: { username, password } })
  assert.equal(reply.statusCode, 200, reply.body)
  const cookie = `xiezhi_session=${reply.cookies.find((c) => c.name === 'xiezhi_session')!.value}`
  return {
    signedIn: reply.json() as { user: { username: string; tenantId: string }; tenantId: string },
    get: (url: string) => app.inject({ url, headers: { cookie } }),
    post: (url: string, payload: object) => app.inject({ method: 'POST', url, headers: { cookie }, payload }),
  }
}

describe('workbench users per tenant', () => {
  test('a user acts for its own tenant: session, strategies, users and backtests are that tenant\'s', async () => {
    const acme = await signIn('acme-admin')
    assert.deepEqual([acme.signedIn.tenantId, acme.signedIn.user.tenantId], ['acme', 'acme'])
    assert.equal((await acme.get('/v1/session')).json().tenantId, 'acme')
    assert.deepEqual((await acme.get('/v1/strategies')).json().items, [], "acme has no strategies; the default tenant's config ones are not its")
    assert.equal((await acme.get('/v1/strategies/credit-application')).statusCode, 404)

    const bank = await signIn('bank-admin')
    assert.equal(bank.signedIn.tenantId, 'default')
    assert.ok((await bank.get('/v1/strategies')).json().items.some((s: { id: string }) => s.id === 'credit-application'))

    const added = await acme.post('/v1/users', { username: 'acme-analyst', password, roles: ['analyst'] })
    assert.equal(added.statusCode, 201, added.body)
    assert.equal(added.json().tenantId, 'acme', "an admin adds users of its own tenant")
    assert.deepEqual((await acme.get('/v1/users')).json().items.map((u: { username: string }) => u.username), ['acme-admin', 'acme-analyst'])
    assert.deepEqual((await bank.get('/v1/users')).json().items.map((u: { username: string }) => u.username), ['bank-admin'])
    const taken = await acme.post('/v1/users', { username: 'bank-admin', password, roles: ['analyst'] })
    assert.equal(taken.statusCode, 409, 'usernames are unique across tenants: a sign-in names no tenant')

    const analyst = await signIn('acme-analyst')
    const strategy = { id: 'applications', version: 1, eventType: 'credit.application', defaultAction: 'approve', onRuleError: 'review', models: [], flow: [{ id: 'all', type: 'ruleSet', mode: 'serial', rules: [{ id: 'every-one', when: 'true', action: 'review', reason: { code: 'ACME_REVIEWS_ALL', zh: '全部复核', en: 'Review all' } }] }] }
    const backtest = await analyst.post('/v1/backtests', { strategy, from: '2026-01-01', to: '2026-01-02' })
    assert.equal(backtest.statusCode, 202, backtest.body)
    assert.equal((await engine.store.getBacktest('acme', backtest.json().id))?.requestedBy, 'user:acme-analyst', "the backtest is acme's")
    assert.equal((await bank.get(`/v1/backtests/${backtest.json().id}`)).statusCode, 404)
  })
})

test('0016-user-tenants makes the users made before the default tenant\'s; their sessions stay live', async () => {
  const file = join(data.dir, 'records-0016.sqlite')
  const db = new Kysely<never>({ dialect: new SqliteDialect({ database: openWritableDatabase(file) }) })
  assert.equal((await new Migrator({ db, provider: { getMigrations: async () => sqliteMigrations } }).migrateTo('0015-backtest-jobs')).error, undefined)
  const at = Date.now()
  await db.insertInto('users' as never).values({ username: 'old-admin', display_name: 'Old', roles: '["admin"]', password_hash: 'x', created_at: at, disabled_at: null } as never).execute()
  await db.insertInto('user_sessions' as never).values({ token_hash: 'h'.repeat(64), username: 'old-admin', created_at: at, expires_at: at + 3_600_000, ended_at: null } as never).execute()
  await db.destroy()

  const store = await SqliteRecordStore.open(file)
  try {
    assert.deepEqual(await store.users.getUser('old-admin'), { username: 'old-admin', tenantId: 'default', displayName: 'Old', roles: ['admin'], passwordHash: 'x', createdAtMs: at, disabledAtMs: null })
    assert.equal((await store.users.getSession('h'.repeat(64)))?.username, 'old-admin')
    const users = new WorkbenchUsers({ store: store.users, clock: { nowMs: () => at }, sessionHours: 1 })
    await users.add({ username: 'new-analyst', password, roles: ['analyst'] }, 'acme')
    assert.deepEqual((await users.list('default')).map((u) => u.username), ['old-admin'])
    assert.deepEqual((await users.list('acme')).map((u) => `${u.username} ${u.tenantId}`), ['new-analyst acme'])
    assert.deepEqual((await users.list()).map((u) => u.username), ['new-analyst', 'old-admin'])
  } finally {
    await store.close()
  }
})
