/**
 * `npm run eval:graph [-- --json] [--rings] [--split random|temporal|both]
 * [--seeds N] [--rows tabular,graph,platform] [--select [--candidates 'a;b']] [--data DIR] [--threads N]`:
 * the relationship graph against published work (docs/graph.md, "Evaluation").
 *
 * 1. S-FFSD (`../shared/data/s-ffsd/`, its README gives the protocol): the
 *    platform's GBDT on GTAN's stratified random split (test 20 %,
 *    random_state 2, reproduced draw for draw) and on a time-ordered split
 *    (the first 80 % of the time span trains), in three rows: GTAN's
 *    tabular inputs alone; those plus the evaluation's graph-aggregated
 *    features (neighbour labels from training rows only, neighbour amounts,
 *    degrees, windowed counts); and those plus the measures of the
 *    platform's own `GraphService`. Each row is trained with `--seeds`
 *    trainer seeds (5) and given as mean ± standard deviation, beside the
 *    published MCNN, STAN, STAGN, GTAN and RGTAN figures and the XGBoost
 *    figures the author measured. The trainer settings of each
 *    split are fixed in `chosenSettings` (s-ffsd-eval.ts), chosen with
 *    `--select`: every candidate setting measured on the split's
 *    validation rows only, the test rows never scored.
 * 2. Rings on the simulator: precision and recall of ring detection against
 *    the ground truth of a small simulated lender.
 *
 * Progress goes to stderr. With `--json`, stdout is exactly one line:
 * `{"random": {"auc", "ap", "f1", …}, "temporal": {"auc", "ap", "f1", …}}`
 * (plus `"rings"` with `--rings`), where auc, ap and f1 are the means over
 * the seeds of the graph-features row; beside them in each split: `sd`
 * (their standard deviations), `seeds`, `setting`, and `rows` (the same
 * figures for the tabular and platform rows). Exit code 0 when the run
 * completes, 1 on an error (a missing or malformed data file, a bad flag).
 */
import { existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { evaluateRingDetection, type RingDetectionReport } from '../src/graph/evaluation/ring-detection.ts'
import { loadSffsd, type SffsdData } from '../src/graph/evaluation/s-ffsd-data.ts'
import {
  chosenSettings,
  type FeatureSet,
  type Figures,
  featureSets,
  fitSplit,
  meanAndSd,
  prepareSplit,
  settingCandidates,
  settingNamed,
  type SplitKind,
} from '../src/graph/evaluation/s-ffsd-eval.ts'

const { values: flags } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    rings: { type: 'boolean', default: false },
    select: { type: 'boolean', default: false },
    candidates: { type: 'string' },
    split: { type: 'string', default: 'both' },
    seeds: { type: 'string', default: '5' },
    rows: { type: 'string', default: featureSets.join(',') },
    data: { type: 'string', default: resolve(dirname(fileURLToPath(import.meta.url)), '../../shared/data/s-ffsd') },
    threads: { type: 'string', default: '1' },
  },
  strict: true,
})
const log = (line: string) => process.stderr.write(`${line}\n`)

/** The published figures (AI4Risk/antifraud README, S-FFSD columns) and the issue author's XGBoost. */
const published = [
  { model: 'MCNN (ICONIP 2016)', random: { auc: 0.7129, f1: 0.6861, ap: 0.3309 } },
  { model: 'STAN (AAAI 2020)', random: { auc: 0.7446, f1: 0.6791, ap: 0.3395 } },
  { model: 'STAGN (TKDE 2020)', random: { auc: 0.7659, f1: 0.6852, ap: 0.3599 } },
  { model: 'GTAN (AAAI 2023)', random: { auc: 0.8286, f1: 0.7336, ap: 0.6585 } },
  { model: 'RGTAN (TKDE 2025)', random: { auc: 0.8461, f1: 0.7513, ap: 0.6939 } },
  { model: 'XGBoost, tabular (issue 8)', random: { auc: 0.908 }, temporal: { auc: 0.566 } },
  { model: 'XGBoost + neighbour aggregation (issue 8)', random: { auc: 0.935, f1: 0.804, ap: 0.811 }, temporal: { auc: 0.901 } },
] as { model: string; random: { auc: number; f1?: number; ap?: number }; temporal?: { auc: number } }[]

const rowTitles: Record<FeatureSet, string> = {
  tabular: 'Xiezhi GBDT, tabular only',
  graph: 'Xiezhi GBDT + graph features',
  platform: 'Xiezhi GBDT + GraphService measures',
}

/** One row of one split over the seeds. */
interface RowSummary {
  mean: Figures
  sd: Figures
  runs: { seed: number; test: Figures; rounds: number; seconds: number }[]
  features: number
  topFeatures: string[]
}

interface SplitSummary {
  setting: string
  featureSeconds: number
  rows: { train: number; validation: number; test: number; testPositives: number }
  byRow: Partial<Record<FeatureSet, RowSummary>>
}

