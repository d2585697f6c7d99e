import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { XiezhiError } from '../../src/core/errors.ts'
import { trainGbdtSync } from '../../src/models/gbdt/gbdt-trainer.ts'
import type { GbdtOptions } from '../../src/models/gbdt/training-options.ts'
import { synthetic } from './synthetic-data.ts'

const data = synthetic(50, 2, 1, (x) => (x[0]! > 0.5 ? 1 : 0))

/** Each refused option, and the start of the message that must name it. */
const refusals: [string, unknown, string][] = [
  ['learning rate 0', { learningRate: 0 }, 'learningRate: must be > 0 and ≤ 1'],
  ['learning rate above 1', { learningRate: 1.5 }, 'learningRate: must be > 0 and ≤ 1'],
  ['learning rate not a number', { learningRate: 'fast' }, 'learningRate: must be > 0 and ≤ 1'],
  ['no rounds', { rounds: 0 }, 'rounds: must be an integer from 1 to 100000'],
  ['fractional depth', { maxDepth: 2.5 }, 'maxDepth: must be an integer from 1 to 30'],
  ['negative lambda', { lambda: -1 }, 'lambda: must be ≥ 0'],
  ['negative alpha', { alpha: -0.1 }, 'alpha: must be ≥ 0'],
  ['subsample 0', { subsample: 0 }, 'subsample: must be > 0 and ≤ 1'],
  ['colsample above 1', { colsampleByTree: 2 }, 'colsampleByTree: must be > 0 and ≤ 1'],
  ['65,536 bins', { maxBins: 65_536 }, 'maxBins: must be an integer from 2 to 65535'],
  ['one bin', { maxBins: 1 }, 'maxBins: must be an integer from 2 to 65535'],
  ['a base score by name other than prior', { baseScore: 'mean' }, "baseScore: must be 'prior' or a finite number"],
  ['an infinite base score', { baseScore: Number.POSITIVE_INFINITY }, "baseScore: must be 'prior' or a finite number"],
  ['unknown objective', { objective: 'poisson' }, "objective: must be 'binary' (log-loss) or 'regression' (squared error)"],
  ['unknown growth', { growth: 'lossguide' }, "growth: must be 'depthwise' or 'leafwise'"],
  ['zero threads', { threads: 0 }, 'threads: must be an integer from 1 to 64'],
  ['a misspelt option', { learning_rate: 0.1 }, 'learning_rate: unknown option'],
  ['a monotone direction of 2', { monotoneConstraints: [2, 0] }, 'monotoneConstraints: must be a list of -1, 0, 1 per feature'],
  ['too few monotone entries', { monotoneConstraints: [1] }, 'monotoneConstraints: has 1 entries for 2 features'],
  ['a monotone constraint on no feature', { monotoneConstraints: { income: 1 } }, 'monotoneConstraints: names "income", which is not a feature'],
  ['maxLeaves with depth-wise growth', { maxLeaves: 8 }, "maxLeaves: only for growth 'leafwise'"],
  ['both class weightings', { scalePosWeight: 2, classWeights: { 0: 1, 1: 2 } }, 'scalePosWeight: give scalePosWeight or classWeights, not both'],
  ['class weights for regression', { objective: 'regression', scalePosWeight: 2 }, "scalePosWeight: only for objective 'binary'"],
  ['a zero class weight', { classWeights: { 0: 0, 1: 1 } }, 'classWeights: must be { 0: weight, 1: weight } with weights > 0'],
  ['early stopping without a validation set', { earlyStoppingRounds: 5 }, 'earlyStoppingRounds: needs a validation set'],
  ['AUC for regression', { objective: 'regression', earlyStoppingMetric: 'auc' }, "earlyStoppingMetric: must be 'rmse' for objective 'regression'"],
]

describe('refused parameters name themselves', () => {
  for (const [name, options, message] of refusals) {
    test(name, () => {
      assert.throws(
        () => trainGbdtSync(data, options as GbdtOptions),
        (error: unknown) => error instanceof XiezhiError && error.kind === 'invalid_input' && error.message.startsWith(message),
      )
    })
  }

  test('every problem at once, one issue per parameter', () => {
    assert.throws(
      () => trainGbdtSync(data, { learningRate: 0, maxDepth: 0, lambda: -1 }),
      (error: unknown) => error instanceof XiezhiError && error.issues.map((i) => i.pointer).join(' ') === '/learningRate /maxDepth /lambda',
    )
  })
})

describe('refused data', () => {
  const refusedData: [string, Parameters<typeof trainGbdtSync>[0], string][] = [
    ['a label of 2', { features: [new Float64Array(2)], labels: Float64Array.of(0, 2) }, 'train.labels.1: must be 0 or 1'],
    ['a short column', { features: [new Float64Array(1)], labels: Float64Array.of(0, 1) }, 'train.features.0: has 1 rows; labels have 2'],
    ['a negative weight', { features: [new Float64Array(2)], labels: Float64Array.of(0, 1), weights: Float64Array.of(1, -1) }, 'train.weights.1: must be a finite number ≥ 0'],
    ['no rows', { features: [new Float64Array(0)], labels: new Float64Array(0) }, 'train.labels: has no rows'],
    ['a name twice', { features: [new Float64Array(2), new Float64Array(2)], labels: Float64Array.of(0, 1), featureNames: ['age', 'age'] }, 'train.featureNames: has a name twice'],
  ]
  for (const [name, bad, message] of refusedData) {
    test(name, () => {
      assert.throws(() => trainGbdtSync(bad), (error: unknown) => error instanceof XiezhiError && error.message.includes(message))
    })
  }

  test('a validation set with another number of features', () => {
    assert.throws(
      () => trainGbdtSync(data, { earlyStoppingRounds: 2 }, { features: [new Float64Array(2)], labels: Float64Array.of(0, 1) }),
      /validation\.features: has 1 columns; the training set has 2/,
    )
  })
})
