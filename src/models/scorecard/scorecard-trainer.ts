import { XiezhiError } from '../../core/errors.ts'
import { BinLookup, binLabel } from './bins.ts'
import { binIndexer, binVariable, type VariableBinning } from './binning.ts'
import { fitLogistic, type LogisticFit } from './logistic-regression.ts'
import { factorOf, offsetOf } from './scaling.ts'
import { Scorecard, type ScorecardBin, type ScorecardRow, type ScorecardVariable } from './scorecard.ts'
import { checkScorecardData, isNumericColumn, type ScorecardData } from './scorecard-data.ts'
import { separation } from './scorecard-metrics.ts'
import { type ResolvedScorecardOptions, resolveScorecardOptions, type ScorecardOptions } from './scorecard-options.ts'
import type { BinReport, ScorecardReport, VariableReport } from './scorecard-report.ts'
import { woeTable } from './woe.ts'

/**
 * Trains a scorecard (评分卡): bins every variable, computes WOE and IV,
 * keeps the variables with IV ≥ `minIv`, fits a logistic regression of the
 * bad flag on their WOE, drops (one at a time, refitting) a variable whose
 * coefficient has the wrong sign (or, when asked, a p-value above
 * `maxPValue`), and scales the result to points. The report has the classic
 * per-variable table and KS / AUC / Gini on the training set and on the
 * validation set, when given.
 */
export function trainScorecard(data: ScorecardData, options: ScorecardOptions = {}, validation?: ScorecardData): { scorecard: Scorecard; report: ScorecardReport } {
  checkScorecardData(data, 'train')
  if (validation) checkScorecardData(validation, 'validation', data)
  const o = resolveScorecardOptions(
    options,
    data.variables.map((v) => ({ name: v.name, numeric: isNumericColumn(v.values) })),
  )
  const binnings = data.variables.map((column) =>
    binVariable(column, data.labels, {
      method: o.binning,
      fineBins: o.fineBins,
      maxBins: o.maxBins,
      minBinShare: o.minBinShare,
      minBinBads: o.minBinBads,
      rareCategoryShare: o.rareCategoryShare,
      minIvGain: o.minIvGain,
      direction: o.monotone[column.name],
      woeSmoothing: o.woeSmoothing,
    }),
  )
  const tables = binnings.map((b) => woeTable(b.goods, b.bads, o.woeSmoothing))
  const dropped = new Map<number, VariableReport['dropped']>()
  let kept = binnings.map((_, v) => v).filter((v) => tables[v]!.iv >= o.minIv)
  for (let v = 0; v < binnings.length; v++) if (!kept.includes(v)) dropped.set(v, 'low_iv')
  kept.sort((a, b) => tables[b]!.iv - tables[a]!.iv)
  if (kept.length === 0) throw noVariable(`no variable has an information value ≥ minIv (${o.minIv})`)
  const woeColumns = new Map(kept.map((v) => [v, woeColumn(data, v, binnings[v]!, tables[v]!.woe)]))
  let fit = fitLogistic(
    kept.map((v) => woeColumns.get(v)!),
    data.labels,
    o,
  )
  for (;;) {
    const drop = variableToDrop(fit, o)
    if (drop === undefined) break
    dropped.set(kept[drop.index]!, drop.why)
    kept = kept.filter((_, k) => k !== drop.index)
    if (kept.length === 0) throw noVariable('every variable was dropped for a coefficient of the wrong sign or a high p-value')
    fit = fitLogistic(
      kept.map((v) => woeColumns.get(v)!),
      data.labels,
      o,
    )
  }
  const scorecard = scale(binnings, tables, kept, fit, o)
  const report = reportOf(binnings, tables, kept, fit, dropped, scorecard, o, data, validation)
  scorecard.definition.training = { options: { ...o, descriptions: undefined }, rows: data.labels.length, train: report.train, ...(report.validation ? { validation: report.validation } : {}) }
  return { scorecard, report }
}

const noVariable = (message: string) => new XiezhiError('invalid_input', `train.variables: ${message}`, [{ pointer: '/train/variables', code: 'invalid_data', message }])

/** The next variable to leave out: the most wrongly signed, else the least significant above maxPValue. */
function variableToDrop(fit: LogisticFit, o: ResolvedScorecardOptions): { index: number; why: VariableReport['dropped'] } | undefined {
  if (o.dropWrongSign) {
    // WOE = ln(%good / %bad) is high for good bins, so its coefficient on the odds of bad must be negative
    let worst = -1
    fit.coefficients.forEach((c, k) => {
      if (c > 0 && (worst < 0 || c > fit.coefficients[worst]!)) worst = k
    })
    if (worst >= 0) return { index: worst, why: 'wrong_sign' }
  }
  if (o.maxPValue !== undefined && fit.coefficients.length > 1) {
    let worst = -1
    for (let k = 0; k < fit.coefficients.length; k++) {
      const p = fit.pValues[k + 1]!
      if (p > o.maxPValue && (worst < 0 || p > fit.pValues[worst + 1]!)) worst = k
    }
    if (worst >= 0) return { index: worst, why: 'high_p_value' }
  }
  return undefined
}

