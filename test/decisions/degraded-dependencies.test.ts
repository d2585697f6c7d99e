/**
 * Degraded mode for a decision's dependencies, through the real engine and
 * server: when a list look-up or the relationship graph fails for an event,
 * the event is still decided under its strategy's `onDependencyError`, the
 * reply says DEGRADED and names the dependency, rules reading the missing
 * values fail (their `onError`) rather than see zeros, a model reading them
 * does not score, the decision is recorded (and explained) as degraded and
 * counted in the metrics; a strategy with `onDependencyError: fail` refuses
 * the event instead (503, nothing recorded). The failures are injected into
 * the dependencies themselves (the list store, the graph), not the decision
 * path.
 */
import assert from 'node:assert/strict'
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildServer } from '../../src/api/build-server.ts'
import { readConfig } from '../../src/app/config.ts'
import { type Engine, defaultTenant, openEngine } from '../../src/app/open-engine.ts'
import type { Decision, DecisionTrace } from '../../src/decisions/decision.ts'
import { explainDecision } from '../../src/decisions/explain-decision.ts'
import { exampleEvent, tempDataDir } from '../support/temp-engine.ts'

const data = tempDataDir('xiezhi-degraded-')
const configDir = join(data.dir, 'config')
const nowMs = Date.parse('2026-11-27T12:00:00Z')
const clock = { nowMs: () => nowMs }
let engine: Engine
let app: FastifyInstance
let n = 0

const application = `
id: application-degraded
version: 1
eventType: credit.application
defaultAction: approve
onRuleError: review
models:
  - { name: fraud, kind: logistic, intercept: -4, inputs: [{ feature: applicationsPerDevice24h, weight: 0.5, cap: 10 }] }
ruleSets:
  - id: hard
    mode: parallel
    rules:
      - id: mule-device
        when: features.muleDevice == 1
        onError: hit
        action: reject
        reason: { code: MULE_DEVICE, zh: 设备在骡子名单上, en: Device on the mule list }
      - id: busy-device
        when: features.applicationsPerDevice24h >= 50
        onError: skip
        action: review
        reason: { code: BUSY_DEVICE, zh: 设备申请过多, en: Too many applications from the device }
      - id: huge-amount
        when: event.data.amountMinor > 100000000
        action: reject
        reason: { code: HUGE_AMOUNT, zh: 金额过大, en: Amount too large }
      - id: fraud-score
        when: scores.fraud > 0.9
        onError: skip
        action: reject
        reason: { code: FRAUD_SCORE, zh: 欺诈分过高, en: Fraud score too high }
`

const graphOnly = `
id: drawdown-degraded
version: 1
eventType: loan.drawdown
defaultAction: approve
onDependencyError: fail
ruleSets:
  - id: graph
    mode: parallel
    rules:
      - id: shared-device
        when: features.usersPerDevice >= 5
        action: review
        reason: { code: SHARED_DEVICE, zh: 设备被多人共用, en: Device shared by several users }
`

const post = (event: object) => app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(event) })

const applicationEvent = (overrides: Record<string, unknown> = {}) => {
  n++
  return exampleEvent('credit.application', {
    id: `evt-degraded-${n}`,
    occurredAt: new Date(nowMs - 3_600_000 + n * 60_000).toISOString(),
    data: { applicationId: `app-degraded-${n}`, userId: `u-degraded-${n}`, deviceId: `dev-degraded-${n}`, ...overrides },
  })
}

before(async () => {
  mkdirSync(join(configDir, 'strategies'), { recursive: true })
  const features = readFileSync(new URL('../../config/features.yaml', import.meta.url).pathname, 'utf8')
  writeFileSync(
    join(configDir, 'features.yaml'),
    `${features.trimEnd()}\n  - name: muleDevice\n    kind: in_list\n    entity: device\n    list: mule-devices\n    eventTypes: [credit.application]\n`,
  )
  writeFileSync(join(configDir, 'strategies', 'credit-application.yaml'), application)
  writeFileSync(join(configDir, 'strategies', 'loan-drawdown.yaml'), graphOnly)
  copyFileSync(new URL('../../config/strategies/login.yaml', import.meta.url).pathname, join(configDir, 'strategies', 'login.yaml'))
  engine = await openEngine(readConfig({ XIEZHI_DATA_DIR: join(data.dir, 'data'), XIEZHI_CONFIG_DIR: configDir, LOG_LEVEL: 'silent' }, { authDisabled: true }), { clock })
  app = (await buildServer(engine)).app
})
after(async () => {
  await app.close()
  await engine.close()
  data.remove()
})

