/**
 * Strategy flows (决策流): decision tables under each hit policy, score
 * bands, traffic splits by a stable hash of the applicant, outputs, routing
 * on hit and miss, the path recorded, and errors that point at the node,
 * row and cell.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { EventTypeRegistry } from '../../src/events/event-type-registry.ts'
import { parseFeatureDefinitions } from '../../src/features/feature-definition.ts'
import { compileStrategy } from '../../src/strategy/compile-strategy.ts'
import { cellCondition } from '../../src/strategy/table-cell.ts'

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
  id: 'flow-credit',
  version: 1,
  eventType: 'credit.application',
  models: [{ name: 'fraud', kind: 'logistic', intercept: -6, inputs: [{ feature: 'applicationsPerDevice1h', weight: 2, cap: 5 }] }],
}
const input = (devices: number, users: number, data: Record<string, unknown> = {}, user = 'u-key-1') => ({
  event: { id: 'e1', type: 'credit.application', occurredAt: '2026-11-01T00:00:00Z', data: { amountMinor: 1_000_000, termMonths: 12, product: 'consumer-cash', ...data } },
  features: { applicationsPerDevice1h: devices, distinctUsersPerDevice24h: users },
  keys: { user: [user] },
})
const issuesOf = (doc: object) => {
  try {
    compileStrategy(doc, catalogue)
    return []
  } catch (error) {
    return (error as { issues: { pointer: string; code: string; message: string }[] }).issues.map((i) => `${i.pointer} ${i.code}`)
  }
}

const table = (hitPolicy: string) => ({
  id: 'velocity',
  type: 'decisionTable',
  hitPolicy,
  inputs: [{ expression: 'features.applicationsPerDevice1h' }, { expression: 'features.distinctUsersPerDevice24h' }, { expression: 'event.data.product' }],
  rows: [
    { id: 'many-users', when: ['-', '>= 3', '-'], action: 'review', reason: reason('MANY_USERS') },
    { id: 'burst', when: ['[3..5]', '-', 'consumer-cash'], action: 'step_up', reason: reason('BURST') },
    { id: 'storm', when: ['(5..100]', '-', 'in ["consumer-cash", "sme"]'], action: 'reject', reason: reason('STORM') },
  ],
})

describe('decision tables', () => {
  test('first: the first row that hits decides', () => {
    const strategy = compileStrategy({ ...base, flow: [table('first')] }, catalogue)
    assert.deepEqual(strategy.decide(input(4, 3)).hits, ['many-users'])
    assert.equal(strategy.decide(input(4, 1)).action, 'step_up')
    assert.equal(strategy.decide(input(4, 1, { product: 'sme' })).action, 'approve', 'the product cell does not hold')
    assert.equal(strategy.decide(input(2, 1)).action, 'approve')
  })

  test('priority: of the rows that hit, the most severe action', () => {
    const strategy = compileStrategy({ ...base, flow: [table('priority')] }, catalogue)
    const outcome = strategy.decide(input(6, 3))
    assert.deepEqual([outcome.action, outcome.hits, outcome.reasons.map((r) => r.code)], ['reject', ['storm'], ['STORM']])
    assert.deepEqual(strategy.decide(input(4, 3)).hits, ['many-users'], 'review beats step_up')
  })

  test('collect: every row that hits, worst action wins, evidence from the row’s columns', () => {
    const strategy = compileStrategy({ ...base, flow: [table('collect')] }, catalogue)
    const outcome = strategy.decide(input(4, 3))
    assert.deepEqual([outcome.action, outcome.hits], ['review', ['many-users', 'burst']])
    assert.deepEqual(outcome.reasons[1]!.evidence, { 'features.applicationsPerDevice1h': 4 })
    assert.equal(outcome.reasons[1]!.ruleSetId, 'velocity')
  })

  test('cells read as tests on their column', () => {
    assert.equal(cellCondition('x', '-'), undefined)
    assert.equal(cellCondition('x', '>= 3'), '(x) >= 3')
    assert.equal(cellCondition('x', '[1..5)'), '(x) >= 1 && (x) < 5')
    assert.equal(cellCondition('x', 'in [1, 2]'), '(x) in [1, 2]')
    assert.equal(cellCondition('x', 'sme'), '(x) == "sme"')
    assert.equal(cellCondition('x', 7), '(x) == 7')
  })

  test('a cell of the wrong type, a short row and a bad column point at themselves', () => {
    const bad = structuredClone(table('first')) as ReturnType<typeof table> & { inputs: { expression: string }[] }
    bad.rows[0]!.when = ['-', '"three"', '-']
    bad.rows[1]!.when = ['-', '-']
    bad.inputs.push({ expression: 'features.ghost' })
    bad.rows[2]!.when.push('-')
    assert.deepEqual(issuesOf({ ...base, flow: [bad] }), [
      '/flow/0/inputs/3/expression cel_type_error',
      '/flow/0/rows/0/when invalid_value',
      '/flow/0/rows/1/when invalid_value',
    ])
    const typed = structuredClone(table('first'))
    typed.rows[0]!.when = ['-', '"three"', '-']
    assert.deepEqual(issuesOf({ ...base, flow: [typed] }), ['/flow/0/rows/0/when/1 cel_type_error'])
    assert.deepEqual(issuesOf({ ...base, flow: [{ ...table('sometimes') }] }), ['/flow/0/hitPolicy invalid_value'])
  })
})

describe('flows', () => {
  const flow = [
    {
      id: 'hard',
      type: 'ruleSet',
      mode: 'serial',
      rules: [{ id: 'device-storm', when: 'features.applicationsPerDevice1h >= 10', action: 'reject', reason: reason('DEVICE_STORM') }],
      next: { hit: 'end', miss: 'score' },
    },
    {
      id: 'score',
      type: 'modelThreshold',
      score: 'fraud',
      bands: [
        { when: '>= 0.5', action: 'review', reason: reason('FRAUD_HIGH') },
        { when: '[0.1..0.5)', action: 'step_up', reason: reason('FRAUD_MEDIUM') },
      ],
      next: { hit: 'end', miss: 'ab' },
    },
    { id: 'ab', type: 'split', by: 'user', branches: [{ share: 70, next: 'standard' }, { share: 30, next: 'generous' }] },
    { id: 'standard', type: 'output', action: 'approve', offer: { limitMinor: '1000000', aprBps: '1500' } },
    { id: 'generous', type: 'output', action: 'approve', reason: reason('GENEROUS_ARM'), offer: { limitMinor: '2000000', aprBps: '1200' } },
  ]
  const strategy = compileStrategy({ ...base, flow }, catalogue)

  test('routes on hit and miss and records the path', () => {
    const storm = strategy.decide(input(12, 1))
    assert.deepEqual([storm.action, storm.path], ['reject', ['hard']])
    const risky = strategy.decide(input(3, 1))
    assert.deepEqual([risky.action, risky.path, risky.hits], ['review', ['hard', 'score'], ['score#1']])
    assert.deepEqual(risky.reasons[0]!.evidence, { 'scores.fraud': risky.scores.fraud, 'scores.fraud.topContributions': { applicationsPerDevice1h: 6 } })
    const medium = strategy.decide(input(2, 1))
    assert.deepEqual([medium.action, medium.hits], ['step_up', ['score#2']])
    const clean = strategy.decide(input(0, 1))
    assert.equal(clean.action, 'approve')
    assert.equal(clean.path[2], 'ab')
    assert.ok(clean.offer)
  })

  test('a split keeps each applicant on one branch and cuts the traffic by its shares', () => {
    const arms = { standard: 0, generous: 0 }
    for (let i = 0; i < 4000; i++) {
      const user = `u-key-${i}`
      const outcome = strategy.decide(input(0, 1, {}, user))
      const arm = outcome.path[3] as keyof typeof arms
      arms[arm]++
      assert.equal(strategy.decide(input(0, 1, { amountMinor: 5_000 }, user)).path[3], arm, 'the same applicant, another request: the same branch')
      assert.deepEqual(outcome.offer, arm === 'standard' ? { limitMinor: 1_000_000, aprBps: 1500 } : { limitMinor: 2_000_000, aprBps: 1200 })
    }
    // 30 % of 4,000 is 1,200 with a standard deviation of 29: a biased hash would land far outside ±5σ
    assert.ok(Math.abs(arms.generous - 1200) < 145, `generous arm got ${arms.generous}`)
  })

  test('a flow must reach its end: unknown targets, loops, unreachable nodes and bad shares are refused', () => {
    const looping = structuredClone(flow) as Record<string, unknown>[]
    looping[1]!.next = { hit: 'end', miss: 'hard' }
    assert.deepEqual(issuesOf({ ...base, flow: looping }), ['/flow/0 flow_cycle'])
    const broken = structuredClone(flow) as Record<string, unknown>[]
    broken[0]!.next = 'nowhere'
    broken[2]!.branches = [{ share: 70.001, next: 'standard' }, { share: 30, next: 'generous' }]
    broken[1]!.score = 'ghost'
    assert.deepEqual(issuesOf({ ...base, flow: broken }), [
      '/flow/0/next unknown_node',
      '/flow/1/score unknown_score',
      '/flow/1/bands/0/when cel_type_error',
      '/flow/1/bands/1/when cel_type_error',
      '/flow/2/branches/0/share invalid_value',
      '/flow/1/id unreachable_node',
      '/flow/2/id unreachable_node',
      '/flow/3/id unreachable_node',
      '/flow/4/id unreachable_node',
    ])
    assert.deepEqual(issuesOf({ ...base, flow, ruleSets: [] }), ['/ruleSets not_allowed'])
    assert.deepEqual(issuesOf({ ...base, stage: 'someday', product: 'no spaces', flow }), ['/product invalid_format', '/stage invalid_value'])
  })
})

describe('degraded mode', () => {
  const rule = (id: string, onError?: string) => ({
    id,
    when: 'event.data.declaredIncomeMinor < 100',
    action: 'reject',
    reason: { code: `R_${id.toUpperCase()}`, zh: '中文', en: 'English' },
    ...(onError ? { onError } : {}),
  })
  const decide = (onError: string | undefined, onRuleError = 'review') =>
    compileStrategy({ ...base, onRuleError, flow: [{ id: 'list', type: 'ruleSet', mode: 'parallel', rules: [rule('blacklist', onError)] }] }, catalogue).decide(input(0, 1))

  test('a rule that cannot be evaluated follows its own policy, else the strategy’s, and the decision says it is degraded', () => {
    const closed = decide('hit')
    assert.deepEqual([closed.action, closed.hits, closed.reasons.map((r) => r.code)], ['reject', ['blacklist'], ['R_BLACKLIST', 'RULE_ERROR']])
    assert.deepEqual(closed.reasons[1]!.evidence, { rules: ['blacklist'], handled: ['fail_closed'] })
    const open = decide('skip')
    assert.deepEqual([open.action, open.hits, open.reasons[0]!.evidence], ['approve', [], { rules: ['blacklist'], handled: ['fail_open'] }])
    const byPolicy = decide(undefined)
    assert.deepEqual([byPolicy.action, byPolicy.reasons[0]!.evidence], ['review', { rules: ['blacklist'], handled: ['review'] }])
    const ignored = decide(undefined, 'ignore')
    assert.deepEqual([ignored.action, ignored.reasons.map((r) => r.code)], ['approve', ['RULE_ERROR']])
    assert.deepEqual(issuesOf({ ...base, flow: [{ id: 'list', type: 'ruleSet', mode: 'serial', rules: [rule('x', 'sometimes')] }] }), ['/flow/0/rules/0/onError invalid_value'])
  })
})
