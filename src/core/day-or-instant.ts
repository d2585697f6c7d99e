import type { FieldIssue } from './errors.ts'

/** Days on the command line are Beijing days: the lenders Xiezhi serves keep their books in UTC+8. */
const beijingOffsetMs = 8 * 3_600_000

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

/** A request's optional date field (`parseDayOrInstant`): undefined when absent, and a bad one adds an issue at `/<field>`. */
export function dayOrInstantField(text: string | undefined, field: string, issues: FieldIssue[]): number | undefined {
  if (text === undefined) return undefined
  const ms = parseDayOrInstant(text)
  if (ms === undefined) issues.push({ pointer: `/${field}`, code: 'invalid_date', message: 'give YYYY-MM-DD (a Beijing day) or an ISO 8601 instant with its offset' })
  return ms
}
