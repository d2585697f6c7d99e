/**
 * The review desk over HTTP, as the workbench uses it: sign-in with roles,
 * cases opened from review decisions, claiming (never the same case twice),
 * masked personal data with recorded reveals, a call that reaches someone
 * else and a call-back the next morning, and a disposition that becomes a
 * label in the decision log and resolves the held application.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildServer } from '../../src/api/build-server.ts'
import { readConfig } from '../../src/app/config.ts'
import { type Engine, defaultTenant, openEngine } from '../../src/app/open-engine.ts'
import type { CaseView } from '../../src/cases/case-desk.ts'
import type { ReviewCase } from '../../src/cases/review-case.ts'
import { exampleEvent, tempDataDir } from '../support/temp-engine.ts'

const data = tempDataDir('xiezhi-desk-')
let nowMs = Date.parse('2026-11-26T15:30:00+08:00')
const clock = { nowMs: () => nowMs }
let engine: Engine
let app: FastifyInstance
const password = 'correct horse battery'

/** A credit application the shipped strategy reviews: the amount is more than a year of declared income. */
const reviewedApplication = (n: number) =>
  exampleEvent('credit.application', {
    id: `evt-desk-${n}`,
    occurredAt: new Date(nowMs - 60_000).toISOString(),
    data: { applicationId: `app-desk-${n}`, userId: `u-desk-${n}`, deviceId: `dev-desk-${n}`, ip: `198.51.100.${n}`, idNumber: `1101011990030700${String(n).padStart(2, '0')}`, phone: `1380013${String(n).padStart(4, '0')}`, amountMinor: 30_000_000, declaredIncomeMinor: 1_000_000, contacts: [] },
  })

async function signIn(username: string): Promise<string> {
  const reply = await app.inject({ method: 'POST', url: '/v1/session', payload: { username, password } })
  assert.equal(reply.statusCode, 200, reply.body)
  const cookie = reply.cookies.find((c) => c.name === 'xiezhi_session')!
  assert.equal(cookie.httpOnly, true)
  return `xiezhi_session=${cookie.value}`
}

const as = (cookie: string) => ({
  get: (url: string) => app.inject({ url, headers: { cookie } }),
  post: (url: string, payload?: unknown) => app.inject({ method: 'POST', url, headers: { cookie }, ...(payload === undefined ? {} : { payload: payload as object }) }),
})

before(async () => {
  // authentication on: a request without a live session is refused
  engine = await openEngine(readConfig({ XIEZHI_DATA_DIR: data.dir, LOG_LEVEL: 'silent' }), { clock })
  app = (await buildServer(engine)).app
  for (const [username, roles] of [
    ['alice', ['reviewer']],
    ['bob', ['reviewer']],
    ['carol', ['analyst']],
  ] as const) {
    await engine.users.add({ username, password, roles: [...roles] })
  }
  for (let n = 1; n <= 12; n++) await engine.decisions.decide(defaultTenant, reviewedApplication(n))
})
after(async () => {
  await app.close()
  await engine.close()
  data.remove()
})

