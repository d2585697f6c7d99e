import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { XiezhiError } from '../../src/core/errors.ts'
import { Scorecard } from '../../src/models/scorecard/scorecard.ts'
import { loadScorecard, scorecardToJson, serializeScorecard } from '../../src/models/scorecard/scorecard-json.ts'
import { rowsOf, trainScorecard } from '../../src/models/scorecard/scorecard-trainer.ts'
import { applicants, handCard } from './scorecard-fixtures.ts'

describe('scorecard JSON', () => {
  const data = applicants(2000, 5)
  const { scorecard } = trainScorecard(data, { descriptions: { age: { zh: '年龄', en: 'Age', reasonCode: 'AGE' } } })

  test('round trip: the same bytes, the same scores and reasons for every row', () => {
    const text = serializeScorecard(scorecard)
    const loaded = loadScorecard(text)
    assert.equal(serializeScorecard(loaded), text)
    for (const row of rowsOf(data)) assert.deepEqual(loaded.score(row), scorecard.score(row))
    // unseen values too
    assert.deepEqual(loaded.score({ age: 1e9, housing: 'castle', inquiries: -1 }), scorecard.score({ age: 1e9, housing: 'castle', inquiries: -1 }))
  })

  test('infinite bounds are written as null; the format and version are named', () => {
    const json = JSON.parse(serializeScorecard(new Scorecard(handCard())))
    assert.equal(json.format, 'xiezhi-scorecard')
    assert.equal(json.version, 1)
    assert.deepEqual(json.variables[0].bins[0], { lower: null, upper: 25, woe: -0.5, points: -10 })
    assert.deepEqual(json.variables[0].bins[2], { lower: 40, upper: null, woe: 0.6, points: 20 })
    assert.deepEqual(json.variables[0].bins[3], { missing: true, woe: -0.5, points: -10 })
    assert.deepEqual(json.variables[1].bins[1], { categories: ['rent', 'free'], other: true, woe: -0.3, points: -5 })
    assert.deepEqual(loadScorecard(json).definition, handCard())
  })

  /** A change to a valid document, and the pointer the refusal must name. */
  // biome-ignore lint/suspicious/noExplicitAny: the changes reach into the untyped document
  const broken: [string, (doc: any) => void, string][] = [
    ['another format', (d) => (d.format = 'xiezhi-gbdt'), '/format'],
    ['version 2', (d) => (d.version = 2), '/version'],
    ['a PDO of 0', (d) => (d.scaling.pdo = 0), '/scaling/pdo'],
    ['fractional points', (d) => (d.variables[0].bins[1].points = 2.5), '/variables/0/bins/1/points'],
    ['fractional base points', (d) => (d.basePoints = 500.5), '/basePoints'],
    ['no bins', (d) => (d.variables[2].bins = []), '/variables/2/bins'],
    ['an unknown field', (d) => (d.variables[0].colour = 'red'), '/variables/0/colour'],
    ['a name twice', (d) => (d.variables[2].name = 'age'), '/variables/2/name'],
    ['a gap between ranges', (d) => (d.variables[0].bins[1].lower = 26), '/variables/0/bins/1/lower'],
    ['a first bin not from −∞', (d) => (d.variables[0].bins[0].lower = 0), '/variables/0/bins/0/lower'],
    ['a last range not to +∞', (d) => (d.variables[0].bins[2].upper = 99), '/variables/0/bins/2/upper'],
    ['no missing bin last', (d) => d.variables[0].bins.pop(), '/variables/0/bins/2/missing'],
    ['a category in two bins', (d) => d.variables[1].bins[1].categories.push('own'), '/variables/1/bins/1/categories'],
    ['no other bin', (d) => (d.variables[1].bins[1].other = false), '/variables/1/bins'],
    ['a numeric bin with categories', (d) => (d.variables[2].bins[1].categories = ['x']), '/variables/2/bins/1'],
    ['a reason code in lower case', (d) => (d.variables[0].description.reasonCode = 'age'), '/variables/0/description/reasonCode'],
  ]

  for (const [name, change, pointer] of broken) {
    test(`refused: ${name}, naming ${pointer}`, () => {
      // biome-ignore lint/suspicious/noExplicitAny: see above
      const doc = scorecardToJson(new Scorecard(handCard())) as any
      change(doc)
      assert.throws(
        () => loadScorecard(JSON.stringify(doc)),
        (error: unknown) => error instanceof XiezhiError && error.kind === 'invalid_input' && error.issues.some((i) => i.pointer === pointer && i.code === 'invalid_model'),
      )
    })
  }

  test('text that is not JSON is refused as invalid_json', () => {
    assert.throws(
      () => loadScorecard('{"format":'),
      (error: unknown) => error instanceof XiezhiError && error.issues[0]!.code === 'invalid_json',
    )
  })
})
