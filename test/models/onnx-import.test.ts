import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import { XiezhiError } from '../../src/core/errors.ts'
import { loadModel, serializeModel } from '../../src/models/gbdt/model-json.ts'
import { previousFloat32 } from '../../src/models/import/float32.ts'
import { importedModelOf } from '../../src/models/import/imported-model.ts'
import { importOnnxModel, onnxImportedModelOf, onnxLogistic } from '../../src/models/import/onnx-model.ts'
import { decodeOnnxModel, encodeOnnxModel, type OnnxModelProto, onnxDataType } from '../../src/models/import/onnx-proto.ts'
import { float32AtMostBound } from '../../src/models/import/onnx-trees.ts'
import { ensembleModel, onnxFixture, onnxruntimeScores, seeded, type TestTree } from './onnx-reference.ts'

/** The fixtures converted by the real converters (provenance in test/fixtures/models/README.md), with onnxruntime's scores. */
const fixtures = [
  { name: 'onnxmltools_xgboost_regressor', kind: 'regression', trees: 100, features: 4 },
  { name: 'sklearn_onnx_treecl2_binary', kind: 'binary', trees: 10, features: 20 },
] as const

const expectedOf = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/models/onnx/${name}.expected.json`, import.meta.url), 'utf8')) as { rows: (number | null)[][]; scores: number[] }
const toRow = (cells: (number | null)[]) => cells.map((v) => (v === null ? Number.NaN : v))

/** Rows around every threshold of the imported model, as doubles: onnxruntime sees their float32 roundings. */
function rowsAround(model: ReturnType<typeof importOnnxModel>['model'], count: number, seed: number): number[][] {
  const byFeature = Array.from({ length: model.featureCount }, () => [] as number[])
  for (let n = 0; n < model.feature.length; n++) if (model.feature[n]! >= 0) byFeature[model.feature[n]!]!.push(model.threshold[n]!)
  const random = seeded(seed)
  return Array.from({ length: count }, () =>
    byFeature.map((bounds) => {
      const r = random.next()
      if (r < 0.06) return Number.NaN
      if (r < 0.1) return random.pick([0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])
      if (r < 0.2 || bounds.length === 0) return (random.next() - 0.5) * 10
      const bound = random.pick(bounds)
      const t = Math.fround(bound)
      // the bound itself, the float32 it rounds to and its neighbours, and doubles just past the bound
      return random.pick([bound, t, previousFloat32(t), -previousFloat32(-t), (t + -previousFloat32(-t)) / 2, bound + Math.abs(bound) * 1e-12])
    }),
  )
}

function refusal(work: () => unknown): string {
  try {
    work()
  } catch (error) {
    assert.ok(error instanceof XiezhiError, String(error))
    assert.equal(error.kind, 'invalid_input')
    return error.issues.map((i) => `${i.code} ${i.pointer}: ${i.message}`).join('\n')
  }
  assert.fail('not refused')
}

describe('ONNX fixtures converted by onnxmltools and skl2onnx score as onnxruntime-node does', () => {
  for (const fixture of fixtures) {
    test(`${fixture.name}: the committed onnxruntime scores, bit for bit`, () => {
      const imported = importOnnxModel(onnxFixture(`${fixture.name}.onnx`))
      assert.equal(imported.model.objective, fixture.kind)
      assert.deepEqual([imported.model.treeCount, imported.featureNames.length], [fixture.trees, fixture.features])
      const { rows, scores } = expectedOf(fixture.name)
      rows.forEach((cells, i) => {
        const got = imported.predict(toRow(cells))
        assert.ok(Math.abs(got - scores[i]!) <= 1e-6, `row ${i}: onnxruntime ${scores[i]}, imported ${got}`)
        assert.equal(got, scores[i], `row ${i}`)
      })
    })

    test(`${fixture.name}: 2,000 rows on and around every threshold, NaN, ±0 and ±∞, against onnxruntime-node now`, async (t) => {
      const bytes = onnxFixture(`${fixture.name}.onnx`)
      const imported = importOnnxModel(bytes)
      const rows = rowsAround(imported.model, 2000, fixture.trees)
      const expected = await onnxruntimeScores(bytes, rows)
      let largest = 0
      rows.forEach((row, i) => {
        const got = imported.predict(row)
        largest = Math.max(largest, Math.abs(got - expected[i]!))
        assert.ok(Math.abs(got - expected[i]!) <= 1e-6, `row ${i} [${row}]: onnxruntime ${expected[i]}, imported ${got}`)
      })
      assert.equal(largest, 0)
      t.diagnostic(`largest difference ${largest}`)
    })

    test(`${fixture.name}: saved and loaded, the same scores; TreeSHAP sums to the flat model's margin`, () => {
      const imported = importOnnxModel(onnxFixture(`${fixture.name}.onnx`))
      const again = onnxImportedModelOf(loadModel(serializeModel(imported.model)))!
      assert.ok(again, 'the provenance travels in training.importedFrom')
      assert.equal(importedModelOf(again.model), undefined, 'not taken for an XGBoost or LightGBM import')
      assert.deepEqual(again.provenance, imported.provenance)
      for (const cells of expectedOf(fixture.name).rows) {
        const row = toRow(cells)
        assert.equal(again.predict(row), imported.predict(row))
        const { expectedValue, contributions } = again.explain(row)
        const sum = contributions.reduce((s, c) => s + c, expectedValue)
        assert.ok(Math.abs(sum - again.model.predictMargin(row)) <= 1e-9)
        // the flat model's own double sum is onnxruntime's float32 sum up to rounding
        assert.ok(Math.abs(again.model.predictMargin(row) - again.predictMargin(row)) <= 1e-4)
      }
    })
  }

  test('the provenance names the producer, the operator and the arithmetic', () => {
    const xgb = importOnnxModel(onnxFixture('onnxmltools_xgboost_regressor.onnx'))
    assert.deepEqual(
      { version: xgb.provenance.version, objective: xgb.provenance.objective, arithmetic: xgb.provenance.arithmetic, inputType: xgb.provenance.inputType },
      { version: 'OnnxMLTools 1.6.5.99', objective: 'ai.onnx.ml.TreeEnsembleRegressor NONE', arithmetic: 'float32', inputType: 'float' },
    )
    const binary = importOnnxModel(onnxFixture('sklearn_onnx_treecl2_binary.onnx'), { featureNames: Array.from({ length: 20 }, (_, i) => `x${i}`) })
    assert.equal(binary.provenance.objective, 'ai.onnx.ml.TreeEnsembleClassifier LOGISTIC')
    assert.deepEqual(binary.provenance.notes?.['classLabels'], [0, 1])
    assert.equal(binary.featureNames[19], 'x19')
  })
})