describe('the reviewer’s path', () => {
  let alice: ReturnType<typeof as>
  let caseId: string

  test('review decisions open cases; a wrong password and an analyst claiming are refused', async () => {
    assert.equal((await app.inject({ method: 'POST', url: '/v1/session', payload: { username: 'alice', password: 'wrong password!' } })).statusCode, 401)
    alice = as(await signIn('alice'))
    const summary = (await alice.get('/v1/cases/summary')).json() as { open: number }
    assert.equal(summary.open, 12)
    const carol = as(await signIn('carol'))
    const refused = await carol.post('/v1/cases/claim')
    assert.equal(refused.statusCode, 403)
    assert.equal(refused.json().errors[0].code, 'role_required')
    const excluding = await carol.post('/v1/cases/any/members/exclude', { kind: 'user', key: 'k', reason: 'not in the team' })
    assert.deepEqual([excluding.statusCode, excluding.json().errors[0].code], [403, 'role_required'], 'only a reviewer excludes a ring member')
    const readmitting = await carol.post('/v1/cases/any/members/readmit', { kind: 'user', key: 'k', reason: 'in the team' })
    assert.deepEqual([readmitting.statusCode, readmitting.json().errors[0].code], [403, 'role_required'], 'only a reviewer readmits a ring member')
    assert.equal((await carol.get('/v1/cases?status=open&limit=5')).json().items.length, 5, 'an analyst may look')
  })

  test('a claimed case shows the decision, its reasons and masked personal data; a reveal is recorded', async () => {
    const claimed = (await alice.post('/v1/cases/claim')).json() as ReviewCase
    caseId = claimed.id
    assert.deepEqual([claimed.status, claimed.assignee], ['claimed', 'user:alice'])
    const view = (await alice.get(`/v1/cases/${caseId}`)).json() as CaseView
    assert.equal(view.decision!.action, 'review')
    const notRing = await alice.post(`/v1/cases/${caseId}/members/exclude`, { kind: 'user', key: 'k', reason: 'x' })
    assert.deepEqual([notRing.statusCode, notRing.json().errors[0].pointer], [400, '/params/caseId'], "a decision's case has no members to exclude")
    const notRingReadmit = await alice.post(`/v1/cases/${caseId}/members/readmit`, { kind: 'user', key: 'k', reason: 'x' })
    assert.deepEqual([notRingReadmit.statusCode, notRingReadmit.json().errors[0].pointer], [400, '/params/caseId'], "a decision's case has no members to readmit")
    assert.ok(view.decision!.reasons.some((r) => r.code === 'AMOUNT_OVER_INCOME'))
    const phone = (view.event!.data as { phone: string }).phone
    assert.match(phone, /^138\*+\d{4}$/)
    const revealed = await alice.post(`/v1/cases/${caseId}/reveal`, { kind: 'phone' })
    assert.equal(revealed.statusCode, 200, revealed.body)
    const [clear] = revealed.json().values as string[]
    assert.match(clear!, /^1380013\d{4}$/)
    assert.equal(clear!.slice(-4), phone.slice(-4))
    const history = ((await alice.get(`/v1/cases/${caseId}`)).json() as CaseView).activities.map((a) => `${a.kind}:${a.actor}`)
    assert.deepEqual(history, ['opened:system', 'claimed:user:alice', 'revealed:user:alice'])
  })

  test('someone else answers: a call-back tomorrow at 10:00 puts the case back in the queue, first for alice, only then', async () => {
    const tomorrowTen = Date.parse('2026-11-27T10:00:00+08:00')
    const call = await alice.post(`/v1/cases/${caseId}/calls`, { outcome: 'someone_else_answered', notes: '接电话的人自称是申请人的朋友', callbackAt: new Date(tomorrowTen).toISOString() })
    assert.equal(call.statusCode, 200, call.body)
    assert.deepEqual([call.json().status, call.json().callbackAtMs], ['open', tomorrowTen])
    const bob = as(await signIn('bob'))
    const bobs = (await bob.post('/v1/cases/claim')).json() as ReviewCase
    assert.notEqual(bobs.id, caseId, 'not before the call-back time')
    // the next morning: yesterday's session has expired, alice signs in again
    nowMs = tomorrowTen + 60_000
    assert.equal((await alice.get('/v1/cases/summary')).statusCode, 401)
    alice = as(await signIn('alice'))
    const again = (await alice.post('/v1/cases/claim')).json() as ReviewCase
    assert.equal(again.id, caseId, 'alice’s own due call-back comes first')
  })

  test('the applicant is reached: the disposition becomes a label and resolves the application', async () => {
    assert.equal((await alice.post(`/v1/cases/${caseId}/calls`, { outcome: 'reached_applicant', notes: '申请人确认被冒充客服诱导贷款，已劝阻' })).statusCode, 200)
    const bad = await alice.post(`/v1/cases/${caseId}/close`, { disposition: 'maybe' })
    assert.equal(bad.statusCode, 400)
    assert.equal(bad.json().errors[0].pointer, '/body/disposition')
    const closed = await alice.post(`/v1/cases/${caseId}/close`, { disposition: 'scam_victim_dissuaded', notes: '客户已撤回申请' })
    assert.equal(closed.statusCode, 200, closed.body)
    assert.deepEqual([closed.json().status, closed.json().disposition, closed.json().resolution], ['closed', 'scam_victim_dissuaded', 'reject'])
    const label = await engine.store.findByEventId(defaultTenant, `label-case-${caseId}`)
    assert.ok(label, 'the label event is in the decision log')
    const view = (await alice.get(`/v1/cases/${caseId}`)).json() as CaseView
    const labelled = await engine.store.getDecision(defaultTenant, JSON.parse(label.response).decisionId)
    const sealed = JSON.parse(engine.vault.open(labelled!.sealedEvent)) as { data: { subjectEventId: string; label: string } }
    assert.deepEqual([sealed.data.subjectEventId, sealed.data.label], [view.case.eventId, 'scam_victim'])
    assert.equal((await alice.post(`/v1/cases/${caseId}/calls`, { outcome: 'no_answer' })).json().errors[0].code, 'not_held', 'a closed case takes no more calls')
  })
})

