/**
 * Registry models per tenant, through the real server stack (authentication
 * on, API keys of three tenants): a tenant registers and promotes its own
 * model, its strategy scores with it, explain replays its decisions with it,
 * and its backtests pin it. No tenant sees another's models — the default
 * tenant's neither, as with strategies ("no fallback"): a strategy naming a
 * model its tenant does not have is refused, pointing at it, even when
 * another tenant has a model of that name. After a restart each tenant is
 * served its own models again.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { Decision } from '../../src/decisions/decision.ts'
import { trainGbdtSync } from '../../src/models/gbdt/gbdt-trainer.ts'
import { serializeModel } from '../../src/models/gbdt/model-json.ts'
import { reason } from '../strategy/lifecycle-fixtures.ts'
import { exampleEvent } from '../support/temp-engine.ts'
import { tenantServer, type Who } from '../support/tenant-server.ts'

const server = tenantServer('xiezhi-model-tenants-')
const { call, codes } = server

/** A small tree model over two catalogue features: risky once a device has applied `from` times in 24 h. */
function deviceModel(from: number) {
  const rows = 400
  const device = Float64Array.from({ length: rows }, (_, i) => i % 6)
  const ip = Float64Array.from({ length: rows }, (_, i) => (i * 7) % 5)
  const labels = Float64Array.from(device, (d) => (d >= from ? 1 : 0))
  const { model } = trainGbdtSync({ features: [device, ip], labels, featureNames: ['applicationsPerDevice24h', 'applicationsPerIp1h'] }, { rounds: 20, maxDepth: 2, learningRate: 0.3, seed: 1 })
  return JSON.parse(serializeModel(model)) as unknown
}

/** Registers a model version and makes it the champion (author asks, approver approves); returns the version. */
async function champion(author: Who, approver: Who, name: string, model: unknown): Promise<number> {
  const registered = await call(author, 'POST', `/v1/models/${name}/versions`, { model })
  assert.equal(registered.statusCode, 201, registered.body)
  const { version } = registered.json()
  const promotion = await call(author, 'POST', `/v1/models/${name}/promotions`, { alias: 'champion', version })
  assert.equal(promotion.statusCode, 201, promotion.body)
  const approved = await call(approver, 'POST', `/v1/models/${name}/promotions/${promotion.json().id}/approve`)
  assert.equal(approved.statusCode, 200, approved.body)
  return version
}

/** Credit applications of one product, reviewed when the registry model's score is high. */
const withModel = {
  eventType: 'credit.application',
  product: 'tenant-model-test',
  defaultAction: 'approve',
  onRuleError: 'review',
  models: [{ name: 'fraudTree', kind: 'registry', model: 'application-fraud', alias: 'champion', reasons: { top: 1, factors: { applicationsPerDevice24h: { code: 'DEVICE_APPLICATION_COUNT', zh: '同一设备申请多', en: 'Many applications from this device' } } } }],
  flow: [{ id: 'model', type: 'ruleSet', mode: 'serial', rules: [{ id: 'tree-score-high', when: 'scores.fraudTree >= 0.5', action: 'review', reason: reason('MODEL_SCORE_HIGH') }] }],
}

let n = 0
const occurredAt = new Date(Date.now() - 60_000).toISOString()
async function decide(as: Who): Promise<Decision> {
  n++
  const event = exampleEvent('credit.application', {
    id: `evt-model-tenant-${n}`,
    occurredAt,
    data: { applicationId: `app-model-tenant-${n}`, userId: `u-model-tenant-${n}`, product: 'tenant-model-test', deviceId: 'dev-model-tenant', idNumber: `11010119900307${String(n).padStart(4, '0')}` },
  })
  const reply = await call(as, 'POST', '/v1/events', event)
  assert.equal(reply.statusCode, 200, reply.body)
  return reply.json() as Decision
}

const acmeDecisions: Decision[] = []