function parseFlags(): { splits: SplitKind[]; seeds: number; rows: FeatureSet[]; threads: number } {
  const splits: SplitKind[] = flags.split === 'both' ? ['random', 'temporal'] : [flags.split as SplitKind]
  if (!splits.every((s) => s === 'random' || s === 'temporal')) throw new Error(`--split is random, temporal or both, not ${flags.split}`)
  const seeds = Number(flags.seeds)
  if (!Number.isInteger(seeds) || seeds < 1 || seeds > 100) throw new Error(`--seeds is a whole number from 1 to 100, not ${flags.seeds}`)
  const rows = flags.rows.split(',').map((r) => r.trim()) as FeatureSet[]
  if (!rows.every((r) => featureSets.includes(r))) throw new Error(`--rows lists ${featureSets.join(', ')}, not ${flags.rows}`)
  if (flags.json && !rows.includes('graph')) throw new Error('--rows must include graph with --json (its figures are the main ones)')
  const threads = Number(flags.threads)
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`--threads is a whole number ≥ 1, not ${flags.threads}`)
  return { splits, seeds, rows, threads }
}

async function main(): Promise<void> {
  const file = ['S-FFSD.csv.gz', 'S-FFSD.csv'].map((name) => resolve(flags.data, name)).find(existsSync)
  if (!file) throw new Error(`no S-FFSD.csv.gz in ${flags.data} (give --data DIR)`)
  const { splits, seeds, rows, threads } = parseFlags()
  const data = loadSffsd(file)
  log(`S-FFSD: ${data.rows.toLocaleString()} transactions from ${file}`)
  if (flags.select) {
    await selectSettings(data, splits, threads)
    return
  }
  const results: Partial<Record<SplitKind, SplitSummary>> = {}
  for (const split of splits) results[split] = await evaluateSplitRows(data, split, rows, seeds, threads)
  const wantRings = flags.rings || !flags.json
  let rings: RingDetectionReport | undefined
  if (wantRings) {
    log('rings: a 30-day simulated lender of 3,000 customers with many fraud rings and intermediaries …')
    rings = evaluateRingDetection()
  }
  if (flags.json) {
    const pick = (r: SplitSummary | undefined) => {
      if (!r) return null
      const main = r.byRow.graph!
      const others = Object.fromEntries(
        Object.entries(r.byRow)
          .filter(([name]) => name !== 'graph')
          .map(([name, row]) => [name, { ...row.mean, sd: row.sd }]),
      )
      return { ...main.mean, sd: main.sd, seeds, setting: r.setting, rows: others }
    }
    const line: Record<string, unknown> = { random: pick(results.random), temporal: pick(results.temporal) }
    if (flags.rings && rings) line.rings = { structure: rings.structure, labels: rings.labels, either: rings.either, cases: rings.cases }
    console.log(JSON.stringify(line))
    return
  }
  printReport(results, seeds, rings!)
}

/** Every row of one split, trained with seeds 1 … `seeds` under the split's chosen setting, scored on the test rows. */
async function evaluateSplitRows(data: SffsdData, split: SplitKind, rows: FeatureSet[], seeds: number, threads: number): Promise<SplitSummary> {
  const prepared = prepareSplit(data, split, { sets: rows, onProgress: log })
  const setting = settingNamed(chosenSettings[split])
  const byRow: Partial<Record<FeatureSet, RowSummary>> = {}
  for (const row of rows) {
    const runs: RowSummary['runs'] = []
    let last: Awaited<ReturnType<typeof fitSplit>> | undefined
    for (let seed = 1; seed <= seeds; seed++) {
      last = await fitSplit(prepared, row, { setting, seed, threads, scoreTest: true })
      const test = last.test!
      runs.push({ seed, test, rounds: last.rounds, seconds: last.seconds })
      log(`${split} ${row} seed ${seed}: AUC ${test.auc.toFixed(4)}, AP ${test.ap.toFixed(4)}, macro-F1 ${test.f1.toFixed(4)} (${last.rounds} trees, ${last.seconds.toFixed(0)} s)`)
    }
    const stat = (key: keyof Figures) => meanAndSd(runs.map((r) => r.test[key]))
    const [auc, ap, f1] = [stat('auc'), stat('ap'), stat('f1')]
    byRow[row] = { mean: { auc: auc.mean, ap: ap.mean, f1: f1.mean }, sd: { auc: auc.sd, ap: ap.sd, f1: f1.sd }, runs, features: last!.features, topFeatures: last!.topFeatures }
  }
  const testPositives = prepared.testRows.reduce((sum, i) => sum + (prepared.label[i] === 1 ? 1 : 0), 0)
  return {
    setting: setting.name,
    featureSeconds: prepared.featureSeconds,
    rows: { train: prepared.trainRows.length, validation: prepared.validationRows.length, test: prepared.testRows.length, testPositives },
    byRow,
  }
}

/**
 * `--select`: every candidate setting on the graph-features row with seed
 * 1, measured on the validation rows only — the test rows are not scored —
 * and the best validation AUC named. Its choice goes into `chosenSettings`.
 */
