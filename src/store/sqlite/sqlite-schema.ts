import type { Generated } from 'kysely'

/** Row types of the SQLite schema, as Kysely sees them. */
export interface SqliteSchema {
  decisions: {
    seq: Generated<number>
    decision_id: string
    tenant_id: string
    event_id: string
    event_type: string
    action: string
    occurred_at: number
    decided_at: number
    strategy_id: string | null
    strategy_version: number | null
    body_hash: string
    sealed_event: Buffer
    entity_keys: string
    trace: string
    response: string
    previous_hash: string
    hash: string
  }
  decision_entities: { tenant_id: string; entity_key: string; seq: number }
  strategy_versions: {
    strategy_id: string
    version: number
    hash: string
    document: string
    saved_at: number
    // 0007-strategy-lifecycle
    state: Generated<string>
    authors: Generated<string>
    updated_at: number | null
    submitted_by: string | null
    submitted_at: number | null
    submit_note: Generated<string>
    backtest_id: string | null
    approved_by: Generated<string | null>
    approved_at: number | null
    approve_note: Generated<string>
    // 0011-strategy-submission-review
    rejected_by: string | null
    rejected_at: number | null
    reject_note: Generated<string>
    withdrawn_by: string | null
    withdrawn_at: number | null
    withdraw_note: Generated<string>
    // 0013-strategy-tenants
    tenant_id: string
  }
  feature_versions: { name: string; version: number; hash: string; definition: string; saved_at: number }
  event_types: { tenant_id: string; type: string; definition: string }
  api_keys: { id: string; tenant_id: string; name: string; secret_hash: string; created_at: number; revoked_at: number | null; owner: string | null }
  lists: { tenant_id: string; name: string; kind: string; entity_kind: string; description: string; created_by: string; created_at: number }
  list_entries: {
    seq: Generated<number>
    id: string
    tenant_id: string
    list_name: string
    entity_key: string
    masked_value: string
    reason: string
    source: string
    added_by: string
    added_at: number
    expires_at: number | null
    removed_at: number | null
    removed_by: string | null
  }
  model_versions: {
    tenant_id: string
    name: string
    version: number
    kind: string
    hash: string
    artifact: string
    metadata: string
    created_by: string
    created_at: number
  }
  model_promotions: {
    seq: Generated<number>
    id: string
    tenant_id: string
    name: string
    alias: string
    version: number
    requested_by: string
    requested_at: number
    note: string
    status: string
    approved_by: string | null
    approved_at: number | null
  }
  model_alias_moves: {
    seq: Generated<number>
    id: string
    tenant_id: string
    name: string
    alias: string
    previous_move_id: string
    from_version: number | null
    to_version: number
    kind: string
    promotion_id: string | null
    moved_by: string
    moved_at: number
    note: string
  }
  backtests: {
    id: string
    tenant_id: string
    strategy_id: string
    strategy_version: number
    strategy_hash: string
    strategy_document: string
    period_from: number
    period_to: number
    status: string
    requested_by: string
    requested_at: number
    finished_at: number | null
    report: string | null
    error: string | null
    // 0015-backtest-jobs
    request: string | null
    models: string | null
    started_at: number | null
    attempts: number
    cancelled_by: string | null
  }
  strategy_deployments: {
    seq: Generated<number>
    id: string
    // 0013-strategy-tenants
    tenant_id: string
    strategy_id: string
    champion: number
    challengers: string
    shadows: string
    kind: string
    previous_id: string
    moved_by: string
    moved_at: number
    note: string
  }
  review_cases: {
    id: string
    tenant_id: string
    kind: string
    decision_id: string | null
    event_id: string | null
    event_type: string | null
    queue: string
    risk: string
    priority: number
    status: string
    assignee: string | null
    created_at: number
    due_at: number
    callback_at: number | null
    claimed_at: number | null
    closed_at: number | null
    disposition: string | null
    resolution: string | null
    amount_minor: number | null
    entity_keys: string
    ring: string | null
  }
  /** A ring case's members, one row each (migration `0014-ring-case-members`); an excluded one says who excluded it, when and why. */
  ring_case_members: {
    tenant_id: string
    case_id: string
    kind: string
    entity_key: string
    excluded_by: string | null
    excluded_at: number | null
    excluded_reason: string | null
  }
  review_case_activities: { seq: Generated<number>; id: string; case_id: string; kind: string; actor: string; at: number; data: string }
  users: { username: string; display_name: string; roles: string; password_hash: string; created_at: number; disabled_at: number | null; /* 0016-user-tenants */ tenant_id: string }
  user_sessions: { token_hash: string; username: string; created_at: number; expires_at: number; ended_at: number | null }
}
