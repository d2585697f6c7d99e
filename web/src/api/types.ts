/**
 * The shapes of the public API the workbench reads, as documented in
 * README.md, docs/review-desk.md, docs/monitoring.md,
 * docs/reference/strategies.md and docs/workbench.md (OpenAPI: /openapi.json).
 * Written here rather than imported from the server: the UI depends on the
 * API, not on the server's code.
 */

export type Role = 'reviewer' | 'analyst' | 'approver' | 'admin'
export type Action = 'approve' | 'step_up' | 'review' | 'reject'
export const actions: Action[] = ['approve', 'step_up', 'review', 'reject']

export interface User {
  username: string
  displayName: string
  roles: Role[]
}

export interface Reason {
  code: string
  message: { zh: string; en: string }
  evidence: Record<string, unknown>
  ruleId?: string
  ruleSetId?: string
}

export interface Decision {
  decisionId: string
  eventId: string
  eventType: string
  action: Action
  offer?: { limitMinor: number; aprBps: number }
  scores: Record<string, number>
  models?: Record<string, { model: string; alias: string; version: number }>
  reasons: Reason[]
  features: Record<string, number>
  strategy: { id: string; version: number; arm?: 'champion' | 'challenger' } | null
  decidedAt: string
  latencyMs: number
}

export interface Explanation {
  decisionId: string
  reproduced: boolean
  differences: string[]
  decision: Decision
  hits: string[]
  path: string[]
  ruleErrors: { ruleId: string; message: string }[]
  replayed: Pick<Decision, 'action' | 'scores' | 'models' | 'reasons' | 'offer'>
}

export type CaseStatus = 'open' | 'claimed' | 'closed'
export type CaseRisk = 'high' | 'medium' | 'low'
export const callOutcomes = [
  'reached_applicant',
  'someone_else_answered',
  'no_answer',
  'number_not_in_service',
  'refused',
  'suspected_scam_victim',
  'confirmed_impersonation',
] as const
export type CallOutcome = (typeof callOutcomes)[number]
export const dispositions = ['confirmed_fraud', 'scam_victim_dissuaded', 'legitimate_approve', 'credit_risk'] as const
export type Disposition = (typeof dispositions)[number]
export type EntityKind = 'user' | 'id_number' | 'phone' | 'device' | 'ip' | 'bank_card' | 'address' | 'contacts' | 'equipment' | 'terminal'

export interface ReviewCase {
  id: string
  /** A review decision's case, or a ring case (docs/review-desk.md, "Ring cases"). */
  kind: 'decision' | 'ring'
  decisionId: string | null
  eventId: string | null
  eventType: string | null
  queue: string
  risk: CaseRisk
  priority: number
  status: CaseStatus
  assignee: string | null
  createdAtMs: number
  dueAtMs: number
  callbackAtMs: number | null
  claimedAtMs: number | null
  closedAtMs: number | null
  disposition: Disposition | null
  resolution: Action | null
  amountMinor: number | null
  /** Blind indexes by entity kind: the event's entities, or a ring case's members. */
  entityKeys: Partial<Record<EntityKind, string[]>>
  ring: RingCaseSummary | null
}

/** A ring as its case last saw it (docs/graph.md). */
export interface RingCaseSummary {
  ringId: number
  computedAt: string
  users: number
  nodes: number
  riskUsers: number
  newUsers: number
  risk: number
  cohesion: number
  growth: number
}

/** A node of the relationship graph as /v1/graph answers it: kind and key prefix, never a value. */
export interface GraphNode {
  id: number
  kind: EntityKind
  keyPrefix: string
  hop: number
  firstSeen: string
  lastSeen: string
  degree: number
  users: number
  labels: string[]
  riskLabels: number
  ring: { id: number; users: number; risk: number; growth: number } | null
  componentNodes: number
  propagatedRisk: number
}

export interface GraphEdge {
  source: number
  target: number
  /** The kinds of its ends, user first: `user-device`, `user-phone`, … */
  type: string
  count: number
  firstSeen: string
  lastSeen: string
}

export interface Neighbourhood {
  center: number
  nodes: GraphNode[]
  edges: GraphEdge[]
  truncated: boolean
  window: { from: string | null; to: string | null }
  ringsComputedAt: string | null
}

/** A ring case's member taken out of it by a reviewer, with why. */
export interface ExcludedMember {
  kind: string
  entityKey: string
  by: string
  atMs: number
  reason: string
}

export const ringSorts = ['risk', 'users', 'nodes', 'riskUsers', 'growth', 'cohesion', 'firstSeen', 'lastJoined', 'since'] as const
export type RingSort = (typeof ringSorts)[number]

