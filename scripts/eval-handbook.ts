/**
 * `npm run eval:handbook [-- --json] [--train-starts 2018-08-15,2018-08-08,…] [--threads N] [--params FILE] [--data DIR]`:
 * the platform's GBDT under the Fraud Detection Handbook's own protocol
 * (Le Borgne et al., 2022, chapter 5.3), on its simulated transactions.
 * The 15 inputs come from the feature library (`./handbook-data.ts`, the
 * backfill `eval:features` checks against the book's values); each fold
 * trains on 7 days, skips 7 days of label delay and tests on the next 7,
 * without the cards already known to be compromised
 * (`src/models/evaluation/handbook-protocol.ts`). Figures: ROC AUC, average
 * precision and Card Precision@100, per fold and as the mean and population
 * standard deviation over the folds, beside the book's published table and
 * XGBoost measured on this machine. `docs/evaluations.md` has the figures.
 *
 * Progress goes to stderr; stdout has the report, or with `--json` exactly
 * one JSON line.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { trainGbdt } from '../src/models/gbdt/gbdt-trainer.ts'
import type { TrainingData } from '../src/models/gbdt/training-data.ts'
import type { GbdtOptions } from '../src/models/gbdt/training-options.ts'
import { type FigureSummary, type HandbookFigures, handbookFigures, summariseFolds } from '../src/models/evaluation/handbook-figures.ts'
import { chapter5TestTrainStarts, dayMs, foldRows, type HandbookFold, handbookFold, utcDay, utcDayStartMs } from '../src/models/evaluation/handbook-protocol.ts'
import { backfillInputs, defaultDataDir, handbookColumns, handbookEngine, loadDeclaration, loadTransactions, transactionIdOrder, transactionsFile } from './handbook-data.ts'

/**
 * The GBDT setting, chosen on the book's chapter-5 validation folds
 * (training starts 2018-07-11, 07-04, 06-27, 06-20), never on the test
 * folds; `docs/evaluations.md` lists what was tried.
 */
export const handbookGbdtOptions: GbdtOptions = { rounds: 150, learningRate: 0.07, maxDepth: 5, minChildWeight: 5, maxBins: 4095, seed: 0 }

/** XGBoost 1.7.4 on this machine, chapter 5's test folds: 100 trees, learning rate 0.1, depth 3, 2 threads (the issue's figures). */
export const xgboostOnThisMachine = {
  parameters: 'n_estimators=100, learning_rate=0.1, max_depth=3, n_jobs=2',
  auc: { mean: 0.8708, std: 0.0124 },
  ap: { mean: 0.694, std: 0.0084 },
  cp100: { mean: 0.3039, std: 0.0123 },
  fitSeconds: 2.0,
}

const figureKeys = ['auc', 'ap', 'cp100'] as const

/** One fold's data: the training rows' inputs and labels, and the test rows with their days and cards. */
export interface PreparedFold {
  fold: HandbookFold
  train: TrainingData
  trainFrauds: number
  test: { features: Float64Array[]; fraud: Float64Array; day: Int32Array; card: Int32Array }
  testFrauds: number
  removedKnownCompromised: number
}

export interface PreparedData {
  folds: PreparedFold[]
  loadSeconds: number
  backfillSeconds: number
  backfilledTransactions: number
  backfillFrom: string
}

const seconds = (fromMs: number) => (performance.now() - fromMs) / 1000
const round = (x: number, digits = 4) => Number(x.toFixed(digits))

