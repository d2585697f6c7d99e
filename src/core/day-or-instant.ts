/** Days on the command line are Beijing days: the lenders Xiezhi serves keep their books in UTC+8. */
const beijingOffsetMs = 8 * 3_600_000

/**
 * `YYYY-MM-DD` (the start of that day in Beijing) or an ISO 8601 instant, as
 * epoch milliseconds; undefined when it is neither, including days that do
 * not exist (30 February), which Date.parse would roll over into March.
 */
export function parseDayOrInstant(text: string): number | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const ms = Date.parse(`${text}T00:00:00Z`)
    if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text) return undefined
    return ms - beijingOffsetMs
  }
  const ms = Date.parse(text)
  return Number.isNaN(ms) ? undefined : ms
}
