/**
 * The decision benchmark: `npm run bench` (table) or `npm run bench -- --json`
 * (one JSON line on stdout; progress goes to stderr). See docs/benchmarks.md.
 *
 * 1. HTTP: the real server (child process, fresh data dir, bench config)
 *    driven by autocannon at saturation, then at half that rate; then a
 *    fastify hello-world POST server with the same load, as the ceiling.
 * 2. In process: the engine without HTTP, with per-stage timings.
 *
 * Only 127.0.0.1 is contacted; child processes and temp dirs are removed on
 * every exit path.
 */
import { cpus, platform } from 'node:os'
import { parseArgs } from 'node:util'
import { loadDefinitions } from '../src/app/load-definitions.ts'
import { defaultTenant } from '../src/app/open-engine.ts'
import { EventTypeRegistry } from '../src/events/event-type-registry.ts'
import { writeBenchConfig } from './bench-config.ts'
import { EventMix } from './event-mix.ts'
import { BodyCursor, type LoadResult, runLoad } from './http-load.ts'
import { runInProcess } from './in-process.ts'
import { type PacedResult, runPaced } from './paced-load.ts'
import { problems, renderTable, summarize } from './report.ts'
import { cleanUp, installCleanupHandlers, tempDir } from './resources.ts'
import { type RunningServer, startHello, startXiezhi } from './servers.ts'

const readFlags = () =>
  parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      connections: { type: 'string', default: '64' },
      events: { type: 'string', default: '50000' },
      users: { type: 'string', default: '100000' },
      seed: { type: 'string', default: '1' },
      'profile-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  }).values

const usage = `usage: npm run bench -- [--duration 10] [--warmup 3] [--connections 64] [--events 50000]
                         [--users 100000] [--seed 1] [--profile-dir DIR] [--json]
  --duration      seconds per HTTP run (saturated, half rate, hello)
  --warmup        seconds of unmeasured load before each server's first run
  --connections   autocannon connections (pipelining is always 1)
  --events        decisions in the in-process pass without the commit
  --profile-dir   write a V8 CPU profile of the decision server there
  --json          print one JSON line on stdout, nothing else`

/** A mistake on the command line: reported with the usage, without a stack trace. */
class UsageError extends Error {}

const positive = (name: string, raw: string | undefined): number => {
  const value = Number(raw)
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`--${name} must be a positive number`)
  return value
}

/** Progress and diagnostics: always stderr, so that `--json` leaves stdout to the one result line. */
const log = (line: string) => process.stderr.write(`${line}\n`)

