import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { EventTypeRegistry } from '../../src/events/event-type-registry.ts'
import { parseFeatureDefinitions } from '../../src/features/feature-definition.ts'
import { compileStrategy } from '../../src/strategy/compile-strategy.ts'

const registry = new EventTypeRegistry(() => Date.now())
const features = parseFeatureDefinitions(
  [
    { name: 'applicationsPerDevice1h', kind: 'count', entity: 'device', eventTypes: ['credit.application'], window: '1h' },
    { name: 'distinctUsersPerDevice24h', kind: 'distinct_count', entity: 'device', of: 'user', eventTypes: ['credit.application'], window: '24h' },
  ],
  new Set(registry.list('default').map((t) => t.type)),
)
const catalogue = { features, eventType: (t: string) => registry.find('default', t) }

const reason = (code: string) => ({ code, zh: `中文 ${code}`, en: `English ${code}` })
const base = {
  id: 'test-credit',
  version: 1,
  eventType: 'credit.application',
  models: [{ name: 'fraud', kind: 'logistic', intercept: -6, inputs: [{ feature: 'applicationsPerDevice1h', weight: 2, cap: 5 }] }],
}
const event = (data: Record<string, unknown> = {}) => ({
  id: 'e1',
  type: 'credit.application',
  occurredAt: '2026-11-01T00:00:00Z',
  data: { amountMinor: 1_000_000, termMonths: 12, declaredIncomeMinor: 50_000, ...data },
})
const issuesOf = (doc: object) => {
  try {
    compileStrategy(doc, catalogue)
    return []
  } catch (error) {
    return (error as { issues: { pointer: string; code: string; message: string }[] }).issues
  }
}

describe('rule sets decide as policy says', () => {
  const strategy = compileStrategy(
    {
      ...base,
      ruleSets: [
        {
          id: 'hard',
          mode: 'serial',
          rules: [
            { id: 'burst', when: 'features.applicationsPerDevice1h >= 3', action: 'review', reason: reason('BURST') },
            { id: 'burst-hard', when: 'features.applicationsPerDevice1h >= 5', action: 'reject', reason: reason('BURST_HARD') },
          ],
        },
        {
          id: 'signals',
          mode: 'parallel',
          rules: [
            { id: 'shared-device', when: 'features.distinctUsersPerDevice24h >= 2', action: 'step_up', reason: reason('SHARED_DEVICE') },
            { id: 'income', when: 'event.data.amountMinor > event.data.declaredIncomeMinor * 12', action: 'review', reason: reason('OVER_INCOME') },
            { id: 'score', when: 'scores.fraud > 0.5', action: 'reject', reason: reason('SCORE') },
          ],
        },
      ],
    },
    catalogue,
  )

  // one row per scenario: features and amount in, action and reason codes out
  const table: { name: string; features: [number, number]; amountMinor: number; action: string; codes: string[] }[] = [
    { name: 'nothing hits: the default action', features: [0, 0], amountMinor: 100_000, action: 'approve', codes: [] },
    { name: 'serial: the first hit decides, later rules are not run', features: [3, 0], amountMinor: 100_000, action: 'review', codes: ['BURST'] },
    { name: 'parallel: every hit gives a reason, the worst action wins', features: [0, 3], amountMinor: 1_000_000, action: 'review', codes: ['SHARED_DEVICE', 'OVER_INCOME'] },
    { name: 'sets combine: worst action over all sets', features: [4, 3], amountMinor: 100_000, action: 'reject', codes: ['BURST', 'SHARED_DEVICE', 'SCORE'] },
  ]
  for (const row of table) {
    test(row.name, () => {
      const outcome = strategy.decide({
        event: event({ amountMinor: row.amountMinor }),
        features: { applicationsPerDevice1h: row.features[0], distinctUsersPerDevice24h: row.features[1] },
      })
      assert.equal(outcome.action, row.action)
      assert.deepEqual(outcome.reasons.map((r) => r.code), row.codes)
    })
  }

  test('a reason carries its evidence: the features, scores and numeric event fields the rule read', () => {
    const outcome = strategy.decide({ event: event(), features: { applicationsPerDevice1h: 4, distinctUsersPerDevice24h: 0 } })
    assert.deepEqual(outcome.reasons[0]!.evidence, { 'features.applicationsPerDevice1h': 4 })
    const income = outcome.reasons.find((r) => r.code === 'OVER_INCOME')!
    assert.deepEqual(income.evidence, { 'event.data.amountMinor': 1_000_000, 'event.data.declaredIncomeMinor': 50_000 })
    const score = outcome.reasons.find((r) => r.code === 'SCORE')!
    assert.equal(score.evidence['scores.fraud'], outcome.scores.fraud)
    assert.deepEqual(score.evidence['scores.fraud.topContributions'], { applicationsPerDevice1h: 8 })
    assert.deepEqual(score.message, { zh: '中文 SCORE', en: 'English SCORE' })
  })
})

