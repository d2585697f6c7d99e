import type Database from 'better-sqlite3'
import type { Selectable } from 'kysely'
import type { SqliteSchema } from './sqlite-schema.ts'

type CaseRow = Selectable<SqliteSchema['review_cases']>

/** One reviewer asking for the next case. */
export interface ClaimRequest {
  tenantId: string
  reviewer: string
  nowMs: number
  queues: readonly string[] | undefined
}

/**
 * The claim path: every reviewer's "next case" runs it, so its statements are
 * prepared once (no query builder) and a batch of claims is one synchronous
 * transaction — nothing else on the connection runs between a pick and its
 * update, so no case goes to two reviewers.
 *
 * A claim's commit does not wait for the fsync (`synchronous = NORMAL` for that
 * transaction only). In WAL mode the next durable commit — any call, reveal,
 * release or close, which stay `FULL` — makes every earlier frame durable too,
 * so a power cut can only undo claims nothing was done with since: those cases
 * go back to the queue, as a release would. A crash of the process loses
 * nothing (the WAL is written before the claim is answered).
 */
export function prepareClaims(sqlite: Database.Database): (batch: readonly ClaimRequest[]) => (CaseRow | undefined)[] {
  // first the reviewer's own due call-backs (they know the applicant): a range of `review_cases_assignee_callback`, a few rows, ordered here (ordered in SQL, SQLite would walk the queue's index instead)
  const ownDue = sqlite.prepare<[string, string, number], CaseRow>(
    `select * from review_cases where tenant_id = ? and assignee = ? and status = 'open' and callback_at <= ?`,
  )
  // the queue's order, served by `review_cases_queue`: it stops at the first row that may be taken now
  const next = `select * from review_cases where tenant_id = ? and status = 'open' and (callback_at is null or callback_at <= ?)`
  const order = 'order by priority desc, due_at, created_at limit 1'
  const nextAnyQueue = sqlite.prepare<[string, number], CaseRow>(`${next} ${order}`)
  // one statement per number of queues asked for (a json_each list costs SQLite ten times the pick)
  const nextInQueues = new Map<number, Database.Statement<unknown[], CaseRow>>()
  const nextIn = (tenantId: string, nowMs: number, queues: readonly string[]) => {
    let statement = nextInQueues.get(queues.length)
    if (!statement) {
      statement = sqlite.prepare<unknown[], CaseRow>(`${next} and queue in (${queues.map(() => '?').join(', ')}) ${order}`)
      nextInQueues.set(queues.length, statement)
    }
    return statement.get(tenantId, nowMs, ...queues)
  }
  const take = sqlite.prepare<[string, number, string]>(`update review_cases set status = 'claimed', assignee = ?, claimed_at = ?, callback_at = null where id = ?`)
  const record = sqlite.prepare<[string, string, string, number]>(
    `insert into review_case_activities (id, case_id, kind, actor, at, data) values (?, ?, 'claimed', ?, ?, '{}') on conflict (id) do nothing`,
  )
  const lazyCommit = sqlite.prepare('pragma synchronous = NORMAL')
  const durableCommit = sqlite.prepare('pragma synchronous = FULL')

  const claimOne = ({ tenantId, reviewer, nowMs, queues }: ClaimRequest): CaseRow | undefined => {
    const inQueues = (row: CaseRow) => !queues || queues.length === 0 || queues.includes(row.queue)
    const own = ownDue.all(tenantId, reviewer, nowMs).filter(inQueues)
    own.sort((a, b) => b.priority - a.priority || a.due_at - b.due_at)
    const row = own[0] ?? (queues && queues.length > 0 ? nextIn(tenantId, nowMs, queues) : nextAnyQueue.get(tenantId, nowMs))
    if (!row) return undefined
    take.run(reviewer, nowMs, row.id)
    record.run(`${row.id}:claim:${nowMs}:${reviewer}`, row.id, reviewer, nowMs)
    return { ...row, status: 'claimed', assignee: reviewer, claimed_at: nowMs, callback_at: null }
  }
  const claimAll = sqlite.transaction((batch: readonly ClaimRequest[]) => batch.map(claimOne))

  return (batch) => {
    lazyCommit.run()
    try {
      return claimAll(batch)
    } finally {
      durableCommit.run()
    }
  }
}
