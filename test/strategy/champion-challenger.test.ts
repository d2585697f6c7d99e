/**
 * Champion/challenger and shadow in the decision path: a challenger takes
 * its share of applicants by a stable hash of the applicant (the same person
 * always meets the same version), decisions say which arm decided, shadows
 * decide every event without effect and are kept in the trace, and a
 * deployment that cannot be served never replaces the one in service.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { parse as parseYaml } from 'yaml'
import { type Engine, defaultTenant } from '../../src/app/open-engine.ts'
import type { Decision, DecisionTrace } from '../../src/decisions/decision.ts'
import type { ArmComparison } from '../../src/monitoring/arm-comparison.ts'
import type { StrategyDeployment } from '../../src/strategy/lifecycle/deployment.ts'
import { buildServer } from '../../src/api/build-server.ts'
import { exampleEvent, openTestEngine, tempDataDir } from '../support/temp-engine.ts'

const data = tempDataDir('xiezhi-arms-')
const shipped = parseYaml(readFileSync(new URL('../../config/strategies/credit-application.yaml', import.meta.url), 'utf8')) as Record<string, unknown>
const version = (v: number, changes: Record<string, unknown>) => JSON.stringify({ ...shipped, version: v, ...changes })
// version 2 reviews every application; version 3 rejects every one: their decisions are told apart by action alone
const documents = new Map([
  [1, JSON.stringify(shipped)],
  [2, version(2, { ruleSets: [{ id: 'all', mode: 'serial', rules: [{ id: 'review-all', when: 'true', action: 'review', reason: { code: 'REVIEW_ALL', zh: '全部审核', en: 'Review all' } }] }] })],
  [3, version(3, { ruleSets: [{ id: 'all', mode: 'serial', rules: [{ id: 'reject-all', when: 'true', action: 'reject', reason: { code: 'REJECT_ALL', zh: '全部拒绝', en: 'Reject all' } }] }] })],
])
const deployment = (changes: Partial<StrategyDeployment>): StrategyDeployment => ({
  id: 'd-test',
  tenantId: 'default',
  strategyId: 'credit-application',
  champion: 1,
  challengers: [],
  shadows: [],
  kind: 'publish',
  previousId: null,
  movedBy: 'test',
  movedAtMs: Date.now(),
  note: '',
  ...changes,
})

let engine: Engine
let n = 0
const apply = async (user: string) => {
  n++
  const event = exampleEvent('credit.application', {
    id: `evt-arm-${n}`,
    occurredAt: new Date().toISOString(),
    data: { applicationId: `app-arm-${n}`, userId: user, amountMinor: 100_000, deviceId: `dev-arm-${n}`, ip: `198.51.100.${n % 250}`, idNumber: `11010119900307${String(n).padStart(4, '0')}` },
  })
  return JSON.parse((await engine.decisions.decide(defaultTenant, event)).body) as Decision
}

before(async () => {
  engine = await openTestEngine(data.dir)
})
after(async () => {
  await engine.close()
  data.remove()
})

describe('a deployment with a challenger and a shadow', () => {
  test('splits applicants by a stable hash, records the arm, and keeps what the shadow would have done', async () => {
    await engine.strategies.deployed(deployment({ challengers: [{ version: 2, share: 25 }], shadows: [3] }), documents)
    const arms = new Map<string, string>()
    let challengers = 0
    for (let u = 0; u < 400; u++) {
      const decision = await apply(`u-arm-${u}`)
      const arm = decision.strategy!.arm!
      arms.set(`u-arm-${u}`, arm)
      assert.equal(decision.strategy!.version, arm === 'challenger' ? 2 : 1)
      if (arm === 'challenger') {
        challengers++
        assert.equal(decision.action, 'review')
      }
      const stored = await engine.store.getDecision(defaultTenant, decision.decisionId)
      const trace = JSON.parse(stored!.trace) as DecisionTrace
      assert.deepEqual(trace.shadows, [{ version: 3, action: 'reject', hits: ['reject-all'], reasons: ['REJECT_ALL'] }])
      assert.ok(!decision.reasons.some((r) => r.code === 'REJECT_ALL'), 'the shadow has no effect')
    }
    // 25 % of 400 is 100, standard deviation 8.7: far outside ±5σ would mean a biased split
    assert.ok(Math.abs(challengers - 100) < 44, `the challenger took ${challengers} of 400`)
    for (const u of [3, 17, 99, 250]) assert.equal((await apply(`u-arm-${u}`)).strategy!.arm, arms.get(`u-arm-${u}`), 'the same applicant meets the same arm')
  })

  test('the comparison report counts each arm and the shadow from the log, and checks the split', async () => {
    const { app } = await buildServer(engine)
    try {
      const day = new Date().toISOString().slice(0, 10)
      const reply = await app.inject({ url: `/v1/monitoring/strategies/credit-application/arms?from=2026-01-01&to=2099-01-01` })
      assert.equal(reply.statusCode, 200, reply.body)
      const report = reply.json() as ArmComparison
      const [champion, challenger] = report.arms
      assert.deepEqual([champion!.version, champion!.arm, challenger!.version, challenger!.arm], [1, 'champion', 2, 'challenger'])
      assert.equal(champion!.decisions + challenger!.decisions, n)
      assert.equal(challenger!.reviewRate.rate, 1)
      assert.equal(report.shadows[0]!.rejectRate.rate, 1)
      assert.equal(report.sampleRatio?.mismatch, false)
      assert.deepEqual(report.sampleRatio?.expected, { 1: 75, 2: 25 })
      const bad = await app.inject({ url: `/v1/monitoring/strategies/credit-application/arms?from=${day}&to=2020-01-01` })
      assert.equal(bad.statusCode, 400)
      assert.equal(bad.json().errors[0].pointer, '/query/to')
      assert.equal((await app.inject({ url: '/v1/monitoring/strategies/ghost/arms?from=2026-01-01&to=2027-01-01' })).statusCode, 404)
    } finally {
      await app.close()
    }
  })

  test('a larger share keeps every applicant the challenger had', async () => {
    const before = new Map<string, string>()
    for (let u = 0; u < 100; u++) before.set(`u-arm-${u}`, (await apply(`u-arm-${u}`)).strategy!.arm!)
    await engine.strategies.deployed(deployment({ challengers: [{ version: 2, share: 60 }] }), documents)
    for (const [user, arm] of before) if (arm === 'challenger') assert.equal((await apply(user)).strategy!.arm, 'challenger', user)
  })

  test('without challengers the reply has no arm; a deployment that cannot be served is refused and changes nothing', async () => {
    await engine.strategies.deployed(deployment({}), documents)
    assert.deepEqual((await apply('u-arm-1')).strategy, { id: 'credit-application', version: 1 })
    await assert.rejects(engine.strategies.check(deployment({ challengers: [{ version: 9, share: 10 }] }), documents), /version 9 is not recorded/)
    const login = JSON.stringify(parseYaml(readFileSync(new URL('../../config/strategies/login.yaml', import.meta.url), 'utf8')))
    await assert.rejects(engine.strategies.check(deployment({ shadows: [4] }), new Map([...documents, [4, login.replace('"id":"login"', '"id":"credit-application"')]])), (error: Error & { issues: { code: string }[] }) => {
      assert.equal(error.issues[0]!.code, 'decision_point_mismatch')
      return true
    })
    assert.deepEqual((await apply('u-arm-2')).strategy, { id: 'credit-application', version: 1 })
  })
})
