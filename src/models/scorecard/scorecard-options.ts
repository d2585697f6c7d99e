import { type Static, type TSchema, Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { type FieldIssue, XiezhiError } from '../../core/errors.ts'

/**
 * The scorecard trainer's parameters. Each carries the sentence shown when a
 * value is refused (`rule`), so an error reads `pdo: must be > 0`, as for
 * the GBDT (`../gbdt/training-options.ts`).
 */
const Num = (rule: string, limits: object) => Type.Number({ ...limits, rule })
const Int = (rule: string, limits: object) => Type.Integer({ ...limits, rule })
const NonNegative = Num('must be ≥ 0', { minimum: 0, maximum: Number.MAX_VALUE })
const Positive = Num('must be > 0', { exclusiveMinimum: 0, maximum: Number.MAX_VALUE })
const Share = Num('must be > 0 and < 0.5', { exclusiveMinimum: 0, exclusiveMaximum: 0.5 })
const Direction = Type.Union([Type.Literal(-1), Type.Literal(1)])
const Description = Type.Object(
  { zh: Type.String({ minLength: 1 }), en: Type.String({ minLength: 1 }), reasonCode: Type.Optional(Type.String({ pattern: '^[A-Z][A-Z0-9_]*$' })) },
  { additionalProperties: false },
)

export const ScorecardOptionsSchema = Type.Partial(
  Type.Object(
    {
      /** `monotone`: quantile bins merged until the bad rate is monotone; `optimal`: splits that maximise IV. Numeric variables only. */
      binning: Type.Union([Type.Literal('monotone'), Type.Literal('optimal')], { rule: "must be 'monotone' or 'optimal'" }),
      /** Quantile bins a numeric variable starts from (fewer when it has fewer distinct values). */
      fineBins: Int('must be an integer from 2 to 200', { minimum: 2, maximum: 200 }),
      /** Most bins per variable, not counting the missing bin. */
      maxBins: Int('must be an integer from 2 to 50', { minimum: 2, maximum: 50 }),
      /** Least share of the training rows in a bin (the missing bin excepted). */
      minBinShare: Share,
      /** Least number of bads in a bin (the missing bin excepted). */
      minBinBads: Int('must be an integer ≥ 0', { minimum: 0, maximum: 2 ** 31 }),
      /** Categories with a smaller share of the rows are grouped into one "other" bin; defaults to minBinShare. */
      rareCategoryShare: Share,
      /** Least IV a split must add (binning 'optimal' only). */
      minIvGain: NonNegative,
      /** Per variable: 1 the bad rate rises with the value, −1 it falls (binning 'monotone'); otherwise the sign of its rank correlation with the label. */
      monotone: Type.Record(Type.String(), Direction, { rule: '{ variable: 1 | -1 }, 1 when the bad rate rises with the value' }),
      /** Added to the goods and bads of every bin before WOE and IV, so an empty class gives no infinity. */
      woeSmoothing: Num('must be > 0 and ≤ 10', { exclusiveMinimum: 0, maximum: 10 }),
      /** Variables with a smaller information value are left out of the regression. */
      minIv: NonNegative,
      /** Leave out, one at a time, variables whose coefficient says more WOE (a better bin) means more risk. */
      dropWrongSign: Type.Boolean({ rule: 'must be true or false' }),
      /** Leave out, one at a time, variables whose Wald p-value is above this. */
      maxPValue: Num('must be > 0 and ≤ 1', { exclusiveMinimum: 0, maximum: 1 }),
      /** L2 penalty on the coefficients (not the intercept). */
      l2: NonNegative,
      maxIterations: Int('must be an integer from 1 to 1000', { minimum: 1, maximum: 1000 }),
      /** Newton's method stops when no coefficient moves by more than this. */
      tolerance: Num('must be > 0 and < 1', { exclusiveMinimum: 0, exclusiveMaximum: 1 }),
      /** The score at the base odds. */
      baseScore: Num('must be a finite number', { minimum: -1e9, maximum: 1e9 }),
      /** Odds of good to bad at the base score (50 means 50:1). */
      baseOdds: Positive,
      /** Points to double the odds. */
      pdo: Positive,
      /** `separate`: the intercept's points are a base line of the scorecard; `distributed`: shared equally by the variables' bins. */
      intercept: Type.Union([Type.Literal('separate'), Type.Literal('distributed')], { rule: "must be 'separate' or 'distributed'" }),
      /** Per variable: how reasons name it, in both working languages, and an optional reason code. */
      descriptions: Type.Record(Type.String(), Description, { rule: '{ variable: { zh, en, reasonCode? } } with non-empty texts and a code like AGE_LOW' }),
    },
    { additionalProperties: false },
  ),
)

export type ScorecardOptions = Static<typeof ScorecardOptionsSchema>
export type VariableDescription = Static<typeof Description>

export interface ResolvedScorecardOptions {
  binning: 'monotone' | 'optimal'
  fineBins: number
  maxBins: number
  minBinShare: number
  minBinBads: number
  rareCategoryShare: number
  minIvGain: number
  monotone: Record<string, 1 | -1>
  woeSmoothing: number
  minIv: number
  dropWrongSign: boolean
  maxPValue: number | undefined
  l2: number
  maxIterations: number
  tolerance: number
  baseScore: number
  baseOdds: number
  pdo: number
  intercept: 'separate' | 'distributed'
  descriptions: Record<string, VariableDescription>
}

export const defaultScorecardOptions = {
  binning: 'monotone',
  fineBins: 20,
  maxBins: 6,
  minBinShare: 0.05,
  minBinBads: 1,
  minIvGain: 0.001,
  woeSmoothing: 0.5,
  minIv: 0.02,
  dropWrongSign: true,
  l2: 0,
  maxIterations: 100,
  tolerance: 1e-9,
  baseScore: 600,
  baseOdds: 50,
  pdo: 20,
  intercept: 'separate',
} as const

const refused = (issues: FieldIssue[]) =>
  new XiezhiError('invalid_input', issues.map((i) => `${i.pointer.slice(1).replaceAll('/', '.')}: ${i.message}`).join('; '), issues)

/**
 * Checks the options against the schema and their relations to each other
 * and to the data's variables; throws an `invalid_input` error naming each
 * parameter.
 */
export function resolveScorecardOptions(options: unknown, variables: readonly { name: string; numeric: boolean }[]): ResolvedScorecardOptions {
  const given = options ?? {}
  const issues = schemaIssues(given)
  if (issues.length > 0) throw refused(issues)
  const o = given as ScorecardOptions
  const issue = (name: string, message: string) => issues.push({ pointer: `/${name}`, code: 'invalid_value', message })
  const binning = o.binning ?? defaultScorecardOptions.binning
  const minBinShare = o.minBinShare ?? defaultScorecardOptions.minBinShare
  const maxBins = o.maxBins ?? defaultScorecardOptions.maxBins
  if (o.minIvGain !== undefined && binning !== 'optimal') issue('minIvGain', "only for binning 'optimal'")
  if (o.monotone !== undefined && binning !== 'monotone') issue('monotone', "only for binning 'monotone'")
  if (o.fineBins !== undefined && o.fineBins < maxBins) issue('fineBins', `must be ≥ maxBins (${maxBins})`)
  for (const name of Object.keys(o.monotone ?? {})) {
    const variable = variables.find((v) => v.name === name)
    if (variable === undefined) issue('monotone', `names ${JSON.stringify(name)}, which is not a variable`)
    else if (!variable.numeric) issue('monotone', `names ${JSON.stringify(name)}, which is categorical`)
  }
  for (const name of Object.keys(o.descriptions ?? {})) {
    if (!variables.some((v) => v.name === name)) issue('descriptions', `names ${JSON.stringify(name)}, which is not a variable`)
  }
  if (issues.length > 0) throw refused(issues)
  return {
    binning,
    fineBins: o.fineBins ?? Math.max(defaultScorecardOptions.fineBins, maxBins),
    maxBins,
    minBinShare,
    minBinBads: o.minBinBads ?? defaultScorecardOptions.minBinBads,
    rareCategoryShare: o.rareCategoryShare ?? minBinShare,
    minIvGain: o.minIvGain ?? defaultScorecardOptions.minIvGain,
    monotone: o.monotone ?? {},
    woeSmoothing: o.woeSmoothing ?? defaultScorecardOptions.woeSmoothing,
    minIv: o.minIv ?? defaultScorecardOptions.minIv,
    dropWrongSign: o.dropWrongSign ?? defaultScorecardOptions.dropWrongSign,
    maxPValue: o.maxPValue,
    l2: o.l2 ?? defaultScorecardOptions.l2,
    maxIterations: o.maxIterations ?? defaultScorecardOptions.maxIterations,
    tolerance: o.tolerance ?? defaultScorecardOptions.tolerance,
    baseScore: o.baseScore ?? defaultScorecardOptions.baseScore,
    baseOdds: o.baseOdds ?? defaultScorecardOptions.baseOdds,
    pdo: o.pdo ?? defaultScorecardOptions.pdo,
    intercept: o.intercept ?? defaultScorecardOptions.intercept,
    descriptions: o.descriptions ?? {},
  }
}

function schemaIssues(options: unknown): FieldIssue[] {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) return [{ pointer: '/options', code: 'invalid_type', message: 'must be an object' }]
  const seen = new Set<string>()
  const issues: FieldIssue[] = []
  for (const error of Value.Errors(ScorecardOptionsSchema, options)) {
    // one issue per parameter: the first error under it, told with the parameter's rule
    const name = error.path.split('/')[1] ?? ''
    if (seen.has(name)) continue
    seen.add(name)
    const schema = (ScorecardOptionsSchema.properties as Record<string, TSchema>)[name]
    const message = schema === undefined ? 'unknown option' : ((schema as { rule?: string }).rule ?? error.message)
    issues.push({ pointer: `/${name}`, code: schema === undefined ? 'unknown_option' : 'invalid_value', message })
  }
  return issues
}
