/**
 * The backtest benchmark: `npm run bench -- backtest` (table) or
 * `npm run -s bench -- backtest --json` (one JSON line on stdout).
 *
 * 1. A history: a seeded simulated lender (38 days of 50,000 customers,
 *    about a million events with their label events) decided by the engine
 *    with the shipped configuration into a data directory. That takes
 *    minutes, so the directory is kept under $TMPDIR, named after the
 *    options and a hash of the configuration, and reused by later runs
 *    (`--rebuild` makes it again).
 * 2. Backtests of two shipped-strategy-sized drafts over the whole history
 *    (the windows warmed up over its first week): the credit-application
 *    strategy with a lower review threshold (reads 10 features, decides the
 *    applications), and the login strategy with a tighter rule (logins are
 *    most of the traffic, so most events are decided). Each is run
 *    `--runs` times in this process; the rate is the history covered —
 *    logged events of every type from the warm-up to the end of the
 *    period — per second of the whole backtest (counts, reading, features,
 *    decisions, labels, report), median of the runs. The events actually
 *    read and replayed are reported beside it.
 *
 * `--readers N` sets the threads reading the log ahead (2 by default; 1
 * gives the one-reader figure).
 *
 * The machine may be shared: each run also says how many cores other
 * processes used meanwhile, and the rate per CPU-second this process used,
 * which depends far less on them.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { parse as parseYaml } from 'yaml'
import { readConfig } from '../src/app/config.ts'
import { loadFeatures, strategyCatalogue } from '../src/app/load-definitions.ts'
import { defaultTenant, openRecords } from '../src/app/open-engine.ts'
import { backtestRequest } from '../src/backtest/backtest-request.ts'
import type { BacktestReport } from '../src/backtest/backtest-report.ts'
import { defaultReaders, runBacktest } from '../src/backtest/run-backtest.ts'
import { parseDayOrInstant } from '../src/core/day-or-instant.ts'
import { compileStrategy } from '../src/strategy/compile-strategy.ts'
import { decideSimulatedHistory } from '../test/backtest/decided-history.ts'
import { CpuMeter } from './cpu-usage.ts'
import { median, round } from './stats.ts'

const { values: flags } = parseArgs({
  options: {
    days: { type: 'string', default: '38' },
    customers: { type: 'string', default: '50000' },
    seed: { type: 'string', default: '7' },
    runs: { type: 'string', default: '3' },
    /** Threads reading the log ahead (`BacktestOptions.readers`): 1 gives the one-reader figure beside the default. */
    readers: { type: 'string' },
    rebuild: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
  strict: true,
})

const log = (line: string) => process.stderr.write(`${line}\n`)
const start = '2026-01-01'
const configDir = new URL('../config', import.meta.url).pathname
const target = 100_000

/** The history's directory: the options and the configuration that decided it. */
function historyDir(): string {
  const hash = createHash('sha256')
  hash.update(readFileSync(join(configDir, 'features.yaml')))
  for (const name of readdirSync(join(configDir, 'strategies')).sort()) hash.update(name).update(readFileSync(join(configDir, 'strategies', name)))
  return join(tmpdir(), `xiezhi-bench-backtest-${flags.days}d-${flags.customers}c-s${flags.seed}-${hash.digest('hex').slice(0, 12)}`)
}

async function history(dir: string): Promise<{ events: number; seconds: number; built: boolean }> {
  const done = join(dir, 'complete.json')
  if (!flags.rebuild && existsSync(done)) return { ...(JSON.parse(readFileSync(done, 'utf8')) as { events: number; seconds: number }), built: false }
  rmSync(dir, { recursive: true, force: true })
  log(`building the history in ${dir}: ${flags.days} days of ${flags.customers} customers, seed ${flags.seed} (minutes; kept for later runs)`)
  const building = performance.now()
  const made = await decideSimulatedHistory(
    dir,
    { seed: Number(flags.seed), days: Number(flags.days), customers: Number(flags.customers), start, labelEvents: true },
    {
      onProgress: (events) => {
        const seconds = (performance.now() - building) / 1000
        log(`  ${events.toLocaleString('en-US')} events decided in ${Math.round(seconds)} s (${Math.round(events / seconds).toLocaleString('en-US')} a second)`)
      },
    },
  )
  writeFileSync(done, JSON.stringify(made))
  return { ...made, built: true }
}

const shipped = (file: string) => parseYaml(readFileSync(join(configDir, 'strategies', file), 'utf8')) as { version: number; ruleSets: { rules: { id: string; when: string }[] }[] }

/** Drafts the size of the shipped strategies, each a small change of one. */
function drafts() {
  const credit = shipped('credit-application.yaml')
  credit.version += 100
  credit.ruleSets[1]!.rules.find((r) => r.id === 'fraud-score-elevated')!.when = 'scores.fraud >= 0.3'
  const login = shipped('login.yaml')
  login.version += 100
  login.ruleSets[0]!.rules.find((r) => r.id === 'device-many-accounts')!.when = 'features.distinctUsersPerDevice24h >= 2'
  return { 'credit.application': credit, login }
}

interface Run {
  seconds: number
  /** The history covered: every logged event from the warm-up to the end of the period, per second. */
  loggedEventsPerSecond: number
  /** The events read for the replay (the types that feed a window the draft reads, and the draft's), per second. */
  eventsReadPerSecond: number
  /** Logged events per second of CPU this process used (every thread: the replay, the log reader, GC and SQLite). */
  loggedEventsPerCpuSecond?: number
  otherCores?: number
}