async function main() {
  let flags: ReturnType<typeof readFlags>
  try {
    flags = readFlags()
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  if (flags.help) {
    log(usage)
    return
  }
  const durationS = positive('duration', flags.duration)
  const warmupS = positive('warmup', flags.warmup)
  const connections = Math.round(positive('connections', flags.connections))
  const events = Math.round(positive('events', flags.events))
  const users = Math.round(positive('users', flags.users))
  const seed = Math.round(positive('seed', flags.seed))
  installCleanupHandlers(log)

  const configDir = tempDir('config')
  writeBenchConfig(configDir)
  const config = { ...describeConfig(configDir), durationS }
  log(`bench config: ${config.features} features, ${config.rules} rules (${configDir})`)

  // a run tag in every id: a data dir reused by hand never sees an id twice
  const runTag = Date.now().toString(36)
  const mix = new EventMix({ users, seed, idPrefix: `bench-${runTag}` })
  const bodies: string[] = []
  const cursor = new BodyCursor(bodies, () => JSON.stringify(mix.next()))
  cursor.prepare(Math.ceil(warmupS * 3_000))

  const load = (server: RunningServer, runS: number, bodySource: BodyCursor, overallRate?: number) =>
    runLoad({
      url: server.url,
      serverPid: server.pid,
      connections,
      durationS: runS,
      bodies: bodySource,
      ...(overallRate ? { overallRate } : {}),
    })

  log('starting the decision server')
  const xiezhi = await startXiezhi({
    dataDir: tempDir('data'),
    configDir,
    ...(flags['profile-dir'] ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', flags['profile-dir']] } : {}),
  })
  let full: LoadResult
  let half: LoadResult & { offeredRate: number }
  let paced: PacedResult
  try {
    log(`warm-up: ${warmupS} s`)
    const warm = await load(xiezhi, warmupS, cursor)
    // build enough distinct events for both measured runs now, while the server is idle
    cursor.prepare(Math.ceil(warm.okPerSecond * durationS * 2.5) + 5_000)
    log(`saturated: ${durationS} s, ${connections} connections`)
    full = await load(xiezhi, durationS, cursor)
    const offeredRate = Math.max(1, Math.round(full.okPerSecond / 2))
    cursor.prepare(Math.ceil(offeredRate * durationS * 2.5) + 2_000)
    log(`half rate: ${durationS} s at ${offeredRate}/s (autocannon overallRate)`)
    half = { ...(await load(xiezhi, durationS, cursor, offeredRate)), offeredRate }
    log(`half rate, evenly paced: ${durationS} s at ${offeredRate}/s`)
    paced = await runPaced({ url: xiezhi.url, rate: offeredRate, durationS, connections, bodies: cursor })
  } finally {
    await xiezhi.stop()
  }
  if (cursor.builtDuringLoad > 0) log(`note: ${cursor.builtDuringLoad} request bodies were built during a run`)

  log('starting the fastify hello server')
  const helloServer = await startHello()
  let hello: LoadResult
  try {
    // the hello server ignores ids: the same bodies, cycled, keep request sizes identical
    const helloBodies = new BodyCursor(bodies.slice(0, 50_000))
    await load(helloServer, Math.min(warmupS, 2), helloBodies)
    log(`hello: ${durationS} s`)
    hello = await load(helloServer, durationS, helloBodies)
  } finally {
    await helloServer.stop()
  }
  bodies.length = 0

  const inProcessMix = new EventMix({ users, seed: seed + 1, idPrefix: `inproc-${runTag}` })
  const inProcess = await runInProcess({
    dataDir: tempDir('inproc'),
    configDir,
    events,
    withCommitBudgetS: Math.max(3, durationS / 2),
    concurrency: connections,
    nextEvent: () => inProcessMix.next(),
    log,
  })

  const cpu = cpus()
  const details = {
    full,
    half,
    paced,
    hello,
    inProcess,
    connections,
    users,
    cpus: cpu.length,
    machine: `${cpu.length} CPUs (${cpu[0]?.model.trim() ?? 'unknown'}), Node ${process.version}, ${platform()}`,
  }
  const summary = summarize(details, config)
  if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`)
  else process.stdout.write(`\n${renderTable(summary, details)}\n`)
  const warnings = problems(details)
  if (flags.json) for (const warning of warnings) log(`warning: ${warning}`)
  // failed or replayed requests make the figures wrong, not just noisy: fail the run
  const broken = (r: LoadResult) => r.non2xx > 0 || r.errors > 0 || r.timeouts > 0 || r.replays > 0
  if ([full, half, hello].some(broken) || paced.failed > 0 || paced.replays > 0) process.exitCode = 1
}

/** Counts what the server will load, by loading it the same way (this also fails early on a broken config). */
function describeConfig(configDir: string): { features: number; rules: number } {
  const { features, strategies } = loadDefinitions(configDir, new EventTypeRegistry(() => Date.now()), defaultTenant)
  return { features: features.length, rules: [...strategies.values()].reduce((n, s) => n + s.ruleCount, 0) }
}

try {
  await main()
} catch (error) {
  if (error instanceof UsageError) log(`${error.message}\n${usage}`)
  else log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
  process.exitCode = 1
} finally {
  await cleanUp()
  // nothing should keep the loop alive now; if a stray handle does, do not hang a CI job on it
  setTimeout(() => process.exit(), 5_000).unref()
}
