import type { EntityKind } from '../events/entities.ts'
import { EntityLog, type LogColumnsReader, type LogLayout } from './entity-log.ts'
import type { ObservedEvent } from './feature-engine.ts'
import type { KeyTable } from './key-table.ts'

/**
 * Where a group keeps its logs, by key: what the snapshot, sweeps, current
 * values and stats need. A directory holds each log's array only; the
 * `EntityLog` it hands out is its one view, bound to the log asked for last,
 * so a log is valid until the directory is asked for another.
 */
export interface LogDirectory {
  readonly size: number
  get(key: string): EntityLog | undefined
  /** A restored log under its key (read by the directory's view from the snapshot's columns). */
  restore(key: string, columns: LogColumnsReader): void
  entries(): Iterable<[string, EntityLog]>
  /** Drops (and releases) the logs for which `expired` holds; how many. */
  drop(expired: (log: EntityLog) => boolean): number
}

/**
 * An entity kind's keys in an event as ids of the kind's key table, looked
 * up once per event for every group and distinct count that needs them, and
 * held until the engine is done with the event.
 */
export class KindKeys {
  private seen: ObservedEvent | undefined = undefined
  private keys: readonly string[] = noKeys
  /** The ids of the event's keys, the first `count` of them: reused, and never shortened, since an array emptied by `length = 0` lets go of its storage and makes new when filled again. */
  readonly ids: number[] = []
  count = 0
  /** The logs kept per this kind, if any: a key with a log is kept alive by it, and needs no hold. */
  logs: KindLogs | undefined = undefined

  constructor(
    readonly kind: EntityKind,
    readonly table: KeyTable,
  ) {}

  /**
   * How many keys of the kind `event` names; their ids are `ids` (valid until
   * `forget`): −1 for a key the table does not hold yet, unless `make` (then
   * every key gets one). A key that is only read (no log, no entry takes it)
   * is never added to the table.
   */
  of(event: ObservedEvent, make = false): number {
    const ids = this.ids
    if (this.seen !== event) {
      this.seen = event
      const keys = event.keys[this.kind] ?? noKeys
      this.keys = keys
      this.count = keys.length
      for (let i = 0; i < keys.length; i++) {
        const id = this.table.idOf(keys[i]!)
        // logs go only in a sweep, never during an event; a key without one is held so that no entry leaving a log frees it meanwhile
        if (id >= 0 && !this.logs?.has(id)) this.table.holdId(id)
        if (i < ids.length) ids[i] = id
        else ids.push(id)
      }
    }
    if (make) for (let i = 0; i < this.count; i++) if (ids[i]! < 0) this.idAt(i)
    return this.count
  }

  /** The id of the event's `k`-th key, made (and held) if it had none. */
  idAt(k: number): number {
    let id = this.ids[k]!
    if (id < 0) {
      const key = this.keys[k]!
      id = this.table.hold(key)
      this.ids[k] = id
      // the same key named twice in the event: both are that id from now on
      for (let j = 0; j < this.count; j++) if (this.ids[j]! < 0 && this.keys[j] === key) this.ids[j] = this.table.hold(key)
    }
    return id
  }

  forget(): void {
    this.seen = undefined
  }
}

const noKeys: readonly string[] = []

/**
 * The logs of a group kept per one entity kind, by the id of their key in
 * the kind's table: finding an event's logs takes only the look-up that
 * gives its keys' ids, which the distinct counts over that kind share. Each
 * log holds its key's id.
 */
export class KindLogs implements LogDirectory {
  private readonly byId: (number[] | undefined)[] = []
  private count = 0
  /** The key the view is bound to. */
  private bound = -1
  private readonly view: EntityLog

  constructor(
    readonly table: KeyTable,
    layout: LogLayout,
  ) {
    this.view = new EntityLog(layout, (d) => {
      this.byId[this.bound] = d
    })
  }

  get size(): number {
    return this.count
  }

  has(id: number): boolean {
    return this.byId[id] !== undefined
  }

  at(id: number): EntityLog | undefined {
    const d = this.byId[id]
    if (d === undefined) return undefined
    this.bound = id
    return this.view.bind(d)
  }

  /** A new log for key `id`. */
  add(id: number): EntityLog {
    this.table.acquire(id)
    while (this.byId.length <= id) this.byId.push(undefined)
    const d = EntityLog.create(this.view.layout)
    this.byId[id] = d
    this.count++
    this.bound = id
    return this.view.bind(d)
  }

  get(key: string): EntityLog | undefined {
    const id = this.table.find(key)
    return id === undefined ? undefined : this.at(id)
  }

  /** A restored log: its key's reference is in the restored table already. */
  restore(key: string, columns: LogColumnsReader): void {
    const id = this.table.find(key)
    if (id === undefined) throw new Error(`the snapshot has a log for a key its table does not hold`)
    while (this.byId.length <= id) this.byId.push(undefined)
    if (!this.byId[id]) this.count++
    this.bound = id
    this.byId[id] = EntityLog.readFrom(this.view, columns)
  }

  *entries(): Iterable<[string, EntityLog]> {
    for (let id = 0; id < this.byId.length; id++) {
      const log = this.at(id)
      if (log) yield [this.table.text(id), log]
    }
  }

  drop(expired: (log: EntityLog) => boolean): number {
    let dropped = 0
    for (let id = 0; id < this.byId.length; id++) {
      const log = this.at(id)
      if (!log || !expired(log)) continue
      log.release()
      this.byId[id] = undefined
      this.count--
      this.table.release(id)
      dropped++
    }
    return dropped
  }
}

/** The logs of a group kept per pair of entities, by the two keys joined. */
export class PairLogs implements LogDirectory {
  private readonly logs = new Map<string, number[]>()
  /** The key the view is bound to. */
  private bound = ''
  private readonly view: EntityLog

  constructor(layout: LogLayout) {
    this.view = new EntityLog(layout, (d) => {
      this.logs.set(this.bound, d)
    })
  }

  get size(): number {
    return this.logs.size
  }

  get(key: string): EntityLog | undefined {
    const d = this.logs.get(key)
    if (d === undefined) return undefined
    this.bound = key
    return this.view.bind(d)
  }

  /** A new log for `key`. */
  add(key: string): EntityLog {
    const d = EntityLog.create(this.view.layout)
    this.logs.set(key, d)
    this.bound = key
    return this.view.bind(d)
  }

  restore(key: string, columns: LogColumnsReader): void {
    this.bound = key
    this.logs.set(key, EntityLog.readFrom(this.view, columns))
  }

  *entries(): Iterable<[string, EntityLog]> {
    for (const [key, d] of this.logs) {
      this.bound = key
      yield [key, this.view.bind(d)]
    }
  }

  drop(expired: (log: EntityLog) => boolean): number {
    let dropped = 0
    for (const [key, d] of this.logs) {
      this.bound = key
      const log = this.view.bind(d)
      if (!expired(log)) continue
      log.release()
      this.logs.delete(key)
      dropped++
    }
    return dropped
  }
}