/** Loads the transactions, backfills the 15 inputs over the folds' days (and the windows' history before them), and splits each fold. */
export async function prepareFolds(dataDir: string, trainStarts: readonly string[], log: (line: string) => void = () => {}): Promise<PreparedData> {
  const declaration = loadDeclaration()
  let t = performance.now()
  const tx = await loadTransactions(join(dataDir, transactionsFile))
  const loadSeconds = seconds(t)
  log(`loaded ${tx.count} transactions in ${loadSeconds.toFixed(2)} s`)

  const folds = trainStarts.map((start) => handbookFold(start))
  const split = folds.map((fold) => foldRows(fold, tx))
  // one slot per transaction some fold trains or tests on
  const slotOf = new Int32Array(tx.count).fill(-1)
  let slots = 0
  for (const { train, test } of split) {
    for (const i of train) if (slotOf[i] === -1) slotOf[i] = slots++
    for (const i of test) if (slotOf[i] === -1) slotOf[i] = slots++
  }
  const width = handbookColumns.length
  const inputs = new Float64Array(slots * width)
  const engine = handbookEngine(declaration)
  // the backfill starts the longest window (plus its delay) before the first training day: all the history those rows read
  const fromMs = Math.min(...folds.map((f) => f.trainFromMs)) - engine.horizonMs
  const untilMs = Math.max(...folds.map((f) => f.testUntilMs))
  t = performance.now()
  const backfilledTransactions = backfillInputs(engine, declaration, tx, transactionIdOrder(tx), { fromMs, untilMs }, (i) => slotOf[i] !== -1, (i, values) => inputs.set(values, slotOf[i]! * width))
  const backfillSeconds = seconds(t)
  log(`backfilled the ${width} inputs over ${backfilledTransactions} transactions from ${utcDay(fromMs)} in ${backfillSeconds.toFixed(2)} s`)

  const columnsOf = (rows: Int32Array) => handbookColumns.map((_, k) => Float64Array.from(rows, (i) => inputs[slotOf[i]! * width + k]!))
  const fraudOf = (rows: Int32Array) => Float64Array.from(rows, (i) => tx.fraud[i]!)
  const sum = (values: Float64Array) => values.reduce((a, b) => a + b, 0)
  return {
    folds: folds.map((fold, f) => {
      const { train, test, removedKnownCompromised } = split[f]!
      const trainLabels = fraudOf(train)
      const testFraud = fraudOf(test)
      return {
        fold,
        train: { features: columnsOf(train), labels: trainLabels, featureNames: handbookColumns.map((c) => c.column) },
        trainFrauds: sum(trainLabels),
        test: {
          features: columnsOf(test),
          fraud: testFraud,
          day: Int32Array.from(test, (i) => Math.floor(tx.occurredAtMs[i]! / dayMs)),
          card: Int32Array.from(test, (i) => tx.customerId[i]!),
        },
        testFrauds: sum(testFraud),
        removedKnownCompromised,
      }
    }),
    loadSeconds,
    backfillSeconds,
    backfilledTransactions,
    backfillFrom: utcDay(fromMs),
  }
}

export interface FoldResult extends HandbookFigures {
  trainStart: string
  test: string
  trainRows: number
  trainFrauds: number
  testRows: number
  testFrauds: number
  removedKnownCompromised: number
  /** Wall-clock seconds of `trainGbdt` (binning and boosting). */
  fitSeconds: number
  /** CPU seconds of the process meanwhile (all threads): steadier than the wall clock when other work shares the cores. */
  fitCpuSeconds: number
}

/** Trains the GBDT on each fold's training week and scores its test week. */
export async function evaluateFolds(prepared: PreparedData, options: GbdtOptions, log: (line: string) => void = () => {}): Promise<FoldResult[]> {
  const results: FoldResult[] = []
  for (const p of prepared.folds) {
    const started = performance.now()
    const cpu = process.cpuUsage()
    const { model } = await trainGbdt(p.train, options)
    const fitSeconds = seconds(started)
    const used = process.cpuUsage(cpu)
    const fitCpuSeconds = (used.user + used.system) / 1e6
    const score = model.predictMarginBatch(p.test.features)
    const figures = handbookFigures({ day: p.test.day, card: p.test.card, fraud: p.test.fraud, score })
    results.push({
      trainStart: p.fold.trainStart,
      test: `${utcDay(p.fold.testFromMs)} … ${utcDay(p.fold.testUntilMs - dayMs)}`,
      trainRows: p.train.labels.length,
      trainFrauds: p.trainFrauds,
      testRows: p.test.fraud.length,
      testFrauds: p.testFrauds,
      removedKnownCompromised: p.removedKnownCompromised,
      ...figures,
      fitSeconds,
      fitCpuSeconds,
    })
    log(`fold ${p.fold.trainStart}: AUC ${figures.auc.toFixed(4)}, AP ${figures.ap.toFixed(4)}, CP@100 ${figures.cp100.toFixed(4)}, fit ${fitSeconds.toFixed(2)} s (CPU ${fitCpuSeconds.toFixed(2)} s)`)
  }
  return results
}

