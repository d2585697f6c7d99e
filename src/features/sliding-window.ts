/**
 * Exact sliding-window aggregate for one feature and one entity. Entries are
 * kept in time order; running totals make an in-order read O(1) amortised.
 * Memory is bounded: beyond `capacity` entries the oldest are dropped (and
 * the window reports itself saturated), and expired entries are evicted.
 */
export type WindowAggregate = 'count' | 'distinct_count' | 'sum' | 'max'

export class SlidingWindow {
  private ts: number[] = []
  private values: (number | string)[] = []
  private head = 0
  private sum = 0
  private distinct: Map<string, number> | undefined
  // monotonic deque of (time, position, value) for max; front is the window's maximum.
  // Positions count entries ever added, so that dropping the oldest entry over
  // capacity removes exactly it, not others with the same time.
  private maxTs: number[] = []
  private maxSeq: number[] = []
  private maxValues: number[] = []
  private maxHead = 0
  private headSeq = 0
  private latestTs = Number.NEGATIVE_INFINITY
  saturated = false

  constructor(
    private readonly aggregate: WindowAggregate,
    private readonly windowMs: number,
    private readonly capacity: number,
  ) {
    if (aggregate === 'distinct_count') this.distinct = new Map()
  }

  get newestTs(): number {
    return this.latestTs
  }

  /** The aggregate over entries in (t − window, t]; never sees an entry added later than t. */
  valueAt(t: number): number {
    if (t < this.latestTs) return this.scan(t)
    this.evictUpTo(t - this.windowMs)
    switch (this.aggregate) {
      case 'count':
        return this.ts.length - this.head
      case 'distinct_count':
        return this.distinct!.size
      case 'sum':
        return this.sum
      case 'max':
        return this.maxHead < this.maxValues.length ? this.maxValues[this.maxHead]! : 0
    }
  }

  add(t: number, value: number | string): void {
    if (t < this.latestTs) {
      this.insertLate(t, value)
      return
    }
    this.ts.push(t)
    this.values.push(value)
    this.latestTs = t
    this.enter(value)
    if (this.aggregate === 'max' && typeof value === 'number') {
      while (this.maxValues.length > this.maxHead && this.maxValues[this.maxValues.length - 1]! <= value) {
        this.maxValues.pop()
        this.maxTs.pop()
        this.maxSeq.pop()
      }
      this.maxTs.push(t)
      this.maxSeq.push(this.headSeq + this.ts.length - 1 - this.head)
      this.maxValues.push(value)
    }
    if (this.ts.length - this.head > this.capacity) {
      this.saturated = true
      this.evictOne()
    }
  }

  private enter(value: number | string) {
    if (this.distinct) {
      const key = String(value)
      this.distinct.set(key, (this.distinct.get(key) ?? 0) + 1)
    } else if (typeof value === 'number') this.sum += value
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
    } else if (typeof value === 'number') this.sum -= value
    while (this.maxHead < this.maxSeq.length && this.maxSeq[this.maxHead]! <= seq) this.maxHead++
    this.compact()
  }

  private evictUpTo(boundary: number) {
    while (this.head < this.ts.length && this.ts[this.head]! <= boundary) this.evictOne()
    while (this.maxHead < this.maxTs.length && this.maxTs[this.maxHead]! <= boundary) this.maxHead++
  }

  private compact() {
    if (this.head > 64 && this.head * 2 > this.ts.length) {
      this.ts = this.ts.slice(this.head)
      this.values = this.values.slice(this.head)
      this.head = 0
    }
    if (this.maxHead > 64 && this.maxHead * 2 > this.maxTs.length) {
      this.maxTs = this.maxTs.slice(this.maxHead)
      this.maxSeq = this.maxSeq.slice(this.maxHead)
      this.maxValues = this.maxValues.slice(this.maxHead)
      this.maxHead = 0
    }
  }

  /** A late event: read what is retained inside its own window, ignoring anything newer than it. */
  private scan(t: number): number {
    let count = 0
    let sum = 0
    let max = 0
    const seen = new Set<string>()
    for (let i = this.head; i < this.ts.length; i++) {
      const at = this.ts[i]!
      if (at <= t - this.windowMs) continue
      if (at > t) break
      const value = this.values[i]!
      count++
      if (this.distinct) seen.add(String(value))
      else if (typeof value === 'number') {
        sum += value
        if (value > max) max = value
      }
    }
    return this.aggregate === 'count' ? count : this.aggregate === 'distinct_count' ? seen.size : this.aggregate === 'sum' ? sum : max
  }

  /** Late entries keep the arrays in time order; the max deque is rebuilt since order changed. */
  private insertLate(t: number, value: number | string) {
    let i = this.ts.length
    while (i > this.head && this.ts[i - 1]! > t) i--
    this.ts.splice(i, 0, t)
    this.values.splice(i, 0, value)
    this.enter(value)
    this.maxTs = []
    this.maxSeq = []
    this.maxValues = []
    this.maxHead = 0
    for (let j = this.head; this.aggregate === 'max' && j < this.ts.length; j++) {
      const v = this.values[j]
      if (typeof v !== 'number') continue
      while (this.maxValues.length > 0 && this.maxValues[this.maxValues.length - 1]! <= v) {
        this.maxValues.pop()
        this.maxTs.pop()
        this.maxSeq.pop()
      }
      this.maxTs.push(this.ts[j]!)
      this.maxSeq.push(this.headSeq + j - this.head)
      this.maxValues.push(v)
    }
    if (this.ts.length - this.head > this.capacity) {
      this.saturated = true
      this.evictOne()
    }
  }
}
