import { speedKmh } from '../core/geo.ts'
import { SlidingHyperLogLog, estimateDistinct } from './sliding-hyperloglog.ts'
import { type WindowAggregate, aggregateOf, emptyValue } from './window-aggregates.ts'

/** How one feature reads the logs of its entity kind. */
export interface LogFeature {
  aggregate: WindowAggregate
  /** distinct_count: a HyperLogLog estimate instead of the exact count. */
  approximate: boolean
  windowMs: number
  delayMs: number
  /** Which column of the log holds this feature's value: a number (geo_velocity: latitude, and longitude in the next), or strings (distinct counts); −1 for counts and times. */
  numberColumn: number
  stringColumn: number
}

/** The features of one entity kind, and the columns their values need. */
export interface LogLayout {
  features: LogFeature[]
  numberColumns: number
  stringColumns: number
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

/** What an event adds to one entity's log: which features it feeds, and their values. */
export interface LogEntry {
  mask: number[]
  numbers: number[]
  strings: (string | string[] | undefined)[]
}

/** The number columns a snapshot keeps logs in (log-columns.ts): per log `scalars` (base, size, latest, settledTs, saturated), its entries, its running state, per distinct count and min/max their sizes and contents, and the approximate distinct counts' sketches. */
export const numberColumnNames = ['scalars', 'ts', 'masks', 'numbers', 'state', 'setSizes', 'setCounts', 'dequeSizes', 'dequeSeqs', 'sketches'] as const
export type NumberColumn = (typeof numberColumnNames)[number]

/** Where `writeTo` puts a log, value by value. */
export type LogColumnsWriter = Record<NumberColumn, { push(value: number): void }> & {
  putStrings(value: string | string[] | undefined): void
  putSetKey(key: string): void
}

/** Gives back what a writer got, in the same order (`readFrom`). */
export type LogColumnsReader = Record<NumberColumn, { next(): number }> & {
  getStrings(): string | string[] | undefined
  getSetKey(): string
}

// per-feature running state, one row of STATE numbers per feature
const HEAD = 0 // first sequence number inside the window
const TAIL = 1 // first sequence number not yet entered (delayed windows enter entries as they come of age)
const COUNT = 2
const SUM = 3
const SQUARES = 4
const SHIFT = 5
const LAST = 6 // sequence number of the newest entry entered
const EXTREME_HEAD = 7
const STATE = 8

/**
 * Every window feature of one entity, kept over one shared, time-ordered
 * log of the entity's events: timestamps, a mask of the features each event
 * feeds and the values they read, in flat arrays of numbers. Each feature is two
 * positions into the log (window start, and how far entries have entered it)
 * with running aggregates, so an entity with a dozen features costs one log
 * instead of a dozen windows, and a read is a few array lookups in memory
 * that sits together. Written because no library offers exact multi-window
 * aggregates over shared columns.
 *
 * The positions only move forward, so they are valid for reads at or after
 * the latest read (`settledTs`); an earlier read — a late event, a dry run —
 * is computed from the retained entries instead, without changing anything.
 *
 * Sequence numbers count the entries ever appended; index = sequence − base.
 */
export class EntityLog {
  private base = 0
  private size = 0
  // plain arrays of numbers, not typed arrays: V8 keeps them in the heap as packed doubles, where a
  // typed array per entity would give the collector hundreds of thousands of external buffers to sweep
  private ts: number[]
  private masks: number[]
  private numbers: number[]
  private strings: (string | string[] | undefined)[]
  private readonly state: number[]
  private readonly distinct: (Map<string, number> | undefined)[]
  /** Approximate distinct counts: a sketch instead of the map. */
  private readonly sketches: (SlidingHyperLogLog | undefined)[]
  private readonly extremes: (number[] | undefined)[]
  private latest = Number.NEGATIVE_INFINITY
  /** The time the positions have been moved to; reads before it must not use them. */
  private settledTs = Number.NEGATIVE_INFINITY
  saturated = false

