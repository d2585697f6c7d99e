import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { Engine } from '../../app/open-engine.ts'
import type { ReviewCase } from '../../cases/review-case.ts'
import { type Action, actions } from '../../core/actions.ts'
import { parseDayOrInstant } from '../../core/day-or-instant.ts'
import { invalidInput } from '../../core/errors.ts'
import type { Reason } from '../../core/reason.ts'
import type { RecordStore } from '../../decisions/record-store.ts'
import { TimeBuckets, defaultTimeZone, isTimeZone } from '../../monitoring/time-buckets.ts'
import { Problem } from '../api-schemas.ts'

/** The longest period one overview reads. */
export const maxOverviewDays = 92
/** Decisions read at most for one overview; `truncated` says when there were more. */
export const maxOverviewDecisions = 1_000_000
const pageSize = 500
const hourMs = 3_600_000
const dayMs = 86_400_000

const When = (description: string) => Type.String({ minLength: 10, maxLength: 40, description: `${description}: YYYY-MM-DD (a Beijing day) or an ISO 8601 instant with its offset` })

const OverviewQuery = Type.Object(
  {
    from: When('Start of the period (events that occurred at or after it)'),
    to: When(`End of the period, exclusive; at most ${maxOverviewDays} days after from`),
    eventType: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Only this decision point; all when absent' })),
    timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'IANA zone of the days and hours; Asia/Shanghai by default' })),
  },
  { additionalProperties: false },
)

type ActionCounts = Record<Action, number>

export interface DashboardOverview {
  from: string
  to: string
  timeZone: string
  eventType: string | null
  decisions: number
  /** More decisions than `maxOverviewDecisions` were in the period: the figures cover the newest only. */
  truncated: boolean
  /** Decisions by the local hour of day their event occurred in (0–23), by action. */
  hourOfDay: ({ hour: number; decisions: number } & ActionCounts)[]
  /** Per local day: decisions by action; interventions (anything but approve); cases closed, and the amounts of those closed as fraud or a dissuaded scam victim. */
  days: ({ day: string; decisions: number; interventions: number; casesClosed: number; closedLate: number; amountProtectedMinor: number } & ActionCounts)[]
  /** Rules that hit, most first (at most 15), with their reason codes and messages; reasons no rule gave (NO_STRATEGY) are left out. */
  topRules: { ruleId: string; ruleSetId: string | null; code: string; message: { zh: string; en: string }; hits: number }[]
  /** Cases closed in the period per reviewer, with how many after their SLA. */
  reviewers: { reviewer: string; closed: number; closedLate: number; dispositions: Record<string, number> }[]
  /** The queue now: open, claimed, waiting for a call-back and past their SLA. */
  queueNow: { open: number; claimed: number; waitingCallback: number; breached: number }
}

const emptyActions = (): ActionCounts => Object.fromEntries(actions.map((a) => [a, 0])) as ActionCounts
const protective = new Set(['confirmed_fraud', 'scam_victim_dissuaded'])

/**
 * The workbench's dashboards: counts over the decision log and the review
 * desk for a period, by local hour of day and by local day. Read only;
 * computed on each request from the store's listings.
 */
