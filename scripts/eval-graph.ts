/**
 * `npm run eval:graph [-- --json] [--rings] [--split random|temporal|both] [--data DIR] [--threads N]`:
 * the relationship graph against published work (docs/graph.md, "Evaluation").
 *
 * 1. S-FFSD (`../shared/data/s-ffsd/`, its README gives the protocol): the
 *    platform's GBDT on GTAN's tabular inputs plus graph-aggregated
 *    features (neighbour labels from training rows only, neighbour amounts,
 *    degrees, windowed counts), on GTAN's stratified random split (test
 *    20 %, random_state 2, reproduced draw for draw) and on a time-ordered
 *    split (the first 80 % of the time span trains). Printed beside the
 *    published MCNN, STAN, STAGN, GTAN and RGTAN figures and the XGBoost
 *    figures the author measured.
 * 2. Rings on the simulator: precision and recall of ring detection against
 *    the ground truth of a small simulated lender.
 *
 * Progress goes to stderr. With `--json`, stdout is exactly one line:
 * `{"random": {"auc", "ap", "f1"}, "temporal": {"auc", "ap", "f1"}}` (plus
 * `"rings"` with `--rings`). Exit code 0 when the run completes, 1 on an
 * error (a missing or malformed data file).
 */
import { existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { evaluateRingDetection, type RingDetectionReport } from '../src/graph/evaluation/ring-detection.ts'
import { loadSffsd } from '../src/graph/evaluation/s-ffsd-data.ts'
import { evaluateSplit, type SplitFigures, type SplitKind } from '../src/graph/evaluation/s-ffsd-eval.ts'

const { values: flags } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    rings: { type: 'boolean', default: false },
    split: { type: 'string', default: 'both' },
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

async function main(): Promise<void> {
  const file = ['S-FFSD.csv.gz', 'S-FFSD.csv'].map((name) => resolve(flags.data, name)).find(existsSync)
  if (!file) throw new Error(`no S-FFSD.csv.gz in ${flags.data} (give --data DIR)`)
  const splits: SplitKind[] = flags.split === 'both' ? ['random', 'temporal'] : [flags.split as SplitKind]
  if (!splits.every((s) => s === 'random' || s === 'temporal')) throw new Error(`--split is random, temporal or both, not ${flags.split}`)
  const data = loadSffsd(file)
  log(`S-FFSD: ${data.rows.toLocaleString()} transactions from ${file}`)
  const results: Partial<Record<SplitKind, SplitFigures>> = {}
  for (const split of splits) {
    results[split] = await evaluateSplit(data, split, { threads: Number(flags.threads), onProgress: log })
    const r = results[split]!
    log(`${split}: AUC ${r.auc.toFixed(4)}, AP ${r.ap.toFixed(4)}, macro-F1 ${r.f1.toFixed(4)} (${r.rounds} trees, ${r.seconds.toFixed(0)} s)`)
  }
  const wantRings = flags.rings || !flags.json
  let rings: RingDetectionReport | undefined
  if (wantRings) {
    log('rings: a 30-day simulated lender of 3,000 customers with many fraud rings and intermediaries …')
    rings = evaluateRingDetection()
  }
  if (flags.json) {
    const pick = (r: SplitFigures | undefined) => (r ? { auc: r.auc, ap: r.ap, f1: r.f1 } : null)
    const line: Record<string, unknown> = { random: pick(results.random), temporal: pick(results.temporal) }
    if (flags.rings && rings) line.rings = { structure: rings.structure, labels: rings.labels, either: rings.either, cases: rings.cases }
    console.log(JSON.stringify(line))
    return
  }
  printReport(results, rings!)
}

function printReport(results: Partial<Record<SplitKind, SplitFigures>>, rings: RingDetectionReport): void {
  const f = (x: number | undefined) => (x === undefined ? '     –' : x.toFixed(4))
  console.log('S-FFSD (labelled test rows)            random split: AUC     F1     AP   | time split: AUC     F1     AP')
  for (const p of published) console.log(`  ${p.model.padEnd(44)} ${f(p.random.auc)} ${f(p.random.f1)} ${f(p.random.ap)} |            ${f(p.temporal?.auc)}      –      –`)
  const r = results.random
  const t = results.temporal
  console.log(`  ${'Xiezhi GBDT + graph features'.padEnd(44)} ${f(r?.auc)} ${f(r?.f1)} ${f(r?.ap)} |            ${f(t?.auc)} ${f(t?.f1)} ${f(t?.ap)}`)
  for (const [name, x] of Object.entries(results)) {
    console.log(
      `  ${name}: ${x.rows.train.toLocaleString()} training rows, ${x.rows.validation.toLocaleString()} validation, ${x.rows.test.toLocaleString()} test (${x.rows.testPositives.toLocaleString()} fraud); ${x.features} features, ${x.rounds} trees; F1 threshold ${x.threshold.toFixed(3)} (best macro-F1 on validation, ${x.validationF1.toFixed(3)}); ${x.seconds.toFixed(0)} s`,
    )
    console.log(`    most gain: ${x.topFeatures.join(', ')}`)
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