// ---------------------------------------------------------------------------
// The published tables (in the data folder)
// ---------------------------------------------------------------------------

interface PublishedRow {
  model: string
  parameters: string
  test: Record<(typeof figureKeys)[number], FigureSummary>
  validation: Record<(typeof figureKeys)[number], FigureSummary>
}

/** Chapter 5.3's grid (`published_ch5_model_selection.csv`): test and validation mean and std per model and parameters. */
export function readChapter5(dataDir: string): PublishedRow[] {
  const lines = readFileSync(join(dataDir, 'published_ch5_model_selection.csv'), 'utf8').trim().split('\n')
  const header = lines[0]!.split(',')
  const at = (name: string) => {
    const k = header.indexOf(name)
    if (k === -1) throw new Error(`published_ch5_model_selection.csv: no column ${name}`)
    return k
  }
  const names = { auc: 'AUC ROC', ap: 'Average precision', cp100: 'Card Precision@100' }
  return lines.slice(1).map((line) => {
    const cells = line.split(',')
    const summary = (set: string) =>
      Object.fromEntries(figureKeys.map((k) => [k, { mean: Number(cells[at(`${names[k]} ${set}`)]), std: Number(cells[at(`${names[k]} ${set} Std`)]) }])) as PublishedRow['test']
    return { model: cells[0]!, parameters: cells[1]!, test: summary('Test'), validation: summary('Validation') }
  })
}

/**
 * The book's summary of chapter 5.3: per model, for each figure, the test
 * figure of the parameters that did best on the validation folds.
 */
export function chapter5Summary(rows: PublishedRow[]): { model: string; figures: Record<(typeof figureKeys)[number], FigureSummary & { parameters: string }> }[] {
  const models = [...new Set(rows.map((r) => r.model))].filter((m) => m !== 'XGBoost Random')
  return models.map((model) => {
    const ofModel = rows.filter((r) => r.model === model)
    const figures = Object.fromEntries(
      figureKeys.map((k) => {
        const best = ofModel.reduce((a, b) => (b.validation[k].mean > a.validation[k].mean ? b : a))
        return [k, { ...best.test[k], parameters: best.parameters }]
      }),
    ) as Record<(typeof figureKeys)[number], FigureSummary & { parameters: string }>
    return { model, figures }
  })
}

/** Chapter 3.5's baseline (`published_ch3_baseline.csv`): one fold, training start 2018-07-25, default parameters. */
export function readChapter3(dataDir: string): { model: string; auc: number; ap: number; cp100: number; trainSeconds: number }[] {
  const lines = readFileSync(join(dataDir, 'published_ch3_baseline.csv'), 'utf8').trim().split('\n')
  return lines
    .slice(1)
    .map((line) => line.split(','))
    .filter((cells) => cells[1] === 'test')
    .map((cells) => ({ model: cells[0]!, auc: Number(cells[2]), ap: Number(cells[3]), cp100: Number(cells[4]), trainSeconds: Number(cells[5]) }))
}

export const chapter3TrainStart = '2018-07-25'

// ---------------------------------------------------------------------------
// The command
// ---------------------------------------------------------------------------

export interface HandbookReport {
  /** Means over the folds (the issue's figures); `…Std` the population standard deviations. */
  model: { auc: number; ap: number; cp100: number; fitSeconds: number; fitCpuSeconds: number; aucStd: number; apStd: number; cp100Std: number }
  folds: FoldResult[]
  parameters: GbdtOptions
  xgboost: typeof xgboostOnThisMachine
  published: { chapter5: ReturnType<typeof chapter5Summary>; chapter5SameXgboost: PublishedRow | null; chapter3: ReturnType<typeof readChapter3> }
  loadSeconds: number
  backfillSeconds: number
  backfilledTransactions: number
  backfillFrom: string
  totalSeconds: number
}

