import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { factorOf, offsetOf, oddsOfScore, probabilityOfBad, scoreOfOdds } from '../../src/models/scorecard/scaling.ts'
import { Scorecard } from '../../src/models/scorecard/scorecard.ts'
import { rowsOf, trainScorecard } from '../../src/models/scorecard/scorecard-trainer.ts'
import { applicants, handCard } from './scorecard-fixtures.ts'

const close = (actual: number, expected: number, tolerance: number, what = '') => assert.ok(Math.abs(actual - expected) <= tolerance, `${what} ${actual} ≠ ${expected}`)

describe('points scaling: Score = Offset + Factor · ln(odds good), Factor = PDO / ln 2', () => {
  test('600 at 50:1 with PDO 20: factor 28.85, offset 487.12; 620 at 100:1, 580 at 25:1', () => {
    const s = { baseScore: 600, baseOdds: 50, pdo: 20 }
    close(factorOf(s), 28.85390081777927, 1e-12)
    close(offsetOf(s), 600 - 28.85390081777927 * Math.log(50), 1e-9)
    close(scoreOfOdds(s, 50), 600, 1e-9)
    close(scoreOfOdds(s, 100), 620, 1e-9)
    close(scoreOfOdds(s, 25), 580, 1e-9)
    close(probabilityOfBad(s, 600), 1 / 51, 1e-12)
  })

  test('doubling the odds adds PDO points, for any scaling and odds (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 200, max: 1000, noNaN: true }),
        fc.double({ min: 0.01, max: 1000, noNaN: true }),
        fc.double({ min: 1, max: 100, noNaN: true }),
        fc.double({ min: 1e-3, max: 1e4, noNaN: true }),
        (baseScore, baseOdds, pdo, odds) => {
          const s = { baseScore, baseOdds, pdo }
          close(scoreOfOdds(s, 2 * odds) - scoreOfOdds(s, odds), pdo, 1e-9 * Math.max(1, baseScore))
          close(oddsOfScore(s, scoreOfOdds(s, odds)) / odds, 1, 1e-9)
        },
      ),
    )
  })

  const data = applicants(3000, 17)
  const { scorecard, report } = trainScorecard(data, { minIv: 0.02 })

  test('each bin has −Factor · β · WOE points, rounded; the base points are Offset − Factor · β₀', () => {
    const s = scorecard.scaling
    for (const v of scorecard.variables) for (const b of v.bins) assert.equal(b.points, Math.round(-factorOf(s) * v.coefficient * b.woe) || 0)
    assert.equal(scorecard.definition.basePoints, Math.round(offsetOf(s) - factorOf(s) * scorecard.definition.intercept.coefficient))
    assert.ok(scorecard.variables.every((v) => v.coefficient < 0), 'coefficients on ln(odds of bad) are negative for WOE = ln(%good/%bad)')
    assert.ok(!scorecard.variables.some((v) => v.name === 'noise'), 'noise has IV < 0.02')
    assert.equal(report.variables.find((v) => v.name === 'noise')!.dropped, 'low_iv')
  })

  test('a score is the sum of its points, and stands for the odds the regression gives (within rounding)', () => {
    const m = scorecard.variables.length
    for (const row of rowsOf(data).slice(0, 200)) {
      const result = scorecard.score(row)
      assert.equal(result.score, result.basePoints + Object.values(result.points).reduce((a, b) => a + b, 0))
      // ln(odds of bad) from the regression, at this row's bins
      const bins = scorecard.binsOf(row)
      let margin = scorecard.definition.intercept.coefficient
      scorecard.variables.forEach((v, k) => {
        margin += v.coefficient * v.bins[bins[k]!]!.woe
      })
      close(result.score, scoreOfOdds(scorecard.scaling, Math.exp(-margin)), (m + 1) / 2, 'score')
    }
  })

  test('two applicants whose odds differ by 2 are PDO points apart (before rounding)', () => {
    const s = scorecard.scaling
    const base = -2.3
    close(scoreOfOdds(s, Math.exp(-(base - Math.LN2))) - scoreOfOdds(s, Math.exp(-base)), s.pdo, 1e-9)
  })

  test("intercept 'distributed' spreads the base points over the variables: the same scores within rounding", () => {
    const distributed = trainScorecard(data, { intercept: 'distributed' }).scorecard
    assert.equal(distributed.definition.basePoints, 0)
    const m = distributed.variables.length
    for (const row of rowsOf(data).slice(0, 200)) close(distributed.score(row).score, scorecard.score(row).score, m / 2 + 0.5)
  })

  test('PDO 40 doubles the spread of the scores around the base score', () => {
    const wide = trainScorecard(data, { pdo: 40 }).scorecard
    const [low, high] = scorecard.range
    const [wideLow, wideHigh] = wide.range
    close(wideHigh - wideLow, 2 * (high - low), scorecard.variables.length + 1)
  })
})

