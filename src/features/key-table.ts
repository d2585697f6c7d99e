/**
 * Strings the logs count (entity keys for `of`, a field's text for
 * distinct counts) as small integers: a log entry holds a number, not a
 * reference to a string, so the packed logs are numbers only, a distinct
 * count's multiset is keyed by numbers, and each string is kept once however
 * many entries hold it. Every holder counts: an id lives while an entry (or
 * the event being visited) refers to it, and its number is then reused, so
 * the table is bounded by what the logs retain.
 *
 * An entry that holds several values (an event naming three contacts) holds
 * one id of the list, whose members are ids of the same table.
 *
 * Hand-written rather than a `Map<string, number>`: every event looks up
 * each of its keys, and with hundreds of thousands of keys a `Map` costs a
 * cache miss for its bucket, one for its entry and one for the key string,
 * and keeps one string object per key for the collector. Here a look-up is
 * one slot of a typed array: the key's hash, its id, and its text in the
 * slot itself when it is short (a blind index is 22 characters), so that
 * finding a key touches one place in memory, not a slot and then its text
 * elsewhere; a longer text is in one array of UTF-16 code units. The
 * comparison is always of the whole text, so two keys are the same id
 * exactly when they are the same string.
 */
export class KeyTable {
  /** Open addressing with linear probing, `slotWidth` numbers a slot: the key's hash, its id + 1 (0: empty), its length, where its text starts in `chars` (a long one), then a short text's code units, two a number. */
  private slots = new Int32Array(initialSlots * slotWidth)
  private mask = initialSlots - 1
  /** Ids in the slots. */
  private live = 0
  /** The texts longer than `inlineUnits`, one after the other; a forgotten id's text stays as garbage until the next compaction. */
  private chars = new Uint16Array(initialChars)
  private charsEnd = 0
  private garbageChars = 0
  /** Per id: its slot, its reference count (0: free). */
  private slotOf = new Int32Array(initialIds)
  private refs = new Int32Array(initialIds)
  /** Ids made so far (free ones included). */
  private ids = 0
  /** Live ids when the per-id arrays were last tried for a cut. */
  private cutTriedAt = Number.POSITIVE_INFINITY
  private readonly members: (number[] | undefined)[] = []
  /** Lists alive: without any, `membersOf` need not look (most tables never hold one). */
  private lists = 0
  /** Forgotten ids, lowest first (a binary heap): reusing low ids first leaves the high ones free, so that the per-id arrays can shrink. */
  private readonly free = new MinHeap()
  /** Ids held for the event (or batch) being visited, the first `heldCount`, released by `releaseHeld` (the array is reused, never shortened). */
  private readonly held: number[] = []
  private heldCount = 0

  constructor(readonly name: string) {}

  /** The id of `value` (one string, or several as a list), held until `releaseHeld`. */
  hold(value: string | readonly string[]): number {
    const id = typeof value === 'string' ? this.idFor(value) : value.length === 1 ? this.idFor(value[0]!) : this.listFor(value)
    this.refs[id]!++
    this.keepHeld(id)
    return id
  }

  /** Holds `id` (which is alive) until `releaseHeld`. */
  holdId(id: number): void {
    this.refs[id]!++
    this.keepHeld(id)
  }

  private keepHeld(id: number): void {
    if (this.heldCount < this.held.length) this.held[this.heldCount] = id
    else this.held.push(id)
    this.heldCount++
  }

  /** Releases every id `hold` gave since the last call: those no entry took are forgotten. */
  releaseHeld(): void {
    const held = this.held
    for (let i = 0; i < this.heldCount; i++) this.release(held[i]!)
    this.heldCount = 0
  }

  /** The id of one string, if it has one. */
  find(text: string): number | undefined {
    const id = this.idOf(text)
    return id < 0 ? undefined : id
  }

