/**
 * Backtests survive the server: a real `xiezhi serve` is killed with
 * SIGKILL while one backtest runs and two wait, and stopped cleanly while
 * another runs; each start resumes the queued and interrupted ones (an
 * interrupted one starts over: its attempts count 2) and they end with the
 * report an uninterrupted run gives. A stored backtest whose pinned registry
 * model is gone ends failed, saying which model.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { parse as parseYaml } from 'yaml'
import type { BacktestView } from '../../src/backtest/backtest-jobs.ts'
import { SqliteRecordStore } from '../../src/store/sqlite/sqlite-record-store.ts'
import { backtestsCommand } from '../../src/cli/backtests-command.ts'
import { cliRunner } from '../support/cli-process.ts'
import { type ServerProcess, startServer } from '../support/server-process.ts'
import { type BacktestWorld, buildBacktestWorld, world } from './backtest-world.ts'

let built: BacktestWorld
const servers: ServerProcess[] = []
// small pages: a backtest of the small world lasts long enough to be interrupted part-way

before(async () => {
  built = await buildBacktestWorld()
})
after(async () => {
  for (const server of servers) await server.stop('SIGKILL')
  built?.remove()
})

const draft = () => {
  const document = parseYaml(readFileSync(new URL('../../config/strategies/credit-application.yaml', import.meta.url), 'utf8')) as { version: number; ruleSets: { rules: { id: string; when: string }[] }[] }
  document.version = 5
  document.ruleSets[1]!.rules.find((r) => r.id === 'fraud-score-elevated')!.when = 'scores.fraud >= 0.1'
  return document
}
// a fixed cut-off: every backtest of this request gives the same report, whenever it runs
const request = { strategy: draft(), from: world.from, to: world.to, sample: 5, cutoff: '2026-01-31' }

async function serve(): Promise<ServerProcess> {
  const server = await startServer({ dataDir: built.dir, env: { LOG_LEVEL: 'info', XIEZHI_BACKTEST_CONCURRENCY: '1', XIEZHI_BACKTEST_PAGE_SIZE: '20' } })
  servers.push(server)
  return server
}

async function call<T>(server: ServerProcess, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server.url}${path}`, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) })
  return { status: response.status, body: (await response.json()) as T }
}

const shown = async (server: ServerProcess, id: string) => (await call<BacktestView>(server, 'GET', `/v1/backtests/${id}`)).body

/** Waits until the backtest is part-way through its replay. */
async function midway(server: ServerProcess, id: string): Promise<BacktestView> {
  for (let i = 0; i < 3_000; i++) {
    const view = await shown(server, id)
    if (view.status === 'running' && view.progress && view.progress.done > 0 && view.progress.done < view.progress.total) return view
    assert.ok(view.status === 'queued' || view.status === 'running', `${id} ended before it could be interrupted: ${JSON.stringify(view).slice(0, 300)}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  assert.fail(`${id} never got going`)
}

async function ended(server: ServerProcess, id: string): Promise<BacktestView> {
  for (let i = 0; i < 1_200; i++) {
    const view = await shown(server, id)
    if (view.status !== 'queued' && view.status !== 'running') return view
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  assert.fail(`${id} did not end:\n${server.output()}`)
}

const withoutTiming = (view: BacktestView) => ({ ...(view.report as object), timing: undefined })

test('queued and interrupted backtests resume after a kill -9 and after a clean stop, with the report of an uninterrupted run', { timeout: 600_000 }, async (t) => {
  let server = await serve()
  const ids: string[] = []
  for (let i = 0; i < 3; i++) {
    const accepted = await call<BacktestView>(server, 'POST', '/v1/backtests', request)
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body))
    ids.push(accepted.body.id)
  }
  const [first, second, third] = ids as [string, string, string]
  assert.deepEqual([(await shown(server, second)).position, (await shown(server, third)).position], [1, 2])
  await midway(server, first)
  assert.equal((await server.stop('SIGKILL')).signal, 'SIGKILL')

  // meanwhile, a stored backtest whose pinned registry model has gone (its record copied from the first, as POST wrote it)
  const store = await SqliteRecordStore.open(join(built.dir, 'xiezhi.sqlite'))
  const orphan = `${first.slice(0, -4)}beef`
  try {
    const record = (await store.getBacktest('default', first))!
    assert.deepEqual([record.status, record.attempts], ['running', 1], 'a kill leaves it recorded as running')
    await store.createBacktest({ ...record, id: orphan, status: 'queued', attempts: 0, startedAtMs: null, models: JSON.stringify({ 'fraud-gbdt@prod': { model: 'fraud-gbdt', alias: 'prod', version: 99 } }) })
  } finally {
    await store.close()
  }

  server = await serve()
  const views = await Promise.all([first, second, third].map((id) => ended(server, id)))
  assert.deepEqual(views.map((v) => `${v.status} ${v.attempts}`), ['done 2', 'done 1', 'done 1'], 'the interrupted one started over; the queued ones ran once')
  assert.deepEqual(withoutTiming(views[0]!), withoutTiming(views[2]!), 'started over, it reports what an uninterrupted run does')
  assert.deepEqual(withoutTiming(views[1]!), withoutTiming(views[2]!))
  const failed = await ended(server, orphan)
  assert.equal(failed.status, 'failed')
  assert.equal(failed.error, 'cannot resume: the registry model "fraud-gbdt" version 99 (alias prod) the draft scored with no longer exists')

  // a clean stop leaves the running one running, and the next start resumes it
  const fourth = (await call<BacktestView>(server, 'POST', '/v1/backtests', request)).body.id
  await midway(server, fourth)
  const stopped = await server.stop('SIGTERM')
  assert.equal(stopped.code, 0, server.output())
  server = await serve()
  const resumed = await ended(server, fourth)
  assert.deepEqual([resumed.status, resumed.attempts], ['done', 2])
  assert.deepEqual(withoutTiming(resumed), withoutTiming(views[2]!))
  assert.match(server.output(), /backtests resumed/)

  // the CLI asks the server: a queued backtest shown with its place and cancelled (in this process: a CLI process takes
  // seconds to start under load, by which time the backtest may have run), then refused a second time naming its state
  const more: string[] = []
  for (let i = 0; i < 3; i++) more.push((await call<BacktestView>(server, 'POST', '/v1/backtests', request)).body.id)
  const last = more.at(-1)!
  const printed: string[] = []
  t.mock.method(console, 'log', (line: string) => printed.push(line))
  await backtestsCommand().parseAsync(['show', last, '--server', server.url], { from: 'user' })
  await backtestsCommand().parseAsync(['cancel', last, '--server', server.url, '--json'], { from: 'user' })
  t.mock.restoreAll()
  assert.match(printed[0]!, new RegExp(`^${last}  credit-application v5  .* queued \\(position [12]\\)  · asked by anonymous`))
  assert.deepEqual([JSON.parse(printed[1]!).status, JSON.parse(printed[1]!).cancelledBy], ['cancelled', 'anonymous'])
  const xiezhi = cliRunner(built.dir)
  const again = await xiezhi('backtests', 'cancel', last, '--server', server.url)
  assert.notEqual(again.code, 0)
  assert.match(again.stderr, /is cancelled; only a queued or running backtest can be cancelled/)
  const list = await xiezhi('backtests', 'list', '--strategy', 'credit-application', '--server', server.url)
  assert.match(list.stdout, new RegExp(`^${last} .* cancelled by anonymous`, 'm'))
  assert.match(list.stdout, new RegExp(`^${fourth} .* done .* started 2 times$`, 'm'))
  await server.stop('SIGTERM')
})
