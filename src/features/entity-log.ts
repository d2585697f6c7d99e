import { speedKmh } from '../core/geo.ts'
import type { KeyTable } from './key-table.ts'
import type { Multisets } from './multisets.ts'
import { LogSlab } from './log-slab.ts'
import { SlidingHyperLogLog, estimateDistinct } from './sliding-hyperloglog.ts'
import { type WindowAggregate, aggregateOf, emptyValue } from './window-aggregates.ts'

/** How one feature reads the logs of its entity kind. */
export interface LogFeature {
  aggregate: WindowAggregate
  /** distinct_count: a HyperLogLog estimate instead of the exact count. */
  approximate: boolean
  windowMs: number
  delayMs: number
  /** Which column of the log holds this feature's value: a number (geo_velocity: latitude, and longitude in the next), or string ids (distinct counts); −1 for counts and times. */
  numberColumn: number
  stringColumn: number
  /** Where the feature's running state starts in a log's array (`stateSizeOf` numbers). */
  state: number
  /** Where its value goes in a row of values (its place in the declaration order). */
  index: number
  /** Whether a read folds in the event's own value: with includesEvent, and always for geo_velocity (the event's place). */
  readsOwn: boolean
}

/** The features of one entity kind, and the columns their values need. */
export interface LogLayout {
  features: LogFeature[]
  numberColumns: number
  stringColumns: number
  /** The table that gives each string column's ids. */
  tables: KeyTable[]
  /** The exact distinct counts' multisets of every log of the layout. */
  multisets: Multisets
  /** 32-bit words of the per-entry mask saying which features an entry feeds. */
  words: number
  /** Most entries one entity keeps; beyond it the oldest go and the log says it is saturated. */
  capacity: number
  /**
   * How long an entry is kept after a newer one arrived: the longest window
   * plus delay, plus the lateness an event may have and still see its whole
   * window. Entries are forgotten only as newer ones arrive, never because of
   * a read, so a log fed the same events holds the same entries whether it
   * served decisions or a backfill.
   */
  keepMs: number
}

/** What an event adds to one entity's log: which features it feeds, and their values (string columns: an id of the column's table, −1 for none). */
export interface LogEntry {
  mask: number[]
  numbers: number[]
  strings: number[]
}

// the header of a log's array
const BASE = 0 // sequence number of the first entry retained
const SIZE = 1 // entries retained
const LATEST = 2 // newest entry's time
const SETTLED = 3 // the time the positions have been moved to; reads before it must not use them
const SATURATED = 4 // 1 once the log has dropped entries over its capacity
const NO = 5 // the log's number in the layout's multisets and sketches (−1: it has no distinct count)
const HEADER = 6

// a feature's running state, from its `state` offset; only the kinds that need a slot have it
const HEAD = 0 // first sequence number inside the window
const TAIL = 1 // first sequence number not yet entered (delayed windows enter entries as they come of age)
const COUNT = 2
const SUM = 3 // sum, avg, stddev: sums of the values less SHIFT, the first value entered
const SHIFT = 4
const SQUARES = 5 // stddev only
const EXTREME = 3 // min, max: the extreme value, and the newest entry that has it (−1: to be found again from the entries)
const EXTREME_SEQ = 4
const LAST = 3 // last, time_since_last, geo_velocity: the newest entry entered
const DISTINCT = 3 // distinct_count: values in the window

/**
 * Each feature's aggregate as a small integer (`Shape.codes`), for the
 * switches run per feature per event: comparing integers is cheaper than
 * comparing the kind's string once per case. An approximate distinct count
 * has a code of its own, which spares loading the flag as well.
 */
const C_COUNT = 0
const C_FIRST_SEEN = 1
const C_LAST = 2
const C_TIME_SINCE_LAST = 3
const C_GEO_VELOCITY = 4
const C_DISTINCT = 5
const C_APPROXIMATE_DISTINCT = 6
const C_SUM = 7
const C_AVG = 8
const C_STDDEV = 9
const C_MIN = 10
const C_MAX = 11

function codeOf(feature: LogFeature): number {
  switch (feature.aggregate) {
    case 'count':
      return C_COUNT
    case 'first_seen':
      return C_FIRST_SEEN
    case 'last':
      return C_LAST
    case 'time_since_last':
      return C_TIME_SINCE_LAST
    case 'geo_velocity':
      return C_GEO_VELOCITY
    case 'distinct_count':
      return feature.approximate ? C_APPROXIMATE_DISTINCT : C_DISTINCT
    case 'sum':
      return C_SUM
    case 'avg':
      return C_AVG
    case 'stddev':
      return C_STDDEV
    case 'min':
      return C_MIN
    case 'max':
      return C_MAX
  }
}

/** Numbers of running state a feature of this kind takes in each log. */
export function stateSizeOf(aggregate: WindowAggregate): number {
  switch (aggregate) {
    case 'count':
    case 'first_seen':
      return 3
    case 'last':
    case 'time_since_last':
    case 'geo_velocity':
    case 'distinct_count':
      return 4
    case 'sum':
    case 'avg':
    case 'min':
    case 'max':
      return 5
    case 'stddev':
      return 6
  }
}


/**
 * The time of the read in progress (a feature's window ends at it less the
 * feature's delay), set by `readInto` and `valueAt` for the functions they
 * call: passed as an argument, a time is a new heap number at every call V8
 * does not inline, which per feature and event was a fifth of the engine's
 * allocation.
 */
