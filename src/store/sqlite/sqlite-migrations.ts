import { type Kysely, type Migration, sql } from 'kysely'

/** Schema changes, in order. Never edit a released migration; add a new one. */
export const sqliteMigrations: Record<string, Migration> = {
  '0001-decision-log': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('decisions')
        .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('decision_id', 'text', (c) => c.notNull().unique())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('occurred_at', 'integer', (c) => c.notNull())
        .addColumn('decided_at', 'integer', (c) => c.notNull())
        .addColumn('strategy_id', 'text')
        .addColumn('strategy_version', 'integer')
        .addColumn('body_hash', 'text', (c) => c.notNull())
        .addColumn('sealed_event', 'blob', (c) => c.notNull())
        .addColumn('entity_keys', 'text', (c) => c.notNull())
        .addColumn('trace', 'text', (c) => c.notNull())
        .addColumn('response', 'text', (c) => c.notNull())
        .addColumn('previous_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addUniqueConstraint('decisions_tenant_event', ['tenant_id', 'event_id'])
        .execute()
      await db.schema.createIndex('decisions_occurred_at').on('decisions').column('occurred_at').execute()
      await db.schema.createIndex('decisions_tenant_action').on('decisions').columns(['tenant_id', 'action', 'seq']).execute()
      await db.schema
        .createTable('decision_entities')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('entity_key', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('decision_entities_pk', ['tenant_id', 'entity_key', 'seq'])
        .modifyEnd(sql`without rowid`)
        .execute()
      await db.schema
        .createTable('strategy_versions')
        .addColumn('strategy_id', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('document', 'text', (c) => c.notNull())
        .addColumn('saved_at', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('strategy_versions_pk', ['strategy_id', 'version'])
        .execute()
      await db.schema
        .createTable('event_types')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('definition', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('event_types_pk', ['tenant_id', 'type'])
        .execute()
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .addColumn('revoked_at', 'integer')
        .execute()
    },
  },
  '0002-feature-versions': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('feature_versions')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('definition', 'text', (c) => c.notNull())
        .addColumn('saved_at', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('feature_versions_pk', ['name', 'version'])
        .execute()
    },
  },
  '0003-lists': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('lists')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('black', 'grey', 'white')`))
        .addColumn('entity_kind', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('lists_pk', ['tenant_id', 'name'])
        .execute()
      // an entry is never deleted: removed_at/removed_by are set once, so every past moment of a list can be asked about
      await db.schema
        .createTable('list_entries')
        .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('list_name', 'text', (c) => c.notNull())
        .addColumn('entity_key', 'text', (c) => c.notNull())
        .addColumn('masked_value', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('added_by', 'text', (c) => c.notNull())
        .addColumn('added_at', 'integer', (c) => c.notNull())
        .addColumn('expires_at', 'integer')
        .addColumn('removed_at', 'integer')
        .addColumn('removed_by', 'text')
        .addForeignKeyConstraint('list_entries_list', ['tenant_id', 'list_name'], 'lists', ['tenant_id', 'name'])
        .execute()
      await db.schema.createIndex('list_entries_key').on('list_entries').columns(['tenant_id', 'list_name', 'entity_key']).execute()
      await db.schema.createIndex('list_entries_list_seq').on('list_entries').columns(['tenant_id', 'list_name', 'seq']).execute()
    },
  },
  '0004-model-registry': {
    async up(db: Kysely<unknown>) {
      // versions are immutable: one row per (model, version), the artifact with its hash
      await db.schema
        .createTable('model_versions')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('gbdt', 'scorecard', 'imported-xgboost', 'imported-lightgbm')`))
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('artifact', 'text', (c) => c.notNull())
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('model_versions_pk', ['tenant_id', 'name', 'version'])
        .execute()
      await db.schema.createIndex('model_versions_hash').on('model_versions').columns(['tenant_id', 'name', 'hash']).execute()
      // a promotion is approved once (approved_at/approved_by set once); never deleted
      await db.schema
        .createTable('model_promotions')
        .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('alias', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('requested_at', 'integer', (c) => c.notNull())
        .addColumn('note', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'approved')`))
        .addColumn('approved_by', 'text')
        .addColumn('approved_at', 'integer')
        .addForeignKeyConstraint('model_promotions_version', ['tenant_id', 'name', 'version'], 'model_versions', ['tenant_id', 'name', 'version'])
        .execute()
      await db.schema.createIndex('model_promotions_model').on('model_promotions').columns(['tenant_id', 'name', 'seq']).execute()
      // the history of every alias, append-only; each move names the one before it ('' for the first), and the unique
      // constraint lets only one move follow a given move, so concurrent changes of an alias cannot both land
      await db.schema
        .createTable('model_alias_moves')
        .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('alias', 'text', (c) => c.notNull())
        .addColumn('previous_move_id', 'text', (c) => c.notNull())
        .addColumn('from_version', 'integer')
        .addColumn('to_version', 'integer', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('promotion', 'rollback')`))
        .addColumn('promotion_id', 'text')
        .addColumn('moved_by', 'text', (c) => c.notNull())
        .addColumn('moved_at', 'integer', (c) => c.notNull())
        .addColumn('note', 'text', (c) => c.notNull())
        .addUniqueConstraint('model_alias_moves_chain', ['tenant_id', 'name', 'alias', 'previous_move_id'])
        .addForeignKeyConstraint('model_alias_moves_version', ['tenant_id', 'name', 'to_version'], 'model_versions', ['tenant_id', 'name', 'version'])
        .execute()
      await db.schema.createIndex('model_alias_moves_model').on('model_alias_moves').columns(['tenant_id', 'name', 'seq']).execute()
    },
  },
  '0005-backtests': {
    async up(db: Kysely<unknown>) {
      // a backtest ends once (status, finished_at and report or error set together); never deleted, so a submission can cite it
      await db.schema
        .createTable('backtests')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('strategy_id', 'text', (c) => c.notNull())
        .addColumn('strategy_version', 'integer', (c) => c.notNull())
        .addColumn('strategy_hash', 'text', (c) => c.notNull())
        .addColumn('strategy_document', 'text', (c) => c.notNull())
        .addColumn('period_from', 'integer', (c) => c.notNull())
        .addColumn('period_to', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('running', 'done', 'failed')`))
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('requested_at', 'integer', (c) => c.notNull())
        .addColumn('finished_at', 'integer')
        .addColumn('report', 'text')
        .addColumn('error', 'text')
        .execute()
      await db.schema.createIndex('backtests_strategy').on('backtests').columns(['tenant_id', 'strategy_id', 'requested_at']).execute()
    },
  },
  '0006-model-kind-imported-onnx': {
    async up(db: Kysely<unknown>) {
      // SQLite cannot change a CHECK constraint in place: model_versions is rebuilt with the new kind allowed
      // (sqlite.org/lang_altertable.html, "other kinds of table schema changes"); promotions and alias
      // moves name it in their foreign keys, which hold again once the new table has the old name
      const enforced = (await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db)).rows[0]?.foreign_keys === 1
      await sql`pragma foreign_keys = off`.execute(db)
      await db.schema
        .createTable('model_versions_next')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('gbdt', 'scorecard', 'imported-xgboost', 'imported-lightgbm', 'imported-onnx')`))
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('artifact', 'text', (c) => c.notNull())
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('model_versions_pk', ['tenant_id', 'name', 'version'])
        .execute()
      await sql`insert into model_versions_next select tenant_id, name, version, kind, hash, artifact, metadata, created_by, created_at from model_versions`.execute(db)
      await db.schema.dropTable('model_versions').execute()
      await db.schema.alterTable('model_versions_next').renameTo('model_versions').execute()
      await db.schema.createIndex('model_versions_hash').on('model_versions').columns(['tenant_id', 'name', 'hash']).execute()
      const broken = await sql`pragma foreign_key_check`.execute(db)
      if (enforced) await sql`pragma foreign_keys = on`.execute(db)
      if (broken.rows.length > 0) throw new Error(`rebuilding model_versions broke ${broken.rows.length} foreign keys`)
    },
  },
  '0007-strategy-lifecycle': {
    async up(db: Kysely<unknown>) {
      // a version's state moves forward once per step (draft → submitted → approved); only a draft's document changes.
      // Versions recorded before this migration came from config files: approved, by `config`, when they were saved
      const versions = db.schema.alterTable('strategy_versions')
      await versions.addColumn('state', 'text', (c) => c.notNull().defaultTo('approved').check(sql`state in ('draft', 'submitted', 'approved')`)).execute()
      await versions.addColumn('authors', 'text', (c) => c.notNull().defaultTo('["config"]')).execute()
      await versions.addColumn('updated_at', 'integer').execute()
      await versions.addColumn('submitted_by', 'text').execute()
      await versions.addColumn('submitted_at', 'integer').execute()
      await versions.addColumn('submit_note', 'text', (c) => c.notNull().defaultTo('')).execute()
      await versions.addColumn('backtest_id', 'text').execute()
      await versions.addColumn('approved_by', 'text', (c) => c.defaultTo('config')).execute()
      await versions.addColumn('approved_at', 'integer').execute()
      await versions.addColumn('approve_note', 'text', (c) => c.notNull().defaultTo('')).execute()
      await sql`update strategy_versions set updated_at = saved_at, approved_at = saved_at`.execute(db)
      // each deployment names the one before it ('' for the first), and the unique constraint lets only one follow a
      // given deployment, so two concurrent changes of what runs cannot both land
      await db.schema
        .createTable('strategy_deployments')
        .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('strategy_id', 'text', (c) => c.notNull())
        .addColumn('champion', 'integer', (c) => c.notNull())
        .addColumn('challengers', 'text', (c) => c.notNull())
        .addColumn('shadows', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('config', 'publish', 'rollback')`))
        .addColumn('previous_id', 'text', (c) => c.notNull())
        .addColumn('moved_by', 'text', (c) => c.notNull())
        .addColumn('moved_at', 'integer', (c) => c.notNull())
        .addColumn('note', 'text', (c) => c.notNull())
        .addUniqueConstraint('strategy_deployments_chain', ['strategy_id', 'previous_id'])
        .addForeignKeyConstraint('strategy_deployments_champion', ['strategy_id', 'champion'], 'strategy_versions', ['strategy_id', 'version'])
        .execute()
      await db.schema.createIndex('strategy_deployments_strategy').on('strategy_deployments').columns(['strategy_id', 'seq']).execute()
    },
  },
  '0008-review-desk': {
    async up(db: Kysely<unknown>) {
      // a case per review decision; the queue is read by status, priority and SLA
      await db.schema
        .createTable('review_cases')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('decision_id', 'text', (c) => c.notNull().unique())
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('queue', 'text', (c) => c.notNull())
        .addColumn('risk', 'text', (c) => c.notNull().check(sql`risk in ('high', 'medium', 'low')`))
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open', 'claimed', 'closed')`))
        .addColumn('assignee', 'text')
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .addColumn('due_at', 'integer', (c) => c.notNull())
        .addColumn('callback_at', 'integer')
        .addColumn('claimed_at', 'integer')
        .addColumn('closed_at', 'integer')
        .addColumn('disposition', 'text')
        .addColumn('resolution', 'text')
        .addColumn('amount_minor', 'integer')
        .addColumn('entity_keys', 'text', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('review_cases_queue').on('review_cases').columns(['tenant_id', 'status', 'priority desc', 'due_at']).execute()
      await db.schema.createIndex('review_cases_assignee').on('review_cases').columns(['tenant_id', 'assignee', 'status']).execute()
      // a case's history: appended, never changed
      await db.schema
        .createTable('review_case_activities')
        .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('case_id', 'text', (c) => c.notNull().references('review_cases.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('at', 'integer', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('review_case_activities_case').on('review_case_activities').columns(['case_id', 'seq']).execute()
      // workbench users; a session is kept by the hash of its token only
      await db.schema
        .createTable('users')
        .addColumn('username', 'text', (c) => c.primaryKey())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('roles', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .addColumn('disabled_at', 'integer')
        .execute()
      await db.schema
        .createTable('user_sessions')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull().references('users.username'))
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .addColumn('expires_at', 'integer', (c) => c.notNull())
        .addColumn('ended_at', 'integer')
        .execute()
    },
  },
  '0009-review-desk-counts': {
    async up(db: Kysely<unknown>) {
      // the queue's counts read only this index: open and claimed cases by queue, with their SLA and call-back times
      await db.schema.createIndex('review_cases_counts').on('review_cases').columns(['tenant_id', 'status', 'queue', 'due_at', 'callback_at']).execute()
    },
  },
  '0010-ring-cases': {
    async up(db: Kysely<unknown>) {
      // a case is about a decision or about a ring (团伙) of the graph: decision_id and the event become optional, so
      // review_cases is rebuilt (SQLite cannot drop NOT NULL in place); its activities name it in a foreign key, which
      // holds again once the new table has the old name. Every index on it, whichever migration made it, is made again
      const enforced = (await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db)).rows[0]?.foreign_keys === 1
      await sql`pragma foreign_keys = off`.execute(db)
      const indexes = (await sql<{ sql: string }>`select sql from sqlite_master where type = 'index' and tbl_name = 'review_cases' and sql is not null`.execute(db)).rows
      await db.schema
        .createTable('review_cases_next')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull().defaultTo('decision').check(sql`kind in ('decision', 'ring')`))
        .addColumn('decision_id', 'text', (c) => c.unique())
        .addColumn('event_id', 'text')
        .addColumn('event_type', 'text')
        .addColumn('queue', 'text', (c) => c.notNull())
        .addColumn('risk', 'text', (c) => c.notNull().check(sql`risk in ('high', 'medium', 'low')`))
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open', 'claimed', 'closed')`))
        .addColumn('assignee', 'text')
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .addColumn('due_at', 'integer', (c) => c.notNull())
        .addColumn('callback_at', 'integer')
        .addColumn('claimed_at', 'integer')
        .addColumn('closed_at', 'integer')
        .addColumn('disposition', 'text')
        .addColumn('resolution', 'text')
        .addColumn('amount_minor', 'integer')
        .addColumn('entity_keys', 'text', (c) => c.notNull())
        // a ring case: the ring as last seen (risk, size, cohesion, growth, when computed), JSON
        .addColumn('ring', 'text')
        .addCheckConstraint('review_cases_subject', sql`(kind = 'decision' and decision_id is not null and event_id is not null and event_type is not null) or (kind = 'ring' and ring is not null)`)
        .execute()
      // a column another migration added before this one is carried over (type and default; a NOT NULL of it is not)
      const known = ['id', 'tenant_id', 'decision_id', 'event_id', 'event_type', 'queue', 'risk', 'priority', 'status', 'assignee', 'created_at', 'due_at', 'callback_at', 'claimed_at', 'closed_at', 'disposition', 'resolution', 'amount_minor', 'entity_keys']
      const columns = (await sql<{ name: string; type: string; dflt_value: string | null }>`pragma table_info(review_cases)`.execute(db)).rows
      const added = columns.filter((c) => !known.includes(c.name) && c.name !== 'kind' && c.name !== 'ring')
      for (const c of added) await sql.raw(`alter table review_cases_next add column "${c.name}" ${c.type}${c.dflt_value === null ? '' : ` default ${c.dflt_value}`}`).execute(db)
      const copied = [...known, ...added.map((c) => c.name)].map((name) => `"${name}"`).join(', ')
      await sql.raw(`insert into review_cases_next (${copied}, kind) select ${copied}, 'decision' from review_cases`).execute(db)
      await db.schema.dropTable('review_cases').execute()
      await db.schema.alterTable('review_cases_next').renameTo('review_cases').execute()
      for (const index of indexes) await sql.raw(index.sql).execute(db)
      // the ring cases of a tenant, read at each recomputation of the rings
      await db.schema.createIndex('review_cases_kind').on('review_cases').columns(['tenant_id', 'kind', 'status']).execute()
      const broken = await sql`pragma foreign_key_check`.execute(db)
      if (enforced) await sql`pragma foreign_keys = on`.execute(db)
      if (broken.rows.length > 0) throw new Error(`rebuilding review_cases broke ${broken.rows.length} foreign keys`)
      },
    },
  '0011-strategy-submission-review': {
    async up(db: Kysely<unknown>) {
      // a submission may also end rejected (by an approver, with a comment) or withdrawn (by its author), each once, with
      // who and when. SQLite cannot change the CHECK on state in place: strategy_versions is rebuilt, as model_versions
      // was in 0006; the deployments name it in their foreign key, which holds again once the new table has the old name
      const enforced = (await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db)).rows[0]?.foreign_keys === 1
      await sql`pragma foreign_keys = off`.execute(db)
      await db.schema
        .createTable('strategy_versions_next')
        .addColumn('strategy_id', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('document', 'text', (c) => c.notNull())
        .addColumn('saved_at', 'integer', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull().defaultTo('approved').check(sql`state in ('draft', 'submitted', 'approved', 'rejected', 'withdrawn')`))
        .addColumn('authors', 'text', (c) => c.notNull().defaultTo('["config"]'))
        .addColumn('updated_at', 'integer')
        .addColumn('submitted_by', 'text')
        .addColumn('submitted_at', 'integer')
        .addColumn('submit_note', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('backtest_id', 'text')
        .addColumn('approved_by', 'text', (c) => c.defaultTo('config'))
        .addColumn('approved_at', 'integer')
        .addColumn('approve_note', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('rejected_by', 'text')
        .addColumn('rejected_at', 'integer')
        .addColumn('reject_note', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('withdrawn_by', 'text')
        .addColumn('withdrawn_at', 'integer')
        .addColumn('withdraw_note', 'text', (c) => c.notNull().defaultTo(''))
        .addPrimaryKeyConstraint('strategy_versions_pk', ['strategy_id', 'version'])
        .execute()
      await sql`insert into strategy_versions_next (strategy_id, version, hash, document, saved_at, state, authors, updated_at, submitted_by, submitted_at, submit_note, backtest_id, approved_by, approved_at, approve_note)
        select strategy_id, version, hash, document, saved_at, state, authors, updated_at, submitted_by, submitted_at, submit_note, backtest_id, approved_by, approved_at, approve_note from strategy_versions`.execute(db)
      await db.schema.dropTable('strategy_versions').execute()
      await db.schema.alterTable('strategy_versions_next').renameTo('strategy_versions').execute()
      const broken = await sql`pragma foreign_key_check`.execute(db)
      if (enforced) await sql`pragma foreign_keys = on`.execute(db)
      if (broken.rows.length > 0) throw new Error(`rebuilding strategy_versions broke ${broken.rows.length} foreign keys`)
      },
    },
  '0012-case-claim-callbacks': {
    async up(db: Kysely<unknown>) {
      // a claim first looks for the reviewer's own due call-backs: with the call-back time in the index it reads only those, not every case waiting for them
      await db.schema.createIndex('review_cases_assignee_callback').on('review_cases').columns(['tenant_id', 'assignee', 'status', 'callback_at']).execute()
      await db.schema.dropIndex('review_cases_assignee').execute()
    },
  },
  '0013-strategy-tenants': {
    async up(db: Kysely<unknown>) {
      // a strategy becomes a tenant's: its versions and deployments get the tenant, its id is unique within the tenant
      // (the keys start with the tenant), and a deployment names a version of its own tenant. Everything recorded before
      // is the default tenant's, as every config file and every workbench user is. SQLite cannot change a primary key in
      // place: both tables are rebuilt, as in 0011, carrying over any column another migration added meanwhile
      const enforced = (await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db)).rows[0]?.foreign_keys === 1
      await sql`pragma foreign_keys = off`.execute(db)
      await db.schema
        .createTable('strategy_versions_next')
        .addColumn('tenant_id', 'text', (c) => c.notNull().defaultTo('default'))
        .addColumn('strategy_id', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('document', 'text', (c) => c.notNull())
        .addColumn('saved_at', 'integer', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull().defaultTo('approved').check(sql`state in ('draft', 'submitted', 'approved', 'rejected', 'withdrawn')`))
        .addColumn('authors', 'text', (c) => c.notNull().defaultTo('["config"]'))
        .addColumn('updated_at', 'integer')
        .addColumn('submitted_by', 'text')
        .addColumn('submitted_at', 'integer')
        .addColumn('submit_note', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('backtest_id', 'text')
        .addColumn('approved_by', 'text', (c) => c.defaultTo('config'))
        .addColumn('approved_at', 'integer')
        .addColumn('approve_note', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('rejected_by', 'text')
        .addColumn('rejected_at', 'integer')
        .addColumn('reject_note', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('withdrawn_by', 'text')
        .addColumn('withdrawn_at', 'integer')
        .addColumn('withdraw_note', 'text', (c) => c.notNull().defaultTo(''))
        .addPrimaryKeyConstraint('strategy_versions_pk', ['tenant_id', 'strategy_id', 'version'])
        .execute()
      await copyIntoWithDefaultTenant(db, 'strategy_versions')
      await db.schema.dropTable('strategy_versions').execute()
      await db.schema.alterTable('strategy_versions_next').renameTo('strategy_versions').execute()
      await db.schema
        .createTable('strategy_deployments_next')
        .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('tenant_id', 'text', (c) => c.notNull().defaultTo('default'))
        .addColumn('strategy_id', 'text', (c) => c.notNull())
        .addColumn('champion', 'integer', (c) => c.notNull())
        .addColumn('challengers', 'text', (c) => c.notNull())
        .addColumn('shadows', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('config', 'publish', 'rollback')`))
        .addColumn('previous_id', 'text', (c) => c.notNull())
        .addColumn('moved_by', 'text', (c) => c.notNull())
        .addColumn('moved_at', 'integer', (c) => c.notNull())
        .addColumn('note', 'text', (c) => c.notNull())
        .addUniqueConstraint('strategy_deployments_chain', ['tenant_id', 'strategy_id', 'previous_id'])
        .addForeignKeyConstraint('strategy_deployments_champion', ['tenant_id', 'strategy_id', 'champion'], 'strategy_versions', ['tenant_id', 'strategy_id', 'version'])
        .execute()
      await copyIntoWithDefaultTenant(db, 'strategy_deployments')
      await db.schema.dropTable('strategy_deployments').execute()
      await db.schema.alterTable('strategy_deployments_next').renameTo('strategy_deployments').execute()
      await db.schema.createIndex('strategy_deployments_strategy').on('strategy_deployments').columns(['tenant_id', 'strategy_id', 'seq']).execute()
      const broken = await sql`pragma foreign_key_check`.execute(db)
      if (enforced) await sql`pragma foreign_keys = on`.execute(db)
      if (broken.rows.length > 0) throw new Error(`rebuilding the strategy tables broke ${broken.rows.length} foreign keys`)
    },
  },
  '0014-ring-case-members': {
    async up(db: Kysely<unknown>) {
      // a ring case's members as rows: the cases of an entity are found by an index instead of a LIKE over every ring
      // case's JSON, and a reviewer can exclude one member (who, when, why) before closing the case
      await db.schema
        .createTable('ring_case_members')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('case_id', 'text', (c) => c.notNull().references('review_cases.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('entity_key', 'text', (c) => c.notNull())
        .addColumn('excluded_by', 'text')
        .addColumn('excluded_at', 'integer')
        .addColumn('excluded_reason', 'text')
        .addPrimaryKeyConstraint('ring_case_members_pk', ['case_id', 'kind', 'entity_key'])
        .modifyEnd(sql`without rowid`)
        .execute()
      await db.schema.createIndex('ring_case_members_entity').on('ring_case_members').columns(['tenant_id', 'entity_key']).execute()
      // the members of the ring cases made before, from their JSON
      await sql`insert or ignore into ring_case_members (tenant_id, case_id, kind, entity_key)
        select c.tenant_id, c.id, k.key, v.value from review_cases c, json_each(c.entity_keys) k, json_each(k.value) v
        where c.kind = 'ring' and k.type = 'array' and v.type = 'text'`.execute(db)
    },
  },
  '0015-backtest-jobs': {
    async up(db: Kysely<unknown>) {
      // a backtest becomes a stored job: the whole request and the registry model versions it scores with are kept, so a
      // starting server resumes the queued and interrupted ones; it may be queued, and cancelled. SQLite cannot change the
      // CHECK on status in place, so the table is rebuilt (nothing references it by key). A backtest recorded as running
      // before this had no stored request and cannot be resumed: it ends failed, as the API already showed it
      await db.schema
        .createTable('backtests_next')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('strategy_id', 'text', (c) => c.notNull())
        .addColumn('strategy_version', 'integer', (c) => c.notNull())
        .addColumn('strategy_hash', 'text', (c) => c.notNull())
        .addColumn('strategy_document', 'text', (c) => c.notNull())
        .addColumn('period_from', 'integer', (c) => c.notNull())
        .addColumn('period_to', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('queued', 'running', 'done', 'failed', 'cancelled')`))
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('requested_at', 'integer', (c) => c.notNull())
        .addColumn('finished_at', 'integer')
        .addColumn('report', 'text')
        .addColumn('error', 'text')
        .addColumn('request', 'text')
        .addColumn('models', 'text')
        .addColumn('started_at', 'integer')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('cancelled_by', 'text')
        .execute()
      await sql`insert into backtests_next (id, tenant_id, strategy_id, strategy_version, strategy_hash, strategy_document, period_from, period_to, status, requested_by, requested_at, finished_at, report, error, started_at, attempts)
        select id, tenant_id, strategy_id, strategy_version, strategy_hash, strategy_document, period_from, period_to,
          case status when 'running' then 'failed' else status end, requested_by, requested_at, finished_at, report,
          case status when 'running' then 'interrupted: the server stopped before the backtest ended' else error end, requested_at, 1
        from backtests`.execute(db)
      await db.schema.dropTable('backtests').execute()
      await db.schema.alterTable('backtests_next').renameTo('backtests').execute()
      await db.schema.createIndex('backtests_strategy').on('backtests').columns(['tenant_id', 'strategy_id', 'requested_at']).execute()
      // what a starting server resumes: few rows, found without reading every report
      await db.schema.createIndex('backtests_unfinished').on('backtests').columns(['requested_at', 'id']).where(sql<boolean>`status in ('queued', 'running')`).execute()
    },
  },
  '0016-user-tenants': {
    async up(db: Kysely<unknown>) {
      // a workbench user belongs to a tenant and acts for it, as an API key does; every user made before is the default
      // tenant's, as it acted for it. Usernames stay unique across tenants (a sign-in names no tenant)
      await db.schema.alterTable('users').addColumn('tenant_id', 'text', (c) => c.notNull().defaultTo('default')).execute()
      await db.schema.createIndex('users_tenant').on('users').columns(['tenant_id', 'username']).execute()
    },
  },
  '0017-api-key-owners': {
    async up(db: Kysely<unknown>) {
      // a key may act as a workbench user, so that one person's keys count as that person in four-eyes checks;
      // the keys made before have none and stay their own actors
      await db.schema.alterTable('api_keys').addColumn('owner', 'text').execute()
    },
  },
}

/**
 * Copies every row of `table` into `${table}_next`, which has the same columns and a `tenant_id`: the rows become the
 * default tenant's. A column of `table` the new table lacks (added by another migration meanwhile) is added to it first,
 * with its type and default (a NOT NULL of it is not carried over), so nothing is lost.
 */
async function copyIntoWithDefaultTenant(db: Kysely<unknown>, table: string) {
  type Column = { name: string; type: string; dflt_value: string | null }
  const columns = (await sql<Column>`select name, type, dflt_value from pragma_table_info(${table})`.execute(db)).rows
  const next = new Set((await sql<Column>`select name from pragma_table_info(${`${table}_next`})`.execute(db)).rows.map((c) => c.name))
  for (const c of columns.filter((c) => !next.has(c.name))) {
    await sql.raw(`alter table "${table}_next" add column "${c.name}" ${c.type}${c.dflt_value === null ? '' : ` default ${c.dflt_value}`}`).execute(db)
  }
  const copied = columns.filter((c) => c.name !== 'tenant_id').map((c) => `"${c.name}"`).join(', ')
  await sql.raw(`insert into "${table}_next" (tenant_id, ${copied}) select 'default', ${copied} from "${table}"`).execute(db)
}
