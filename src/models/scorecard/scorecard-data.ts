import { type FieldIssue, XiezhiError } from '../../core/errors.ts'

/**
 * A scorecard's training (or validation) set as columns. A numeric variable
 * is a `Float64Array` (or `Float32Array`) with NaN for a missing value, as
 * for the GBDT (`../gbdt/training-data.ts`); a categorical one is a list of
 * strings with `null` (or `''`) for a missing value. Labels are 1 for a bad
 * (the event: default, fraud) and 0 for a good.
 */
export interface ScorecardColumn {
  name: string
  values: Float64Array | Float32Array | readonly (string | null)[]
}

export interface ScorecardData {
  variables: readonly ScorecardColumn[]
  labels: Float64Array
}

export const isNumericColumn = (values: ScorecardColumn['values']): values is Float64Array | Float32Array =>
  values instanceof Float64Array || values instanceof Float32Array

/** A categorical cell that counts as missing. */
export const isMissingCategory = (value: string | null | undefined) => value === null || value === undefined || value === ''

/** Throws an `invalid_input` error naming every problem; `role` is `train` or `validation`. */
export function checkScorecardData(data: ScorecardData, role: string, expected?: ScorecardData): void {
  const issues: FieldIssue[] = []
  const issue = (pointer: string, message: string) => issues.push({ pointer: `/${role}/${pointer}`, code: 'invalid_data', message })
  const rows = data.labels.length
  if (rows === 0) issue('labels', 'has no rows')
  if (data.variables.length === 0) issue('variables', 'has no columns')
  const names = data.variables.map((v) => v.name)
  if (new Set(names).size !== names.length) issue('variables', 'has a name twice')
  data.variables.forEach((variable, v) => {
    if (typeof variable.name !== 'string' || variable.name === '') issue(`variables/${v}/name`, 'must be a non-empty string')
    if (variable.values.length !== rows) issue(`variables/${v}/values`, `has ${variable.values.length} rows; labels have ${rows}`)
    if (!isNumericColumn(variable.values)) {
      const bad = variable.values.findIndex((x) => x !== null && typeof x !== 'string')
      if (bad >= 0) issue(`variables/${v}/values/${bad}`, 'must be a string or null in a categorical column')
    }
  })
  const badLabel = data.labels.findIndex((y) => y !== 0 && y !== 1)
  if (badLabel >= 0) issue(`labels/${badLabel}`, 'must be 0 (good) or 1 (bad)')
  if (rows > 0 && badLabel < 0 && role === 'train') {
    const bads = data.labels.reduce((a, b) => a + b, 0)
    if (bads === 0 || bads === rows) issue('labels', 'needs both goods (0) and bads (1)')
  }
  if (expected !== undefined) {
    for (const variable of expected.variables) {
      const mine = data.variables.find((v) => v.name === variable.name)
      if (mine === undefined) issue('variables', `has no column ${JSON.stringify(variable.name)}, which the training set has`)
      else if (isNumericColumn(mine.values) !== isNumericColumn(variable.values))
        issue(`variables/${data.variables.indexOf(mine)}/values`, `must be ${isNumericColumn(variable.values) ? 'numeric' : 'categorical'}, as in the training set`)
    }
  }
  if (issues.length > 0) throw new XiezhiError('invalid_input', issues.map((i) => `${i.pointer.slice(1).replaceAll('/', '.')}: ${i.message}`).join('; '), issues)
}
