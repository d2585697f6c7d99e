import type { Action } from '../core/actions.ts'

/**
 * A review case (审核案件): a `review` decision waiting for a person. It is
 * opened from the decision, claimed by one reviewer at a time, worked by
 * phone (call attempts, call-backs), and closed with a disposition that
 * becomes a label and resolves the held application or drawdown.
 *
 * A ring case (团伙案件) is about a ring of the relationship graph that
 * crossed the risk threshold (`ring-cases.ts`): no decision, the ring's
 * members in `entityKeys`, the ring as last seen in `ring`.
 */
export interface ReviewCase {
  id: string
  tenantId: string
  kind: CaseKind
  /** The decision, and its event (null for a ring case). */
  decisionId: string | null
  eventId: string | null
  eventType: string | null
  /** The queue: the decision point (event type), or `graph.ring`. */
  queue: string
  risk: CaseRisk
  /** Higher first; from risk, then amount (`case-priority.ts`). */
  priority: number
  status: CaseStatus
  /** The reviewer holding it (claimed), or who asked for the call-back (open with a call-back). */
  assignee: string | null
  createdAtMs: number
  /** When the SLA is breached if the case is still open. */
  dueAtMs: number
  /** Not claimable before this time: a scheduled call-back. */
  callbackAtMs: number | null
  claimedAtMs: number | null
  closedAtMs: number | null
  disposition: Disposition | null
  /** What the held decision became: approve or reject. */
  resolution: Action | null
  amountMinor: number | null
  /** The event's entity keys (blind indexes): related decisions are found by them. A ring case: its members by kind. */
  entityKeys: Record<string, string[]>
  ring: RingCaseSummary | null
}

export const caseKinds = ['decision', 'ring'] as const
export type CaseKind = (typeof caseKinds)[number]

/** A ring as a case last saw it (`graph/rings.ts`): its figures at one computation of the rings. */
export interface RingCaseSummary {
  /** The ring's id: kept while the ring goes on from one computation to the next (`graph/ring-continuity.ts`). */
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

/** A member of a ring case that a reviewer took out of it: closing the case as fraud labels it not. */
export interface ExcludedMember {
  kind: string
  entityKey: string
  by: string
  atMs: number
  reason: string
}

export type CaseStatus = 'open' | 'claimed' | 'closed'
export const caseRisks = ['high', 'medium', 'low'] as const
export type CaseRisk = (typeof caseRisks)[number]

/** How a phone verification call (电核) went. */
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

/** How a case ends, the label it gives the event, and what the held decision becomes. */
export const dispositions = {
  confirmed_fraud: { label: 'fraud', resolution: 'reject' },
  scam_victim_dissuaded: { label: 'scam_victim', resolution: 'reject' },
  legitimate_approve: { label: 'legitimate', resolution: 'approve' },
  credit_risk: { label: 'credit_risk', resolution: 'reject' },
} as const satisfies Record<string, { label: string; resolution: Action }>
export type Disposition = keyof typeof dispositions
export const isDisposition = (value: unknown): value is Disposition => typeof value === 'string' && Object.hasOwn(dispositions, value)

/** One thing that happened to a case, kept for good: the case's history and audit trail. */
export interface CaseActivity {
  id: string
  caseId: string
  kind: 'opened' | 'claimed' | 'released' | 'call' | 'callback_scheduled' | 'revealed' | 'closed' | 'ring_grown' | 'ring_linked' | 'member_excluded' | 'member_readmitted'
  actor: string
  atMs: number
  /** call: outcome, notes; callback_scheduled: at; revealed: field; closed: disposition, notes (a ring case: labelled users); ring_grown: users joined and now, risk; ring_linked: the ring's id now and the one the case knew; member_excluded, member_readmitted: kind, key prefix, reason. */
  data: Record<string, unknown>
}
