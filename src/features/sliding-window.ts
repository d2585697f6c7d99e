/**
 * Exact sliding-window aggregate for one feature and one entity. Entries are
 * kept in time order; running totals make an in-order read O(1) amortised.
 * Memory is bounded: beyond `capacity` entries the oldest are dropped (and
 * the window reports itself saturated), and expired entries are evicted.
 *
 * With a delay, entries wait in a queue until they are `delay` old, and the
 * window is read as of `t − delay`: the window (t − delay − w, t − delay].
 */
export const windowAggregates = ['count', 'distinct_count', 'sum', 'avg', 'min', 'max', 'stddev', 'first_seen', 'last', 'time_since_last'] as const
export type WindowAggregate = (typeof windowAggregates)[number]

/** The value of an aggregate over no entries: 0, or −1 for the times, where 0 would mean "just now". */
export const emptyValue = (aggregate: WindowAggregate): number => (aggregate === 'first_seen' || aggregate === 'time_since_last' ? -1 : 0)

export class SlidingWindow {
  private ts: number[] = []
  private values: (number | string)[] = []
  private head = 0
  // sums of (value − shift) and its square: shifting by the first value keeps the variance exact for large amounts
  private shift = Number.NaN
  private sum = 0
  private sumSquares = 0
  private numeric = 0
  private distinct: Map<string, number> | undefined
  // monotonic deque of (time, position, value) for min and max; its front is the window's extreme.
  // Positions count entries ever added, so that dropping the oldest entry over
  // capacity removes exactly it, not others with the same time.
  private extremeTs: number[] = []
  private extremeSeq: number[] = []
  private extremeValues: number[] = []
  private extremeHead = 0
  private headSeq = 0
  private latestTs = Number.NEGATIVE_INFINITY
  private pendingTs: number[] = []
  private pendingValues: (number | string)[] = []
  private pendingHead = 0
  saturated = false

  constructor(
    private readonly aggregate: WindowAggregate,
    private readonly windowMs: number,
    private readonly capacity: number,
    private readonly delayMs = 0,
  ) {
    if (aggregate === 'distinct_count') this.distinct = new Map()
  }

  /** The time of the newest entry, waiting or not. */
  get newestTs(): number {
    return this.pendingTs.length > this.pendingHead ? this.pendingTs[this.pendingTs.length - 1]! : this.latestTs
  }

  /** The aggregate over entries in (t − delay − window, t − delay]; never sees an entry added later than that. */
  valueAt(t: number): number {
    const asOf = this.settle(t)
    if (asOf < this.latestTs) return this.scan(asOf, [])
    this.evictUpTo(asOf - this.windowMs)
    return this.current(asOf)
  }

  /** The aggregate at `t` as if `extra` (entries at `t`) were in the window too, without adding them. */
  valueWith(t: number, extra: readonly (number | string)[]): number {
    if (t < this.latestTs || this.delayMs > 0) return this.scan(this.settle(t), extra)
    this.evictUpTo(t - this.windowMs)
    if (extra.length === 0) return this.current(t)
    const n = this.ts.length - this.head
    switch (this.aggregate) {
      case 'count':
        return n + extra.length
      case 'distinct_count': {
        const added = new Set<string>()
        for (const value of extra) if (!this.distinct!.has(String(value))) added.add(String(value))
        return this.distinct!.size + added.size
      }
      case 'first_seen':
        return n > 0 ? (t - this.ts[this.head]!) / 1000 : 0
      case 'time_since_last':
        return 0
      case 'last':
        return numberOf(extra[extra.length - 1]!)
    }
    // sum, avg, stddev, min, max: fold the extra numbers into the running state
    let count = this.numeric
    let sum = this.sum
    let sumSquares = this.sumSquares
    const shift = Number.isNaN(this.shift) ? numberOf(extra[0]!) : this.shift
    let extreme = this.extremeHead < this.extremeValues.length ? this.extremeValues[this.extremeHead]! : undefined
    for (const value of extra) {
      if (typeof value !== 'number') continue
      const d = value - shift
      sum += d
      sumSquares += d * d
      count++
      if (extreme === undefined || (this.aggregate === 'max' ? value > extreme : value < extreme)) extreme = value
    }
    if (count === 0) return 0
    switch (this.aggregate) {
      case 'sum':
        return sum + count * shift
      case 'avg':
        return sum / count + shift
      case 'stddev':
        return Math.sqrt(Math.max(0, sumSquares / count - (sum / count) ** 2))
      default:
        return extreme ?? 0
    }
  }

