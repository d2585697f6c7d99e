/**
 * `npm run eval:scorecard [-- --json] [--data DIR] [--binning monotone|optimal] [--max-bins N] [--min-bin-share S] [--all-variables]`:
 * scorecards on the German credit and HMEQ sets of `../shared/data/`. Each
 * set is split 75/25, stratified, seed 1 (the same rows as `eval:gbdt`); the
 * scorecard trains on the 75 % and is measured on the 25 %. Then 5-fold
 * stratified cross-validation (seed 0), comparable with the READMEs'
 * logistic regression and XGBoost figures.
 *
 * German credit's `personal_status_sex` and `foreign_worker` are left out
 * unless `--all-variables`: sex, marital status and national origin are
 * characteristics lenders may not score on (ECOA / Regulation B and its
 * like); both figures are in docs/scorecards.md.
 *
 * Progress goes to stderr; stdout has the report, or with `--json` exactly
 * one JSON line.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { gunzipSync } from 'node:zlib'
import { parse } from 'csv-parse/sync'
import { SeededDraws } from '../src/models/gbdt/sampling.ts'
import type { ScorecardColumn, ScorecardData } from '../src/models/scorecard/scorecard-data.ts'
import type { ScorecardOptions, VariableDescription } from '../src/models/scorecard/scorecard-options.ts'
import { formatReport, type ScorecardReport } from '../src/models/scorecard/scorecard-report.ts'
import { rowsOf, trainScorecard } from '../src/models/scorecard/scorecard-trainer.ts'
import { separation } from '../src/models/scorecard/scorecard-metrics.ts'
import { creditSets, holdout, sharedDataDir } from './models-credit-data.ts'

/** Descriptions for the reasons, in both working languages. */
const descriptions: Record<string, Record<string, VariableDescription>> = {
  german: {
    checking_status: { zh: '支票账户状态', en: 'Checking account status' },
    duration_months: { zh: '贷款期限（月）', en: 'Loan duration (months)' },
    credit_history: { zh: '信用记录', en: 'Credit history' },
    purpose: { zh: '贷款用途', en: 'Purpose of the loan' },
    credit_amount: { zh: '贷款金额', en: 'Credit amount' },
    savings_status: { zh: '储蓄账户余额', en: 'Savings' },
    employment_since: { zh: '现职年限', en: 'Years in present employment' },
    installment_rate_pct: { zh: '月供占可支配收入比', en: 'Instalment as % of disposable income' },
    personal_status_sex: { zh: '婚姻状况与性别', en: 'Personal status and sex' },
    other_debtors: { zh: '其他债务人或担保人', en: 'Other debtors or guarantors' },
    residence_since: { zh: '现居住年限', en: 'Years at present residence' },
    property: { zh: '财产', en: 'Property' },
    age_years: { zh: '年龄', en: 'Age' },
    other_installment_plans: { zh: '其他分期计划', en: 'Other instalment plans' },
    housing: { zh: '住房', en: 'Housing' },
    existing_credits: { zh: '本行现有贷款笔数', en: 'Existing credits at this bank' },
    job: { zh: '职业', en: 'Job' },
    num_dependents: { zh: '供养人数', en: 'Number of dependants' },
    telephone: { zh: '电话', en: 'Telephone' },
    foreign_worker: { zh: '外籍劳工', en: 'Foreign worker' },
  },
  hmeq: {
    LOAN: { zh: '申请贷款金额', en: 'Amount of the loan requested' },
    MORTDUE: { zh: '现有按揭余额', en: 'Amount due on the existing mortgage' },
    VALUE: { zh: '房产价值', en: 'Value of the property' },
    REASON: { zh: '贷款原因', en: 'Reason for the loan' },
    JOB: { zh: '职业', en: 'Occupation' },
    YOJ: { zh: '现职年限', en: 'Years at present job' },
    DEROG: { zh: '重大负面记录数', en: 'Major derogatory reports' },
    DELINQ: { zh: '逾期信用账户数', en: 'Delinquent credit lines' },
    CLAGE: { zh: '最老信用账户账龄（月）', en: 'Age of the oldest credit line (months)' },
    NINQ: { zh: '近期征信查询次数', en: 'Recent credit inquiries' },
    CLNO: { zh: '信用账户数', en: 'Number of credit lines' },
    DEBTINC: { zh: '负债收入比', en: 'Debt-to-income ratio' },
  },
}

