import type { LocalizedMessage } from '../../core/reason.ts'
import { loadModel, modelFormat } from '../gbdt/model-json.ts'
import type { GbdtModel } from '../gbdt/tree-model.ts'
import { explain } from '../gbdt/tree-shap.ts'
import { importedModelOf } from '../import/imported-model.ts'
import { onnxImportedModelOf } from '../import/onnx-model.ts'
import type { ModelArtifactRecord } from '../registry/model-records.ts'
import { loadScorecard, scorecardFormat } from '../scorecard/scorecard-json.ts'

/** One input's part in a score: what raised the risk, for reason codes. */
export interface ModelFactor {
  feature: string
  value: number
  /** In the model's own units: log-odds (TreeSHAP) for trees, points lost for scorecards. */
  contribution: number
  /** A scorecard names its own reasons; a tree model leaves wording to the strategy. */
  reason?: { code: string; message: LocalizedMessage }
}

/**
 * A registry version ready for the decision path: it scores feature values
 * synchronously and says which inputs raised the risk most. The score is
 * what strategies compare: the probability of the positive class for a
 * binary tree model, the prediction for a regression, the points for a
 * scorecard (higher is safer).
 */
export interface ServedModel {
  readonly name: string
  readonly version: number
  readonly hash: string
  readonly features: readonly string[]
  score(features: Readonly<Record<string, number>>): number
  /** The `count` inputs that raised the risk most, largest first; inputs that lowered it are never factors. */
  factors(features: Readonly<Record<string, number>>, count: number): ModelFactor[]
}

export function servedModelOf(record: ModelArtifactRecord): ServedModel {
  const document = JSON.parse(record.artifact) as { format?: unknown }
  if (document.format === modelFormat) return treeModel(record, loadModel(document))
  if (document.format === scorecardFormat) return scorecardModel(record, loadScorecard(document))
  throw new Error(`model "${record.name}" version ${record.version}: the artifact's format ${String(document.format)} cannot be served`)
}

function treeModel(record: ModelArtifactRecord, model: GbdtModel): ServedModel {
  // an import keeps its library's own arithmetic (XGBoost's and onnxruntime's float32 sums) and missing-value rules
  const imported = onnxImportedModelOf(model) ?? importedModelOf(model)
  const scorer = imported ?? model
  const shap = imported ? (row: Float64Array) => imported.explain(row) : (row: Float64Array) => explain(model, row)
  const features = [...model.featureNames]
  // a model reads the same few inputs on every decision: one row buffer, filled in place
  const row = new Float64Array(features.length)
  const fill = (values: Readonly<Record<string, number>>) => {
    for (let f = 0; f < features.length; f++) row[f] = values[features[f]!] ?? Number.NaN
    return row
  }
  return {
    name: record.name,
    version: record.version,
    hash: record.hash,
    features,
    score: (values) => scorer.predict(fill(values)),
    factors(values, count) {
      const { contributions } = shap(fill(values))
      const ranked: ModelFactor[] = []
      contributions.forEach((contribution, f) => {
        if (contribution > 0) ranked.push({ feature: features[f]!, value: values[features[f]!] ?? Number.NaN, contribution })
      })
      return ranked.sort((a, b) => b.contribution - a.contribution).slice(0, count)
    },
  }
}

function scorecardModel(record: ModelArtifactRecord, scorecard: ReturnType<typeof loadScorecard>): ServedModel {
  return {
    name: record.name,
    version: record.version,
    hash: record.hash,
    features: scorecard.variables.map((v) => v.name),
    score: (values) => scorecard.score(values, { reasons: 0 }).score,
    factors: (values, count) =>
      scorecard.score(values, { reasons: count }).reasons.map((r) => ({
        feature: r.variable,
        value: values[r.variable] ?? Number.NaN,
        contribution: r.pointsLost,
        reason: { code: r.code, message: r.message },
      })),
  }
}
