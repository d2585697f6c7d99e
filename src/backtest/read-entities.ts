import type { LoggedEventQuery, RecordStore } from '../decisions/record-store.ts'
import type { LogPlan, WindowKey } from './replay-plan.ts'

/**
 * The entities whose windows a backtest reads: the keys of the events it
 * decides. A window kept per any other entity is never read, so an event
 * that would only add to such windows can be left out of the replay
 * without changing any value read — on a month of logins, most of them.
 * An event is kept when, for a window its type feeds, it names one of the
 * entities read (for a window per pair, one of each kind); the kinds a
 * distinct count counts (`of`) are values, not windows, and play no part.
 */
export class ReadEntities {
  private constructor(
    /** Undefined: every entity is read (an event of a feeding type is always kept). */
    private readonly keys: ReadonlyMap<string, ReadonlySet<string>> | undefined,
    private readonly windowsOf: ReadonlyMap<string, readonly WindowKey[]>,
  ) {}

  /**
   * Reads the keys of the events the plan decides (the tenant's of the
   * draft's type in the period; of any product, a superset). When there are
   * more than `limit` of them (a draft for the busiest decision point),
   * leaving events out would gain little for the cost of the sets: every
   * entity then counts as read. `betweenPages` runs after each page read.
   */
  static async collect(
    store: Pick<RecordStore, 'loggedEvents'>,
    plan: LogPlan,
    tenantId: string,
    limit = Number.POSITIVE_INFINITY,
    betweenPages?: () => Promise<void>,
  ): Promise<ReadEntities> {
    const windowsOf = plan.windows
    const keys = new Map<string, Set<string>>()
    let decided = 0
    for await (const page of store.loggedEvents(decidedQuery(plan))) {
      decided += page.length
      if (decided > limit) return new ReadEntities(undefined, windowsOf)
      for (const event of page) {
        if (event.tenantId !== tenantId) continue
        for (const kind in event.entityKeys) {
          const set = keys.get(kind) ?? new Set<string>()
          keys.set(kind, set)
          for (const key of event.entityKeys[kind]!) set.add(key)
        }
      }
      await betweenPages?.()
    }
    return new ReadEntities(keys, windowsOf)
  }

  /** The entities read by kind (undefined: every entity), structured-clone safe: another reader thread's copy is `ReadEntities.of` them. */
  get keysRead(): ReadonlyMap<string, ReadonlySet<string>> | undefined {
    return this.keys
  }

  /** The entities another thread collected (`keysRead`), for the same plan. */
  static of(keys: ReadonlyMap<string, ReadonlySet<string>> | undefined, plan: LogPlan): ReadEntities {
    return new ReadEntities(keys, plan.windows)
  }

  /** Whether every entity counts as read: `feedsRead` then looks at the type alone, not the keys. */
  get readsEveryEntity(): boolean {
    return this.keys === undefined
  }

  /** Whether an event of `type` with these keys adds to a window that a decided event reads. */
  feedsRead(type: string, keys: Readonly<Record<string, readonly string[]>>): boolean {
    const windows = this.windowsOf.get(type)
    if (!windows) return false
    if (!this.keys) return true
    for (const window of windows) {
      if (this.names(window.entity, keys) && (window.pairedWith === undefined || this.names(window.pairedWith, keys))) return true
    }
    return false
  }

  private names(kind: string, keys: Readonly<Record<string, readonly string[]>>): boolean {
    const read = this.keys!.get(kind)
    const named = keys[kind]
    if (!read || !named) return false
    for (const key of named) if (read.has(key)) return true
    return false
  }
}

/** The events the plan decides, without their sealed copies: their keys are all that is needed here. */
const decidedQuery = (plan: LogPlan): LoggedEventQuery => ({ sinceMs: plan.fromMs, untilMs: plan.toMs, eventTypes: [plan.eventType], sealedOf: [] })
