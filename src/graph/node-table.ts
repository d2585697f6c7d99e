import { type EntityKind, entityKinds } from '../events/entities.ts'
import { ensureCapacity, prefix } from './growable.ts'

/** The index of an entity kind in `entityKinds`: what a node stores as its kind. */
export const kindIndex = (kind: EntityKind): number => entityKinds.indexOf(kind)
export const kindAt = (index: number): EntityKind => entityKinds[index]!

const kindIndices = new Map<string, number>(entityKinds.map((kind, i) => [kind, i]))
/** The index of a kind given as text, or -1 when it is not an entity kind. */
export const kindIndexOf = (kind: string): number => kindIndices.get(kind) ?? -1
export const userKind = kindIndex('user')

/** The node table's columns for a snapshot; structured-clone safe. */
export interface NodeTableColumns {
  count: number
  kinds: Uint8Array
  keys: string[]
  firstSeenMs: Float64Array
  lastSeenMs: Float64Array
}

/**
 * Entities as small integers: one node per (kind, key), numbered in the order
 * they were first seen. The key is the blind index the event carried, so the
 * graph never holds a value in clear. A map per kind finds a node; the
 * columns (kind, first and last time an event named it) are typed arrays.
 */
export class NodeTable {
  private readonly ids: Map<string, number>[] = entityKinds.map(() => new Map())
  private keyOf: string[] = []
  kinds = new Uint8Array(1024)
  firstSeenMs = new Float64Array(1024)
  lastSeenMs = new Float64Array(1024)
  count = 0

  /** The node of (kind, key), or -1 when no event has named it. */
  find(kind: number, key: string): number {
    return this.ids[kind]!.get(key) ?? -1
  }

  /** The node of (kind, key), made when new; its seen times take `atMs` unless `sighting` is false (a label names a node without seeing it). */
  intern(kind: number, key: string, atMs: number, sighting = true): number {
    const ids = this.ids[kind]!
    let id = ids.get(key)
    if (id === undefined) {
      id = this.count++
      if (id >= this.kinds.length) this.grow(id + 1)
      ids.set(key, id)
      this.keyOf.push(key)
      this.kinds[id] = kind
      this.firstSeenMs[id] = atMs
      this.lastSeenMs[id] = atMs
      return id
    }
    if (!sighting) return id
    if (atMs < this.firstSeenMs[id]!) this.firstSeenMs[id] = atMs
    if (atMs > this.lastSeenMs[id]!) this.lastSeenMs[id] = atMs
    return id
  }

  key(node: number): string {
    return this.keyOf[node]!
  }

  kind(node: number): EntityKind {
    return entityKinds[this.kinds[node]!]!
  }

  private grow(needed: number): void {
    this.kinds = ensureCapacity(this.kinds, needed)
    this.firstSeenMs = ensureCapacity(this.firstSeenMs, needed)
    this.lastSeenMs = ensureCapacity(this.lastSeenMs, needed)
  }

  toColumns(copy = true): NodeTableColumns {
    const n = this.count
    return { count: n, kinds: prefix(this.kinds, n, copy), keys: copy ? this.keyOf.slice() : this.keyOf, firstSeenMs: prefix(this.firstSeenMs, n, copy), lastSeenMs: prefix(this.lastSeenMs, n, copy) }
  }

  static fromColumns(columns: NodeTableColumns): NodeTable {
    const table = new NodeTable()
    table.grow(columns.count)
    table.kinds.set(columns.kinds)
    table.firstSeenMs.set(columns.firstSeenMs)
    table.lastSeenMs.set(columns.lastSeenMs)
    table.keyOf = columns.keys.slice()
    table.count = columns.count
    for (let id = 0; id < columns.count; id++) table.ids[columns.kinds[id]!]!.set(columns.keys[id]!, id)
    return table
  }
}