describe('registry models per tenant', () => {
  test("a tenant's strategy scores with the tenant's own model; others, the default tenant included, cannot name it", async () => {
    assert.equal(await champion('acmeAuthor', 'acmeApprover', 'application-fraud', deviceModel(2)), 1)
    assert.deepEqual((await call('acmeAuthor', 'GET', '/v1/models')).json().items.map((m: { name: string }) => m.name), ['application-fraud'])
    assert.deepEqual((await call('bankAuthor', 'GET', '/v1/models')).json().items, [], "the default tenant does not see acme's")
    assert.equal((await call('bankAuthor', 'GET', '/v1/models/application-fraud')).statusCode, 404)

    for (const who of ['bankAuthor', 'zeta'] as const) {
      const refused = await call(who, 'POST', '/v1/strategies/scored-applications/drafts', { document: withModel })
      assert.equal(refused.statusCode, 400, `${who}: ${refused.body}`)
      assert.ok(codes(refused).some((c) => c === '/body/document/models/0/alias unknown_model_alias'), `${who}: ${codes(refused).join('; ')}`)
    }

    const drafted = await call('acmeAuthor', 'POST', '/v1/strategies/scored-applications/drafts', { document: withModel })
    assert.equal(drafted.statusCode, 201, drafted.body)
    assert.equal((await call('acmeAuthor', 'POST', '/v1/strategies/scored-applications/versions/1/submit')).statusCode, 200)
    const approved = await call('acmeApprover', 'POST', '/v1/strategies/scored-applications/versions/1/approve')
    assert.equal(approved.statusCode, 200, approved.body)

    for (let i = 0; i < 3; i++) acmeDecisions.push(await decide('acmeAuthor'))
    assert.deepEqual(acmeDecisions.map((d) => d.models), Array(3).fill({ fraudTree: { model: 'application-fraud', alias: 'champion', version: 1 } }))
    assert.deepEqual(acmeDecisions.map((d) => d.action), ['approve', 'approve', 'review'], 'the third application from the device scores high')
    const ready = (await server.app.inject('/readyz')).json()
    assert.deepEqual([ready.status, ready.strategies.some((s: { id: string }) => s.id === 'scored-applications'), ready.otherTenants], ['ready', false, { tenants: 1, strategies: 1 }], "readiness, asked without credentials, names no other tenant's strategy")
    const bank = await decide('bankAuthor')
    assert.deepEqual([bank.strategy?.id, bank.models], ['credit-application', undefined], "the default tenant's own strategy, without acme's model")
  })

  test("the default tenant's own model of the same name changes nothing for acme; explain replays acme's decisions with acme's model", async () => {
    await champion('bankAuthor', 'bankApprover', 'application-fraud', deviceModel(5))
    const bankDraft = await call('bankAuthor', 'POST', '/v1/strategies/scored-applications/drafts', { document: withModel })
    assert.equal(bankDraft.statusCode, 201, 'now the default tenant has one of its own')
    const next = await decide('acmeAuthor')
    assert.deepEqual([next.models?.fraudTree?.version, next.action], [1, 'review'], "acme's champion still (the default tenant's would approve)")
    acmeDecisions.push(next)
    for (const decision of acmeDecisions) {
      const explained = await call('acmeAuthor', 'GET', `/v1/decisions/${decision.decisionId}/explanation`)
      assert.equal(explained.statusCode, 200, explained.body)
      assert.equal(explained.json().reproduced, true, explained.json().differences?.join('; '))
    }
  })

  test("a tenant's backtest pins the tenant's model version", async () => {
    const started = await call('acmeAuthor', 'POST', '/v1/backtests', { strategy: { ...withModel, id: 'scored-applications', version: 2 }, from: '2026-01-01', to: new Date(Date.now() + 86_400_000).toISOString() })
    assert.equal(started.statusCode, 202, started.body)
    const record = await server.engine.store.getBacktest('acme', started.json().id)
    assert.deepEqual(JSON.parse(record!.models!), { 'application-fraud@champion': { model: 'application-fraud', alias: 'champion', version: 1 } })
    let view = started.json()
    for (let i = 0; i < 200 && (view.status === 'queued' || view.status === 'running'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      view = (await call('acmeAuthor', 'GET', `/v1/backtests/${view.id}`)).json()
    }
    assert.equal(view.status, 'done', JSON.stringify(view))
    assert.equal(view.report.changed.events, 0, "the same draft and acme's same model: nothing changes")
  })

  test('after a restart each tenant is served its own models again', async () => {
    await server.restart()
    const again = await decide('acmeAuthor')
    assert.deepEqual([again.models?.fraudTree?.version, again.action], [1, 'review'])
    const zeta = await call('zeta', 'POST', '/v1/strategies/scored-applications/drafts', { document: withModel })
    assert.equal(zeta.statusCode, 400, 'still nothing for a tenant without models')
  })
})
