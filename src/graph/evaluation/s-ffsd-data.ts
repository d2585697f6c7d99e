import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'

/** The S-FFSD transactions as columns, in file order (= time order). */
export interface SffsdData {
  rows: number
  time: Float64Array
  amount: Float64Array
  /** Source, Target, Location, Type as codes of scikit-learn's `LabelEncoder` (the values' sorted order), as GTAN encodes them. */
  source: Int32Array
  target: Int32Array
  location: Int32Array
  type: Int32Array
  /** 0 legitimate, 1 fraud, 2 unlabelled. */
  label: Int32Array
  /** Distinct values per categorical column. */
  cardinality: { source: number; target: number; location: number; type: number }
}

const header = 'Time,Source,Target,Amount,Location,Type,Labels'

/** Reads `S-FFSD.csv.gz` (or a plain `.csv`); throws naming the line of a malformed row. */
export function loadSffsd(path: string): SffsdData {
  const bytes = readFileSync(path)
  const text = (path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8')
  const lines = text.split(/\r?\n/)
  if (lines[0]!.trim() !== header) throw new Error(`${path}: line 1 is not the header ${header}`)
  const body = lines.slice(1).filter((line) => line.length > 0)
  const n = body.length
  const time = new Float64Array(n)
  const amount = new Float64Array(n)
  const label = new Int32Array(n)
  const raw: string[][] = [[], [], [], []]
  body.forEach((line, i) => {
    const cells = line.split(',')
    const labelValue = Number(cells[6])
    if (cells.length !== 7 || !Number.isFinite(Number(cells[0])) || !Number.isFinite(Number(cells[3])) || ![0, 1, 2].includes(labelValue))
      throw new Error(`${path}: line ${i + 2} is malformed: ${line.slice(0, 80)}`)
    time[i] = Number(cells[0])
    amount[i] = Number(cells[3])
    label[i] = labelValue
    raw[0]!.push(cells[1]!)
    raw[1]!.push(cells[2]!)
    raw[2]!.push(cells[4]!)
    raw[3]!.push(cells[5]!)
  })
  const [source, target, location, type] = raw.map(labelEncode) as [Int32Array, Int32Array, Int32Array, Int32Array]
  const distinct = (codes: Int32Array) => codes.reduce((most, c) => Math.max(most, c), -1) + 1
  return { rows: n, time, amount, source, target, location, type, label, cardinality: { source: distinct(source), target: distinct(target), location: distinct(location), type: distinct(type) } }
}

/** `LabelEncoder().fit_transform(values)`: each value's rank among the sorted distinct values. */
export function labelEncode(values: string[]): Int32Array {
  const sorted = [...new Set(values)].sort()
  const code = new Map(sorted.map((value, i) => [value, i]))
  return Int32Array.from(values, (value) => code.get(value)!)
}
