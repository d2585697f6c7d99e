/**
 * Migration 0007-strategy-lifecycle on a database that already holds
 * strategy versions: before it, every version came from a config file, so
 * each reads as approved by `config` when it was saved; nothing is deployed.
 * Migrations 0011 and 0013-strategy-tenants on databases of the version
 * before each: nothing is lost, and after 0013 everything is the default
 * tenant's.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely'
import { openWritableDatabase } from '../../src/store/sqlite/sqlite-decision-appender.ts'
import { sqliteMigrations } from '../../src/store/sqlite/sqlite-migrations.ts'
import { SqliteRecordStore } from '../../src/store/sqlite/sqlite-record-store.ts'
import { StrategyLifecycle } from '../../src/strategy/lifecycle/strategy-lifecycle.ts'
import { tempDataDir } from '../support/temp-engine.ts'
import { refusal, smallCatalogue } from './lifecycle-fixtures.ts'

const data = tempDataDir('xiezhi-lifecycle-migration-')
after(() => data.remove())

test('versions recorded before the lifecycle read as approved by config; nothing is deployed', async () => {
  const file = join(data.dir, 'records.sqlite')
  const before = Object.keys(sqliteMigrations).filter((name) => name < '0007-strategy-lifecycle')
  const db = new Kysely<never>({ dialect: new SqliteDialect({ database: openWritableDatabase(file) }) })
  const migrated = await new Migrator({ db, provider: { getMigrations: async () => sqliteMigrations } }).migrateTo(before[before.length - 1]!)
  assert.equal(migrated.error, undefined)
  const savedAt = Date.parse('2026-06-01T00:00:00Z')
  const document = JSON.stringify({ eventType: 'login', id: 'login', version: 2 })
  await db.insertInto('strategy_versions' as never).values({ strategy_id: 'login', version: 2, hash: 'a'.repeat(64), document, saved_at: savedAt } as never).execute()
  await db.destroy()

  const store = await SqliteRecordStore.open(file)
  try {
    const record = await store.getStrategyVersionRecord('default', 'login', 2)
    assert.deepEqual(record, {
      tenantId: 'default', id: 'login', version: 2, state: 'approved', hash: 'a'.repeat(64), document, authors: ['config'], createdAtMs: savedAt, updatedAtMs: savedAt,
      submittedBy: null, submittedAtMs: null, submitNote: '', backtestId: null, approvedBy: 'config', approvedAtMs: savedAt, approveNote: '',
      rejectedBy: null, rejectedAtMs: null, rejectNote: '', withdrawnBy: null, withdrawnAtMs: null, withdrawNote: '',
    })
    assert.deepEqual(await store.getStrategyVersion('default', 'login', 2), { tenantId: 'default', id: 'login', version: 2, hash: 'a'.repeat(64), document, savedAtMs: savedAt })
    const lifecycle = new StrategyLifecycle({ store, clock: { nowMs: () => savedAt + 1 }, catalogue: smallCatalogue })
    const [summary] = await lifecycle.strategies('default')
    assert.deepEqual(summary, { tenantId: 'default', id: 'login', eventType: 'login', live: null, versions: { draft: [], submitted: [], approved: [2], rejected: [], withdrawn: [], live: [], retired: [] } })
    assert.deepEqual(await lifecycle.liveDeployments(), [])
  } finally {
    await store.close()
  }
})

test('0011-strategy-submission-review keeps every version and deployment, and lets a submission end rejected', async () => {
  const file = join(data.dir, 'records-0011.sqlite')
  const db = new Kysely<never>({ dialect: new SqliteDialect({ database: openWritableDatabase(file) }) })
  const migrated = await new Migrator({ db, provider: { getMigrations: async () => sqliteMigrations } }).migrateTo('0009-review-desk-counts')
  assert.equal(migrated.error, undefined)
  const at = Date.parse('2026-11-01T00:00:00Z')
  const version = (v: number, state: string) => ({
    strategy_id: 'login', version: v, hash: String(v).repeat(64), document: `{"eventType":"login","id":"login","version":${v}}`, saved_at: at, state, authors: '["alice"]', updated_at: at,
    submitted_by: state === 'draft' ? null : 'alice', submitted_at: state === 'draft' ? null : at, approved_by: state === 'approved' ? 'bob' : null, approved_at: state === 'approved' ? at : null,
  })
  await db.insertInto('strategy_versions' as never).values([version(1, 'approved'), version(2, 'submitted'), version(3, 'draft')] as never).execute()
  const deployment = { id: 'dep-1', strategy_id: 'login', champion: 1, challengers: '[]', shadows: '[]', kind: 'publish', previous_id: '', moved_by: 'bob', moved_at: at, note: '' }
  await db.insertInto('strategy_deployments' as never).values(deployment as never).execute()
  await db.destroy()

  const store = await SqliteRecordStore.open(file)
  try {
    assert.deepEqual((await store.listStrategyVersions('default', 'login')).map((v) => `${v.version} ${v.state} ${v.submittedBy} ${v.approvedBy}`), ['1 approved alice bob', '2 submitted alice null', '3 draft null null'])
    assert.deepEqual((await store.listStrategyDeployments('default', 'login')).map((d) => `${d.id} v${d.champion}`), ['dep-1 v1'])
    assert.equal(await store.endStrategySubmission('default', 'login', 2, { outcome: 'rejected', by: 'bob', atMs: at + 1, note: 'too strict' }), true)
    assert.deepEqual(await store.getStrategyVersionRecord('default', 'login', 2).then((v) => [v?.state, v?.rejectedBy, v?.rejectNote]), ['rejected', 'bob', 'too strict'])
    const orphan = { id: 'dep-x', tenantId: 'default', strategyId: 'login', champion: 9, challengers: [], shadows: [], kind: 'publish' as const, previousId: 'dep-1', movedBy: 'bob', movedAtMs: at, note: '' }
    await assert.rejects(store.addStrategyDeployment(orphan), /FOREIGN KEY/, 'the deployments still name versions that exist')
  } finally {
    await store.close()
  }
})

test('0013-strategy-tenants makes every version and deployment the default tenant\'s, as it was, and lets another tenant use the same ids', async () => {
  const file = join(data.dir, 'records-0013.sqlite')
  const db = new Kysely<never>({ dialect: new SqliteDialect({ database: openWritableDatabase(file) }) })
  const migrated = await new Migrator({ db, provider: { getMigrations: async () => sqliteMigrations } }).migrateTo('0012-case-claim-callbacks')
  assert.equal(migrated.error, undefined)
  const at = Date.parse('2026-11-20T00:00:00Z')
  const version = (v: number, state: string) => ({
    strategy_id: 'login', version: v, hash: String(v).repeat(64), document: `{"eventType":"login","id":"login","version":${v}}`, saved_at: at + v, state, authors: '["alice"]', updated_at: at + v,
    submitted_by: state === 'draft' ? null : 'alice', submitted_at: state === 'draft' ? null : at, submit_note: 'v', backtest_id: state === 'draft' ? null : `bt-${v}`,
    approved_by: state === 'approved' ? 'bob' : null, approved_at: state === 'approved' ? at : null, approve_note: state === 'approved' ? 'ok' : '',
    rejected_by: state === 'rejected' ? 'bob' : null, rejected_at: state === 'rejected' ? at : null, reject_note: state === 'rejected' ? 'no' : '',
  })
  await db.insertInto('strategy_versions' as never).values([version(1, 'approved'), version(2, 'approved'), version(3, 'rejected'), version(4, 'draft')] as never).execute()
  const deployment = (id: string, previous: string, champion: number, challengers: string) =>
    ({ id, strategy_id: 'login', champion, challengers, shadows: '[]', kind: 'publish', previous_id: previous, moved_by: 'bob', moved_at: at, note: id })
  await db.insertInto('strategy_deployments' as never).values([deployment('dep-1', '', 1, '[]'), deployment('dep-2', 'dep-1', 1, '[{"version":2,"share":10}]')] as never).execute()
  const before = {
    versions: (await sql`select * from strategy_versions order by version`.execute(db)).rows,
    deployments: (await sql`select * from strategy_deployments order by seq`.execute(db)).rows,
  }
  await db.destroy()

  const store = await SqliteRecordStore.open(file)
  try {
    const raw = new Kysely<never>({ dialect: new SqliteDialect({ database: openWritableDatabase(file) }) })
    try {
      const after = {
        versions: (await sql`select * from strategy_versions order by version`.execute(raw)).rows,
        deployments: (await sql`select * from strategy_deployments order by seq`.execute(raw)).rows,
      }
      assert.deepEqual(after.versions, before.versions.map((row) => ({ tenant_id: 'default', ...(row as object) })), 'every column of every version kept, the tenant added')
      assert.deepEqual(after.deployments, before.deployments.map((row) => ({ ...(row as object), tenant_id: 'default' })), 'every deployment kept, in order, with its seq')
      const index = (await sql<{ sql: string }>`select sql from sqlite_master where name = 'strategy_deployments_strategy'`.execute(raw)).rows[0]?.sql
      assert.match(index ?? '', /"tenant_id", "strategy_id", "seq"/)
    } finally {
      await raw.destroy()
    }
    const lifecycle = new StrategyLifecycle({ store, clock: { nowMs: () => at + 100 }, catalogue: smallCatalogue })
    const [summary] = await lifecycle.strategies('default')
    assert.deepEqual([summary?.tenantId, summary?.id, summary?.live?.id, summary?.versions.live, summary?.versions.rejected], ['default', 'login', 'dep-2', [1, 2], [3]])
    assert.deepEqual((await lifecycle.liveDeployments()).map((d) => `${d.deployment.tenantId} ${d.deployment.id}`), ['default dep-2'], 'what the engine serves at start')
    assert.deepEqual(await lifecycle.strategies('acme'), [], 'another tenant sees none of them')
    assert.equal(await refusal(() => lifecycle.strategy('acme', 'login')), 'not_found /id unknown_strategy')

    // the same id in another tenant is another strategy, with its own numbers and its own chain
    const theirs = { ...(await store.getStrategyVersionRecord('default', 'login', 1))!, tenantId: 'acme', authors: ['erin'] }
    assert.equal(await store.addStrategyVersion(theirs), true)
    const first = { id: 'dep-acme', tenantId: 'acme', strategyId: 'login', champion: 1, challengers: [], shadows: [], kind: 'publish' as const, previousId: null, movedBy: 'frank', movedAtMs: at + 1, note: '' }
    assert.equal(await store.addStrategyDeployment(first), true, "acme's first deployment beside the default tenant's chain")
    assert.equal(await store.addStrategyDeployment({ ...first, id: 'dep-again', tenantId: 'default' }), false, "the default tenant's chain already has a first deployment")
    assert.deepEqual((await store.listStrategyDeployments(null)).map((d) => `${d.tenantId} ${d.id}`), ['default dep-1', 'default dep-2', 'acme dep-acme'], 'new deployments come after the old ones')
    await assert.rejects(store.addStrategyDeployment({ ...first, id: 'dep-x', tenantId: 'acme', champion: 2, previousId: 'dep-acme' }), /FOREIGN KEY/, "acme has no version 2 of its own: the default tenant's does not count")
  } finally {
    await store.close()
  }
})