  constructor(private readonly layout: LogLayout) {
    const room = 4
    this.ts = zeros(room)
    this.masks = zeros(room * layout.words)
    this.numbers = zeros(room * layout.numberColumns)
    this.strings = new Array(room * layout.stringColumns).fill(undefined)
    this.state = zeros(layout.features.length * STATE)
    this.distinct = layout.features.map((f) => (f.aggregate === 'distinct_count' && !f.approximate ? new Map() : undefined))
    this.sketches = layout.features.map((f) => (f.approximate ? new SlidingHyperLogLog() : undefined))
    this.extremes = layout.features.map((f) => (f.aggregate === 'min' || f.aggregate === 'max' ? [] : undefined))
    for (let f = 0; f < layout.features.length; f++) this.state[f * STATE + SHIFT] = Number.NaN
  }

  get newestTs(): number {
    return this.latest
  }

  /** Adds to `sizes` how many values `writeTo` will put in each column, so that the columns are made once, at their size. */
  measure(sizes: Record<NumberColumn | 'strings' | 'setKeys', number>): void {
    const { words, numberColumns, stringColumns } = this.layout
    sizes.scalars += 5
    sizes.ts += this.size
    sizes.masks += this.size * words
    sizes.numbers += this.size * numberColumns
    sizes.strings += this.size * stringColumns
    sizes.state += this.state.length
    for (const map of this.distinct) {
      if (!map) continue
      sizes.setSizes++
      sizes.setCounts += map.size
      sizes.setKeys += map.size
    }
    for (const extreme of this.extremes) {
      if (!extreme) continue
      sizes.dequeSizes++
      sizes.dequeSeqs += extreme.length
    }
    for (const sketch of this.sketches) if (sketch) sizes.sketches += sketch.storedNumbers
  }

  /**
   * Everything the log holds, running aggregates included, appended to the
   * columns of a snapshot: `readFrom` gives a log that answers every read
   * bit for bit as this one would. (Rebuilding the aggregates from the
   * entries instead would sum in another order, and averages could differ in
   * their last digit.)
   */
  writeTo(columns: LogColumnsWriter): void {
    const { words, numberColumns, stringColumns } = this.layout
    columns.scalars.push(this.base)
    columns.scalars.push(this.size)
    columns.scalars.push(this.latest)
    columns.scalars.push(this.settledTs)
    columns.scalars.push(this.saturated ? 1 : 0)
    for (let i = 0; i < this.size; i++) columns.ts.push(this.ts[i]!)
    for (let i = 0; i < this.size * words; i++) columns.masks.push(this.masks[i]!)
    for (let i = 0; i < this.size * numberColumns; i++) columns.numbers.push(this.numbers[i]!)
    for (let i = 0; i < this.size * stringColumns; i++) columns.putStrings(this.strings[i])
    for (const value of this.state) columns.state.push(value)
    for (const map of this.distinct) {
      if (!map) continue
      columns.setSizes.push(map.size)
      for (const [key, count] of map) {
        columns.putSetKey(key)
        columns.setCounts.push(count)
      }
    }
    for (const extreme of this.extremes) {
      if (!extreme) continue
      columns.dequeSizes.push(extreme.length)
      for (const seq of extreme) columns.dequeSeqs.push(seq)
    }
    for (const sketch of this.sketches) sketch?.writeTo(columns.sketches)
  }