const readTime = new Float64Array(1)

/** Precomputed per layout: offsets, and the numbers every new log starts as. */
interface Shape {
  /** Reused for every read: each feature's own values (one number, or a place's two). */
  own: number[][]
  /** Each feature's aggregate as a number (`codeOf`). */
  codes: Int32Array
  start: number
  width: number
  /** Header and running state at their initial values. */
  blank: Float64Array
  approximate: number[]
  /** The features that are exact distinct counts. */
  exactDistinct: number[]
  /** The approximate distinct counts' sketches of every log of the layout, by the log's number, then by feature. */
  sketches: ((SlidingHyperLogLog | undefined)[] | undefined)[]
}

const shapes = new WeakMap<LogLayout, Shape>()

export function shapeOf(layout: LogLayout): Shape {
  let shape = shapes.get(layout)
  if (shape) return shape
  // the entries start after the header and every feature's state; each is its time, mask words, number columns, string ids
  const start = HEADER + layout.features.reduce((n, f) => n + stateSizeOf(f.aggregate), 0)
  const width = 1 + layout.words + layout.numberColumns + layout.stringColumns
  const blank = new Float64Array(start)
  blank[LATEST] = Number.NEGATIVE_INFINITY
  blank[SETTLED] = Number.NEGATIVE_INFINITY
  blank[NO] = -1
  resetState(layout, blank, 0, 0)
  const approximate = layout.features.flatMap((f, i) => (f.approximate ? [i] : []))
  const own = layout.features.map((f) => (f.aggregate === 'geo_velocity' ? [0, 0] : [0]))
  const exactDistinct = layout.features.flatMap((f, i) => (f.aggregate === 'distinct_count' && !f.approximate ? [i] : []))
  const codes = Int32Array.from(layout.features, codeOf)
  shape = { own, codes, start, width, blank, approximate, exactDistinct, sketches: [] }
  shapes.set(layout, shape)
  return shape
}

/** A log's running state at its initial values, its positions at `base`; the log starts at `o` in `d`. */
function resetState(layout: LogLayout, d: Float64Array, o: number, base: number): void {
  for (const feature of layout.features) {
    const s = o + HEADER + feature.state
    for (let i = 0; i < stateSizeOf(feature.aggregate); i++) d[s + i] = 0
    d[s + HEAD] = base
    d[s + TAIL] = base
    if (feature.aggregate === 'sum' || feature.aggregate === 'avg' || feature.aggregate === 'stddev') d[s + SHIFT] = Number.NaN
    if (feature.aggregate === 'min' || feature.aggregate === 'max') d[s + EXTREME_SEQ] = -1
  }
}

/**
 * Every window feature of one entity, kept over one shared, time-ordered
 * log of the entity's events, all in one array of numbers: a header, each
 * feature's running state (as many numbers as its kind needs: three for a
 * count), then the entries, each its time, a mask of the features it feeds
 * and the values they read (strings as ids of a `KeyTable`). Each feature is
 * two positions into the log (window start, and how far entries have entered
 * it) with running aggregates, so an entity with a dozen features costs one
 * log instead of a dozen windows, and a read touches one array that sits
 * together in memory. The exact distinct counts' multisets are in one table
 * for all the logs of the layout (`Multisets`, under the log's number); the
 * only other objects are the sketches of approximate ones. Written
 * because no library offers exact multi-window aggregates over shared columns.
 *
 * The logs of a layout live in its `LogSlab`: a log is a block of one of the
 * slab's typed arrays, which its directory knows by one integer (its
 * place). An `EntityLog` is the directory's one reusable view over whichever
 * block it was last bound to (`bind`): reaching a log is the directory's
 * slot and then the block, with no object per entity in between whose
 * fields would cost a cache miss of their own at every event.
 *
 * The positions only move forward, so they are valid for reads at or after
 * the latest read (`settledTs`); an earlier read — a late event, a dry run —
 * is computed from the retained entries instead, without changing anything.
 *
 * Sequence numbers count the entries ever appended; index = sequence − base.
 */
export class EntityLog {
  /** The slab array that holds the bound log, which starts at `o`; its entries start at `e`. */
  private d: Float64Array
  private o = 0
  private e = 0
  /** The bound log's place in the slab. */
  private place = -1
  /** The bound log's number in the layout's multisets and sketches (−1: it has no distinct count). */
  private no = -1
  /** Whether the bound log's exact distinct counts are in the layout's multisets (its block is of class `countedFromClass` or above) or found from its entries. */
  private counted = false
  /** The bound log's approximate distinct counts, by feature. */
  private sketches: (SlidingHyperLogLog | undefined)[] | undefined = undefined
  private readonly shape: Shape
  readonly slab: LogSlab

  /** A view for the logs of `layout`; `moved` is told the bound log's new place when it outgrows its block (the directory keeps it instead of the old one). */
  constructor(
    readonly layout: LogLayout,
    private readonly moved: (place: number) => void,
  ) {
    this.shape = shapeOf(layout)
    this.slab = new LogSlab(this.shape.start, this.shape.width)
    this.d = this.shape.blank
  }

  /** A new, empty log; its place, with the view bound to it. */
  create(): number {
    const place = this.slab.allocate(0)
    const d = this.slab.chunkOf(place)
    const o = this.slab.offsetOf(place)
    d.set(this.shape.blank, o)
    d[o + NO] = numberFor(this.layout)
    this.bind(place)
    return place
  }