describe('reason codes: the variables that lost the most points against their best bin', () => {
  const card = new Scorecard(handCard())

  test('largest losses first, with the bin, the points and the points lost', () => {
    // age 22: −10 of 20 (lost 30); housing rent: −5 of 15 (lost 20); inquiries 2: 0 of 10 (lost 10)
    const result = card.score({ age: 22, housing: 'rent', inquiries: 2 })
    assert.equal(result.score, 500 - 10 - 5 + 0)
    assert.deepEqual(
      result.reasons.map((r) => [r.code, r.variable, r.bin, r.points, r.maxPoints, r.pointsLost]),
      [
        ['AGE', 'age', '(-∞, 25]', -10, 20, 30],
        ['SC_HOUSING', 'housing', 'rent, free + other', -5, 15, 20],
        ['SC_INQUIRIES', 'inquiries', '(0, 3]', 0, 10, 10],
      ],
    )
  })

  test('top N only; a variable at its best bin is never a reason', () => {
    const result = card.score({ age: 50, housing: 'free', inquiries: 5 }, { reasons: 1 })
    assert.deepEqual(
      result.reasons.map((r) => r.variable),
      ['inquiries'],
    )
    assert.deepEqual(card.score({ age: 50, housing: 'own', inquiries: 0 }).reasons, [])
  })

  test('ties keep the scorecard order; missing and unseen values are scored and explained', () => {
    // age missing: lost 30; housing unseen → other: lost 20; inquiries null → missing bin: lost 10
    const result = card.score({ age: null, housing: 'boat', inquiries: null })
    assert.deepEqual(
      result.reasons.map((r) => [r.variable, r.bin, r.pointsLost]),
      [
        ['age', 'missing', 30],
        ['housing', 'rent, free + other', 20],
        ['inquiries', 'missing', 10],
      ],
    )
    const tie = new Scorecard({ ...handCard(), variables: handCard().variables.map((v) => ({ ...v, bins: v.bins.map((b) => ({ ...b, points: b.kind === 'missing' ? 0 : 10 })) })) })
    assert.deepEqual(
      tie.score({ age: null, housing: null, inquiries: null }).reasons.map((r) => r.variable),
      ['age', 'housing', 'inquiries'],
    )
  })

  test('messages in both languages come from the variable descriptions', () => {
    const [reason] = card.score({ age: 22, housing: 'own', inquiries: 0 }).reasons
    assert.deepEqual(reason!.message, { zh: '年龄（(-∞, 25]）：比最优少 30 分', en: 'Age ((-∞, 25]): 30 points below the best' })
    const [noDescription] = card.score({ age: 50, housing: 'own', inquiries: 9 }).reasons
    assert.equal(noDescription!.message.en, 'inquiries ((3, +∞)): 25 points below the best')
  })

  test('a numeric field given text that is not a number is refused, naming the field', () => {
    assert.throws(() => card.score({ age: 'old', housing: 'own', inquiries: 0 }), /^XiezhiError: age: must be a number/)
    assert.equal(card.score({ age: '30', housing: 'own', inquiries: 0 }).points['age'], 5)
  })
})
