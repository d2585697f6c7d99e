import { type Static, type TSchema, Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { type FieldIssue, XiezhiError } from '../../core/errors.ts'

/**
 * The trainer's parameters. Names follow XGBoost and LightGBM where they
 * agree; each carries the sentence shown when a value is refused (`rule`),
 * so an error reads `learningRate: must be > 0 and ≤ 1`.
 */
const Num = (rule: string, limits: object) => Type.Number({ ...limits, rule })
const Int = (rule: string, limits: object) => Type.Integer({ ...limits, rule })
const Fraction = Num('must be > 0 and ≤ 1', { exclusiveMinimum: 0, maximum: 1 })
const NonNegative = Num('must be ≥ 0', { minimum: 0 })
const Positive = Num('must be > 0', { exclusiveMinimum: 0, maximum: Number.MAX_VALUE })
const Direction = Type.Union([Type.Literal(-1), Type.Literal(0), Type.Literal(1)], { rule: 'must be -1, 0 or 1' })

export const GbdtOptionsSchema = Type.Partial(
  Type.Object(
  {
    objective: Type.Union([Type.Literal('binary'), Type.Literal('regression')], { rule: "must be 'binary' (log-loss) or 'regression' (squared error)" }),
    /** Boosting rounds: one tree each. */
    rounds: Int('must be an integer from 1 to 100000', { minimum: 1, maximum: 100_000 }),
    learningRate: Fraction,
    /** `depthwise` splits every node down to maxDepth (XGBoost); `leafwise` splits the best leaf until maxLeaves (LightGBM). */
    growth: Type.Union([Type.Literal('depthwise'), Type.Literal('leafwise')], { rule: "must be 'depthwise' or 'leafwise'" }),
    maxDepth: Int('must be an integer from 1 to 30', { minimum: 1, maximum: 30 }),
    maxLeaves: Int('must be an integer from 2 to 65536', { minimum: 2, maximum: 65_536 }),
    /** L2 regularisation of the leaf weights. */
    lambda: NonNegative,
    /** L1 regularisation of the leaf weights. */
    alpha: NonNegative,
    /** Least sum of hessians in a child (XGBoost min_child_weight). */
    minChildWeight: NonNegative,
    /** Least number of training rows in a child (LightGBM min_data_in_leaf). */
    minChildSamples: Int('must be an integer ≥ 1', { minimum: 1, maximum: 2 ** 31 }),
    /** Least gain for a split, in the libraries' units (twice the loss reduction). */
    minSplitGain: NonNegative,
    /** Share of rows drawn for each tree. */
    subsample: Fraction,
    /** Share of features drawn for each tree. */
    colsampleByTree: Fraction,
    /** Weight of the positive class (binary only); or classWeights, not both. */
    scalePosWeight: Positive,
    classWeights: Type.Object({ 0: Positive, 1: Positive }, { additionalProperties: false, rule: 'must be { 0: weight, 1: weight } with weights > 0' }),
    /** Per feature: +1 the prediction never falls as the feature rises, −1 never rises, 0 free; a list in feature order or by feature name. */
    monotoneConstraints: Type.Union([Type.Array(Direction), Type.Record(Type.String(), Direction)], {
      rule: 'must be a list of -1, 0, 1 per feature, or { featureName: -1 | 1 }',
    }),
    /** Value bins per feature (one more holds the missing values); above 255 the bin matrix takes two bytes a cell. */
    maxBins: Int('must be an integer from 2 to 65535', { minimum: 2, maximum: 65_535 }),
    /** The margin before any tree: 'prior' (the training labels' weighted log-odds, or mean for regression) or a number (0 = probability 0.5, XGBoost 1.x's base_score). */
    baseScore: Type.Union([Type.Literal('prior'), Type.Number({ minimum: -Number.MAX_VALUE, maximum: Number.MAX_VALUE })], {
      rule: "must be 'prior' or a finite number (a margin: log-odds for 'binary')",
    }),
    /** Stop after this many rounds without a better validation metric; needs a validation set. */
    earlyStoppingRounds: Int('must be an integer ≥ 1', { minimum: 1, maximum: 100_000 }),
    earlyStoppingMetric: Type.Union([Type.Literal('logloss'), Type.Literal('auc'), Type.Literal('rmse')], { rule: "must be 'logloss', 'auc' or 'rmse'" }),
    /** Threads building histograms (worker_threads); the model is the same for any count. */
    threads: Int('must be an integer from 1 to 64', { minimum: 1, maximum: 64 }),
    seed: Int('must be an integer from 0 to 4294967295', { minimum: 0, maximum: 4_294_967_295 }),
  },
  { additionalProperties: false },
  ),
)

/** What a caller may pass: any subset. */
export type GbdtOptions = Static<typeof GbdtOptionsSchema>

/** Every option resolved; `maxDepth` is Infinity when leaf-wise growth has no depth limit. */
export interface ResolvedGbdtOptions {
  objective: 'binary' | 'regression'
  rounds: number
  learningRate: number
  growth: 'depthwise' | 'leafwise'
  maxDepth: number
  maxLeaves: number
  lambda: number
  alpha: number
  minChildWeight: number
  minChildSamples: number
  minSplitGain: number
  subsample: number
  colsampleByTree: number
  /** Weight of each class: [negative, positive]; [1, 1] for regression. */
  classWeights: [number, number]
  /** One of −1, 0, 1 per feature. */
  monotoneConstraints: Int8Array
  maxBins: number
  baseScore: 'prior' | number
  earlyStoppingRounds: number | undefined
  earlyStoppingMetric: 'logloss' | 'auc' | 'rmse'
  threads: number
  seed: number
}

export const defaultGbdtOptions = {
  objective: 'binary',
  rounds: 100,
  learningRate: 0.1,
  growth: 'depthwise',
  maxDepth: 6,
  maxLeaves: 31,
  lambda: 1,
  alpha: 0,
  minChildWeight: 1,
  minChildSamples: 1,
  minSplitGain: 0,
  subsample: 1,
  colsampleByTree: 1,
  maxBins: 255,
  baseScore: 'prior',
  threads: 1,
  seed: 0,
} as const

const refused = (issues: FieldIssue[]) =>
  new XiezhiError('invalid_input', issues.map((i) => `${i.pointer.slice(1).replaceAll('/', '.')}: ${i.message}`).join('; '), issues)

/**
 * Checks the options against the schema and their relations to each other
 * and to the data (feature names for the constraints, a validation set for
 * early stopping); throws an `invalid_input` error naming each parameter.
 */
export function resolveGbdtOptions(options: unknown, featureNames: readonly string[], hasValidation: boolean): ResolvedGbdtOptions {
  const given = options ?? {}
  const issues = schemaIssues(given)
  if (issues.length > 0) throw refused(issues)
  const o = given as GbdtOptions
  const objective = o.objective ?? defaultGbdtOptions.objective
  const growth = o.growth ?? defaultGbdtOptions.growth
  const issue = (name: string, message: string) => issues.push({ pointer: `/${name}`, code: 'invalid_value', message })
  if (growth === 'depthwise' && o.maxLeaves !== undefined) issue('maxLeaves', "only for growth 'leafwise'; depth-wise trees are limited by maxDepth")
  if (o.scalePosWeight !== undefined && o.classWeights !== undefined) issue('scalePosWeight', 'give scalePosWeight or classWeights, not both')
  if (objective === 'regression' && (o.scalePosWeight !== undefined || o.classWeights !== undefined)) issue(o.scalePosWeight !== undefined ? 'scalePosWeight' : 'classWeights', "only for objective 'binary'")
  if (o.earlyStoppingRounds !== undefined && !hasValidation) issue('earlyStoppingRounds', 'needs a validation set')
  const metric = o.earlyStoppingMetric ?? (objective === 'binary' ? 'logloss' : 'rmse')
  if (objective === 'regression' && metric !== 'rmse') issue('earlyStoppingMetric', "must be 'rmse' for objective 'regression'")
  if (objective === 'binary' && metric === 'rmse') issue('earlyStoppingMetric', "must be 'logloss' or 'auc' for objective 'binary'")
  const monotone = monotoneOf(o.monotoneConstraints, featureNames, issue)
  if (issues.length > 0) throw refused(issues)
  return {
    objective,
    rounds: o.rounds ?? defaultGbdtOptions.rounds,
    learningRate: o.learningRate ?? defaultGbdtOptions.learningRate,
    growth,
    maxDepth: o.maxDepth ?? (growth === 'depthwise' ? defaultGbdtOptions.maxDepth : Number.POSITIVE_INFINITY),
    maxLeaves: growth === 'leafwise' ? (o.maxLeaves ?? defaultGbdtOptions.maxLeaves) : Number.POSITIVE_INFINITY,
    lambda: o.lambda ?? defaultGbdtOptions.lambda,
    alpha: o.alpha ?? defaultGbdtOptions.alpha,
    minChildWeight: o.minChildWeight ?? defaultGbdtOptions.minChildWeight,
    minChildSamples: o.minChildSamples ?? defaultGbdtOptions.minChildSamples,
    minSplitGain: o.minSplitGain ?? defaultGbdtOptions.minSplitGain,
    subsample: o.subsample ?? defaultGbdtOptions.subsample,
    colsampleByTree: o.colsampleByTree ?? defaultGbdtOptions.colsampleByTree,
    classWeights: o.classWeights ? [o.classWeights[0], o.classWeights[1]] : [1, o.scalePosWeight ?? 1],
    monotoneConstraints: monotone,
    maxBins: o.maxBins ?? defaultGbdtOptions.maxBins,
    baseScore: o.baseScore ?? defaultGbdtOptions.baseScore,
    earlyStoppingRounds: o.earlyStoppingRounds,
    earlyStoppingMetric: metric,
    threads: o.threads ?? defaultGbdtOptions.threads,
    seed: o.seed ?? defaultGbdtOptions.seed,
  }
}

function schemaIssues(options: unknown): FieldIssue[] {
  if (typeof options !== 'object' || Array.isArray(options)) return [{ pointer: '/options', code: 'invalid_type', message: 'must be an object' }]
  const seen = new Set<string>()
  const issues: FieldIssue[] = []
  for (const error of Value.Errors(GbdtOptionsSchema, options)) {
    // one issue per parameter: the first error under it, told with the parameter's rule
    const name = error.path.split('/')[1] ?? ''
    if (seen.has(name)) continue
    seen.add(name)
    const schema = (GbdtOptionsSchema.properties as Record<string, TSchema>)[name]
    const message = schema === undefined ? 'unknown option' : ((schema as { rule?: string }).rule ?? error.message)
    issues.push({ pointer: `/${name}`, code: schema === undefined ? 'unknown_option' : 'invalid_value', message })
  }
  return issues
}

function monotoneOf(given: GbdtOptions['monotoneConstraints'], featureNames: readonly string[], issue: (name: string, message: string) => void): Int8Array {
  const constraints = new Int8Array(featureNames.length)
  if (given === undefined) return constraints
  if (Array.isArray(given)) {
    if (given.length !== featureNames.length) issue('monotoneConstraints', `has ${given.length} entries for ${featureNames.length} features`)
    else constraints.set(given)
    return constraints
  }
  for (const [name, direction] of Object.entries(given)) {
    const index = featureNames.indexOf(name)
    if (index < 0) issue('monotoneConstraints', `names ${JSON.stringify(name)}, which is not a feature`)
    else constraints[index] = direction
  }
  return constraints
}
