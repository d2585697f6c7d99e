import type { UserStore } from '../access/user-store.ts'
import type { CaseStore } from '../cases/case-store.ts'
import type { Action } from '../core/actions.ts'
import type { CustomEventType } from '../events/event-type-registry.ts'
import type { ListDefinition, ListEntry } from '../lists/list.ts'
import type { AliasMoveRecord, ModelArtifactRecord, ModelPromotionRecord, ModelVersionRecord } from '../models/registry/model-records.ts'
import type { StrategyDeployment } from '../strategy/lifecycle/deployment.ts'
import type { Approval, DraftChange, StrategyVersionRecord, Submission, SubmissionEnd } from '../strategy/lifecycle/strategy-records.ts'

/**
 * The records port: everything that must survive a crash. The SQLite adapter
 * is the embedded default; `test/conformance/record-store.spec.ts` is the
 * contract every adapter passes.
 */
export interface RecordStore {
  /** The review desk's cases and their history. */
  readonly cases: CaseStore
  /** Workbench users and their sessions. */
  readonly users: UserStore

  /** Appends decisions in order, durably, in one transaction; all or none. */
  appendDecisions(batch: StoredDecision[]): Promise<void>
  lastDecisionHash(): Promise<string | undefined>
  /** The decision of an event: for idempotent replies, and the entity keys a later label of it inherits. */
  findByEventId(tenantId: string, eventId: string): Promise<{ bodyHash: string; response: string; entityKeys: Record<string, string[]> } | undefined>
  getDecision(tenantId: string, decisionId: string): Promise<StoredDecision | undefined>
  listDecisions(query: DecisionQuery): Promise<{ items: StoredDecision[]; nextCursor?: string }>
  /** Every decision whose event occurred at or after `sinceMs`, in the order they were appended (after position `afterSeq`). */
  decisionsSince(sinceMs: number, batchSize?: number, afterSeq?: number): AsyncIterable<StoredDecision[]>
  /** The position in the log (append order) of the decision with this chain hash. */
  seqOfDecisionHash(hash: string): Promise<number | undefined>

  saveStrategyVersion(version: StoredStrategyVersion): Promise<void>
  getStrategyVersion(tenantId: string, id: string, version: number): Promise<StoredStrategyVersion | undefined>

  /** Records a feature definition under the next version unless its latest version has the same hash; returns the version in force. */
  recordFeatureVersion(name: string, hash: string, definition: string, atMs: number): Promise<StoredFeatureVersion>
  listFeatureVersions(name?: string): Promise<StoredFeatureVersion[]>

  saveEventType(definition: CustomEventType): Promise<void>
  listEventTypes(): Promise<CustomEventType[]>

  saveApiKey(key: StoredApiKey): Promise<void>
  findApiKey(id: string): Promise<StoredApiKey | undefined>
  listApiKeys(): Promise<StoredApiKey[]>
  revokeApiKey(id: string, atMs: number): Promise<boolean>

  // lists (名单): entries are never deleted; a removal is recorded on the entry
  /** False when the tenant already has a list of that name (which stays as it was). */
  createList(list: ListDefinition): Promise<boolean>
  /** Every list of every tenant, by tenant and name. */
  listLists(): Promise<ListDefinition[]>
  /** All or none, in one transaction. */
  addListEntries(entries: ListEntry[]): Promise<void>
  getListEntry(tenantId: string, listName: string, entryId: string): Promise<ListEntry | undefined>
  /** Records the removal and returns the entry as it now stands; undefined if there is no such entry or it was already removed. */
  removeListEntry(tenantId: string, listName: string, entryId: string, removedBy: string, atMs: number): Promise<ListEntry | undefined>
  /** Entries in the order they were added, filtered by what the query gives. */
  listEntries(query: ListEntryQuery): Promise<ListEntry[]>

