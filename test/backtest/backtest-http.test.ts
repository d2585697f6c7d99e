/**
 * Backtests over HTTP, through the real server stack in process: a draft is
 * accepted (202), runs in the background while the server goes on
 * deciding, and its report is kept; refusals point into the request.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { parse as parseYaml } from 'yaml'
import { buildServer } from '../../src/api/build-server.ts'
import { readConfig } from '../../src/app/config.ts'
import { defaultTenant, type Engine, openEngine } from '../../src/app/open-engine.ts'
import { BacktestJobs, type BacktestView } from '../../src/backtest/backtest-jobs.ts'
import { backtestRequest } from '../../src/backtest/backtest-request.ts'
import { compileStrategy } from '../../src/strategy/compile-strategy.ts'
import { exampleEvent } from '../support/temp-engine.ts'
import { type BacktestWorld, buildBacktestWorld, world } from './backtest-world.ts'

let built: BacktestWorld
let engine: Engine
let app: FastifyInstance

before(async () => {
  built = await buildBacktestWorld()
  engine = await openEngine(readConfig({ XIEZHI_DATA_DIR: built.dir, LOG_LEVEL: 'silent' }, { authDisabled: true }))
  app = (await buildServer(engine)).app
})
after(async () => {
  await app?.close()
  await engine?.close()
  built?.remove()
})

/** Backtest jobs of this process, beside the server's own (which stay idle meanwhile). */
const localJobs = (options: { pageSize?: number; concurrency?: number } = {}) =>
  new BacktestJobs({
    store: engine.store, vault: engine.vault, definitions: engine.catalogue.features, lists: engine.lists, clock: engine.clock, ...options,
    recompile: async (_tenantId, document) => compileStrategy(document, engine.catalogue),
  })
const post = (url: string, body: unknown) => app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) })
const draft = () => {
  const document = parseYaml(readFileSync(new URL('../../config/strategies/credit-application.yaml', import.meta.url), 'utf8')) as { version: number; ruleSets: { rules: { id: string; when: string }[] }[] }
  document.version = 5
  document.ruleSets[1]!.rules.find((r) => r.id === 'fraud-score-elevated')!.when = 'scores.fraud >= 0.1'
  return document
}