function woeColumn(data: ScorecardData, v: number, binning: VariableBinning, woe: Float64Array): Float64Array {
  const indexOf = binIndexer(data.variables[v]!, new BinLookup(binning.type, binning.bins))
  return Float64Array.from({ length: data.labels.length }, (_, i) => woe[indexOf(i)]!)
}

const roundPoints = (x: number) => Math.round(x) || 0

function scale(binnings: VariableBinning[], tables: ReturnType<typeof woeTable>[], kept: number[], fit: LogisticFit, o: ResolvedScorecardOptions): Scorecard {
  const factor = factorOf(o)
  const interceptPoints = offsetOf(o) - factor * fit.intercept
  const share = o.intercept === 'distributed' ? interceptPoints / kept.length : 0
  const variables = kept.map((v, k): ScorecardVariable => {
    const binning = binnings[v]!
    const beta = fit.coefficients[k]!
    const description = o.descriptions[binning.name]
    return {
      name: binning.name,
      type: binning.type,
      coefficient: beta,
      ...(description ? { description } : {}),
      bins: binning.bins.map((bin, b): ScorecardBin => {
        const woe = tables[v]!.woe[b]!
        return { ...bin, woe, points: roundPoints(-factor * beta * woe + share) }
      }),
    }
  })
  return new Scorecard({
    scaling: { baseScore: o.baseScore, baseOdds: o.baseOdds, pdo: o.pdo },
    intercept: { coefficient: fit.intercept, placement: o.intercept },
    basePoints: o.intercept === 'separate' ? roundPoints(interceptPoints) : 0,
    variables,
  })
}

/** Each row of a column set as a record, NaN as null: what a decision would pass. */
export function rowsOf(data: ScorecardData): ScorecardRow[] {
  return Array.from({ length: data.labels.length }, (_, i) => {
    const row: ScorecardRow = {}
    for (const { name, values } of data.variables) {
      const value = values[i]
      row[name] = typeof value === 'number' && Number.isNaN(value) ? null : (value ?? null)
    }
    return row
  })
}

function reportOf(
  binnings: VariableBinning[],
  tables: ReturnType<typeof woeTable>[],
  kept: number[],
  fit: LogisticFit,
  dropped: Map<number, VariableReport['dropped']>,
  scorecard: Scorecard,
  o: ResolvedScorecardOptions,
  data: ScorecardData,
  validation: ScorecardData | undefined,
): ScorecardReport {
  const variables = binnings.map((binning, v): VariableReport => {
    const k = kept.indexOf(v)
    const card = k >= 0 ? scorecard.variables[k] : undefined
    const total = data.labels.length
    const bins = binning.bins.map((bin, b): BinReport => {
      const count = binning.goods[b]! + binning.bads[b]!
      return {
        bin: binLabel(bin),
        count,
        goods: binning.goods[b]!,
        bads: binning.bads[b]!,
        badRate: count === 0 ? null : binning.bads[b]! / count,
        share: count / total,
        woe: tables[v]!.woe[b]!,
        iv: tables[v]!.ivParts[b]!,
        ...(card ? { points: card.bins[b]!.points } : {}),
      }
    })
    return {
      name: binning.name,
      type: binning.type,
      ...(binning.direction ? { direction: binning.direction } : {}),
      iv: tables[v]!.iv,
      selected: k >= 0,
      ...(dropped.has(v) ? { dropped: dropped.get(v) } : {}),
      ...(k >= 0 ? { coefficient: fit.coefficients[k]!, standardError: fit.standardErrors[k]!, pValue: fit.pValues[k + 1]! } : {}),
      bins,
    }
  })
  variables.sort((a, b) => b.iv - a.iv)
  return {
    variables,
    intercept: { coefficient: fit.intercept, standardError: fit.interceptStandardError, pValue: fit.interceptPValue, basePoints: scorecard.definition.basePoints, placement: o.intercept },
    regression: { iterations: fit.iterations, converged: fit.converged, logLikelihood: fit.logLikelihood, l2: o.l2 },
    scaling: { baseScore: o.baseScore, baseOdds: o.baseOdds, pdo: o.pdo, factor: factorOf(o), offset: offsetOf(o) },
    range: scorecard.range,
    train: separation(data.labels, scorecard.scoreAll(rowsOf(data))),
    ...(validation ? { validation: separation(validation.labels, scorecard.scoreAll(rowsOf(validation))) } : {}),
  }
}
