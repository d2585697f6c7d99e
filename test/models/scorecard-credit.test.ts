import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { loadScorecardSet, splitScorecardSet, descriptionsOf } from '../../scripts/eval-scorecard.ts'
import { creditSets, sharedDataDir } from '../../scripts/models-credit-data.ts'
import { formatReport } from '../../src/models/scorecard/scorecard-report.ts'
import { rowsOf, trainScorecard } from '../../src/models/scorecard/scorecard-trainer.ts'

const haveData = (key: string) => existsSync(join(sharedDataDir, creditSets[key]!.file))

describe('scorecards on held-out credit data (25 %, stratified, seed 1)', () => {
  test('German credit: held-out AUC above 0.70, with monotone and optimal binning', { skip: !haveData('german') }, () => {
    const data = loadScorecardSet('german')
    const { train, test: held } = splitScorecardSet(data)
    for (const binning of ['monotone', 'optimal'] as const) {
      const { report } = trainScorecard(train, { binning, descriptions: descriptionsOf('german', data) }, held)
      assert.ok(report.validation!.auc > 0.7, `${binning}: held-out AUC ${report.validation!.auc}`)
      assert.ok(report.validation!.ks > 0.3, `${binning}: held-out KS ${report.validation!.ks}`)
      assert.equal(report.variables[0]!.name, 'checking_status', 'the strongest variable by IV')
    }
  })

  test('HMEQ (many missing cells): held-out AUC above 0.85; a missing debt-to-income ratio is a bin of its own, and a risky one', { skip: !haveData('hmeq') }, () => {
    const data = loadScorecardSet('hmeq')
    const { train, test: held } = splitScorecardSet(data)
    const { scorecard, report } = trainScorecard(train, {}, held)
    assert.ok(report.validation!.auc > 0.85, `held-out AUC ${report.validation!.auc}`)
    const debtToIncome = scorecard.variables.find((v) => v.name === 'DEBTINC')!
    const missing = debtToIncome.bins.at(-1)!
    assert.equal(missing.kind, 'missing')
    assert.equal(missing.points, Math.min(...debtToIncome.bins.map((b) => b.points)))
    // the score ranks the held-out rows as the report says
    const text = formatReport(report)
    assert.match(text, /DEBTINC \(numeric, bad rate rising\) IV/)
    assert.match(text, /validation +1490 +297/)
    // the report as JSON: every number finite (JSON would write NaN and ±Infinity as null); null only for an empty bin's bad rate
    JSON.stringify(report, (key, value) => {
      if (typeof value === 'number') assert.ok(Number.isFinite(value), `${key} is ${value}`)
      if (value === null) assert.equal(key, 'badRate')
      return value
    })
    assert.equal(scorecard.scoreAll(rowsOf(held)).length, 1490)
  })
})