describe('what onnxruntime does, kept', () => {
  const tree: TestTree = {
    feature: 0,
    mode: 'BRANCH_LT',
    threshold: 0.5,
    missingTracksTrue: true,
    whenTrue: { leaf: -1.5 },
    whenFalse: { feature: 1, mode: 'BRANCH_GTE', threshold: -2, whenTrue: { leaf: -0.25 }, whenFalse: { leaf: 3 } },
  }
  const rows = [
    [0, 0],
    [0.5, 0],
    [Number.NaN, 0],
    [1, -2],
    [1, -3],
    [1, Number.NaN],
  ]

  test('a ZipMap or a Cast after the scores changes nothing (onnxruntime-node cannot return a ZipMap: the same model without it is the reference)', async () => {
    const plain = ensembleModel({ operator: 'TreeEnsembleClassifier', trees: [tree], features: 2, base: [0.1] })
    const expected = await onnxruntimeScores(plain, rows)
    for (const after of ['ZipMap', 'Cast'] as const) {
      const imported = importOnnxModel(ensembleModel({ operator: 'TreeEnsembleClassifier', trees: [tree], features: 2, base: [0.1], after }))
      assert.deepEqual(
        rows.map((r) => imported.predict(r)),
        [...expected],
      )
    }
    const cast = ensembleModel({ operator: 'TreeEnsembleRegressor', trees: [tree], features: 2, after: 'Cast' })
    assert.deepEqual(
      rows.map((r) => importOnnxModel(cast).predict(r)),
      [...(await onnxruntimeScores(cast, rows))],
    )
  })

  test('a binary classifier whose leaves are all ≥ 0 still gets LOGISTIC from onnxruntime 1.30, and from the import', async () => {
    const positive: TestTree = { feature: 0, mode: 'BRANCH_LEQ', threshold: 0, whenTrue: { leaf: 0.2 }, whenFalse: { leaf: 0.9 } }
    const bytes = ensembleModel({ operator: 'TreeEnsembleClassifier', trees: [positive], features: 2 })
    const expected = await onnxruntimeScores(bytes, rows)
    assert.deepEqual(
      rows.map((r) => importOnnxModel(bytes).predict(r)),
      [...expected],
    )
    assert.equal(expected[0], onnxLogistic(0.2))
  })

  test('onnxruntime leaves a single-target regressor untransformed whatever post_transform says: such a file is refused', async () => {
    const bytes = ensembleModel({ operator: 'TreeEnsembleRegressor', trees: [tree], features: 2, postTransform: 'LOGISTIC' })
    assert.deepEqual([...(await onnxruntimeScores(bytes, rows.slice(0, 1)))], [-1.5])
    assert.match(refusal(() => importOnnxModel(bytes)), /unsupported_model \/graph\/node\/0\/post_transform: is LOGISTIC: a regressor is imported without a transform/)
  })

  test('thresholds at the edges of float32: zero of both signs, the smallest subnormal, ±FLT_MAX', async () => {
    const max = 3.4028234663852886e38
    const edges = [0, -0, 1.401298464324817e-45, -1.401298464324817e-45, max, -max]
    const trees: TestTree[] = edges.flatMap((threshold, i) =>
      ['BRANCH_LEQ', 'BRANCH_LT', 'BRANCH_GTE', 'BRANCH_GT'].map((mode, m) => ({ feature: 0, mode, threshold, whenTrue: { leaf: 2 ** -(i * 4 + m) }, whenFalse: { leaf: 0 } })),
    )
    const bytes = ensembleModel({ operator: 'TreeEnsembleRegressor', trees, features: 1 })
    const values = edges.flatMap((t) => [t, previousFloat32(t), -previousFloat32(-t), float32AtMostBound(t), t / 2, t * 2])
    const sample = [...values, 1e-46, -1e-46, 7.006e-46, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, 3.4028235677973366e38, 3.4028235677973362e38].map((v) => [v])
    const expected = await onnxruntimeScores(bytes, sample)
    const imported = importOnnxModel(bytes)
    sample.forEach((row, i) => {
      assert.equal(imported.predict(row), expected[i], `x = ${row[0]}`)
    })
  })
})