/** Characteristics a lender may not score on, left out unless asked. */
const protectedVariables: Record<string, string[]> = { german: ['personal_status_sex', 'foreign_worker'], hmeq: [] }

/** A credit set as scorecard columns: numeric columns as numbers (empty = NaN), text columns as categories (empty = missing). */
export function loadScorecardSet(key: string, dataDir = sharedDataDir, options: { allVariables?: boolean } = {}): ScorecardData {
  const set = creditSets[key]!
  const records = parse(gunzipSync(readFileSync(resolve(dataDir, set.file))), { columns: true, skip_empty_lines: true }) as Record<string, string>[]
  const header = Object.keys(records[0] ?? {})
  const skip = new Set([set.target, ...set.drop, ...(options.allVariables ? [] : (protectedVariables[key] ?? []))])
  const variables: ScorecardColumn[] = header
    .filter((column) => !skip.has(column))
    .map((name) => {
      const cells = records.map((r) => r[name]!.trim())
      const numeric = cells.every((c) => c === '' || Number.isFinite(Number(c)))
      return { name, values: numeric ? Float64Array.from(cells, (c) => (c === '' ? Number.NaN : Number(c))) : cells.map((c) => (c === '' ? null : c)) }
    })
  return { variables, labels: Float64Array.from(records, (r) => Number(r[set.target])) }
}

export const descriptionsOf = (key: string, data: ScorecardData) =>
  Object.fromEntries(data.variables.filter((v) => descriptions[key]?.[v.name]).map((v) => [v.name, descriptions[key]![v.name]!]))

const pickRows = (data: ScorecardData, rows: ArrayLike<number>): ScorecardData => ({
  variables: data.variables.map(({ name, values }) => ({
    name,
    values: values instanceof Float64Array || values instanceof Float32Array ? Float64Array.from(rows, (i) => values[i]!) : Array.from(rows, (i) => values[i]!),
  })),
  labels: Float64Array.from(rows, (i) => data.labels[i]!),
})

/** The 75/25 split of `eval:gbdt` (its `holdout`, on a column of row numbers). */
export function splitScorecardSet(data: ScorecardData, testShare = 0.25, seed = 1): { train: ScorecardData; test: ScorecardData } {
  const index = Float64Array.from(data.labels, (_, i) => i)
  const { train, test } = holdout({ features: [index], labels: data.labels }, testShare, seed)
  return { train: pickRows(data, train.features[0]!), test: pickRows(data, test.features[0]!) }
}

/** Stratified folds: each class's rows shuffled (seeded) and dealt round-robin. */
function stratifiedFolds(labels: Float64Array, folds: number, seed: number): number[][] {
  const draws = new SeededDraws(seed)
  const out: number[][] = Array.from({ length: folds }, () => [])
  let dealt = 0
  for (const label of [0, 1]) {
    const rows = [...labels.keys()].filter((i) => labels[i] === label)
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(draws.float() * (i + 1))
      ;[rows[i], rows[j]] = [rows[j]!, rows[i]!]
    }
    for (const row of rows) out[dealt++ % folds]!.push(row)
  }
  return out.map((f) => f.sort((a, b) => a - b))
}

export function crossValidate(data: ScorecardData, options: ScorecardOptions, folds = 5, seed = 0): { mean: number; sd: number; aucs: number[] } {
  const parts = stratifiedFolds(data.labels, folds, seed)
  const aucs = parts.map((testRows) => {
    const inTest = new Set(testRows)
    const trainRows = [...data.labels.keys()].filter((i) => !inTest.has(i))
    const { scorecard } = trainScorecard(pickRows(data, trainRows), options)
    const test = pickRows(data, testRows)
    return separation(test.labels, scorecard.scoreAll(rowsOf(test))).auc
  })
  const mean = aucs.reduce((a, b) => a + b, 0) / folds
  const sd = Math.sqrt(aucs.reduce((a, b) => a + (b - mean) ** 2, 0) / (folds - 1))
  return { mean, sd, aucs }
}

