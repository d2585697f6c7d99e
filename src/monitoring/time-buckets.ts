/**
 * Calendar buckets (a day or an ISO week, Monday first) in a time zone:
 * lenders count their days in Beijing time, so `Asia/Shanghai` is the
 * default. A bucket is named by its first local day (`2026-01-05`) and runs
 * from that day's local midnight to the next bucket's.
 */
export type BucketSize = 'day' | 'week'

export const defaultTimeZone = 'Asia/Shanghai'

const dayMs = 86_400_000

export interface Bucket {
  /** The first local day, YYYY-MM-DD. */
  label: string
  startMs: number
  endMs: number
}

export class TimeBuckets {
  private readonly format: Intl.DateTimeFormat

  /** Throws a RangeError for a time zone Intl does not know. */
  constructor(
    readonly size: BucketSize,
    readonly timeZone = defaultTimeZone,
  ) {
    this.format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
  }

  /** The bucket an instant falls in. */
  bucketOf(atMs: number): Bucket {
    const localDay = Math.floor((atMs + this.offsetAt(atMs)) / dayMs)
    // 1970-01-01 was a Thursday: days since a Monday are (day + 3) mod 7
    const firstDay = this.size === 'day' ? localDay : localDay - ((((localDay + 3) % 7) + 7) % 7)
    const length = this.size === 'day' ? 1 : 7
    return { label: new Date(firstDay * dayMs).toISOString().slice(0, 10), startMs: this.midnight(firstDay), endMs: this.midnight(firstDay + length) }
  }

  /** The local day (days since 1970-01-01, local) of an instant, for counting per day inside a week. */
  dayOf(atMs: number): number {
    return Math.floor((atMs + this.offsetAt(atMs)) / dayMs)
  }

  /** Every bucket that overlaps [fromMs, toMs), in order. */
  between(fromMs: number, toMs: number): Bucket[] {
    const out: Bucket[] = []
    for (let at = fromMs; at < toMs; ) {
      const bucket = this.bucketOf(at)
      out.push(bucket)
      at = bucket.endMs
    }
    return out
  }

  /** The instant of local midnight starting a local day (the offset taken a little after it, so a change at midnight counts). */
  private midnight(localDay: number): number {
    const guess = localDay * dayMs
    return guess - this.offsetAt(guess - this.offsetAt(guess))
  }

  private quarter = Number.NaN
  private quarterOffsetMs = 0

  /** Local time minus UTC at an instant, in ms; looked up once per quarter of an hour (every zone changes its offset on one). */
  private offsetAt(atMs: number): number {
    const quarter = Math.floor(atMs / 900_000)
    if (quarter !== this.quarter) {
      const start = quarter * 900_000
      const parts = Object.fromEntries(this.format.formatToParts(start).map((p) => [p.type, p.value]))
      this.quarter = quarter
      this.quarterOffsetMs = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second)) - start
    }
    return this.quarterOffsetMs
  }
}

/** True when Intl knows the zone. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone })
    return true
  } catch {
    return false
  }
}