/** An attribute of the model's first node, to change in place. */
const attribute = (m: OnnxModelProto, name: string) => m.graph!.node![0]!.attribute!.find((a) => a.name === name)!

/** Replaces parts of a built model: the tests' way to write graphs the builder does not. */
function edited(bytes: Uint8Array, edit: (model: OnnxModelProto) => void): Uint8Array {
  const model = decodeOnnxModel(bytes)
  edit(model)
  return encodeOnnxModel(model)
}

describe('refused, naming what is unsupported', () => {
  const stump: TestTree = { feature: 0, mode: 'BRANCH_LEQ', threshold: 1, whenTrue: { leaf: -1 }, whenFalse: { leaf: 1 } }
  const regressor = ensembleModel({ operator: 'TreeEnsembleRegressor', trees: [stump], features: 2 })
  const cases: { name: string; bytes: () => Uint8Array; expect: RegExp }[] = [
    { name: 'a three-class classifier (skl2onnx fixture)', bytes: () => onnxFixture('sklearn_onnx_treecl_3class.onnx'), expect: /unsupported_model \/graph\/node\/0\/classlabels_int64s: names 3 classes: only binary classifiers are imported/ },
    { name: 'a four-class classifier without a transform (skl2onnx fixture)', bytes: () => onnxFixture('sklearn_onnx_treecl3_4class.onnx'), expect: /post_transform: is NONE: a binary classifier is imported with LOGISTIC/ },
    { name: 'two targets (onnx backend test, TreeEnsemble opset 5)', bytes: () => onnxFixture('onnx_tree_ensemble_single_tree.onnx'), expect: /unsupported_model \/graph\/node\/0\/n_targets: is 2: only one target is imported/ },
    { name: 'set membership (onnx backend test, TreeEnsemble opset 5)', bytes: () => onnxFixture('onnx_tree_ensemble_set_membership.onnx'), expect: /n_targets: is 4/ },
    {
      name: 'a set-membership split alone',
      bytes: () => ensembleModel({ operator: 'TreeEnsemble', trees: [{ ...stump, mode: 'BRANCH_MEMBER' }], features: 2 }),
      expect: /unsupported_model \/graph\/node\/0\/nodes_modes\/0: a set-membership split \(BRANCH_MEMBER, categorical\) has no x ≤ threshold form/,
    },
    { name: 'an equality split', bytes: () => ensembleModel({ operator: 'TreeEnsembleRegressor', trees: [{ ...stump, mode: 'BRANCH_EQ' }], features: 2 }), expect: /nodes_modes\/0: an equality split \(BRANCH_EQ, as converters write categorical splits\)/ },
    { name: 'an inequality split', bytes: () => ensembleModel({ operator: 'TreeEnsembleRegressor', trees: [{ ...stump, mode: 'BRANCH_NEQ' }], features: 2 }), expect: /nodes_modes\/0: an inequality split \(BRANCH_NEQ\)/ },
    { name: 'averaged trees (a random forest)', bytes: () => ensembleModel({ operator: 'TreeEnsembleRegressor', trees: [stump], features: 2, aggregate: 'AVERAGE' }), expect: /aggregate_function: is AVERAGE: only SUM/ },
    { name: 'double thresholds for a float input', bytes: () => ensembleModel({ operator: 'TreeEnsembleRegressor', trees: [stump], features: 2, asTensor: true }), expect: /nodes_values_as_tensor: holds doubles while the input is float/ },
    { name: 'an infinite threshold', bytes: () => ensembleModel({ operator: 'TreeEnsembleRegressor', trees: [{ ...stump, threshold: Number.POSITIVE_INFINITY }], features: 2 }), expect: /nodes_modes\/0: threshold is Infinity, not a finite number/ },
    {
      name: 'per-class leaf values (a random forest classifier)',
      bytes: () => edited(ensembleModel({ operator: 'TreeEnsembleClassifier', trees: [stump], features: 2 }), (m) => {
        attribute(m, 'class_ids').ints = [0, 1]
      }),
      expect: /class_ids\/1: is 1: every leaf must vote for class 0 alone/,
    },
    {
      name: 'a neural network',
      bytes: () =>
        edited(regressor, (m) => {
          m.graph!.node = [
            { opType: 'MatMul', input: ['X', 'W'], output: ['h'] },
            { opType: 'Relu', input: ['h'], output: ['scores'] },
          ]
        }),
      expect: /unsupported_model \/graph\/node: has no tree ensemble .*its operators are MatMul, Relu\. Neural networks, linear models and other graphs are not imported/,
    },
    {
      name: 'a scaler before the trees',
      bytes: () =>
        edited(regressor, (m) => {
          m.graph!.node![0]!.input = ['scaled']
          m.graph!.node!.unshift({ opType: 'Scaler', domain: 'ai.onnx.ml', input: ['X'], output: ['scaled'] })
        }),
      expect: /unsupported_model \/graph\/node\/0: the trees read ai\.onnx\.ml\.Scaler \(node 0\): only Identity and Cast may stand between the input and the trees/,
    },
    {
      name: 'something after the scores',
      bytes: () =>
        edited(regressor, (m) => {
          m.graph!.node![0]!.output = ['raw']
          m.graph!.node!.push({ opType: 'Exp', input: ['raw'], output: ['scores'] })
        }),
      expect: /output\/0: the trees' scores reach no output of the graph through Identity, Cast or ZipMap/,
    },
    {
      name: 'two ensembles (onnxmltools’ split option)',
      bytes: () => edited(regressor, (m) => void m.graph!.node!.push({ ...m.graph!.node![0]!, output: ['more'] })),
      expect: /unsupported_model \/graph\/node\/1: is a second tree ensemble/,
    },
    { name: 'an integer input', bytes: () => edited(regressor, (m) => {
          m.graph!.input![0]!.type!.tensorType!.elemType = onnxDataType.int64
        }), expect: /graph\/input\/0: X is not a tensor of float or double/ },
    {
      name: 'two inputs',
      bytes: () => edited(regressor, (m) => void m.graph!.input!.push({ name: 'Z', type: { tensorType: { elemType: onnxDataType.float } } })),
      expect: /has 2 inputs \(X, Z\): only a model reading one tensor of all features is imported/,
    },
    { name: 'bytes that are not protobuf', bytes: () => new TextEncoder().encode('{"learner": {}}'), expect: /invalid_model : is not an ONNX model \(a protobuf ModelProto\)/ },
    { name: 'a protobuf without a graph', bytes: () => encodeOnnxModel({ irVersion: 8 }), expect: /invalid_model \/graph: is missing/ },
    {
      name: 'a child that the tree does not have',
      bytes: () => edited(regressor, (m) => {
          attribute(m, 'nodes_falsenodeids').ints = [7, 0, 0]
        }),
      expect: /invalid_model \/graph\/node\/0\/nodes_falsenodeids\/0: names node 7, which tree 0 does not have/,
    },
    {
      name: 'a split on a feature the input does not have',
      bytes: () => edited(regressor, (m) => {
          attribute(m, 'nodes_featureids').ints = [5, 0, 0]
        }),
      expect: /nodes_featureids: splits on feature 5, the input has 2 columns/,
    },
  ]
  for (const c of cases) {
    test(c.name, () => {
      assert.match(refusal(() => importOnnxModel(c.bytes())), c.expect)
    })
  }

  test('damaged files are refused as invalid input, never another error (2,000 random byte changes and cuts)', () => {
    const random = seeded(3)
    const bases = [onnxFixture('sklearn_onnx_treecl2_binary.onnx'), onnxFixture('onnx_tree_ensemble_single_tree.onnx'), regressor]
    for (let i = 0; i < 2000; i++) {
      const bytes = Uint8Array.from(random.pick(bases))
      for (let k = 0, n = 1 + random.int(4); k < n; k++) bytes[random.int(bytes.length)] = random.int(256)
      const cut = random.next() < 0.2 ? bytes.subarray(0, random.int(bytes.length)) : bytes
      try {
        importOnnxModel(cut)
      } catch (error) {
        assert.ok(error instanceof XiezhiError, `change ${i}: ${(error as Error).stack}`)
      }
    }
  })

  test('feature names must match the input’s width', () => {
    assert.match(refusal(() => importOnnxModel(regressor, { featureNames: ['a', 'b', 'c'] })), /featureNames: names 3 features, the model's input has 2 columns/)
  })
})
