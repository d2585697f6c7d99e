import type { LocalizedMessage } from '../../core/reason.ts'
import { BinLookup, type BinSpec, binLabel } from './bins.ts'
import { probabilityOfBad, type Scaling } from './scaling.ts'
import { XiezhiError } from '../../core/errors.ts'

/** One bin of a scorecard: where values fall, its WOE and its points. */
export type ScorecardBin = BinSpec & { woe: number; points: number }

export interface ScorecardVariable {
  name: string
  type: 'numeric' | 'categorical'
  /** The regression's coefficient on the variable's WOE, for ln(odds of bad); negative as it should be. */
  coefficient: number
  description?: { zh: string; en: string; reasonCode?: string }
  bins: ScorecardBin[]
}

/** A scorecard: the variables' bins and points, the base points and the scaling that made them. */
export interface ScorecardDefinition {
  scaling: Scaling
  /** The regression's intercept (ln odds of bad at WOE 0) and where its points went. */
  intercept: { coefficient: number; placement: 'separate' | 'distributed' }
  /** Points every applicant starts with (the intercept's, when separate; 0 when distributed). */
  basePoints: number
  variables: ScorecardVariable[]
  training?: Record<string, unknown>
}

export type ScorecardRow = Record<string, number | string | null | undefined>

/** A variable that cost the applicant points: the adverse-action reason (原因码). */
export interface ScorecardReason {
  code: string
  variable: string
  bin: string
  points: number
  maxPoints: number
  /** maxPoints − points: what the applicant's bin cost against the variable's best bin. */
  pointsLost: number
  message: LocalizedMessage
}

export interface ScoreResult {
  score: number
  basePoints: number
  points: Record<string, number>
  bins: Record<string, string>
  reasons: ScorecardReason[]
  probabilityOfBad: number
}

interface CompiledVariable {
  variable: ScorecardVariable
  lookup: BinLookup
  points: Int32Array
  maxPoints: number
  labels: string[]
}

const invalidRow = (field: string, message: string) => new XiezhiError('invalid_input', `${field}: ${message}`, [{ pointer: `/${field}`, code: 'invalid_value', message }])

/** The default reason code of a variable: `SC_` and its name in capitals. */
export const defaultReasonCode = (name: string) => `SC_${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`

export class Scorecard {
  private readonly compiled: CompiledVariable[]

  constructor(readonly definition: ScorecardDefinition) {
    this.compiled = definition.variables.map((variable) => ({
      variable,
      lookup: new BinLookup(variable.type, variable.bins),
      points: Int32Array.from(variable.bins, (b) => b.points),
      maxPoints: Math.max(...variable.bins.map((b) => b.points)),
      labels: variable.bins.map(binLabel),
    }))
  }

  get variables(): readonly ScorecardVariable[] {
    return this.definition.variables
  }

  get scaling(): Scaling {
    return this.definition.scaling
  }

  /** The lowest and highest scores the scorecard can give. */
  get range(): [number, number] {
    let low = this.definition.basePoints
    let high = this.definition.basePoints
    for (const c of this.compiled) {
      low += Math.min(...c.points)
      high += c.maxPoints
    }
    return [low, high]
  }

  /** The bin index of each variable for a row; throws `invalid_input` naming a numeric field given text that is not a number. */
  binsOf(row: ScorecardRow): number[] {
    return this.compiled.map(({ variable, lookup }) => {
      const value = row[variable.name]
      if (variable.type === 'categorical') return lookup.categorical(value === null || value === undefined ? null : String(value))
      if (value === null || value === undefined || value === '') return lookup.missingIndex
      const number = typeof value === 'number' ? value : Number(value)
      if (typeof value === 'string' && !Number.isFinite(number)) throw invalidRow(variable.name, `must be a number, null or missing; got ${JSON.stringify(value)}`)
      return lookup.numeric(number)
    })
  }

  /** The score of a row, its points per variable, and the `reasons` variables that lost the most points (4 unless told). */
  score(row: ScorecardRow, options: { reasons?: number } = {}): ScoreResult {
    const chosen = this.binsOf(row)
    let score = this.definition.basePoints
    const points: Record<string, number> = {}
    const bins: Record<string, string> = {}
    this.compiled.forEach((c, v) => {
      const p = c.points[chosen[v]!]!
      score += p
      points[c.variable.name] = p
      bins[c.variable.name] = c.labels[chosen[v]!]!
    })
    return { score, basePoints: this.definition.basePoints, points, bins, reasons: this.reasonsFor(chosen, options.reasons ?? 4), probabilityOfBad: probabilityOfBad(this.scaling, score) }
  }

  /** Scores of many rows at once, as a column. */
  scoreAll(rows: readonly ScorecardRow[]): Float64Array {
    return Float64Array.from(rows, (row) => {
      const chosen = this.binsOf(row)
      let score = this.definition.basePoints
      this.compiled.forEach((c, v) => {
        score += c.points[chosen[v]!]!
      })
      return score
    })
  }

  /**
   * The adverse-action method: each variable's points against the most it
   * gives (its best bin); the `count` largest losses, largest first (ties in
   * the scorecard's variable order); variables at their best are never reasons.
   */
  reasonsFor(chosen: readonly number[], count: number): ScorecardReason[] {
    const lost = this.compiled.map((c, v) => ({ c, bin: chosen[v]!, lost: c.maxPoints - c.points[chosen[v]!]!, order: v }))
    return lost
      .filter((l) => l.lost > 0)
      .sort((a, b) => b.lost - a.lost || a.order - b.order)
      .slice(0, count)
      .map(({ c, bin, lost: pointsLost }) => {
        const { name, description } = c.variable
        const label = c.labels[bin]!
        return {
          code: description?.reasonCode ?? defaultReasonCode(name),
          variable: name,
          bin: label,
          points: c.points[bin]!,
          maxPoints: c.maxPoints,
          pointsLost,
          message: {
            zh: `${description?.zh ?? name}（${label === 'missing' ? '缺失' : label}）：比最优少 ${pointsLost} 分`,
            en: `${description?.en ?? name} (${label}): ${pointsLost} points below the best`,
          },
        }
      })
  }
}