export async function dashboardOverview(
  store: RecordStore,
  query: { tenantId: string; fromMs: number; toMs: number; nowMs: number; timeZone: string; eventType?: string },
): Promise<DashboardOverview> {
  const calendar = new TimeBuckets('day', query.timeZone)
  const dayLabels = calendar.between(query.fromMs, query.toMs)
  const days = new Map(dayLabels.map((b) => [b.label, { day: b.label, decisions: 0, interventions: 0, casesClosed: 0, closedLate: 0, amountProtectedMinor: 0, ...emptyActions() }]))
  const hourOfDay = Array.from({ length: 24 }, (_, hour) => ({ hour, decisions: 0, ...emptyActions() }))
  const rules = new Map<string, DashboardOverview['topRules'][number]>()
  // the local day and hour of an instant change only on the hour: look each hour up once
  const hourCache = new Map<number, { day: string; hour: number }>()
  const localHour = (atMs: number) => {
    const key = Math.floor(atMs / hourMs)
    let found = hourCache.get(key)
    if (!found) {
      const bucket = calendar.bucketOf(atMs)
      found = { day: bucket.label, hour: Math.min(23, Math.floor((atMs - bucket.startMs) / hourMs)) }
      hourCache.set(key, found)
    }
    return found
  }

  let read = 0
  let truncated = false
  let cursor: string | undefined
  do {
    const page = await store.listDecisions({ tenantId: query.tenantId, fromMs: query.fromMs, toMs: query.toMs, limit: pageSize, ...(query.eventType ? { eventType: query.eventType } : {}), ...(cursor ? { cursor } : {}) })
    for (const d of page.items) {
      const { day, hour } = localHour(d.occurredAtMs)
      const perDay = days.get(day)
      if (perDay) {
        perDay.decisions++
        perDay[d.action]++
        if (d.action !== 'approve') perDay.interventions++
      }
      hourOfDay[hour]!.decisions++
      hourOfDay[hour]![d.action]++
      // a rule explained by a model gives several reasons: count the rule once per decision
      const hit = new Set<string>()
      for (const reason of (JSON.parse(d.response) as { reasons?: Reason[] }).reasons ?? []) {
        if (reason.ruleId === undefined) continue
        const key = `${reason.ruleSetId ?? ''}\u0000${reason.ruleId}`
        if (hit.has(key)) continue
        hit.add(key)
        const seen = rules.get(key)
        if (seen) seen.hits++
        else rules.set(key, { ruleId: reason.ruleId, ruleSetId: reason.ruleSetId ?? null, code: reason.code, message: reason.message, hits: 1 })
      }
    }
    read += page.items.length
    cursor = page.nextCursor
    if (cursor && read >= maxOverviewDecisions) {
      truncated = true
      break
    }
  } while (cursor)

  const reviewers = new Map<string, DashboardOverview['reviewers'][number]>()
  for await (const closed of closedCases(store, query.tenantId)) {
    if (closed.closedAtMs === null || closed.closedAtMs < query.fromMs || closed.closedAtMs >= query.toMs) continue
    if (query.eventType && closed.eventType !== query.eventType) continue
    const late = closed.closedAtMs > closed.dueAtMs
    const perDay = days.get(localHour(closed.closedAtMs).day)
    if (perDay) {
      perDay.casesClosed++
      if (late) perDay.closedLate++
      if (closed.disposition && protective.has(closed.disposition)) perDay.amountProtectedMinor += closed.amountMinor ?? 0
    }
    const who = closed.assignee ?? 'unknown'
    const row = reviewers.get(who) ?? { reviewer: who, closed: 0, closedLate: 0, dispositions: {} }
    row.closed++
    if (late) row.closedLate++
    if (closed.disposition) row.dispositions[closed.disposition] = (row.dispositions[closed.disposition] ?? 0) + 1
    reviewers.set(who, row)
  }
  const counts = await store.cases.counts(query.tenantId, query.nowMs)

  return {
    from: new Date(query.fromMs).toISOString(),
    to: new Date(query.toMs).toISOString(),
    timeZone: query.timeZone,
    eventType: query.eventType ?? null,
    decisions: read,
    truncated,
    hourOfDay,
    days: [...days.values()],
    topRules: [...rules.values()].sort((a, b) => b.hits - a.hits || a.ruleId.localeCompare(b.ruleId)).slice(0, 15),
    reviewers: [...reviewers.values()].sort((a, b) => b.closed - a.closed || a.reviewer.localeCompare(b.reviewer)),
    queueNow: { open: counts.open, claimed: counts.claimed, waitingCallback: counts.waitingCallback, breached: counts.breached },
  }
}

async function* closedCases(store: RecordStore, tenantId: string): AsyncIterable<ReviewCase> {
  let cursor: string | undefined
  do {
    const page = await store.cases.list({ tenantId, status: 'closed', limit: pageSize, ...(cursor ? { cursor } : {}) })
    yield* page.items
    cursor = page.nextCursor
  } while (cursor)
}

/** Dashboards (看板) for the workbench: aggregates the public listings would need thousands of pages for. */
export function registerDashboardRoutes(app: FastifyInstance, engine: Engine) {
  app.get<{ Querystring: Static<typeof OverviewQuery> }>(
    '/v1/dashboards/overview',
    {
      schema: {
        summary: 'Decisions by hour of day and by day, interventions, top firing rules, review throughput and SLA',
        description:
          'Reads the decisions whose event occurred in [from, to) and the cases closed in it. Days and hours are local to timeZone. interventions are decisions other than approve; amountProtectedMinor sums the amounts of cases closed as confirmed_fraud or scam_victim_dissuaded; closedLate counts cases closed after their SLA. Definitions: docs/workbench.md.',
        tags: ['workbench'],
        querystring: OverviewQuery,
        response: { 400: Problem },
      },
    },
    async (request) => {
      const { from, to, eventType } = request.query
      const timeZone = request.query.timeZone ?? defaultTimeZone
      const fromMs = parseDayOrInstant(from)
      const toMs = parseDayOrInstant(to)
      const issues = []
      if (fromMs === undefined) issues.push({ pointer: '/query/from', code: 'invalid_date', message: 'give YYYY-MM-DD (a Beijing day) or an ISO 8601 instant with its offset' })
      if (toMs === undefined) issues.push({ pointer: '/query/to', code: 'invalid_date', message: 'give YYYY-MM-DD (a Beijing day) or an ISO 8601 instant with its offset' })
      else if (fromMs !== undefined && toMs <= fromMs) issues.push({ pointer: '/query/to', code: 'invalid_range', message: 'to must be after from' })
      else if (fromMs !== undefined && toMs - fromMs > maxOverviewDays * dayMs) issues.push({ pointer: '/query/to', code: 'out_of_range', message: `at most ${maxOverviewDays} days after from` })
      if (!isTimeZone(timeZone)) issues.push({ pointer: '/query/timeZone', code: 'invalid_value', message: `"${timeZone}" is not an IANA time zone such as Asia/Shanghai` })
      if (issues.length > 0 || fromMs === undefined || toMs === undefined) throw invalidInput('The period is invalid', issues)
      return dashboardOverview(engine.store, { tenantId: request.tenantId, fromMs, toMs, nowMs: engine.clock.nowMs(), timeZone, ...(eventType ? { eventType } : {}) })
    },
  )
}
