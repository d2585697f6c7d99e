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

export interface DecideHistoryOptions {
  /** Decisions submitted together: each group is evaluated in one turn, and group commit writes it in one transaction or two. */
  group?: number
  /** Decisions not yet committed at most: past it, the oldest group's commit is awaited before more are submitted. */
  inFlight?: number
  onTruth?: (truth: GroundTruth) => void
  onProgress?: (events: number) => void
  configDir?: string
}

/**
 * Decides every simulated event into the data directory `dataDir`, in the
 * simulation's order (a label may land a few places later than its time).
 * Groups of `group` decisions are submitted in one turn, and the next group
 * is decided while earlier ones are being committed — the writer thread's
 * transactions and fsyncs overlap the deciding, as they do for a server
 * under load — up to `inFlight` uncommitted decisions. A label whose
 * subject is not committed yet waits for it first: a label inherits its
 * subject's keys from the log (`DecisionService`), as it does live, where a
 * label comes days after its event.
 */
export async function decideSimulatedHistory(dataDir: string, simulation: SimulationOptions, options: DecideHistoryOptions = {}): Promise<DecidedHistory> {
  const group = options.group ?? 1_000
  const inFlight = Math.max(options.inFlight ?? 8_000, group)
  let nowMs = Date.parse('2000-01-01T00:00:00Z')
  const env = { XIEZHI_DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...(options.configDir ? { XIEZHI_CONFIG_DIR: options.configDir } : {}) }
  const engine = await openEngine(readConfig(env, { authDisabled: true }), { clock: { nowMs: () => nowMs } })
  const started = performance.now()
  let events = 0
  let nextProgress = 50_000
  /** Submitted groups not yet awaited, oldest first; and the group of each of their events. */
  const groups: { ids: string[]; committed: Promise<unknown> }[] = []
  const groupOf = new Map<string, { ids: string[]; committed: Promise<unknown> } | 'current'>()
  let current: Promise<unknown>[] = []
  let currentIds: string[] = []
  const closeGroup = () => {
    if (current.length === 0) return
    const closed = { ids: currentIds, committed: Promise.all(current) }
    // a failure is thrown where the group is awaited, not as an unhandled rejection before
    closed.committed.catch(() => {})
    for (const id of closed.ids) groupOf.set(id, closed)
    groups.push(closed)
    current = []
    currentIds = []
  }
  const awaitOldest = async () => {
    const oldest = groups.shift()!
    await oldest.committed
    for (const id of oldest.ids) groupOf.delete(id)
  }
  try {
    for (const event of simulate(simulation, options.onTruth)) {
      const subject = event.type === 'label' ? (event.data as { subjectEventId?: unknown }).subjectEventId : undefined
      if (typeof subject === 'string' && groupOf.has(subject)) {
        if (groupOf.get(subject) === 'current') closeGroup()
        while (groupOf.has(subject)) await awaitOldest()
      }
      nowMs = Date.parse(event.occurredAt) + 1_000
      current.push(engine.decisions.decide(defaultTenant, event))
      currentIds.push(event.id)
      groupOf.set(event.id, 'current')
      events++
      if (current.length >= group) {
        closeGroup()
        // a turn of the event loop: the group is evaluated and handed to group commit
        await new Promise((resolve) => setImmediate(resolve))
        while (groups.length * group > inFlight) await awaitOldest()
      }
      if (options.onProgress && events >= nextProgress) {
        options.onProgress(events)
        nextProgress += 50_000
      }
    }
    closeGroup()
    while (groups.length > 0) await awaitOldest()
  } finally {
    await engine.close()
  }
  return { events, seconds: (performance.now() - started) / 1000 }
}