export async function evaluateHandbook(options: { dataDir: string; trainStarts: readonly string[]; gbdt: GbdtOptions; log?: (line: string) => void }): Promise<HandbookReport> {
  const started = performance.now()
  const prepared = await prepareFolds(options.dataDir, options.trainStarts, options.log)
  const folds = await evaluateFolds(prepared, options.gbdt, options.log)
  const summary = summariseFolds(folds, [...figureKeys, 'fitSeconds', 'fitCpuSeconds'])
  const chapter5 = readChapter5(options.dataDir)
  return {
    model: {
      auc: round(summary.auc.mean),
      ap: round(summary.ap.mean),
      cp100: round(summary.cp100.mean),
      fitSeconds: round(summary.fitSeconds.mean, 3),
      fitCpuSeconds: round(summary.fitCpuSeconds.mean, 3),
      aucStd: round(summary.auc.std),
      apStd: round(summary.ap.std),
      cp100Std: round(summary.cp100.std),
    },
    folds: folds.map((f) => ({ ...f, auc: round(f.auc), ap: round(f.ap), cp100: round(f.cp100), fitSeconds: round(f.fitSeconds, 3), fitCpuSeconds: round(f.fitCpuSeconds, 3) })),
    parameters: options.gbdt,
    xgboost: xgboostOnThisMachine,
    published: {
      chapter5: chapter5Summary(chapter5),
      chapter5SameXgboost: chapter5.find((r) => r.model === 'XGBoost' && r.parameters === 'learning_rate=0.1;max_depth=3;n_estimators=100') ?? null,
      chapter3: readChapter3(options.dataDir),
    },
    loadSeconds: round(prepared.loadSeconds, 3),
    backfillSeconds: round(prepared.backfillSeconds, 3),
    backfilledTransactions: prepared.backfilledTransactions,
    backfillFrom: prepared.backfillFrom,
    totalSeconds: round(seconds(started), 3),
  }
}

const isDefaultFolds = (starts: readonly string[]) => starts.length === chapter5TestTrainStarts.length && starts.every((s, k) => s === chapter5TestTrainStarts[k])