  add(t: number, value: number | string): void {
    if (this.delayMs > 0) {
      this.pendingTs.push(t)
      this.pendingValues.push(value)
      return
    }
    this.addNow(t, value)
  }

  /** Moves waiting entries that are now `delay` old into the window; returns the time to read the window at. */
  private settle(t: number): number {
    if (this.delayMs === 0) return t
    const asOf = t - this.delayMs
    while (this.pendingHead < this.pendingTs.length && this.pendingTs[this.pendingHead]! <= asOf) {
      this.addNow(this.pendingTs[this.pendingHead]!, this.pendingValues[this.pendingHead]!)
      this.pendingHead++
    }
    if (this.pendingHead > 64 && this.pendingHead * 2 > this.pendingTs.length) {
      this.pendingTs = this.pendingTs.slice(this.pendingHead)
      this.pendingValues = this.pendingValues.slice(this.pendingHead)
      this.pendingHead = 0
    }
    return asOf
  }

  private current(t: number): number {
    const n = this.ts.length - this.head
    switch (this.aggregate) {
      case 'count':
        return n
      case 'distinct_count':
        return this.distinct!.size
      case 'sum':
        return this.numeric === 0 ? 0 : this.sum + this.numeric * this.shift
      case 'avg':
        return this.numeric === 0 ? 0 : this.sum / this.numeric + this.shift
      case 'stddev':
        return this.numeric === 0 ? 0 : Math.sqrt(Math.max(0, this.sumSquares / this.numeric - (this.sum / this.numeric) ** 2))
      case 'min':
      case 'max':
        return this.extremeHead < this.extremeValues.length ? this.extremeValues[this.extremeHead]! : 0
      case 'first_seen':
        return n > 0 ? (t - this.ts[this.head]!) / 1000 : -1
      case 'last':
        return n > 0 ? numberOf(this.values[this.ts.length - 1]!) : 0
      case 'time_since_last':
        return n > 0 ? (t - this.ts[this.ts.length - 1]!) / 1000 : -1
    }
  }

  private addNow(t: number, value: number | string): void {
    if (t < this.latestTs) {
      this.insertLate(t, value)
      return
    }
    this.ts.push(t)
    this.values.push(value)
    this.latestTs = t
    this.enter(value)
    if (typeof value === 'number') this.pushExtreme(t, this.headSeq + this.ts.length - 1 - this.head, value)
    if (this.ts.length - this.head > this.capacity) {
      this.saturated = true
      this.evictOne()
    }
  }

  private pushExtreme(t: number, seq: number, value: number) {
    if (this.aggregate !== 'max' && this.aggregate !== 'min') return
    const dominated = this.aggregate === 'max' ? (back: number) => back <= value : (back: number) => back >= value
    while (this.extremeValues.length > this.extremeHead && dominated(this.extremeValues[this.extremeValues.length - 1]!)) {
      this.extremeValues.pop()
      this.extremeTs.pop()
      this.extremeSeq.pop()
    }
    this.extremeTs.push(t)
    this.extremeSeq.push(seq)
    this.extremeValues.push(value)
  }

  private enter(value: number | string) {
    if (this.distinct) {
      const key = String(value)
      this.distinct.set(key, (this.distinct.get(key) ?? 0) + 1)
    } else if (typeof value === 'number') {
      if (Number.isNaN(this.shift)) this.shift = value
      const d = value - this.shift
      this.sum += d
      this.sumSquares += d * d
      this.numeric++
    }
  }

