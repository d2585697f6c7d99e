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
  /** Every node's key as UTF-8, one after the other. */
  keyBytes: Uint8Array
  /** Where each node's key starts in `keyBytes`; one more entry than nodes, the last the end of the last key. */
  keyStarts: Uint32Array
  firstSeenMs: Float64Array
  lastSeenMs: Float64Array
}

const empty = -1
const initialSlots = 2048
/** Key bytes are addressed by 32-bit offsets (and a typed array holds at most 4 GiB): ~190 M keys of 22 bytes. */
const maxKeyBytes = 2 ** 32 - 1

/**
 * Entities as small integers: one node per (kind, key), numbered in the order
 * they were first seen. The key is the blind index the event carried, so the
 * graph never holds a value in clear. The columns (kind, first and last time
 * an event named it) are typed arrays.
 *
 * The keys are not JS strings: each is stored as its UTF-8 bytes in one
 * growing byte array, found through an open-addressing hash table (linear
 * probing, at most half full) whose slots hold a node and the hash of its
 * (kind, key). Written by hand rather than a `Map` per kind: at millions of
 * nodes a `Map` of strings is ~90 B a node on the JS heap that every major
 * collection walks, its lookups chase several pointers, and a restore has to
 * make every string and insert it again. Here a node costs its key's bytes,
 * a 4-byte offset and 16–32 B of table, outside the heap; a lookup of a
 * fresh string hashes its characters, reads one slot and compares bytes;
 * and the columns go to and from a snapshot as they are.
 */
export class NodeTable {
  kinds = new Uint8Array(1024)
  firstSeenMs = new Float64Array(1024)
  lastSeenMs = new Float64Array(1024)
  count = 0
  /** Told before a node's first sighting moves earlier (`GraphChanges`: what the next scheduled capture sends). */
  watch: { nodeChanging(node: number): void } | undefined
  private keyBytes = new Uint8Array(16_384)
  private keyStarts = new Uint32Array(1025)
  /** Pairs [node, hash]; node -1 when the slot is empty. */
  private slots = new Int32Array(2 * initialSlots).fill(empty)
  private mask = initialSlots - 1
  /** A key with characters beyond ASCII, as UTF-8 (`hashOf` fills it). */
  private scratch = Buffer.alloc(256)
  private scratchLength = -1
  /** `keyBytes` as a Buffer, to decode a key; made again when the bytes grow. */
  private keyView = Buffer.alloc(0)
  /** `internAll`'s hashes of an event's keys, and whether each key is ASCII (the others are hashed again). */
  private batchHashes = new Int32Array(32)
  private batchAscii = new Uint8Array(32)
  /** A sum of what `internAll` read ahead: no meaning, kept so that the compiler does not drop the reads. */
  readAhead = 0

  /** The node of (kind, key), or -1 when no event has named it. */
  find(kind: number, key: string): number {
    const hash = this.hashOf(kind, key)
    const slots = this.slots
    for (let i = hash & this.mask; ; i = (i + 1) & this.mask) {
      const node = slots[2 * i]!
      if (node === empty) return -1
      if (slots[2 * i + 1] === hash && this.kinds[node] === kind && this.keyIs(node, key)) return node
    }
  }

  /** The node of (kind, key), made when new; its seen times take `atMs` unless `sighting` is false (a label names a node without seeing it). */
  intern(kind: number, key: string, atMs: number, sighting = true): number {
    return this.internHashed(kind, key, this.hashOf(kind, key), atMs, sighting)
  }

  /**
   * The nodes of an event's (kind, key)s into `into`, as `intern` would
   * give them one after the other. At millions of nodes each lookup waits
   * on main memory three times in a row (the slot, then the node's key
   * offset and seen times, then the key's bytes), and one key's waits
   * cannot start before the last key's are over. So the keys are looked up
   * in stages: every key's first slot is read, then every matching node's
   * row, then its key's bytes, each stage's reads independent of one
   * another (the processor has them in flight together), before the
   * interns themselves, which then find their lines in the cache.
   */
  internAll(kinds: readonly number[], keys: readonly string[], count: number, atMs: number, sighting: boolean, into: number[]): void {
    if (count > this.batchHashes.length) {
      this.batchHashes = new Int32Array(2 * count)
      this.batchAscii = new Uint8Array(2 * count)
    }
    const { batchHashes: hashes, batchAscii: ascii, slots, mask, keyStarts, keyBytes, lastSeenMs } = this
    const nodeKinds = this.kinds
    for (let i = 0; i < count; i++) {
      const key = keys[i]!
      // the hash `hashOf` gives an ASCII key; a key with other characters is hashed again by `intern`
      let h = Math.imul(kinds[i]! + 1, 0x9e3779b1)
      let high = 0
      for (let j = 0; j < key.length; j++) {
        const c = key.charCodeAt(j)
        high |= c
        h = Math.imul(h ^ c, 0x01000193)
      }
      hashes[i] = finish(h, key.length)
      ascii[i] = high < 0x80 ? 1 : 0
    }
    // a loop of loads alone: the hashing between them would fill the processor's window and keep the next from starting
    let touched = 0
    for (let i = 0; i < count; i++) touched += slots[2 * (hashes[i]! & mask)]!
    for (let i = 0; i < count; i++) {
      const at = 2 * (hashes[i]! & mask)
      const node = slots[at]!
      if (node !== empty && slots[at + 1] === hashes[i]) touched += keyStarts[node]! + nodeKinds[node]! + (lastSeenMs[node]! > atMs ? 1 : 0)
    }
    for (let i = 0; i < count; i++) {
      const at = 2 * (hashes[i]! & mask)
      const node = slots[at]!
      if (node !== empty && slots[at + 1] === hashes[i]) touched += keyBytes[keyStarts[node]!]!
    }
    this.readAhead = touched
    for (let i = 0; i < count; i++) {
      if (ascii[i] === 1) {
        this.scratchLength = -1
        into[i] = this.internHashed(kinds[i]!, keys[i]!, hashes[i]!, atMs, sighting)
      } else into[i] = this.intern(kinds[i]!, keys[i]!, atMs, sighting)
    }
  }

