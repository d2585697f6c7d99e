import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { promisify } from 'node:util'
import { startServer } from '../support/server-process.ts'
import { cliEntry, cliRunner } from '../support/cli-process.ts'
import { tempDataDir } from '../support/temp-engine.ts'

const run = promisify(execFile)
const data = tempDataDir()
after(() => data.remove())

const xiezhi = cliRunner(data.dir)

const lines = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line))

describe('xiezhi simulate', () => {
  test('writes the same events and labels for the same seed, and a summary', async () => {
    const out = (n: number) => [join(data.dir, `events-${n}.ndjson`), join(data.dir, `labels-${n}.ndjson`)] as const
    const [events1, labels1] = out(1)
    const [events2, labels2] = out(2)
    const first = await xiezhi('simulate', '--days', '3', '--customers', '1500', '--seed', '9', '--out', events1, '--labels', labels1, '--json')
    assert.equal(first.code, 0, first.stderr)
    const second = await xiezhi('simulate', '--days', '3', '--customers', '1500', '--seed', '9', '--out', events2, '--labels', labels2)
    assert.equal(second.code, 0, second.stderr)
    assert.equal(readFileSync(events1, 'utf8'), readFileSync(events2, 'utf8'))
    assert.equal(readFileSync(labels1, 'utf8'), readFileSync(labels2, 'utf8'))
    const summary = JSON.parse(first.stdout)
    const events = lines(events1)
    assert.equal(summary.events, events.length)
    const ids = new Set(events.map((e: { id: string }) => e.id))
    const labels = lines(labels1)
    assert.ok(labels.length > 0)
    for (const label of labels) assert.ok(ids.has(label.eventId), `${label.eventId} is in the events file`)
    assert.match(second.stdout, /simulated \d+ events/)
  })

  test('streams to stdout, summary to stderr', async () => {
    const piped = await xiezhi('simulate', '--days', '1', '--customers', '200', '--seed', '2')
    assert.equal(piped.code, 0, piped.stderr)
    const events = piped.stdout.trim().split('\n').map((line) => JSON.parse(line))
    assert.ok(events.length > 100)
    assert.match(piped.stderr, new RegExp(`simulated ${events.length} events`))
  })

  test('bad options and config files are refused, naming the field', async () => {
    const days = await xiezhi('simulate', '--days', '0')
    assert.notEqual(days.code, 0)
    assert.match(days.stderr, /--days/)
    const config = join(data.dir, 'world.yaml')
    writeFileSync(config, 'fraudRings: { members: [9, 3] }\ncredit: { defaultRate: 1.5 }\n')
    const refused = await xiezhi('simulate', '--days', '1', '--config', config)
    assert.notEqual(refused.code, 0)
    assert.match(refused.stderr, /\/fraudRings\/members: the least is above the most \(invalid_range\)/)
    const start = await xiezhi('simulate', '--days', '1', '--start', '2026-02-30x')
    assert.match(start.stderr, /\/start: .*\(invalid_date\)/)
  })

  test('--report decides the simulated events and scores them against the truth', async () => {
    const config = join(data.dir, 'rich.yaml')
    writeFileSync(config, 'fraudRings: { applicationShare: 0.1 }\nfakeTraffic: { burstsPerDayPer10kCustomers: 50 }\n')
    const reported = await xiezhi('simulate', '--days', '2', '--customers', '800', '--seed', '4', '--config', config, '--report', '--json')
    assert.equal(reported.code, 0, reported.stderr)
    const { events, report } = JSON.parse(reported.stdout)
    const decided = report.decisionPoints.reduce((n: number, p: { decisions: number }) => n + p.decisions, 0)
    assert.equal(decided, events)
    const ring = report.scenarios.find((s: { scenario: string }) => s.scenario === 'fraud_ring')
    assert.ok(ring.labelled > 0 && ring.caught > 0, JSON.stringify(ring))
    const clicks = report.scenarios.find((s: { scenario: string }) => s.scenario === 'fake_marketing_traffic')
    assert.ok(clicks.catchRate > 0.5, JSON.stringify(clicks))
  })

  test('pipes into xiezhi replay', async () => {
    const { stdout } = await run('bash', ['-c', `set -o pipefail; node --import tsx ${cliEntry} simulate --days 1 --customers 150 --seed 8 2>/dev/null | node --import tsx ${cliEntry} replay - --json`], {
      env: { ...process.env, XIEZHI_DATA_DIR: join(data.dir, 'piped'), LOG_LEVEL: 'warn' },
    })
    const summary = JSON.parse(stdout)
    assert.ok(summary.events > 50)
    assert.deepEqual(summary.problemsByStatus, {})
  })
})

