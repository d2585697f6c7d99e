import { ensureCapacity, prefix } from './growable.ts'

/** The edge table's columns for a snapshot; structured-clone safe. */
export interface EdgeStoreColumns {
  count: number
  ends: Int32Array
  firstSeenMs: Float64Array
  lastSeenMs: Float64Array
  counts: Uint32Array
}

const empty = -1

/**
 * The edges: one per pair of nodes that met in an event, numbered in the
 * order they first did, with when they first and last met and how many
 * events they met in. An undirected pair is stored lower node first.
 *
 * Finding the edge of a pair is an open-addressing hash table of edge
 * numbers (linear probing, at most half full): a slot holds only the edge's
 * number, and the probe compares the pair against the edge's own columns,
 * so the table costs 8–16 bytes an edge and nothing on the JS heap.
 *
 * Per edge: ends 8 B, first and last seen 16 B, count 4 B, index 8–16 B.
 */
export class EdgeStore {
  /** [lower, upper] node of each edge. */
  ends = new Int32Array(2048)
  firstSeenMs = new Float64Array(1024)
  lastSeenMs = new Float64Array(1024)
  counts = new Uint32Array(1024)
  count = 0
  private slots = new Int32Array(2048).fill(empty)
  private mask = 2047
  /** `prefetch`'s first slot of each pair. */
  private batchSlots = new Int32Array(32)
  /** A sum of what `prefetch` read: no meaning, kept so that the compiler does not drop the reads. */
  readAhead = 0
  /** Told before an edge's times or count change (`GraphChanges`: what the next scheduled capture sends). */
  watch: { edgeChanging(edge: number): void } | undefined

  /** The edge between `a` and `b`, or -1. */
  find(a: number, b: number): number {
    if (a > b) [a, b] = [b, a]
    const ends = this.ends
    for (let i = slotOf(a, b) & this.mask; ; i = (i + 1) & this.mask) {
      const edge = this.slots[i]!
      if (edge === empty) return -1
      if (ends[2 * edge] === a && ends[2 * edge + 1] === b) return edge
    }
  }

  /**
   * Records that `a` and `b` met at `atMs`: the existing edge's count and
   * times move, or a new edge is made. Returns the edge, negated minus one
   * when it is new (`~edge`), so the caller links new edges into adjacency.
   */
  meet(a: number, b: number, atMs: number): number {
    if (a > b) [a, b] = [b, a]
    const ends = this.ends
    let i = slotOf(a, b) & this.mask
    for (; ; i = (i + 1) & this.mask) {
      const edge = this.slots[i]!
      if (edge === empty) break
      if (ends[2 * edge] === a && ends[2 * edge + 1] === b) {
        this.watch?.edgeChanging(edge)
        this.counts[edge]!++
        // first ≤ last always, so a later meeting (the usual one: events come in time order) reads only the last
        if (atMs > this.lastSeenMs[edge]!) this.lastSeenMs[edge] = atMs
        else if (atMs < this.firstSeenMs[edge]!) this.firstSeenMs[edge] = atMs
        return edge
      }
    }
    const edge = this.count++
    if (edge >= this.counts.length) this.grow(edge + 1)
    this.ends[2 * edge] = a
    this.ends[2 * edge + 1] = b
    this.firstSeenMs[edge] = atMs
    this.lastSeenMs[edge] = atMs
    this.counts[edge] = 1
    this.slots[i] = edge
    if (2 * this.count > this.slots.length) this.rehash(this.slots.length * 2)
    return ~edge
  }

  /**
   * Reads ahead what `meet` will read for each pair ([lower, upper] in
   * `pairs`, `count` of them): the pair's first slot, then the edge there
   * (its ends, count and last meeting). The reads of one stage do not
   * depend on one another, so the processor waits on main memory for all
   * the pairs of an event at once rather than pair after pair; changes
   * nothing.
   */
  prefetch(pairs: Int32Array, count: number): void {
    if (count > this.batchSlots.length) this.batchSlots = new Int32Array(2 * count)
    const { slots, mask, ends, counts, lastSeenMs, batchSlots } = this
    for (let p = 0; p < count; p++) batchSlots[p] = slotOf(pairs[2 * p]!, pairs[2 * p + 1]!) & mask
    let touched = 0
    for (let p = 0; p < count; p++) touched += slots[batchSlots[p]!]!
    for (let p = 0; p < count; p++) {
      const edge = slots[batchSlots[p]!]!
      if (edge !== empty) touched += ends[2 * edge]! + counts[edge]! + (lastSeenMs[edge]! > 0 ? 1 : 0)
    }
    this.readAhead = touched
  }

  /** The end of `edge` that is not `node`. */
  other(edge: number, node: number): number {
    const a = this.ends[2 * edge]!
    return a === node ? this.ends[2 * edge + 1]! : a
  }

  /** Bytes held by the columns and the index (capacity, not only what is used). */
  bytes(): number {
    return this.ends.byteLength + this.firstSeenMs.byteLength + this.lastSeenMs.byteLength + this.counts.byteLength + this.slots.byteLength
  }

  /** Bytes in use: the columns up to the count, and the index at its smallest (twice the edges). */
  usedBytes(): number {
    return this.count * (8 + 8 + 8 + 4 + 2 * 4)
  }

  private grow(needed: number): void {
    this.firstSeenMs = ensureCapacity(this.firstSeenMs, needed)
    this.lastSeenMs = ensureCapacity(this.lastSeenMs, needed)
    this.counts = ensureCapacity(this.counts, needed)
    // two per edge the columns have room for, whatever their growth made of `needed` (growing by half rounds up)
    this.ends = ensureCapacity(this.ends, 2 * this.counts.length)
  }

  private rehash(size: number): void {
    const slots = new Int32Array(size).fill(empty)
    const mask = size - 1
    const ends = this.ends
    // in runs of 16: their slots read first, together (misses in flight at once), then the edges put in them
    const run = new Int32Array(16)
    let touched = 0
    for (let from = 0; from < this.count; from += 16) {
      const to = Math.min(this.count, from + 16)
      for (let edge = from; edge < to; edge++) run[edge - from] = slotOf(ends[2 * edge]!, ends[2 * edge + 1]!) & mask
      for (let edge = from; edge < to; edge++) touched += slots[run[edge - from]!]!
      for (let edge = from; edge < to; edge++) {
        let i = run[edge - from]!
        while (slots[i] !== empty) i = (i + 1) & mask
        slots[i] = edge
      }
    }
    this.readAhead = touched
    this.slots = slots
    this.mask = mask
  }

  toColumns(copy = true): EdgeStoreColumns {
    const n = this.count
    return { count: n, ends: prefix(this.ends, 2 * n, copy), firstSeenMs: prefix(this.firstSeenMs, n, copy), lastSeenMs: prefix(this.lastSeenMs, n, copy), counts: prefix(this.counts, n, copy) }
  }

  static fromColumns(columns: EdgeStoreColumns): EdgeStore {
    const store = new EdgeStore()
    store.grow(columns.count)
    store.ends.set(columns.ends)
    store.firstSeenMs.set(columns.firstSeenMs)
    store.lastSeenMs.set(columns.lastSeenMs)
    store.counts.set(columns.counts)
    store.count = columns.count
    let size = 2048
    while (size < 2 * columns.count) size *= 2
    store.rehash(size)
    return store
  }
}

/** A 32-bit mix of the pair (murmur3's finaliser over a combination of both). */
function slotOf(a: number, b: number): number {
  let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b ^ 0x5bd1e995, 0x85ebca77)
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}
