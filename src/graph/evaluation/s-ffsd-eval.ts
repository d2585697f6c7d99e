import { trainGbdt } from '../../models/gbdt/gbdt-trainer.ts'
import type { GbdtOptions } from '../../models/gbdt/training-options.ts'
import { averagePrecision, bestMacroF1Threshold, macroF1, rocAuc } from './classification-metrics.ts'
import { FeatureColumns } from './feature-columns.ts'
import { NumpyRandomState } from './numpy-random-state.ts'
import type { SffsdData } from './s-ffsd-data.ts'
import { type LabelAccess, graphFeatures } from './s-ffsd-graph-features.ts'
import { platformGraphFeatures, sffsdLabelDelay } from './s-ffsd-platform-graph.ts'
import { tabularFeatures } from './s-ffsd-tabular.ts'
import { stratifiedTrainTestSplit } from './stratified-split.ts'

export type SplitKind = 'random' | 'temporal'

/**
 * The inputs of one row of the results:
 * - `tabular`: GTAN's tabular inputs alone (the ablation);
 * - `graph`: those plus the evaluation's graph features
 *   (`s-ffsd-graph-features.ts`: neighbour labels, out-of-fold rates, …);
 * - `platform`: the tabular inputs plus the measures the platform's own
 *   `GraphService` gives a live decision (`s-ffsd-platform-graph.ts`).
 */
export type FeatureSet = 'tabular' | 'graph' | 'platform'
export const featureSets: readonly FeatureSet[] = ['tabular', 'graph', 'platform']

export interface Figures {
  auc: number
  ap: number
  f1: number
}

/** One split's rows and every feature column, computed once for all the models trained on it. */
export interface PreparedSplit {
  kind: SplitKind
  label: Int32Array
  columns: FeatureColumns
  /** The column names of each feature set. */
  sets: Record<FeatureSet, string[]>
  trainRows: number[]
  validationRows: number[]
  /** Labelled test rows. */
  testRows: number[]
  featureSeconds: number
}

export interface FitResult {
  /** On the validation rows (what settings are chosen on); F1 at the threshold chosen there. */
  validation: Figures
  /** On the labelled test rows; absent when the test rows were not scored (`scoreTest: false`). */
  test?: Figures
  /** The score threshold for F1: the best macro-F1 on the validation rows. */
  threshold: number
  features: number
  rounds: number
  seconds: number
  topFeatures: string[]
}

/** A setting tried on the validation rows: trainer options, and optionally features left out. */
export interface SettingCandidate {
  name: string
  gbdt: GbdtOptions
  exclude?: string[]
}

const base: GbdtOptions = {
  rounds: 2_000,
  learningRate: 0.03,
  maxDepth: 6,
  subsample: 0.6,
  colsampleByTree: 0.3,
  minChildWeight: 3,
  lambda: 2,
  earlyStoppingRounds: 100,
  earlyStoppingMetric: 'auc',
  seed: 1,
}

/**
 * The settings tried, on each split's validation rows only (`npm run
 * eval:graph -- --select`, which never scores a test row): the first is
 * the setting used before settings were chosen this way, the others vary
 * one thing each.
 */
export const settingCandidates: SettingCandidate[] = [
  { name: 'base', gbdt: base },
  { name: 'subsample 0.8, colsample 0.6', gbdt: { ...base, subsample: 0.8, colsampleByTree: 0.6 } },
  { name: 'depth 4', gbdt: { ...base, maxDepth: 4 } },
  { name: 'depth 8, min child weight 10', gbdt: { ...base, maxDepth: 8, minChildWeight: 10 } },
  { name: 'colsample 0.2', gbdt: { ...base, colsampleByTree: 0.2 } },
  { name: 'learning rate 0.1', gbdt: { ...base, learningRate: 0.1 } },
  { name: 'without the Time and Source codes', gbdt: base, exclude: ['time', 'source'] },
]

/**
 * The setting of each split: the best validation AUC among
 * `settingCandidates` (`--select`, seed 1, graph-features row; the figures
 * are in docs/graph.md), fixed here before the test rows were scored with
 * it. All rows of a split (tabular, graph, platform) use it. The winners
 * lead narrowly, within what a seed moves: random 0.9721 against 0.9711
 * for the next; time 0.8997 against 0.8991.
 */
export const chosenSettings: Record<SplitKind, string> = {
  random: 'subsample 0.8, colsample 0.6',
  temporal: 'without the Time and Source codes',
}

export const settingNamed = (name: string): SettingCandidate => {
  const found = settingCandidates.find((c) => c.name === name)
  if (!found) throw new Error(`no setting named ${name}`)
  return found
}

/** Five folds over the labelled training rows for out-of-fold rates; fold 0 is also the validation set of the random split. */
const folds = 5

/**
 * One split of the S-FFSD protocol (data/s-ffsd/README.md):
 *
 * - `random`: GTAN's `train_test_split(stratify=Labels, test_size=0.2,
 *   random_state=2)` over all rows (`stratified-split.ts`); training on the
 *   labelled rows of the 80 %, validation (early stopping, F1 threshold,
 *   the choice of settings) on one fifth of them, drawn with the same
 *   generator;
 * - `temporal`: the first 80 % of the time span to train (validation: its
 *   last 15 %), the rest to test.
 *
 * Features: GTAN's tabular inputs, the graph features, whose labels come
 * from training rows only (`LabelAccess`), and (unless `sets` leaves it
 * out) the platform's graph measures, fed the training rows' fraud labels
 * a day late.
 */
