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
}
