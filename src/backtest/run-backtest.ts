import type { RecordStore } from '../decisions/record-store.ts'
import type { PersonalDataVault } from '../events/personal-data-vault.ts'
import type { FeatureDefinition } from '../features/feature-definition.ts'
import { FeatureEngine } from '../features/feature-engine.ts'
import { ListMembership } from '../lists/list-membership.ts'
import { GraphReplay, graphLog, replayGraphOptions } from '../graph/graph-replay.ts'
import { GraphService } from '../graph/graph-service.ts'
import { LabelBook } from '../monitoring/label-outcomes.ts'
import type { Strategy, StrategyOutcome } from '../strategy/strategy.ts'
import { ActionCounts } from './action-counts.ts'
import type { BacktestRequest } from './backtest-request.ts'
import { type BacktestReport, type ChangedDecision, round6, share } from './backtest-report.ts'
import { ChangedSample } from './changed-sample.ts'
import { BlockedEvents } from './confusion-matrix.ts'
import { startLogReadAhead } from './log-read-ahead.ts'
import { backtestLog, type LogPart, type ReplayedEvent } from './log-replay.ts'
import { logPlan, type ReplayPlan, replayPlan } from './replay-plan.ts'
import { RuleHits } from './rule-hits.ts'

export interface BacktestSources {
  store: RecordStore
  vault: PersonalDataVault
  /** The feature catalogue, compiled (what the draft was compiled against). */
  definitions: readonly FeatureDefinition[]
  /** Lists (名单), point in time, of every tenant (`ListMembership`); read from the store when not given. The features read the tenant's own. */
  lists?: TenantLists
  tenantId: string
}

/** Point-in-time list membership by tenant (`ListMembership.has`); without a tenant, the default tenant's. */
export interface TenantLists {
  has(listName: string, key: string, atMs: number, tenantId?: string): boolean
}

export interface BacktestProgress {
  /** `replay`: the period's events, through the features and the draft; then `labels`: the label events known now. */
  phase: 'replay' | 'labels'
  /** Logged events of the period (any type, warm-up included) the replay has gone past, by their positions in the log: an estimate. */
  done: number
  /** Every logged event of the period (any type, warm-up included), counted at the start. */
  total: number
  decided: number
}

export interface BacktestOptions {
  onProgress?: (progress: BacktestProgress) => void
  /** Give the thread's other work a turn after every page of the log: a server keeps deciding while it backtests. */
  yieldBetweenPages?: boolean
  /** Decisions read from the log at a time (5,000 unless told): smaller pages keep the turns short. */
  pageSize?: number
  /** Ends the backtest (with the signal's reason as the error) at the next page. */
  signal?: AbortSignal
  /**
   * Read the log on a worker thread while this one replays (`log-read-ahead.ts`), when the store is a file on disk.
   * By default for histories of `readAheadFrom` logged events or more: below that, starting the thread costs more than it saves.
   */
  readAhead?: boolean
  /**
   * Threads reading the log ahead, each a stripe of it in turn (`log-read-ahead.ts`); 2 unless told. A draft
   * light to decide replays faster than one thread reads: a second reader keeps the second core busy.
   */
  readers?: number
  /** Every decided event with the features recomputed for it and the draft's outcome (for tests and exports). */
  onDecision?: (decision: { eventId: string; occurredAtMs: number; live: ReplayedEvent['live']; features: Record<string, number>; outcome: StrategyOutcome }) => void
}

/**
 * Replays the decision log through a draft strategy: every event of the
 * draft's type (and product) in [from, to) is decided again, with its
 * features recomputed point in time — a fresh feature engine, fed the
 * logged history in the order the online engine saw it from the longest
 * window before `from`, reads each event's windows as they stood just
 * before it (`FeatureEngine.observeBatch`, the code the online engine and
 * the backfill run). Only the features the draft reads are computed. The
 * graph's measures, when read, come from a graph rebuilt alongside from the
 * start of the log, each event measured before it is added (`GraphReplay`). Each
 * new decision is compared with the one stored (the live outcome), and both
 * with the labels known at the cut-off. Nothing is written. On a large
 * history the log is read and opened on a worker thread meanwhile
 * (`log-read-ahead.ts`), the same events in the same order.
 */