  /** This view, over the log at `place`. */
  bind(place: number): EntityLog {
    const d = this.slab.chunkOf(place)
    const o = this.slab.offsetOf(place)
    this.d = d
    this.o = o
    this.e = o + this.shape.start
    this.place = place
    const no = d[o + NO]!
    this.no = no
    this.counted = LogSlab.classOf(place) >= countedFromClass
    this.sketches = no >= 0 && this.shape.approximate.length > 0 ? this.shape.sketches[no] : undefined
    return this
  }

  get newestTs(): number {
    return this.d[this.o + LATEST]!
  }

  get saturated(): boolean {
    return this.d[this.o + SATURATED] === 1
  }

  /** Numbers `writeTo` puts in each column. */
  measure(sizes: LogColumnSizes): void {
    sizes.state += this.shape.start
    sizes.entries += this.d[this.o + SIZE]! * this.shape.width
    for (const sketch of this.sketches ?? []) if (sketch) sizes.sketches += sketch.storedNumbers
  }

  /**
   * Everything the log holds, running aggregates included, appended to the
   * columns of a snapshot: `readFrom` gives a log that answers every read
   * bit for bit as this one would. (Rebuilding the aggregates from the
   * entries instead would sum in another order, and averages could differ in
   * their last digit.)
   */
  writeTo(columns: LogColumnsWriter): void {
    const { d, o, e } = this
    const start = this.shape.start
    columns.state.set(d.subarray(o, e), columns.stateAt)
    // the number is this process's own: a restored log gets a new one
    columns.state[columns.stateAt + NO] = -1
    columns.stateAt += start
    const n = d[o + SIZE]! * this.shape.width
    columns.entries.set(d.subarray(e, e + n), columns.entriesAt)
    columns.entriesAt += n
    for (const sketch of this.sketches ?? []) sketch?.writeTo(columns.sketches)
  }

  /** A log `writeTo` wrote, made in the slab of `log` (bound to it on return); its place. */
  static readFrom(log: EntityLog, columns: LogColumnsReader): number {
    const layout = log.layout
    const { start, width } = log.shape
    const state = columns.state
    const from = columns.stateAt
    if (from + start > state.length) throw new Error("the snapshot's state column ends early")
    const size = state[from + SIZE]!
    const entries = columns.entries
    const entriesFrom = columns.entriesAt
    if (!(size >= 0) || entriesFrom + size * width > entries.length) throw new Error("the snapshot's entries column ends early")
    // room for a power of two of entries, as growing by doubling gives
    const place = log.slab.allocate(LogSlab.classFor(size))
    const d = log.slab.chunkOf(place)
    const o = log.slab.offsetOf(place)
    d.set(state.subarray(from, from + start), o)
    d.set(entries.subarray(entriesFrom, entriesFrom + size * width), o + start)
    d[o + NO] = numberFor(layout)
    log.bind(place)
    columns.stateAt = from + start
    columns.entriesAt = entriesFrom + size * width
    // the multisets are what the windows hold: counted again from the entries, not saved
    if (log.counted) log.forEachCounted((f, id) => layout.multisets.add(log.no, id, f))
    const sketches = log.sketches
    if (sketches) for (let f = 0; f < sketches.length; f++) if (sketches[f]) sketches[f] = SlidingHyperLogLog.readFrom(columns.sketches)
    return place
  }

  /**
   * Feature `f` as of `t`: over entries in (t − delay − window, t − delay],
   * optionally with `own` values at `t` folded in. `moveOn` lets the read
   * move the positions to `t` (the decision path); without it nothing changes.
   */
  valueAt(f: number, t: number, own?: readonly number[], moveOn = true): number {
    const d = this.d
    const o = this.o
    const fromPositions = moveOn && t >= d[o + SETTLED]! && t >= d[o + LATEST]!
    if (fromPositions) d[o + SETTLED] = t
    readTime[0] = t
    return this.read(f, own, fromPositions)
  }

  /**
   * Every feature as of `t` into `row` (each at `offset` + its index),
   * keeping the higher of that and what the row holds (an event naming
   * several keys of the entity gets the riskiest); `entry` is the event's own,
   * folded in where a feature includes it. The decision path: the same as
   * `valueAt` feature by feature, with the log's header read once.
   */
  readInto(t: number, entry: LogEntry | undefined, moveOn: boolean, row: Float64Array, offset: number): void {
    const d = this.d
    const o = this.o
    const features = this.layout.features
    const fromPositions = moveOn && t >= d[o + SETTLED]! && t >= d[o + LATEST]!
    if (fromPositions) d[o + SETTLED] = t
    readTime[0] = t
    for (let f = 0; f < features.length; f++) {
      const feature = features[f]!
      const own = feature.readsOwn && entry !== undefined && (entry.mask[f >>> 5]! & (1 << (f & 31))) !== 0 ? ownValues(this.layout, entry, f, this.shape.own) : undefined
      const value = this.read(f, own, fromPositions)
      const at = offset + feature.index
      if (value > row[at]!) row[at] = value
    }
  }

