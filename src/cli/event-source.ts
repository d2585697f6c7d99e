import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { parse as parseCsv } from 'csv-parse'

/**
 * Reads events from NDJSON (one event per line) or CSV (columns id, type,
 * occurredAt and data, the last holding the payload as JSON). A line that is
 * not JSON is yielded as an error so the caller can count it and go on.
 */
export async function* readEvents(path: string | '-'): AsyncGenerator<{ line: number; event?: unknown; error?: string }> {
  const input = path === '-' ? process.stdin : createReadStream(path)
  if (path.endsWith('.csv')) {
    let line = 1
    for await (const row of input.pipe(parseCsv({ columns: true, skip_empty_lines: true })) as AsyncIterable<Record<string, string>>) {
      line++
      try {
        yield { line, event: { id: row.id, type: row.type, occurredAt: row.occurredAt, data: JSON.parse(row.data ?? 'null') } }
      } catch (error) {
        yield { line, error: `data column is not JSON: ${(error as Error).message}` }
      }
    }
    return
  }
  let line = 0
  for await (const text of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
    line++
    if (text.trim() === '') continue
    try {
      yield { line, event: JSON.parse(text) }
    } catch (error) {
      yield { line, error: `not JSON: ${(error as Error).message}` }
    }
  }
}
