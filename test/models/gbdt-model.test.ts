import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { XiezhiError } from '../../src/core/errors.ts'
import { trainGbdtSync } from '../../src/models/gbdt/gbdt-trainer.ts'
import { loadModel, modelToJson, serializeModel } from '../../src/models/gbdt/model-json.ts'
import { GbdtModel } from '../../src/models/gbdt/tree-model.ts'
import { rowOf, synthetic } from './synthetic-data.ts'

/** A hand-made tree: x0 ≤ 0.5 (missing → right) ? −1 : (x1 ≤ 2 (missing → left) ? 0.5 : 2). */
const handMade = () =>
  new GbdtModel({
    objective: 'binary',
    featureNames: ['a', 'b'],
    baseScore: 0.25,
    trees: [
      {
        feature: Int32Array.of(0, -1, 1, -1, -1),
        threshold: Float64Array.of(0.5, 0, 2, 0, 0),
        defaultLeft: Uint8Array.of(0, 0, 1, 0, 0),
        left: Int32Array.of(1, -1, 3, -1, -1),
        right: Int32Array.of(2, -1, 4, -1, -1),
        value: Float64Array.of(0, -1, 0, 0.5, 2),
        cover: Float64Array.of(10, 4, 6, 3, 3),
        gain: Float64Array.of(1, 0, 1, 0, 0),
      },
    ],
  })

describe('scoring', () => {
  test('a value equal to the threshold goes left; a missing one goes the default way', () => {
    const m = handMade()
    assert.equal(m.predictMargin([0.5, 9]), 0.25 - 1)
    assert.equal(m.predictMargin([0.50001, 2]), 0.25 + 0.5)
    assert.equal(m.predictMargin([0.6, 2.1]), 0.25 + 2)
    assert.equal(m.predictMargin([Number.NaN, Number.NaN]), 0.25 + 0.5)
    assert.equal(m.predict([0.5, 9]), 1 / (1 + Math.exp(0.75)))
  })

  test('batch scoring equals row-by-row scoring', () => {
    const data = synthetic(500, 3, 1, (x, draw) => (draw() < x[0]! ? 1 : 0))
    const model = trainGbdtSync(data, { rounds: 20 }).model
    const batch = model.predictBatch(data.features)
    for (let i = 0; i < 500; i++) assert.equal(batch[i], model.predict(rowOf(data, i)))
    assert.equal(model.predict([...rowOf(data, 7)]), model.predict(rowOf(data, 7)), 'a number[] row scores like a Float64Array row')
  })

  test('feature importance counts splits and sums gain per feature, largest gain first', () => {
    const importance = handMade().featureImportance()
    assert.deepEqual(importance, [
      { feature: 'a', splits: 1, gain: 1, cover: 10 },
      { feature: 'b', splits: 1, gain: 1, cover: 6 },
    ])
  })
})

describe('the JSON format', () => {
  const data = synthetic(800, 4, 2, (x, draw) => (draw() < x[0]! * x[1]! ? 1 : 0))
  data.features[2]!.forEach((_, i) => {
    if (i % 7 === 0) data.features[2]![i] = Number.NaN
  })

  test('round-trips exactly: same bytes, same scores', () => {
    const model = trainGbdtSync(data, { rounds: 25, maxDepth: 4, earlyStoppingRounds: 3 }, data).model
    const text = serializeModel(model)
    const loaded = loadModel(text)
    assert.equal(serializeModel(loaded), text)
    for (let i = 0; i < 800; i++) assert.equal(loaded.predictMargin(rowOf(data, i)), model.predictMargin(rowOf(data, i)))
    const json = JSON.parse(text)
    assert.equal(json.format, 'xiezhi-gbdt')
    assert.equal(json.version, 1)
    assert.equal(json.training.parameters.maxDepth, 4)
    assert.equal(json.training.parameters.threads, undefined)
  })

  // biome-ignore lint/suspicious/noExplicitAny: the tests break the JSON on purpose, anywhere
  type Json = Record<string, any>
  const broken: [string, (json: Json) => void, string][] = [
    ['another version', (j) => (j.version = 2), '/version'],
    ['another format', (j) => (j.format = 'xgboost'), '/format'],
    ['a child before its parent (a cycle)', (j) => (j.trees[0].left[2] = 0), '/trees/0/left/2'],
    ['a child out of range', (j) => (j.trees[0].right[0] = 99), '/trees/0/right/0'],
    ['a feature index past the features', (j) => (j.trees[0].feature[0] = 5), '/trees/0/feature/0'],
    ['arrays of different lengths', (j) => j.trees[0].value.pop(), '/trees/0/value'],
    ['a node with two parents', (j) => (j.trees[0].right[2] = 3), '/trees/0/feature/3'],
    ['a leaf with children', (j) => (j.trees[0].left[1] = 3), '/trees/0/left/1'],
    ['a missing field', (j) => delete j.baseScore, '/baseScore'],
  ]
  for (const [name, breakIt, pointer] of broken) {
    test(`refuses ${name}, naming where`, () => {
      const json = structuredClone(modelToJson(handMade())) as Json
      breakIt(json)
      assert.throws(
        () => loadModel(JSON.stringify(json)),
        (error: unknown) => error instanceof XiezhiError && error.kind === 'invalid_input' && error.issues.some((i) => i.pointer === pointer),
      )
    })
  }

  test('refuses text that is not JSON', () => {
    assert.throws(() => loadModel('{"format":'), (error: unknown) => error instanceof XiezhiError && error.issues[0]!.code === 'invalid_json')
  })
})
