import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SingleBar } from 'cli-progress'
import { readConfig } from '../app/config.ts'
import { defaultTenant, openEngine } from '../app/open-engine.ts'
import type { Action } from '../core/actions.ts'
import { simulate } from '../simulation/simulation.ts'
import { StrategyReportBuilder, formatStrategyReport } from '../simulation/strategy-report.ts'
import type { GroundTruth, SimulatedEvent } from '../simulation/world.ts'
import { parseWorldConfig } from '../simulation/world-config.ts'
import { LineWriter, ReaderGone } from './line-writer.ts'

export interface SimulateOptions {
  days: number
  customers: number
  seed: number
  start?: string
  out?: string
  labels?: string
  labelEvents: boolean
  config?: string
  idPrefix?: string
  report: boolean
  json: boolean
}

/** A ground-truth line: times as ISO 8601, so the file reads like the events. */
const truthLine = (truth: GroundTruth) =>
  JSON.stringify({
    eventId: truth.eventId,
    eventType: truth.eventType,
    occurredAt: new Date(truth.occurredAtMs).toISOString(),
    scenario: truth.scenario,
    label: truth.label,
    knownAt: truth.knownAtMs === null ? null : new Date(truth.knownAtMs).toISOString(),
    ...(truth.userId ? { userId: truth.userId } : {}),
    ...(truth.daysPastDue !== undefined ? { daysPastDue: truth.daysPastDue } : {}),
    ...(truth.actorId ? { actorId: truth.actorId } : {}),
    ...(truth.detail ? { detail: truth.detail } : {}),
  })

/**
 * Writes the simulated events as NDJSON (stdout unless --out) and the ground
 * truth to --labels. With --report, decides every event with the shipped
 * strategies on a throw-away engine and scores them against the truth
 * instead of printing the events.
 */
export async function runSimulation(options: SimulateOptions) {
  const config = options.config ? parseWorldConfig(readFileSync(options.config, 'utf8')) : undefined
  const toFile = options.out !== undefined && options.out !== '-'
  const events = toFile || !options.report ? new LineWriter(options.out) : undefined
  const labels = options.labels ? new LineWriter(options.labels) : undefined
  const report = options.report ? new StrategyReportBuilder() : undefined
  const byType: Record<string, number> = {}
  const byScenario: Record<string, number> = {}
  let count = 0
  const started = performance.now()
  const stream = simulate(
    {
      seed: options.seed,
      days: options.days,
      customers: options.customers,
      labelEvents: options.labelEvents,
      ...(config ? { config } : {}),
      ...(options.start ? { start: options.start } : {}),
      ...(options.idPrefix ? { idPrefix: options.idPrefix } : {}),
    },
    (truth) => {
      byScenario[truth.scenario] = (byScenario[truth.scenario] ?? 0) + 1
      labels?.write(truthLine(truth))
      report?.addTruth(truth)
    },
  )
  const decider = report ? await openReportEngine(report, options) : undefined
  try {
    for (const event of stream) {
      count++
      byType[event.type] = (byType[event.type] ?? 0) + 1
      events?.write(JSON.stringify(event))
      if (decider) await decider.decide(event)
    }
    await decider?.finish()
    events?.close()
  } catch (error) {
    // `xiezhi simulate | head` is a normal way to look at the first events
    if (error instanceof ReaderGone) return undefined
    throw error
  } finally {
    await decider?.close()
    labels?.close()
  }
  const seconds = (performance.now() - started) / 1000
  const summary = { events: count, seconds: Math.round(seconds * 100) / 100, eventsPerSecond: Math.round(count / seconds), eventsByType: byType, truthsByScenario: byScenario }
  // the summary goes to stdout only when the events do not
  const say = events && !toFile ? console.error : console.log
  if (report) {
    const built = report.build()
    if (options.json) say(JSON.stringify({ ...summary, report: built }))
    else say(`${formatStrategyReport(built)}\n\n${count} events decided in ${summary.seconds} s`)
  } else if (options.json) say(JSON.stringify(summary))
  else {
    say(`simulated ${count} events in ${summary.seconds} s (${summary.eventsPerSecond} events/s)`)
    say(`  by type      ${Object.entries(byType).map(([t, n]) => `${t} ${n}`).join(', ')}`)
    say(`  ground truth ${Object.entries(byScenario).map(([s, n]) => `${s} ${n}`).join(', ') || 'none'}${options.labels ? ` → ${options.labels}` : ' (not written: give --labels <file>)'}`)
  }
  return summary
}

/**
 * A fresh engine in a temporary data directory, with the shipped (or
 * XIEZHI_CONFIG_DIR) features and strategies. Decisions are issued in
 * event order with a window in flight, so that group commit batches them.
 */
async function openReportEngine(report: StrategyReportBuilder, options: SimulateOptions) {
  const dataDir = mkdtempSync(join(tmpdir(), 'xiezhi-report-'))
  const engine = await openEngine(readConfig(process.env, { dataDir }))
  const bar = options.json ? undefined : new SingleBar({ format: 'deciding [{bar}] day {value}/{total}, {events} events', stream: process.stderr })
  bar?.start(Math.ceil(options.days), 0, { events: 0 })
  let firstMs: number | undefined
  let decided = 0
  const inFlight: Promise<void>[] = []
  const problems: string[] = []
  const decideOne = async (event: SimulatedEvent) => {
    let action: Action
    try {
      action = (JSON.parse((await engine.decisions.decide(defaultTenant, event)).body) as { action: Action }).action
    } catch (error) {
      // the simulator must only write valid events: say so loudly rather than score around it
      problems.push(`${event.id} (${event.type}): ${(error as Error).message}`)
      return
    }
    report.observe(event, action)
    decided++
  }
  return {
    async decide(event: SimulatedEvent) {
      inFlight.push(decideOne(event))
      if (inFlight.length >= 64) await inFlight.shift()
      const atMs = Date.parse(event.occurredAt)
      firstMs ??= atMs
      if (decided % 500 === 0) bar?.update(Math.floor((atMs - firstMs) / 86_400_000), { events: decided })
    },
    async finish() {
      await Promise.all(inFlight)
      bar?.update(Math.ceil(options.days), { events: decided })
      if (problems.length > 0) throw new Error(`${problems.length} simulated events were refused by the engine, first: ${problems[0]}`)
    },
    async close() {
      bar?.stop()
      await engine.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