  /** Feature `f` as of `readTime`. */
  private read(f: number, own: readonly number[] | undefined, fromPositions: boolean): number {
    const code = this.shape.codes[f]!
    if (code === C_GEO_VELOCITY) return this.velocity(f, !fromPositions, own)
    if (!fromPositions) return this.scan(f, own ?? [])
    this.settle(f)
    if (own === undefined || own.length === 0) {
      // the commonest kinds without a call to `current`, which V8 does not inline
      const s = this.o + HEADER + this.layout.features[f]!.state
      const count = this.d[s + COUNT]!
      if (code === C_COUNT) return count
      if (code === C_DISTINCT) return count === 0 ? 0 : this.d[s + DISTINCT]!
      if (code === C_SUM) return count === 0 ? 0 : this.d[s + SUM]! + count * this.d[s + SHIFT]!
      return this.current(f)
    }
    return this.folded(f, own)
  }

  append(t: number, entry: LogEntry): void {
    if (t < this.d[this.o + LATEST]!) {
      this.insertLate(t, entry)
      return
    }
    this.d[this.o + LATEST] = t
    this.forgetBefore(t - this.layout.keepMs)
    this.acquire(entry)
    this.push(t, entry.mask, entry.numbers, entry.strings)
    if (this.d[this.o + SIZE]! > this.layout.capacity) {
      this.d[this.o + SATURATED] = 1
      this.dropOldest()
    }
  }

  /** Lets go of every value the log holds (the log is being dropped). */
  release(): void {
    this.uncount()
    if (this.no >= 0) {
      this.layout.multisets.close(this.no)
      if (this.sketches) this.shape.sketches[this.no] = undefined
    }
    this.releaseEntries(0, this.d[this.o + SIZE]!)
    this.slab.free(this.place)
  }

  /** Calls `counted` for every value in the exact distinct counts' windows: each feature's entries from its head to its tail. */
  private forEachCounted(counted: (f: number, id: number) => void): void {
    const d = this.d
    const o = this.o
    const { width, exactDistinct } = this.shape
    const start = this.e
    const { words, numberColumns, tables } = this.layout
    const base = d[o + BASE]!
    for (const f of exactDistinct) {
      const feature = this.layout.features[f]!
      const s = o + HEADER + feature.state
      const maskAt = 1 + (f >>> 5)
      const bit = 1 << (f & 31)
      for (let seq = Math.max(d[s + HEAD]!, base), tail = d[s + TAIL]!; seq < tail; seq++) {
        const at = start + (seq - base) * width
        if ((d[at + maskAt]! & bit) === 0) continue
        const id = d[at + 1 + words + numberColumns + feature.stringColumn]!
        if (id < 0) continue
        const members = tables[feature.stringColumn]!.membersOf(id)
        if (members) for (const member of members) counted(f, member)
        else counted(f, id)
      }
    }
  }

  /** Takes the log's values out of the layout's multisets (it is dropped, or its windows start again). */
  private uncount(): void {
    if (this.no >= 0 && this.counted) this.forEachCounted((f, id) => this.layout.multisets.remove(this.no, id, f))
  }

  private acquire(entry: LogEntry): void {
    const { stringColumns, tables } = this.layout
    for (let c = 0; c < stringColumns; c++) if (entry.strings[c]! >= 0) tables[c]!.acquire(entry.strings[c]!)
  }

  private releaseEntries(from: number, to: number): void {
    const { stringColumns, tables, words, numberColumns } = this.layout
    if (stringColumns === 0) return
    const { width } = this.shape
    const start = this.e
    const d = this.d
    for (let i = from; i < to; i++) {
      const at = start + i * width + 1 + words + numberColumns
      for (let c = 0; c < stringColumns; c++) if (d[at + c]! >= 0) tables[c]!.release(d[at + c]!)
    }
  }

  private push(t: number, mask: ArrayLike<number>, numbers: ArrayLike<number>, strings: ArrayLike<number>): void {
    const { words, numberColumns, stringColumns } = this.layout
    const { width } = this.shape
    const size = this.d[this.o + SIZE]!
    if (size + 1 > this.slab.roomAt(this.place)) this.grow()
    const d = this.d
    const o = this.o
    let at = this.e + size * width
    d[at++] = t
    for (let w = 0; w < words; w++) d[at++] = mask[w]!
    for (let c = 0; c < numberColumns; c++) d[at++] = numbers[c]!
    for (let c = 0; c < stringColumns; c++) d[at++] = strings[c]!
    d[o + SIZE] = size + 1
  }

  /** Enters entries that have come of age, then lets expired ones leave. */
  private settle(f: number): void {
    const feature = this.layout.features[f]!
    const asOf = readTime[0]! - feature.delayMs
    const d = this.d
    const o = this.o
    const { width } = this.shape
    const start = this.e
    const s = o + HEADER + feature.state
    const base = d[o + BASE]!
    const end = base + d[o + SIZE]!
    const maskAt = 1 + (f >>> 5)
    const bit = 1 << (f & 31)
    let tail = d[s + TAIL]!
    if (tail < base) tail = base
    let at = start + (tail - base) * width
    while (tail < end && d[at]! <= asOf) {
      if ((d[at + maskAt]! & bit) !== 0) this.enter(f, tail)
      tail++
      at += width
    }
    d[s + TAIL] = tail
    const boundary = asOf - feature.windowMs
    let head = d[s + HEAD]!
    if (head < base) head = base
    at = start + (head - base) * width
    // the head rests on an entry of this feature, so that the oldest one is at hand for first_seen
    while (head < tail) {
      const feeds = (d[at + maskAt]! & bit) !== 0
      if (feeds && d[at]! > boundary) break
      if (feeds) this.leave(f, head)
      head++
      at += width
    }
    d[s + HEAD] = head
  }