  /** The id of one string, or −1. */
  idOf(text: string): number {
    const hash = hashOf(text)
    const { slots, mask } = this
    const length = text.length
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const at = slot * slotWidth
      const id = slots[at + 1]! - 1
      if (id < 0) return -1
      if (slots[at] === hash && slots[at + LENGTH] === length && this.holds(at, text)) return id
    }
  }

  acquire(id: number): void {
    this.refs[id]!++
  }

  release(id: number): void {
    if (--this.refs[id]! > 0) return
    this.remove(id)
    const list = this.members[id]
    // free before its members go, so that a shrink on their way sees it as free
    this.free.push(id)
    if (list) {
      this.members[id] = undefined
      this.lists--
      for (const member of list) this.release(member)
    }
    this.shrinkIfSparse()
  }

  /** The ids an entry's id stands for: its members if a list, else itself. */
  valuesOf(id: number): readonly number[] {
    return this.members[id] ?? [id]
  }

  /** The members of a list id, or undefined for a single value. */
  membersOf(id: number): readonly number[] | undefined {
    return this.lists === 0 ? undefined : this.members[id]
  }

  text(id: number): string {
    if (this.refs[id]! <= 0) return ''
    const at = this.slotOf[id]! * slotWidth
    const length = this.slots[at + LENGTH]!
    if (length <= inlineUnits) {
      let text = ''
      for (let i = 0; i < length; i++) text += String.fromCharCode((this.slots[at + INLINE + (i >>> 1)]! >>> ((i & 1) * 16)) & 0xffff)
      return text
    }
    const from = this.slots[at + FROM]!
    const to = from + length
    let text = ''
    // in pieces: String.fromCharCode takes its arguments on the stack
    for (let i = from; i < to; i += 8192) text += String.fromCharCode.apply(null, this.chars.subarray(i, Math.min(to, i + 8192)) as unknown as number[])
    return text
  }

  /** The table for a snapshot: the text and reference count of every id (a free one: count 0), and the lists' members as [id, n, member…]. */
  toColumns(): KeyTableColumns {
    const lists: number[] = []
    const texts: string[] = []
    for (let id = 0; id < this.ids; id++) {
      texts.push(this.text(id))
      const list = this.members[id]
      if (list) lists.push(id, list.length, ...list)
    }
    return { name: this.name, texts, refs: this.refs.slice(0, this.ids), lists: Float64Array.from(lists) }
  }

  /** Loads `toColumns` into this table, which must be empty. */
  load(columns: KeyTableColumns): void {
    if (this.ids > 0) throw new Error('a key table is restored into a fresh engine only')
    if (columns.texts.length !== columns.refs.length) throw new Error(`the snapshot's key table ${this.name} has ${columns.texts.length} texts for ${columns.refs.length} counts`)
    for (let id = 0; id < columns.texts.length; id++) {
      const refs = columns.refs[id]!
      this.newId()
      this.members.push(undefined)
      if (refs > 0) {
        this.insert(id, columns.texts[id]!)
        this.refs[id] = refs
      } else this.free.push(id)
    }
    const lists = columns.lists
    for (let at = 0; at < lists.length; ) {
      const id = lists[at]!
      const n = lists[at + 1]!
      this.members[id] = Array.from(lists.subarray(at + 2, at + 2 + n))
      this.lists++
      at += 2 + n
    }
  }

  private idFor(text: string): number {
    const id = this.idOf(text)
    return id >= 0 ? id : this.make(text, undefined)
  }

  /** A list's text is its members' texts after a separator no key or field text starts with (blind indexes are base64url, texts are taken whole). */
  private listFor(values: readonly string[]): number {
    const text = `\u0001${values.join('\u0001')}`
    const id = this.idOf(text)
    if (id >= 0) return id
    const list = values.map((value) => this.idFor(value))
    for (const member of list) this.refs[member]!++
    return this.make(text, list)
  }

  private make(text: string, list: number[] | undefined): number {
    let id = this.free.pop()
    if (id === undefined) {
      id = this.newId()
      this.members.push(list)
    } else this.members[id] = list
    this.refs[id] = 0
    if (list) this.lists++
    this.insert(id, text)
    return id
  }

  /** The next id, with room for it in the per-id arrays. */
  private newId(): number {
    const id = this.ids++
    if (id === this.refs.length) {
      this.cutTriedAt = Number.POSITIVE_INFINITY
      this.refs = grown(this.refs, 2 * id)
      this.slotOf = grown(this.slotOf, 2 * id)
    }
    return id
  }

  /** Puts `text` under `id` (which it is not under yet). */
  private insert(id: number, text: string): void {
    if ((this.live + 1) * 4 > (this.mask + 1) * 3) this.rehash(2 * (this.mask + 1))
    const length = text.length
    const hash = hashOf(text)
    const { slots, mask } = this
    let slot = hash & mask
    while (slots[slot * slotWidth + 1] !== 0) slot = (slot + 1) & mask
    const at = slot * slotWidth
    slots[at] = hash
    slots[at + 1] = id + 1
    slots[at + LENGTH] = length
    if (length <= inlineUnits) {
      // a slot is reused: its units past the text are zero, as `holds` compares the last pair's second unit with 0
      for (let k = 0; k < inlineUnits / 2; k++) slots[at + INLINE + k] = 0
      for (let i = 0; i < length; i++) slots[at + INLINE + (i >>> 1)]! |= text.charCodeAt(i) << ((i & 1) * 16)
    } else {
      if (this.charsEnd + length > this.chars.length) this.makeRoom(length)
      const from = this.charsEnd
      const chars = this.chars
      for (let i = 0; i < length; i++) chars[from + i] = text.charCodeAt(i)
      this.charsEnd = from + length
      slots[at + FROM] = from
    }
    this.slotOf[id] = slot
    this.live++
  }

  /** Capacity of the hash index, of the texts and of the per-id arrays (for tests and memory figures). */
  get capacity(): { slots: number; chars: number; ids: number; live: number } {
    return { slots: this.mask + 1, chars: this.chars.length, ids: this.refs.length, live: this.live }
  }

  /**
   * After a forgetting: a table that held many keys and now holds few gives
   * the room back, so that a burst of keys (a backfill, an attack) does not
   * keep its peak size until a restart. Each part shrinks when an eighth or
   * less of it is used, to where a quarter to a half is, and grows when
   * three quarters are: between the two it neither grows nor shrinks, so a
   * table going up and down around one size does not rehash every time.
   * Ids stay what they are (logs and entries hold them, and other arrays are
   * indexed by them): the hash index is rebuilt, the texts packed, and the
   * per-id arrays cut only above the highest live id.
   */
  private shrinkIfSparse(): void {
    const size = this.mask + 1
    if (size > initialSlots && this.live * 8 <= size) this.rehash(Math.max(initialSlots, powerOfTwoAtLeast(2 * this.live)))
    const liveChars = this.charsEnd - this.garbageChars
    if (this.chars.length > initialChars && liveChars * 8 <= this.chars.length) this.packChars(Math.max(initialChars, powerOfTwoAtLeast(2 * liveChars)))
    if (this.refs.length > initialIds && this.live * 8 <= this.refs.length && this.live * 2 <= this.cutTriedAt) this.cutIds()
  }

  /** The per-id arrays down to the highest id in use (after which the free ids above it are no more). */
  private cutIds(): void {
    // a high id still in use may keep the arrays: the next try waits until half as many ids are live
    this.cutTriedAt = this.live
    let top = this.ids
    while (top > 0 && this.refs[top - 1] === 0 && this.members[top - 1] === undefined) top--
    const capacity = Math.max(initialIds, powerOfTwoAtLeast(2 * top))
    if (capacity >= this.refs.length) return
    this.free.keepBelow(top)
    this.ids = top
    this.members.length = top
    this.refs = this.refs.slice(0, capacity)
    this.slotOf = this.slotOf.slice(0, capacity)
  }

  /** Takes `id` out of the slots, moving back the keys after it that probed past its slot (no tombstones). */
  private remove(id: number): void {
    const { slots, mask } = this
    let empty = this.slotOf[id]!
    const length = slots[empty * slotWidth + LENGTH]!
    if (length > inlineUnits) this.garbageChars += length
    for (let slot = (empty + 1) & mask; ; slot = (slot + 1) & mask) {
      const at = slot * slotWidth
      if (slots[at + 1] === 0) break
      const home = slots[at]! & mask
      // the key stays where it is when its home is cyclically in (empty, slot]
      if (empty <= slot ? empty < home && home <= slot : empty < home || home <= slot) continue
      const to = empty * slotWidth
      for (let k = 0; k < slotWidth; k++) slots[to + k] = slots[at + k]!
      this.slotOf[slots[at + 1]! - 1] = empty
      empty = slot
    }
    slots.fill(0, empty * slotWidth, (empty + 1) * slotWidth)
    this.live--
  }

  private rehash(size: number): void {
    const old = this.slots
    const slots = new Int32Array(size * slotWidth)
    const mask = size - 1
    for (let at = 0; at < old.length; at += slotWidth) {
      if (old[at + 1] === 0) continue
      let slot = old[at]! & mask
      while (slots[slot * slotWidth + 1] !== 0) slot = (slot + 1) & mask
      slots.set(old.subarray(at, at + slotWidth), slot * slotWidth)
      this.slotOf[old[at + 1]! - 1] = slot
    }
    this.slots = slots
    this.mask = mask
  }

  /** Room for `length` more code units: the live texts copied together when half the array is garbage, and the array doubled if that is not enough. */
  private makeRoom(length: number): void {
    const liveChars = this.charsEnd - this.garbageChars
    let size = this.chars.length
    while (liveChars + length > size / 2) size *= 2
    this.packChars(size)
  }

  /** The live texts copied together into a new array of `size` code units. */
  private packChars(size: number): void {
    const chars = new Uint16Array(size)
    let end = 0
    const slots = this.slots
    for (let at = 0; at < slots.length; at += slotWidth) {
      if (slots[at + 1] === 0 || slots[at + LENGTH]! <= inlineUnits) continue
      const from = slots[at + FROM]!
      const n = slots[at + LENGTH]!
      chars.set(this.chars.subarray(from, from + n), end)
      slots[at + FROM] = end
      end += n
    }
    this.chars = chars
    this.charsEnd = end
    this.garbageChars = 0
  }

  /** Whether the slot at `at` holds `text` (the lengths are already equal). */
  private holds(at: number, text: string): boolean {
    const length = text.length
    if (length <= inlineUnits) {
      const slots = this.slots
      for (let i = 0; i < length; i += 2) {
        const pair = text.charCodeAt(i) | (i + 1 < length ? text.charCodeAt(i + 1) << 16 : 0)
        if (slots[at + INLINE + (i >>> 1)] !== pair) return false
      }
      return true
    }
    const chars = this.chars
    const from = this.slots[at + FROM]!
    for (let i = 0; i < length; i++) if (chars[from + i] !== text.charCodeAt(i)) return false
    return true
  }
}

