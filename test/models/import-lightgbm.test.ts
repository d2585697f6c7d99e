import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { XiezhiError } from '../../src/core/errors.ts'
import { loadModel, serializeModel } from '../../src/models/gbdt/model-json.ts'
import { importModel } from '../../src/models/import/import-model.ts'
import { importedModelOf, lightgbmZeroThreshold } from '../../src/models/import/imported-model.ts'
import { importLightgbmText } from '../../src/models/import/lightgbm-text.ts'
import { fixtureText, lightgbmFixtures, sum } from './import-fixtures.ts'

const fixtures = lightgbmFixtures()

function refused(run: () => unknown, code: string, pointer: string, line?: number) {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof XiezhiError, String(error))
    assert.equal(error.kind, 'invalid_input')
    const issue = error.issues.find((i) => i.code === code && i.pointer === pointer)
    assert.ok(issue, `no ${code} issue at ${pointer} in ${JSON.stringify(error.issues)}`)
    if (line !== undefined) assert.match(issue.message, new RegExp(`^line ${line}: `))
    assert.ok(error.message.includes(pointer), error.message)
    return true
  })
}

/**
 * A two-feature model written by hand in LightGBM's text format: each tree
 * splits on feature `a` at `threshold` with `decision_type`, leaf values 1
 * (left) and 2 (right) times 10^tree, so a margin spells out every tree's
 * branch. The expectations in the tests that use it come from LightGBM's
 * `Tree::NumericalDecision` (include/LightGBM/tree.h), not from running
 * LightGBM: they test the semantics, the fixtures test the numbers.
 */
function handMade(splits: { threshold: number; decisionType: number }[], objective = 'regression'): string {
  const header = ['tree', 'version=v4', 'num_class=1', 'num_tree_per_iteration=1', 'label_index=0', 'max_feature_idx=1', `objective=${objective}`, 'feature_names=a b', '']
  const trees = splits.flatMap(({ threshold, decisionType }, t) => [
    `Tree=${t}`,
    'num_leaves=2',
    'num_cat=0',
    'split_feature=0',
    'split_gain=1',
    `threshold=${threshold}`,
    `decision_type=${decisionType}`,
    'left_child=-1',
    'right_child=-2',
    `leaf_value=${10 ** t} ${2 * 10 ** t}`,
    'leaf_count=6 4',
    'internal_value=0',
    'internal_count=10',
    'is_linear=0',
    'shrinkage=1',
    '',
  ])
  return [...header, ...trees, 'end of trees', ''].join('\n')
}

const branch = (text: string, a: number) => importLightgbmText(text).predictMargin([a, 0])

describe('LightGBM text: scores equal LightGBM’s own', () => {
  for (const fixture of fixtures) {
    test(`${fixture.name}: ${fixture.rows.length} rows within 1e-6 of LightGBM's ${fixture.margins ? 'raw scores' : 'probabilities'}`, () => {
      const model = importLightgbmText(fixture.model)
      fixture.rows.forEach((row, i) => {
        if (fixture.margins) assert.ok(Math.abs(model.predictMargin(row) - fixture.margins[i]!) <= 1e-6, `row ${i}: ${model.predictMargin(row)} vs ${fixture.margins[i]}`)
        if (fixture.predictions) assert.ok(Math.abs(model.predict(row) - fixture.predictions[i]!) <= 1e-6, `row ${i}: ${model.predict(row)} vs ${fixture.predictions[i]}`)
      })
    })
  }

  test('raw scores are LightGBM’s doubles exactly: the same leaves summed in the same order, by the flat scorer itself', () => {
    for (const fixture of fixtures.filter((f) => f.margins)) {
      const model = importLightgbmText(fixture.model)
      fixture.rows.forEach((row, i) => {
        assert.equal(model.predictMargin(row), fixture.margins![i], `${fixture.name} row ${i}`)
        assert.equal(model.model.predictMargin(row), fixture.margins![i], `${fixture.name} row ${i}`)
      })
    }
  })

  test('the missing-value fixture has NaN-type splits both ways and rows with NaN cells', () => {
    const fixture = fixtures.find((f) => f.name === 'regression_missing')!
    assert.match(fixture.model, /decision_type=.*\b8\b/)
    assert.match(fixture.model, /decision_type=.*\b10\b/)
    assert.ok(fixture.rows.some((row) => row.some(Number.isNaN)))
  })
})

