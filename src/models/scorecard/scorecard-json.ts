import { Type } from '@sinclair/typebox'
import { type FieldIssue, XiezhiError } from '../../core/errors.ts'
import { checkedDocument } from '../json-document.ts'
import { Scorecard, type ScorecardBin, type ScorecardDefinition, type ScorecardVariable } from './scorecard.ts'

/**
 * The scorecard as JSON (`docs/scorecards.md` describes it field by field):
 *
 *   { "format": "xiezhi-scorecard", "version": 1,
 *     "scaling": { "baseScore": 600, "baseOdds": 50, "pdo": 20 },
 *     "intercept": { "coefficient": -0.86, "placement": "separate" },
 *     "basePoints": 511,
 *     "variables": [
 *       { "name": "duration_months", "type": "numeric", "coefficient": -0.93,
 *         "bins": [{ "lower": null, "upper": 11, "woe": 0.61, "points": 16 }, …,
 *                  { "missing": true, "woe": -0.42, "points": -11 }] },
 *       { "name": "purpose", "type": "categorical", "coefficient": -1.1,
 *         "description": { "zh": "贷款用途", "en": "Purpose", "reasonCode": "PURPOSE" },
 *         "bins": [{ "categories": ["A41"], "other": false, "woe": 0.9, "points": 28 }, …] }],
 *     "training": { … } }
 *
 * A numeric bin is (lower, upper]; null stands for −∞ as a lower and +∞ as
 * an upper bound, since JSON has no infinities.
 */
export const scorecardFormat = 'xiezhi-scorecard'
export const scorecardFormatVersion = 1

const Finite = Type.Number()
const BinJson = Type.Object(
  {
    lower: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    upper: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    categories: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    other: Type.Optional(Type.Boolean()),
    missing: Type.Optional(Type.Literal(true)),
    woe: Finite,
    points: Type.Integer(),
  },
  { additionalProperties: false },
)

const VariableJson = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    type: Type.Union([Type.Literal('numeric'), Type.Literal('categorical')]),
    coefficient: Finite,
    description: Type.Optional(
      Type.Object(
        { zh: Type.String({ minLength: 1 }), en: Type.String({ minLength: 1 }), reasonCode: Type.Optional(Type.String({ pattern: '^[A-Z][A-Z0-9_]*$' })) },
        { additionalProperties: false },
      ),
    ),
    bins: Type.Array(BinJson, { minItems: 2 }),
  },
  { additionalProperties: false },
)

