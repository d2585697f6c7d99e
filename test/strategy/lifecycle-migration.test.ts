/**
 * Migration 0007-strategy-lifecycle on a database that already holds
 * strategy versions: before it, every version came from a config file, so
 * each reads as approved by `config` when it was saved; nothing is deployed.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { Kysely, Migrator, SqliteDialect } from 'kysely'
import { openWritableDatabase } from '../../src/store/sqlite/sqlite-decision-appender.ts'
import { sqliteMigrations } from '../../src/store/sqlite/sqlite-migrations.ts'
import { SqliteRecordStore } from '../../src/store/sqlite/sqlite-record-store.ts'
import { StrategyLifecycle } from '../../src/strategy/lifecycle/strategy-lifecycle.ts'
import { tempDataDir } from '../support/temp-engine.ts'
import { smallCatalogue } from './lifecycle-fixtures.ts'

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
    const record = await store.getStrategyVersionRecord('login', 2)
    assert.deepEqual(record, {
      id: 'login', version: 2, state: 'approved', hash: 'a'.repeat(64), document, authors: ['config'], createdAtMs: savedAt, updatedAtMs: savedAt,
      submittedBy: null, submittedAtMs: null, submitNote: '', backtestId: null, approvedBy: 'config', approvedAtMs: savedAt, approveNote: '',
      rejectedBy: null, rejectedAtMs: null, rejectNote: '', withdrawnBy: null, withdrawnAtMs: null, withdrawNote: '',
    })
    assert.deepEqual(await store.getStrategyVersion('login', 2), { id: 'login', version: 2, hash: 'a'.repeat(64), document, savedAtMs: savedAt })
    const lifecycle = new StrategyLifecycle({ store, clock: { nowMs: () => savedAt + 1 }, catalogue: smallCatalogue })
    const [summary] = await lifecycle.strategies()
    assert.deepEqual(summary, { id: 'login', eventType: 'login', live: null, versions: { draft: [], submitted: [], approved: [2], rejected: [], withdrawn: [], live: [], retired: [] } })
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
    assert.deepEqual((await store.listStrategyVersions('login')).map((v) => `${v.version} ${v.state} ${v.submittedBy} ${v.approvedBy}`), ['1 approved alice bob', '2 submitted alice null', '3 draft null null'])
    assert.deepEqual((await store.listStrategyDeployments('login')).map((d) => `${d.id} v${d.champion}`), ['dep-1 v1'])
    assert.equal(await store.endStrategySubmission('login', 2, { outcome: 'rejected', by: 'bob', atMs: at + 1, note: 'too strict' }), true)
    assert.deepEqual(await store.getStrategyVersionRecord('login', 2).then((v) => [v?.state, v?.rejectedBy, v?.rejectNote]), ['rejected', 'bob', 'too strict'])
    const orphan = { id: 'dep-x', strategyId: 'login', champion: 9, challengers: [], shadows: [], kind: 'publish' as const, previousId: 'dep-1', movedBy: 'bob', movedAtMs: at, note: '' }
    await assert.rejects(store.addStrategyDeployment(orphan), /FOREIGN KEY/, 'the deployments still name versions that exist')
  } finally {
    await store.close()
  }
})