  private enter(f: number, seq: number): void {
    const feature = this.layout.features[f]!
    const d = this.d
    const o = this.o
    const s = o + HEADER + feature.state
    const count = ++d[s + COUNT]!
    const at = this.e + (seq - d[o + BASE]!) * this.shape.width
    const code = this.shape.codes[f]!
    switch (code) {
      case C_COUNT:
      case C_FIRST_SEEN:
        return
      case C_LAST:
      case C_TIME_SINCE_LAST:
      case C_GEO_VELOCITY:
        d[s + LAST] = seq
        return
      case C_DISTINCT:
      case C_APPROXIMATE_DISTINCT: {
        const id = d[at + 1 + this.layout.words + this.layout.numberColumns + feature.stringColumn]!
        if (id < 0) return
        const table = this.layout.tables[feature.stringColumn]!
        const members = table.membersOf(id)
        if (code === C_APPROXIMATE_DISTINCT) {
          const sketch = this.sketches![f]!
          if (members) for (const member of members) sketch.add(d[at]!, table.text(member))
          else sketch.add(d[at]!, table.text(id))
          return
        }
        if (!this.counted) {
          // a small log: a value is new when no entry of the window before this one (nor an earlier member of its list) holds it
          const from = Math.max(d[s + HEAD]!, d[o + BASE]!)
          if (!members) {
            if (!this.holdsValue(f, id, from, seq)) d[s + DISTINCT]!++
            return
          }
          for (let j = 0; j < members.length; j++) {
            const member = members[j]!
            if (members.indexOf(member) === j && !this.holdsValue(f, member, from, seq)) d[s + DISTINCT]!++
          }
          return
        }
        if (members) for (const member of members) this.countIn(f, member)
        else this.countIn(f, id)
        return
      }
      case C_MIN:
      case C_MAX: {
        const value = d[at + 1 + this.layout.words + feature.numberColumn]!
        const extremeSeq = d[s + EXTREME_SEQ]!
        // ties take the newer entry, which stays longer; an extreme to be found again stays so until the read
        if (count === 1 || (extremeSeq >= 0 && (code === C_MAX ? value >= d[s + EXTREME]! : value <= d[s + EXTREME]!))) {
          d[s + EXTREME] = value
          d[s + EXTREME_SEQ] = seq
        }
        return
      }
      default: {
        const value = d[at + 1 + this.layout.words + feature.numberColumn]!
        if (Number.isNaN(d[s + SHIFT]!)) d[s + SHIFT] = value
        const delta = value - d[s + SHIFT]!
        d[s + SUM]! += delta
        if (code === C_STDDEV) d[s + SQUARES]! += delta * delta
      }
    }
  }

  private countIn(f: number, id: number): void {
    if (this.layout.multisets.add(this.no, id, f)) this.d[this.o + HEADER + this.layout.features[f]!.state + DISTINCT]!++
  }

  /** Whether an entry of sequence `from` to `to` (excluded) that feeds distinct count `f` holds `value` (itself, or as a member of its list). */
  private holdsValue(f: number, value: number, from: number, to: number): boolean {
    const d = this.d
    const { width } = this.shape
    const maskAt = 1 + (f >>> 5)
    const bit = 1 << (f & 31)
    const column = 1 + this.layout.words + this.layout.numberColumns + this.layout.features[f]!.stringColumn
    const table = this.layout.tables[this.layout.features[f]!.stringColumn]!
    for (let seq = from, at = this.e + (from - d[this.o + BASE]!) * width; seq < to; seq++, at += width) {
      if ((d[at + maskAt]! & bit) === 0) continue
      const id = d[at + column]!
      if (id === value) return true
      if (id < 0) continue
      const members = table.membersOf(id)
      if (members?.includes(value)) return true
    }
    return false
  }

  private countOut(f: number, id: number): void {
    if (this.layout.multisets.remove(this.no, id, f)) this.d[this.o + HEADER + this.layout.features[f]!.state + DISTINCT]!--
  }

  private leave(f: number, seq: number): void {
    const feature = this.layout.features[f]!
    const d = this.d
    const o = this.o
    const s = o + HEADER + feature.state
    const count = --d[s + COUNT]!
    const at = this.e + (seq - d[o + BASE]!) * this.shape.width
    const code = this.shape.codes[f]!
    switch (code) {
      case C_APPROXIMATE_DISTINCT:
        return
      case C_DISTINCT: {
        const id = d[at + 1 + this.layout.words + this.layout.numberColumns + feature.stringColumn]!
        if (id < 0) return
        const members = this.layout.tables[feature.stringColumn]!.membersOf(id)
        if (!this.counted) {
          // the oldest entry of the window leaves: a value goes when no later entry of the window holds it
          const tail = d[s + TAIL]!
          if (!members) {
            if (!this.holdsValue(f, id, seq + 1, tail)) d[s + DISTINCT]!--
            return
          }
          for (let j = 0; j < members.length; j++) {
            const member = members[j]!
            if (members.indexOf(member) === j && !this.holdsValue(f, member, seq + 1, tail)) d[s + DISTINCT]!--
          }
          return
        }
        if (members) for (const member of members) this.countOut(f, member)
        else this.countOut(f, id)
        return
      }
      case C_MIN:
      case C_MAX:
        if (count === 0 || d[s + EXTREME_SEQ] === seq) d[s + EXTREME_SEQ] = -1
        return
      case C_SUM:
      case C_AVG:
      case C_STDDEV: {
        const delta = d[at + 1 + this.layout.words + feature.numberColumn]! - d[s + SHIFT]!
        d[s + SUM]! -= delta
        if (code === C_STDDEV) d[s + SQUARES]! -= delta * delta
        // an empty window starts its sums afresh, so that rounding never accumulates across quiet spells
        if (count === 0) {
          d[s + SUM] = 0
          if (code === C_STDDEV) d[s + SQUARES] = 0
          d[s + SHIFT] = Number.NaN
        }
      }
    }
  }

