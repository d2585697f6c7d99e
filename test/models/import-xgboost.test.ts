import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { XiezhiError } from '../../src/core/errors.ts'
import { loadModel, serializeModel } from '../../src/models/gbdt/model-json.ts'
import { nextDown, nextUp, previousFloat32 } from '../../src/models/import/float32.ts'
import { importModel } from '../../src/models/import/import-model.ts'
import { importedModelOf } from '../../src/models/import/imported-model.ts'
import { importXgboostJson } from '../../src/models/import/xgboost-json.ts'
import { fixtureText, sum, xgboostFixtures } from './import-fixtures.ts'

const fixtures = xgboostFixtures()

/** Asserts the import is refused with an issue of this code whose pointer contains `pointer`. */
function refused(run: () => unknown, code: string, pointer: string) {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof XiezhiError, String(error))
    assert.equal(error.kind, 'invalid_input')
    const issue = error.issues.find((i) => i.code === code && i.pointer.includes(pointer))
    assert.ok(issue, `no ${code} issue at ${pointer} in ${JSON.stringify(error.issues)}`)
    assert.ok(error.message.includes(pointer), error.message)
    return true
  })
}

/** A fixture model as a value to break in a test. */
const modelJson = (name: string) => JSON.parse(fixtureText(`xgboost/${name}.model.json`))
const trees = (json: { learner: { gradient_booster: { model: { trees: Record<string, unknown>[] } } } }) => json.learner.gradient_booster.model.trees

describe('XGBoost JSON: scores equal XGBoost’s own', () => {
  for (const fixture of fixtures) {
    test(`${fixture.name}: ${fixture.rows.length} rows within 1e-6 of XGBoost's ${fixture.margins ? 'margins' : 'probabilities'}`, () => {
      const model = importXgboostJson(fixture.model)
      fixture.rows.forEach((row, i) => {
        if (fixture.margins) assert.ok(Math.abs(model.predictMargin(row) - fixture.margins[i]!) <= 1e-6, `row ${i}: ${model.predictMargin(row)} vs ${fixture.margins[i]}`)
        if (fixture.predictions) assert.ok(Math.abs(model.predict(row) - fixture.predictions[i]!) <= 1e-6, `row ${i}: ${model.predict(row)} vs ${fixture.predictions[i]}`)
      })
    })
  }

  test('the float32 replay is bit for bit: every recorded margin and probability is equal, not just close', () => {
    for (const fixture of fixtures) {
      const model = importXgboostJson(fixture.model)
      fixture.rows.forEach((row, i) => {
        if (fixture.margins) assert.equal(model.predictMargin(row), fixture.margins[i], `${fixture.name} row ${i}`)
        if (fixture.predictions) assert.equal(model.predict(row), fixture.predictions[i], `${fixture.name} row ${i}`)
      })
    }
  })

  test('summing the same leaves in doubles (the flat scorer) misses XGBoost’s float32 sum by more than 1e-6 on large margins', () => {
    // why ImportedModel replays XGBoost's float32 accumulation instead of using GbdtModel.predictMargin
    const fixture = fixtures.find((f) => f.name === 'gbtree_many_trees')!
    const model = importXgboostJson(fixture.model)
    const worst = Math.max(...fixture.rows.map((row, i) => Math.abs(model.model.predictMargin(row) - fixture.margins![i]!)))
    assert.ok(worst > 1e-6 && worst < 1e-3, String(worst))
  })
})