export async function runBacktest(sources: BacktestSources, draft: Strategy, request: BacktestRequest, options: BacktestOptions = {}): Promise<BacktestReport> {
  const started = performance.now()
  const readers = options.readers ?? defaultReaders
  if (!(Number.isInteger(readers) && readers >= 1 && readers <= maxReaders)) throw new RangeError(`readers: give a whole number from 1 to ${maxReaders} (threads reading the log ahead), not ${readers}`)
  const { store, vault, tenantId } = sources
  const plan = replayPlan(draft, sources.definitions, request.fromMs, request.toMs)
  const logged = await store.countLoggedEvents({ sinceMs: plan.warmUpFromMs, untilMs: plan.toMs })
  const pause = async () => {
    if (options.yieldBetweenPages) await new Promise((resolve) => setImmediate(resolve))
    if (options.signal?.aborted) throw new Error('interrupted: the server is stopping')
  }
  // when the draft decides a large share of the history, every event is kept rather than sorted out
  const entityLimit = logged / 10
  const file = store.logFile
  const ahead = file !== undefined && (options.readAhead ?? logged >= readAheadFrom)
    ? startLogReadAhead({ file, keys: vault.keysForThread(), plan: logPlan(plan), tenantId, entityLimit, pageSize: options.pageSize }, undefined, readers)
    : undefined
  try {
    const log = ahead?.parts ?? backtestLog(store, vault, logPlan(plan), tenantId, { entityLimit, pageSize: options.pageSize, betweenPages: pause })
    return await replay(sources, draft, request, options, plan, logged, log, pause, started)
  } finally {
    await ahead?.stop()
  }
}

/** Below this many logged events a backtest reads the log on its own thread (`BacktestOptions.readAhead`). */
export const readAheadFrom = 20_000

/** Threads reading ahead unless told (`BacktestOptions.readers`), and at most. */
export const defaultReaders = 2
const maxReaders = 16

