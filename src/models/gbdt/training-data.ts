import { type FieldIssue, XiezhiError } from '../../core/errors.ts'

/**
 * A training (or validation) set as columns: one array per feature, NaN for
 * a missing value; labels 0/1 for `binary`, any finite number for
 * `regression`; optional non-negative row weights.
 */
export interface TrainingData {
  features: readonly (Float64Array | Float32Array)[]
  labels: Float64Array
  weights?: Float64Array
  /** Defaults to f0, f1, … */
  featureNames?: readonly string[]
}

export const defaultFeatureNames = (count: number) => Array.from({ length: count }, (_, i) => `f${i}`)

export const rowCountOf = (data: TrainingData) => data.labels.length

/** Throws an `invalid_input` error naming every problem; `role` is `train` or `validation`. */
export function checkTrainingData(data: TrainingData, objective: 'binary' | 'regression', role: string, expectedFeatures?: number): void {
  const issues: FieldIssue[] = []
  const issue = (pointer: string, message: string) => issues.push({ pointer: `/${role}/${pointer}`, code: 'invalid_data', message })
  const rows = data.labels.length
  if (rows === 0) issue('labels', 'has no rows')
  if (data.features.length === 0) issue('features', 'has no columns')
  if (expectedFeatures !== undefined && data.features.length !== expectedFeatures) issue('features', `has ${data.features.length} columns; the training set has ${expectedFeatures}`)
  if (data.featureNames !== undefined) {
    if (data.featureNames.length !== data.features.length) issue('featureNames', `has ${data.featureNames.length} names for ${data.features.length} columns`)
    if (new Set(data.featureNames).size !== data.featureNames.length) issue('featureNames', 'has a name twice')
  }
  data.features.forEach((column, f) => {
    if (column.length !== rows) issue(`features/${f}`, `has ${column.length} rows; labels have ${rows}`)
  })
  const badLabel = data.labels.findIndex((y) => (objective === 'binary' ? y !== 0 && y !== 1 : !Number.isFinite(y)))
  if (badLabel >= 0) issue(`labels/${badLabel}`, objective === 'binary' ? 'must be 0 or 1' : 'must be a finite number')
  if (data.weights !== undefined) {
    if (data.weights.length !== rows) issue('weights', `has ${data.weights.length} rows; labels have ${rows}`)
    const badWeight = data.weights.findIndex((w) => !(w >= 0) || !Number.isFinite(w))
    if (badWeight >= 0) issue(`weights/${badWeight}`, 'must be a finite number ≥ 0')
  }
  if (issues.length > 0) throw new XiezhiError('invalid_input', issues.map((i) => `${i.pointer.slice(1).replaceAll('/', '.')}: ${i.message}`).join('; '), issues)
}
