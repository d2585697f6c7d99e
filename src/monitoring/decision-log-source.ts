import type { Action } from '../core/actions.ts'
import type { Decision, DecisionTrace, ShadowOutcome } from '../decisions/decision.ts'
import type { RecordStore } from '../decisions/record-store.ts'
import { type KnownLabel, knownLabelOf } from './label-outcomes.ts'
import type { LoanEvent } from './loan-outcomes.ts'

/** One decision as monitoring sees it: the scores and the feature values it recorded, what it did and which version did it. */
export interface MonitoredDecision {
  eventId: string
  occurredAtMs: number
  scores: Record<string, number>
  features: Record<string, number>
  action?: Action
  strategy?: Decision['strategy']
  /** What shadow versions would have decided. */
  shadows?: ShadowOutcome[]
  /** The event's own `data.applicationId`, when asked for (`withApplicationIds`): what a loan drawn on it names. */
  applicationId?: string
}

/** What the monitor reads: the port it declares, kept apart from the store so tests can hand it rows. */
export interface MonitoringSource {
  /** The decisions of one event type whose event occurred in [fromMs, toMs), in any order. */
  decisions(eventType: string, fromMs: number, toMs: number, options?: { withApplicationIds?: boolean }): AsyncIterable<MonitoredDecision>
  /** The labels whose event occurred (became known) in [fromMs, toMs), in any order. */
  labels(fromMs: number, toMs: number): AsyncIterable<KnownLabel>
}

/** What the arm comparison reads besides: the lender's loan events, which carry the credit outcome of an approval. */
export interface ArmSource extends MonitoringSource {
  /** The `loan.drawdown` and `loan.repayment` events that occurred in [fromMs, toMs), in any order. */
  loanEvents(fromMs: number, toMs: number): AsyncIterable<LoanEvent>
}

const pageSize = 5_000

/**
 * The decision log of one tenant as a monitoring source, read a page at a
 * time through the records port. A label's subject and a loan event's links
 * are inside the sealed event, so those are opened (`open`, the vault's), and
 * a decided event only when its `applicationId` is asked for.
 */
export function decisionLogSource(store: RecordStore, open: (sealed: Buffer) => string, tenantId: string): ArmSource {
  async function* pages(eventType: string, fromMs: number, toMs: number) {
    let cursor: string | undefined
    do {
      const page = await store.listDecisions({ tenantId, eventType, fromMs, toMs, limit: pageSize, ...(cursor === undefined ? {} : { cursor }) })
      yield page.items
      cursor = page.nextCursor
    } while (cursor !== undefined)
  }
  return {
    async *decisions(eventType, fromMs, toMs, options) {
      for await (const items of pages(eventType, fromMs, toMs)) {
        for (const d of items) {
          const reply = JSON.parse(d.response) as Partial<Decision>
          const { shadows } = JSON.parse(d.trace) as DecisionTrace
          const applicationId = options?.withApplicationIds ? dataOf(open(d.sealedEvent)).applicationId : undefined
          yield {
            eventId: d.eventId,
            occurredAtMs: d.occurredAtMs,
            scores: reply.scores ?? {},
            features: reply.features ?? {},
            action: d.action,
            strategy: reply.strategy ?? null,
            ...(shadows ? { shadows } : {}),
            ...(typeof applicationId === 'string' ? { applicationId } : {}),
          }
        }
      }
    },
    async *labels(fromMs, toMs) {
      for await (const items of pages('label', fromMs, toMs)) {
        for (const d of items) {
          const label = knownLabelOf((JSON.parse(open(d.sealedEvent)) as { data?: Record<string, unknown> }).data, d.occurredAtMs)
          if (label) yield label
        }
      }
    },
    async *loanEvents(fromMs, toMs) {
      for (const eventType of ['loan.drawdown', 'loan.repayment']) {
        for await (const items of pages(eventType, fromMs, toMs)) {
          for (const d of items) {
            const event = loanEventOf(d.eventId, d.occurredAtMs, eventType, dataOf(open(d.sealedEvent)))
            if (event) yield event
          }
        }
      }
    },
  }
}

const dataOf = (eventJson: string) => (JSON.parse(eventJson) as { data?: Record<string, unknown> }).data ?? {}

const instantMs = (value: unknown) => {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN
  return Number.isNaN(ms) ? undefined : ms
}

/** A loan event's links and repayment status; undefined for one without a loan id (the schema requires it, so only a custom copy lacks it). */
function loanEventOf(eventId: string, occurredAtMs: number, eventType: string, data: Record<string, unknown>): LoanEvent | undefined {
  if (typeof data.loanId !== 'string') return undefined
  if (eventType === 'loan.drawdown') {
    const firstDueAtMs = instantMs(data.firstDueAt)
    return {
      kind: 'drawdown',
      eventId,
      occurredAtMs,
      loanId: data.loanId,
      ...(typeof data.applicationId === 'string' ? { applicationId: data.applicationId } : {}),
      ...(firstDueAtMs === undefined ? {} : { firstDueAtMs }),
    }
  }
  if (typeof data.installment !== 'number' || typeof data.status !== 'string' || typeof data.daysPastDue !== 'number') return undefined
  const dueAtMs = instantMs(data.dueAt)
  return { kind: 'repayment', eventId, occurredAtMs, loanId: data.loanId, installment: data.installment, status: data.status, daysPastDue: data.daysPastDue, ...(dueAtMs === undefined ? {} : { dueAtMs }) }
}