/** A slot: hash, id + 1, length, where a long text starts in `chars`, then a short one's code units, two a number (64 bytes). */
const slotWidth = 16
const LENGTH = 2
const FROM = 3
const INLINE = 4
/** Texts of at most this many code units are kept in their slot. */
const inlineUnits = 2 * (slotWidth - INLINE)
const initialSlots = 16
const initialChars = 1024
const initialIds = 64

const powerOfTwoAtLeast = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(1, n)))

/** A binary min-heap of ids. */
class MinHeap {
  private items: number[] = []

  get size(): number {
    return this.items.length
  }

  push(id: number): void {
    const items = this.items
    let at = items.length
    items.push(id)
    while (at > 0) {
      const parent = (at - 1) >> 1
      if (items[parent]! <= id) break
      items[at] = items[parent]!
      at = parent
    }
    items[at] = id
  }

  pop(): number | undefined {
    const items = this.items
    if (items.length === 0) return undefined
    const top = items[0]!
    const last = items.pop()!
    if (items.length > 0) {
      let at = 0
      for (;;) {
        let child = 2 * at + 1
        if (child >= items.length) break
        if (child + 1 < items.length && items[child + 1]! < items[child]!) child++
        if (items[child]! >= last) break
        items[at] = items[child]!
        at = child
      }
      items[at] = last
    }
    return top
  }

  /** Drops the ids at or above `top` (a sorted array is a heap). */
  keepBelow(top: number): void {
    this.items = this.items.filter((id) => id < top).sort((a, b) => a - b)
  }
}

/** FNV-1a over the UTF-16 code units, then murmur3's finaliser, so that the low bits the slots use depend on every code unit. */
function hashOf(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return h ^ (h >>> 16)
}

function grown(items: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const made = new Int32Array(size)
  made.set(items)
  return made
}

/** A key table in a snapshot (structured-clone safe). */
export interface KeyTableColumns {
  name: string
  texts: string[]
  refs: Int32Array
  lists: Float64Array
}
