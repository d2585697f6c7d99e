import type { Action } from '../core/actions.ts'
import type { LoggedEventQuery, RecordStore } from '../decisions/record-store.ts'
import type { PersonalDataVault } from '../events/personal-data-vault.ts'
import type { ObservedEvent } from '../features/feature-engine.ts'
import { type KnownLabel, knownLabelOf } from '../monitoring/label-outcomes.ts'
import { ReadEntities } from './read-entities.ts'
import { atDecisionPoint, type LogPlan } from './replay-plan.ts'

/** Where the log is read from: the store, or a read-only connection to its file on another thread. */
export type LogSource = Pick<RecordStore, 'loggedEvents'>

/** What a backtest reads of the log, in order: the pages to replay, then the labels known now. */
export type LogPart = { kind: 'events'; rows: number; firstSeq: number; lastSeq: number; events: ReplayedEvent[] } | { kind: 'labels'; rows: number; labels: KnownLabel[] }

/**
 * Everything a backtest reads of the log, in the order it needs it: the
 * entities its decided events name (`ReadEntities`), the log replayed
 * (`replayLog`), then the labels (`readLabels`: read after the replay, since
 * most come later than the events they are about). The same on the
 * caller's thread and on a worker reading ahead (`log-read-ahead.ts`).
 * `entityLimit`: past that many decided events every entity counts as read;
 * `betweenPages` runs after each page read for the entities.
 */
export async function* backtestLog(
  store: LogSource,
  vault: PersonalDataVault,
  plan: LogPlan,
  tenantId: string,
  options: { entityLimit: number; pageSize?: number; betweenPages?: () => Promise<void> },
): AsyncGenerator<LogPart> {
  const entities = await ReadEntities.collect(store, plan, tenantId, options.entityLimit, options.betweenPages)
  for await (const page of replayLog(store, vault, plan, tenantId, entities, options.pageSize)) yield { kind: 'events', ...page }
  for await (const page of readLabels(store, vault, plan, tenantId, options.pageSize)) yield { kind: 'labels', ...page }
}

/** One logged event as the replay needs it. */
export interface ReplayedEvent {
  eventId: string
  /** Its position in the log: where the graph replay measures it (`graph/graph-replay.ts`). */
  seq: number
  /** What the feature engine sees: keys are the stored blind indexes. */
  observed: ObservedEvent
  /** The draft decides it: the tenant's, of the draft's type (and product), in [from, to). */
  decide: boolean
  /** Decided events: as sealed. */
  occurredAt: string
  /** What was decided live: the stored action and the strategy version (null: none, `NO_STRATEGY`). */
  live: { action: Action; strategyId: string | null; strategyVersion: number | null }
}

/** Data of an event whose data no window reads and that is not decided: nothing is opened. */
export const unopened: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>

/**
 * The decision log over the plan's warm-up and period, in append order
 * (the order the online feature engine saw it), a page at a time: only the
 * events that the draft decides or that add to a window it reads — of a
 * type that feeds one (the store filters by type), naming an entity a
 * decided event names (`ReadEntities`). Sealed copies are opened only where their data is
 * needed: decided events, and events whose data a window reads. Events at
 * or after the end of the period are not read: a read sees only what came
 * before its event's time.
 *
 * Only the tenant's events are read, as online (each tenant has its own
 * feature state: another's events never feed its windows).
 */
export async function* replayLog(
  store: LogSource,
  vault: PersonalDataVault,
  plan: LogPlan,
  tenantId: string,
  read: ReadEntities,
  pageSize = 5_000,
): AsyncGenerator<{ rows: number; firstSeq: number; lastSeq: number; events: ReplayedEvent[] }> {
  for await (const page of store.loggedEvents(replayQuery(plan, pageSize))) {
    const kept: ReplayedEvent[] = []
    for (const d of page) {
      if (d.tenantId !== tenantId) continue
      let decide = d.eventType === plan.eventType && d.occurredAtMs >= plan.fromMs
      // an event that adds only to windows no decided event reads changes nothing read
      const feeds = read.feedsRead(d.eventType, d.entityKeys)
      if (!decide && !feeds) continue
      let data = unopened
      let occurredAt = ''
      if (decide || plan.readsData.has(d.eventType)) {
        const event = JSON.parse(vault.open(d.sealedEvent!)) as { occurredAt: string; data: Record<string, unknown> }
        data = event.data
        occurredAt = event.occurredAt
        if (decide && !atDecisionPoint(plan, d.eventType, data)) {
          decide = false
          if (!feeds) continue
        }
      }
      kept.push({
        eventId: d.eventId,
        seq: d.seq,
        observed: { type: d.eventType, occurredAtMs: d.occurredAtMs, data, keys: d.entityKeys },
        decide,
        occurredAt,
        live: { action: d.action, strategyId: d.strategyId, strategyVersion: d.strategyVersion },
      })
    }
    yield { rows: page.length, firstSeq: page[0]!.seq, lastSeq: page[page.length - 1]!.seq, events: kept }
  }
}

/** What the replay reads from the store. */
export const replayQuery = (plan: LogPlan, batchSize?: number): LoggedEventQuery => ({
  sinceMs: plan.warmUpFromMs,
  untilMs: plan.toMs,
  eventTypes: [...new Set([...plan.feeds, plan.eventType])],
  // opened: the decided events, and those whose data a window reads
  sealedOf: [...new Set([plan.eventType, ...plan.readsData])],
  ...(batchSize === undefined ? {} : { batchSize }),
})

/** The labels known now about the period's events: the tenant's label events from the period's start to the end of the log. */
export const labelQuery = (plan: LogPlan, batchSize?: number): LoggedEventQuery => ({
  sinceMs: plan.fromMs,
  eventTypes: ['label'],
  ...(batchSize === undefined ? {} : { batchSize }),
})

/** The tenant's label events of the label query, as monitoring reads them (subject, kind, when it became known). */
export async function* readLabels(store: LogSource, vault: PersonalDataVault, plan: LogPlan, tenantId: string, pageSize = 5_000): AsyncGenerator<{ rows: number; labels: KnownLabel[] }> {
  for await (const page of store.loggedEvents(labelQuery(plan, pageSize))) {
    const labels: KnownLabel[] = []
    for (const d of page) {
      if (d.tenantId !== tenantId) continue
      const label = knownLabelOf((JSON.parse(vault.open(d.sealedEvent!)) as { data?: Record<string, unknown> }).data, d.occurredAtMs)
      if (label) labels.push(label)
    }
    yield { rows: page.length, labels }
  }
}