export interface SetFigures {
  rows: number
  variables: number
  onCard: number
  iv: Record<string, number>
  train: { auc: number; ks: number; gini: number }
  test: { auc: number; ks: number; gini: number }
  cv5: { auc: number; sd: number }
  trainSeconds: number
}

export function evaluateSet(key: string, dataDir: string, options: ScorecardOptions, allVariables: boolean): { figures: SetFigures; report: ScorecardReport; example: unknown } {
  const data = loadScorecardSet(key, dataDir, { allVariables })
  const { train, test } = splitScorecardSet(data)
  const withDescriptions = { ...options, descriptions: descriptionsOf(key, data) }
  const started = performance.now()
  const { scorecard, report } = trainScorecard(train, withDescriptions, test)
  const trainSeconds = (performance.now() - started) / 1000
  const cv = crossValidate(data, withDescriptions)
  const metrics = (m: { auc: number; ks: number; gini: number }) => ({ auc: m.auc, ks: m.ks, gini: m.gini })
  // the riskiest held-out applicant, with the reasons for the score
  const rows = rowsOf(test)
  const scores = scorecard.scoreAll(rows)
  const worst = scores.indexOf(Math.min(...scores))
  return {
    figures: {
      rows: data.labels.length,
      variables: data.variables.length,
      onCard: scorecard.variables.length,
      iv: Object.fromEntries(report.variables.map((v) => [v.name, Number(v.iv.toFixed(4))])),
      train: metrics(report.train),
      test: metrics(report.validation!),
      cv5: { auc: cv.mean, sd: cv.sd },
      trainSeconds,
    },
    report,
    example: { row: rows[worst], ...scorecard.score(rows[worst]!, { reasons: 3 }) },
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      data: { type: 'string', default: sharedDataDir },
      binning: { type: 'string', default: 'monotone' },
      'all-variables': { type: 'boolean', default: false },
      'max-bins': { type: 'string' },
      'min-bin-share': { type: 'string' },
    },
  })
  const options: ScorecardOptions = {
    binning: values.binning as ScorecardOptions['binning'],
    ...(values['max-bins'] ? { maxBins: Number(values['max-bins']) } : {}),
    ...(values['min-bin-share'] ? { minBinShare: Number(values['min-bin-share']) } : {}),
  }
  const sets: Record<string, SetFigures> = {}
  const f = (x: number, digits = 4) => x.toFixed(digits)
  for (const key of ['german', 'hmeq']) {
    console.error(`scorecard on ${creditSets[key]!.name} …`)
    const { figures, report, example } = evaluateSet(key, values.data, options, values['all-variables'])
    sets[key] = figures
    if (values.json) continue
    console.log(`\n=== ${creditSets[key]!.name}: ${figures.rows} rows, ${figures.variables} variables, ${figures.onCard} on the card; binning ${options.binning}; trained in ${f(figures.trainSeconds, 2)} s ===\n`)
    console.log(formatReport(report))
    console.log(`5-fold CV AUC  ${f(figures.cv5.auc)} ± ${f(figures.cv5.sd)}`)
    console.log(`\nthe lowest held-out score, with its reasons:\n${JSON.stringify(example, null, 1)}`)
  }
  if (values.json) console.log(JSON.stringify({ options, allVariables: values['all-variables'], sets }))
  else {
    console.log('\nset       held-out AUC  KS      Gini    5-fold CV AUC')
    for (const [key, s] of Object.entries(sets)) console.log(`${key.padEnd(9)} ${f(s.test.auc)}        ${f(s.test.ks)}  ${f(s.test.gini)}  ${f(s.cv5.auc)} ± ${f(s.cv5.sd)}`)
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) await main()