async function selectSettings(data: SffsdData, splits: SplitKind[], threads: number): Promise<void> {
  for (const split of splits) {
    const prepared = prepareSplit(data, split, { sets: ['graph'], onProgress: log })
    const tried: { name: string; auc: number; ap: number; f1: number; rounds: number; seconds: number }[] = []
    const names = flags.candidates?.split(';').map((name) => name.trim())
    for (const setting of names ? names.map(settingNamed) : settingCandidates) {
      const fit = await fitSplit(prepared, 'graph', { setting, threads, scoreTest: false })
      tried.push({ name: setting.name, ...fit.validation, rounds: fit.rounds, seconds: fit.seconds })
      log(`${split} ${setting.name}: validation AUC ${fit.validation.auc.toFixed(4)}, AP ${fit.validation.ap.toFixed(4)}, macro-F1 ${fit.validation.f1.toFixed(4)} (${fit.rounds} trees, ${fit.seconds.toFixed(0)} s)`)
    }
    const best = tried.reduce((a, b) => (b.auc > a.auc ? b : a))
    console.log(`${split} split, validation rows only (${prepared.validationRows.length.toLocaleString()}), graph features, seed 1:`)
    for (const t of tried)
      console.log(`  ${t.name.padEnd(36)} AUC ${t.auc.toFixed(4)}  AP ${t.ap.toFixed(4)}  F1 ${t.f1.toFixed(4)}  ${String(t.rounds).padStart(5)} trees ${t.seconds.toFixed(0).padStart(4)} s${t === best ? '  ← best AUC' : ''}`)
  }
}

function printReport(results: Partial<Record<SplitKind, SplitSummary>>, seeds: number, rings: RingDetectionReport): void {
  const f = (x: number | undefined) => (x === undefined ? '     –' : x.toFixed(4))
  const blank = ' '.repeat(15)
  const ms = (mean: number, sd: number) => `${mean.toFixed(4)} ± ${sd.toFixed(4)}`
  console.log(`S-FFSD (labelled test rows; ours: mean ± sd over ${seeds} trainer seeds)`)
  const heads = `${'AUC'.padEnd(15)} ${'F1'.padEnd(15)} ${'AP'.padEnd(15)}`
  console.log(`  ${''.padEnd(44)} ${'random split'.padEnd(47)} | time split`)
  console.log(`  ${''.padEnd(44)} ${heads} | ${heads}`)
  for (const p of published)
    console.log(`  ${p.model.padEnd(44)} ${f(p.random.auc).padEnd(15)} ${f(p.random.f1).padEnd(15)} ${f(p.random.ap).padEnd(15)} | ${f(p.temporal?.auc).padEnd(15)} ${'–'.padEnd(15)} –`)
  for (const row of featureSets) {
    const cell = (split: SplitKind, key: keyof Figures) => {
      const r = results[split]?.byRow[row]
      return r ? ms(r.mean[key], r.sd[key]) : blank
    }
    if (!Object.values(results).some((r) => r.byRow[row])) continue
    console.log(`  ${rowTitles[row].padEnd(44)} ${cell('random', 'auc')} ${cell('random', 'f1')} ${cell('random', 'ap')} | ${cell('temporal', 'auc')} ${cell('temporal', 'f1')} ${cell('temporal', 'ap')}`)
  }
  for (const [name, x] of Object.entries(results)) {
    console.log(
      `  ${name}: setting "${x.setting}"; ${x.rows.train.toLocaleString()} training rows, ${x.rows.validation.toLocaleString()} validation, ${x.rows.test.toLocaleString()} test (${x.rows.testPositives.toLocaleString()} fraud); features in ${x.featureSeconds.toFixed(0)} s`,
    )
    for (const [row, r] of Object.entries(x.byRow)) {
      const trees = r.runs.map((run) => run.rounds).join(', ')
      const seconds = r.runs.reduce((a, run) => a + run.seconds, 0) / r.runs.length
      console.log(`    ${row}: ${r.features} features; trees ${trees}; ${seconds.toFixed(0)} s a run; most gain (seed ${r.runs.at(-1)!.seed}): ${r.topFeatures.join(', ')}`)
    }
  }
  console.log(`\nRings on the simulator: ${rings.events.toLocaleString()} events, ${rings.users.toLocaleString()} users; ${rings.trueRings} true rings (${rings.trueRingUsers} users); ${rings.rings} rings found by Louvain in ${(rings.louvainMs / 1000).toFixed(1)} s`)
  console.log('  rule                         user precision  user recall  ring precision  ring recall  (suspect rings)')
  for (const [name, d] of [
    ['structure (cohesion ≥ 0.5)', rings.structure],
    ['labels (risk ≥ 0.5)', rings.labels],
    ['either', rings.either],
    ['ring cases (as shipped)', rings.cases],
  ] as const)
    console.log(`  ${name.padEnd(28)} ${d.userPrecision.toFixed(3).padStart(14)} ${d.userRecall.toFixed(3).padStart(12)} ${d.ringPrecision.toFixed(3).padStart(15)} ${d.ringRecall.toFixed(3).padStart(12)}  (${d.suspectRings})`)
}

main().catch((error: Error) => {
  log(`eval:graph: ${error.message}`)
  process.exit(1)
})
