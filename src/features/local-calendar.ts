/**
 * Local hour and weekday of instants in one time zone. The zone's offset is
 * looked up once per quarter of an hour and remembered: events arrive
 * roughly in time order, so a lookup through Intl (about a microsecond) is
 * rare, and every zone changes its offset on a quarter hour (Newfoundland
 * and Adelaide on the half hour).
 */
const dayMs = 86_400_000

export class LocalCalendar {
  private readonly format: Intl.DateTimeFormat
  private quarter = Number.NaN
  private offsetMs = 0

  constructor(readonly timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' })
  }

  /** 0–23. */
  hourOf(atMs: number): number {
    // what new Date(local).getUTCHours() gives, without making a Date (whole milliseconds, as a Date keeps them)
    const local = Math.trunc(atMs + this.offsetAt(atMs))
    return Math.floor((local - Math.floor(local / dayMs) * dayMs) / 3_600_000)
  }

  /** 0 = Monday … 6 = Sunday. */
  weekdayOf(atMs: number): number {
    const local = Math.trunc(atMs + this.offsetAt(atMs))
    // day 0, 1 January 1970, was a Thursday
    return (((Math.floor(local / dayMs) + 3) % 7) + 7) % 7
  }

  private offsetAt(atMs: number): number {
    const quarter = Math.floor(atMs / 900_000)
    if (quarter !== this.quarter) {
      this.quarter = quarter
      const parts = Object.fromEntries(this.format.formatToParts(quarter * 900_000).map((p) => [p.type, p.value]))
      const local = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute))
      this.offsetMs = local - quarter * 900_000
    }
    return this.offsetMs
  }
}
