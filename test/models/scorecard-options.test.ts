import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { XiezhiError } from '../../src/core/errors.ts'
import type { ScorecardData } from '../../src/models/scorecard/scorecard-data.ts'
import type { ScorecardOptions } from '../../src/models/scorecard/scorecard-options.ts'
import { trainScorecard } from '../../src/models/scorecard/scorecard-trainer.ts'
import { applicants } from './scorecard-fixtures.ts'

const data = applicants(400, 3)

/** Each refused option, and the start of the message that must name it. */
const refusals: [string, unknown, string][] = [
  ['an unknown binning', { binning: 'quantile' }, "binning: must be 'monotone' or 'optimal'"],
  ['one bin', { maxBins: 1 }, 'maxBins: must be an integer from 2 to 50'],
  ['fractional bins', { maxBins: 4.5 }, 'maxBins: must be an integer from 2 to 50'],
  ['fewer fine bins than bins', { fineBins: 4, maxBins: 6 }, 'fineBins: must be ≥ maxBins (6)'],
  ['a bin share of 0', { minBinShare: 0 }, 'minBinShare: must be > 0 and < 0.5'],
  ['a bin share of one half', { minBinShare: 0.5 }, 'minBinShare: must be > 0 and < 0.5'],
  ['negative least bads', { minBinBads: -1 }, 'minBinBads: must be an integer ≥ 0'],
  ['no smoothing', { woeSmoothing: 0 }, 'woeSmoothing: must be > 0 and ≤ 10'],
  ['a negative IV threshold', { minIv: -0.1 }, 'minIv: must be ≥ 0'],
  ['a PDO of 0', { pdo: 0 }, 'pdo: must be > 0'],
  ['negative base odds', { baseOdds: -1 }, 'baseOdds: must be > 0'],
  ['a base score as text', { baseScore: '600' }, 'baseScore: must be a finite number'],
  ['an infinite base score', { baseScore: Number.POSITIVE_INFINITY }, 'baseScore: must be a finite number'],
  ['negative L2', { l2: -1 }, 'l2: must be ≥ 0'],
  ['a p-value above 1', { maxPValue: 2 }, 'maxPValue: must be > 0 and ≤ 1'],
  ['an unknown intercept placement', { intercept: 'shared' }, "intercept: must be 'separate' or 'distributed'"],
  ['dropWrongSign as text', { dropWrongSign: 'yes' }, 'dropWrongSign: must be true or false'],
  ['a misspelt option', { max_bins: 5 }, 'max_bins: unknown option'],
  ['a direction of 0', { monotone: { age: 0 } }, 'monotone: { variable: 1 | -1 }'],
  ['a direction for no variable', { monotone: { income: 1 } }, 'monotone: names "income", which is not a variable'],
  ['a direction for a categorical variable', { monotone: { housing: 1 } }, 'monotone: names "housing", which is categorical'],
  ['a direction with optimal binning', { binning: 'optimal', monotone: { age: 1 } }, "monotone: only for binning 'monotone'"],
  ['minIvGain with monotone binning', { minIvGain: 0.01 }, "minIvGain: only for binning 'optimal'"],
  ['a description without English', { descriptions: { age: { zh: '年龄' } } }, 'descriptions: { variable: { zh, en, reasonCode? } }'],
  ['a description for no variable', { descriptions: { income: { zh: '收入', en: 'Income' } } }, 'descriptions: names "income", which is not a variable'],
]

describe('refused options name the parameter', () => {
  for (const [name, options, message] of refusals) {
    test(name, () => {
      assert.throws(
        () => trainScorecard(data, options as ScorecardOptions),
        (error: unknown) => error instanceof XiezhiError && error.kind === 'invalid_input' && error.message.startsWith(message),
      )
    })
  }

  test('every problem at once, one issue per parameter', () => {
    assert.throws(
      () => trainScorecard(data, { maxBins: 0, pdo: -1, minIv: -1 }),
      (error: unknown) => error instanceof XiezhiError && error.issues.map((i) => i.pointer).join(' ') === '/maxBins /minIv /pdo',
    )
  })
})

describe('refused data', () => {
  const refusedData: [string, ScorecardData, string][] = [
    ['a label of 2', { variables: [{ name: 'x', values: new Float64Array(2) }], labels: Float64Array.of(0, 2) }, 'train.labels.1: must be 0 (good) or 1 (bad)'],
    ['a short column', { variables: [{ name: 'x', values: new Float64Array(1) }], labels: Float64Array.of(0, 1) }, 'train.variables.0.values: has 1 rows; labels have 2'],
    ['only goods', { variables: [{ name: 'x', values: new Float64Array(2) }], labels: Float64Array.of(0, 0) }, 'train.labels: needs both goods (0) and bads (1)'],
    ['a name twice', { variables: [{ name: 'x', values: new Float64Array(2) }, { name: 'x', values: new Float64Array(2) }], labels: Float64Array.of(0, 1) }, 'train.variables: has a name twice'],
    ['a number in a categorical column', { variables: [{ name: 'c', values: ['a', 3 as unknown as string] }], labels: Float64Array.of(0, 1) }, 'train.variables.0.values.1: must be a string or null'],
    ['no variable informative enough', { variables: [{ name: 'x', values: Float64Array.of(1, 1, 1, 1) }], labels: Float64Array.of(0, 1, 0, 1) }, 'train.variables: no variable has an information value ≥ minIv'],
  ]
  for (const [name, given, message] of refusedData) {
    test(name, () => {
      assert.throws(
        () => trainScorecard(given),
        (error: unknown) => error instanceof XiezhiError && error.message.startsWith(message),
      )
    })
  }

  test('a validation set without a training column is refused, naming it', () => {
    const validation = { variables: data.variables.slice(1), labels: data.labels }
    assert.throws(
      () => trainScorecard(data, {}, validation),
      (error: unknown) => error instanceof XiezhiError && error.message.startsWith('validation.variables: has no column "age"'),
    )
  })
})
