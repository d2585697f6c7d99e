import Database from 'better-sqlite3'
import type { Action } from '../../core/actions.ts'
import type { LoggedEvent, LoggedEventQuery } from '../../decisions/record-store.ts'

/**
 * Reading the decision log for a replay, shared by the store's connection
 * and by a read-only connection on another thread (a backtest reads the log
 * ahead on a worker, `backtest/log-read-ahead.ts`).
 *
 * A replay reads up to the whole log: a prepared statement in raw mode
 * (arrays, not objects), only the columns a replay needs, and the sealed
 * event only for the types that want it, take a third of the time of the
 * usual row objects.
 */
export function* readLoggedEvents(sqlite: Database.Database, query: LoggedEventQuery): Generator<LoggedEvent[]> {
  for (const rows of readLoggedRows(sqlite, query)) {
    const events = new Array<LoggedEvent>(rows.length)
    for (let i = 0; i < rows.length; i++) {
      const [seq, tenantId, eventId, eventType, action, occurredAtMs, strategyId, strategyVersion, sealedEvent, keys] = rows[i]!
      events[i] = { seq, tenantId, eventId, eventType, action: action as Action, occurredAtMs, strategyId, strategyVersion, sealedEvent, entityKeys: JSON.parse(keys) as Record<string, string[]> }
    }
    yield events
  }
}

/**
 * `readLoggedEvents`' pages as the rows come, the entity keys still JSON:
 * for a reader that parses them only where it needs them, or passes them on
 * to another thread as they are.
 */
export function* readLoggedRows(sqlite: Database.Database, query: LoggedEventQuery): Generator<LoggedRow[]> {
  if (query.eventTypes?.length === 0) return
  // the clause walks the log by seq: `+occurred_at` keeps SQLite from ranging over the time index and sorting every page
  const { clause, parameters } = loggedEventsWhere(query, '+occurred_at')
  const sealed = sealedColumn(query)
  const select = sqlite
    .prepare(`select seq, tenant_id, event_id, event_type, action, occurred_at, strategy_id, strategy_version, ${sealed}, entity_keys from decisions where seq > ? and ${clause} order by seq limit ?`)
    .raw(true)
  const batchSize = query.batchSize ?? 5_000
  // the walk starts at the first event of the period (found on the time index), not at the start of the log
  const first = firstSeqWithin(sqlite, query.sinceMs, query.untilMs)
  if (first === null) return
  let after = Math.max(first - 1, query.afterSeq ?? 0)
  for (;;) {
    const rows = select.all(...(query.sealedOf ?? []), after, ...parameters, batchSize) as LoggedRow[]
    if (rows.length === 0) return
    after = rows[rows.length - 1]![0]
    yield rows
  }
}

/**
 * Where `readLoggedRows(query)` walks now: from the position of the first
 * event of its period to the last position logged (null: nothing to read).
 * Several readers given the same bounds split the walk into stripes
 * (`readLoggedStripe`) and between them read every row it would, once.
 */
export function loggedPositions(sqlite: Database.Database, query: LoggedEventQuery): { first: number; last: number } | null {
  if (query.eventTypes?.length === 0) return null
  const first = firstSeqWithin(sqlite, query.sinceMs, query.untilMs)
  if (first === null) return null
  const last = sqlite.prepare('select max(seq) from decisions').pluck().get() as number
  return { first: Math.max(first, (query.afterSeq ?? 0) + 1), last }
}

/**
 * A reader of stripes of the walk `readLoggedRows(query)` makes: the rows
 * it would give whose positions are in (afterSeq, throughSeq], in order.
 */
export function loggedStripeReader(sqlite: Database.Database, query: LoggedEventQuery): (afterSeq: number, throughSeq: number) => LoggedRow[] {
  const { clause, parameters } = loggedEventsWhere(query, '+occurred_at')
  const sealed = sealedColumn(query)
  const select = sqlite
    .prepare(`select seq, tenant_id, event_id, event_type, action, occurred_at, strategy_id, strategy_version, ${sealed}, entity_keys from decisions where seq > ? and seq <= ? and ${clause} order by seq`)
    .raw(true)
  return (afterSeq, throughSeq) => select.all(...(query.sealedOf ?? []), afterSeq, throughSeq, ...parameters) as LoggedRow[]
}

const sealedColumn = (query: LoggedEventQuery) =>
  query.sealedOf === undefined ? 'sealed_event' : query.sealedOf.length === 0 ? 'null' : `case when event_type in (${query.sealedOf.map(() => '?').join(', ')}) then sealed_event end`

/** How many events `readLoggedEvents(query)` would yield now. */
export function countLoggedEvents(sqlite: Database.Database, query: LoggedEventQuery): number {
  if (query.eventTypes?.length === 0) return 0
  if (query.eventTypes === undefined) {
    // times only: the time index alone answers
    const { clause, parameters } = loggedEventsWhere(query)
    return sqlite.prepare(`select count(*) from decisions where ${clause}`).pluck().get(...parameters) as number
  }
  const first = firstSeqWithin(sqlite, query.sinceMs, query.untilMs)
  if (first === null) return 0
  // the same walk as readLoggedEvents: with a type filter every row is read anyway, and in seq order that is a sequential read
  const { clause, parameters } = loggedEventsWhere(query, '+occurred_at')
  return sqlite.prepare(`select count(*) from decisions where seq >= ? and ${clause}`).pluck().get(first, ...parameters) as number
}

/**
 * The log on a connection of its own that only reads: another thread's view
 * of a store file in WAL mode, which never blocks the writer nor waits for it.
 */
export function openLogForReading(file: string): Database.Database {
  const sqlite = new Database(file, { readonly: true, fileMustExist: true })
  sqlite.pragma('busy_timeout = 5000')
  return sqlite
}

/**
 * The position of the first decision whose event occurred in [sinceMs,
 * untilMs) (on the time index), or null. The log is in append order, not
 * time order (a late event lands after earlier ones), so the smallest
 * position takes a walk of the index over the whole range; with an end, the
 * walk stops there rather than at the end of the log (no event at or after
 * it is read anyway).
 */
function firstSeqWithin(sqlite: Database.Database, sinceMs: number, untilMs: number | undefined): number | null {
  if (untilMs === undefined) return sqlite.prepare('select min(seq) from decisions where occurred_at >= ?').pluck().get(sinceMs) as number | null
  return sqlite.prepare('select min(seq) from decisions where occurred_at >= ? and occurred_at < ?').pluck().get(sinceMs, untilMs) as number | null
}

/** A row of the log: seq, tenant, event id and type, action, time, strategy and version, sealed event (or null), entity keys (JSON). */
export type LoggedRow = [number, string, string, string, string, number, string | null, number | null, Buffer | null, string]

function loggedEventsWhere(query: LoggedEventQuery, time = 'occurred_at'): { clause: string; parameters: (number | string)[] } {
  const clauses = [`${time} >= ?`]
  const parameters: (number | string)[] = [query.sinceMs]
  if (query.untilMs !== undefined) {
    clauses.push(`${time} < ?`)
    parameters.push(query.untilMs)
  }
  if (query.eventTypes !== undefined) {
    clauses.push(`event_type in (${query.eventTypes.map(() => '?').join(', ')})`)
    parameters.push(...query.eventTypes)
  }
  return { clause: clauses.join(' and '), parameters }
}
