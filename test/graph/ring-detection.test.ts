/**
 * The review desk's ring-case rule against the simulator's ground truth
 * (`evaluateRingDetection`, `npm run eval:graph -- --rings` at full size):
 * with the rings the hourly schedule has applied, the rule as shipped must
 * find most true fraud rings and intermediaries before their labels do,
 * without flagging innocent users. Labels alone find under half.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { evaluateRingDetection, ringWorld } from '../../src/graph/evaluation/ring-detection.ts'

test('the shipped ring-case rule finds most true rings, with no innocent user flagged', () => {
  const report = evaluateRingDetection(ringWorld(1_500, 30), { scheduled: true })
  assert.ok(report.trueRings >= 4, `a world with rings to find: ${report.trueRings}`)
  const { cases, labels } = report
  assert.ok(cases.ringRecall >= 0.75, `ring recall ${cases.ringRecall}`)
  assert.ok(cases.userRecall >= 0.9, `user recall ${cases.userRecall}`)
  assert.ok(cases.ringPrecision >= 0.9 && cases.userPrecision >= 0.9, `precision: rings ${cases.ringPrecision}, users ${cases.userPrecision}`)
  assert.ok(cases.ringRecall > labels.ringRecall, `cohesion finds rings labels have not marked yet: ${cases.ringRecall} vs ${labels.ringRecall}`)
})
