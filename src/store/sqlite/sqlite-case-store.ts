import type Database from 'better-sqlite3'
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely'
import type { CaseQuery, CaseStore, QueueCounts } from '../../cases/case-store.ts'
import type { CaseActivity, CaseKind, CaseRisk, CaseStatus, Disposition, ExcludedMember, ReviewCase, RingCaseSummary } from '../../cases/review-case.ts'
import type { Action } from '../../core/actions.ts'
import { type ClaimRequest, prepareClaims } from './sqlite-case-claims.ts'
import type { SqliteSchema } from './sqlite-schema.ts'

type CaseRow = Selectable<SqliteSchema['review_cases']>

const toCase = (r: CaseRow): ReviewCase => ({
  id: r.id,
  tenantId: r.tenant_id,
  kind: r.kind as CaseKind,
  decisionId: r.decision_id,
  eventId: r.event_id,
  eventType: r.event_type,
  queue: r.queue,
  risk: r.risk as CaseRisk,
  priority: r.priority,
  status: r.status as CaseStatus,
  assignee: r.assignee,
  createdAtMs: r.created_at,
  dueAtMs: r.due_at,
  callbackAtMs: r.callback_at,
  claimedAtMs: r.claimed_at,
  closedAtMs: r.closed_at,
  disposition: r.disposition as Disposition | null,
  resolution: r.resolution as Action | null,
  amountMinor: r.amount_minor,
  entityKeys: JSON.parse(r.entity_keys) as Record<string, string[]>,
  ring: r.ring === null ? null : (JSON.parse(r.ring) as RingCaseSummary),
})

const toRow = (c: Partial<ReviewCase>): Partial<CaseRow> => {
  const row: Partial<CaseRow> = {}
  if (c.id !== undefined) row.id = c.id
  if (c.tenantId !== undefined) row.tenant_id = c.tenantId
  if (c.kind !== undefined) row.kind = c.kind
  if (c.decisionId !== undefined) row.decision_id = c.decisionId
  if (c.eventId !== undefined) row.event_id = c.eventId
  if (c.eventType !== undefined) row.event_type = c.eventType
  if (c.queue !== undefined) row.queue = c.queue
  if (c.risk !== undefined) row.risk = c.risk
  if (c.priority !== undefined) row.priority = c.priority
  if (c.status !== undefined) row.status = c.status
  if (c.assignee !== undefined) row.assignee = c.assignee
  if (c.createdAtMs !== undefined) row.created_at = c.createdAtMs
  if (c.dueAtMs !== undefined) row.due_at = c.dueAtMs
  if (c.callbackAtMs !== undefined) row.callback_at = c.callbackAtMs
  if (c.claimedAtMs !== undefined) row.claimed_at = c.claimedAtMs
  if (c.closedAtMs !== undefined) row.closed_at = c.closedAtMs
  if (c.disposition !== undefined) row.disposition = c.disposition
  if (c.resolution !== undefined) row.resolution = c.resolution
  if (c.amountMinor !== undefined) row.amount_minor = c.amountMinor
  if (c.entityKeys !== undefined) row.entity_keys = JSON.stringify(c.entityKeys)
  if (c.ring !== undefined) row.ring = c.ring === null ? null : JSON.stringify(c.ring)
  return row
}

/** A ring case's members as rows of `ring_case_members` (migration 0013). */
const memberRows = (tenantId: string, caseId: string, entityKeys: Record<string, string[]>) =>
  Object.entries(entityKeys).flatMap(([kind, keys]) => keys.map((key) => ({ tenant_id: tenantId, case_id: caseId, kind, entity_key: key })))

/** Rows per insert: SQLite takes at most 32,766 parameters in one statement, four a row here. */
const memberBatch = 5_000

const activityRow = (a: CaseActivity) => ({ id: a.id, case_id: a.caseId, kind: a.kind, actor: a.actor, at: a.atMs, data: JSON.stringify(a.data) })

/** Whether the case is still as the reviewer saw it: a change to it (here, none but its holder) keeps the compare-and-set. */
async function heldAsExpected(tx: Transaction<SqliteSchema>, tenantId: string, caseId: string, expected: Pick<ReviewCase, 'status' | 'assignee'>): Promise<boolean> {
  let held = tx.selectFrom('review_cases').select('id').where('tenant_id', '=', tenantId).where('id', '=', caseId).where('status', '=', expected.status)
  held = expected.assignee === null ? held.where('assignee', 'is', null) : held.where('assignee', '=', expected.assignee)
  return (await held.executeTakeFirst()) !== undefined
}

