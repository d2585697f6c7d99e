/**
 * The bench's results: one JSON shape (`--json`, for CI and comparisons) and
 * a readable table built from the same object plus run details.
 */
import type { LoadResult } from './http-load.ts'
import type { InProcessResult } from './in-process.ts'
import type { PacedResult } from './paced-load.ts'
import { round } from './stats.ts'

export interface BenchSummary {
  http: {
    decisionsPerSecond: number
    p50Ms: number
    p99Ms: number
    p999Ms: number
    p99AtHalfRateMs: number
    /** The same rate spread evenly (open loop, latency from the due time): see paced-load.ts for why both. */
    p99AtHalfRatePacedMs: number
    helloPerSecond: number
    ratio: number
    /**
     * Throughput per CPU-second the server process itself used (Linux only):
     * far less sensitive than the rates above to other processes taking cores,
     * so the ratio here is the one to compare across runs on a shared machine.
     */
    perServerCpuSecond?: { decisions: number; hello: number; ratio: number }
  }
  inProcess: {
    decisionsPerSecondPerCore: number
    decisionsPerSecondWithCommit: number
    decisionsPerSecondConcurrent: number
  }
  stages: Record<'validateUs' | 'featuresUs' | 'strategyUs' | 'commitUs', { p50: number; p99: number }>
  config: { features: number; rules: number; durationS: number }
  /** The most cores anything outside the bench used during a measured phase; above ~0.2 the figures are depressed. */
  machine: { cpus: number; otherLoadCores?: number }
}

export interface BenchDetails {
  full: LoadResult
  half: LoadResult & { offeredRate: number }
  paced: PacedResult
  hello: LoadResult
  inProcess: InProcessResult
  connections: number
  users: number
  cpus: number
  machine: string
}

/** Other processes using more than this many cores make a result suspect. */
const noisyCores = 0.2

export function summarize(details: BenchDetails, config: BenchSummary['config']): BenchSummary {
  const { full, half, hello, inProcess } = details
  const us = (s: { p50: number; p99: number }) => ({ p50: round(s.p50, 1), p99: round(s.p99, 1) })
  const other = otherLoad(details)
  return {
    http: {
      decisionsPerSecond: round(full.okPerSecond),
      p50Ms: round(full.latencyMs.p50, 2),
      p99Ms: round(full.latencyMs.p99, 2),
      p999Ms: round(full.latencyMs.p999, 2),
      p99AtHalfRateMs: round(half.latencyMs.p99, 2),
      p99AtHalfRatePacedMs: round(details.paced.latencyMs.p99, 2),
      helloPerSecond: round(hello.okPerSecond),
      ratio: round(full.okPerSecond / hello.okPerSecond, 3),
      ...(full.cpu && hello.cpu ? { perServerCpuSecond: perCpu(full.okPerSecond / full.cpu.server, hello.okPerSecond / hello.cpu.server) } : {}),
    },
    inProcess: {
      decisionsPerSecondPerCore: round(inProcess.decisionsPerSecondPerCore),
      decisionsPerSecondWithCommit: round(inProcess.decisionsPerSecondWithCommit),
      decisionsPerSecondConcurrent: round(inProcess.decisionsPerSecondConcurrent),
    },
    stages: {
      validateUs: us(inProcess.stagesUs.validate),
      featuresUs: us(inProcess.stagesUs.features),
      strategyUs: us(inProcess.stagesUs.strategy),
      commitUs: us(inProcess.stagesUs.commit),
    },
    config,
    machine: { cpus: details.cpus, ...(other === undefined ? {} : { otherLoadCores: round(other, 2) }) },
  }
}

const perCpu = (decisions: number, hello: number) => ({ decisions: round(decisions), hello: round(hello), ratio: round(decisions / hello, 3) })

function otherLoad(details: BenchDetails): number | undefined {
  const seen = [details.full.cpu?.other, details.half.cpu?.other, details.hello.cpu?.other, details.inProcess.otherCores].filter(
    (x): x is number => x !== undefined,
  )
  return seen.length > 0 ? Math.max(...seen) : undefined
}

const n = (x: number, digits = 0) => round(x, digits).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
const row = (label: string, value: string) => `  ${label.padEnd(44)} ${value}`

