import type { SeparationMetrics } from './scorecard-metrics.ts'

/**
 * The classic scorecard report: per variable its bins with counts, goods,
 * bads, bad rate, share of rows, WOE, IV contribution and points; the
 * regression; KS, AUC and Gini on the training set and the validation set.
 * `JSON.stringify(report)` is its JSON form (every number finite; a bad
 * rate of an empty bin is null); `formatReport(report)` its printable one.
 */
export interface BinReport {
  bin: string
  count: number
  goods: number
  bads: number
  badRate: number | null
  /** Share of the training rows. */
  share: number
  woe: number
  /** This bin's part of the variable's IV. */
  iv: number
  /** Points, when the variable is on the scorecard. */
  points?: number
}

export interface VariableReport {
  name: string
  type: 'numeric' | 'categorical'
  /** Monotone binning: 1 the bad rate rises with the value, −1 it falls. */
  direction?: 1 | -1
  iv: number
  selected: boolean
  dropped?: 'low_iv' | 'wrong_sign' | 'high_p_value'
  coefficient?: number
  standardError?: number
  pValue?: number
  bins: BinReport[]
}

export interface ScorecardReport {
  /** Highest IV first. */
  variables: VariableReport[]
  intercept: { coefficient: number; standardError: number; pValue: number; basePoints: number; placement: 'separate' | 'distributed' }
  regression: { iterations: number; converged: boolean; logLikelihood: number; l2: number }
  scaling: { baseScore: number; baseOdds: number; pdo: number; factor: number; offset: number }
  /** The lowest and highest possible scores. */
  range: [number, number]
  train: SeparationMetrics
  validation?: SeparationMetrics
}

/** The strength people usually read into an IV (Siddiqi): < 0.02 useless, < 0.1 weak, < 0.3 medium, else strong (> 0.5: check for a leak). */
export const ivStrength = (iv: number) => (iv < 0.02 ? 'useless' : iv < 0.1 ? 'weak' : iv < 0.3 ? 'medium' : iv <= 0.5 ? 'strong' : 'suspicious')

const fixed = (x: number | null | undefined, digits: number) => (x === null || x === undefined || Number.isNaN(x) ? '—' : x.toFixed(digits))
const pad = (text: string, width: number) => (text.length >= width ? text : text + ' '.repeat(width - text.length))
const left = (text: string, width: number) => (text.length >= width ? text : ' '.repeat(width - text.length) + text)

/** The IV of every variable, one line each: name, IV, strength, on the card or why not. */
export function formatIvTable(report: ScorecardReport): string {
  const lines = ['variable                         IV      strength    on card', '-'.repeat(70)]
  for (const v of report.variables) {
    lines.push(`${pad(v.name, 30)} ${left(fixed(v.iv, 4), 7)}   ${pad(ivStrength(v.iv), 10)}  ${v.selected ? `yes (β ${fixed(v.coefficient, 3)}, p ${fixed(v.pValue, 3)})` : `no (${v.dropped ?? 'dropped'})`}`)
  }
  return lines.join('\n')
}

/** The scorecard table: per variable on the card, its bins with their statistics and points. */
export function formatScorecardTable(report: ScorecardReport, options: { all?: boolean } = {}): string {
  const lines: string[] = []
  const s = report.scaling
  lines.push(`base score ${s.baseScore} at odds ${s.baseOdds}:1, PDO ${s.pdo} (factor ${fixed(s.factor, 4)}, offset ${fixed(s.offset, 4)})`)
  lines.push(`intercept ${fixed(report.intercept.coefficient, 4)} → base points ${report.intercept.basePoints} (${report.intercept.placement}); scores from ${report.range[0]} to ${report.range[1]}`)
  for (const v of report.variables) {
    if (!v.selected && !options.all) continue
    lines.push('')
    lines.push(`${v.name} (${v.type}${v.direction ? `, bad rate ${v.direction > 0 ? 'rising' : 'falling'}` : ''}) IV ${fixed(v.iv, 4)}${v.selected ? `  β ${fixed(v.coefficient, 4)} ± ${fixed(v.standardError, 4)}` : ''}`)
    lines.push(`  ${pad('bin', 28)} ${left('count', 6)} ${left('goods', 6)} ${left('bads', 5)} ${left('bad %', 7)} ${left('share', 6)} ${left('WOE', 8)} ${left('IV', 7)} ${left('points', 6)}`)
    for (const b of v.bins) {
      lines.push(
        `  ${pad(b.bin.length > 28 ? `${b.bin.slice(0, 27)}…` : b.bin, 28)} ${left(String(b.count), 6)} ${left(String(b.goods), 6)} ${left(String(b.bads), 5)} ${left(b.badRate === null ? '—' : (100 * b.badRate).toFixed(1), 7)} ${left((100 * b.share).toFixed(1), 6)} ${left(fixed(b.woe, 4), 8)} ${left(fixed(b.iv, 4), 7)} ${left(b.points === undefined ? '' : String(b.points), 6)}`,
      )
    }
  }
  return lines.join('\n')
}

export function formatMetrics(report: ScorecardReport): string {
  const line = (name: string, m: SeparationMetrics) => `${pad(name, 11)} ${left(String(m.rows), 6)} ${left(String(m.bads), 5)}  ${fixed(m.auc, 4)}  ${fixed(m.gini, 4)}  ${fixed(m.ks, 4)}`
  return ['set           rows  bads  AUC     Gini    KS', line('train', report.train), ...(report.validation ? [line('validation', report.validation)] : [])].join('\n')
}

/** The whole report as text: IVs, the scorecard table, the metrics. */
export const formatReport = (report: ScorecardReport) => [formatIvTable(report), formatScorecardTable(report), formatMetrics(report)].join('\n\n')