  static readFrom(layout: LogLayout, columns: LogColumnsReader): EntityLog {
    const log = new EntityLog(layout)
    const { words, numberColumns, stringColumns } = layout
    log.base = columns.scalars.next()
    const size = columns.scalars.next()
    log.latest = columns.scalars.next()
    log.settledTs = columns.scalars.next()
    log.saturated = columns.scalars.next() === 1
    const room = Math.max(4, size)
    log.size = size
    log.ts = zeros(room)
    log.masks = zeros(room * words)
    log.numbers = zeros(room * numberColumns)
    log.strings = new Array(room * stringColumns).fill(undefined)
    for (let i = 0; i < size; i++) log.ts[i] = columns.ts.next()
    for (let i = 0; i < size * words; i++) log.masks[i] = columns.masks.next()
    for (let i = 0; i < size * numberColumns; i++) log.numbers[i] = columns.numbers.next()
    for (let i = 0; i < size * stringColumns; i++) log.strings[i] = columns.getStrings()
    for (let i = 0; i < log.state.length; i++) log.state[i] = columns.state.next()
    for (const map of log.distinct) {
      if (!map) continue
      const entries = columns.setSizes.next()
      for (let i = 0; i < entries; i++) map.set(columns.getSetKey(), columns.setCounts.next())
    }
    for (const extreme of log.extremes) {
      if (!extreme) continue
      const length = columns.dequeSizes.next()
      for (let i = 0; i < length; i++) extreme.push(columns.dequeSeqs.next())
    }
    log.sketches.forEach((sketch, f) => {
      if (sketch) log.sketches[f] = SlidingHyperLogLog.readFrom(columns.sketches)
    })
    return log
  }

  /**
   * Feature `f` as of `t`: over entries in (t − delay − window, t − delay],
   * optionally with `own` values at `t` folded in. `moveOn` lets the read
   * move the positions to `t` (the decision path); without it nothing changes.
   */
  valueAt(f: number, t: number, own?: readonly (number | string)[], moveOn = true): number {
    const feature = this.layout.features[f]!
    const asOf = t - feature.delayMs
    const fromPositions = moveOn && t >= this.settledTs && t >= this.latest
    if (fromPositions) this.settledTs = t
    if (feature.aggregate === 'geo_velocity') return this.velocity(f, asOf, !fromPositions, own)
    if (!fromPositions) return this.scan(f, asOf, own ?? [])
    this.settle(f, asOf)
    if (own === undefined || own.length === 0) return this.current(f, asOf)
    return this.folded(f, asOf, own)
  }

  append(t: number, entry: LogEntry): void {
    if (t < this.latest) {
      this.insertLate(t, entry)
      return
    }
    this.latest = t
    this.forgetBefore(t - this.layout.keepMs)
    this.push(t, entry)
    if (this.size > this.layout.capacity) {
      this.saturated = true
      this.dropOldest()
    }
  }

  private push(t: number, entry: LogEntry): void {
    const { words, numberColumns, stringColumns } = this.layout
    if (this.size === this.ts.length) this.grow()
    const i = this.size++
    this.ts[i] = t
    for (let w = 0; w < words; w++) this.masks[i * words + w] = entry.mask[w]!
    for (let c = 0; c < numberColumns; c++) this.numbers[i * numberColumns + c] = entry.numbers[c]!
    for (let c = 0; c < stringColumns; c++) this.strings[i * stringColumns + c] = entry.strings[c]
  }

  private feeds(seq: number, f: number): boolean {
    const words = this.layout.words
    return (this.masks[(seq - this.base) * words + (f >>> 5)]! & (1 << (f & 31))) !== 0
  }

  /** Enters entries that have come of age, then lets expired ones leave. */
  private settle(f: number, asOf: number): void {
    const row = f * STATE
    const end = this.base + this.size
    let tail = this.state[row + TAIL]!
    if (tail < this.base) tail = this.base
    while (tail < end && this.ts[tail - this.base]! <= asOf) {
      if (this.feeds(tail, f)) this.enter(f, tail)
      tail++
    }
    this.state[row + TAIL] = tail
    const boundary = asOf - this.layout.features[f]!.windowMs
    let head = Math.max(this.state[row + HEAD]!, this.base)
    // the head rests on an entry of this feature, so that the oldest one is at hand for first_seen
    while (head < tail && (this.ts[head - this.base]! <= boundary || !this.feeds(head, f))) {
      if (this.feeds(head, f)) this.leave(f, head)
      head++
    }
    this.state[row + HEAD] = head
  }

