import type { FieldIssue } from './errors.ts'

/** Days on the command line are Beijing days: the lenders Xiezhi serves keep their books in UTC+8. */
const beijingOffsetMs = 8 * 3_600_000
const dayMs = 86_400_000
const isDay = (text: string) => /^\d{4}-\d{2}-\d{2}$/.test(text)

/**
 * `YYYY-MM-DD` (the start of that day in Beijing) or an ISO 8601 instant with
 * its offset (`Z` or `±hh:mm`), as epoch milliseconds; undefined otherwise,
 * including days that do not exist (30 February), which Date.parse would roll
 * over into March. A time without an offset is refused: Date.parse would read
 * it in the machine's own zone, and a seed would no longer mean the same world.
 */
export function parseDayOrInstant(text: string): number | undefined {
  const day = /^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/.exec(text)
  if (!day) return undefined
  const midnight = Date.parse(`${day[1]}T00:00:00Z`)
  if (Number.isNaN(midnight) || new Date(midnight).toISOString().slice(0, 10) !== day[1]) return undefined
  if (day[2] === undefined) return midnight - beijingOffsetMs
  const ms = Date.parse(text)
  return Number.isNaN(ms) ? undefined : ms
}

/**
 * The end of a period that includes its last day: `YYYY-MM-DD` gives the
 * last millisecond of that Beijing day, an instant stays itself; undefined
 * as for `parseDayOrInstant`. For ends compared inclusively (`at <= to`):
 * an investigator asking for 27 November up to 27 November means the whole
 * day, not its first instant.
 */
export function parseDayOrInstantThrough(text: string): number | undefined {
  const ms = parseDayOrInstant(text)
  return ms !== undefined && isDay(text) ? ms + dayMs - 1 : ms
}

/**
 * A request's optional date field (`parseDayOrInstant`): undefined when
 * absent, and a bad one adds an issue at `/<field>`. A day is its start: the
 * periods read through it (monitoring, the arm comparison) are `[from, to)`,
 * so `to=2026-02-01` ends with 31 January, as their docs say.
 */
export function dayOrInstantField(text: string | undefined, field: string, issues: FieldIssue[]): number | undefined {
  if (text === undefined) return undefined
  const ms = parseDayOrInstant(text)
  if (ms === undefined) issues.push({ pointer: `/${field}`, code: 'invalid_date', message: 'give YYYY-MM-DD (a Beijing day) or an ISO 8601 instant with its offset' })
  return ms
}