  private evictOne() {
    const value = this.values[this.head]!
    const seq = this.headSeq++
    this.head++
    if (this.distinct) {
      const key = String(value)
      const left = this.distinct.get(key)! - 1
      if (left === 0) this.distinct.delete(key)
      else this.distinct.set(key, left)
    } else if (typeof value === 'number') {
      const d = value - this.shift
      this.sum -= d
      this.sumSquares -= d * d
      this.numeric--
      // an empty window starts its sums afresh, so that rounding never accumulates across quiet spells
      if (this.numeric === 0) {
        this.sum = 0
        this.sumSquares = 0
        this.shift = Number.NaN
      }
    }
    while (this.extremeHead < this.extremeSeq.length && this.extremeSeq[this.extremeHead]! <= seq) this.extremeHead++
    this.compact()
  }

  private evictUpTo(boundary: number) {
    while (this.head < this.ts.length && this.ts[this.head]! <= boundary) this.evictOne()
  }

  private compact() {
    if (this.head > 64 && this.head * 2 > this.ts.length) {
      this.ts = this.ts.slice(this.head)
      this.values = this.values.slice(this.head)
      this.head = 0
    }
    if (this.extremeHead > 64 && this.extremeHead * 2 > this.extremeTs.length) {
      this.extremeTs = this.extremeTs.slice(this.extremeHead)
      this.extremeSeq = this.extremeSeq.slice(this.extremeHead)
      this.extremeValues = this.extremeValues.slice(this.extremeHead)
      this.extremeHead = 0
    }
  }

  /**
   * A read at a time before the newest entry (a late event), or one that
   * folds in extra entries: computed from the retained entries inside the
   * window, ignoring anything newer than `t`.
   */
  private scan(t: number, extra: readonly (number | string)[]): number {
    const times: number[] = []
    const values: (number | string)[] = []
    for (let i = this.head; i < this.ts.length; i++) {
      const at = this.ts[i]!
      if (at <= t - this.windowMs) continue
      if (at > t) break
      times.push(at)
      values.push(this.values[i]!)
    }
    for (const value of extra) {
      times.push(t)
      values.push(value)
    }
    return aggregateOf(this.aggregate, times, values, t)
  }

  /** Late entries keep the arrays in time order; the min/max deque is rebuilt since order changed. */
  private insertLate(t: number, value: number | string) {
    let i = this.ts.length
    while (i > this.head && this.ts[i - 1]! > t) i--
    this.ts.splice(i, 0, t)
    this.values.splice(i, 0, value)
    this.enter(value)
    this.extremeTs = []
    this.extremeSeq = []
    this.extremeValues = []
    this.extremeHead = 0
    for (let j = this.head; j < this.ts.length; j++) {
      const v = this.values[j]
      if (typeof v === 'number') this.pushExtreme(this.ts[j]!, this.headSeq + j - this.head, v)
    }
    if (this.ts.length - this.head > this.capacity) {
      this.saturated = true
      this.evictOne()
    }
  }
}

const numberOf = (value: number | string): number => (typeof value === 'number' ? value : 0)

/** An aggregate computed from scratch over entries in time order, read at `t`. */
export function aggregateOf(aggregate: WindowAggregate, times: readonly number[], values: readonly (number | string)[], t: number): number {
  const n = times.length
  if (n === 0) return emptyValue(aggregate)
  const numbers = values.filter((v): v is number => typeof v === 'number')
  switch (aggregate) {
    case 'count':
      return n
    case 'distinct_count':
      return new Set(values.map(String)).size
    case 'sum':
      return numbers.reduce((a, b) => a + b, 0)
    case 'avg':
      return numbers.length === 0 ? 0 : numbers.reduce((a, b) => a + b, 0) / numbers.length
    case 'stddev': {
      if (numbers.length === 0) return 0
      const mean = numbers.reduce((a, b) => a + b, 0) / numbers.length
      return Math.sqrt(numbers.reduce((a, b) => a + (b - mean) ** 2, 0) / numbers.length)
    }
    case 'min':
      return numbers.length === 0 ? 0 : Math.min(...numbers)
    case 'max':
      return numbers.length === 0 ? 0 : Math.max(...numbers)
    case 'first_seen':
      return (t - times[0]!) / 1000
    case 'last':
      return numberOf(values[n - 1]!)
    case 'time_since_last':
      return (t - times[n - 1]!) / 1000
  }
}
