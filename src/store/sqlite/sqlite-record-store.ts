import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type Database from 'better-sqlite3'
import { type Insertable, Kysely, Migrator, type Selectable, SqliteDialect } from 'kysely'
import type { Action } from '../../core/actions.ts'
import { invalidInput } from '../../core/errors.ts'
import type {
  BacktestEnd,
  BacktestStatus,
  DecisionQuery,
  ListEntryQuery,
  LoggedEvent,
  LoggedEventQuery,
  RecordStore,
  StoredApiKey,
  StoredBacktest,
  StoredDecision,
  StoredFeatureVersion,
  StoredStrategyVersion,
} from '../../decisions/record-store.ts'
import type { EntityKind } from '../../events/entities.ts'
import type { CustomEventType } from '../../events/event-type-registry.ts'
import type { ListDefinition, ListEntry, ListKind } from '../../lists/list.ts'
import type { AliasMoveRecord, ModelArtifactRecord, ModelKind, ModelPromotionRecord, ModelVersionRecord, PromotionStatus } from '../../models/registry/model-records.ts'
import type { StrategyDeployment } from '../../strategy/lifecycle/deployment.ts'
import type { Approval, DraftChange, StoredState, StrategyVersionRecord, Submission, SubmissionEnd } from '../../strategy/lifecycle/strategy-records.ts'
import { type DecisionAppender, inThreadAppender, openWritableDatabase, workerAppender } from './sqlite-decision-appender.ts'
import type { UserStore } from '../../access/user-store.ts'
import type { CaseStore } from '../../cases/case-store.ts'
import { SqliteCaseStore } from './sqlite-case-store.ts'
import { countLoggedEvents, readLoggedEvents } from './sqlite-logged-events.ts'
import { sqliteMigrations } from './sqlite-migrations.ts'
import { SqliteUserStore } from './sqlite-user-store.ts'
import type { SqliteSchema } from './sqlite-schema.ts'

type DecisionRow = Selectable<SqliteSchema['decisions']>

/**
 * The embedded default: one SQLite file in WAL mode with `synchronous=FULL`,
 * so a committed transaction survives a power cut. Reads go through Kysely;
 * appends through prepared statements (`sqlite-decision-appender.ts`).
 */
export class SqliteRecordStore implements RecordStore {
  readonly cases: CaseStore
  readonly users: UserStore

  private constructor(
    private readonly db: Kysely<SqliteSchema>,
    private readonly selectByEvent: Database.Statement<[string, string], { body_hash: string; response: string; entity_keys: string }>,
    private readonly appender: DecisionAppender,
    /** The connection itself, for the few reads that take many rows (`loggedEvents`). */
    private readonly sqlite: Database.Database,
    /** The database file (undefined in memory): another thread may open it to read the log (`sqlite-logged-events.ts`). */
    readonly logFile: string | undefined,
  ) {
    this.cases = new SqliteCaseStore(db, sqlite)
    this.users = new SqliteUserStore(db, sqlite)
  }

  /**
   * Opens (and migrates) the database. With `writer: 'worker'` (the server's
   * choice) decisions are appended on a worker thread; `'thread'` appends on
   * the caller's thread, for tools and tests that need no second core.
   */
  static async open(file: string, options: { writer: 'worker' | 'thread' } = { writer: 'thread' }): Promise<SqliteRecordStore> {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
    const sqlite = openWritableDatabase(file)
    const db = new Kysely<SqliteSchema>({ dialect: new SqliteDialect({ database: sqlite }) })
    const migrator = new Migrator({ db, provider: { getMigrations: async () => sqliteMigrations } })
    const { error } = await migrator.migrateToLatest()
    if (error) throw error
    const selectByEvent = sqlite.prepare<[string, string], { body_hash: string; response: string; entity_keys: string }>(
      'select body_hash, response, entity_keys from decisions where tenant_id = ? and event_id = ?',
    )
    const onWorker = options.writer === 'worker' && file !== ':memory:'
    // the writer thread checkpoints the WAL: a request committing on this thread never waits for one
    if (onWorker) sqlite.pragma('wal_autocheckpoint = 0')
    const appender = onWorker ? workerAppender(file) : inThreadAppender(sqlite)
    return new SqliteRecordStore(db, selectByEvent, appender, sqlite, file === ':memory:' ? undefined : file)
  }