describe('XGBoost JSON: the conversion', () => {
  test('a float32 split keeps XGBoost’s routing: doubles that round to the threshold go right, as XGBoost casts them', () => {
    const fixture = fixtures.find((f) => f.name === 'gbtree_binary_logistic')!
    const model = importXgboostJson(fixture.model)
    const root = model.model.roots[0]!
    const feature = model.model.feature[root]!
    const t = 0.14823048 // the root's split_conditions, 1.4823048E-1, as float32
    assert.equal(Math.fround(t), Math.fround(1.4823048e-1))
    const cut = Math.fround(t)
    const bound = model.model.threshold[root]!
    assert.ok(Math.fround(bound) < cut && Math.fround(nextUp(bound)) === cut)
    const at = (x: number) => model.predictMargin(fixture.rows[0]!.map((v, f) => (f === feature ? x : v)))
    // just below the float32 threshold as a double, but float32(x) == threshold: not < threshold, so right
    assert.equal(at(nextDown(cut)), at(cut))
    assert.notEqual(at(previousFloat32(cut)), at(cut))
  })

  test('trees are renumbered from the root; pruned nodes XGBoost leaves in its arrays are dropped', () => {
    const json = modelJson('gbtree_single_tree')
    const tree = trees(json)[0]!
    const n = Number((tree['tree_param'] as Record<string, string>)['num_nodes'])
    // a deleted node, as XGBoost keeps it after pruning: unreachable, split index INT32_MAX
    for (const [key, value] of Object.entries({ left_children: -1, right_children: -1, split_indices: 2147483647, split_conditions: 0, default_left: 0, sum_hessian: 0, loss_changes: 0, split_type: 0, base_weights: 0, parents: 0 })) {
      ;(tree[key] as number[]).push(value)
    }
    ;(tree['tree_param'] as Record<string, string>)['num_nodes'] = String(n + 1)
    const pruned = importXgboostJson(json)
    const plain = importXgboostJson(fixtureText('xgboost/gbtree_single_tree.model.json'))
    assert.equal(pruned.model.feature.length, plain.model.feature.length)
    const fixture = fixtures.find((f) => f.name === 'gbtree_single_tree')!
    for (const row of fixture.rows) assert.equal(pruned.predictMargin(row), plain.predictMargin(row))
  })

  test('covers are sum_hessian and gains loss_changes, as XGBoost’s own TreeSHAP and importance use them', () => {
    const model = importXgboostJson(fixtureText('xgboost/gbtree_binary_logistic.model.json'))
    const root = model.model.roots[0]!
    assert.equal(model.model.cover[root], 25)
    assert.equal(model.model.gain[root], 53.554947)
    const left = model.model.left[root]!
    const right = model.model.right[root]!
    assert.equal(model.model.cover[left]! + model.model.cover[right]!, 25)
  })

  test('feature names: the model’s, else the ones given, else XGBoost’s f0, f1, …', () => {
    assert.deepEqual(importXgboostJson(fixtureText('xgboost/gbtree_single_tree.model.json')).featureNames, ['f0', 'f1', 'f2'])
    assert.deepEqual(importXgboostJson(fixtureText('xgboost/gbtree_single_tree.model.json'), { featureNames: ['age', 'income', 'debt'] }).featureNames, ['age', 'income', 'debt'])
    const json = modelJson('gbtree_single_tree')
    json.learner.feature_names = ['a', 'b', 'c']
    assert.deepEqual(importXgboostJson(json).featureNames, ['a', 'b', 'c'])
    refused(() => importXgboostJson(fixtureText('xgboost/gbtree_single_tree.model.json'), { featureNames: ['a'] }), 'invalid_model', '/learner/learner_model_param/num_feature')
  })

  test('base_score: "5E-1" (XGBoost 1.x–2.x) and "[5E-1]" (3.x) read alike; logistic objectives take its logit', () => {
    const json = modelJson('training_binary_classification')
    const bracketed = importXgboostJson(json)
    json.learner.learner_model_param.base_score = '4.9375E-1'
    const plain = importXgboostJson(json)
    assert.equal(plain.model.baseScore, bracketed.model.baseScore)
    // XGBoost takes the logit in float32 (−log(1/p − 1)); the fixture's margins above check it bit for bit
    assert.ok(Math.abs(plain.model.baseScore - Math.log(0.49375 / 0.50625)) < 1e-7)
    json.learner.learner_model_param.base_score = '5E-1'
    assert.equal(importXgboostJson(json).model.baseScore, 0)
  })

  test('the imported model saves and loads as a xiezhi-gbdt model and is wrapped back with XGBoost’s arithmetic', () => {
    const fixture = fixtures.find((f) => f.name === 'gbtree_many_trees')!
    const imported = importXgboostJson(fixture.model)
    const again = importedModelOf(loadModel(serializeModel(imported.model)))!
    assert.ok(again)
    assert.deepEqual(again.provenance, imported.provenance)
    assert.equal(again.provenance.library, 'xgboost')
    assert.equal(again.provenance.version, '3.1.1')
    fixture.rows.forEach((row, i) => {
      assert.equal(again.predictMargin(row), fixture.margins![i])
    })
    assert.equal(importedModelOf(loadModel(serializeModel(imported.model).replace('"importedFrom"', '"other"'))), undefined)
  })

  test('importModel tells XGBoost JSON by its opening brace', () => {
    const fixture = fixtures.find((f) => f.name === 'gbtree_regression')!
    const model = importModel(`\n  ${fixture.model}`)
    assert.equal(model.provenance.library, 'xgboost')
    assert.equal(model.predictMargin(fixture.rows[0]!), fixture.margins![0])
    refused(() => importModel('booster[0]:\n0:[f0<0.5] yes=1,no=2'), 'invalid_model', '')
  })
})

