import { readFileSync } from 'node:fs'

/**
 * The fixtures of `test/fixtures/models/` (provenance in its README.md):
 * models saved by XGBoost and LightGBM, the rows they were scored on, and
 * the scores the libraries themselves returned. Missing cells are `null` in
 * the JSON inputs and NaN here.
 */
const root = new URL('../fixtures/models/', import.meta.url)

export const fixtureText = (path: string) => readFileSync(new URL(path, root), 'utf8')
const json = (path: string) => JSON.parse(fixtureText(path))
const toRow = (cells: readonly (number | null)[]) => cells.map((v) => (v === null ? Number.NaN : v))

export interface Fixture {
  name: string
  model: string
  rows: number[][]
  /** The library's raw scores (output_margin / raw_score), when the source recorded them. */
  margins?: number[]
  /** The library's predictions (probabilities for binary models), when recorded. */
  predictions?: number[]
}

/** XGBoost 3.1.1 inference cases of egordm/boosters: `{name}.model.json`, `.input.json`, `.expected.json`. */
function boostersXgboost(name: string): Fixture {
  const expected = json(`xgboost/${name}.expected.json`)
  return {
    name,
    model: fixtureText(`xgboost/${name}.model.json`),
    rows: json(`xgboost/${name}.input.json`).features.map(toRow),
    margins: expected.predictions,
    predictions: expected.predictions_transformed,
  }
}

/** XGBoost 3.1.1 training cases of egordm/boosters: held-out rows flattened, margins only. */
function boostersXgboostTraining(name: string): Fixture {
  const data = json(`xgboost/training_${name}.test_data.json`)
  const rows = Array.from({ length: data.num_rows }, (_, i) => toRow(data.data.slice(i * data.num_features, (i + 1) * data.num_features)))
  return { name: `training_${name}`, model: fixtureText(`xgboost/training_${name}.model.json`), rows, margins: json(`xgboost/training_${name}.test_predictions.json`).predictions }
}

/** dmitryikh/leaves: XGBoost 1.4.1 JSON of the agaricus demo, the first 300 test rows (LibSVM: an absent feature is missing), probabilities. */
function leavesAgaricus(): Fixture {
  const model = fixtureText('xgboost/agaricus.model.json')
  const rows = fixtureText('xgboost/agaricus.test.libsvm')
    .trim()
    .split('\n')
    .map((line) => {
      const row = new Array<number>(127).fill(Number.NaN)
      for (const cell of line.trim().split(/\s+/).slice(1)) {
        const [index, value] = cell.split(':')
        row[Number(index)] = Number(value)
      }
      return row
    })
  const predictions = fixtureText('xgboost/agaricus.expected.txt').trim().split('\n').map(Number)
  return { name: 'agaricus (XGBoost 1.4.1)', model, rows, predictions }
}

export const xgboostFixtures = (): Fixture[] => [
  ...[
    'gbtree_binary_logistic',
    'gbtree_binary_logistic_missing',
    'gbtree_regression',
    'gbtree_regression_missing',
    'gbtree_single_tree',
    'gbtree_deep_trees',
    'gbtree_many_trees',
    'gbtree_wide_features',
  ].map(boostersXgboost),
  boostersXgboostTraining('binary_classification'),
  boostersXgboostTraining('leaf_wise'),
  leavesAgaricus(),
]

/** LightGBM 4.x inference cases of egordm/boosters: `{name}.model.txt`, `.input.json`, `.expected.json` (`raw`, and `proba` for binary). */
function boostersLightgbm(name: string): Fixture {
  const expected = json(`lightgbm/${name}.expected.json`)
  return { name, model: fixtureText(`lightgbm/${name}.model.txt`), rows: json(`lightgbm/${name}.input.json`).data.map(toRow), margins: expected.raw, predictions: expected.proba }
}

/** dmitryikh/leaves: a LightGBM DART model (text format v2) on 57 breast-cancer rows, probabilities. */
function leavesDartBreastCancer(): Fixture {
  const rows = fixtureText('lightgbm/breast_cancer.test.tsv')
    .trim()
    .split('\n')
    .map((line) => line.trim().split('\t').map(Number))
  const predictions = fixtureText('lightgbm/dart_breast_cancer.expected.txt').trim().split('\n').map(Number)
  return { name: 'dart_breast_cancer (format v2)', model: fixtureText('lightgbm/dart_breast_cancer.model.txt'), rows, predictions }
}

export const lightgbmFixtures = (): Fixture[] => [...['binary_classification', 'regression', 'regression_missing', 'small_tree'].map(boostersLightgbm), leavesDartBreastCancer()]

export const sum = (values: ArrayLike<number>) => Array.prototype.reduce.call(values, (a, b) => (a as number) + (b as number), 0) as number
