import type { LocalizedMessage } from '../core/reason.ts'
import type { ModelSlot, ModelSlots } from '../models/serving/model-serving.ts'
import { aliasPattern, modelNamePattern } from '../models/registry/model-records.ts'
import { type LogisticScorecard, type ScorecardTerms, scorecardTerms } from './logistic-scorecard.ts'

export type FactorWording = { code: string } & LocalizedMessage

/** A strategy's score, ready to compute. */
export type CompiledModel =
  | { kind: 'logistic'; name: string; scorecard: LogisticScorecard; terms: ScorecardTerms }
  | { kind: 'registry'; name: string; slot: ModelSlot; top: number; wording: Readonly<Record<string, FactorWording>> }

const maxFactors = 10
const reasonCodePattern = /^[A-Z][A-Z0-9_]{2,63}$/

/**
 * Checks a strategy's `models` list: inline logistic scorecards over
 * catalogue features, and registry models by alias, whose current version
 * must read only catalogue features. Problems are reported through `fail`
 * with pointers into the document.
 */
export function compileModels(
  raw: unknown,
  featureNames: ReadonlySet<string>,
  slots: ModelSlots | undefined,
  fail: Fail,
): { models: CompiledModel[]; scoreNames: ReadonlySet<string> } {
  if (raw !== undefined && !Array.isArray(raw)) fail('/models', 'invalid_type', 'models must be a list')
  const names = new Set<string>()
  const compiled: CompiledModel[] = []
  ;(Array.isArray(raw) ? (raw as Record<string, unknown>[]) : []).forEach((model, i) => {
    const at = `/models/${i}`
    if (typeof model?.name !== 'string' || !/^[a-z][A-Za-z0-9]*$/.test(model.name)) fail(`${at}/name`, 'invalid_format', 'name must be camelCase')
    else if (names.has(model.name)) fail(`${at}/name`, 'duplicate', `model "${model.name}" is declared twice`)
    else names.add(model.name)
    const kind = model?.kind ?? 'logistic'
    if (kind === 'logistic') {
      if (checkLogistic(model, at, featureNames, fail)) {
        const scorecard = model as unknown as LogisticScorecard
        compiled.push({ kind, name: model.name as string, scorecard, terms: scorecardTerms(scorecard) })
      }
    } else if (kind === 'registry') {
      const checked = checkRegistry(model, at, featureNames, slots, fail)
      if (checked) compiled.push({ kind, name: model.name as string, ...checked })
    } else fail(`${at}/kind`, 'invalid_value', 'kind must be logistic (weights written here) or registry (a model from the registry, by alias)')
  })
  // every declared name is a score CEL knows, even one whose model failed: its rules report no second error
  return { models: compiled, scoreNames: names }
}

type Fail = (pointer: string, code: string, message: string) => void

/** `fail`, counting the problems reported through it: whether one part of the document was sound. */
function counting(fail: Fail): { problem: Fail; readonly count: number } {
  let count = 0
  return {
    problem: (pointer, code, message) => {
      count++
      fail(pointer, code, message)
    },
    get count() {
      return count
    },
  }
}

function checkLogistic(model: Record<string, unknown>, at: string, featureNames: ReadonlySet<string>, fail: Fail): boolean {
  const problems = counting(fail)
  const { problem } = problems
  if (typeof model?.intercept !== 'number') problem(`${at}/intercept`, 'invalid_type', 'intercept must be a number')
  if (!Array.isArray(model?.inputs)) problem(`${at}/inputs`, 'invalid_type', 'inputs must be a list')
  ;(Array.isArray(model?.inputs) ? (model.inputs as Record<string, unknown>[]) : []).forEach((input, j) => {
    if (!featureNames.has(input?.feature as string)) problem(`${at}/inputs/${j}/feature`, 'unknown_feature', `"${String(input?.feature)}" is not in the feature catalogue`)
    if (typeof input?.weight !== 'number') problem(`${at}/inputs/${j}/weight`, 'invalid_type', 'weight must be a number')
    if (input?.cap !== undefined && typeof input.cap !== 'number') problem(`${at}/inputs/${j}/cap`, 'invalid_type', 'cap must be a number')
  })
  return problems.count === 0
}

function checkRegistry(
  model: Record<string, unknown>,
  at: string,
  featureNames: ReadonlySet<string>,
  slots: ModelSlots | undefined,
  fail: Fail,
): { slot: ModelSlot; top: number; wording: Record<string, FactorWording> } | undefined {
  const problems = counting(fail)
  const { problem } = problems
  if (typeof model.model !== 'string' || !new RegExp(modelNamePattern).test(model.model)) problem(`${at}/model`, 'invalid_format', 'model must name a registry model: lower-case letters, digits, _ and -')
  if (typeof model.alias !== 'string' || !new RegExp(aliasPattern).test(model.alias)) problem(`${at}/alias`, 'invalid_format', 'alias must be an alias such as champion or challenger')
  const reasons = (model.reasons ?? {}) as Record<string, unknown>
  if (model.reasons !== undefined && (typeof model.reasons !== 'object' || model.reasons === null || Array.isArray(model.reasons))) problem(`${at}/reasons`, 'invalid_type', 'reasons must be an object')
  const top = reasons.top ?? 3
  if (!Number.isInteger(top) || (top as number) < 1 || (top as number) > maxFactors) problem(`${at}/reasons/top`, 'invalid_value', `top must be a whole number from 1 to ${maxFactors}`)
  const factors = (reasons.factors ?? {}) as Record<string, Record<string, unknown>>
  if (reasons.factors !== undefined && (typeof reasons.factors !== 'object' || reasons.factors === null || Array.isArray(reasons.factors))) problem(`${at}/reasons/factors`, 'invalid_type', 'factors must map a feature to { code, zh, en }')
  if (problems.count > 0) return undefined
  if (!slots) return void problem(`${at}/model`, 'models_unavailable', 'registry models are not available here')
  const slot = slots(model.model as string, model.alias as string)
  if (!slot) return void problem(`${at}/alias`, 'unknown_model_alias', `model "${String(model.model)}" has no alias "${String(model.alias)}" in the registry: register a version and promote it first`)
  const unknown = slot.served.features.filter((f) => !featureNames.has(f))
  if (unknown.length > 0) problem(`${at}/model`, 'unknown_feature', `version ${slot.served.version} reads features not in the catalogue: ${unknown.join(', ')}`)
  for (const [feature, wording] of Object.entries(factors)) {
    const where = `${at}/reasons/factors/${feature}`
    if (!slot.served.features.includes(feature)) problem(where, 'unknown_feature', `version ${slot.served.version} of "${slot.model}" does not read "${feature}"`)
    if (typeof wording?.code !== 'string' || !reasonCodePattern.test(wording.code)) problem(`${where}/code`, 'invalid_format', 'reason code must be UPPER_SNAKE_CASE')
    for (const language of ['zh', 'en'] as const) if (typeof wording?.[language] !== 'string' || wording[language] === '') problem(`${where}/${language}`, 'required', `a ${language} message is required`)
  }
  if (problems.count > 0) return undefined
  return { slot, top: top as number, wording: factors as unknown as Record<string, FactorWording> }
}