  private valueOf(f: number, seq: number): number {
    return this.d[this.e + (seq - this.d[this.o + BASE]!) * this.shape.width + 1 + this.layout.words + this.layout.features[f]!.numberColumn]!
  }

  /** min and max: the extreme of the window, found again from its entries after the previous one left. */
  private extreme(f: number): number {
    const feature = this.layout.features[f]!
    const d = this.d
    const o = this.o
    const s = o + HEADER + feature.state
    if (d[s + EXTREME_SEQ]! >= 0) return d[s + EXTREME]!
    const { width } = this.shape
    const start = this.e
    const base = d[o + BASE]!
    const column = 1 + this.layout.words + feature.numberColumn
    const maskAt = 1 + (f >>> 5)
    const bit = 1 << (f & 31)
    const max = feature.aggregate === 'max'
    let best = 0
    let bestSeq = -1
    for (let seq = Math.max(d[s + HEAD]!, base), tail = d[s + TAIL]!; seq < tail; seq++) {
      const at = start + (seq - base) * width
      if ((d[at + maskAt]! & bit) === 0) continue
      const value = d[at + column]!
      if (bestSeq < 0 || (max ? value >= best : value <= best)) {
        best = value
        bestSeq = seq
      }
    }
    d[s + EXTREME] = best
    d[s + EXTREME_SEQ] = bestSeq
    return best
  }

  private current(f: number): number {
    const feature = this.layout.features[f]!
    const asOf = readTime[0]! - feature.delayMs
    const d = this.d
    const o = this.o
    const s = o + HEADER + feature.state
    const count = d[s + COUNT]!
    if (count === 0) return emptyValue(feature.aggregate)
    switch (this.shape.codes[f]!) {
      case C_COUNT:
        return count
      case C_DISTINCT:
        return d[s + DISTINCT]!
      case C_APPROXIMATE_DISTINCT:
        return this.sketches![f]!.estimate(asOf - feature.windowMs)
      case C_SUM:
        return d[s + SUM]! + count * d[s + SHIFT]!
      case C_AVG:
        return d[s + SUM]! / count + d[s + SHIFT]!
      case C_STDDEV: {
        const sum = d[s + SUM]!
        return Math.sqrt(Math.max(0, d[s + SQUARES]! / count - (sum / count) ** 2))
      }
      case C_MIN:
      case C_MAX:
        return this.extreme(f)
      case C_FIRST_SEEN:
        return (asOf - d[this.e + (d[s + HEAD]! - d[o + BASE]!) * this.shape.width]!) / 1000
      case C_LAST:
        return this.valueOf(f, d[s + LAST]!)
      case C_TIME_SINCE_LAST:
        return (asOf - d[this.e + (d[s + LAST]! - d[o + BASE]!) * this.shape.width]!) / 1000
      default:
        return 0
    }
  }

  /** The current aggregate with `own` (the event's values, at `readTime`) added, without adding them. */
  private folded(f: number, own: readonly number[]): number {
    const feature = this.layout.features[f]!
    const asOf = readTime[0]! - feature.delayMs
    const d = this.d
    const o = this.o
    const s = o + HEADER + feature.state
    const count = d[s + COUNT]!
    switch (feature.aggregate) {
      case 'count':
        return count + own.length
      case 'distinct_count': {
        const table = this.layout.tables[feature.stringColumn]!
        if (feature.approximate) {
          return this.sketches![f]!.estimate(
            asOf - feature.windowMs,
            own.map((id) => table.text(id)),
          )
        }
        let added = 0
        for (let i = 0; i < own.length; i++) {
          const id = own[i]!
          if (own.indexOf(id) < i) continue
          if (!(this.counted ? this.layout.multisets.has(this.no, id, f) : this.holdsValue(f, id, Math.max(d[s + HEAD]!, d[o + BASE]!), d[s + TAIL]!))) added++
        }
        return (count > 0 ? d[s + DISTINCT]! : 0) + added
      }
      case 'first_seen':
        return count > 0 ? (asOf - d[this.e + (d[s + HEAD]! - d[o + BASE]!) * this.shape.width]!) / 1000 : 0
      case 'time_since_last':
        return 0
      case 'last':
        return own[own.length - 1]!
    }
    let n = count
    const stddev = feature.aggregate === 'stddev'
    const sums = feature.aggregate === 'sum' || feature.aggregate === 'avg' || stddev
    let sum = sums ? d[s + SUM]! : 0
    let squares = stddev ? d[s + SQUARES]! : 0
    const shift = !sums || Number.isNaN(d[s + SHIFT]!) ? own[0]! : d[s + SHIFT]!
    let extreme = count > 0 && !sums ? this.extreme(f) : undefined
    for (const value of own) {
      const delta = value - shift
      sum += delta
      squares += delta * delta
      n++
      if (extreme === undefined || (feature.aggregate === 'max' ? value > extreme : value < extreme)) extreme = value
    }
    if (n === 0) return 0
    switch (feature.aggregate) {
      case 'sum':
        return sum + n * shift
      case 'avg':
        return sum / n + shift
      case 'stddev':
        return Math.sqrt(Math.max(0, squares / n - (sum / n) ** 2))
      default:
        return extreme ?? 0
    }
  }

