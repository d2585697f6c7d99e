import { type FieldIssue, XiezhiError } from '../../core/errors.ts'
import { sigmoid } from '../gbdt/objective.ts'
import type { GbdtModel } from '../gbdt/tree-model.ts'
import { type Explanation, explain } from '../gbdt/tree-shap.ts'
import { float32Sigmoid } from './float32.ts'

/**
 * A model trained by XGBoost or LightGBM, converted into the project's flat
 * tree model (`GbdtModel`): the same arrays, the same `x ≤ threshold` split,
 * the same TreeSHAP, the same JSON format. The conversion keeps every routing
 * exactly (`docs/model-import.md` proves it per library); two things of the
 * original arithmetic cannot live in the flat model's arrays, and this
 * wrapper adds them back:
 *
 * - `float32`: XGBoost adds its trees' outputs into a float32, and rounds
 *   after each tree. The flat scorer adds in doubles, which is more exact but
 *   not XGBoost's number: on a regression margin near 100 the two differ by
 *   several 1e−6. `predictMargin` here rounds like XGBoost, so its margins
 *   are XGBoost's bit for bit.
 * - `zeroAsMissing`: LightGBM's missing type "Zero" (`zero_as_missing`) sends
 *   values within ±1e−35 down the default branch as if missing. When a split's
 *   threshold puts those values on the other side, no `x ≤ threshold` split
 *   can say it; mapping them to NaN before the walk can, provided every split
 *   on that feature agrees (the importer checks).
 *
 * Both are recorded in the flat model's `training.importedFrom`, so a model
 * saved with `serializeModel` and loaded again is wrapped back by
 * `importedModelOf` with the same behaviour.
 */
export type ImportedLibrary = 'xgboost' | 'lightgbm'

export interface ImportProvenance {
  library: ImportedLibrary
  /** The library version the file names (XGBoost's `version`, LightGBM's `version=`). */
  version: string
  /** The objective as the file names it, e.g. `binary:logistic`, `binary sigmoid:1`. */
  objective: string
  /** `float32` for XGBoost: margins accumulate in float32 as XGBoost's predictor does. */
  arithmetic: 'float32' | 'float64'
  /** Feature indices whose values within ±kZeroThreshold count as missing (LightGBM missing type Zero). */
  zeroAsMissing: number[]
  /** Anything else worth keeping (XGBoost's `best_iteration`, LightGBM's tree count). */
  notes?: Record<string, unknown>
}

/** LightGBM's kZeroThreshold: `const double kZeroThreshold = 1e-35f`, a float literal widened to double. */
export const lightgbmZeroThreshold = Math.fround(1e-35)

export class ImportedModel {
  private readonly zeroAsMissing: Int32Array
  private readonly buffer: Float64Array

  constructor(
    /** The flat model: its `predictMargin` is the double-precision sum of the same leaves. */
    readonly model: GbdtModel,
    readonly provenance: ImportProvenance,
  ) {
    this.zeroAsMissing = Int32Array.from(provenance.zeroAsMissing)
    this.buffer = new Float64Array(model.featureCount)
  }

  get featureNames(): readonly string[] {
    return this.model.featureNames
  }

  /** The raw score as the original library computes it (XGBoost `output_margin=True`, LightGBM `raw_score=True`; log-odds for binary). */
  predictMargin(row: ArrayLike<number>): number {
    const input = this.adapt(row)
    return this.provenance.arithmetic === 'float32' ? float32Margin(this.model, input) : this.model.predictMargin(input)
  }

  /** The probability of class 1 for a binary objective, else the predicted value, as the original library's `predict`. */
  predict(row: ArrayLike<number>): number {
    const margin = this.predictMargin(row)
    if (this.model.objective !== 'binary') return margin
    return this.provenance.arithmetic === 'float32' ? float32Sigmoid(margin) : sigmoid(margin)
  }

  /** Exact TreeSHAP over the imported trees (covers: XGBoost's sum_hessian, LightGBM's data counts), in margin units. */
  explain(row: ArrayLike<number>): Explanation {
    return explain(this.model, Float64Array.from(this.adapt(row)))
  }

  /** The row with LightGBM's zero-as-missing values turned into NaN; the row itself when there are none. */
  private adapt(row: ArrayLike<number>): ArrayLike<number> {
    if (this.zeroAsMissing.length === 0) return row
    const out = this.buffer
    for (let f = 0; f < out.length; f++) out[f] = row[f]!
    for (let i = 0; i < this.zeroAsMissing.length; i++) {
      const f = this.zeroAsMissing[i]!
      const x = out[f]!
      if (x >= -lightgbmZeroThreshold && x <= lightgbmZeroThreshold) out[f] = Number.NaN
    }
    return out
  }
}

/** XGBoost's sum: the base margin, then each tree's leaf added and rounded to float32, in tree order. */
function float32Margin(m: GbdtModel, row: ArrayLike<number>): number {
  const { roots, feature, threshold, defaultLeft, left, right, value } = m
  let sum = Math.fround(m.baseScore)
  for (let t = 0; t < roots.length; t++) {
    let node = roots[t]!
    let f = feature[node]!
    while (f >= 0) {
      const x = row[f]!
      const cut = threshold[node]!
      node = x <= cut ? left[node]! : x > cut ? right[node]! : defaultLeft[node] ? left[node]! : right[node]!
      f = feature[node]!
    }
    sum = Math.fround(sum + value[node]!)
  }
  return sum
}

/** Wraps a flat model that an importer made (and `serializeModel`/`loadModel` carried) back into its `ImportedModel`; undefined for a model trained here. */
export function importedModelOf(model: GbdtModel): ImportedModel | undefined {
  const from = model.training?.['importedFrom'] as ImportProvenance | undefined
  if (!from || (from.library !== 'xgboost' && from.library !== 'lightgbm')) return undefined
  return new ImportedModel(model, { ...from, zeroAsMissing: [...(from.zeroAsMissing ?? [])] })
}

/** The field codes of an import refusal (a tested contract: each is in docs/reference/problems.md). */
export const importIssueCodes = {
  notJson: { code: 'invalid_json' },
  broken: { code: 'invalid_model' },
  unsupported: { code: 'unsupported_model' },
} as const
export type ImportIssueCode = (typeof importIssueCodes)[keyof typeof importIssueCodes]['code']

/** The refusal every importer throws: `invalid_input`, each issue naming the field (JSON pointer, or the LightGBM block and line). */
export function importRefused(what: string, issues: FieldIssue[]): XiezhiError {
  const shown = issues.slice(0, 20)
  return new XiezhiError('invalid_input', `${what} cannot be imported: ${shown.map((i) => `${i.pointer} ${i.message}`).join('; ')}`, shown)
}
