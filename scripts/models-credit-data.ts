/**
 * The credit data sets of `../shared/data/` as training columns, for the
 * GBDT tests and `npm run eval:gbdt`: a gzipped CSV is read whole, numeric
 * columns kept as numbers (an empty cell is NaN, a missing value), and text
 * columns one-hot encoded (`JOB=Mgr`; an empty cell is NaN in each of them).
 */
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'
import { parse } from 'csv-parse/sync'
import { SeededDraws } from '../src/models/gbdt/sampling.ts'
import type { TrainingData } from '../src/models/gbdt/training-data.ts'

export const sharedDataDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../shared/data')

export interface CreditSet {
  name: string
  file: string
  target: string
  /** Columns that are not inputs (ids, the target's twins). */
  drop: string[]
}

export const creditSets: Record<string, CreditSet> = {
  hmeq: { name: 'hmeq', file: 'hmeq/hmeq.csv.gz', target: 'BAD', drop: [] },
  taiwan: { name: 'taiwan-default-credit-card', file: 'taiwan-default-credit-card/default_of_credit_card_clients.csv.gz', target: 'default.payment.next.month', drop: ['ID'] },
  german: { name: 'german-credit', file: 'german-credit/german_credit.csv.gz', target: 'bad', drop: ['class'] },
}

export function loadCreditSet(set: CreditSet, dataDir = sharedDataDir): Required<Omit<TrainingData, 'weights'>> {
  const records = parse(gunzipSync(readFileSync(resolve(dataDir, set.file))), { columns: true, skip_empty_lines: true }) as Record<string, string>[]
  const header = Object.keys(records[0] ?? {})
  const labels = Float64Array.from(records, (r) => Number(r[set.target]))
  const features: Float64Array[] = []
  const featureNames: string[] = []
  for (const column of header) {
    if (column === set.target || set.drop.includes(column)) continue
    const cells = records.map((r) => r[column]!.trim())
    const numeric = cells.every((c) => c === '' || Number.isFinite(Number(c)))
    if (numeric) {
      features.push(Float64Array.from(cells, (c) => (c === '' ? Number.NaN : Number(c))))
      featureNames.push(column)
      continue
    }
    const levels = [...new Set(cells.filter((c) => c !== ''))].sort()
    for (const level of levels) {
      features.push(Float64Array.from(cells, (c) => (c === '' ? Number.NaN : c === level ? 1 : 0)))
      featureNames.push(`${column}=${level}`)
    }
  }
  return { features, labels, featureNames }
}

/** A stratified, seeded split: `testShare` of each class's rows go to the test part. */
export function holdout<T extends Omit<TrainingData, 'weights'>>(data: T, testShare: number, seed: number): { train: T; test: T } {
  const draws = new SeededDraws(seed)
  const train: number[] = []
  const test: number[] = []
  for (const label of new Set(data.labels)) {
    const rows = [...data.labels.keys()].filter((i) => data.labels[i] === label)
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(draws.float() * (i + 1))
      ;[rows[i], rows[j]] = [rows[j]!, rows[i]!]
    }
    const cut = Math.round(rows.length * testShare)
    test.push(...rows.slice(0, cut))
    train.push(...rows.slice(cut))
  }
  const pick = (rows: number[]): T => {
    rows.sort((a, b) => a - b)
    return { ...data, features: data.features.map((column) => Float64Array.from(rows, (i) => column[i]!)), labels: Float64Array.from(rows, (i) => data.labels[i]!) }
  }
  return { train: pick(train), test: pick(test) }
}