  /** `intern` with the key's hash known (`hashOf` called last on it: `scratch` holds its UTF-8 if it is not ASCII). */
  private internHashed(kind: number, key: string, hash: number, atMs: number, sighting: boolean): number {
    const slots = this.slots
    let i = hash & this.mask
    for (; ; i = (i + 1) & this.mask) {
      const node = slots[2 * i]!
      if (node === empty) break
      if (slots[2 * i + 1] === hash && this.kinds[node] === kind && this.keyIs(node, key)) {
        if (!sighting) return node
        // first ≤ last always, so a later sighting (the usual one: events come in time order) reads only the last
        if (atMs > this.lastSeenMs[node]!) this.lastSeenMs[node] = atMs
        else if (atMs < this.firstSeenMs[node]!) {
          this.watch?.nodeChanging(node)
          this.firstSeenMs[node] = atMs
        }
        return node
      }
    }
    const node = this.count
    if (node >= this.kinds.length) this.grow(node + 1)
    this.appendKey(node, key)
    this.count++
    this.kinds[node] = kind
    this.firstSeenMs[node] = atMs
    this.lastSeenMs[node] = atMs
    slots[2 * i] = node
    slots[2 * i + 1] = hash
    if (2 * this.count > this.mask + 1) this.rehash(2 * (this.mask + 1))
    return node
  }

  key(node: number): string {
    if (this.keyView.buffer !== this.keyBytes.buffer) this.keyView = Buffer.from(this.keyBytes.buffer, this.keyBytes.byteOffset, this.keyBytes.byteLength)
    return this.keyView.toString('utf8', this.keyStarts[node]!, this.keyStarts[node + 1]!)
  }

  kind(node: number): EntityKind {
    return entityKinds[this.kinds[node]!]!
  }

  /** Bytes held: the columns, the keys and the hash table (capacity). */
  bytes(): number {
    return this.kinds.byteLength + this.firstSeenMs.byteLength + this.lastSeenMs.byteLength + this.keyBytes.byteLength + this.keyStarts.byteLength + this.slots.byteLength
  }

  /** Bytes in use: the columns and keys up to the count, and the table at its smallest (twice the nodes). */
  usedBytes(): number {
    return this.count * (1 + 8 + 8 + 4 + 2 * 8) + this.keyStarts[this.count]!
  }

  /**
   * The hash of (kind, key) over the key's UTF-8 bytes: read straight from
   * the string while it is ASCII (blind indexes are), else from its
   * encoding, left in `scratch` for `keyIs` and `appendKey`.
   */
  private hashOf(kind: number, key: string): number {
    let h = Math.imul(kind + 1, 0x9e3779b1)
    const n = key.length
    for (let i = 0; i < n; i++) {
      const c = key.charCodeAt(i)
      if (c >= 0x80) return this.hashOfEncoded(kind, key)
      h = Math.imul(h ^ c, 0x01000193)
    }
    this.scratchLength = -1
    return finish(h, n)
  }

  private hashOfEncoded(kind: number, key: string): number {
    const length = Buffer.byteLength(key, 'utf8')
    if (length > this.scratch.length) this.scratch = Buffer.alloc(2 * length)
    this.scratch.write(key, 0, 'utf8')
    this.scratchLength = length
    return hashBytes(kind, this.scratch, 0, length)
  }

