import type { CaseActivity, CaseRisk, CaseStatus, ExcludedMember, ReviewCase } from './review-case.ts'

export interface CaseQuery {
  tenantId: string
  status?: CaseStatus
  queue?: string
  risk?: CaseRisk
  assignee?: string
  /** Open or claimed cases whose SLA had passed at this time. */
  breachedAtMs?: number
  limit: number
  cursor?: string
}

/** How the queue stands: what a team lead watches. */
export interface QueueCounts {
  open: number
  claimed: number
  waitingCallback: number
  breached: number
  byQueue: Record<string, { open: number; claimed: number; breached: number }>
}

/**
 * The review desk's records: cases and their history, in the same store as
 * the decisions they come from. Changes are compare-and-set on the status
 * and assignee the caller saw, so two reviewers can never both hold a case.
 */
export interface CaseStore {
  /** Opens the case of a decision, once: false when the decision has a case already. */
  open(reviewCase: ReviewCase, opened: CaseActivity): Promise<boolean>
  /** Review decisions of the tenant with no case yet (a start catches up on them), oldest first. */
  reviewDecisionsWithoutCase(
    limit: number,
  ): Promise<{ tenantId: string; decisionId: string; response: string; entityKeys: Record<string, string[]>; eventId: string; eventType: string; decidedAtMs: number; sealedEvent: Buffer }[]>
  /**
   * Atomically gives `reviewer` the best open case it may take now: its own
   * due call-backs first, then by priority and SLA; undefined when none.
   */
  claimNext(tenantId: string, reviewer: string, nowMs: number, queues?: readonly string[]): Promise<ReviewCase | undefined>
  get(tenantId: string, caseId: string): Promise<ReviewCase | undefined>
  /** Ring cases still open or claimed, and those closed at or after `closedSinceMs`, oldest first. */
  ringCases(tenantId: string, closedSinceMs: number): Promise<ReviewCase[]>
  /** The cases that name an entity: those of the given decisions, and ring cases with it among their members; newest first, at most `limit`. */
  casesOfEntity(tenantId: string, entityKey: string, decisionIds: readonly string[], limit: number): Promise<ReviewCase[]>
  /** Ring cases (any status) with at least one of these entities among their members, oldest first. */
  ringCasesWithMembers(tenantId: string, entityKeys: readonly string[]): Promise<ReviewCase[]>
  /** The members of a ring case a reviewer excluded, oldest first. */
  excludedMembers(caseId: string): Promise<ExcludedMember[]>
  /**
   * Excludes a member of a ring case held by `expected.assignee`, with its
   * activity, in one transaction: false when the case moved, or the entity
   * is not a member not yet excluded.
   */
  excludeMember(tenantId: string, caseId: string, expected: Pick<ReviewCase, 'status' | 'assignee'>, member: ExcludedMember, activity: CaseActivity): Promise<boolean>
  /** Undoes an exclusion (the member is labelled again when the case closes as fraud), with its activity, in one transaction: false when the case moved or the member is not excluded. */
  readmitMember(tenantId: string, caseId: string, expected: Pick<ReviewCase, 'status' | 'assignee'>, member: { kind: string; entityKey: string }, activity: CaseActivity): Promise<boolean>
  list(query: CaseQuery): Promise<{ items: ReviewCase[]; nextCursor?: string }>
  /** Applies `change` if the case still has `expected` status and assignee, with its activity, in one transaction; the case after, or undefined if it moved. */
  update(tenantId: string, caseId: string, expected: Pick<ReviewCase, 'status' | 'assignee'>, change: Partial<ReviewCase>, activity: CaseActivity): Promise<ReviewCase | undefined>
  addActivity(activity: CaseActivity): Promise<void>
  activities(caseId: string): Promise<CaseActivity[]>
  counts(tenantId: string, nowMs: number): Promise<QueueCounts>
}
