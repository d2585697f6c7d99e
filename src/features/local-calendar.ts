/**
 * Local hour and weekday of instants in one time zone. The zone's offset is
 * looked up once per UTC hour and remembered: events arrive roughly in time
 * order, so a lookup through Intl (about a microsecond) is rare, and zones
 * with daylight saving time still change offset on the hour.
 */
export class LocalCalendar {
  private readonly format: Intl.DateTimeFormat
  private hour = Number.NaN
  private offsetMs = 0

  constructor(readonly timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' })
  }

  /** 0–23. */
  hourOf(atMs: number): number {
    return new Date(atMs + this.offsetAt(atMs)).getUTCHours()
  }

  /** 0 = Monday … 6 = Sunday. */
  weekdayOf(atMs: number): number {
    return (new Date(atMs + this.offsetAt(atMs)).getUTCDay() + 6) % 7
  }

  private offsetAt(atMs: number): number {
    const hour = Math.floor(atMs / 3_600_000)
    if (hour !== this.hour) {
      this.hour = hour
      const parts = Object.fromEntries(this.format.formatToParts(hour * 3_600_000).map((p) => [p.type, p.value]))
      const local = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute))
      this.offsetMs = local - hour * 3_600_000
    }
    return this.offsetMs
  }
}