test('with every dependency up, a decision is not degraded', async () => {
  const reply = await post(applicationEvent())
  assert.equal(reply.statusCode, 200, reply.body)
  const decision = reply.json() as Decision
  assert.equal(decision.action, 'approve')
  assert.deepEqual(decision.reasons, [])
  assert.equal(decision.features.muleDevice, 0)
})

test('a list store that fails: the event is decided degraded, says which dependency failed, and is recorded', async () => {
  const has = engine.lists.has
  engine.lists.has = () => {
    throw new Error('list store unavailable: connection reset')
  }
  let decision: Decision
  try {
    const reply = await post(applicationEvent())
    assert.equal(reply.statusCode, 200, reply.body)
    decision = reply.json() as Decision
  } finally {
    engine.lists.has = has
  }
  // the blacklist rule fails closed; the rules reading window counts see no value, not zero
  assert.equal(decision.action, 'reject')
  const degraded = decision.reasons.find((r) => r.code === 'DEGRADED')
  assert.deepEqual(degraded?.evidence, { dependencies: ['lists'], errors: ['list store unavailable: connection reset'], policy: 'review' })
  const ruleError = decision.reasons.find((r) => r.code === 'RULE_ERROR')
  assert.deepEqual(ruleError?.evidence, { rules: ['model:fraud', 'mule-device', 'busy-device', 'fraud-score'], handled: ['review', 'fail_closed', 'fail_open', 'fail_open'] })
  assert.deepEqual(decision.scores, {}, 'the model reads a feature the failed dependency did not give: no score, not a score over zeros')
  assert.equal(decision.features.applicationsPerDevice24h, undefined)

  const stored = await engine.store.getDecision(defaultTenant, decision.decisionId)
  assert.ok(stored, 'the degraded decision is recorded: nothing accepted is lost')
  const trace = JSON.parse(stored.trace) as DecisionTrace
  assert.deepEqual(trace.dependencyErrors, [{ dependency: 'lists', message: 'list store unavailable: connection reset' }])
  assert.equal(trace.ruleErrors.find((e) => e.ruleId === 'model:fraud')?.code, 'dependency_failed')
  const explanation = await explainDecision(engine, defaultTenant, decision.decisionId)
  assert.deepEqual(explanation.differences, [])

  const metrics = (await app.inject({ url: '/metrics' })).body
  assert.match(metrics, /xiezhi_decision_reasons_total\{code="DEGRADED"\} 1\b/)
})

test('without the failure, the next event is decided as usual; the policy is at least review when no rule hits', async () => {
  const healthy = (await post(applicationEvent())).json() as Decision
  assert.deepEqual([healthy.action, healthy.reasons.map((r) => r.code)], ['approve', []])

  const graph = engine.graph
  const observe = graph.observe
  graph.observe = () => {
    throw new Error('graph worker gone')
  }
  try {
    const decision = (await post(applicationEvent())).json() as Decision
    // the application strategy reads no graph measure: its rules all run, and the policy still takes it to review
    assert.equal(decision.action, 'review')
    assert.deepEqual(decision.reasons.map((r) => r.code), ['DEGRADED'])
    assert.deepEqual(decision.reasons[0]!.evidence.dependencies, ['graph'])
    assert.equal(typeof decision.features.applicationsPerDevice24h, 'number', 'the features that did not fail are read as usual')
    assert.equal(typeof decision.scores.fraud, 'number')

    const hardRule = (await post(applicationEvent({ amountMinor: 200_000_000 }))).json() as Decision
    assert.equal(hardRule.action, 'reject', 'a rule that can still be evaluated still decides, above the policy')

    // onDependencyError: fail — the event is refused and not recorded
    const drawdown = exampleEvent('loan.drawdown', { id: 'evt-degraded-drawdown', occurredAt: new Date(nowMs - 60_000).toISOString() })
    const refused = await post(drawdown)
    assert.equal(refused.statusCode, 503, refused.body)
    assert.deepEqual(refused.json().errors, [{ pointer: '', code: 'dependency_failed', message: 'graph: graph worker gone' }])
    assert.equal(await engine.store.findByEventId(defaultTenant, 'evt-degraded-drawdown'), undefined)
  } finally {
    graph.observe = observe
  }
  const drawdown = exampleEvent('loan.drawdown', { id: 'evt-degraded-drawdown', occurredAt: new Date(nowMs - 60_000).toISOString() })
  assert.equal((await post(drawdown)).statusCode, 200, 'once the graph is back the same event is decided')
})
