/**
 * Gradient-boosted decision trees, trained here on typed arrays.
 *
 * Hand-written because no maintained npm package trains GBDTs (the design's
 * "models" pick), and the embedded default must learn from its own labels
 * with no Python or native XGBoost / LightGBM build. The algorithm is the
 * one both libraries share: quantile bins, gradient and hessian histograms
 * per node, the sibling by subtraction, second-order leaf weights with L1
 * and L2, and a learned side for missing values at every split.
 */
import { type BinnedData, binColumns } from './binning.ts'
import { type HistogramBuilder, type HistogramLayout, histogramLayout, LocalHistogramBuilder, type NodeRows } from './histogram.ts'
import { WorkerHistogramBuilder } from './histogram-workers.ts'
import { higherIsBetter, type MetricName, metricOf } from './metrics.ts'
import { computeGradients, startingMargin } from './objective.ts'
import { SeededDraws } from './sampling.ts'
import { checkTrainingData, defaultFeatureNames, rowCountOf, type TrainingData } from './training-data.ts'
import { type GbdtOptions, type ResolvedGbdtOptions, resolveGbdtOptions } from './training-options.ts'
import { type GrownTree, growTree, type TreeContext } from './tree-builder.ts'
import { GbdtModel } from './tree-model.ts'

export interface TrainingReport {
  /** Trees grown, including any dropped by early stopping. */
  roundsTrained: number
  /** Trees kept in the model: the best validation round under early stopping, else all. */
  bestIteration: number
  metric: MetricName | undefined
  /** The validation metric after each round. */
  validationScores: number[]
  stoppedEarly: boolean
}

export interface TrainedGbdt {
  model: GbdtModel
  report: TrainingReport
}

/** Trains a model; with `threads` > 1 the histograms are built by worker threads, giving the same model. */
export async function trainGbdt(data: TrainingData, options: GbdtOptions = {}, validation?: TrainingData): Promise<TrainedGbdt> {
  const run = prepare(data, options, validation)
  const builder =
    run.options.threads > 1 ? await WorkerHistogramBuilder.start(run.binned, run.layout, run.node, run.options.threads) : new LocalHistogramBuilder(run.binned.bins, run.binned.rowCount, run.layout, run.node)
  try {
    return boost(run, builder)
  } finally {
    await builder.close()
  }
}

/** The same on this thread only, for callers that cannot wait; refuses `threads` > 1. */
export function trainGbdtSync(data: TrainingData, options: GbdtOptions = {}, validation?: TrainingData): TrainedGbdt {
  const run = prepare(data, options, validation)
  if (run.options.threads > 1) throw new Error('trainGbdtSync trains on one thread; use trainGbdt for threads > 1')
  return boost(run, new LocalHistogramBuilder(run.binned.bins, run.binned.rowCount, run.layout, run.node))
}

interface TrainingRun {
  data: TrainingData
  validation: TrainingData | undefined
  featureNames: string[]
  options: ResolvedGbdtOptions
  draws: SeededDraws
  binned: BinnedData
  layout: HistogramLayout
  /** Shared with the worker threads: the rows of the tree being grown and their gradients. */
  node: NodeRows
}

function prepare(data: TrainingData, given: GbdtOptions, validation: TrainingData | undefined): TrainingRun {
  const featureNames = [...(data.featureNames ?? defaultFeatureNames(data.features.length))]
  const options = resolveGbdtOptions(given, featureNames, validation !== undefined)
  checkTrainingData(data, options.objective, 'train')
  if (validation) checkTrainingData(validation, options.objective, 'validation', data.features.length)
  const draws = new SeededDraws(options.seed)
  const binned = binColumns(data.features, options.maxBins, draws)
  const n = rowCountOf(data)
  const node: NodeRows = {
    rows: new Uint32Array(new SharedArrayBuffer(4 * n)),
    gradients: new Float64Array(new SharedArrayBuffer(8 * n)),
    hessians: new Float64Array(new SharedArrayBuffer(8 * n)),
  }
  return { data, validation, featureNames, options, draws, binned, layout: histogramLayout(binned.featureBins), node }
}

