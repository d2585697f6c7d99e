/**
 * How the server serves the workbench, without a browser: the page at `/`
 * and at any screen's path (a reload on /cases/… opens that case), hashed
 * assets cached for good, the API's paths never answered with the page, a
 * clear answer when the page is not built; the server's clock; and the
 * dashboards' overview computed from the decision log and the desk.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import Fastify from 'fastify'
import { buildServer } from '../../src/api/build-server.ts'
import type { DashboardOverview } from '../../src/api/routes/dashboard-routes.ts'
import { registerWebRoutes, webDist } from '../../src/api/routes/web-routes.ts'
import { readConfig } from '../../src/app/config.ts'
import { defaultTenant, type Engine, openEngine } from '../../src/app/open-engine.ts'
import { exampleEvent, tempDataDir } from '../support/temp-engine.ts'
import { ensureWebBuilt, password } from './workbench-harness.ts'

const data = tempDataDir('xiezhi-webroutes-')
// Thursday 2026-11-26 16:30 in Beijing: in the afternoon scam peak
let nowMs = Date.parse('2026-11-26T16:30:00+08:00')
let engine: Engine
let app: Awaited<ReturnType<typeof buildServer>>['app']
let cookie = ''

before(async () => {
  ensureWebBuilt()
  engine = await openEngine(readConfig({ XIEZHI_DATA_DIR: data.dir, LOG_LEVEL: 'silent' }), { clock: { nowMs: () => nowMs } })
  app = (await buildServer(engine)).app
  await engine.users.add({ username: 'lead', password, roles: ['admin'] })
  const signedIn = await app.inject({ method: 'POST', url: '/v1/session', payload: { username: 'lead', password } })
  cookie = `xiezhi_session=${signedIn.cookies.find((c) => c.name === 'xiezhi_session')!.value}`
})
after(async () => {
  await app.close()
  await engine.close()
  data.remove()
})

test('the page is served at / and at every screen’s path, with a content security policy', async () => {
  for (const url of ['/', '/queue', '/cases/0b7e-4c1a', '/strategies/credit-application/versions/2?x=1']) {
    const reply = await app.inject({ url })
    assert.equal(reply.statusCode, 200, url)
    assert.match(reply.headers['content-type'] as string, /text\/html/)
    assert.match(reply.body, /<div id="root">/)
    assert.match(reply.headers['content-security-policy'] as string, /script-src 'self'/)
    assert.equal(reply.headers['cache-control'], 'no-cache')
  }
})

test('hashed assets are cached for good; a missing file is a 404 problem, not the page', async () => {
  const asset = readdirSync(join(webDist, 'assets')).find((name) => name.endsWith('.js'))!
  const reply = await app.inject({ url: `/assets/${asset}` })
  assert.equal(reply.statusCode, 200)
  assert.match(reply.headers['content-type'] as string, /javascript/)
  assert.match(reply.headers['cache-control'] as string, /immutable/)
  for (const url of ['/assets/nothing-here.js', '/../package.json', '/assets/..%2f..%2fpackage.json']) {
    const missing = await app.inject({ url })
    assert.equal(missing.statusCode, 404, url)
    assert.match(missing.headers['content-type'] as string, /problem\+json/, url)
  }
})

test('the API’s paths are never answered with the page', async () => {
  const unknown = await app.inject({ url: '/v1/no-such-thing', headers: { cookie } })
  assert.equal(unknown.statusCode, 404)
  assert.match(unknown.headers['content-type'] as string, /problem\+json/)
  assert.equal((await app.inject({ url: '/v1/cases' })).statusCode, 401, 'without a session the API refuses')
  assert.equal((await app.inject({ url: '/openapi.json' })).statusCode, 200)
  const openapi = (await app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, unknown> }
  assert.ok(openapi.paths['/v1/dashboards/overview'] && openapi.paths['/v1/clock'], 'the workbench’s own endpoints are documented')
  assert.ok(!openapi.paths['/*'], 'the page is not an API path')
})

test('an unbuilt workbench says how to build it', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'xiezhi-nodist-'))
  const bare = Fastify()
  registerWebRoutes(bare, engine, `${empty}/`)
  const reply = await bare.inject({ url: '/cases/1' })
  assert.equal(reply.statusCode, 503)
  assert.match(reply.body, /npm run build:web/)
  await bare.close()
  rmSync(empty, { recursive: true })
})

test('the server’s clock is what the workbench measures SLAs and call-backs by', async () => {
  const reply = await app.inject({ url: '/v1/clock', headers: { cookie } })
  assert.equal(reply.statusCode, 200)
  assert.equal(Date.parse(reply.json().now), nowMs)
})

test('the overview counts decisions by local hour and day, interventions, top rules, and cases closed per reviewer', async () => {
  const decide = (id: string, type: string, data: Record<string, unknown>, atMs: number) => engine.decisions.decide(defaultTenant, exampleEvent(type, { id, occurredAt: new Date(atMs).toISOString(), data }))
  // two drawdowns with screen sharing at 16:10 and 16:20 Beijing, one plain at 09:00 the same day
  await decide('draw-1', 'loan.drawdown', { loanId: 'l1', userId: 'u1', deviceId: 'd1', amountMinor: 2_000_000, screenSharingActive: true, newPayee: false }, Date.parse('2026-11-26T16:10:00+08:00'))
  await decide('draw-2', 'loan.drawdown', { loanId: 'l2', userId: 'u2', deviceId: 'd2', amountMinor: 3_000_000, screenSharingActive: true, newPayee: false }, Date.parse('2026-11-26T16:20:00+08:00'))
  await decide('draw-3', 'loan.drawdown', { loanId: 'l3', userId: 'u3', deviceId: 'd3', amountMinor: 100_000, screenSharingActive: false, newPayee: false }, Date.parse('2026-11-26T09:00:00+08:00'))
  const claimed = await engine.cases.claimNext(defaultTenant, 'user:alice')
  assert.ok(claimed)
  await engine.cases.close(defaultTenant, claimed.id, 'user:alice', { disposition: 'scam_victim_dissuaded' })

  const reply = await app.inject({ url: '/v1/dashboards/overview?from=2026-11-26&to=2026-11-27&eventType=loan.drawdown', headers: { cookie } })
  assert.equal(reply.statusCode, 200, reply.body)
  const o = reply.json() as DashboardOverview
  assert.equal(o.decisions, 3)
  assert.deepEqual([o.hourOfDay[16]!.decisions, o.hourOfDay[16]!.review, o.hourOfDay[9]!.approve], [2, 2, 1])
  assert.equal(o.days.length, 1)
  assert.deepEqual([o.days[0]!.day, o.days[0]!.interventions, o.days[0]!.casesClosed, o.days[0]!.amountProtectedMinor], ['2026-11-26', 2, 1, claimed.amountMinor])
  assert.equal(o.topRules[0]!.ruleId, 'screen-sharing')
  assert.equal(o.topRules[0]!.hits, 2)
  assert.deepEqual(o.topRules[0]!.message, { zh: '借款时屏幕共享开启（疑似电诈）', en: 'Screen sharing active during the drawdown (possible scam)' })
  assert.deepEqual(o.reviewers, [{ reviewer: 'user:alice', closed: 1, closedLate: 0, dispositions: { scam_victim_dissuaded: 1 } }])
  assert.deepEqual(o.queueNow, { open: 1, claimed: 0, waitingCallback: 0, breached: 0 })

  nowMs += 9 * 3_600_000
  const later = (await app.inject({ url: '/v1/dashboards/overview?from=2026-11-26&to=2026-11-27', headers: { cookie } })).json() as DashboardOverview
  assert.equal(later.queueNow.breached, 1, 'the other drawdown’s case is past its SLA')
})

test('a bad period is a problem naming the field', async () => {
  const bad = await app.inject({ url: '/v1/dashboards/overview?from=2026-11-27&to=2026-11-26&timeZone=Mars/Olympus', headers: { cookie } })
  assert.equal(bad.statusCode, 400)
  assert.deepEqual(
    (bad.json().errors as { pointer: string; code: string }[]).map((e) => `${e.pointer} ${e.code}`),
    ['/query/to invalid_range', '/query/timeZone invalid_value'],
  )
  const long = await app.inject({ url: '/v1/dashboards/overview?from=2026-01-01&to=2026-11-01', headers: { cookie } })
  assert.equal(long.json().errors[0].code, 'out_of_range')
})
