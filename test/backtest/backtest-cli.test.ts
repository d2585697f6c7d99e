/**
 * `xiezhi backtest` on a small simulated world: one JSON line, a readable
 * report, a saved report a submission can cite, and refusals that name the
 * option or point into the draft.
 */
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { readConfig } from '../../src/app/config.ts'
import { defaultTenant, openRecords } from '../../src/app/open-engine.ts'
import type { BacktestReport } from '../../src/backtest/backtest-report.ts'
import type { XiezhiError } from '../../src/core/errors.ts'
import { backtestCommand } from '../../src/cli/backtest-command.ts'
import { cliRunner } from '../support/cli-process.ts'
import { type BacktestWorld, buildBacktestWorld, world } from './backtest-world.ts'

const liveStrategy = new URL('../../config/strategies/credit-application.yaml', import.meta.url).pathname
let built: BacktestWorld
let xiezhi: ReturnType<typeof cliRunner>

before(async () => {
  built = await buildBacktestWorld()
  xiezhi = cliRunner(built.dir)
})
after(() => built?.remove())

describe('xiezhi backtest', () => {
  test('--json prints one JSON line; the live strategy changes nothing', async () => {
    const run = await xiezhi('backtest', '--strategy', liveStrategy, '--from', world.from, '--to', world.to, '--json')
    assert.equal(run.code, 0, run.stderr)
    const lines = run.stdout.trim().split('\n')
    assert.equal(lines.length, 1)
    const report = JSON.parse(lines[0]!) as BacktestReport
    assert.ok(report.events.decided > 30)
    assert.equal(report.changed.events, 0)
    assert.equal(report.strategy.id, 'credit-application')
    assert.equal(run.stderr, '', 'no progress bar under --json')
  })

  test('a readable report, and --save keeps it for a submission to cite', async () => {
    const draft = join(built.dir, 'draft.json')
    writeFileSync(
      draft,
      JSON.stringify({
        id: 'credit-application',
        version: 7,
        eventType: 'credit.application',
        models: [],
        ruleSets: [{ id: 'velocity', mode: 'parallel', rules: [{ id: 'device-24h', when: 'features.applicationsPerDevice24h >= 2', action: 'review', reason: { code: 'DRAFT_DEVICE_24H', zh: '设备24小时内多次申请', en: 'Several applications from one device in 24 hours' } }] }],
      }),
    )
    const run = await xiezhi('backtest', '--strategy', draft, '--from', world.from, '--to', world.to, '--save', '--sample', '5')
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, /^backtest of credit-application v7 \(credit\.application\) · saved as (\S+)/)
    for (const part of [/approval rate .* points/, /reviews the draft would create: \d+/, /confusion, blocking = reject, review, step_up/, /device-24h +velocity +review +\d+/, /a sample of the changed decisions \(5 of \d+\)/]) {
      assert.match(run.stdout, part)
    }
    const id = /saved as (\S+)/.exec(run.stdout)![1]!
    const records = await openRecords(readConfig({ XIEZHI_DATA_DIR: built.dir }))
    try {
      const saved = await records.store.getBacktest(defaultTenant, id)
      assert.equal(saved?.status, 'done')
      assert.equal(saved?.strategyVersion, 7)
      const report = JSON.parse(saved!.report!) as BacktestReport
      assert.equal(report.strategy.hash, saved!.strategyHash)
      assert.equal(report.changed.sample.length, 5)
    } finally {
      await records.close()
    }
  })

  test('a bad --from is refused, naming the option', async () => {
    const badFrom = await xiezhi('backtest', '--strategy', liveStrategy, '--from', '2026-13-01', '--to', world.to)
    assert.equal(badFrom.code, 1)
    assert.match(badFrom.stderr, /--from: give YYYY-MM-DD .*\(invalid_date\)/)
    assert.equal(badFrom.stdout, '')
  })

  // in this process (a child costs seconds of start-up): the errors main.ts prints
  test('other refusals name the option, or point into the draft', async () => {
    process.env.XIEZHI_DATA_DIR = built.dir
    const run = (...args: string[]) => backtestCommand().exitOverride().parseAsync(args, { from: 'user' })
    const issues = (error: unknown) => (error as XiezhiError).issues.map((i) => `${i.pointer} ${i.code}`)
    await assert.rejects(run('--strategy', liveStrategy, '--from', world.to, '--to', world.from), (e) => issues(e).join() === '--to invalid_range')
    await assert.rejects(run('--strategy', liveStrategy, '--from', world.from, '--to', world.to, '--block', 'review,hold', '--negatives', 'fraud'), (e) =>
      issues(e).join() === '--block/1 invalid_value,--negatives invalid_value',
    )
    await assert.rejects(run('--strategy', join(built.dir, 'nope.yaml'), '--from', world.from, '--to', world.to), /--strategy: no file .*nope\.yaml/)
    const broken = join(built.dir, 'broken.json')
    writeFileSync(broken, JSON.stringify({ id: 'x-draft', version: 1, eventType: 'credit.application', ruleSets: [{ id: 's', mode: 'serial', rules: [{ id: 'r', when: 'features.noSuchFeature > 1', action: 'review', reason: { code: 'DRAFT_X', zh: '测', en: 'x' } }] }] }))
    await assert.rejects(run('--strategy', broken, '--from', world.from, '--to', world.to), (e) => {
      assert.match((e as Error).message, /broken\.json: Strategy "x-draft" version 1 is invalid/)
      assert.deepEqual(issues(e), ['/ruleSets/0/rules/0/when cel_type_error'])
      return true
    })
  })
})