  appendDecisions(batch: StoredDecision[]): Promise<void> {
    return this.appender.append(batch)
  }

  async seqOfDecisionHash(hash: string): Promise<number | undefined> {
    // newest first: the decision asked for is usually recent (a snapshot's last), and seq is the rowid
    const row = await this.db.selectFrom('decisions').select('seq').where('hash', '=', hash).orderBy('seq', 'desc').limit(1).executeTakeFirst()
    return row?.seq
  }

  async lastDecisionHash(): Promise<string | undefined> {
    const row = await this.db.selectFrom('decisions').select('hash').orderBy('seq', 'desc').limit(1).executeTakeFirst()
    return row?.hash
  }

  /** On every decision's path (idempotency), hence a prepared statement. */
  async findByEventId(tenantId: string, eventId: string) {
    const row = this.selectByEvent.get(tenantId, eventId)
    return row && { bodyHash: row.body_hash, response: row.response, entityKeys: JSON.parse(row.entity_keys) as Record<string, string[]> }
  }

  async getDecision(tenantId: string, decisionId: string) {
    const row = await this.db
      .selectFrom('decisions')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('decision_id', '=', decisionId)
      .executeTakeFirst()
    return row && toDecision(row)
  }

  async listDecisions(query: DecisionQuery) {
    let select = this.db.selectFrom('decisions').selectAll('decisions').where('decisions.tenant_id', '=', query.tenantId)
    if (query.entityKey !== undefined) {
      select = select
        .innerJoin('decision_entities as e', (join) => join.onRef('e.seq', '=', 'decisions.seq').on('e.tenant_id', '=', query.tenantId))
        .where('e.entity_key', '=', query.entityKey)
    }
    if (query.action) select = select.where('decisions.action', '=', query.action)
    if (query.eventType) select = select.where('decisions.event_type', '=', query.eventType)
    if (query.fromMs !== undefined) select = select.where('decisions.occurred_at', '>=', query.fromMs)
    if (query.toMs !== undefined) select = select.where('decisions.occurred_at', '<', query.toMs)
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor)
    if (after !== undefined) select = select.where('decisions.seq', '<', after)
    const rows = await select.orderBy('decisions.seq', 'desc').limit(query.limit + 1).execute()
    const page = rows.slice(0, query.limit)
    const more = rows.length > query.limit
    return { items: page.map(toDecision), ...(more ? { nextCursor: encodeCursor(page[page.length - 1]!.seq) } : {}) }
  }

  async *decisionsSince(sinceMs: number, batchSize = 5_000, afterSeq = 0): AsyncIterable<StoredDecision[]> {
    let after = afterSeq
    for (;;) {
      const rows = await this.db
        .selectFrom('decisions')
        .selectAll()
        .where('seq', '>', after)
        .where('occurred_at', '>=', sinceMs)
        .orderBy('seq')
        .limit(batchSize)
        .execute()
      if (rows.length === 0) return
      after = rows[rows.length - 1]!.seq
      yield rows.map(toDecision)
    }
  }

  async saveStrategyVersion(v: StoredStrategyVersion) {
    await this.db
      .insertInto('strategy_versions')
      .values({ tenant_id: v.tenantId, strategy_id: v.id, version: v.version, hash: v.hash, document: v.document, saved_at: v.savedAtMs })
      .onConflict((c) => c.doNothing())
      .execute()
  }

  async getStrategyVersion(tenantId: string, id: string, version: number) {
    const row = await this.db
      .selectFrom('strategy_versions')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('strategy_id', '=', id)
      .where('version', '=', version)
      .executeTakeFirst()
    return row && { tenantId: row.tenant_id, id: row.strategy_id, version: row.version, hash: row.hash, document: row.document, savedAtMs: row.saved_at }
  }

  async recordFeatureVersion(name: string, hash: string, definition: string, atMs: number): Promise<StoredFeatureVersion> {
    return this.db.transaction().execute(async (tx) => {
      const latest = await tx.selectFrom('feature_versions').selectAll().where('name', '=', name).orderBy('version', 'desc').limit(1).executeTakeFirst()
      if (latest?.hash === hash) return toFeatureVersion(latest)
      const row = { name, version: (latest?.version ?? 0) + 1, hash, definition, saved_at: atMs }
      await tx.insertInto('feature_versions').values(row).execute()
      return toFeatureVersion(row)
    })
  }

  async listFeatureVersions(name?: string) {
    let query = this.db.selectFrom('feature_versions').selectAll().orderBy('name').orderBy('version')
    if (name !== undefined) query = query.where('name', '=', name)
    return (await query.execute()).map(toFeatureVersion)
  }

  async saveEventType(definition: CustomEventType) {
    const row = { tenant_id: definition.tenantId, type: definition.type, definition: JSON.stringify(definition) }
    await this.db
      .insertInto('event_types')
      .values(row)
      .onConflict((c) => c.columns(['tenant_id', 'type']).doUpdateSet({ definition: row.definition }))
      .execute()
  }

  async listEventTypes() {
    const rows = await this.db.selectFrom('event_types').select('definition').orderBy('tenant_id').orderBy('type').execute()
    return rows.map((r) => JSON.parse(r.definition) as CustomEventType)
  }

  async saveApiKey(key: StoredApiKey) {
    await this.db
      .insertInto('api_keys')
      .values({ id: key.id, tenant_id: key.tenantId, name: key.name, secret_hash: key.secretHash, created_at: key.createdAtMs, revoked_at: key.revokedAtMs, owner: key.owner })
      .execute()
  }

  async findApiKey(id: string) {
    const row = await this.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst()
    return row && toApiKey(row)
  }

  async listApiKeys() {
    return (await this.db.selectFrom('api_keys').selectAll().orderBy('created_at').execute()).map(toApiKey)
  }

  async revokeApiKey(id: string, atMs: number) {
    const result = await this.db.updateTable('api_keys').set({ revoked_at: atMs }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst()
    return result.numUpdatedRows > 0n
  }

  async createList(list: ListDefinition) {
    const result = await this.db
      .insertInto('lists')
      .values({
        tenant_id: list.tenantId,
        name: list.name,
        kind: list.kind,
        entity_kind: list.entityKind,
        description: list.description,
        created_by: list.createdBy,
        created_at: list.createdAtMs,
      })
      .onConflict((c) => c.doNothing())
      .executeTakeFirst()
    return result.numInsertedOrUpdatedRows === 1n
  }

  async listLists() {
    return (await this.db.selectFrom('lists').selectAll().orderBy('tenant_id').orderBy('name').execute()).map(toList)
  }

  async addListEntries(entries: ListEntry[]) {
    if (entries.length === 0) return
    await this.db.transaction().execute(async (tx) => {
      // a few hundred rows per statement stays well under SQLite's limit of bound parameters
      for (let i = 0; i < entries.length; i += 500) await tx.insertInto('list_entries').values(entries.slice(i, i + 500).map(toEntryRow)).execute()
    })
  }

  async getListEntry(tenantId: string, listName: string, entryId: string) {
    const row = await this.db
      .selectFrom('list_entries')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('list_name', '=', listName)
      .where('id', '=', entryId)
      .executeTakeFirst()
    return row && toEntry(row)
  }

  async removeListEntry(tenantId: string, listName: string, entryId: string, removedBy: string, atMs: number) {
    const row = await this.db
      .updateTable('list_entries')
      .set({ removed_at: atMs, removed_by: removedBy })
      .where('tenant_id', '=', tenantId)
      .where('list_name', '=', listName)
      .where('id', '=', entryId)
      .where('removed_at', 'is', null)
      .returningAll()
      .executeTakeFirst()
    return row && toEntry(row)
  }

  async listEntries(query: ListEntryQuery) {
    let select = this.db.selectFrom('list_entries').selectAll()
    if (query.tenantId !== undefined) select = select.where('tenant_id', '=', query.tenantId)
    if (query.listName !== undefined) select = select.where('list_name', '=', query.listName)
    if (query.entityKey !== undefined) select = select.where('entity_key', '=', query.entityKey)
    if (query.afterId !== undefined) {
      const afterId = query.afterId
      select = select.where('seq', '>', (eb) => eb.fn.coalesce(eb.selectFrom('list_entries').select('seq').where('id', '=', afterId), eb.val(Number.MAX_SAFE_INTEGER)))
    }
    select = select.orderBy('seq')
    if (query.limit !== undefined) select = select.limit(query.limit)
    return (await select.execute()).map(toEntry)
  }

  async addModelVersion(input: Omit<ModelArtifactRecord, 'version'>) {
    return this.db.transaction().execute(async (tx) => {
      const same = await tx
        .selectFrom('model_versions')
        .select(versionColumns)
        .where('tenant_id', '=', input.tenantId)
        .where('name', '=', input.name)
        .where('hash', '=', input.hash)
        .orderBy('version')
        .limit(1)
        .executeTakeFirst()
      if (same) return { version: toModelVersion(same), created: false }
      const latest = await tx
        .selectFrom('model_versions')
        .select((eb) => eb.fn.max('version').as('version'))
        .where('tenant_id', '=', input.tenantId)
        .where('name', '=', input.name)
        .executeTakeFirst()
      const row = {
        tenant_id: input.tenantId,
        name: input.name,
        version: (latest?.version ?? 0) + 1,
        kind: input.kind,
        hash: input.hash,
        artifact: input.artifact,
        metadata: JSON.stringify(input.metadata),
        created_by: input.createdBy,
        created_at: input.createdAtMs,
      }
      await tx.insertInto('model_versions').values(row).execute()
      return { version: toModelVersion(row), created: true }
    })
  }

  async getModelVersion(tenantId: string, name: string, version: number) {
    const row = await this.db
      .selectFrom('model_versions')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('name', '=', name)
      .where('version', '=', version)
      .executeTakeFirst()
    return row && { ...toModelVersion(row), artifact: row.artifact }
  }

  async listModelVersions(tenantId: string, name?: string) {
    let query = this.db.selectFrom('model_versions').select(versionColumns).where('tenant_id', '=', tenantId)
    if (name !== undefined) query = query.where('name', '=', name)
    return (await query.orderBy('name').orderBy('version').execute()).map(toModelVersion)
  }

  async listModelTenants() {
    return (await this.db.selectFrom('model_versions').select('tenant_id').distinct().orderBy('tenant_id').execute()).map((row) => row.tenant_id)
  }

  async createModelPromotion(p: ModelPromotionRecord) {
    await this.db
      .insertInto('model_promotions')
      .values({
        id: p.id,
        tenant_id: p.tenantId,
        name: p.name,
        alias: p.alias,
        version: p.version,
        requested_by: p.requestedBy,
        requested_at: p.requestedAtMs,
        note: p.note,
        status: p.status,
        approved_by: p.approvedBy,
        approved_at: p.approvedAtMs,
      })
      .execute()
  }

  async getModelPromotion(tenantId: string, name: string, id: string) {
    const row = await this.db.selectFrom('model_promotions').selectAll().where('tenant_id', '=', tenantId).where('name', '=', name).where('id', '=', id).executeTakeFirst()
    return row && toPromotion(row)
  }

  async listModelPromotions(tenantId: string, name: string) {
    const rows = await this.db.selectFrom('model_promotions').selectAll().where('tenant_id', '=', tenantId).where('name', '=', name).orderBy('seq').execute()
    return rows.map(toPromotion)
  }

  async moveModelAlias(move: AliasMoveRecord, approval?: { promotionId: string; approvedBy: string; atMs: number }) {
    try {
      return await this.db.transaction().execute(async (tx) => {
        if (approval) {
          const approved = await tx
            .updateTable('model_promotions')
            .set({ status: 'approved', approved_by: approval.approvedBy, approved_at: approval.atMs })
            .where('tenant_id', '=', move.tenantId)
            .where('name', '=', move.name)
            .where('id', '=', approval.promotionId)
            .where('status', '=', 'pending')
            .executeTakeFirst()
          if (approved.numUpdatedRows !== 1n) throw new MoveRefused()
        }
        await tx
          .insertInto('model_alias_moves')
          .values({
            id: move.id,
            tenant_id: move.tenantId,
            name: move.name,
            alias: move.alias,
            previous_move_id: move.previousMoveId ?? '',
            from_version: move.fromVersion,
            to_version: move.toVersion,
            kind: move.kind,
            promotion_id: move.promotionId,
            moved_by: move.movedBy,
            moved_at: move.movedAtMs,
            note: move.note,
          })
          .execute()
        return true
      })
    } catch (error) {
      // another move follows the same one already: the alias moved in the meantime
      if (error instanceof MoveRefused || (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') return false
      throw error
    }
  }

  async listModelAliasMoves(tenantId: string, name: string) {
    const rows = await this.db.selectFrom('model_alias_moves').selectAll().where('tenant_id', '=', tenantId).where('name', '=', name).orderBy('seq').execute()
    return rows.map(toAliasMove)
  }

  /** The log for a replay: `sqlite-logged-events.ts`, on this connection. */
  async *loggedEvents(query: LoggedEventQuery): AsyncIterable<LoggedEvent[]> {
    yield* readLoggedEvents(this.sqlite, query)
  }

  async countLoggedEvents(query: LoggedEventQuery) {
    return countLoggedEvents(this.sqlite, query)
  }

  async createBacktest(b: StoredBacktest) {
    await this.db
      .insertInto('backtests')
      .values({
        id: b.id,
        tenant_id: b.tenantId,
        strategy_id: b.strategyId,
        strategy_version: b.strategyVersion,
        strategy_hash: b.strategyHash,
        strategy_document: b.strategyDocument,
        period_from: b.fromMs,
        period_to: b.toMs,
        status: b.status,
        requested_by: b.requestedBy,
        requested_at: b.requestedAtMs,
        finished_at: b.finishedAtMs,
        report: b.report,
        error: b.error,
        request: b.request,
        models: b.models,
        started_at: b.startedAtMs,
        attempts: b.attempts,
        cancelled_by: b.cancelledBy,
      })
      .execute()
  }

  async startBacktest(tenantId: string, id: string, atMs: number) {
    const result = await this.db
      .updateTable('backtests')
      .set((eb) => ({ status: 'running', started_at: atMs, attempts: eb('attempts', '+', 1) }))
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('status', 'in', ['queued', 'running'])
      .executeTakeFirst()
    return result.numUpdatedRows === 1n
  }

  async finishBacktest(tenantId: string, id: string, end: BacktestEnd) {
    const result = await this.db
      .updateTable('backtests')
      .set({
        status: end.status,
        finished_at: end.finishedAtMs,
        report: end.status === 'done' ? end.report : null,
        error: end.status === 'failed' ? end.error : null,
        cancelled_by: end.status === 'cancelled' ? end.by : null,
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('status', 'in', ['queued', 'running'])
      .executeTakeFirst()
    return result.numUpdatedRows === 1n
  }

  async unfinishedBacktests() {
    const rows = await this.db.selectFrom('backtests').selectAll().where('status', 'in', ['queued', 'running']).orderBy('requested_at').orderBy('id').execute()
    return rows.map(toBacktest)
  }

  async getBacktest(tenantId: string, id: string) {
    const row = await this.db.selectFrom('backtests').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst()
    return row && toBacktest(row)
  }

  async addStrategyVersion(v: StrategyVersionRecord) {
    const result = await this.db.insertInto('strategy_versions').values(toStrategyVersionRow(v)).onConflict((c) => c.doNothing()).executeTakeFirst()
    return result.numInsertedOrUpdatedRows === 1n
  }

  async replaceStrategyDraft(tenantId: string, id: string, version: number, change: DraftChange) {
    const result = await this.db
      .updateTable('strategy_versions')
      .set({ hash: change.hash, document: change.document, authors: JSON.stringify(change.authors), updated_at: change.updatedAtMs })
      .where('tenant_id', '=', tenantId)
      .where('strategy_id', '=', id)
      .where('version', '=', version)
      .where('state', '=', 'draft')
      .executeTakeFirst()
    return result.numUpdatedRows === 1n
  }

  async submitStrategyVersion(tenantId: string, id: string, version: number, s: Submission) {
    const result = await this.db
      .updateTable('strategy_versions')
      .set({ state: 'submitted', submitted_by: s.submittedBy, submitted_at: s.atMs, submit_note: s.note, backtest_id: s.backtestId })
      .where('tenant_id', '=', tenantId)
      .where('strategy_id', '=', id)
      .where('version', '=', version)
      .where('state', '=', 'draft')
      .executeTakeFirst()
    return result.numUpdatedRows === 1n
  }

  async approveStrategyVersion(tenantId: string, id: string, version: number, a: Approval, deployment?: StrategyDeployment) {
    try {
      return await this.db.transaction().execute(async (tx) => {
        const approved = await tx
          .updateTable('strategy_versions')
          .set({ state: 'approved', approved_by: a.approvedBy, approved_at: a.atMs, approve_note: a.note })
          .where('tenant_id', '=', tenantId)
          .where('strategy_id', '=', id)
          .where('version', '=', version)
          .where('state', '=', 'submitted')
          .executeTakeFirst()
        if (approved.numUpdatedRows !== 1n) throw new MoveRefused()
        if (deployment) await tx.insertInto('strategy_deployments').values(toDeploymentRow(deployment)).execute()
        return true
      })
    } catch (error) {
      if (error instanceof MoveRefused || (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') return false
      throw error
    }
  }

  async endStrategySubmission(tenantId: string, id: string, version: number, end: SubmissionEnd) {
    const change =
      end.outcome === 'rejected'
        ? { state: 'rejected', rejected_by: end.by, rejected_at: end.atMs, reject_note: end.note }
        : { state: 'withdrawn', withdrawn_by: end.by, withdrawn_at: end.atMs, withdraw_note: end.note }
    const result = await this.db
      .updateTable('strategy_versions')
      .set(change)
      .where('tenant_id', '=', tenantId)
      .where('strategy_id', '=', id)
      .where('version', '=', version)
      .where('state', '=', 'submitted')
      .executeTakeFirst()
    return result.numUpdatedRows === 1n
  }

  async listBacktests(tenantId: string, strategyId: string) {
    const rows = await this.db
      .selectFrom('backtests')
      .select(['id', 'tenant_id', 'strategy_id', 'strategy_version', 'strategy_hash', 'period_from', 'period_to', 'status', 'requested_by', 'requested_at', 'finished_at', 'error', 'started_at', 'attempts', 'cancelled_by'])
      .where('tenant_id', '=', tenantId)
      .where('strategy_id', '=', strategyId)
      .orderBy('requested_at', 'desc')
      .orderBy('id', 'desc')
      .execute()
    // the listing leaves out the document and the report, which GET /v1/backtests/{id} has
    return rows.map((row) => toBacktest({ ...row, strategy_document: '', report: null, request: null, models: null }))
  }

  async getStrategyVersionRecord(tenantId: string, id: string, version: number) {
    const row = await this.db.selectFrom('strategy_versions').selectAll().where('tenant_id', '=', tenantId).where('strategy_id', '=', id).where('version', '=', version).executeTakeFirst()
    return row && toStrategyVersion(row)
  }

  async listStrategyVersions(tenantId: string, id?: string) {
    let query = this.db.selectFrom('strategy_versions').selectAll().where('tenant_id', '=', tenantId)
    if (id !== undefined) query = query.where('strategy_id', '=', id)
    return (await query.orderBy('strategy_id').orderBy('version').execute()).map(toStrategyVersion)
  }

  async addStrategyDeployment(d: StrategyDeployment) {
    try {
      await this.db.insertInto('strategy_deployments').values(toDeploymentRow(d)).execute()
      return true
    } catch (error) {
      // another deployment follows the same one already: what runs changed in the meantime
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') return false
      throw error
    }
  }

  async listStrategyDeployments(tenantId: string | null, strategyId?: string) {
    let query = this.db.selectFrom('strategy_deployments').selectAll()
    if (tenantId !== null) query = query.where('tenant_id', '=', tenantId)
    if (strategyId !== undefined) query = query.where('strategy_id', '=', strategyId)
    return (await query.orderBy('seq').execute()).map(toDeployment)
  }

  async close() {
    await this.appender.close()
    await this.db.destroy()
  }
}

const toDecision = (row: DecisionRow): StoredDecision => ({
  decisionId: row.decision_id,
  tenantId: row.tenant_id,
  eventId: row.event_id,
  eventType: row.event_type,
  action: row.action as Action,
  occurredAtMs: row.occurred_at,
  decidedAtMs: row.decided_at,
  strategyId: row.strategy_id,
  strategyVersion: row.strategy_version,
  bodyHash: row.body_hash,
  sealedEvent: row.sealed_event,
  entityKeys: JSON.parse(row.entity_keys),
  trace: row.trace,
  response: row.response,
  previousHash: row.previous_hash,
  hash: row.hash,
})

const toApiKey = (row: Selectable<SqliteSchema['api_keys']>): StoredApiKey => ({
  id: row.id,
  tenantId: row.tenant_id,
  name: row.name,
  secretHash: row.secret_hash,
  createdAtMs: row.created_at,
  revokedAtMs: row.revoked_at,
  owner: row.owner,
})

const encodeCursor = (seq: number) => Buffer.from(`s${seq}`).toString('base64url')
function decodeCursor(cursor: string): number {
  const match = /^s(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString())
  if (!match) throw invalidInput('The cursor is invalid', [{ pointer: '/cursor', code: 'invalid_cursor', message: 'cursor must be a value returned as nextCursor' }])
  return Number(match[1])
}

const toFeatureVersion = (row: { name: string; version: number; hash: string; definition: string; saved_at: number }): StoredFeatureVersion => ({
  name: row.name,
  version: row.version,
  hash: row.hash,
  definition: row.definition,
  savedAtMs: row.saved_at,
})

const toList = (row: Selectable<SqliteSchema['lists']>): ListDefinition => ({
  tenantId: row.tenant_id,
  name: row.name,
  kind: row.kind as ListKind,
  entityKind: row.entity_kind as EntityKind,
  description: row.description,
  createdBy: row.created_by,
  createdAtMs: row.created_at,
})

const toEntryRow = (e: ListEntry): Insertable<SqliteSchema['list_entries']> => ({
  id: e.id,
  tenant_id: e.tenantId,
  list_name: e.listName,
  entity_key: e.entityKey,
  masked_value: e.maskedValue,
  reason: e.reason,
  source: e.source,
  added_by: e.addedBy,
  added_at: e.addedAtMs,
  expires_at: e.expiresAtMs,
  removed_at: e.removedAtMs,
  removed_by: e.removedBy,
})

const toEntry = (row: Selectable<SqliteSchema['list_entries']>): ListEntry => ({
  id: row.id,
  tenantId: row.tenant_id,
  listName: row.list_name,
  entityKey: row.entity_key,
  maskedValue: row.masked_value,
  reason: row.reason,
  source: row.source,
  addedBy: row.added_by,
  addedAtMs: row.added_at,
  expiresAtMs: row.expires_at,
  removedAtMs: row.removed_at,
  removedBy: row.removed_by,
})

/** Thrown inside a transaction to roll it back when an approval finds its promotion no longer pending. */
class MoveRefused extends Error {}

const versionColumns = ['tenant_id', 'name', 'version', 'kind', 'hash', 'metadata', 'created_by', 'created_at'] as const

const toModelVersion = (row: Omit<Selectable<SqliteSchema['model_versions']>, 'artifact'>): ModelVersionRecord => ({
  tenantId: row.tenant_id,
  name: row.name,
  version: row.version,
  kind: row.kind as ModelKind,
  hash: row.hash,
  metadata: JSON.parse(row.metadata),
  createdBy: row.created_by,
  createdAtMs: row.created_at,
})

const toPromotion = (row: Selectable<SqliteSchema['model_promotions']>): ModelPromotionRecord => ({
  id: row.id,
  tenantId: row.tenant_id,
  name: row.name,
  alias: row.alias,
  version: row.version,
  requestedBy: row.requested_by,
  requestedAtMs: row.requested_at,
  note: row.note,
  status: row.status as PromotionStatus,
  approvedBy: row.approved_by,
  approvedAtMs: row.approved_at,
})

const toAliasMove = (row: Selectable<SqliteSchema['model_alias_moves']>): AliasMoveRecord => ({
  id: row.id,
  tenantId: row.tenant_id,
  name: row.name,
  alias: row.alias,
  previousMoveId: row.previous_move_id === '' ? null : row.previous_move_id,
  fromVersion: row.from_version,
  toVersion: row.to_version,
  kind: row.kind as AliasMoveRecord['kind'],
  promotionId: row.promotion_id,
  movedBy: row.moved_by,
  movedAtMs: row.moved_at,
  note: row.note,
})

const toBacktest = (row: Selectable<SqliteSchema['backtests']>): StoredBacktest => ({
  id: row.id,
  tenantId: row.tenant_id,
  strategyId: row.strategy_id,
  strategyVersion: row.strategy_version,
  strategyHash: row.strategy_hash,
  strategyDocument: row.strategy_document,
  fromMs: row.period_from,
  toMs: row.period_to,
  status: row.status as BacktestStatus,
  requestedBy: row.requested_by,
  requestedAtMs: row.requested_at,
  request: row.request,
  models: row.models,
  startedAtMs: row.started_at,
  attempts: row.attempts,
  finishedAtMs: row.finished_at,
  report: row.report,
  error: row.error,
  cancelledBy: row.cancelled_by,
})

const toStrategyVersionRow = (v: StrategyVersionRecord): Insertable<SqliteSchema['strategy_versions']> => ({
  tenant_id: v.tenantId,
  strategy_id: v.id,
  version: v.version,
  hash: v.hash,
  document: v.document,
  saved_at: v.createdAtMs,
  state: v.state,
  authors: JSON.stringify(v.authors),
  updated_at: v.updatedAtMs,
  submitted_by: v.submittedBy,
  submitted_at: v.submittedAtMs,
  submit_note: v.submitNote,
  backtest_id: v.backtestId,
  approved_by: v.approvedBy,
  approved_at: v.approvedAtMs,
  approve_note: v.approveNote,
  rejected_by: v.rejectedBy,
  rejected_at: v.rejectedAtMs,
  reject_note: v.rejectNote,
  withdrawn_by: v.withdrawnBy,
  withdrawn_at: v.withdrawnAtMs,
  withdraw_note: v.withdrawNote,
})

/** Rows saved by `saveStrategyVersion` (config files, before the lifecycle) read as approved by `config` when saved. */
const toStrategyVersion = (row: Selectable<SqliteSchema['strategy_versions']>): StrategyVersionRecord => ({
  tenantId: row.tenant_id,
  id: row.strategy_id,
  version: row.version,
  state: row.state as StoredState,
  hash: row.hash,
  document: row.document,
  authors: JSON.parse(row.authors) as string[],
  createdAtMs: row.saved_at,
  updatedAtMs: row.updated_at ?? row.saved_at,
  submittedBy: row.submitted_by,
  submittedAtMs: row.submitted_at,
  submitNote: row.submit_note,
  backtestId: row.backtest_id,
  approvedBy: row.approved_by,
  approvedAtMs: row.state === 'approved' ? (row.approved_at ?? row.saved_at) : row.approved_at,
  approveNote: row.approve_note,
  rejectedBy: row.rejected_by,
  rejectedAtMs: row.rejected_at,
  rejectNote: row.reject_note,
  withdrawnBy: row.withdrawn_by,
  withdrawnAtMs: row.withdrawn_at,
  withdrawNote: row.withdraw_note,
})

const toDeploymentRow = (d: StrategyDeployment): Insertable<SqliteSchema['strategy_deployments']> => ({
  id: d.id,
  tenant_id: d.tenantId,
  strategy_id: d.strategyId,
  champion: d.champion,
  challengers: JSON.stringify(d.challengers),
  shadows: JSON.stringify(d.shadows),
  kind: d.kind,
  previous_id: d.previousId ?? '',
  moved_by: d.movedBy,
  moved_at: d.movedAtMs,
  note: d.note,
})

const toDeployment = (row: Selectable<SqliteSchema['strategy_deployments']>): StrategyDeployment => ({
  id: row.id,
  tenantId: row.tenant_id,
  strategyId: row.strategy_id,
  champion: row.champion,
  challengers: JSON.parse(row.challengers) as StrategyDeployment['challengers'],
  shadows: JSON.parse(row.shadows) as number[],
  kind: row.kind as StrategyDeployment['kind'],
  previousId: row.previous_id === '' ? null : row.previous_id,
  movedBy: row.moved_by,
  movedAtMs: row.moved_at,
  note: row.note,
})

