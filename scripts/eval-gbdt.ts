/**
 * `npm run eval:gbdt [-- --json] [--threads N] [--data DIR]`: the GBDT
 * trainer on the credit data sets of `../shared/data/` (HMEQ, Taiwan default
 * of credit card clients, German credit). Each set is split 75/25,
 * stratified, seed 1; the model trains on the 75 % and is scored on the
 * 25 %. Printed per set: held-out AUC (and the constant model's log-loss
 * beside the model's), training seconds, scoring and TreeSHAP microseconds
 * per row, one row at a time. Then a 300-tree depth-6 model scored one row
 * at a time, as a decision does (the scoring goal).
 *
 * Progress goes to stderr; stdout has the report, or with `--json` exactly
 * one JSON line.
 */
import { parseArgs } from 'node:util'
import { trainGbdt } from '../src/models/gbdt/gbdt-trainer.ts'
import { auc, logLoss } from '../src/models/gbdt/metrics.ts'
import type { GbdtOptions } from '../src/models/gbdt/training-options.ts'
import type { GbdtModel } from '../src/models/gbdt/tree-model.ts'
import { explain } from '../src/models/gbdt/tree-shap.ts'
import { creditSets, holdout, loadCreditSet, sharedDataDir } from './models-credit-data.ts'

/** One setting for every set, close to common defaults, not tuned per set. */
export const evalOptions: GbdtOptions = { rounds: 300, learningRate: 0.05, maxDepth: 5, subsample: 0.8, colsampleByTree: 0.8, minChildWeight: 1, seed: 1 }

export interface SetFigures {
  rows: number
  features: number
  auc: number
  logLoss: number
  constantLogLoss: number
  trainSeconds: number
  scoreMicrosPerRow: number
  shapMicrosPerRow: number
}

const rowsOf = (columns: readonly ArrayLike<number>[]) => Array.from({ length: columns[0]!.length }, (_, i) => Float64Array.from(columns, (c) => c[i]!))

/** Median of `repeats` timings of `work` over every row, in µs per row. */
function microsPerRow(rows: Float64Array[], work: (row: Float64Array) => number, repeats = 5): number {
  let sink = 0
  const times: number[] = []
  for (let r = 0; r < repeats; r++) {
    const start = process.hrtime.bigint()
    for (const row of rows) sink += work(row)
    times.push(Number(process.hrtime.bigint() - start) / 1000 / rows.length)
  }
  if (Number.isNaN(sink)) console.error('(a NaN score)')
  return times.sort((a, b) => a - b)[Math.floor(repeats / 2)]!
}

export async function evaluateSet(key: string, threads: number, dataDir: string): Promise<SetFigures> {
  const data = loadCreditSet(creditSets[key]!, dataDir)
  const { train, test } = holdout(data, 0.25, 1)
  const started = performance.now()
  const { model } = await trainGbdt(train, { ...evalOptions, threads })
  const trainSeconds = (performance.now() - started) / 1000
  const margins = model.predictMarginBatch(test.features)
  const rate = train.labels.reduce((a, b) => a + b, 0) / train.labels.length
  const rows = rowsOf(test.features)
  return {
    rows: data.labels.length,
    features: data.features.length,
    auc: auc(test.labels, margins),
    logLoss: logLoss(test.labels, margins),
    constantLogLoss: logLoss(test.labels, new Float64Array(test.labels.length).fill(Math.log(rate / (1 - rate)))),
    trainSeconds,
    scoreMicrosPerRow: microsPerRow(rows, (row) => model.predict(row)),
    shapMicrosPerRow: microsPerRow(rows.slice(0, 500), (row) => explain(model, row).expectedValue, 3),
  }
}

/** A 300-tree depth-6 model (Taiwan data), scored one row at a time. */
export async function scoringProbe(dataDir: string): Promise<{ trees: number; depth: number; microsPerRow: number; rowsPerSecond: number; shapMicrosPerRow: number }> {
  const data = loadCreditSet(creditSets.taiwan!, dataDir)
  const { model } = await trainGbdt(data, { rounds: 300, maxDepth: 6, learningRate: 0.05 })
  const rows = rowsOf(data.features).slice(0, 10_000)
  const micros = microsPerRow(rows, (row) => model.predict(row), 7)
  return { trees: model.treeCount, depth: depthOf(model), microsPerRow: micros, rowsPerSecond: Math.round(1e6 / micros), shapMicrosPerRow: microsPerRow(rows.slice(0, 300), (row) => explain(model, row).expectedValue, 3) }
}

function depthOf(model: GbdtModel): number {
  let deepest = 0
  const walk = (node: number, depth: number): void => {
    deepest = Math.max(deepest, depth)
    if (model.feature[node]! >= 0) {
      walk(model.left[node]!, depth + 1)
      walk(model.right[node]!, depth + 1)
    }
  }
  for (let t = 0; t < model.treeCount; t++) walk(model.roots[t]!, 0)
  return deepest
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { json: { type: 'boolean', default: false }, threads: { type: 'string', default: '1' }, data: { type: 'string', default: sharedDataDir } } })
  const threads = Number(values.threads)
  const sets: Record<string, SetFigures> = {}
  for (const key of ['hmeq', 'taiwan', 'german']) {
    console.error(`training on ${creditSets[key]!.name} …`)
    sets[key] = await evaluateSet(key, threads, values.data)
  }
  console.error('scoring probe: 300 trees of depth 6 …')
  const scoring = await scoringProbe(values.data)
  const report = { options: evalOptions, threads, sets, scoring }
  if (values.json) {
    console.log(JSON.stringify(report))
    return
  }
  const f = (x: number, digits = 3) => x.toFixed(digits)
  console.log(`GBDT on a 25 % stratified held-out split (seed 1); ${threads} thread(s); options ${JSON.stringify(evalOptions)}\n`)
  console.log('set          rows  features  AUC    log-loss (constant)  train s  score µs/row  SHAP µs/row')
  for (const [key, s] of Object.entries(sets)) {
    console.log(`${key.padEnd(10)} ${String(s.rows).padStart(6)}  ${String(s.features).padStart(8)}  ${f(s.auc, 4)} ${f(s.logLoss)} (${f(s.constantLogLoss)})        ${f(s.trainSeconds, 2).padStart(6)}  ${f(s.scoreMicrosPerRow, 2).padStart(12)}  ${f(s.shapMicrosPerRow, 1).padStart(11)}`)
  }
  console.log(`\nscoring one row at a time, ${scoring.trees} trees of depth ${scoring.depth}: ${f(scoring.microsPerRow, 2)} µs/row (${scoring.rowsPerSecond} rows/s); TreeSHAP ${f(scoring.shapMicrosPerRow, 0)} µs/row`)
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) await main()
