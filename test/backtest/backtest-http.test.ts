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
    const jobs = new BacktestJobs({ store: engine.store, vault: engine.vault, definitions: engine.catalogue.features, lists: engine.lists, clock: engine.clock, pageSize: 50 })
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
})
