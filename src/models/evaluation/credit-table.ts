import { gunzipSync } from 'node:zlib'
import { parse } from 'csv-parse/sync'
import { type FieldIssue, XiezhiError } from '../../core/errors.ts'
import type { TrainingData } from '../gbdt/training-data.ts'
import type { ScorecardData } from '../scorecard/scorecard-data.ts'

/**
 * A credit data set from a CSV (optionally gzipped): a 0/1 target column
 * and input columns, as `scripts/models-credit-data.ts` and
 * `scripts/eval-scorecard.ts` read the shared sets. A column is numeric when
 * every cell is empty or a finite number (an empty cell is NaN, a missing
 * value); any other column is text, a category (an empty cell is missing).
 *
 * Besides the columns asked to be dropped, two kinds of column are left out
 * and named: one that determines the target (two values, each seen with
 * one class only, such as German credit's `class` beside `bad`), and a row
 * id (whole numbers, a different one on every row, increasing down the
 * file, such as Taiwan's `ID`).
 */
export interface CreditColumn {
  name: string
  /** NaN for an empty cell. */
  numbers?: Float64Array
  /** null for an empty cell. */
  text?: (string | null)[]
}

export interface CreditTable {
  target: string
  labels: Float64Array
  columns: CreditColumn[]
  leftOut: { column: string; reason: string }[]
}

const invalid = (message: string, pointer: string, code: string) => new XiezhiError('invalid_input', message, [{ pointer, code, message } satisfies FieldIssue])

/** Reads the file's bytes (gzip by its magic number). Problems are `invalid_input` errors with pointer `/data`, `/target` or `/drop`. */
export function readCreditTable(bytes: Buffer, target: string, drop: readonly string[] = []): CreditTable {
  const text = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes
  let records: string[][]
  try {
    records = parse(text, { skip_empty_lines: true, bom: true }) as string[][]
  } catch (error) {
    throw invalid(`not a CSV file: ${(error as Error).message}`, '/data', 'invalid_format')
  }
  const header = (records[0] ?? []).map((h) => h.trim())
  const body = records.slice(1)
  if (header.length === 0 || body.length === 0) throw invalid('the file has no header line and rows', '/data', 'invalid_data')
  const twice = header.find((h, k) => header.indexOf(h) !== k)
  if (twice !== undefined) throw invalid(`the column "${twice}" appears twice in the header`, '/data', 'invalid_data')
  const targetAt = header.indexOf(target)
  const shown = header.length > 30 ? `${header.slice(0, 30).join(', ')}, …` : header.join(', ')
  if (targetAt === -1) throw invalid(`no column "${target}" in the file (its columns: ${shown})`, '/target', 'unknown_field')
  const unknown = drop.filter((name) => !header.includes(name))
  if (unknown.length > 0) throw invalid(`no column ${unknown.map((c) => `"${c}"`).join(', ')} in the file (its columns: ${shown})`, '/drop', 'unknown_field')
  if (drop.includes(target)) throw invalid(`"${target}" is the target; it cannot also be dropped`, '/drop', 'invalid_value')

  const labels = new Float64Array(body.length)
  const seen = new Set<string>()
  for (let r = 0; r < body.length; r++) {
    const cell = (body[r]![targetAt] ?? '').trim()
    const value = cell === '' ? Number.NaN : Number(cell)
    if (value !== 0 && value !== 1) seen.add(cell === '' ? '(empty)' : cell)
    labels[r] = value
  }
  if (seen.size > 0) {
    const values = [...seen].slice(0, 5).map((v) => `"${v}"`).join(', ')
    throw invalid(`the target column "${target}" must hold 0 and 1 only (1 = bad); it also holds ${values}${seen.size > 5 ? ', …' : ''}`, '/target', 'invalid_value')
  }
  const bads = labels.reduce((a, b) => a + b, 0)
  if (bads === 0 || bads === labels.length) throw invalid(`the target column "${target}" holds only ${bads === 0 ? 0 : 1}s; both classes are needed`, '/target', 'invalid_value')

  const columns: CreditColumn[] = []
  const leftOut: CreditTable['leftOut'] = []
  header.forEach((name, k) => {
    if (k === targetAt) return
    if (drop.includes(name)) {
      leftOut.push({ column: name, reason: 'dropped as asked' })
      return
    }
    const cells = body.map((row) => (row[k] ?? '').trim())
    const reason = determinesTarget(cells, labels) ? 'determines the target (two values, each with one class only)' : isRowId(cells) ? 'a row id (a different whole number on every row, increasing)' : undefined
    if (reason) {
      leftOut.push({ column: name, reason })
      return
    }
    const numeric = cells.every((c) => c === '' || Number.isFinite(Number(c)))
    columns.push(numeric ? { name, numbers: Float64Array.from(cells, (c) => (c === '' ? Number.NaN : Number(c))) } : { name, text: cells.map((c) => (c === '' ? null : c)) })
  })
  if (columns.length === 0) throw invalid('no input column is left beside the target', '/data', 'invalid_data')
  return { target, labels, columns, leftOut }
}

function determinesTarget(cells: string[], labels: Float64Array): boolean {
  const classOf = new Map<string, number>()
  for (let r = 0; r < cells.length; r++) {
    const c = cells[r]!
    if (c === '') return false
    const seen = classOf.get(c)
    if (seen === undefined) classOf.set(c, labels[r]!)
    else if (seen !== labels[r]) return false
  }
  return classOf.size === 2
}

function isRowId(cells: string[]): boolean {
  let previous = Number.NEGATIVE_INFINITY
  for (const c of cells) {
    const n = c === '' ? Number.NaN : Number(c)
    if (!Number.isInteger(n) || n <= previous) return false
    previous = n
  }
  return true
}

/** The inputs as GBDT columns: numbers as they are, each text column one-hot by level (`JOB=Mgr`; an empty cell NaN in each). */
export function gbdtColumns(table: CreditTable): Required<Omit<TrainingData, 'weights'>> {
  const features: Float64Array[] = []
  const featureNames: string[] = []
  for (const column of table.columns) {
    if (column.numbers) {
      features.push(column.numbers)
      featureNames.push(column.name)
      continue
    }
    const cells = column.text!
    const levels = [...new Set(cells.filter((c): c is string => c !== null))].sort()
    for (const level of levels) {
      features.push(Float64Array.from(cells, (c) => (c === null ? Number.NaN : c === level ? 1 : 0)))
      featureNames.push(`${column.name}=${level}`)
    }
  }
  return { features, labels: table.labels, featureNames }
}

/** The inputs as scorecard variables: numbers numeric, text categorical (null when empty). */
export function scorecardColumns(table: CreditTable): ScorecardData {
  return { variables: table.columns.map((c) => ({ name: c.name, values: c.numbers ?? c.text! })), labels: table.labels }
}