describe('LightGBM text: TreeSHAP on imported models', () => {
  for (const fixture of fixtures) {
    test(`${fixture.name}: the contributions plus the expected value sum to the raw score`, () => {
      const model = importLightgbmText(fixture.model)
      for (const row of fixture.rows) {
        const { expectedValue, contributions } = model.explain(row)
        const margin = model.predictMargin(row)
        assert.ok(Math.abs(expectedValue + sum(contributions) - margin) <= 1e-9 * Math.max(1, Math.abs(margin)))
      }
    })
  }

  test('covers are the data counts LightGBM’s pred_contrib weighs by', () => {
    const model = importLightgbmText(fixtureText('lightgbm/small_tree.model.txt'))
    const root = model.model.roots[0]!
    assert.equal(model.model.cover[root], 50)
    assert.equal(model.model.cover[model.model.left[root]!]! + model.model.cover[model.model.right[root]!]!, 50)
  })
})

describe('LightGBM text: missing types, as NumericalDecision reads decision_type', () => {
  test('None (0): NaN is compared as 0.0, whatever the default-left bit says', () => {
    assert.equal(branch(handMade([{ threshold: 0.5, decisionType: 0 }]), Number.NaN), 1)
    assert.equal(branch(handMade([{ threshold: -0.5, decisionType: 2 }]), Number.NaN), 2)
    assert.equal(branch(handMade([{ threshold: 0.5, decisionType: 0 }]), 0.5), 1)
    assert.equal(branch(handMade([{ threshold: 0.5, decisionType: 0 }]), 0.5000000000000001), 2)
  })

  test('NaN (8, 10): NaN goes the default way; 0 is a value', () => {
    assert.equal(branch(handMade([{ threshold: 0.5, decisionType: 8 }]), Number.NaN), 2)
    assert.equal(branch(handMade([{ threshold: 0.5, decisionType: 10 }]), Number.NaN), 1)
    assert.equal(branch(handMade([{ threshold: -0.5, decisionType: 10 }]), 0), 2)
  })

  test('Zero (4, 6): NaN and |x| ≤ 1e-35f go the default way; the band is mapped to missing only when the threshold disagrees', () => {
    const against = handMade([{ threshold: 0.5, decisionType: 4 }])
    assert.deepEqual(importLightgbmText(against).provenance.zeroAsMissing, [0])
    for (const x of [0, -0, 1e-36, -1e-36, lightgbmZeroThreshold, -lightgbmZeroThreshold, Number.NaN]) assert.equal(branch(against, x), 2, String(x))
    for (const x of [2e-35, -2e-35, 0.3, 0.5]) assert.equal(branch(against, x), 1, String(x))
    assert.equal(branch(against, 0.6), 2)
    const along = handMade([{ threshold: 0.5, decisionType: 6 }])
    assert.deepEqual(importLightgbmText(along).provenance.zeroAsMissing, [])
    for (const x of [0, Number.NaN, 0.3]) assert.equal(branch(along, x), 1)
    assert.equal(branch(along, 0.6), 2)
  })

  test('a feature whose splits would treat the zero band differently after the mapping is refused', () => {
    // tree 1's NaN-type split sends NaN right but 0 left (0 ≤ 0.5): mapping 0 to NaN would move it
    refused(() => importLightgbmText(handMade([{ threshold: 0.5, decisionType: 4 }, { threshold: 0.5, decisionType: 8 }])), 'unsupported_model', '/Tree=1/decision_type/0', 32)
    // sending NaN left agrees with 0 ≤ 0.5: accepted, and scored as LightGBM would
    const mixed = handMade([{ threshold: 0.5, decisionType: 4 }, { threshold: 0.5, decisionType: 10 }])
    assert.equal(branch(mixed, 0), 2 + 10)
    assert.equal(branch(mixed, Number.NaN), 2 + 10)
    assert.equal(branch(mixed, 0.25), 1 + 10)
  })

  test('the zero-as-missing mapping survives saving and loading the flat model', () => {
    const imported = importLightgbmText(handMade([{ threshold: 0.5, decisionType: 4 }]))
    const again = importedModelOf(loadModel(serializeModel(imported.model)))!
    assert.deepEqual(again.provenance.zeroAsMissing, [0])
    assert.equal(again.predictMargin([0, 0]), 2)
    // the flat model alone reads 0 as a value: the wrapper is what keeps LightGBM's meaning
    assert.equal(imported.model.predictMargin([0, 0]), 1)
  })

  test('a constant tree (num_leaves=1) adds its one leaf', () => {
    const text = handMade([{ threshold: 0.5, decisionType: 0 }]).replace('end of trees', 'Tree=1\nnum_leaves=1\nnum_cat=0\nsplit_feature=\nthreshold=\nleaf_value=0.25\n\nend of trees')
    assert.equal(importLightgbmText(text).predictMargin([0.3, 0]), 1.25)
  })
})