/** A ring of the last computation as GET /v1/graph/rings lists it: counts, times and ids, no key or value. */
export interface RingListItem {
  id: number
  risk: number
  cohesion: number
  users: number
  nodes: number
  riskUsers: number
  riskNodes: number
  newUsers: number
  growth: number
  members: Partial<Record<EntityKind, number>>
  labelledUsers: Partial<Record<string, number>>
  firstSeen: string
  lastJoined: string
  focusNode: number
  /** When the ring was first found under this id; its users at the previous computation (0: new); a ring it split off; rings it took in; its size over time. */
  since: string
  previousUsers: number
  splitFrom: number | null
  absorbed: number[]
  history: { at: string; users: number }[]
  case: { id: string; status: CaseStatus; disposition: Disposition | null; risk: CaseRisk } | null
}

export interface RingList {
  computedAt: string | null
  total: number
  offset: number
  limit: number
  items: RingListItem[]
}

export interface GraphNodeDetail {
  node: GraphNode
  decisions: RelatedDecision[]
  moreDecisions: boolean
  cases: Pick<ReviewCase, 'id' | 'kind' | 'status' | 'risk' | 'queue' | 'createdAtMs' | 'disposition'>[]
}

export interface CaseActivity {
  id: string
  caseId: string
  kind: 'opened' | 'claimed' | 'released' | 'call' | 'callback_scheduled' | 'revealed' | 'closed' | 'ring_grown' | 'ring_linked' | 'member_excluded' | 'member_readmitted'
  actor: string
  atMs: number
  data: Record<string, unknown>
}

export interface RelatedDecision {
  decisionId: string
  eventId: string
  eventType: string
  action: Action
  decidedAt: string
}

export interface CaseView {
  case: ReviewCase
  /** Null for a ring case. */
  decision: Decision | null
  event: { id: string; type: string; occurredAt: string; data: Record<string, unknown> } | null
  activities: CaseActivity[]
  related: { kind: EntityKind; decisions: RelatedDecision[] }[]
  /** A ring case's members a reviewer excluded: closing as fraud labels them not. */
  excluded: ExcludedMember[]
  /** A ring case: its members' subgraph as the graph stands now. */
  subgraph?: Neighbourhood
}

export interface QueueCounts {
  open: number
  claimed: number
  waitingCallback: number
  breached: number
  byQueue: Record<string, { open: number; claimed: number; breached: number }>
}

export interface Page<T> {
  items: T[]
  nextCursor?: string
}

export interface EventType {
  type: string
  description?: string
  entities: Partial<Record<EntityKind, string>>
}

export type VersionState = 'draft' | 'submitted' | 'approved' | 'rejected' | 'withdrawn' | 'live' | 'retired'

export interface StrategySummary {
  tenantId: string
  id: string
  eventType: string
  product?: string
  stage?: string
  live: { champion: number; challengers: { version: number; share: number }[]; shadows: number[]; deploymentId: string; deployedAt: string } | null
  versions: Partial<Record<VersionState, number[]>>
}

export interface StrategyVersion {
  id: string
  version: number
  state: VersionState
  role: 'champion' | 'challenger' | 'shadow' | null
  hash: string
  authors: string[]
  createdAt: string
  updatedAt: string
  submittedBy: string | null
  submittedAt: string | null
  submitNote: string
  backtestId: string | null
  approvedBy: string | null
  approvedAt: string | null
  approveNote: string
  rejectedBy: string | null
  rejectedAt: string | null
  rejectNote: string
  withdrawnBy: string | null
  withdrawnAt: string | null
  withdrawNote: string
}

export interface Deployment {
  id: string
  strategyId: string
  kind: 'config' | 'publish' | 'rollback'
  champion: number
  challengers: { version: number; share: number }[]
  shadows: number[]
  previousId: string | null
  movedBy: string
  movedAt: string
  note: string
}

export interface StrategyDetail {
  tenantId: string
  id: string
  eventType: string
  product?: string
  stage?: string
  versions: StrategyVersion[]
  live: Deployment | null
  rollbackTo: Deployment | null
  deployments: Deployment[]
}

export interface Diff {
  changes: { op: 'added' | 'removed' | 'changed' | 'reordered'; path: string; from?: unknown; to?: unknown }[]
  lines: string[]
}

export interface BacktestSummary {
  id: string
  status: BacktestStatus
  from: string
  to: string
  requestedBy: string
  finishedAt: string | null
  figures: {
    decided?: number
    approvalRate?: { draft: number; live: number; change: number }
    changed?: { events?: number; rate?: number }
    reviews?: { draft?: number; live?: number }
    precision?: { draft?: number | null; live?: number | null }
    recall?: { draft?: number | null; live?: number | null }
    ruleErrors?: number
  } | null
  error: string | null
}

export interface StrategyDocumentView extends StrategyVersion {
  document: StrategyDocument
  review?: { against: number | null; diff: Diff | null; backtest: BacktestSummary | null }
}

export interface StrategyRule {
  id: string
  when: string
  action: Action
  reason?: { code: string; zh: string; en: string }
  [key: string]: unknown
}

export interface StrategyDocument {
  id: string
  version: number
  eventType: string
  description?: string
  models?: { name: string; kind: string }[]
  ruleSets?: { id: string; mode: string; rules: StrategyRule[] }[]
  flow?: unknown[]
  [key: string]: unknown
}

