/**
 * The decision pipeline without HTTP, one event at a time on one thread.
 *
 * Two passes over fresh events on the same engine (so windows keep filling):
 *
 * 1. Without the commit: a DecisionService wired to the engine's registry,
 *    vault, features, strategies and store, whose commit resolves at once.
 *    Its wall time is the whole synchronous CPU cost of a decision
 *    (validation, idempotency lookup, blind indexes, features, strategy,
 *    reply, hash chain, sealing): the ceiling one core can decide at.
 * 2. With the commit: the engine's own DecisionService, one decision at a
 *    time, so group commit has nothing to group and every decision waits for
 *    its own durable transaction (WAL, synchronous=FULL, one fsync, plus the
 *    hand-off to the writer thread when the store appends on one).
 *
 * A third pass runs `concurrency` decisions in flight through the real engine,
 * as the HTTP server sees them, to show what group commit recovers.
 */
import { readConfig } from '../src/app/config.ts'
import { defaultTenant, type Engine, openEngine } from '../src/app/open-engine.ts'
import { DecisionService, type StageTimer } from '../src/decisions/decision-service.ts'
import type { GroupCommit } from '../src/decisions/group-commit.ts'
import { CpuMeter } from './cpu-usage.ts'
import type { BenchEvent } from './event-mix.ts'
import { percentiles, Samples } from './stats.ts'

type Stage = Parameters<StageTimer>[0]
const stages: Stage[] = ['validate', 'features', 'strategy', 'commit']

export interface InProcessOptions {
  dataDir: string
  configDir: string
  /** Events decided without the commit. */
  events: number
  /** Upper bound on time spent in the sequential pass with commit (it runs at fsync speed). */
  withCommitBudgetS: number
  concurrency: number
  nextEvent: () => BenchEvent
  log: (line: string) => void
}

export interface InProcessResult {
  /** Sequential, no commit: decisions per second of one thread. */
  decisionsPerSecondPerCore: number
  /** Same, counted against the CPU time the process used (main thread + helpers such as GC). */
  decisionsPerCpuSecond: number
  /** Sequential, one durable commit per decision. */
  decisionsPerSecondWithCommit: number
  /** `concurrency` in flight through the real engine: group commit batches the fsyncs. */
  decisionsPerSecondConcurrent: number
  /** Per stage, microseconds. Validate/features/strategy from pass 1, commit from pass 2. */
  stagesUs: Record<Stage, { p50: number; p99: number }>
  /** Pass 1: median wall time of one decision, and the part of it outside the timed stages. */
  decisionUs: { p50: number; p99: number; outsideStagesP50: number }
  eventsWithoutCommit: number
  eventsWithCommit: number
  eventsConcurrent: number
  /** Cores other processes used during pass 1 (Linux only): a busy machine slows the one-thread figure. */
  otherCores?: number
}