describe('backtests over HTTP', () => {
  test('POST /v1/backtests answers 202 at once; the server decides meanwhile; GET shows the report when done', async () => {
    const accepted = await post('/v1/backtests', { strategy: draft(), from: world.from, to: world.to, sample: 3 })
    assert.equal(accepted.statusCode, 202, accepted.body)
    const view = accepted.json() as BacktestView
    assert.equal(accepted.headers.location, `/v1/backtests/${view.id}`)
    assert.deepEqual([view.status, view.strategy.id, view.strategy.version, view.requestedBy], ['queued', 'credit-application', 5, 'anonymous'])

    // a decision while the backtest runs
    const decided = await post('/v1/events', exampleEvent('login', { id: 'during-backtest', occurredAt: new Date().toISOString() }))
    assert.equal(decided.statusCode, 200, decided.body)

    let seen: BacktestView = view
    for (let i = 0; i < 600 && (seen.status === 'queued' || seen.status === 'running'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      const got = await app.inject({ method: 'GET', url: `/v1/backtests/${view.id}` })
      assert.equal(got.statusCode, 200, got.body)
      seen = got.json() as BacktestView
      if (seen.status === 'running' && seen.progress) assert.ok(seen.progress.done <= seen.progress.total)
    }
    assert.equal(seen.status, 'done', JSON.stringify(seen))
    const report = seen.report!
    assert.ok(report.events.decided > 30)
    assert.ok(report.changed.events > 0 && report.changed.sample.length === 3)
    assert.equal(report.strategy.version, 5)
    assert.ok(seen.finishedAt)

    // kept for a submission: the store has it, with the draft as backtested
    const stored = await engine.store.getBacktest(defaultTenant, view.id)
    assert.equal(stored?.status, 'done')
    assert.deepEqual(JSON.parse(stored!.report!), report)
    assert.equal(JSON.parse(stored!.strategyDocument).version, 5)
  })

  test('decisions go on while a backtest runs: the backtest gives the event loop a turn after every page', async () => {
    const jobs = localJobs({ pageSize: 50 })
    const compiled = compileStrategy(draft(), engine.catalogue)
    const { id } = await jobs.submit(defaultTenant, 'tester', compiled, backtestRequest({ from: world.from, to: world.to }, Date.now()))
    let decidedWhileRunning = 0
    const progress: number[] = []
    for (let i = 0; ; i++) {
      const before = await jobs.view(defaultTenant, id)
      if (before?.status === 'done' || before?.status === 'failed') break
      const result = await engine.decisions.decide(defaultTenant, exampleEvent('login', { id: `while-backtest-${i}`, occurredAt: new Date().toISOString() }))
      assert.equal(result.status, 'created')
      const after = await jobs.view(defaultTenant, id)
      if (before?.status === 'running' && after?.status === 'running') decidedWhileRunning++
      if (after?.progress) progress.push(after.progress.done)
    }
    await jobs.idle()
    assert.equal((await jobs.view(defaultTenant, id))?.status, 'done')
    assert.ok(decidedWhileRunning >= 3, `${decidedWhileRunning} decisions made while the backtest ran`)
    assert.ok(progress.length >= 3 && progress.at(-1)! > progress[0]!, `progress ${progress.join(', ')}`)
  })

  test('refusals point into the request; an unknown id is 404', async () => {
    const badDate = await post('/v1/backtests', { strategy: draft(), from: '2026-02-30', to: world.to })
    assert.equal(badDate.statusCode, 400)
    assert.deepEqual(badDate.json().errors.map((e: { pointer: string; code: string }) => [e.pointer, e.code]), [['/body/from', 'invalid_date']])
    const broken = draft()
    broken.ruleSets[0]!.rules[0]!.when = 'features.nope >= 1'
    const invalid = await post('/v1/backtests', { strategy: broken, from: world.from, to: world.to })
    assert.equal(invalid.statusCode, 400)
    assert.deepEqual(invalid.json().errors.map((e: { pointer: string; code: string }) => [e.pointer, e.code]), [['/body/strategy/ruleSets/0/rules/0/when', 'cel_type_error']])
    const missing = await app.inject({ method: 'GET', url: '/v1/backtests/no-such-id' })
    assert.equal(missing.statusCode, 404)
    assert.equal(missing.json().errors[0].code, 'unknown_backtest')
  })

  test('a queue, one backtest at a time by default: places in the queue, cancelling a queued and a running one, 409 naming the state', async () => {
    const jobs = localJobs({ pageSize: 50 })
    const request = () => backtestRequest({ from: world.from, to: world.to, sample: 2 }, Date.now())
    const compiled = compileStrategy(draft(), engine.catalogue)
    const first = await jobs.submit(defaultTenant, 'alice', compiled, request())
    const second = await jobs.submit(defaultTenant, 'alice', compiled, request())
    const third = await jobs.submit(defaultTenant, 'alice', compiled, request())
    const shown = async (id: string) => (await jobs.view(defaultTenant, id))!
    assert.deepEqual([(await shown(first.id)).status, (await shown(second.id)).position, (await shown(third.id)).position], ['running', 1, 2])

    const cancelledQueued = await jobs.cancel(defaultTenant, second.id, 'bob')
    assert.deepEqual([cancelledQueued.status, cancelledQueued.cancelledBy, cancelledQueued.attempts], ['cancelled', 'bob', 0])
    assert.equal((await shown(third.id)).position, 1, 'the third moves up')
    const cancelledRunning = await jobs.cancel(defaultTenant, first.id, 'bob')
    assert.equal(cancelledRunning.status, 'cancelled')
    await jobs.idle()
    assert.deepEqual([(await shown(first.id)).status, (await shown(first.id)).attempts, (await shown(second.id)).status, (await shown(third.id)).status], ['cancelled', 1, 'cancelled', 'done'])
    assert.equal((await engine.store.getBacktest(defaultTenant, first.id))?.report, null, 'the cancelled one ran no further')

    for (const [id, state] of [[first.id, 'cancelled'], [third.id, 'done']] as const) {
      const refusal = await jobs.cancel(defaultTenant, id, 'bob').then(() => assert.fail('cancelled twice'), (error: Error) => error)
      assert.match(refusal.message, new RegExp(`is ${state}; only a queued or running backtest can be cancelled`))
    }
    await assert.rejects(jobs.cancel('acme', third.id, 'bob'), /No backtest/, "another tenant's")
  })

  test('XIEZHI_BACKTEST_CONCURRENCY backtests run at once; the rest wait', async () => {
    const jobs = localJobs({ pageSize: 50, concurrency: 2 })
    const compiled = compileStrategy(draft(), engine.catalogue)
    const ids = []
    for (let i = 0; i < 3; i++) ids.push((await jobs.submit(defaultTenant, 'alice', compiled, backtestRequest({ from: world.from, to: world.to, sample: 0 }, Date.now()))).id)
    const views = await Promise.all(ids.map((id) => jobs.view(defaultTenant, id)))
    assert.deepEqual(views.map((v) => `${v?.status} ${v?.position ?? '-'}`), ['running -', 'running -', 'queued 1'])
    await jobs.idle()
    assert.deepEqual((await Promise.all(ids.map((id) => jobs.view(defaultTenant, id)))).map((v) => v?.status), ['done', 'done', 'done'])
  })

  test('POST /v1/backtests/{id}/cancel: 200 with the backtest cancelled, then 409 naming its state; 404 for an unknown id', async () => {
    const one = (await post('/v1/backtests', { strategy: draft(), from: world.from, to: world.to, sample: 0 })).json() as BacktestView
    const two = (await post('/v1/backtests', { strategy: draft(), from: world.from, to: world.to, sample: 0 })).json() as BacktestView
    const shown = (await app.inject({ method: 'GET', url: `/v1/backtests/${two.id}` })).json() as BacktestView
    assert.deepEqual([shown.status, shown.position, shown.attempts], ['queued', 1, 0])
    const cancelled = await app.inject({ method: 'POST', url: `/v1/backtests/${two.id}/cancel` })
    assert.equal(cancelled.statusCode, 200, cancelled.body)
    assert.deepEqual([cancelled.json().status, cancelled.json().cancelledBy], ['cancelled', 'anonymous'])
    const again = await app.inject({ method: 'POST', url: `/v1/backtests/${two.id}/cancel` })
    assert.equal(again.statusCode, 409)
    assert.deepEqual(again.json().errors.map((e: { pointer: string; code: string }) => [e.pointer, e.code]), [['/params/id', 'backtest_cancelled']])
    assert.match(again.json().detail, /is cancelled; only a queued or running backtest can be cancelled/)
    const missing = await app.inject({ method: 'POST', url: '/v1/backtests/no-such-id/cancel' })
    assert.equal(missing.statusCode, 404)
    const listed = (await app.inject({ method: 'GET', url: '/v1/backtests?strategyId=credit-application' })).json().items as BacktestView[]
    assert.equal(listed.find((b) => b.id === two.id)?.status, 'cancelled')
    for (let i = 0; i < 600; i++) {
      const status = ((await app.inject({ method: 'GET', url: `/v1/backtests/${one.id}` })).json() as BacktestView).status
      if (status !== 'queued' && status !== 'running') break
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  })
})
