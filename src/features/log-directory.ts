import type { EntityKind } from '../events/entities.ts'
import { EntityLog, type LogLayout } from './entity-log.ts'
import type { ObservedEvent } from './feature-engine.ts'
import type { KeyTable } from './key-table.ts'
import { ColumnsReader, ColumnsWriter, type GroupColumns, noColumnSizes } from './log-columns.ts'

/**
 * Where a group keeps its logs, by key: what the snapshot, sweeps, current
 * values and stats need. A directory holds each log's place in its slab only; the
 * `EntityLog` it hands out is its one view, bound to the log asked for last,
 * so a log is valid until the directory is asked for another.
 */
export interface LogDirectory {
  readonly size: number
  get(key: string): EntityLog | undefined
  /** Every log in the flat columns of a snapshot. */
  toColumns(): GroupColumns
  /** The logs of `toColumns` (into an empty directory, after the key tables). */
  restore(columns: GroupColumns): void
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
 * gives its keys' ids, which the distinct counts over that kind share, and
 * then one integer per id, where its log is in the group's slab.
 */
export class KindLogs implements LogDirectory {
  /** Per key id, its log's place in the slab + 1 (0: no log). */
  private places = new Int32Array(64)
  private count = 0
  /** The key the view is bound to. */
  private bound = -1
  private readonly view: EntityLog

  constructor(
    readonly table: KeyTable,
    layout: LogLayout,
  ) {
    this.view = new EntityLog(layout, (place) => {
      this.places[this.bound] = place + 1
    })
  }

  get size(): number {
    return this.count
  }

  has(id: number): boolean {
    return id < this.places.length && this.places[id] !== 0
  }

  at(id: number): EntityLog | undefined {
    if (id >= this.places.length) return undefined
    const place = this.places[id]!
    if (place === 0) return undefined
    this.bound = id
    return this.view.bind(place - 1)
  }

  /** A new log for key `id`. */
  add(id: number): EntityLog {
    this.table.acquire(id)
    this.roomFor(id)
    this.bound = id
    this.places[id] = this.view.create() + 1
    this.count++
    return this.view
  }

  get(key: string): EntityLog | undefined {
    const id = this.table.find(key)
    return id === undefined ? undefined : this.at(id)
  }

  /** Each log by its key id, which the restored table gives the same key. */
  toColumns(): GroupColumns {
    const sizes = noColumnSizes()
    const places = this.places
    for (let id = 0; id < places.length; id++) if (places[id] !== 0) this.at(id)!.measure(sizes)
    const columns = new ColumnsWriter(sizes)
    for (let id = 0; id < places.length; id++) {
      if (places[id] === 0) continue
      columns.ids.push(id)
      this.at(id)!.writeTo(columns)
    }
    return columns.finish()
  }

  /** The logs of `toColumns`: each key's reference is in the restored table already. */
  restore(saved: GroupColumns): void {
    const columns = new ColumnsReader(saved)
    if (columns.keys.length > 0) throw new Error('the snapshot names the logs of an entity kind by key, not by id')
    for (const id of columns.ids) {
      if (id < 0 || this.table.text(id) === '') throw new Error(`the snapshot has a log for key id ${id}, which its table does not hold`)
      this.roomFor(id)
      if (this.places[id] !== 0) throw new Error(`the snapshot has two logs for key id ${id}`)
      this.count++
      this.bound = id
      this.places[id] = EntityLog.readFrom(this.view, columns) + 1
    }
    columns.finish()
  }

  *entries(): Iterable<[string, EntityLog]> {
    for (let id = 0; id < this.places.length; id++) {
      const log = this.at(id)
      if (log) yield [this.table.text(id), log]
    }
  }

  drop(expired: (log: EntityLog) => boolean): number {
    let dropped = 0
    for (let id = 0; id < this.places.length; id++) {
      const log = this.at(id)
      if (!log || !expired(log)) continue
      log.release()
      this.places[id] = 0
      this.count--
      this.table.release(id)
      dropped++
    }
    return dropped
  }

  /** Bytes of the directory and the slab its logs are in. */
  get bytes(): number {
    return this.places.byteLength + this.view.slab.bytes
  }

  private roomFor(id: number): void {
    if (id < this.places.length) return
    let length = this.places.length
    while (length <= id) length *= 2
    const places = new Int32Array(length)
    places.set(this.places)
    this.places = places
  }
}

/** The logs of a group kept per pair of entities, by the two keys joined. */
export class PairLogs implements LogDirectory {
  /** Each log's place in the slab. */
  private readonly logs = new Map<string, number>()
  /** The key the view is bound to. */
  private bound = ''
  private readonly view: EntityLog

  constructor(layout: LogLayout) {
    this.view = new EntityLog(layout, (place) => {
      this.logs.set(this.bound, place)
    })
  }

  get size(): number {
    return this.logs.size
  }

  get(key: string): EntityLog | undefined {
    const place = this.logs.get(key)
    if (place === undefined) return undefined
    this.bound = key
    return this.view.bind(place)
  }

  /** A new log for `key`. */
  add(key: string): EntityLog {
    this.bound = key
    this.logs.set(key, this.view.create())
    return this.view
  }

  toColumns(): GroupColumns {
    const sizes = noColumnSizes()
    for (const [, log] of this.entries()) log.measure(sizes)
    const columns = new ColumnsWriter(sizes)
    for (const [key, log] of this.entries()) {
      columns.keys.push(key)
      log.writeTo(columns)
    }
    return columns.finish()
  }

  restore(saved: GroupColumns): void {
    const columns = new ColumnsReader(saved)
    if (columns.ids.length > 0) throw new Error('the snapshot names the logs of a pair by id, not by key')
    for (const key of columns.keys) {
      if (this.logs.has(key)) throw new Error('the snapshot has two logs for one pair')
      this.bound = key
      this.logs.set(key, EntityLog.readFrom(this.view, columns))
    }
    columns.finish()
  }

  *entries(): Iterable<[string, EntityLog]> {
    for (const [key, place] of this.logs) {
      this.bound = key
      yield [key, this.view.bind(place)]
    }
  }

  drop(expired: (log: EntityLog) => boolean): number {
    let dropped = 0
    for (const [key, place] of this.logs) {
      this.bound = key
      const log = this.view.bind(place)
      if (!expired(log)) continue
      log.release()
      this.logs.delete(key)
      dropped++
    }
    return dropped
  }

  /** Bytes of the slab its logs are in (the map of keys is on the heap). */
  get bytes(): number {
    return this.view.slab.bytes
  }
}