async function replay(
  sources: BacktestSources,
  draft: Strategy,
  request: BacktestRequest,
  options: BacktestOptions,
  plan: ReplayPlan,
  logged: number,
  log: AsyncIterable<LogPart>,
  pause: () => Promise<void>,
  started: number,
): Promise<BacktestReport> {
  const { store, vault } = sources
  const lists = sources.lists ?? (await ListMembership.load(store))
  // the tenant's own state, as online: its events only feed the windows and the graph, its lists are the ones read
  const tenantId = sources.tenantId
  const engine = new FeatureEngine(plan.definitions, { lists: { has: (listName, key, atMs) => lists.has(listName, key, atMs, tenantId) } })
  // the graph keeps all history: when the draft reads its measures, it is rebuilt alongside from the start of the log
  const graph = plan.graphMeasures.length > 0 ? new GraphReplay(new GraphService(replayGraphOptions(plan.graphMeasures), {}, plan.graphMeasures), graphLog(store, vault, 0, options.pageSize, tenantId), pause) : undefined

  const labels = new LabelBook({ positive: request.labels.positive, negatives: request.labels.negatives, maturityDays: request.labels.maturityDays, cutoffMs: request.labels.cutoffMs })
  let labelsRead = 0
  let read = 0
  let replayed = 0
  let ruleErrors = 0
  let withoutStrategy = 0
  const liveVersions = new Map<string, { id: string; version: number; events: number }>()
  const counts = new ActionCounts()
  const rules = new RuleHits(draft.document)
  const sample = new ChangedSample(request.sample, request.seed)
  const blocked = new BlockedEvents(new Set(request.blocking))

  const decideOne = (event: ReplayedEvent, features: Record<string, number>) => {
    const { observed, live } = event
    const outcome = draft.decide({ event: { id: event.eventId, type: observed.type, occurredAt: event.occurredAt, data: observed.data }, features, keys: observed.keys })
    counts.add(live.action, outcome.action, observed.occurredAtMs)
    rules.add(outcome.hits)
    blocked.add(event.eventId, observed.occurredAtMs, live.action, outcome.action)
    if (outcome.ruleErrors.length > 0) ruleErrors++
    if (live.strategyId === null || live.strategyVersion === null) withoutStrategy++
    else {
      const key = `${live.strategyId}\u0000${live.strategyVersion}`
      const seen = liveVersions.get(key)
      if (seen) seen.events++
      else liveVersions.set(key, { id: live.strategyId, version: live.strategyVersion, events: 1 })
    }
    if (outcome.action !== live.action) sample.offer(() => changedDecision(event, outcome))
    options.onDecision?.({ eventId: event.eventId, occurredAtMs: observed.occurredAtMs, live, features, outcome })
  }

  let phase: BacktestProgress['phase'] = 'replay'
  let firstSeq: number | undefined
  let done = 0
  const turn = async () => {
    options.onProgress?.({ phase, done, total: logged, decided: counts.decided })
    await pause()
  }
  for await (const page of log) {
    if (page.kind === 'labels') {
      phase = 'labels'
      done = logged
      for (const label of page.labels) labels.add(label)
      labelsRead += page.labels.length
      await turn()
      continue
    }
    firstSeq ??= page.firstSeq
    done = Math.min(logged, page.lastSeq - firstSeq + 1)
    const { events } = page
    if (events.length > 0) {
      const graphValues = graph ? await graph.measureEach(events) : undefined
      const rows = engine.observeBatch(
        events.map((event) => event.observed),
        (i) => events[i]!.decide,
      )
      for (let i = 0; i < events.length; i++) if (events[i]!.decide) decideOne(events[i]!, graphValues ? { ...engine.recordOf(rows, i), ...graphValues[i] } : engine.recordOf(rows, i))
      replayed += events.length
    }
    read += page.rows
    await turn()
  }
  // the labels known now came after the replay (`backtestLog`), since most come later than the events they are about

  const seconds = (performance.now() - started) / 1000
  const { transitions, ...summary } = counts.summary()
  const decided = counts.decided
  return {
    strategy: { id: draft.id, version: draft.version, hash: draft.hash, eventType: plan.eventType, ...(plan.product === undefined ? {} : { product: plan.product }) },
    period: { from: iso(plan.fromMs), to: iso(plan.toMs), warmUpFrom: iso(plan.warmUpFromMs) },
    features: plan.definitions.map((d) => d.name),
    events: { logged, read, replayed, decided },
    ...summary,
    live: { strategies: [...liveVersions.values()].sort((a, b) => b.events - a.events), withoutStrategy },
    changed: { events: counts.changed, rate: share(counts.changed, decided), transitions, sample: sample.sample() },
    labels: { positive: request.labels.positive, negatives: request.labels.negatives, maturityDays: request.labels.maturityDays, cutoff: iso(request.labels.cutoffMs), labelsRead },
    blocking: request.blocking,
    confusion: blocked.confusion(labels),
    rules: rules.rates(decided),
    overlaps: rules.overlaps(),
    ruleErrors,
    timing: { seconds: round6(seconds), loggedEventsPerSecond: Math.round(logged / seconds), eventsReadPerSecond: Math.round(read / seconds), eventsDecidedPerSecond: Math.round(decided / seconds) },
  }
}

const iso = (ms: number) => new Date(ms).toISOString()

/** What the sample shows of a changed decision: ids, type, time, amount and the draft's reasons, nothing personal. */
function changedDecision(event: ReplayedEvent, outcome: StrategyOutcome): ChangedDecision {
  const amount = event.observed.data.amountMinor
  return {
    eventId: event.eventId,
    eventType: event.observed.type,
    occurredAt: iso(event.observed.occurredAtMs),
    ...(typeof amount === 'number' ? { amountMinor: amount } : {}),
    live: event.live.action,
    draft: outcome.action,
    reasons: outcome.reasons.map((r) => ({
      code: r.code,
      ...(r.ruleId === undefined ? {} : { ruleId: r.ruleId }),
      ...(r.ruleSetId === undefined ? {} : { node: r.ruleSetId }),
      // event fields stay out: only the features and scores the rule read
      evidence: Object.fromEntries(Object.entries(r.evidence).filter(([key]) => key.startsWith('features.') || key.startsWith('scores.'))),
    })),
  }
}