export const ScorecardJson = Type.Object(
  {
    format: Type.Literal(scorecardFormat),
    version: Type.Literal(scorecardFormatVersion),
    scaling: Type.Object(
      { baseScore: Finite, baseOdds: Type.Number({ exclusiveMinimum: 0 }), pdo: Type.Number({ exclusiveMinimum: 0 }) },
      { additionalProperties: false },
    ),
    intercept: Type.Object({ coefficient: Finite, placement: Type.Union([Type.Literal('separate'), Type.Literal('distributed')]) }, { additionalProperties: false }),
    basePoints: Type.Integer(),
    variables: Type.Array(VariableJson, { minItems: 1 }),
    training: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
)

type BinJsonType = typeof BinJson.static

const boundToJson = (x: number) => (Number.isFinite(x) ? x : null)

function binToJson(bin: ScorecardBin): BinJsonType {
  const { woe, points } = bin
  if (bin.kind === 'missing') return { missing: true, woe, points }
  if (bin.kind === 'categories') return { categories: bin.categories, other: bin.other, woe, points }
  return { lower: boundToJson(bin.lower), upper: boundToJson(bin.upper), woe, points }
}

export function scorecardToJson(scorecard: Scorecard): object {
  const d = scorecard.definition
  return {
    format: scorecardFormat,
    version: scorecardFormatVersion,
    scaling: { baseScore: d.scaling.baseScore, baseOdds: d.scaling.baseOdds, pdo: d.scaling.pdo },
    intercept: d.intercept,
    basePoints: d.basePoints,
    variables: d.variables.map((v) => ({
      name: v.name,
      type: v.type,
      coefficient: v.coefficient,
      ...(v.description ? { description: v.description } : {}),
      bins: v.bins.map(binToJson),
    })),
    ...(d.training ? { training: d.training } : {}),
  }
}

export const serializeScorecard = (scorecard: Scorecard, space?: number) => JSON.stringify(scorecardToJson(scorecard), null, space)

/** Reads a scorecard from JSON text or a parsed value; throws `invalid_input` naming each problem by JSON pointer. */
export function loadScorecard(input: string | unknown): Scorecard {
  const json = checkedDocument(input, ScorecardJson, refused)
  const issues: FieldIssue[] = []
  const names = new Set<string>()
  const variables = json.variables.map((v, i): ScorecardVariable => {
    if (names.has(v.name)) issues.push({ pointer: `/variables/${i}/name`, code: 'invalid_model', message: `${JSON.stringify(v.name)} is named twice` })
    names.add(v.name)
    return { name: v.name, type: v.type, coefficient: v.coefficient, ...(v.description ? { description: v.description } : {}), bins: binsOf(v, `/variables/${i}`, issues) }
  })
  if (issues.length > 0) throw refused(issues)
  const definition: ScorecardDefinition = {
    scaling: json.scaling,
    intercept: json.intercept,
    basePoints: json.basePoints,
    variables,
    ...(json.training ? { training: json.training } : {}),
  }
  return new Scorecard(definition)
}

/**
 * A numeric variable's bins: ranges in order, each starting where the last
 * ended, from −∞ (null) to +∞ (null), then one missing bin. A categorical
 * one's: category lists, no category twice, exactly one `other`, then one
 * missing bin.
 */
function binsOf(v: typeof VariableJson.static, at: string, issues: FieldIssue[]): ScorecardBin[] {
  const issue = (pointer: string, message: string) => issues.push({ pointer: `${at}/${pointer}`, code: 'invalid_model', message })
  const last = v.bins.length - 1
  const bins: ScorecardBin[] = []
  const seen = new Set<string>()
  let others = 0
  v.bins.forEach((bin, b) => {
    const { woe, points } = bin
    if (!Number.isFinite(woe)) issue(`bins/${b}/woe`, 'must be finite')
    if (b === last) {
      if (bin.missing !== true) issue(`bins/${b}/missing`, 'the last bin must be the missing bin ({ "missing": true })')
      else if (bin.lower !== undefined || bin.upper !== undefined || bin.categories !== undefined || bin.other !== undefined) issue(`bins/${b}`, 'the missing bin has only missing, woe and points')
      bins.push({ kind: 'missing', woe, points })
      return
    }
    if (bin.missing) {
      issue(`bins/${b}/missing`, 'only the last bin is the missing bin')
      return
    }
    if (v.type === 'numeric') {
      if (bin.categories !== undefined || bin.other !== undefined) issue(`bins/${b}`, 'a numeric bin has lower and upper, not categories')
      if (bin.lower === undefined) issue(`bins/${b}/lower`, 'is required (null for −∞ in the first bin)')
      if (bin.upper === undefined) issue(`bins/${b}/upper`, 'is required (null for +∞ in the last range)')
      const lower = bin.lower ?? Number.NEGATIVE_INFINITY
      const upper = bin.upper ?? Number.POSITIVE_INFINITY
      if (b === 0 && bin.lower !== null) issue(`bins/${b}/lower`, 'must be null (−∞) in the first bin')
      if (b > 0 && bin.lower !== v.bins[b - 1]!.upper) issue(`bins/${b}/lower`, `must equal the previous bin's upper (${v.bins[b - 1]!.upper})`)
      if (b === last - 1 && bin.upper !== null) issue(`bins/${b}/upper`, 'must be null (+∞) in the last range')
      if (!(lower < upper)) issue(`bins/${b}/upper`, 'must be above lower')
      bins.push({ kind: 'range', lower, upper, woe, points })
      return
    }
    if (bin.lower !== undefined || bin.upper !== undefined) issue(`bins/${b}`, 'a categorical bin has categories, not lower and upper')
    if (bin.categories === undefined) issue(`bins/${b}/categories`, 'is required')
    for (const category of bin.categories ?? []) {
      if (seen.has(category)) issue(`bins/${b}/categories`, `${JSON.stringify(category)} is in two bins`)
      seen.add(category)
    }
    if (bin.other) others++
    bins.push({ kind: 'categories', categories: bin.categories ?? [], other: bin.other ?? false, woe, points })
  })
  if (v.type === 'categorical' && others !== 1) issue('bins', `exactly one bin must have "other": true (it takes unseen categories); ${others} do`)
  return bins
}

const refused = (issues: FieldIssue[]) =>
  new XiezhiError('invalid_input', `The scorecard is not a valid ${scorecardFormat} v${scorecardFormatVersion}: ${issues.map((i) => `${i.pointer} ${i.message}`).join('; ')}`, issues)
