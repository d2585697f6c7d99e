/**
 * Migration 0015-backtest-jobs on a database of the version before: every
 * backtest is kept; one recorded as running (its request was never stored,
 * so it cannot be resumed) ends failed as interrupted, as the API showed it;
 * the new states (queued, cancelled) and columns work.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely'
import { openWritableDatabase } from '../../src/store/sqlite/sqlite-decision-appender.ts'
import { sqliteMigrations } from '../../src/store/sqlite/sqlite-migrations.ts'
import { SqliteRecordStore } from '../../src/store/sqlite/sqlite-record-store.ts'
import { tempDataDir } from '../support/temp-engine.ts'

const data = tempDataDir('xiezhi-backtest-jobs-migration-')
after(() => data.remove())

test('0015-backtest-jobs keeps every backtest, ends the ones left running as interrupted, and lets a job be queued and cancelled', async () => {
  const file = join(data.dir, 'records-0015.sqlite')
  const db = new Kysely<never>({ dialect: new SqliteDialect({ database: openWritableDatabase(file) }) })
  const migrated = await new Migrator({ db, provider: { getMigrations: async () => sqliteMigrations } }).migrateTo('0014-ring-case-members')
  assert.equal(migrated.error, undefined)
  const at = Date.parse('2026-11-20T00:00:00Z')
  const row = (id: string, status: string, more: object = {}) => ({
    id, tenant_id: 'default', strategy_id: 'credit-application', strategy_version: 3, strategy_hash: 'c'.repeat(64), strategy_document: '{"id":"credit-application"}',
    period_from: at - 30 * 86_400_000, period_to: at, status, requested_by: 'alice', requested_at: at, finished_at: null, report: null, error: null, ...more,
  })
  await db.insertInto('backtests' as never).values([
    row('bt-done', 'done', { finished_at: at + 5, report: '{"events":{"decided":7}}' }),
    row('bt-failed', 'failed', { finished_at: at + 6, error: 'the log could not be read' }),
    row('bt-running', 'running', { tenant_id: 'acme' }),
  ] as never).execute()
  await db.destroy()

  const store = await SqliteRecordStore.open(file)
  try {
    const common = { strategyId: 'credit-application', strategyVersion: 3, strategyHash: 'c'.repeat(64), strategyDocument: '{"id":"credit-application"}', fromMs: at - 30 * 86_400_000, toMs: at, requestedBy: 'alice', requestedAtMs: at }
    const kept = { ...common, request: null, models: null, startedAtMs: at, attempts: 1, cancelledBy: null }
    assert.deepEqual(await store.getBacktest('default', 'bt-done'), { ...kept, id: 'bt-done', tenantId: 'default', status: 'done', finishedAtMs: at + 5, report: '{"events":{"decided":7}}', error: null })
    assert.deepEqual(await store.getBacktest('default', 'bt-failed'), { ...kept, id: 'bt-failed', tenantId: 'default', status: 'failed', finishedAtMs: at + 6, report: null, error: 'the log could not be read' })
    assert.deepEqual(await store.getBacktest('acme', 'bt-running'), {
      ...kept, id: 'bt-running', tenantId: 'acme', status: 'failed', finishedAtMs: null, report: null, error: 'interrupted: the server stopped before the backtest ended',
    })
    assert.deepEqual(await store.unfinishedBacktests(), [], 'nothing for a starting server to resume')
    assert.deepEqual((await store.listBacktests('default', 'credit-application')).map((b) => `${b.id} ${b.status}`), ['bt-failed failed', 'bt-done done'])

    await store.createBacktest({ ...common, id: 'bt-new', tenantId: 'default', status: 'queued', request: '{"sample":1}', models: '{}', startedAtMs: null, attempts: 0, finishedAtMs: null, report: null, error: null, cancelledBy: null })
    assert.deepEqual((await store.unfinishedBacktests()).map((b) => b.id), ['bt-new'])
    assert.equal(await store.finishBacktest('default', 'bt-new', { status: 'cancelled', finishedAtMs: at + 9, by: 'bob' }), true)
    const raw = new Kysely<never>({ dialect: new SqliteDialect({ database: openWritableDatabase(file) }) })
    try {
      await assert.rejects(sql`update backtests set status = 'paused' where id = 'bt-new'`.execute(raw), /CHECK constraint failed/, 'the states are checked')
      const indexes = (await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'backtests' and sql is not null order by name`.execute(raw)).rows.map((r) => r.name)
      assert.deepEqual(indexes, ['backtests_strategy', 'backtests_unfinished'])
    } finally {
      await raw.destroy()
    }
  } finally {
    await store.close()
  }
})