export function renderTable(summary: BenchSummary, details: BenchDetails): string {
  const { full, half, hello, inProcess } = details
  const stage = (s: { p50: number; p99: number }) => `${n(s.p50, 1)} µs p50, ${n(s.p99, 1)} µs p99`
  const lines = [
    `Xiezhi decision benchmark — ${details.machine}`,
    `${summary.config.features} features, ${summary.config.rules} rules, ${n(details.users)} users; ${details.connections} connections, pipelining 1, ${summary.config.durationS} s per run`,
    '',
    'HTTP: server in a child process, autocannon in this one',
    row('decisions/s (saturated)', `${n(full.okPerSecond)}   per second ${spread(full)}`),
    row('  latency p50 / p99 / p99.9', `${n(full.latencyMs.p50, 2)} / ${n(full.latencyMs.p99, 2)} / ${n(full.latencyMs.p999, 2)} ms   max ${n(full.latencyMs.max, 1)} ms`),
    row('  CPU (cores)', cpu(full)),
    row('  actions', actionMix(full)),
    row(`half rate (${n(half.offeredRate)}/s offered)`, `${n(half.okPerSecond)}/s achieved`),
    row('  latency p50 / p99 / p99.9', `${n(half.latencyMs.p50, 2)} / ${n(half.latencyMs.p99, 2)} / ${n(half.latencyMs.p999, 2)} ms`),
    row('  pacing', `${n(100 * half.busiestTenthShare)}% of each second's responses in its busiest 100 ms (10% = even)`),
    row('  CPU (cores)', cpu(half)),
    row('half rate, evenly paced (open loop)', `${n(details.paced.okPerSecond)}/s achieved`),
    row('  latency p50 / p99 / p99.9', `${n(details.paced.latencyMs.p50, 2)} / ${n(details.paced.latencyMs.p99, 2)} / ${n(details.paced.latencyMs.p999, 2)} ms`),
    row('fastify hello, JSON POST (requests/s)', `${n(hello.okPerSecond)}   p50 ${n(hello.latencyMs.p50, 2)} ms, p99 ${n(hello.latencyMs.p99, 2)} ms`),
    row('  CPU (cores)', cpu(hello)),
    row('ratio decisions / hello', n(summary.http.ratio, 3)),
    row('per server CPU-s: decisions, hello, ratio', perCpuRow(summary.http.perServerCpuSecond)),
    '',
    'In process: no HTTP, one event at a time',
    row('decisions/s per core, without the commit', `${n(inProcess.decisionsPerSecondPerCore)}   (${n(inProcess.decisionsPerCpuSecond)} per CPU-second, ${n(inProcess.eventsWithoutCommit)} events)`),
    row('decisions/s with the commit, sequential', `${n(inProcess.decisionsPerSecondWithCommit)}   (${n(inProcess.eventsWithCommit)} events, one fsync each)`),
    row(`decisions/s with the commit, ${details.connections} in flight`, `${n(inProcess.decisionsPerSecondConcurrent)}   (${n(inProcess.eventsConcurrent)} events, group commit)`),
    row('one decision without the commit', `${n(inProcess.decisionUs.p50, 1)} µs p50, ${n(inProcess.decisionUs.p99, 1)} µs p99`),
    row('  validate', stage(inProcess.stagesUs.validate)),
    row('  features', stage(inProcess.stagesUs.features)),
    row('  strategy', stage(inProcess.stagesUs.strategy)),
    row('  outside those stages', `${n(inProcess.decisionUs.outsideStagesP50, 1)} µs p50 (idempotency lookup, blind indexes, reply, hash, seal)`),
    row('  commit (one transaction + fsync)', stage(inProcess.stagesUs.commit)),
  ]
  const warnings = problems(details)
  if (warnings.length > 0) lines.push('', 'WARNINGS', ...warnings.map((w) => `  ${w}`))
  return lines.join('\n')
}

/** What makes a result untrustworthy: failed or replayed requests, or a machine busy with other work. */
export function problems(details: BenchDetails): string[] {
  const found: string[] = []
  const runs: [string, LoadResult][] = [
    ['saturated', details.full],
    ['half rate', details.half],
    ['hello', details.hello],
  ]
  for (const [name, r] of runs) {
    if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0) {
      found.push(`${name}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts${r.firstFailure ? `; first: ${r.firstFailure}` : ''}`)
    }
    if (r.replays > 0) found.push(`${name}: ${r.replays} idempotent replays (event ids were reused)`)
    if (r.cpu && r.cpu.other > noisyCores) found.push(`${name}: other processes used ${n(r.cpu.other, 2)} cores during the run; its figures are depressed`)
  }
  const { paced } = details
  if (paced.failed > 0 || paced.replays > 0) found.push(`half rate, paced: ${paced.failed} failed, ${paced.replays} idempotent replays`)
  const other = details.inProcess.otherCores
  if (other !== undefined && other > noisyCores) found.push(`in process: other processes used ${n(other, 2)} cores during the pass without the commit`)
  return found
}

function perCpuRow(figures: { decisions: number; hello: number; ratio: number } | undefined): string {
  return figures ? `${n(figures.decisions)}, ${n(figures.hello)}, ${n(figures.ratio, 3)}` : 'n/a'
}

function spread(r: LoadResult): string {
  return r.perSecond.length > 0 ? `${n(Math.min(...r.perSecond))}–${n(Math.max(...r.perSecond))}` : 'n/a'
}

function cpu(r: LoadResult): string {
  return r.cpu ? `server ${n(r.cpu.server, 2)}, load generator ${n(r.cpu.loadGenerator, 2)}, other ${n(r.cpu.other, 2)}` : 'n/a'
}

function actionMix(r: LoadResult): string {
  const total = Object.values(r.actions).reduce((a, b) => a + b, 0)
  return Object.entries(r.actions)
    .sort((a, b) => b[1] - a[1])
    .map(([action, count]) => `${action} ${n((100 * count) / total, 1)}%`)
    .join(', ')
}