test('features backfill from the decision log equals backfill from the events file, one row per event', async () => {
  const dir = join(data.dir, 'backfill')
  const run = cliRunner(dir)
  const events = join(data.dir, 'backfill-events.ndjson')
  assert.equal((await run('simulate', '--days', '2', '--customers', '300', '--seed', '12', '--out', events)).code, 0)
  const replayed = await run('replay', events, '--json', '--concurrency', '1')
  assert.equal(replayed.code, 0, replayed.stderr)
  const fromLog = join(data.dir, 'from-log.csv')
  const fromFile = join(data.dir, 'from-file.csv')
  const logged = await run('features', 'backfill', '--from', '2026-01-01', '--to', '2026-01-03', '--out', fromLog, '--json')
  assert.equal(logged.code, 0, logged.stderr)
  assert.equal((await run('features', 'backfill', '--from', '2026-01-01', '--to', '2026-01-03', '--events', events, '--out', fromFile)).code, 0)
  const csv = readFileSync(fromLog, 'utf8').trim().split('\n')
  assert.equal(csv.length - 1, JSON.parse(replayed.stdout).events)
  assert.equal(JSON.parse(logged.stdout).rows, csv.length - 1)
  assert.equal(readFileSync(fromFile, 'utf8'), readFileSync(fromLog, 'utf8'))
  const listed = JSON.parse((await run('features', 'list', '--json')).stdout)
  assert.equal(csv[0]!.split(',').length, 3 + listed.items.length)
  // the graph's measures are in the catalogue and in the backfill
  const shared = listed.items.find((f: { name: string }) => f.name === 'usersPerDevice')
  assert.deepEqual([shared?.kind, shared?.type, shared?.window], ['graph', 'int', 'all time'])
  assert.ok(csv[0]!.split(',').includes('riskUsers2h30d'))
  const wrongKind = await run('features', 'values', 'planet', 'x')
  assert.notEqual(wrongKind.code, 0)
  assert.equal(wrongKind.stderr.trim(), 'xiezhi: "planet" is not an entity kind')
})

test('serve --demo fills the decision log with simulated traffic, and a restart adds to it', async () => {
  const dir = join(data.dir, 'demo')
  const args = ['--demo', '--demo-rate', '400', '--demo-days', '2', '--demo-customers', '300']
  const decisions = async (url: string) => {
    const page = (await (await fetch(`${url}/v1/decisions?limit=500`)).json()) as { items: { eventId: string }[] }
    return page.items
  }
  const until = async (url: string, atLeast: number) => {
    for (let i = 0; i < 100; i++) {
      const items = await decisions(url)
      if (items.length >= atLeast) return items
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    assert.fail('the demo decided too few events')
  }
  const first = await startServer({ dataDir: dir, args })
  const before = await until(first.url, 300).finally(() => first.stop())
  assert.ok(before.every((d) => d.eventId.startsWith('demo-')))
  await new Promise((resolve) => setTimeout(resolve, 1_100)) // the next start gets another second in its id prefix
  const second = await startServer({ dataDir: dir, args })
  try {
    const after = await until(second.url, 500)
    const prefixes = new Set(after.map((d) => d.eventId.split('-').slice(0, 2).join('-')))
    assert.equal(prefixes.size, 2, 'both runs are in the log')
    assert.doesNotMatch(second.output(), /demo event refused/)
  } finally {
    await second.stop()
  }
})