export function prepareSplit(data: SffsdData, kind: SplitKind, options: { sets?: readonly FeatureSet[]; onProgress?: (line: string) => void } = {}): PreparedSplit {
  const started = performance.now()
  const n = data.rows
  const { label, time } = data
  const train = new Uint8Array(n)
  const isTest = new Uint8Array(n)
  const fold = new Int8Array(n).fill(-1)
  let access: LabelAccess
  let validationRows: number[]
  let trainRows: number[]
  if (kind === 'random') {
    const split = stratifiedTrainTestSplit(label, 0.2, 2)
    for (const i of split.test) isTest[i] = 1
    const labelledTrain = Array.from(split.train)
      .filter((i) => label[i] !== 2)
      .sort((a, b) => a - b)
    const permutation = new NumpyRandomState(1).permutation(labelledTrain.length)
    permutation.forEach((p, k) => {
      const i = labelledTrain[p]!
      train[i] = 1
      fold[i] = k % folds
    })
    access = { kind: 'random', train, fold, folds }
    validationRows = labelledTrain.filter((i) => fold[i] === 0)
    trainRows = labelledTrain.filter((i) => fold[i] !== 0)
  } else {
    const t0 = time[0]!
    const t1 = time[n - 1]!
    const cutoff = t0 + 0.8 * (t1 - t0)
    const validationFrom = t0 + 0.85 * (cutoff - t0)
    const knownBeforeTime = new Float64Array(n)
    const gaps = new NumpyRandomState(1)
    for (let i = 0; i < n; i++) {
      if (time[i]! >= cutoff) {
        isTest[i] = 1
        knownBeforeTime[i] = cutoff
      } else {
        if (label[i] !== 2) train[i] = 1
        knownBeforeTime[i] = time[i]! - gaps.nextDouble() * (t1 - cutoff)
      }
    }
    access = { kind: 'temporal', train, knownBeforeTime }
    const labelledTrain = Array.from({ length: n }, (_, i) => i).filter((i) => train[i] === 1)
    validationRows = labelledTrain.filter((i) => time[i]! >= validationFrom)
    trainRows = labelledTrain.filter((i) => time[i]! < validationFrom)
  }
  const testRows = Array.from({ length: n }, (_, i) => i).filter((i) => isTest[i] === 1 && label[i] !== 2)
  const columns = tabularFeatures(data, new FeatureColumns(n))
  const tabular = [...columns.names]
  const wanted = options.sets ?? featureSets
  if (wanted.includes('graph')) graphFeatures(data, access, columns)
  const graph = columns.names.slice(tabular.length)
  let platform: string[] = []
  if (wanted.includes('platform')) {
    const before = columns.names.length
    const knownAt = Float64Array.from(time, (t) => t + sffsdLabelDelay)
    platformGraphFeatures(data, train, knownAt, columns)
    platform = columns.names.slice(before)
  }
  const featureSeconds = (performance.now() - started) / 1000
  options.onProgress?.(`${kind}: ${columns.names.length} feature columns in ${featureSeconds.toFixed(1)} s; ${trainRows.length} training rows, ${validationRows.length} validation, ${testRows.length} test`)
  return {
    kind,
    label,
    columns,
    sets: { tabular, graph: [...tabular, ...graph], platform: [...tabular, ...platform] },
    trainRows,
    validationRows,
    testRows,
    featureSeconds,
  }
}

/**
 * Trains the GBDT on one feature set of a prepared split (early stopping
 * and the F1 threshold on the validation rows) and measures it on the
 * validation rows and, with `scoreTest`, on the labelled test rows: ROC
 * AUC, AP, macro-F1 at the validation threshold.
 */
export async function fitSplit(
  prepared: PreparedSplit,
  set: FeatureSet,
  options: { setting: SettingCandidate; seed?: number; threads?: number; scoreTest: boolean },
): Promise<FitResult> {
  const started = performance.now()
  const { columns, label, trainRows, validationRows, testRows } = prepared
  const names = prepared.sets[set].filter((name) => !options.setting.exclude?.includes(name))
  if (set !== 'tabular' && prepared.sets[set].length === prepared.sets.tabular.length)
    throw new Error(`the ${set} features were not computed for this split`)
  const index = names.map((name) => columns.names.indexOf(name))
  const select = (rows: number[]) => index.map((k) => Float64Array.from(rows, (row) => columns.columns[k]![row]!))
  const labelsOf = (rows: number[]) => Float64Array.from(rows, (i) => label[i]!)
  const { model, report } = await trainGbdt(
    { features: select(trainRows), labels: labelsOf(trainRows), featureNames: names },
    { ...options.setting.gbdt, seed: options.seed ?? options.setting.gbdt.seed, threads: options.threads ?? 1 },
    { features: select(validationRows), labels: labelsOf(validationRows), featureNames: names },
  )
  const validationLabels = labelsOf(validationRows)
  const validationScores = model.predictBatch(select(validationRows))
  const { threshold } = bestMacroF1Threshold(validationLabels, validationScores)
  const figures = (labels: Float64Array, scores: ArrayLike<number>): Figures => ({
    auc: rocAuc(labels, scores),
    ap: averagePrecision(labels, scores),
    f1: macroF1(
      labels,
      Array.from(scores, (s) => (s >= threshold ? 1 : 0)),
    ),
  })
  const result: FitResult = {
    validation: figures(validationLabels, validationScores),
    threshold,
    features: names.length,
    rounds: report.bestIteration ?? report.roundsTrained,
    seconds: 0,
    topFeatures: model
      .featureImportance()
      .slice(0, 10)
      .map((f) => f.feature),
  }
  if (options.scoreTest) result.test = figures(labelsOf(testRows), model.predictBatch(select(testRows)))
  result.seconds = (performance.now() - started) / 1000
  return result
}

/** Mean and sample standard deviation (n − 1; 0 for one value). */
export function meanAndSd(values: number[]): { mean: number; sd: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length
  const sd = values.length > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1)) : 0
  return { mean, sd }
}