test('a claim from named queues takes a case of one of them, or none', async () => {
  const bob = as(await signIn('bob'))
  assert.equal((await bob.post('/v1/cases/claim?queue=loan.drawdown&queue=login')).statusCode, 204, 'the open cases are all credit applications')
  const claimed = await bob.post('/v1/cases/claim?queue=login&queue=credit.application')
  assert.equal(claimed.statusCode, 200, claimed.body)
  assert.deepEqual([(claimed.json() as ReviewCase).queue, (claimed.json() as ReviewCase).assignee], ['credit.application', 'user:bob'])
})

test('twenty reviewers claiming at once never get the same case', async () => {
  const names = Array.from({ length: 20 }, (_, i) => `r${String(i).padStart(2, '0')}`)
  for (const username of names) await engine.users.add({ username, password, roles: ['reviewer'] })
  const reviewers = await Promise.all(names.map(async (n) => as(await signIn(n))))
  const open = ((await reviewers[0]!.get('/v1/cases/summary')).json() as { open: number }).open
  const replies = await Promise.all(reviewers.map((r) => r.post('/v1/cases/claim')))
  const ids = replies.filter((r) => r.statusCode === 200).map((r) => (r.json() as ReviewCase).id)
  assert.equal(ids.length, Math.min(open, 20))
  assert.equal(new Set(ids).size, ids.length)
  assert.ok(replies.filter((r) => r.statusCode !== 200).every((r) => r.statusCode === 204))
})

test('a signed-out session and an expired one are refused', async () => {
  const cookie = await signIn('bob')
  assert.equal((await app.inject({ method: 'DELETE', url: '/v1/session', headers: { cookie } })).statusCode, 204)
  assert.equal((await app.inject({ url: '/v1/cases', headers: { cookie } })).statusCode, 401)
  const late = await signIn('bob')
  nowMs += 13 * 3_600_000
  assert.equal((await app.inject({ url: '/v1/cases', headers: { cookie: late } })).statusCode, 401)
})

test('risk is the higher of the scores’ and the amount’s', async () => {
  const { casePriority } = await import('../../src/cases/case-priority.ts')
  assert.equal(casePriority({ fraud: 0.1 }, 48_000_000).risk, 'high', 'a ¥480,000 drawdown is high risk whatever its score')
  assert.equal(casePriority({ fraud: 0.7 }, 100_000).risk, 'high')
  assert.equal(casePriority({ fraud: 0.1 }, 100_000).risk, 'low')
  assert.equal(casePriority({}, null).risk, 'medium')
  assert.ok(casePriority({ fraud: 0.1 }, 6_000_000).priority > casePriority({ fraud: 0.1 }, 100_000).priority)
})