describe('LightGBM text: the objective', () => {
  test('binary sigmoid:k gives 1/(1+exp(−k·raw)); the margin is then k·raw, the log-odds', () => {
    const fixture = fixtures.find((f) => f.name === 'binary_classification')!
    const model = importLightgbmText(fixture.model.replace('objective=binary sigmoid:1', 'objective=binary sigmoid:2'))
    fixture.rows.forEach((row, i) => {
      const raw = fixture.margins![i]!
      assert.ok(Math.abs(model.predictMargin(row) - 2 * raw) <= 1e-12 * Math.max(1, Math.abs(raw)))
      assert.ok(Math.abs(model.predict(row) - 1 / (1 + Math.exp(-2 * raw))) <= 1e-12)
    })
  })

  test('regression objectives score the raw sum; provenance names the library, version and objective', () => {
    const model = importLightgbmText(fixtureText('lightgbm/regression.model.txt'))
    assert.equal(model.model.objective, 'regression')
    assert.deepEqual([model.provenance.library, model.provenance.version, model.provenance.objective, model.provenance.arithmetic], ['lightgbm', 'v4', 'regression', 'float64'])
    assert.equal(importModel(fixtureText('lightgbm/regression.model.txt')).provenance.library, 'lightgbm')
  })
})

describe('LightGBM text: refusals name the block, key and line', () => {
  const binary = fixtureText('lightgbm/binary_classification.model.txt')
  const lineOf = (text: string, start: string) => text.split('\n').findIndex((l) => l.startsWith(start)) + 1

  test('a file that is not a LightGBM model', () => {
    refused(() => importLightgbmText('{"learner": {}}'), 'invalid_model', '/', 1)
    refused(() => importLightgbmText(binary.slice(0, binary.indexOf('Tree=3'))), 'invalid_model', '/end of trees')
  })

  test('unsupported: multi-class, categorical splits, linear trees, averaging, objectives with other outputs', () => {
    refused(() => importLightgbmText(binary.replace('num_class=1', 'num_class=3')), 'unsupported_model', '/num_class', lineOf(binary, 'num_class='))
    refused(() => importLightgbmText(binary.replace('objective=binary sigmoid:1', 'objective=poisson')), 'unsupported_model', '/objective', lineOf(binary, 'objective='))
    refused(() => importLightgbmText(binary.replace('objective=binary sigmoid:1', 'objective=regression sqrt')), 'unsupported_model', '/objective')
    refused(() => importLightgbmText(binary.replace('version=v4', 'version=v4\naverage_output')), 'unsupported_model', '/average_output', 3)
    const tree2 = binary.indexOf('Tree=2')
    const withCategories = binary.slice(0, tree2) + binary.slice(tree2).replace('num_cat=0', 'num_cat=1')
    refused(() => importLightgbmText(withCategories), 'unsupported_model', '/Tree=2/num_cat', lineOf(withCategories, 'Tree=2') + 2)
    refused(() => importLightgbmText(binary.replace('decision_type=2 2\n', 'decision_type=3 2\n')), 'unsupported_model', '/Tree=0/decision_type/0')
    refused(() => importLightgbmText(binary.replace('is_linear=0', 'is_linear=1')), 'unsupported_model', '/Tree=0/is_linear')
  })

  const tree0 = (key: string, value: string) => binary.replace(new RegExp(`(Tree=0\\n(?:.*\\n)*?)${key}=.*\\n`), `$1${key}=${value}\n`)
  const broken: [string, string, string, string][] = [
    ['too few thresholds', 'threshold', '-0.39', '/Tree=0/threshold'],
    ['a threshold that is not a number', 'threshold', '-0.39 abc', '/Tree=0/threshold/1'],
    ['a child out of range', 'right_child', '1 -7', '/Tree=0/right_child/1'],
    ['a child reached twice', 'right_child', '1 -1', '/Tree=0/right_child/1'],
    ['a split on a feature the model does not have', 'split_feature', '10 2', '/Tree=0/split_feature/0'],
    ['a decision type with an unknown missing type', 'decision_type', '14 2', '/Tree=0/decision_type/0'],
    ['leaf values that are not numbers', 'leaf_value', '0.1 x 0.2', '/Tree=0/leaf_value/1'],
  ]
  for (const [what, key, value, pointer] of broken) {
    test(`${what}: invalid_model at ${pointer}, with its line`, () => {
      const text = tree0(key, value)
      assert.notEqual(text, binary)
      refused(() => importLightgbmText(text), 'invalid_model', pointer, lineOf(binary, `${key}=`))
    })
  }

  test('feature names that do not match max_feature_idx', () => {
    refused(() => importLightgbmText(binary.replace('max_feature_idx=9', 'max_feature_idx=4')), 'invalid_model', '/feature_names', lineOf(binary, 'feature_names='))
  })
})