function boost(run: TrainingRun, builder: HistogramBuilder): TrainedGbdt {
  const { data, options, binned, draws } = run
  const n = rowCountOf(data)
  const featureCount = data.features.length
  const weights = rowWeights(data, options)
  const base = startingMargin(options.objective, options.baseScore, data.labels, weights)
  const margins = new Float64Array(n).fill(base)
  const gradients = new Float64Array(n)
  const hessians = new Float64Array(n)
  const ctx: TreeContext = {
    data: binned,
    layout: run.layout,
    node: run.node,
    builder,
    features: new Int32Array(0),
    splitRules: { ...options, monotone: options.monotoneConstraints },
    growthRules: options,
    scratch: { rows: new Uint32Array(n), gradients: new Float64Array(n), hessians: new Float64Array(n) },
    spareHistograms: [],
    leafRows: [],
  }
  const featuresPerTree = Math.max(1, Math.round(options.colsampleByTree * featureCount))
  const tracker = new EarlyStopping(run, base)
  const trees: GrownTree[] = []
  for (let round = 0; round < options.rounds; round++) {
    computeGradients(options.objective, data.labels, weights, margins, gradients, hessians)
    const sample = draws.rows(n, options.subsample)
    ctx.features = draws.choose(featureCount, featuresPerTree)
    for (let k = 0; k < sample.length; k++) {
      const row = sample[k]!
      run.node.rows[k] = row
      run.node.gradients[k] = gradients[row]!
      run.node.hessians[k] = hessians[row]!
    }
    const tree = growTree(ctx, sample.length)
    trees.push(tree)
    if (sample.length === n) addTreeByLeaves(tree, ctx, margins)
    else addTreeByBins(tree, binned, margins)
    if (tracker.afterRound(tree)) break
  }
  const kept = options.earlyStoppingRounds !== undefined ? trees.slice(0, tracker.bestIteration) : trees
  const report: TrainingReport = {
    roundsTrained: trees.length,
    bestIteration: tracker.active ? tracker.bestIteration : trees.length,
    metric: tracker.active ? options.earlyStoppingMetric : undefined,
    validationScores: tracker.scores,
    stoppedEarly: trees.length < options.rounds,
  }
  const model = new GbdtModel({
    objective: options.objective,
    featureNames: run.featureNames,
    baseScore: base,
    trees: kept,
    training: trainingRecord(options, report),
  })
  return { model, report }
}

/** Row weights times class weights (binary). */
function rowWeights(data: TrainingData, options: ResolvedGbdtOptions): Float64Array {
  const n = rowCountOf(data)
  const weights = data.weights ? Float64Array.from(data.weights) : new Float64Array(n).fill(1)
  if (options.objective === 'binary') for (let i = 0; i < n; i++) weights[i]! *= options.classWeights[data.labels[i]!]!
  return weights
}

/** Adds the tree's output to the margins of the rows it was grown on, leaf by leaf, from where growing left each row (no walk down the tree). */
function addTreeByLeaves(tree: GrownTree, ctx: TreeContext, margins: Float64Array): void {
  const rows = ctx.node.rows
  for (const { id, start, end } of ctx.leafRows) {
    const value = tree.value[id]!
    for (let k = start; k < end; k++) margins[rows[k]!]! += value
  }
}

/** Adds the tree's output to every training row's margin, walking the tree on bins (as it was grown): for trees grown on a sample of the rows. */
function addTreeByBins(tree: GrownTree, binned: BinnedData, margins: Float64Array): void {
  const { bins, rowCount } = binned
  const { feature, bin, defaultLeft, left, right, value } = tree
  for (let i = 0; i < rowCount; i++) {
    let node = 0
    let f = feature[0]!
    while (f >= 0) {
      const b = bins[f * rowCount + i]!
      node = b === 0 ? (defaultLeft[node] ? left[node]! : right[node]!) : b <= bin[node]! ? left[node]! : right[node]!
      f = feature[node]!
    }
    margins[i]! += value[node]!
  }
}

/** Follows the validation metric round by round and says when to stop. */
class EarlyStopping {
  readonly active: boolean
  readonly scores: number[] = []
  bestIteration = 0
  private best = Number.NaN
  private readonly margins: Float64Array

  constructor(
    private readonly run: TrainingRun,
    base: number,
  ) {
    this.active = run.validation !== undefined
    this.margins = new Float64Array(run.validation ? rowCountOf(run.validation) : 0).fill(base)
  }

  /** True when the rounds without improvement reach the limit. */
  afterRound(tree: GrownTree): boolean {
    const validation = this.run.validation
    if (!validation) return false
    const { feature, threshold, defaultLeft, left, right, value } = tree
    for (let i = 0; i < this.margins.length; i++) {
      let node = 0
      while (feature[node]! >= 0) {
        const x = validation.features[feature[node]!]![i]!
        node = x <= threshold[node]! ? left[node]! : x > threshold[node]! ? right[node]! : defaultLeft[node] ? left[node]! : right[node]!
      }
      this.margins[i]! += value[node]!
    }
    const metric = this.run.options.earlyStoppingMetric
    const score = metricOf(metric, validation.labels, this.margins, validation.weights)
    this.scores.push(score)
    const better = this.scores.length === 1 || (higherIsBetter(metric) ? score > this.best : score < this.best)
    if (better) {
      this.best = score
      this.bestIteration = this.scores.length
    }
    const patience = this.run.options.earlyStoppingRounds
    return patience !== undefined && this.scores.length - this.bestIteration >= patience
  }
}

/** The parameters and outcome kept in the model (JSON-safe: no Infinity). */
function trainingRecord(options: ResolvedGbdtOptions, report: TrainingReport): Record<string, unknown> {
  const finite = (x: number) => (Number.isFinite(x) ? x : null)
  return {
    parameters: {
      ...options,
      maxDepth: finite(options.maxDepth),
      maxLeaves: finite(options.maxLeaves),
      monotoneConstraints: [...options.monotoneConstraints],
      earlyStoppingRounds: options.earlyStoppingRounds ?? null,
      // the thread count never changes the model, so it is not part of it
      threads: undefined,
    },
    roundsTrained: report.roundsTrained,
    bestIteration: report.bestIteration,
    metric: report.metric ?? null,
    validationScores: report.validationScores,
  }
}
