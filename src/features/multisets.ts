/**
 * The multisets of the exact distinct counts of every log of one group:
 * how many entries in the window of feature `f` of log `log` hold value
 * `value` (an id of a `KeyTable`), for the pairs where that is not zero.
 *
 * One open-addressing table of integers (linear probing, four numbers a
 * slot: log + 1, value, feature, occurrences) for the whole group instead of
 * a `Map` per log: a log's distinct counts then cost no object of their own,
 * and an update is one probe into a typed array rather than the look-up and
 * the store of a `Map` behind two objects. Hand-written because no library
 * offers an exact integer multiset with in-place deletion.
 */
export class Multisets {
  private slots = new Int32Array(initialSlots * slotWidth)
  private mask = initialSlots - 1
  private size = 0
  /** Numbers for logs: the next never given, and those given back. */
  private logs = 0
  private readonly freeLogs: number[] = []

  /** A number for a new log, to key its pairs. */
  open(): number {
    return this.freeLogs.pop() ?? this.logs++
  }

  /** Gives back the number of a log that holds no pair any more. */
  close(log: number): void {
    this.freeLogs.push(log)
  }

  /** Pairs held. */
  get pairs(): number {
    return this.size
  }

  /** One more occurrence of `value` in the window of feature `f` of `log`; true when it was not there. */
  add(log: number, value: number, f: number): boolean {
    if ((this.size + 1) * 4 > (this.mask + 1) * 3) this.rehash(2 * (this.mask + 1))
    const { slots, mask } = this
    for (let slot = hashOf(log, value, f) & mask; ; slot = (slot + 1) & mask) {
      const at = slot * slotWidth
      const holder = slots[at]!
      if (holder === 0) {
        slots[at] = log + 1
        slots[at + 1] = value
        slots[at + 2] = f
        slots[at + 3] = 1
        this.size++
        return true
      }
      if (holder === log + 1 && slots[at + 1] === value && slots[at + 2] === f) {
        slots[at + 3]!++
        return false
      }
    }
  }

  /** One occurrence fewer (there is one); true when it was the last. */
  remove(log: number, value: number, f: number): boolean {
    const slot = this.find(log, value, f)
    if (slot < 0) throw new Error(`a distinct count let go of a value it does not hold (log ${log}, value ${value}, feature ${f})`)
    const at = slot * slotWidth
    if (--this.slots[at + 3]! > 0) return false
    this.empty(slot)
    return true
  }

  has(log: number, value: number, f: number): boolean {
    return this.find(log, value, f) >= 0
  }

  private find(log: number, value: number, f: number): number {
    const { slots, mask } = this
    for (let slot = hashOf(log, value, f) & mask; ; slot = (slot + 1) & mask) {
      const at = slot * slotWidth
      const holder = slots[at]!
      if (holder === 0) return -1
      if (holder === log + 1 && slots[at + 1] === value && slots[at + 2] === f) return slot
    }
  }

  /** Empties `slot`, moving back the pairs after it that probed past it (no tombstones). */
  private empty(slot: number): void {
    const { slots, mask } = this
    let hole = slot
    for (let next = (hole + 1) & mask; ; next = (next + 1) & mask) {
      const at = next * slotWidth
      if (slots[at] === 0) break
      const home = hashOf(slots[at]! - 1, slots[at + 1]!, slots[at + 2]!) & mask
      // the pair stays where it is when its home is cyclically in (hole, next]
      if (hole <= next ? hole < home && home <= next : hole < home || home <= next) continue
      slots.copyWithin(hole * slotWidth, at, at + slotWidth)
      hole = next
    }
    slots.fill(0, hole * slotWidth, (hole + 1) * slotWidth)
    this.size--
    // a group whose distinct counts once held many pairs gives the room back when few are left: shrunk at an eighth
    // used to where a quarter to a half is (grown at three quarters), so that a size going up and down does not rehash every time
    const capacity = this.mask + 1
    if (capacity > initialSlots && this.size * 8 <= capacity) this.rehash(Math.max(initialSlots, 2 ** Math.ceil(Math.log2(2 * this.size))))
  }

  /** Slots of the table (for tests and memory figures). */
  get capacity(): number {
    return this.mask + 1
  }

  private rehash(size: number): void {
    const old = this.slots
    const slots = new Int32Array(size * slotWidth)
    const mask = size - 1
    for (let at = 0; at < old.length; at += slotWidth) {
      if (old[at] === 0) continue
      let slot = hashOf(old[at]! - 1, old[at + 1]!, old[at + 2]!) & mask
      while (slots[slot * slotWidth] !== 0) slot = (slot + 1) & mask
      slots.set(old.subarray(at, at + slotWidth), slot * slotWidth)
    }
    this.slots = slots
    this.mask = mask
  }
}

const slotWidth = 4
const initialSlots = 16

/** Mixes the three integers (murmur3's finaliser) so that the low bits depend on all of them. */
function hashOf(log: number, value: number, f: number): number {
  let h = Math.imul(log, 0x9e3779b1) ^ Math.imul(value, 0x85ebca77) ^ Math.imul(f, 0xc2b2ae3d)
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return h ^ (h >>> 16)
}
