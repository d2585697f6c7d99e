/**
 * Strategies per tenant, through the real server stack (authentication on,
 * API keys of three tenants): two tenants each write, approve and deploy
 * their own strategy of the same id for the same decision point, and each
 * tenant's events are decided by its own; a third tenant, with none, gets
 * NO_STRATEGY rather than another's. A tenant neither sees nor changes
 * another's strategies (404, as if they did not exist), the four-eyes rule
 * holds within a tenant, a backtest replays only the tenant's events, and
 * after a restart each tenant is served its own again.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { Decision } from '../../src/decisions/decision.ts'
import { exampleEvent } from '../support/temp-engine.ts'
import { tenantServer, type Who } from '../support/tenant-server.ts'
import { reason } from './lifecycle-fixtures.ts'

const server = tenantServer('xiezhi-strategy-tenants-')
const { keys, call, codes } = server

/** A strategy for credit applications of one product that answers `action` to every one, with a reason naming whose it is. */
const everyApplication = (action: 'review' | 'reject', code: string) => ({
  eventType: 'credit.application',
  product: 'tenant-test',
  defaultAction: 'approve',
  onRuleError: 'review',
  models: [],
  flow: [{ id: 'all', type: 'ruleSet', mode: 'serial', rules: [{ id: 'every-one', when: 'true', action, reason: reason(code) }] }],
})

/** Writes (author), submits (author) and approves with deployment (approver) a strategy of the caller's tenant. */
async function live(author: Who, approver: Who, id: string, document: Record<string, unknown>) {
  const drafted = await call(author, 'POST', `/v1/strategies/${id}/drafts`, { document })
  assert.equal(drafted.statusCode, 201, drafted.body)
  const { version } = drafted.json()
  assert.equal((await call(author, 'POST', `/v1/strategies/${id}/versions/${version}/submit`)).statusCode, 200)
  const approved = await call(approver, 'POST', `/v1/strategies/${id}/versions/${version}/approve`)
  assert.equal(approved.statusCode, 200, approved.body)
  return approved.json()
}

let n = 0
const occurredAt = new Date(Date.now() - 60_000).toISOString()
async function decide(as: Who): Promise<Decision> {
  n++
  const event = exampleEvent('credit.application', {
    id: `evt-tenant-${n}`,
    occurredAt,
    data: { applicationId: `app-tenant-${n}`, userId: `u-tenant-${n}`, product: 'tenant-test', deviceId: `dev-tenant-${n}`, idNumber: `11010119900307${String(n).padStart(4, '0')}` },
  })
  const reply = await call(as, 'POST', '/v1/events', event)
  assert.equal(reply.statusCode, 200, reply.body)
  return reply.json() as Decision
}
const outcome = (d: Decision) => `${d.action} ${d.strategy ? `${d.strategy.id} v${d.strategy.version}` : 'none'} ${d.reasons.map((r) => r.code).join(',')}`