/** Cases in the records database (migration `0008-review-desk`). */
export class SqliteCaseStore implements CaseStore {
  private readonly claimAll: ReturnType<typeof prepareClaims>

  constructor(
    private readonly db: Kysely<SqliteSchema>,
    /** The same connection, for the claim path's prepared statements. */
    sqlite: Database.Database,
  ) {
    this.claimAll = prepareClaims(sqlite)
  }

  async open(reviewCase: ReviewCase, opened: CaseActivity): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const inserted = await tx
        .insertInto('review_cases')
        .values(toRow(reviewCase) as CaseRow)
        .onConflict((oc) => oc.column('decision_id').doNothing())
        .executeTakeFirst()
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return false
      if (reviewCase.kind === 'ring') await insertMembers(tx, reviewCase.tenantId, reviewCase.id, reviewCase.entityKeys)
      await tx.insertInto('review_case_activities').values(activityRow(opened)).execute()
      return true
    })
  }

  async reviewDecisionsWithoutCase(limit: number) {
    const rows = await this.db
      .selectFrom('decisions as d')
      .select(['d.tenant_id', 'd.decision_id', 'd.response', 'd.entity_keys', 'd.event_id', 'd.event_type', 'd.decided_at', 'd.sealed_event'])
      .where('d.action', '=', 'review')
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('review_cases as c').select('c.id').whereRef('c.decision_id', '=', 'd.decision_id'))))
      .orderBy('d.seq')
      .limit(limit)
      .execute()
    return rows.map((r) => ({
      tenantId: r.tenant_id,
      decisionId: r.decision_id,
      response: r.response,
      entityKeys: JSON.parse(r.entity_keys) as Record<string, string[]>,
      eventId: r.event_id,
      eventType: r.event_type,
      decidedAtMs: r.decided_at,
      sealedEvent: r.sealed_event,
    }))
  }

  /** Claims waiting for the next batch. */
  private pendingClaims: (ClaimRequest & { settle: (result: ReviewCase | undefined, error?: unknown) => void })[] = []

  /**
   * Claims that arrive together are made in one transaction, one after the
   * other: each still sees the ones before it (no case twice), and the batch
   * pays for one commit instead of one each.
   */
  claimNext(tenantId: string, reviewer: string, nowMs: number, queues?: readonly string[]): Promise<ReviewCase | undefined> {
    return new Promise((resolve, reject) => {
      this.pendingClaims.push({ tenantId, reviewer, nowMs, queues, settle: (result, error) => (error === undefined ? resolve(result) : reject(error)) })
      if (this.pendingClaims.length === 1) setImmediate(() => void this.claimBatch())
    })
  }

  private async claimBatch() {
    const batch = this.pendingClaims
    this.pendingClaims = []
    try {
      // holding the query builder's connection: no transaction of its own is open meanwhile
      const rows = await this.db.connection().execute(async () => this.claimAll(batch))
      for (const [i, claim] of batch.entries()) {
        const row = rows[i]
        claim.settle(row && toCase(row))
      }
    } catch (error) {
      for (const claim of batch) claim.settle(undefined, error)
    }
  }



  async ringCases(tenantId: string, closedSinceMs: number): Promise<ReviewCase[]> {
    const rows = await this.db
      .selectFrom('review_cases')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('kind', '=', 'ring')
      .where((eb) => eb.or([eb('status', '!=', 'closed'), eb('closed_at', '>=', closedSinceMs)]))
      .orderBy('created_at')
      .execute()
    return rows.map(toCase)
  }

  async casesOfEntity(tenantId: string, entityKey: string, decisionIds: readonly string[], limit: number): Promise<ReviewCase[]> {
    const rows = await this.db
      .selectFrom('review_cases')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where((eb) =>
        eb.or([
          ...(decisionIds.length > 0 ? [eb('decision_id', 'in', [...decisionIds])] : []),
          eb('id', 'in', eb.selectFrom('ring_case_members').select('case_id').where('tenant_id', '=', tenantId).where('entity_key', '=', entityKey)),
        ]),
      )
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute()
    return rows.map(toCase)
  }

  async ringCasesWithMembers(tenantId: string, entityKeys: readonly string[]): Promise<ReviewCase[]> {
    const ids = new Set<string>()
    for (let at = 0; at < entityKeys.length; at += memberBatch) {
      const rows = await this.db
        .selectFrom('ring_case_members')
        .select('case_id')
        .distinct()
        .where('tenant_id', '=', tenantId)
        .where('entity_key', 'in', entityKeys.slice(at, at + memberBatch))
        .execute()
      for (const r of rows) ids.add(r.case_id)
    }
    if (ids.size === 0) return []
    const cases: CaseRow[] = []
    const list = [...ids]
    for (let at = 0; at < list.length; at += memberBatch) cases.push(...(await this.db.selectFrom('review_cases').selectAll().where('id', 'in', list.slice(at, at + memberBatch)).execute()))
    return cases.sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1)).map(toCase)
  }

  async excludedMembers(caseId: string): Promise<ExcludedMember[]> {
    const rows = await this.db
      .selectFrom('ring_case_members')
      .select(['kind', 'entity_key', 'excluded_by', 'excluded_at', 'excluded_reason'])
      .where('case_id', '=', caseId)
      .where('excluded_at', 'is not', null)
      .orderBy('excluded_at')
      .execute()
    return rows.map((r) => ({ kind: r.kind, entityKey: r.entity_key, by: r.excluded_by ?? '', atMs: r.excluded_at!, reason: r.excluded_reason ?? '' }))
  }

  async excludeMember(tenantId: string, caseId: string, expected: Pick<ReviewCase, 'status' | 'assignee'>, member: ExcludedMember, activity: CaseActivity): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      if (!(await heldAsExpected(tx, tenantId, caseId, expected))) return false
      const updated = await tx
        .updateTable('ring_case_members')
        .set({ excluded_by: member.by, excluded_at: member.atMs, excluded_reason: member.reason })
        .where('case_id', '=', caseId)
        .where('kind', '=', member.kind)
        .where('entity_key', '=', member.entityKey)
        .where('excluded_at', 'is', null)
        .executeTakeFirst()
      if (Number(updated.numUpdatedRows) === 0) return false
      await tx.insertInto('review_case_activities').values(activityRow(activity)).execute()
      return true
    })
  }

  async readmitMember(tenantId: string, caseId: string, expected: Pick<ReviewCase, 'status' | 'assignee'>, member: { kind: string; entityKey: string }, activity: CaseActivity): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      if (!(await heldAsExpected(tx, tenantId, caseId, expected))) return false
      const updated = await tx
        .updateTable('ring_case_members')
        .set({ excluded_by: null, excluded_at: null, excluded_reason: null })
        .where('case_id', '=', caseId)
        .where('kind', '=', member.kind)
        .where('entity_key', '=', member.entityKey)
        .where('excluded_at', 'is not', null)
        .executeTakeFirst()
      if (Number(updated.numUpdatedRows) === 0) return false
      await tx.insertInto('review_case_activities').values(activityRow(activity)).execute()
      return true
    })
  }

  async get(tenantId: string, caseId: string): Promise<ReviewCase | undefined> {
    const row = await this.db.selectFrom('review_cases').selectAll().where('tenant_id', '=', tenantId).where('id', '=', caseId).executeTakeFirst()
    return row ? toCase(row) : undefined
  }

  async list(query: CaseQuery): Promise<{ items: ReviewCase[]; nextCursor?: string }> {
    let q = this.db.selectFrom('review_cases').selectAll().where('tenant_id', '=', query.tenantId)
    if (query.status) q = q.where('status', '=', query.status)
    if (query.queue) q = q.where('queue', '=', query.queue)
    if (query.risk) q = q.where('risk', '=', query.risk)
    if (query.assignee) q = q.where('assignee', '=', query.assignee)
    if (query.breachedAtMs !== undefined) q = q.where('status', '!=', 'closed').where('due_at', '<', query.breachedAtMs)
    // the queue's order: priority, then SLA; the cursor is the last row's (priority, due, id)
    if (query.cursor) {
      const [priority, due, id] = JSON.parse(Buffer.from(query.cursor, 'base64url').toString()) as [number, number, string]
      q = q.where((eb) =>
        eb.or([eb('priority', '<', priority), eb.and([eb('priority', '=', priority), eb('due_at', '>', due)]), eb.and([eb('priority', '=', priority), eb('due_at', '=', due), eb('id', '>', id)])]),
      )
    }
    const rows = await q.orderBy('priority', 'desc').orderBy('due_at').orderBy('id').limit(query.limit + 1).execute()
    const items = rows.slice(0, query.limit).map(toCase)
    const last = items[items.length - 1]
    return rows.length > query.limit && last ? { items, nextCursor: Buffer.from(JSON.stringify([last.priority, last.dueAtMs, last.id])).toString('base64url') } : { items }
  }

  async update(tenantId: string, caseId: string, expected: Pick<ReviewCase, 'status' | 'assignee'>, change: Partial<ReviewCase>, activity: CaseActivity): Promise<ReviewCase | undefined> {
    return this.db.transaction().execute(async (tx) => {
      let q = tx.updateTable('review_cases').set(toRow(change)).where('tenant_id', '=', tenantId).where('id', '=', caseId).where('status', '=', expected.status)
      q = expected.assignee === null ? q.where('assignee', 'is', null) : q.where('assignee', '=', expected.assignee)
      const updated = await q.executeTakeFirst()
      if (Number(updated.numUpdatedRows) === 0) return undefined
      await tx.insertInto('review_case_activities').values(activityRow(activity)).execute()
      const row = await tx.selectFrom('review_cases').selectAll().where('id', '=', caseId).executeTakeFirstOrThrow()
      // a grown ring's new members get their rows; those there already (an exclusion with them) stay as they are
      if (row.kind === 'ring' && change.entityKeys !== undefined) await insertMembers(tx, tenantId, caseId, change.entityKeys)
      return toCase(row)
    })
  }

  async addActivity(activity: CaseActivity): Promise<void> {
    await this.db.insertInto('review_case_activities').values(activityRow(activity)).execute()
  }

  async activities(caseId: string): Promise<CaseActivity[]> {
    const rows = await this.db.selectFrom('review_case_activities').selectAll().where('case_id', '=', caseId).orderBy('seq').execute()
    return rows.map((r) => ({ id: r.id, caseId: r.case_id, kind: r.kind as CaseActivity['kind'], actor: r.actor, atMs: r.at, data: JSON.parse(r.data) as Record<string, unknown> }))
  }

  async counts(tenantId: string, nowMs: number): Promise<QueueCounts> {
    const rows = await this.db
      .selectFrom('review_cases')
      .select((eb) => [
        'queue',
        'status',
        eb.fn.countAll<number>().as('n'),
        eb.fn.sum<number>(sql`case when due_at < ${nowMs} then 1 else 0 end`).as('breached'),
        eb.fn.sum<number>(sql`case when callback_at > ${nowMs} then 1 else 0 end`).as('waiting'),
      ])
      .where('tenant_id', '=', tenantId)
      .where('status', 'in', ['open', 'claimed'])
      .groupBy(['queue', 'status'])
      .execute()
    const counts: QueueCounts = { open: 0, claimed: 0, waitingCallback: 0, breached: 0, byQueue: {} }
    for (const r of rows) {
      const n = Number(r.n)
      const breached = Number(r.breached ?? 0)
      const queue = counts.byQueue[r.queue] ?? { open: 0, claimed: 0, breached: 0 }
      counts.byQueue[r.queue] = queue
      if (r.status === 'open') {
        counts.open += n
        queue.open += n
      } else {
        counts.claimed += n
        queue.claimed += n
      }
      counts.breached += breached
      queue.breached += breached
      counts.waitingCallback += Number(r.waiting ?? 0)
    }
    return counts
  }
}

async function insertMembers(db: Kysely<SqliteSchema>, tenantId: string, caseId: string, entityKeys: Record<string, string[]>): Promise<void> {
  const rows = memberRows(tenantId, caseId, entityKeys)
  for (let at = 0; at < rows.length; at += memberBatch) {
    await db
      .insertInto('ring_case_members')
      .values(rows.slice(at, at + memberBatch))
      .onConflict((oc) => oc.doNothing())
      .execute()
  }
}