export async function runInProcess(options: InProcessOptions): Promise<InProcessResult> {
  const timings = Object.fromEntries(stages.map((s) => [s, new Samples()])) as Record<Stage, Samples>
  // which stages are being recorded: the synchronous ones in pass 1, the commit in pass 2
  let recording = new Set<Stage>()
  const timeStage: StageTimer = (stage, ms) => {
    if (recording.has(stage)) timings[stage].push(ms * 1000)
  }
  const engine = await openEngine(readConfig({ XIEZHI_DATA_DIR: options.dataDir, XIEZHI_CONFIG_DIR: options.configDir }, { authDisabled: true }), { timeStage })
  try {
    const withoutCommit = new DecisionService(
      { registry: engine.registry, vault: engine.vault, stateOf: (tenantId) => ({ features: engine.tenants.of(tenantId).features }), strategies: engine.strategies, store: engine.store, commit: noCommit, clock: engine.clock, timeStage },
      undefined,
    )
    // warm up: JIT, CEL caches, the first windows; not recorded
    await sequential(withoutCommit, Math.min(5_000, options.events), options.nextEvent)

    options.log(`in-process: ${options.events} decisions without the commit`)
    const events = Array.from({ length: options.events }, () => options.nextEvent())
    recording = new Set(['validate', 'features', 'strategy'])
    const perDecision = new Samples()
    const meter = new CpuMeter([process.pid])
    const cpuBefore = process.cpuUsage()
    const started = performance.now()
    for (const event of events) {
      const t = performance.now()
      await withoutCommit.decide(defaultTenant, event)
      perDecision.push((performance.now() - t) * 1000)
    }
    const elapsedS = (performance.now() - started) / 1000
    const cpu = process.cpuUsage(cpuBefore)
    const otherCores = meter.read()?.otherCores
    const outside = new Samples()
    const v = timings.validate.values()
    const f = timings.features.values()
    const s = timings.strategy.values()
    const d = perDecision.values()
    // one sample per decision in every array (fresh ids: no replays, no errors), so index i is one decision
    for (let i = 0; i < d.length; i++) outside.push(d[i]! - (v[i] ?? 0) - (f[i] ?? 0) - (s[i] ?? 0))

    options.log(`in-process: sequential decisions with the commit (up to ${options.withCommitBudgetS} s)`)
    recording = new Set(['commit'])
    const committed = await sequentialFor(engine, options.withCommitBudgetS, options.events, options.nextEvent)
    recording = new Set()

    options.log(`in-process: ${options.concurrency} in flight with group commit (up to ${options.withCommitBudgetS} s)`)
    const concurrent = await concurrentFor(engine, options.concurrency, options.withCommitBudgetS, options.nextEvent)

    const stat = (samples: ArrayLike<number>) => {
      const [p50, p99] = percentiles(samples, [50, 99])
      return { p50: p50!, p99: p99! }
    }
    const [decisionP50, decisionP99] = percentiles(d, [50, 99])
    return {
      decisionsPerSecondPerCore: events.length / elapsedS,
      decisionsPerCpuSecond: events.length / ((cpu.user + cpu.system) / 1e6),
      decisionsPerSecondWithCommit: committed.count / committed.seconds,
      decisionsPerSecondConcurrent: concurrent.count / concurrent.seconds,
      stagesUs: {
        validate: stat(v),
        features: stat(f),
        strategy: stat(s),
        commit: stat(timings.commit.values()),
      },
      decisionUs: { p50: decisionP50!, p99: decisionP99!, outsideStagesP50: percentiles(outside.values(), [50])[0]! },
      eventsWithoutCommit: events.length,
      eventsWithCommit: committed.count,
      eventsConcurrent: concurrent.count,
      ...(otherCores === undefined ? {} : { otherCores }),
    }
  } finally {
    await engine.close()
  }
}

/** Acknowledges at once: stands in for the group commit when measuring the synchronous part alone. */
const noCommit = { append: () => Promise.resolve(), drain: () => Promise.resolve(), failed: undefined } as unknown as GroupCommit

async function sequential(service: DecisionService, count: number, nextEvent: () => BenchEvent) {
  for (let i = 0; i < count; i++) await service.decide(defaultTenant, nextEvent())
}

async function sequentialFor(engine: Engine, budgetS: number, max: number, nextEvent: () => BenchEvent) {
  const started = performance.now()
  const deadline = started + budgetS * 1000
  let count = 0
  while (count < max && performance.now() < deadline) {
    await engine.decisions.decide(defaultTenant, nextEvent())
    count++
  }
  return { count, seconds: (performance.now() - started) / 1000 }
}

/** `concurrency` workers, each deciding its next event as soon as the previous one is durable. */
async function concurrentFor(engine: Engine, concurrency: number, budgetS: number, nextEvent: () => BenchEvent) {
  const started = performance.now()
  const deadline = started + budgetS * 1000
  let count = 0
  const worker = async () => {
    while (performance.now() < deadline) {
      await engine.decisions.decide(defaultTenant, nextEvent())
      count++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return { count, seconds: (performance.now() - started) / 1000 }
}