describe('strategies per tenant', () => {
  test('two tenants deploy a strategy of the same id for the same decision point; each tenant\'s events are decided by its own', async () => {
    const bank = await live('bankAuthor', 'bankApprover', 'applications', everyApplication('review', 'BANK_REVIEWS_ALL'))
    const acme = await live('acmeAuthor', 'acmeApprover', 'applications', everyApplication('reject', 'ACME_REJECTS_ALL'))
    assert.deepEqual([bank.version.version, bank.deployment.champion, acme.version.version, acme.deployment.champion], [1, 1, 1, 1], 'each tenant numbers its own versions')
    assert.notEqual(bank.deployment.id, acme.deployment.id)

    assert.equal(outcome(await decide('bankAuthor')), 'review applications v1 BANK_REVIEWS_ALL')
    assert.equal(outcome(await decide('acmeAuthor')), 'reject applications v1 ACME_REJECTS_ALL')
    assert.equal(outcome(await decide('zeta')), 'approve none NO_STRATEGY', "a tenant with no strategy of its own gets none: not the default tenant's")
    assert.equal(outcome(await decide('acmeApprover')), 'reject applications v1 ACME_REJECTS_ALL')
  })

  test('a tenant sees only its own strategies, and another tenant\'s are not there to read or change', async () => {
    const acmeList = (await call('acmeAuthor', 'GET', '/v1/strategies')).json().items as { tenantId: string; id: string }[]
    assert.deepEqual(acmeList.map((s) => `${s.tenantId} ${s.id}`), ['acme applications'])
    const bankList = (await call('bankAuthor', 'GET', '/v1/strategies')).json().items as { tenantId: string; id: string }[]
    assert.ok(bankList.some((s) => s.id === 'credit-application'), 'the config files are the default tenant\'s')
    assert.ok(bankList.every((s) => s.tenantId === 'default'))
    assert.deepEqual((await call('zeta', 'GET', '/v1/strategies')).json().items, [])

    const theirs = (await call('acmeAuthor', 'GET', '/v1/strategies/applications')).json()
    assert.deepEqual([theirs.tenantId, theirs.versions.length, theirs.versions[0].authors], ['acme', 1, [keys.acmeAuthor.actor]])
    const version = (await call('acmeAuthor', 'GET', '/v1/strategies/applications/versions/1')).json()
    assert.equal(version.document.flow[0].rules[0].action, 'reject', "acme reads its own document, not the default tenant's of the same id")

    // a submitted version of the default tenant's, which acme's approver may not approve or reject: to acme it does not exist
    const drafted = await call('bankAuthor', 'POST', '/v1/strategies/bank-only/drafts', { document: { ...everyApplication('review', 'BANK_ONLY'), product: 'bank-only' } })
    assert.equal(drafted.statusCode, 201, drafted.body)
    assert.equal((await call('bankAuthor', 'POST', '/v1/strategies/bank-only/versions/1/submit')).statusCode, 200)
    for (const [method, url, body] of [
      ['GET', '/v1/strategies/bank-only', undefined],
      ['GET', '/v1/strategies/bank-only/versions/1', undefined],
      ['GET', '/v1/strategies/bank-only/diff?from=1&to=1', undefined],
      ['POST', '/v1/strategies/bank-only/versions/1/approve', {}],
      ['POST', '/v1/strategies/bank-only/versions/1/reject', { note: 'not yours' }],
      ['POST', '/v1/strategies/bank-only/versions/1/withdraw', {}],
      ['POST', '/v1/strategies/bank-only/deployments', { champion: 1 }],
      ['POST', '/v1/strategies/bank-only/rollback', {}],
      ['POST', '/v1/strategies/credit-application/rollback', {}],
    ] as const) {
      const reply = await call('acmeApprover', method, url, body)
      assert.equal(reply.statusCode, 404, `${method} ${url}: ${reply.body}`)
      assert.deepEqual(codes(reply), ['/params/id unknown_strategy'], `${method} ${url}`)
    }
    const still = (await call('bankApprover', 'GET', '/v1/strategies/bank-only/versions/1')).json()
    assert.deepEqual([still.state, still.approvedBy, still.rejectedBy], ['submitted', null, null], 'nothing acme tried changed it')
    assert.equal(server.engine.strategies.liveOf('default', 'credit-application')?.deployment.kind, 'config', "the default tenant's shipped strategy still runs")
    const arms = await call('acmeApprover', 'GET', '/v1/monitoring/strategies/credit-application/arms?from=2026-01-01&to=2099-01-01')
    assert.equal(arms.statusCode, 404, "acme cannot compare the arms of the default tenant's strategy")
  })

  test('the four-eyes rule holds within each tenant', async () => {
    const drafted = await call('acmeAuthor', 'POST', '/v1/strategies/applications/drafts', { document: everyApplication('review', 'ACME_REVIEWS_ALL') })
    assert.equal(drafted.json().version, 2)
    assert.equal((await call('acmeAuthor', 'POST', '/v1/strategies/applications/versions/2/submit')).statusCode, 200)
    const own = await call('acmeAuthor', 'POST', '/v1/strategies/applications/versions/2/approve')
    assert.equal(own.statusCode, 409, own.body)
    assert.deepEqual(codes(own), ['/params/version same_actor'])
    const review = (await call('acmeApprover', 'GET', '/v1/strategies/applications/versions/2')).json().review
    assert.equal(review.against, 1, "the approver compares with acme's own live champion")
    assert.ok(review.diff.lines.includes('~ /flow/all/rules/every-one/action: "reject" → "review"'), review.diff.lines.join('\n'))
    const approved = await call('acmeApprover', 'POST', '/v1/strategies/applications/versions/2/approve', { deploy: false })
    assert.equal(approved.statusCode, 200, approved.body)
    const shadowed = await call('acmeApprover', 'POST', '/v1/strategies/applications/deployments', { champion: 1, shadows: [2] })
    assert.equal(shadowed.statusCode, 201, shadowed.body)
    const decided = await decide('acmeAuthor')
    assert.equal(outcome(decided), 'reject applications v1 ACME_REJECTS_ALL')
    const trace = JSON.parse((await server.engine.store.getDecision('acme', decided.decisionId))!.trace) as { shadows?: { version: number; action: string }[] }
    assert.deepEqual(trace.shadows?.map((s) => `${s.version} ${s.action}`), ['2 review'], "acme's shadow runs on acme's events")
    assert.equal(outcome(await decide('bankAuthor')), 'review applications v1 BANK_REVIEWS_ALL', "the default tenant's strategy did not change")
  })

  test("a backtest of a tenant's draft replays that tenant's events only", async () => {
    const started = await call('acmeAuthor', 'POST', '/v1/backtests', { strategy: { ...everyApplication('review', 'ACME_REVIEWS_ALL'), id: 'applications', version: 3 }, from: '2026-01-01', to: new Date(Date.now() + 86_400_000).toISOString() })
    assert.equal(started.statusCode, 202, started.body)
    let view = started.json()
    for (let i = 0; i < 200 && view.status !== 'done' && view.status !== 'failed'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      view = (await call('acmeAuthor', 'GET', `/v1/backtests/${view.id}`)).json()
    }
    assert.equal(view.status, 'done', JSON.stringify(view))
    assert.equal(view.report.events.decided, 3, "acme's three applications, none of the default tenant's or zeta's")
    assert.deepEqual(view.report.live, { strategies: [{ id: 'applications', version: 1, events: 3 }], withoutStrategy: 0 })
    assert.equal((await call('bankAuthor', 'GET', `/v1/backtests/${view.id}`)).statusCode, 404, "another tenant's backtest")
  })

  test('after a restart each tenant is served its own deployment again', async () => {
    await server.restart()
    assert.equal(outcome(await decide('acmeAuthor')), 'reject applications v1 ACME_REJECTS_ALL')
    assert.deepEqual(server.engine.strategies.liveOf('acme', 'applications')?.shadows.map((s) => s.version), [2])
    assert.equal(outcome(await decide('bankAuthor')), 'review applications v1 BANK_REVIEWS_ALL')
    assert.equal(outcome(await decide('zeta')), 'approve none NO_STRATEGY')
  })
})