  // the model registry (模型注册表): versions are immutable; promotions and alias moves are kept for good
  /**
   * Records a version under the model's next number (1, 2, …), unless the
   * model already has a version with the same artifact hash: then that one is
   * returned, unchanged, with `created: false`.
   */
  addModelVersion(version: Omit<ModelArtifactRecord, 'version'>): Promise<{ version: ModelVersionRecord; created: boolean }>
  /** One version with its artifact. */
  getModelVersion(tenantId: string, name: string, version: number): Promise<ModelArtifactRecord | undefined>
  /** Versions without their artifacts, by name then version; one model's when `name` is given. */
  listModelVersions(tenantId: string, name?: string): Promise<ModelVersionRecord[]>
  /** The tenants that have registered a model: whose models a starting engine loads. */
  listModelTenants(): Promise<string[]>
  createModelPromotion(promotion: ModelPromotionRecord): Promise<void>
  getModelPromotion(tenantId: string, name: string, id: string): Promise<ModelPromotionRecord | undefined>
  /** A model's promotions in the order they were requested. */
  listModelPromotions(tenantId: string, name: string): Promise<ModelPromotionRecord[]>
  /**
   * Appends a move of an alias, and with `approval` records that promotion's
   * approval in the same transaction: all or none. False (nothing recorded)
   * when another move already follows `move.previousMoveId`, or the promotion
   * is not pending any more.
   */
  moveModelAlias(move: AliasMoveRecord, approval?: { promotionId: string; approvedBy: string; atMs: number }): Promise<boolean>
  /** A model's alias moves, every alias, in the order they were made. */
  listModelAliasMoves(tenantId: string, name: string): Promise<AliasMoveRecord[]>

  // backtests: a draft strategy replayed over history; the report is kept for the submission that cites it
  /** The events of the log for a replay, in append order, without their replies and traces. */
  loggedEvents(query: LoggedEventQuery): AsyncIterable<LoggedEvent[]>
  /** How many events `loggedEvents(query)` would yield now: a progress bar's total. */
  countLoggedEvents(query: LoggedEventQuery): Promise<number>
  /** The SQLite file holding the log, when the store is one on disk: a backtest reads it ahead on a worker thread (read-only). */
  readonly logFile?: string | undefined
  /** Records a backtest as requested (status `queued`, or `done` when run in the asking process). */
  createBacktest(backtest: StoredBacktest): Promise<void>
  /** Marks a queued or running backtest as (re)started, counting the attempt: false when it has ended. */
  startBacktest(tenantId: string, id: string, atMs: number): Promise<boolean>
  /** Records its end once: false (nothing changed) when there is no such backtest or it has ended already. */
  finishBacktest(tenantId: string, id: string, end: BacktestEnd): Promise<boolean>
  /** Every tenant's backtests not ended yet (queued or running), oldest request first, with their documents and requests: what a starting server resumes. */
  unfinishedBacktests(): Promise<StoredBacktest[]>
  getBacktest(tenantId: string, id: string): Promise<StoredBacktest | undefined>
  /** A strategy's backtests (any version), newest first, without their documents, requests and reports (`strategyDocument` '', the others null). */
  listBacktests(tenantId: string, strategyId: string): Promise<StoredBacktest[]>

  // the strategy lifecycle: versions go draft → submitted → approved, rejected or withdrawn (a draft's document may
  // change, nothing else does); deployments form a chain per strategy, each naming the one before it, and are never changed.
  // A strategy is a tenant's: its id is unique within the tenant, and every read and change names the tenant
  /** Records a version (a new draft, or one approved at once from the config folder); false, nothing recorded, when the tenant's strategy has that version already. */
  addStrategyVersion(version: StrategyVersionRecord): Promise<boolean>
  /** Replaces a draft's document; false (nothing changed) when there is no such version or it is not a draft any more. */
  replaceStrategyDraft(tenantId: string, id: string, version: number, change: DraftChange): Promise<boolean>
  /** Draft → submitted; false (nothing changed) when there is no such version or it is not a draft. */
  submitStrategyVersion(tenantId: string, id: string, version: number, submission: Submission): Promise<boolean>
  /**
   * Submitted → approved and, with `deployment`, that deployment appended, in
   * one transaction: all or none. False (nothing recorded) when the version is
   * not submitted any more, or another deployment already follows
   * `deployment.previousId`.
   */
  approveStrategyVersion(tenantId: string, id: string, version: number, approval: Approval, deployment?: StrategyDeployment): Promise<boolean>
  /** Submitted → rejected or withdrawn, with who, when and why; false (nothing changed) when there is no such version or it is not submitted any more. */
  endStrategySubmission(tenantId: string, id: string, version: number, end: SubmissionEnd): Promise<boolean>
  getStrategyVersionRecord(tenantId: string, id: string, version: number): Promise<StrategyVersionRecord | undefined>
  /** The tenant's versions with their documents, by strategy id then version; one strategy's when `id` is given. */
  listStrategyVersions(tenantId: string, id?: string): Promise<StrategyVersionRecord[]>
  /** Appends a deployment; false (nothing recorded) when another deployment already follows `deployment.previousId` (null: the strategy's first). */
  addStrategyDeployment(deployment: StrategyDeployment): Promise<boolean>
  /** Deployments in the order they were made: of every tenant (null; what the engine serves at start), or of one, or of one strategy of one. */
  listStrategyDeployments(tenantId: string | null, strategyId?: string): Promise<StrategyDeployment[]>