export type BacktestStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled'

/** The nodes of a flow the workbench edits in forms (docs/reference/strategies.md, "The flow"). */
export interface NodeReason {
  code: string
  zh: string
  en: string
}
export type NextTarget = string | { hit?: string; miss?: string }

export interface DecisionTableNode {
  id: string
  type: 'decisionTable'
  hitPolicy: 'first' | 'priority' | 'collect'
  inputs: { name?: string; expression: string }[]
  rows: { id?: string; when: (string | number | boolean)[]; action: Action; reason: NodeReason; [key: string]: unknown }[]
  next?: NextTarget
}

export interface ScoreBandsNode {
  id: string
  type: 'modelThreshold'
  score: string
  bands: { id?: string; when: string | number; action: Action; reason: NodeReason; [key: string]: unknown }[]
  next?: NextTarget
}

export interface TrafficSplitNode {
  id: string
  type: 'split'
  by: EntityKind
  branches: { share: number; next: string }[]
}

export interface BacktestReport {
  strategy: { id: string; version: number; hash: string; eventType: string }
  period: { from: string; to: string; warmUpFrom: string }
  events: { read: number; replayed: number; decided: number }
  actions: { draft: Record<Action, { events: number; rate: number }>; live: Record<Action, { events: number; rate: number }> }
  approvalRate: { draft: number; live: number; change: number }
  changed: { events: number; rate: number; transitions: { live: Action; draft: Action; events: number }[]; sample: { eventId: string; occurredAt: string; live: Action; draft: Action; reasons: { code: string; ruleId?: string }[] }[] }
  reviews: { draft: number; live: number; perDay: { day: string; draft: number; live: number }[] }
  confusion: { draft: { precision: number | null; recall: number | null }; live: { precision: number | null; recall: number | null } }
  rules: { id: string; node?: string; action?: Action; hits: number; rate: number }[]
  ruleErrors: number
  timing: { seconds: number }
}

export interface Backtest {
  id: string
  status: BacktestStatus
  strategy: { id: string; version: number; hash: string }
  from: string
  to: string
  requestedBy: string
  requestedAt: string
  /** While queued: 1 starts next. */
  position?: number
  startedAt?: string
  attempts: number
  finishedAt?: string
  progress?: { phase: 'replay' | 'labels'; done: number; total: number; decided: number }
  report?: BacktestReport
  error?: string
  cancelledBy?: string
}

export interface Rate {
  count: number
  of: number
  rate: number | null
  low: number | null
  high: number | null
}

export interface ArmFigures {
  version: number
  decisions: number
  actions: Record<Action, number>
  approvalRate: Rate
  reviewRate: Rate
  rejectRate: Rate
  fraudCaught: Rate
  /** Of the approvals drawn and mature at the cut-off, those whose loans reached 30 days past due (or got a bad label). */
  badRate: Rate
  /** What became of the approvals by the cut-off: never drawn, drawn but too recent to judge, matured (the bad rate's `of`). */
  approvals: { notDrawn: number; immature: number; matured: number }
}

export interface ArmComparison {
  strategyId: string
  eventType: string
  from: string
  to: string
  cutoff: string
  bad: { daysPastDue: number; labels: string[] }
  arms: (ArmFigures & { arm: 'champion' | 'challenger' | 'only' })[]
  shadows: (ArmFigures & { agreement: Rate })[]
  sampleRatio?: { expected: Record<string, number>; observed: Record<string, number>; chiSquare: number; pValue: number; mismatch: boolean }
}

export interface ScoreBucket {
  bucket: string
  from: string
  to: string
  volume: number
  labelled: number
  positives: number
  negatives: number
  pending: number
  meanScore: number | null
  auc: number | null
  ks: number | null
  capacity: { precision: number | null; recall: number | null }
  scorePsi: number | null
  featurePsi: Record<string, number | null>
}

export interface ScoreReport {
  eventType: string
  score: string
  buckets: ScoreBucket[]
  alerts: { bucket: string; subject: 'score' | 'feature'; name: string; psi: number; level: 'warning' | 'alert' }[]
  unscored: number
}

export interface DashboardOverview {
  from: string
  to: string
  timeZone: string
  decisions: number
  truncated: boolean
  hourOfDay: ({ hour: number; decisions: number } & Record<Action, number>)[]
  days: ({ day: string; decisions: number; interventions: number; casesClosed: number; closedLate: number; amountProtectedMinor: number } & Record<Action, number>)[]
  topRules: { ruleId: string; ruleSetId: string | null; code: string; message: { zh: string; en: string }; hits: number }[]
  reviewers: { reviewer: string; closed: number; closedLate: number; dispositions: Record<string, number> }[]
  queueNow: { open: number; claimed: number; waitingCallback: number; breached: number }
}

export interface ProblemIssue {
  pointer: string
  code: string
  message: string
}
