/**
 * The small parts of a backtest on their own: which features are computed,
 * the request's checks, the seeded sample, rule overlaps.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { ChangedDecision } from '../../src/backtest/backtest-report.ts'
import { backtestRequest } from '../../src/backtest/backtest-request.ts'
import { ChangedSample } from '../../src/backtest/changed-sample.ts'
import { featuresForStrategy } from '../../src/backtest/features-for-strategy.ts'
import { atDecisionPoint } from '../../src/backtest/replay-plan.ts'
import { RuleHits } from '../../src/backtest/rule-hits.ts'
import type { XiezhiError } from '../../src/core/errors.ts'
import type { FeatureDefinition } from '../../src/features/feature-definition.ts'
import type { StrategyDocument } from '../../src/strategy/strategy-document.ts'

const feature = (name: string, expression?: string) => ({ name, kind: expression ? 'expression' : 'count', ...(expression ? { expression } : {}) }) as FeatureDefinition

describe('backtest parts', () => {
  test('features: what the draft reads, with what its expressions are made of, in declaration order', () => {
    const catalogue = [feature('a'), feature('b'), feature('ab'), feature('share', 'features.a == 0 ? 0.0 : double(features["b"]) / double(features.a)'), feature('twice', 'features.share * 2.0'), feature('c')]
    assert.deepEqual(featuresForStrategy(catalogue, new Set(['twice', 'c'])).map((d) => d.name), ['a', 'b', 'share', 'twice', 'c'])
    assert.deepEqual(featuresForStrategy(catalogue, new Set(['ab'])).map((d) => d.name), ['ab'])
    assert.deepEqual(featuresForStrategy(catalogue, new Set()), [])
  })

  test('the request: defaults, and every mistake named', () => {
    const now = Date.parse('2026-03-01T00:00:00Z')
    const request = backtestRequest({ from: '2026-01-01', to: '2026-02-01T00:00:00+08:00' }, now)
    assert.deepEqual(request, {
      fromMs: Date.parse('2025-12-31T16:00:00Z'),
      toMs: Date.parse('2026-01-31T16:00:00Z'),
      sample: 20,
      seed: 1,
      blocking: ['reject', 'review', 'step_up'],
      labels: { positive: 'fraud', negatives: ['legitimate'], maturityDays: 30, cutoffMs: now },
    })
    const issues = (input: Parameters<typeof backtestRequest>[0]) => {
      try {
        backtestRequest(input, now)
        return []
      } catch (error) {
        return (error as XiezhiError).issues.map((i) => `${i.pointer} ${i.code}`)
      }
    }
    assert.deepEqual(issues({ from: '2026-02-30', to: 'soon' }), ['/from invalid_date', '/to invalid_date'])
    assert.deepEqual(issues({ from: '2026-02-01', to: '2026-01-01' }), ['/to invalid_range'])
    assert.deepEqual(issues({ from: '2025-01-01', to: '2026-03-01' }), ['/to out_of_range'])
    assert.deepEqual(issues({ from: '2026-01-01', to: '2026-01-02', sample: 1_001, seed: -1, blocking: ['hold'], label: 'fraud', negatives: ['fraud'], maturityDays: 1.5 }), [
      '/sample invalid_value',
      '/seed invalid_value',
      '/blocking/0 invalid_value',
      '/negatives invalid_value',
      '/maturityDays invalid_value',
    ])
  })

  test('the sample of changed decisions is seeded and uniform', () => {
    const changed = (i: number) => ({ eventId: `e${i}`, eventType: 't', occurredAt: new Date(i * 1000).toISOString(), live: 'approve', draft: 'review', reasons: [] }) as ChangedDecision
    const draw = (seed: number) => {
      const sample = new ChangedSample(10, seed)
      for (let i = 0; i < 1_000; i++) sample.offer(() => changed(i))
      return sample.sample().map((c) => c.eventId)
    }
    assert.deepEqual(draw(7), draw(7))
    assert.notDeepEqual(draw(7), draw(8))
    assert.equal(new Set(draw(7)).size, 10)
    // every event about as likely: over many seeds, the first and the second half are drawn about equally
    let firstHalf = 0
    for (let seed = 0; seed < 200; seed++) firstHalf += draw(seed).filter((id) => Number(id.slice(1)) < 500).length
    assert.ok(Math.abs(firstHalf / 2_000 - 0.5) < 0.05, `${firstHalf} of 2000 from the first half`)
    const few = new ChangedSample(10, 1)
    for (let i = 0; i < 3; i++) few.offer(() => changed(i))
    assert.deepEqual(few.sample().map((c) => c.eventId), ['e0', 'e1', 'e2'])
  })

  test('rule hits and overlaps, one entry per pair whatever the order of the hits', () => {
    const document = { ruleSets: [{ id: 'set', mode: 'parallel', rules: [{ id: 'a', action: 'review' }, { id: 'b', action: 'reject' }, { id: 'never', action: 'review' }] }] } as unknown as StrategyDocument
    const hits = new RuleHits(document)
    for (const h of [['a', 'b'], ['b', 'a'], ['a'], ['a', 'b', 'c'], []]) hits.add(h)
    assert.deepEqual(hits.rates(5), [
      { id: 'a', node: 'set', action: 'review', hits: 4, rate: 0.8 },
      { id: 'b', node: 'set', action: 'reject', hits: 3, rate: 0.6 },
      { id: 'never', node: 'set', action: 'review', hits: 0, rate: 0 },
      { id: 'c', hits: 1, rate: 0.2 },
    ])
    assert.deepEqual(hits.overlaps(), [
      { rules: ['a', 'b'], events: 3, shareOfFirst: 0.75, shareOfSecond: 1 },
      { rules: ['a', 'c'], events: 1, shareOfFirst: 0.25, shareOfSecond: 1 },
      { rules: ['b', 'c'], events: 1, shareOfFirst: 0.333333, shareOfSecond: 1 },
    ])
  })
})

test('a draft decides only events at its decision point: its product and its stage, where it names them', () => {
  const plan = (product?: string, stage?: 'pre_loan' | 'in_loan' | 'post_loan') => ({ product, stage }) as Parameters<typeof atDecisionPoint>[0]
  assert.equal(atDecisionPoint(plan(), 'complaint', { stage: 'post_loan' }), true, 'a draft naming neither decides every event of its type')
  assert.equal(atDecisionPoint(plan(undefined, 'post_loan'), 'complaint', { stage: 'post_loan' }), true)
  assert.equal(atDecisionPoint(plan(undefined, 'post_loan'), 'complaint', { stage: 'in_loan' }), false, "the event's own stage")
  assert.equal(atDecisionPoint(plan(undefined, 'post_loan'), 'complaint', {}), false, 'an event without a stage is not at a staged point')
  assert.equal(atDecisionPoint(plan(undefined, 'pre_loan'), 'credit.application', {}), true, "the stage its type declares")
  assert.equal(atDecisionPoint(plan('cash', 'pre_loan'), 'credit.application', { product: 'card' }), false, 'another product')
  assert.equal(atDecisionPoint(plan('cash', 'pre_loan'), 'credit.application', { product: 'cash' }), true)
})