export function formatReport(report: HandbookReport, trainStarts: readonly string[]): string {
  const f = (x: number, digits = 4) => x.toFixed(digits)
  const pm = (s: FigureSummary) => `${f(s.mean)} ± ${f(s.std)}`
  const n = (x: number) => x.toLocaleString('en-US')
  // a label, then one cell per figure
  const line = (label: string, ...cells: string[]) => `${label.padEnd(52)}${cells.map((c) => c.padEnd(17)).join('')}`.trimEnd()
  const m = report.model
  const lines = [
    "Fraud Detection Handbook, the book's protocol: 7-day training, 7-day delay, 7-day test, known compromised cards removed",
    `inputs   the 15 from the feature library, backfilled over ${n(report.backfilledTransactions)} transactions from ${report.backfillFrom} in ${f(report.backfillSeconds, 2)} s (file loaded in ${f(report.loadSeconds, 2)} s)`,
    `GBDT     ${JSON.stringify(report.parameters)}`,
    '',
    'training start  test days                  train rows (frauds)  test rows (frauds; removed)   AUC ROC  AP      CP@100  fit s (CPU s)',
    ...report.folds.map(
      (r) =>
        `${r.trainStart}      ${r.test.padEnd(25)}  ${`${n(r.trainRows)} (${r.trainFrauds})`.padEnd(19)}  ${`${n(r.testRows)} (${r.testFrauds}; ${n(r.removedKnownCompromised)})`.padEnd(28)}  ${f(r.auc)}   ${f(r.ap)}  ${f(r.cp100)}  ${f(r.fitSeconds, 2)} (${f(r.fitCpuSeconds, 2)})`,
    ),
    '',
    line('', 'AUC ROC', 'AP', 'CP@100', 'fit s per fold'),
    line('Xiezhi GBDT (mean ± std over the folds above)', `${f(m.auc)} ± ${f(m.aucStd)}`, `${f(m.ap)} ± ${f(m.apStd)}`, `${f(m.cp100)} ± ${f(m.cp100Std)}`, `${f(m.fitSeconds, 2)} (CPU ${f(m.fitCpuSeconds, 2)})`),
  ]
  const x = report.xgboost
  if (isDefaultFolds(trainStarts)) {
    lines.push(line('XGBoost, this machine (100 trees, lr 0.1, depth 3)', pm(x.auc), pm(x.ap), pm(x.cp100), `${f(x.fitSeconds, 2)} (2 threads)`))
    const same = report.published.chapter5SameXgboost
    if (same) lines.push(line('XGBoost, published (the same parameters)', pm(same.test.auc), pm(same.test.ap), pm(same.test.cp100)))
    lines.push('', 'Published, chapter 5.3 (these test folds; each figure with the parameters that did best on the validation folds):')
    for (const row of report.published.chapter5) {
      const fig = row.figures
      lines.push(`${line(`  ${row.model}`, pm(fig.auc), pm(fig.ap), pm(fig.cp100))}  ${[...new Set([fig.auc.parameters, fig.ap.parameters, fig.cp100.parameters])].join(' / ')}`)
    }
  } else lines.push('', `(XGBoost's and the published chapter 5.3 figures are for the default folds ${chapter5TestTrainStarts.join(', ')}; not shown for others)`)
  const fold3 = report.folds.find((r) => r.trainStart === chapter3TrainStart)
  if (fold3) {
    lines.push('', `Published, chapter 3.5 baseline (one fold: training start ${chapter3TrainStart}, default parameters; fit s on the book's machine):`)
    lines.push(line('  Xiezhi GBDT, that fold', f(fold3.auc), f(fold3.ap), f(fold3.cp100), f(fold3.fitSeconds, 2)))
    for (const row of report.published.chapter3) lines.push(line(`  ${row.model}`, f(row.auc, 3), f(row.ap, 3), f(row.cp100, 3), f(row.trainSeconds, 2)))
  }
  return lines.join('\n')
}

/** `2018-08-15,2018-08-08` → the days, checked; the message names the option. */
export function parseTrainStarts(text: string): string[] {
  const days = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  if (days.length === 0) throw new Error('--train-starts needs at least one day, such as 2018-08-15')
  for (const day of days) if (utcDayStartMs(day) === undefined) throw new Error(`--train-starts: "${day}" is not a day such as 2018-08-15`)
  return days
}

function readParams(file: string): GbdtOptions {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new Error(`--params ${file}: ${(error as Error).message}`)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`--params ${file}: must be a JSON object of trainer parameters`)
  return parsed as GbdtOptions
}

async function main() {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      data: { type: 'string' },
      'train-starts': { type: 'string' },
      threads: { type: 'string' },
      params: { type: 'string' },
    },
  })
  const dataDir = values.data ? resolve(values.data) : defaultDataDir
  if (!existsSync(join(dataDir, transactionsFile))) throw new Error(`${join(dataDir, transactionsFile)} not found (--data DIR to point elsewhere)`)
  const trainStarts = values['train-starts'] ? parseTrainStarts(values['train-starts']) : [...chapter5TestTrainStarts]
  const threads = values.threads === undefined ? undefined : Number(values.threads)
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) throw new Error(`--threads must be a whole number ≥ 1, not "${values.threads}"`)
  const gbdt: GbdtOptions = { ...handbookGbdtOptions, ...(values.params ? readParams(values.params) : {}), ...(threads ? { threads } : {}) }
  const report = await evaluateHandbook({ dataDir, trainStarts, gbdt, log: (line) => process.stderr.write(`${line}\n`) })
  process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : `${formatReport(report, trainStarts)}\n`)
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error) => {
    process.stderr.write(`eval:handbook: ${(error as Error).message}\n`)
    process.exitCode = 1
  })
}