async function measure(dir: string) {
  const records = await openRecords(readConfig({ XIEZHI_DATA_DIR: dir, XIEZHI_CONFIG_DIR: configDir }))
  try {
    const features = loadFeatures(records.config.configDir, records.registry, defaultTenant)
    const from = new Date(parseDayOrInstant(start)! + 7 * 86_400_000).toISOString()
    const to = new Date(parseDayOrInstant(start)! + Number(flags.days) * 86_400_000).toISOString()
    const results = []
    for (const [eventType, document] of Object.entries(drafts())) {
      const draft = compileStrategy(document, strategyCatalogue(features, records.registry, defaultTenant))
      const runs: Run[] = []
      let report: BacktestReport | undefined
      for (let i = 0; i < Number(flags.runs); i++) {
        const meter = new CpuMeter([process.pid])
        report = await runBacktest(
          { store: records.store, vault: records.vault, definitions: features, tenantId: defaultTenant },
          draft,
          backtestRequest({ from, to }, Date.now()),
          flags.readers === undefined ? {} : { readers: Number(flags.readers) },
        )
        const usage = meter.read()
        const own = usage?.cores.get(process.pid)
        const run: Run = {
          seconds: report.timing.seconds,
          loggedEventsPerSecond: report.timing.loggedEventsPerSecond,
          eventsReadPerSecond: report.timing.eventsReadPerSecond,
          ...(own === undefined ? {} : { loggedEventsPerCpuSecond: Math.round(report.events.logged / (own * report.timing.seconds)), otherCores: round(usage!.otherCores, 2) }),
        }
        runs.push(run)
        log(
          `  ${eventType} run ${i + 1}: ${run.loggedEventsPerSecond.toLocaleString('en-US')} logged events/s, ${run.seconds.toFixed(2)} s` +
            `${run.loggedEventsPerCpuSecond === undefined ? '' : `; ${run.loggedEventsPerCpuSecond.toLocaleString('en-US')} per CPU-second; other processes ${run.otherCores} cores`}`,
        )
      }
      const r = report!
      results.push({
        eventType,
        strategy: `${draft.id} v${draft.version}`,
        features: r.features.length,
        rules: draft.ruleCount,
        events: r.events,
        changed: r.changed.events,
        loggedEventsPerSecondMedian: median(runs.map((x) => x.loggedEventsPerSecond)),
        eventsReadPerSecondMedian: median(runs.map((x) => x.eventsReadPerSecond)),
        ...(runs.every((x) => x.loggedEventsPerCpuSecond !== undefined) ? { loggedEventsPerCpuSecondMedian: median(runs.map((x) => x.loggedEventsPerCpuSecond!)) } : {}),
        ...(runs.every((x) => x.otherCores !== undefined) ? { otherCoresMax: Math.max(...runs.map((x) => x.otherCores!)) } : {}),
        eventsDecidedPerSecondMedian: Math.round(r.events.decided / median(runs.map((x) => x.seconds))),
        secondsMedian: round(median(runs.map((x) => x.seconds)), 2),
        runs,
      })
    }
    return results
  } finally {
    await records.close()
  }
}

const dir = historyDir()
const built = await history(dir)
log(`history: ${built.events.toLocaleString('en-US')} events${built.built ? ` decided in ${round(built.seconds, 1)} s` : ` (reused from ${dir})`}`)
const drafted = await measure(dir)
const result = {
  bench: 'backtest',
  days: Number(flags.days),
  customers: Number(flags.customers),
  seed: Number(flags.seed),
  historyEvents: built.events,
  readers: flags.readers === undefined ? defaultReaders : Number(flags.readers),
  target,
  drafts: drafted,
}
if (flags.json) console.log(JSON.stringify(result))
else {
  console.log(`backtest: ${result.historyEvents.toLocaleString('en-US')} logged events (${result.days} days, ${result.customers.toLocaleString('en-US')} customers, seed ${result.seed}); target ${target.toLocaleString('en-US')} events/s`)
  for (const d of drafted) {
    const spread = d.runs.map((r) => r.loggedEventsPerSecond.toLocaleString('en-US')).join(', ')
    console.log(`  ${d.strategy.padEnd(26)} ${d.features} features, ${d.rules} rules; ${d.events.logged.toLocaleString('en-US')} logged, ${d.events.read.toLocaleString('en-US')} read, ${d.events.replayed.toLocaleString('en-US')} replayed, ${d.events.decided.toLocaleString('en-US')} decided, ${d.changed.toLocaleString('en-US')} changed`)
    console.log(`  ${''.padEnd(26)} ${d.loggedEventsPerSecondMedian.toLocaleString('en-US')} logged events/s median of ${d.runs.length} (${spread}), ${d.secondsMedian} s; ${d.eventsReadPerSecondMedian.toLocaleString('en-US')} read/s`)
    if (d.loggedEventsPerCpuSecondMedian !== undefined) {
      console.log(`  ${''.padEnd(26)} ${d.loggedEventsPerCpuSecondMedian.toLocaleString('en-US')} logged events per CPU-second of this process; other processes used up to ${d.otherCoresMax} cores meanwhile`)
    }
  }
}