  private enter(f: number, seq: number): void {
    const row = f * STATE
    const feature = this.layout.features[f]!
    this.state[row + COUNT]!++
    this.state[row + LAST] = seq
    const i = seq - this.base
    if (feature.stringColumn >= 0) {
      const value = this.strings[i * this.layout.stringColumns + feature.stringColumn]
      const map = this.distinct[f]
      if (map) for (const key of typeof value === 'string' ? [value] : (value ?? [])) map.set(key, (map.get(key) ?? 0) + 1)
      const sketch = this.sketches[f]
      if (sketch) for (const key of typeof value === 'string' ? [value] : (value ?? [])) sketch.add(this.ts[i]!, key)
      return
    }
    if (feature.numberColumn < 0 || feature.aggregate === 'geo_velocity') return
    const value = this.numbers[i * this.layout.numberColumns + feature.numberColumn]!
    if (Number.isNaN(this.state[row + SHIFT]!)) this.state[row + SHIFT] = value
    const d = value - this.state[row + SHIFT]!
    this.state[row + SUM]! += d
    this.state[row + SQUARES]! += d * d
    const extreme = this.extremes[f]
    if (extreme) {
      const max = feature.aggregate === 'max'
      const front = this.state[row + EXTREME_HEAD]!
      while (extreme.length > front && (max ? this.valueOf(f, extreme[extreme.length - 1]!) <= value : this.valueOf(f, extreme[extreme.length - 1]!) >= value)) extreme.pop()
      extreme.push(seq)
    }
  }

  private leave(f: number, seq: number): void {
    const row = f * STATE
    const feature = this.layout.features[f]!
    const count = --this.state[row + COUNT]!
    const i = seq - this.base
    if (feature.stringColumn >= 0) {
      const value = this.strings[i * this.layout.stringColumns + feature.stringColumn]
      const map = this.distinct[f]
      if (map) {
        for (const key of typeof value === 'string' ? [value] : (value ?? [])) {
          const left = map.get(key)! - 1
          if (left === 0) map.delete(key)
          else map.set(key, left)
        }
      }
      return
    }
    if (feature.numberColumn < 0 || feature.aggregate === 'geo_velocity') return
    const d = this.numbers[i * this.layout.numberColumns + feature.numberColumn]! - this.state[row + SHIFT]!
    this.state[row + SUM]! -= d
    this.state[row + SQUARES]! -= d * d
    // an empty window starts its sums afresh, so that rounding never accumulates across quiet spells
    if (count === 0) {
      this.state[row + SUM] = 0
      this.state[row + SQUARES] = 0
      this.state[row + SHIFT] = Number.NaN
    }
    const extreme = this.extremes[f]
    if (extreme) {
      let front = this.state[row + EXTREME_HEAD]!
      while (front < extreme.length && extreme[front]! <= seq) front++
      if (front > 32 && front * 2 > extreme.length) {
        extreme.splice(0, front)
        front = 0
      }
      this.state[row + EXTREME_HEAD] = front
    }
  }

  private valueOf(f: number, seq: number): number {
    return this.numbers[(seq - this.base) * this.layout.numberColumns + this.layout.features[f]!.numberColumn]!
  }

  private current(f: number, asOf: number): number {
    const row = f * STATE
    const feature = this.layout.features[f]!
    const count = this.state[row + COUNT]!
    if (count === 0) return emptyValue(feature.aggregate)
    const sum = this.state[row + SUM]!
    const shift = this.state[row + SHIFT]!
    switch (feature.aggregate) {
      case 'count':
        return count
      case 'distinct_count':
        return this.sketches[f] ? this.sketches[f].estimate(asOf - feature.windowMs) : this.distinct[f]!.size
      case 'sum':
        return sum + count * shift
      case 'avg':
        return sum / count + shift
      case 'stddev':
        return Math.sqrt(Math.max(0, this.state[row + SQUARES]! / count - (sum / count) ** 2))
      case 'min':
      case 'max': {
        const extreme = this.extremes[f]!
        return this.valueOf(f, extreme[this.state[row + EXTREME_HEAD]!]!)
      }
      case 'first_seen':
        return (asOf - this.ts[this.state[row + HEAD]! - this.base]!) / 1000
      case 'last':
        return this.valueOf(f, this.state[row + LAST]!)
      case 'time_since_last':
        return (asOf - this.ts[this.state[row + LAST]! - this.base]!) / 1000
      case 'geo_velocity':
        return 0
    }
  }

