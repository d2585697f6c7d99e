/**
 * A decision log made the way production makes one: a seeded simulated
 * lender's events, label events included, decided one after another by the
 * engine with the shipped configuration, its clock following simulated time.
 * Used by the backtest tests (a small world) and the backtest benchmark
 * (about a million events).
 */
import { readConfig } from '../../src/app/config.ts'
import { defaultTenant, openEngine } from '../../src/app/open-engine.ts'
import { type SimulationOptions, simulate } from '../../src/simulation/simulation.ts'
import type { GroundTruth } from '../../src/simulation/world.ts'

export interface DecidedHistory {
  events: number
  seconds: number
}

/**
 * Decides every simulated event into the data directory `dataDir`. Up to
 * `inFlight` decisions wait for their commit together (group commit batches
 * them); each is evaluated in turn, so the log's order is the simulation's
 * except that a label may land a few places later than its time.
 */
export async function decideSimulatedHistory(
  dataDir: string,
  simulation: SimulationOptions,
  options: { inFlight?: number; onTruth?: (truth: GroundTruth) => void; onProgress?: (events: number) => void; configDir?: string } = {},
): Promise<DecidedHistory> {
  const inFlight = options.inFlight ?? 256
  let nowMs = Date.parse('2000-01-01T00:00:00Z')
  const env = { XIEZHI_DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...(options.configDir ? { XIEZHI_CONFIG_DIR: options.configDir } : {}) }
  const engine = await openEngine(readConfig(env, { authDisabled: true }), { clock: { nowMs: () => nowMs } })
  const started = performance.now()
  let events = 0
  try {
    let waiting: Promise<unknown>[] = []
    for (const event of simulate(simulation, options.onTruth)) {
      nowMs = Date.parse(event.occurredAt) + 1_000
      waiting.push(engine.decisions.decide(defaultTenant, event))
      events++
      if (waiting.length >= inFlight) {
        await Promise.all(waiting)
        waiting = []
        if (options.onProgress && events % 50_000 < inFlight) options.onProgress(events)
      }
    }
    await Promise.all(waiting)
  } finally {
    await engine.close()
  }
  return { events, seconds: (performance.now() - started) / 1000 }
}