describe('XGBoost JSON: TreeSHAP on imported models', () => {
  for (const fixture of fixtures) {
    test(`${fixture.name}: the contributions plus the expected value sum to the margin`, () => {
      const model = importXgboostJson(fixture.model)
      for (const row of fixture.rows.slice(0, 40)) {
        const { expectedValue, contributions } = model.explain(row)
        const total = expectedValue + sum(contributions)
        const exact = model.model.predictMargin(row)
        assert.ok(Math.abs(total - exact) <= 1e-9 * Math.max(1, Math.abs(exact)), `${total} vs ${exact}`)
        // XGBoost's own margin rounds to float32 after each tree: at most half a float32 ulp per tree apart
        const margin = model.predictMargin(row)
        assert.ok(Math.abs(total - margin) <= 1e-7 * model.model.treeCount * Math.max(1, Math.abs(margin)), `${total} vs ${margin}`)
        for (let f = 0; f < contributions.length; f++) if (!model.model.feature.includes(f)) assert.equal(contributions[f], 0)
      }
    })
  }
})

describe('XGBoost JSON: refusals name the field', () => {
  test('text that is not JSON (UBJSON, the old binary format) is invalid_json', () => {
    refused(() => importXgboostJson('{L\u0000\u0000\u0000\u0006learner'), 'invalid_json', '')
    assert.throws(
      () => importXgboostJson('binf'),
      (e: unknown) => e instanceof XiezhiError && e.message.includes('save_model("model.json")'),
    )
  })

  test('categorical splits, multi-class, gblinear and dart models are unsupported_model', () => {
    refused(() => importXgboostJson(fixtureText('xgboost/gbtree_categorical_binary.model.json')), 'unsupported_model', '/split_type/')
    refused(() => importXgboostJson(fixtureText('xgboost/gbtree_multiclass.model.json')), 'unsupported_model', '/learner/learner_model_param/num_class')
    refused(() => importXgboostJson(fixtureText('xgboost/gbtree_multiclass.model.json')), 'unsupported_model', '/learner/objective/name')
    refused(() => importXgboostJson(fixtureText('xgboost/gblinear_binary.model.json')), 'unsupported_model', '/learner/gradient_booster/name')
    refused(() => importXgboostJson(fixtureText('xgboost/dart_regression.model.json')), 'unsupported_model', '/learner/gradient_booster/name')
  })

  test('objectives whose output is not the margin or its sigmoid are unsupported_model', () => {
    const json = modelJson('gbtree_regression')
    json.learner.objective.name = 'count:poisson'
    refused(() => importXgboostJson(json), 'unsupported_model', '/learner/objective/name')
  })

  const broken: [string, (json: ReturnType<typeof modelJson>) => void, string][] = [
    ['a tree without split_conditions', (j) => delete trees(j)[1]!['split_conditions'], '/learner/gradient_booster/model/trees/1/split_conditions'],
    ['an array shorter than num_nodes', (j) => (trees(j)[0]!['sum_hessian'] as number[]).pop(), '/learner/gradient_booster/model/trees/0/sum_hessian'],
    ['a child out of range', (j) => ((trees(j)[2]!['left_children'] as number[])[0] = 99), '/learner/gradient_booster/model/trees/2/left_children/0'],
    ['a child that points back up', (j) => ((trees(j)[0]!['right_children'] as number[])[1] = 1), '/learner/gradient_booster/model/trees/0/'],
    ['a split on a feature the model does not have', (j) => ((trees(j)[0]!['split_indices'] as number[])[0] = 4), '/learner/gradient_booster/model/trees/0/split_indices/0'],
    ['a threshold that is not a number', (j) => ((trees(j)[0]!['split_conditions'] as unknown[])[0] = 'x'), '/learner/gradient_booster/model/trees/0/split_conditions/0'],
    ['num_nodes that is not an integer string', (j) => ((trees(j)[0]!['tree_param'] as Record<string, string>)['num_nodes'] = 'seven'), '/learner/gradient_booster/model/trees/0/tree_param/num_nodes'],
    ['a base_score outside (0, 1) for a logistic objective', (j) => (j.learner.learner_model_param.base_score = '[1.5E0]'), '/learner/learner_model_param/base_score'],
    ['a base_score that is not a number', (j) => (j.learner.learner_model_param.base_score = 'half'), '/learner/learner_model_param/base_score'],
    ['no learner', (j) => delete j.learner, '/learner'],
  ]
  for (const [what, breakIt, pointer] of broken) {
    test(`${what} is invalid_model at ${pointer}`, () => {
      const json = modelJson('gbtree_binary_logistic')
      breakIt(json)
      refused(() => importXgboostJson(json), 'invalid_model', pointer)
    })
  }
})
