import { trainGbdt } from '../../models/gbdt/gbdt-trainer.ts'
import type { GbdtOptions } from '../../models/gbdt/training-options.ts'
import { averagePrecision, bestMacroF1Threshold, macroF1, rocAuc } from './classification-metrics.ts'
import { FeatureColumns } from './feature-columns.ts'
import { NumpyRandomState } from './numpy-random-state.ts'
import type { SffsdData } from './s-ffsd-data.ts'
import { type LabelAccess, graphFeatures } from './s-ffsd-graph-features.ts'
import { tabularFeatures } from './s-ffsd-tabular.ts'
import { stratifiedTrainTestSplit } from './stratified-split.ts'

export type SplitKind = 'random' | 'temporal'

export interface SplitFigures {
  auc: number
  ap: number
  f1: number
  /** The score threshold for F1, chosen on the validation rows (best macro-F1 there). */
  threshold: number
  validationF1: number
  rows: { train: number; validation: number; test: number; testPositives: number }
  features: number
  rounds: number
  seconds: number
  topFeatures: string[]
}

/** The trainer's settings for both splits: not tuned on the test rows. */
export const sffsdGbdtOptions: GbdtOptions = {
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

/** Five folds over the labelled training rows for out-of-fold rates; fold 0 is also the validation set of the random split. */
const folds = 5

/**
 * One split of the S-FFSD protocol (data/s-ffsd/README.md):
 *
 * - `random`: GTAN's `train_test_split(stratify=Labels, test_size=0.2,
 *   random_state=2)` over all rows (`stratified-split.ts`); training on the
 *   labelled rows of the 80 %, validation (early stopping, F1 threshold) on
 *   one fifth of them, drawn with the same generator;
 * - `temporal`: the first 80 % of the time span to train (validation: its
 *   last 15 %), the rest to test.
 *
 * Features: GTAN's tabular inputs plus the graph features, whose labels
 * come from training rows only (`LabelAccess`). Metrics on the labelled test
 * rows: ROC AUC, AP, macro-F1 at the validation threshold.
 */
export async function evaluateSplit(data: SffsdData, kind: SplitKind, options: { threads?: number; gbdt?: GbdtOptions; onProgress?: (line: string) => void; exclude?: string[] } = {}): Promise<SplitFigures> {
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
  const all = graphFeatures(data, access, tabularFeatures(data, new FeatureColumns(n)))
  const columns = new FeatureColumns(n)
  all.names.forEach((name, k) => {
    if (!options.exclude?.includes(name)) columns.add(name).set(all.columns[k]!)
  })
  options.onProgress?.(`${kind}: ${columns.names.length} features in ${((performance.now() - started) / 1000).toFixed(1)} s; training on ${trainRows.length} rows`)
  const labelsOf = (rows: number[]) => Float64Array.from(rows, (i) => label[i]!)
  const { model, report } = await trainGbdt(
    { features: columns.select(trainRows), labels: labelsOf(trainRows), featureNames: columns.names },
    { ...(options.gbdt ?? sffsdGbdtOptions), threads: options.threads ?? 1 },
    { features: columns.select(validationRows), labels: labelsOf(validationRows), featureNames: columns.names },
  )
  const validationScores = model.predictBatch(columns.select(validationRows))
  const { threshold, f1: validationF1 } = bestMacroF1Threshold(labelsOf(validationRows), validationScores)
  const testLabels = labelsOf(testRows)
  const testScores = model.predictBatch(columns.select(testRows))
  const topFeatures = model
    .featureImportance()
    .slice(0, 10)
    .map((f) => f.feature)
  return {
    auc: rocAuc(testLabels, testScores),
    ap: averagePrecision(testLabels, testScores),
    f1: macroF1(
      testLabels,
      Array.from(testScores, (s) => (s >= threshold ? 1 : 0)),
    ),
    threshold,
    validationF1,
    rows: { train: trainRows.length, validation: validationRows.length, test: testRows.length, testPositives: testLabels.reduce((a, b) => a + b, 0) },
    features: columns.names.length,
    rounds: report.bestIteration ?? report.roundsTrained,
    seconds: (performance.now() - started) / 1000,
    topFeatures,
  }
}
