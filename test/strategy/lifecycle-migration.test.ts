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
    })
    assert.deepEqual(await store.getStrategyVersion('login', 2), { id: 'login', version: 2, hash: 'a'.repeat(64), document, savedAtMs: savedAt })
    const lifecycle = new StrategyLifecycle({ store, clock: { nowMs: () => savedAt + 1 }, catalogue: smallCatalogue })
    const [summary] = await lifecycle.strategies()
    assert.deepEqual(summary, { id: 'login', eventType: 'login', live: null, versions: { draft: [], submitted: [], approved: [2], live: [], retired: [] } })
    assert.deepEqual(await lifecycle.liveDeployments(), [])
  } finally {
    await store.close()
  }
})
