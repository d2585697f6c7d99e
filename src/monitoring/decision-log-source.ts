import type { Action } from '../core/actions.ts'
import type { Decision, DecisionTrace, ShadowOutcome } from '../decisions/decision.ts'
import type { RecordStore } from '../decisions/record-store.ts'
import type { KnownLabel } from './label-outcomes.ts'

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
}

/** What the monitor reads: the port it declares, kept apart from the store so tests can hand it rows. */
export interface MonitoringSource {
  /** The decisions of one event type whose event occurred in [fromMs, toMs), in any order. */
  decisions(eventType: string, fromMs: number, toMs: number): AsyncIterable<MonitoredDecision>
  /** The labels whose event occurred (became known) in [fromMs, toMs), in any order. */
  labels(fromMs: number, toMs: number): AsyncIterable<KnownLabel>
}

const pageSize = 5_000

/**
 * The decision log of one tenant as a monitoring source, read a page at a
 * time through the records port. A label's subject is inside its sealed
 * event, so each label is opened (`open`, the vault's); nothing else is.
 */
export function decisionLogSource(store: RecordStore, open: (sealed: Buffer) => string, tenantId: string): MonitoringSource {
  async function* pages(eventType: string, fromMs: number, toMs: number) {
    let cursor: string | undefined
    do {
      const page = await store.listDecisions({ tenantId, eventType, fromMs, toMs, limit: pageSize, ...(cursor === undefined ? {} : { cursor }) })
      yield page.items
      cursor = page.nextCursor
    } while (cursor !== undefined)
  }
  return {
    async *decisions(eventType, fromMs, toMs) {
      for await (const items of pages(eventType, fromMs, toMs)) {
        for (const d of items) {
          const reply = JSON.parse(d.response) as Partial<Decision>
          const { shadows } = JSON.parse(d.trace) as DecisionTrace
          yield {
            eventId: d.eventId,
            occurredAtMs: d.occurredAtMs,
            scores: reply.scores ?? {},
            features: reply.features ?? {},
            action: d.action,
            strategy: reply.strategy ?? null,
            ...(shadows ? { shadows } : {}),
          }
        }
      }
    },
    async *labels(fromMs, toMs) {
      for await (const items of pages('label', fromMs, toMs)) {
        for (const d of items) {
          const event = JSON.parse(open(d.sealedEvent)) as { data?: { subjectEventId?: unknown; label?: unknown } }
          const { subjectEventId, label } = event.data ?? {}
          if (typeof subjectEventId === 'string' && typeof label === 'string') yield { subjectEventId, label, knownAtMs: d.occurredAtMs }
        }
      }
    },
  }
}