  /** Whether the node's key is `key` (the one `hashOf` saw last). */
  private keyIs(node: number, key: string): boolean {
    const start = this.keyStarts[node]!
    const length = this.keyStarts[node + 1]! - start
    const bytes = this.keyBytes
    if (this.scratchLength >= 0) {
      if (length !== this.scratchLength) return false
      for (let i = 0; i < length; i++) if (bytes[start + i] !== this.scratch[i]) return false
      return true
    }
    if (length !== key.length) return false
    for (let i = 0; i < length; i++) if (bytes[start + i] !== key.charCodeAt(i)) return false
    return true
  }

  /** Stores the key of a new node (the one `hashOf` saw last). */
  private appendKey(node: number, key: string): void {
    const start = this.keyStarts[node]!
    const length = this.scratchLength >= 0 ? this.scratchLength : key.length
    const end = start + length
    if (end > maxKeyBytes) throw new Error(`node keys: more than ${maxKeyBytes} bytes of keys`)
    if (end > this.keyBytes.length) this.keyBytes = ensureCapacity(this.keyBytes, Math.min(maxKeyBytes, end))
    const bytes = this.keyBytes
    if (this.scratchLength >= 0) bytes.set(this.scratch.subarray(0, length), start)
    else for (let i = 0; i < length; i++) bytes[start + i] = key.charCodeAt(i)
    this.keyStarts[node + 1] = end
  }

  private grow(needed: number): void {
    this.kinds = ensureCapacity(this.kinds, needed)
    this.firstSeenMs = ensureCapacity(this.firstSeenMs, needed)
    this.lastSeenMs = ensureCapacity(this.lastSeenMs, needed)
    // one more than the other columns, whatever their growth made of `needed`
    this.keyStarts = ensureCapacity(this.keyStarts, this.kinds.length + 1)
  }

  /** A table of `size` slots with every node in it: from the old table's hashes, or (`fromKeys`) from the keys. */
  private rehash(size: number, fromKeys = false): void {
    const slots = new Int32Array(2 * size).fill(empty)
    const mask = size - 1
    const insert = (node: number, hash: number) => {
      let i = hash & mask
      while (slots[2 * i] !== empty) i = (i + 1) & mask
      slots[2 * i] = node
      slots[2 * i + 1] = hash
    }
    if (fromKeys) {
      const { kinds, keyBytes, keyStarts } = this
      for (let node = 0; node < this.count; node++) insert(node, hashBytes(kinds[node]!, keyBytes, keyStarts[node]!, keyStarts[node + 1]!))
    } else {
      // in runs of 16 nodes: their new slots read first, together (misses in flight at once), then the nodes put in them
      const old = this.slots
      const run = new Int32Array(32)
      let touched = 0
      for (let from = 0; from < old.length; ) {
        let found = 0
        for (; from < old.length && found < 16; from += 2) {
          if (old[from] === empty) continue
          run[2 * found] = old[from]!
          run[2 * found + 1] = old[from + 1]!
          touched += slots[2 * (old[from + 1]! & mask)]!
          found++
        }
        for (let j = 0; j < found; j++) insert(run[2 * j]!, run[2 * j + 1]!)
      }
      this.readAhead = touched
    }
    this.slots = slots
    this.mask = mask
  }

  toColumns(copy = true): NodeTableColumns {
    const n = this.count
    return {
      count: n,
      kinds: prefix(this.kinds, n, copy),
      keyBytes: prefix(this.keyBytes, this.keyStarts[n]!, copy),
      keyStarts: prefix(this.keyStarts, n + 1, copy),
      firstSeenMs: prefix(this.firstSeenMs, n, copy),
      lastSeenMs: prefix(this.lastSeenMs, n, copy),
    }
  }

  static fromColumns(columns: NodeTableColumns): NodeTable {
    const table = new NodeTable()
    const n = columns.count
    if (columns.keyStarts.length !== n + 1 || columns.keyStarts[n] !== columns.keyBytes.length) throw new Error('node keys: the offsets do not match the keys')
    table.grow(n)
    table.kinds.set(columns.kinds)
    table.firstSeenMs.set(columns.firstSeenMs)
    table.lastSeenMs.set(columns.lastSeenMs)
    table.keyStarts.set(columns.keyStarts)
    table.keyBytes = ensureCapacity(table.keyBytes, columns.keyBytes.length)
    table.keyBytes.set(columns.keyBytes)
    table.count = n
    let size = initialSlots
    while (size < 2 * n) size *= 2
    table.rehash(size, true)
    return table
  }
}

/** FNV-1a over the bytes, seeded with the kind, then `finish`: the same value `hashOf` gives the key as a string. */
function hashBytes(kind: number, bytes: Uint8Array, start: number, end: number): number {
  let h = Math.imul(kind + 1, 0x9e3779b1)
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193)
  return finish(h, end - start)
}

/** murmur3's finaliser, so that the low bits (the slot) depend on every byte. */
function finish(h: number, length: number): number {
  h ^= length
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h | 0
}