  /** The current aggregate with `own` (the event's values, at `asOf`) added, without adding them. */
  private folded(f: number, asOf: number, own: readonly (number | string)[]): number {
    const row = f * STATE
    const feature = this.layout.features[f]!
    const count = this.state[row + COUNT]!
    switch (feature.aggregate) {
      case 'count':
        return count + own.length
      case 'distinct_count': {
        const sketch = this.sketches[f]
        if (sketch) return sketch.estimate(asOf - feature.windowMs, own.map(String))
        const map = this.distinct[f]!
        const added = new Set<string>()
        for (const value of own) if (!map.has(String(value))) added.add(String(value))
        return map.size + added.size
      }
      case 'first_seen':
        return count > 0 ? (asOf - this.ts[this.state[row + HEAD]! - this.base]!) / 1000 : 0
      case 'time_since_last':
        return 0
      case 'last':
        return typeof own[own.length - 1] === 'number' ? (own[own.length - 1] as number) : 0
    }
    let n = count
    let sum = this.state[row + SUM]!
    let squares = this.state[row + SQUARES]!
    const shift = Number.isNaN(this.state[row + SHIFT]!) ? (own[0] as number) : this.state[row + SHIFT]!
    let extreme = count > 0 && this.extremes[f] ? this.current(f, asOf) : undefined
    for (const value of own) {
      if (typeof value !== 'number') continue
      const d = value - shift
      sum += d
      squares += d * d
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
  private velocity(f: number, asOf: number, late: boolean, own: readonly (number | string)[] | undefined): number {
    if (own === undefined || own.length < 2) return 0
    let last = -1
    if (late) {
      const from = asOf - this.layout.features[f]!.windowMs
      for (let seq = this.base + this.size - 1; seq >= this.base; seq--) {
        const t = this.ts[seq - this.base]!
        if (t <= from) break
        if (t <= asOf && this.feeds(seq, f)) {
          last = seq
          break
        }
      }
    } else {
      this.settle(f, asOf)
      if (this.state[f * STATE + COUNT]! > 0) last = this.state[f * STATE + LAST]!
    }
    if (last < 0) return 0
    const at = (last - this.base) * this.layout.numberColumns + this.layout.features[f]!.numberColumn
    return speedKmh({ lat: this.numbers[at]!, lon: this.numbers[at + 1]! }, { lat: own[0] as number, lon: own[1] as number }, asOf - this.ts[last - this.base]!)
  }

  /** A read before the newest entry (a late event): recomputed from the retained entries, ignoring anything newer. */
  private scan(f: number, asOf: number, own: readonly (number | string)[]): number {
    const feature = this.layout.features[f]!
    const times: number[] = []
    const values: (number | string)[] = []
    for (let seq = this.base; seq < this.base + this.size; seq++) {
      const t = this.ts[seq - this.base]!
      if (t > asOf) break
      if (t <= asOf - feature.windowMs || !this.feeds(seq, f)) continue
      for (const value of this.entryValues(f, seq)) {
        times.push(t)
        values.push(value)
      }
    }
    for (const value of own) {
      times.push(asOf)
      values.push(value)
    }
    if (feature.approximate) return estimateDistinct(values.map(String))
    return aggregateOf(feature.aggregate, times, values, asOf)
  }

  private entryValues(f: number, seq: number): (number | string)[] {
    const feature = this.layout.features[f]!
    const i = seq - this.base
    if (feature.stringColumn >= 0) {
      const value = this.strings[i * this.layout.stringColumns + feature.stringColumn]
      return typeof value === 'string' ? [value] : (value ?? [])
    }
    return feature.numberColumn >= 0 ? [this.numbers[i * this.layout.numberColumns + feature.numberColumn]!] : [1]
  }

  /** A late entry goes in its place in time; every feature then re-enters the log from its start. */
  private insertLate(t: number, entry: LogEntry): void {
    const { words, numberColumns, stringColumns } = this.layout
    const kept: { t: number; entry: LogEntry }[] = Array.from({ length: this.size }, (_, i) => ({
      t: this.ts[i]!,
      entry: {
        mask: this.masks.slice(i * words, (i + 1) * words),
        numbers: this.numbers.slice(i * numberColumns, (i + 1) * numberColumns),
        strings: this.strings.slice(i * stringColumns, (i + 1) * stringColumns),
      },
    }))
    let at = kept.length
    while (at > 0 && kept[at - 1]!.t > t) at--
    kept.splice(at, 0, { t, entry })
    this.base += this.size + 1 // fresh sequence numbers: no feature position points into the old ones
    this.size = 0
    this.settledTs = Number.NEGATIVE_INFINITY
    this.state.fill(0)
    for (let f = 0; f < this.layout.features.length; f++) {
      this.state[f * STATE + SHIFT] = Number.NaN
      this.state[f * STATE + HEAD] = this.base
      this.state[f * STATE + TAIL] = this.base
      this.distinct[f]?.clear()
      if (this.sketches[f]) this.sketches[f] = new SlidingHyperLogLog()
      if (this.extremes[f]) this.extremes[f] = []
    }
    for (const item of kept) this.push(item.t, item.entry)
    if (this.size > this.layout.capacity) {
      this.saturated = true
      this.dropOldest()
    }
  }

  private dropOldest(): void {
    const seq = this.base
    for (let f = 0; f < this.layout.features.length; f++) {
      const row = f * STATE
      const head = Math.max(this.state[row + HEAD]!, this.base)
      if (head === seq && seq < this.state[row + TAIL]! && this.feeds(seq, f)) this.leave(f, seq)
      if (head <= seq) this.state[row + HEAD] = seq + 1
      if (this.state[row + TAIL]! <= seq) this.state[row + TAIL] = seq + 1
    }
    this.shiftOut(1)
  }

  /** Forgets entries at or before `cutoffTs`, once they are a good part of the log; features let them leave first. */
  private forgetBefore(cutoffTs: number): void {
    let drop = 0
    while (drop < this.size && this.ts[drop]! <= cutoffTs) drop++
    if (drop <= 16 || drop * 2 <= this.size) return
    const cut = this.base + drop
    for (let f = 0; f < this.layout.features.length; f++) {
      const row = f * STATE
      const head = Math.max(this.state[row + HEAD]!, this.base)
      const entered = Math.min(this.state[row + TAIL]!, cut)
      for (let seq = head; seq < entered; seq++) if (this.feeds(seq, f)) this.leave(f, seq)
      this.state[row + HEAD] = Math.max(head, cut)
      this.state[row + TAIL] = Math.max(this.state[row + TAIL]!, cut)
    }
    this.shiftOut(drop)
  }

  private shiftOut(drop: number): void {
    const { words, numberColumns, stringColumns } = this.layout
    // plain loops: Array.prototype.copyWithin takes a generic, per-element path on ordinary arrays
    shiftLeft(this.ts, drop, this.size)
    shiftLeft(this.masks, drop * words, this.size * words)
    shiftLeft(this.numbers, drop * numberColumns, this.size * numberColumns)
    shiftLeft(this.strings, drop * stringColumns, this.size * stringColumns)
    this.strings.fill(undefined, (this.size - drop) * stringColumns, this.size * stringColumns)
    this.base += drop
    this.size -= drop
  }

  private grow(): void {
    const { words, numberColumns, stringColumns } = this.layout
    const more = this.ts.length
    for (let i = 0; i < more; i++) this.ts.push(0)
    for (let i = 0; i < more * words; i++) this.masks.push(0)
    for (let i = 0; i < more * numberColumns; i++) this.numbers.push(0)
    for (let i = 0; i < more * stringColumns; i++) this.strings.push(undefined)
  }
}

const zeros = (n: number): number[] => new Array(n).fill(0)

/** Moves items [from, end) to the start of the array. */
function shiftLeft<T>(items: T[], from: number, end: number): void {
  for (let i = from; i < end; i++) items[i - from] = items[i]!
}