  /** km/h from the newest place in the window to `own` ([lat, lon] of the event); 0 without either. */
  private velocity(f: number, late: boolean, own: readonly number[] | undefined): number {
    if (own === undefined || own.length < 2) return 0
    const feature = this.layout.features[f]!
    const asOf = readTime[0]! - feature.delayMs
    const d = this.d
    const o = this.o
    const { width } = this.shape
    const start = this.e
    const base = d[o + BASE]!
    let last = -1
    if (late) {
      const from = asOf - feature.windowMs
      const maskAt = 1 + (f >>> 5)
      const bit = 1 << (f & 31)
      for (let seq = base + d[o + SIZE]! - 1; seq >= base; seq--) {
        const at = start + (seq - base) * width
        const t = d[at]!
        if (t <= from) break
        if (t <= asOf && (d[at + maskAt]! & bit) !== 0) {
          last = seq
          break
        }
      }
    } else {
      this.settle(f)
      const s = o + HEADER + feature.state
      if (d[s + COUNT]! > 0) last = d[s + LAST]!
    }
    if (last < 0) return 0
    const at = start + (last - base) * width
    const place = at + 1 + this.layout.words + feature.numberColumn
    return speedKmh({ lat: d[place]!, lon: d[place + 1]! }, { lat: own[0]!, lon: own[1]! }, asOf - d[at]!)
  }

  /** A read before the newest entry (a late event): recomputed from the retained entries, ignoring anything newer. */
  private scan(f: number, own: readonly number[]): number {
    const feature = this.layout.features[f]!
    const asOf = readTime[0]! - feature.delayMs
    const d = this.d
    const o = this.o
    const { width } = this.shape
    const start = this.e
    const base = d[o + BASE]!
    const maskAt = 1 + (f >>> 5)
    const bit = 1 << (f & 31)
    const times: number[] = []
    const values: number[] = []
    for (let seq = base; seq < base + d[o + SIZE]!; seq++) {
      const at = start + (seq - base) * width
      const t = d[at]!
      if (t > asOf) break
      if (t <= asOf - feature.windowMs || (d[at + maskAt]! & bit) === 0) continue
      for (const value of this.entryValues(f, at)) {
        times.push(t)
        values.push(value)
      }
    }
    for (const value of own) {
      times.push(asOf)
      values.push(value)
    }
    if (feature.approximate) {
      const table = this.layout.tables[feature.stringColumn]!
      return estimateDistinct(values.map((id) => table.text(id)))
    }
    // distinct counts count ids, one to one with the values they stand for
    return aggregateOf(feature.aggregate, times, values, asOf)
  }

  private entryValues(f: number, at: number): readonly number[] {
    const feature = this.layout.features[f]!
    const { words, numberColumns } = this.layout
    if (feature.stringColumn >= 0) {
      const id = this.d[at + 1 + words + numberColumns + feature.stringColumn]!
      return id < 0 ? [] : this.layout.tables[feature.stringColumn]!.valuesOf(id)
    }
    return feature.numberColumn >= 0 ? [this.d[at + 1 + words + feature.numberColumn]!] : [1]
  }

  /** A late entry goes in its place in time; every feature then re-enters the log from its start. */
  private insertLate(t: number, entry: LogEntry): void {
    const { width } = this.shape
    const start = this.e
    const d = this.d
    const o = this.o
    const size = d[o + SIZE]!
    const kept = d.slice(start, start + size * width)
    this.uncount()
    let at = size
    while (at > 0 && kept[(at - 1) * width]! > t) at--
    const base = d[o + BASE]! + size + 1 // fresh sequence numbers: no feature position points into the old ones
    d[o + BASE] = base
    d[o + SIZE] = 0
    d[o + SETTLED] = Number.NEGATIVE_INFINITY
    resetState(this.layout, d, o, base)
    const sketches = this.sketches
    if (sketches) for (let f = 0; f < sketches.length; f++) if (sketches[f]) sketches[f] = new SlidingHyperLogLog()
    const { words, numberColumns } = this.layout
    const pushKept = (i: number) => {
      const row = i * width
      this.push(kept[row]!, kept.slice(row + 1, row + 1 + words), kept.slice(row + 1 + words, row + 1 + words + numberColumns), kept.slice(row + 1 + words + numberColumns, row + width))
    }
    for (let i = 0; i < at; i++) pushKept(i)
    this.acquire(entry)
    this.push(t, entry.mask, entry.numbers, entry.strings)
    for (let i = at; i < size; i++) pushKept(i)
    if (this.d[this.o + SIZE]! > this.layout.capacity) {
      this.d[this.o + SATURATED] = 1
      this.dropOldest()
    }
  }

  private dropOldest(): void {
    const d = this.d
    const o = this.o
    const seq = d[o + BASE]!
    const at = this.e
    for (let f = 0; f < this.layout.features.length; f++) {
      const s = o + HEADER + this.layout.features[f]!.state
      const head = Math.max(d[s + HEAD]!, seq)
      if (head === seq && seq < d[s + TAIL]! && (d[at + 1 + (f >>> 5)]! & (1 << (f & 31))) !== 0) this.leave(f, seq)
      if (head <= seq) d[s + HEAD] = seq + 1
      if (d[s + TAIL]! <= seq) d[s + TAIL] = seq + 1
    }
    this.shiftOut(1)
  }