  close(): Promise<void>
}

export interface StoredDecision {
  decisionId: string
  tenantId: string
  eventId: string
  eventType: string
  action: Action
  occurredAtMs: number
  decidedAtMs: number
  strategyId: string | null
  strategyVersion: number | null
  bodyHash: string
  /** The event as posted, encrypted: it holds personal data. */
  sealedEvent: Buffer
  /** Blind indexes of the event's entities, by kind. */
  entityKeys: Record<string, string[]>
  /** What is needed to reproduce the decision: feature snapshot, scores, rules hit, rule errors. */
  trace: string
  /** The exact bytes returned to the client, so a replay of the event id returns them unchanged. */
  response: string
  previousHash: string
  hash: string
}

export interface DecisionQuery {
  tenantId: string
  action?: Action
  eventType?: string
  entityKey?: string
  fromMs?: number
  toMs?: number
  limit: number
  cursor?: string
}

export interface StoredStrategyVersion {
  tenantId: string
  id: string
  version: number
  hash: string
  document: string
  savedAtMs: number
}

export interface StoredFeatureVersion {
  name: string
  version: number
  hash: string
  definition: string
  savedAtMs: number
}

export interface StoredApiKey {
  id: string
  tenantId: string
  name: string
  /** The workbench user the key acts as (their roles, their name in four-eyes checks), or null: the key is its own actor. */
  owner: string | null
  secretHash: string
  createdAtMs: number
  revokedAtMs: number | null
}

export interface ListEntryQuery {
  tenantId?: string
  listName?: string
  /** Only the entries of this blind index. */
  entityKey?: string
  /** Only entries added after the entry of this id (none if there is no such entry): a cursor. */
  afterId?: string
  limit?: number
}

/** Which decisions `loggedEvents` yields: those whose event occurred in [sinceMs, untilMs) and, when given, is of one of `eventTypes`. */
export interface LoggedEventQuery {
  sinceMs: number
  untilMs?: number
  eventTypes?: readonly string[]
  /** Only events of these types come with their sealed copy (`sealedEvent`, null for the others); all of them when not given. */
  sealedOf?: readonly string[]
  /** Decisions per batch yielded (5,000 unless told). */
  batchSize?: number
  /** Only decisions logged after this position (`seq`): the rest of the log after a snapshot. */
  afterSeq?: number
}

/** A decision's event and outcome, without the reply and the trace: what a replay of the log reads. */
export type LoggedEvent = Pick<StoredDecision, 'tenantId' | 'eventId' | 'eventType' | 'action' | 'occurredAtMs' | 'strategyId' | 'strategyVersion' | 'entityKeys'> & {
  /** The position in the log (append order): increasing, not necessarily consecutive. */
  seq: number
  sealedEvent: Buffer | null
}

/** A backtest's record: what was replayed, by whom, and once ended its report (JSON) or why it failed. */
export interface StoredBacktest {
  id: string
  tenantId: string
  strategyId: string
  strategyVersion: number
  /** sha256 of the draft's canonical JSON: what a submission checks it carries the document that was backtested. */
  strategyHash: string
  /** The draft as backtested (canonical JSON). */
  strategyDocument: string
  fromMs: number
  toMs: number
  status: BacktestStatus
  requestedBy: string
  requestedAtMs: number
  /** The whole request as checked (`BacktestRequest`, JSON): what a restarted server runs it with. Null for backtests recorded before 0015. */
  request: string | null
  /** The registry models the draft scored with when asked for, pinned at their versions (`Record<string, ModelUse>`, JSON). */
  models: string | null
  /** When it last started (a resumed backtest starts again from the beginning), and how many times it has. */
  startedAtMs: number | null
  attempts: number
  finishedAtMs: number | null
  report: string | null
  error: string | null
  cancelledBy: string | null
}

/** queued → running → done | failed | cancelled (queued may be cancelled too); a stop leaves running ones running, to be resumed. */
export type BacktestStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled'

export type BacktestEnd =
  | { status: 'done'; finishedAtMs: number; report: string }
  | { status: 'failed'; finishedAtMs: number; error: string }
  | { status: 'cancelled'; finishedAtMs: number; by: string }
