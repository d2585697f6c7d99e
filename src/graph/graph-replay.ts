import type { RecordStore } from '../decisions/record-store.ts'
import type { FeatureDefinition } from '../features/feature-definition.ts'
import type { PersonalDataVault } from '../events/personal-data-vault.ts'
import type { GraphEvent } from './graph-event.ts'
import type { GraphFeatureValues } from './graph-measures.ts'
import type { GraphOptionsInput } from './graph-options.ts'
import type { GraphService } from './graph-service.ts'

/**
 * The options the engine's graph runs with: rings and propagated risk
 * recomputed every hour of event time. A replay of the log (a start, a
 * backtest, a backfill) uses the same, so it recomputes at the same events
 * and lands on the same values.
 */
export const engineGraphOptions = { rings: { everyMs: 3_600_000 } } as const satisfies GraphOptionsInput

/**
 * The options for a replay that measures `definitions` (the graph features
 * among them): the engine's, without the scheduled recomputations when
 * none reads the rings or the propagated risk (every other measure is the
 * same with or without them, and a Louvain every hour of a long history is
 * most of a replay's time).
 */
export function replayGraphOptions(definitions: readonly FeatureDefinition[]): GraphOptionsInput {
  return definitions.some((d) => d.kind === 'graph' && recomputed.has(d.measure!)) ? engineGraphOptions : { rings: { everyMs: 0 } }
}

/** The measures that read the rings or the propagated risk: those that depend on when they were recomputed. */
const recomputed: ReadonlySet<string> = new Set(['ring_risk', 'ring_users', 'ring_growth', 'propagated_risk'])

/** One logged event as the graph takes it, with its position in the log. */
export interface LoggedGraphEvent {
  seq: number
  tenantId: string
  eventId: string
  observed: GraphEvent
}

/**
 * The decision log in append order (the order the online graph saw it), a
 * page at a time, from the event after position `afterSeq`, as the graph
 * reads it: the entity keys as stored (a label's include its subject's) and,
 * for labels only, the opened data (the label). Nothing else is opened.
 * With `tenantId`, that tenant's events only: a tenant's graph is fed by
 * its own events (a page may then hold fewer than `pageSize`, or none).
 */
export async function* graphLog(store: RecordStore, vault: PersonalDataVault, afterSeq = 0, pageSize = 5_000, tenantId?: string): AsyncGenerator<LoggedGraphEvent[]> {
  for await (const page of store.loggedEvents({ sinceMs: 0, sealedOf: ['label'], batchSize: pageSize, ...(afterSeq > 0 ? { afterSeq } : {}) })) {
    const events: LoggedGraphEvent[] = []
    for (const d of page) {
      if (tenantId !== undefined && d.tenantId !== tenantId) continue
      const data = d.sealedEvent ? (JSON.parse(vault.open(d.sealedEvent)) as { data: Record<string, unknown> }).data : noData
      events.push({ seq: d.seq, tenantId: d.tenantId, eventId: d.eventId, observed: { type: d.eventType, occurredAtMs: d.occurredAtMs, data, keys: d.entityKeys } })
    }
    yield events
  }
}

const noData: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>

/**
 * A graph rebuilt alongside a replay of the log, point in time: asked for
 * the logged event at position `seq`, it adds every event logged before it,
 * then measures that event and adds it — `GraphService.observe` in the
 * online order — so each value is the one the online graph gave when it
 * decided the event. Positions must be asked for in increasing order.
 */
export class GraphReplay {
  private page: LoggedGraphEvent[] = []
  private next = 0
  private readonly pages: AsyncIterator<LoggedGraphEvent[]>

  /** `pause` runs after each page of the log read: a turn for other work, and the place to stop. */
  constructor(
    readonly graph: GraphService,
    log: AsyncIterable<LoggedGraphEvent[]>,
    private readonly pause: () => Promise<void> = async () => {},
  ) {
    this.pages = log[Symbol.asyncIterator]()
  }

  /** The measures of each event to decide, in order (undefined for the others). */
  async measureEach(events: readonly { seq: number; decide: boolean }[]): Promise<(GraphFeatureValues | undefined)[]> {
    const values: (GraphFeatureValues | undefined)[] = new Array(events.length)
    for (let i = 0; i < events.length; i++) if (events[i]!.decide) values[i] = await this.measureAt(events[i]!.seq)
    return values
  }

  /** The measures of the logged event at `seq`, or undefined when the log read holds no such event (one before time 0). */
  async measureAt(seq: number): Promise<GraphFeatureValues | undefined> {
    for (;;) {
      if (this.next === this.page.length) {
        const read = await this.pages.next()
        if (read.done) return undefined
        this.page = read.value
        this.next = 0
        await this.pause()
        continue
      }
      const event = this.page[this.next]!
      if (event.seq > seq) return undefined
      this.next++
      if (event.seq < seq) {
        this.graph.add(event.observed)
        continue
      }
      const values = this.graph.measure(event.observed)
      this.graph.add(event.observed)
      return values
    }
  }
}