  /** Forgets entries at or before `cutoffTs`, once they are a good part of the log; features let them leave first. */
  private forgetBefore(cutoffTs: number): void {
    const d = this.d
    const o = this.o
    const { width } = this.shape
    const start = this.e
    const size = d[o + SIZE]!
    // entries are in time order: more than 16 of them, and more than half, are old exactly when the
    // entry at that count is, so the common case (too few to bother) is one comparison, not a scan
    const enough = Math.max(17, Math.floor(size / 2) + 1)
    if (enough > size || d[start + (enough - 1) * width]! > cutoffTs) return
    let drop = enough
    while (drop < size && d[start + drop * width]! <= cutoffTs) drop++
    const base = d[o + BASE]!
    const cut = base + drop
    for (let f = 0; f < this.layout.features.length; f++) {
      const s = o + HEADER + this.layout.features[f]!.state
      const maskAt = 1 + (f >>> 5)
      const bit = 1 << (f & 31)
      const head = Math.max(d[s + HEAD]!, base)
      const entered = Math.min(d[s + TAIL]!, cut)
      for (let seq = head; seq < entered; seq++) if ((d[start + (seq - base) * width + maskAt]! & bit) !== 0) this.leave(f, seq)
      d[s + HEAD] = Math.max(head, cut)
      d[s + TAIL] = Math.max(d[s + TAIL]!, cut)
    }
    this.shiftOut(drop)
  }

  private shiftOut(drop: number): void {
    const d = this.d
    const o = this.o
    const { width } = this.shape
    const start = this.e
    const size = d[o + SIZE]!
    this.releaseEntries(0, drop)
    d.copyWithin(start, start + drop * width, start + size * width)
    d[o + BASE]! += drop
    d[o + SIZE] = size - drop
  }

  /** Twice the room for entries: the log moves to a block of the next class, and its old block is free. */
  private grow(): void {
    const { d, o, place } = this
    const used = this.shape.start + d[o + SIZE]! * this.shape.width
    const grown = this.slab.allocate(LogSlab.classOf(place) + 1)
    this.slab.chunkOf(grown).set(d.subarray(o, o + used), this.slab.offsetOf(grown))
    this.slab.free(place)
    const counted = this.counted
    this.bind(grown)
    this.moved(grown)
    // a log that outgrows the small blocks counts its distinct values in the multisets from now on
    if (!counted && this.counted && this.no >= 0) this.forEachCounted((f, id) => this.layout.multisets.add(this.no, id, f))
  }
}

/**
 * The exact distinct counts of a log in a block of a smaller class (room for
 * 16 entries or fewer: most logs) are found from its entries, which a read
 * has at hand, rather than in the layout's multisets, where every value
 * entering or leaving a window was a probe into a large table: a cache miss
 * each. A larger log (a busy entity) counts in the multisets, so that an
 * entry entering costs one probe rather than a scan of its window. Blocks
 * only grow, so a log switches once, when it moves to a larger block
 * (`grow`); a restored log is in the class its size gives, and counts as
 * that class does. The counts are exact either way, so the values are the
 * same.
 */
const countedFromClass = 4

/** A number for a new log of `layout`, with fresh sketches under it if the layout has approximate distinct counts; −1 if it has no distinct count. */
function numberFor(layout: LogLayout): number {
  const shape = shapeOf(layout)
  if (shape.exactDistinct.length === 0 && shape.approximate.length === 0) return -1
  const no = layout.multisets.open()
  if (shape.approximate.length > 0) {
    while (shape.sketches.length <= no) shape.sketches.push(undefined)
    shape.sketches[no] = layout.features.map((f) => (f.approximate ? new SlidingHyperLogLog() : undefined))
  }
  return no
}

/** The event's own contribution to feature `f` (numbers, or ids of strings), in reused arrays valid until the next call. */
export function ownValues(layout: LogLayout, entry: LogEntry, f: number, reused = shapeOf(layout).own): readonly number[] {
  const feature = layout.features[f]!
  const own = reused[f]!
  if (feature.aggregate === 'geo_velocity') {
    own[0] = entry.numbers[feature.numberColumn]!
    own[1] = entry.numbers[feature.numberColumn + 1]!
    return own
  }
  if (feature.numberColumn >= 0) {
    own[0] = entry.numbers[feature.numberColumn]!
    return own
  }
  if (feature.stringColumn >= 0) {
    const id = entry.strings[feature.stringColumn]!
    if (id < 0) return NONE
    const members = layout.tables[feature.stringColumn]!.membersOf(id)
    if (members) return members
    own[0] = id
    return own
  }
  return ONE
}

const NONE: readonly number[] = []
const ONE: readonly number[] = [1]

/** How many numbers a snapshot's columns take for a group's logs. */
export interface LogColumnSizes {
  state: number
  entries: number
  sketches: number
}

/** Where `writeTo` puts a log: arrays made at their size (`measure`), filled from the positions on. */
export interface LogColumnsWriter {
  state: Float64Array
  stateAt: number
  entries: Float64Array
  entriesAt: number
  sketches: { push(value: number): void }
}

/** Gives back what a writer got, in the same order (`readFrom`). */
export interface LogColumnsReader {
  state: Float64Array
  stateAt: number
  entries: Float64Array
  entriesAt: number
  sketches: { next(): number }
}