describe('degraded mode and offers', () => {
  test('a rule that cannot be evaluated applies onRuleError and says so', () => {
    const strategy = compileStrategy(
      {
        ...base,
        onRuleError: 'review',
        ruleSets: [{ id: 's', mode: 'parallel', rules: [{ id: 'needs-age', when: 'event.data.age > 60', action: 'reject', reason: reason('OLD') }] }],
      },
      catalogue,
    )
    // age is optional in the schema, so it type-checks, but this event lacks it
    const outcome = strategy.decide({ event: event(), features: { applicationsPerDevice1h: 0, distinctUsersPerDevice24h: 0 } })
    assert.equal(outcome.action, 'review')
    assert.deepEqual(outcome.reasons.map((r) => r.code), ['RULE_ERROR'])
    assert.equal(outcome.ruleErrors[0]!.ruleId, 'needs-age')
  })

  test('an approved application gets a limit and a price in integer minor units and basis points', () => {
    const strategy = compileStrategy(
      {
        ...base,
        ruleSets: [{ id: 's', mode: 'serial', rules: [{ id: 'never', when: 'false', action: 'reject', reason: reason('NEVER') }] }],
        offer: { limitMinor: 'event.data.amountMinor / 2', aprBps: 'scores.fraud < 0.1 ? 1200 : 2400' },
      },
      catalogue,
    )
    const outcome = strategy.decide({ event: event({ amountMinor: 1_000_001 }), features: { applicationsPerDevice1h: 0, distinctUsersPerDevice24h: 0 } })
    assert.deepEqual(outcome.offer, { limitMinor: 500_000, aprBps: 1200 })
  })
})

describe('a strategy is checked at load with errors that point at the problem', () => {
  test('unknown feature, CEL type error, non-bool condition, bad action and missing message', () => {
    const issues = issuesOf({
      ...base,
      ruleSets: [
        {
          id: 's',
          mode: 'serial',
          rules: [
            { id: 'a', when: 'features.noSuchFeature > 1', action: 'reject', reason: reason('A_CODE') },
            { id: 'b', when: 'event.data.amountMinor > "much"', action: 'reject', reason: reason('B_CODE') },
            { id: 'c', when: 'event.data.amountMinor + 1', action: 'reject', reason: reason('C_CODE') },
            { id: 'd', when: 'true', action: 'block', reason: { code: 'D_CODE', en: 'only english' } },
          ],
        },
      ],
    })
    assert.deepEqual(
      issues.map((i) => `${i.pointer} ${i.code}`),
      [
        '/ruleSets/0/rules/0/when cel_type_error',
        '/ruleSets/0/rules/1/when cel_type_error',
        '/ruleSets/0/rules/2/when cel_type_error',
        '/ruleSets/0/rules/3/action invalid_value',
        '/ruleSets/0/rules/3/reason/zh required',
      ],
    )
    assert.match(issues[0]!.message, /noSuchFeature/)
    assert.match(issues[2]!.message, /must evaluate to bool, not int/)
  })

  test('unknown event type, model input and duplicate ids', () => {
    const issues = issuesOf({
      id: 'x-1',
      version: 0,
      eventType: 'loan.teleport',
      models: [{ name: 'fraud', intercept: 0, inputs: [{ feature: 'ghost', weight: 1 }] }],
      ruleSets: [
        { id: 's', mode: 'sometimes', rules: [{ id: 'r', when: 'true', action: 'approve', reason: reason('R_CODE') }] },
        { id: 's', mode: 'serial', rules: [{ id: 'r', when: 'true', action: 'approve', reason: reason('R_CODE') }] },
      ],
    }).map((i) => `${i.pointer} ${i.code}`)
    assert.deepEqual(issues, [
      '/version invalid_value',
      '/eventType unknown_event_type',
      '/models/0/inputs/0/feature unknown_feature',
      '/ruleSets/1/id duplicate',
      '/ruleSets/0/mode invalid_value',
      '/ruleSets/1/rules/0/id duplicate',
    ])
  })
})
