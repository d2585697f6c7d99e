import type { Clock } from '../core/clock.ts'
import { XiezhiError } from '../core/errors.ts'
import { uuidv7 } from '../core/ids.ts'
import type { RecordStore, StoredBacktest } from '../decisions/record-store.ts'
import type { PersonalDataVault } from '../events/personal-data-vault.ts'
import type { FeatureDefinition } from '../features/feature-definition.ts'
import type { ListLookup } from '../features/feature-engine.ts'
import type { Strategy } from '../strategy/strategy.ts'
import type { BacktestRequest } from './backtest-request.ts'
import type { BacktestReport } from './backtest-report.ts'
import { type BacktestProgress, runBacktest } from './run-backtest.ts'

/** A backtest as the API shows it: its record, with progress while it runs and the report once done. */
export interface BacktestView {
  id: string
  status: 'queued' | 'running' | 'done' | 'failed'
  strategy: { id: string; version: number; hash: string }
  from: string
  to: string
  requestedBy: string
  requestedAt: string
  finishedAt?: string
  progress?: BacktestProgress
  report?: BacktestReport
  error?: string
}

export interface BacktestJobsDeps {
  store: RecordStore
  vault: PersonalDataVault
  definitions: readonly FeatureDefinition[]
  lists: ListLookup
  clock: Clock
  /** A backtest that failed (it is recorded as failed either way). */
  onError?: (error: Error, id: string) => void
  /** Decisions read per page, each followed by a turn of the event loop (1,000 unless told). */
  pageSize?: number
}

/** Decisions read per page in the background: short turns, so that the server's decisions wait little. */
const backgroundPageSize = 1_000

/**
 * Backtests run in the background of a deciding server, one at a time in
 * the order asked for, each giving the event loop a turn after every page
 * of the log. Each is recorded when asked for (status `running`) and again
 * when it ends, with its report or its error; queue and progress live in
 * memory, so a backtest cut short by a stop reads as failed afterwards.
 */
export class BacktestJobs {
  private readonly active = new Map<string, { status: 'queued' | 'running'; progress?: BacktestProgress }>()
  private tail: Promise<void> = Promise.resolve()
  private readonly stopping = new AbortController()

  constructor(private readonly deps: BacktestJobsDeps) {}

  async submit(tenantId: string, requestedBy: string, draft: Strategy, request: BacktestRequest): Promise<BacktestView> {
    if (this.stopping.signal.aborted) throw new XiezhiError('conflict', 'The server is stopping; ask again once it is back')
    const record = backtestRecord({ tenantId, draft, request, requestedBy, atMs: this.deps.clock.nowMs() })
    // active before it is recorded: a look in between must not find it recorded as running but not running
    this.active.set(record.id, { status: 'queued' })
    try {
      await this.deps.store.createBacktest(record)
    } catch (error) {
      this.active.delete(record.id)
      throw error
    }
    this.tail = this.tail.then(() => this.run(record, draft, request))
    return viewOf(record, this.active.get(record.id))
  }

  async view(tenantId: string, id: string): Promise<BacktestView | undefined> {
    const record = await this.deps.store.getBacktest(tenantId, id)
    return record && viewOf(record, this.active.get(id))
  }

  /** A strategy's backtests, newest first, as `view` shows them but without their reports. */
  async list(tenantId: string, strategyId: string): Promise<BacktestView[]> {
    return (await this.deps.store.listBacktests(tenantId, strategyId)).map((record) => viewOf(record, this.active.get(record.id)))
  }

  /** Resolves once every backtest asked for so far has ended. */
  idle(): Promise<void> {
    return this.tail
  }

  /** Stops the running backtest at its next page and the queued ones before they start (each recorded as failed); resolves when done. */
  stop(): Promise<void> {
    this.stopping.abort()
    return this.tail
  }

  private async run(record: StoredBacktest, draft: Strategy, request: BacktestRequest): Promise<void> {
    const { store, vault, definitions, lists, clock } = this.deps
    const job = { status: 'running' as const, progress: undefined as BacktestProgress | undefined }
    this.active.set(record.id, job)
    try {
      if (this.stopping.signal.aborted) throw new Error('interrupted: the server stopped before the backtest started')
      const report = await runBacktest({ store, vault, definitions, lists, tenantId: record.tenantId }, draft, request, {
        yieldBetweenPages: true,
        pageSize: this.deps.pageSize ?? backgroundPageSize,
        signal: this.stopping.signal,
        onProgress: (progress) => {
          job.progress = progress
        },
      })
      await store.finishBacktest(record.tenantId, record.id, { status: 'done', finishedAtMs: clock.nowMs(), report: JSON.stringify(report) })
    } catch (error) {
      this.deps.onError?.(error as Error, record.id)
      await store.finishBacktest(record.tenantId, record.id, { status: 'failed', finishedAtMs: clock.nowMs(), error: (error as Error).message.split('\n')[0]! }).catch(() => false)
    } finally {
      this.active.delete(record.id)
    }
  }
}

/** Records a backtest run in this process (`xiezhi backtest --save`), finished; returns its id. */
export async function saveFinishedBacktest(
  store: RecordStore,
  run: { tenantId: string; draft: Strategy; request: BacktestRequest; report: BacktestReport; requestedBy: string; atMs: number },
): Promise<string> {
  const record = { ...backtestRecord(run), status: 'done' as const, finishedAtMs: run.atMs, report: JSON.stringify(run.report) }
  await store.createBacktest(record)
  return record.id
}

function backtestRecord(run: { tenantId: string; draft: Strategy; request: BacktestRequest; requestedBy: string; atMs: number }): StoredBacktest {
  return {
    id: uuidv7(run.atMs),
    tenantId: run.tenantId,
    strategyId: run.draft.id,
    strategyVersion: run.draft.version,
    strategyHash: run.draft.hash,
    strategyDocument: run.draft.source,
    fromMs: run.request.fromMs,
    toMs: run.request.toMs,
    status: 'running',
    requestedBy: run.requestedBy,
    requestedAtMs: run.atMs,
    finishedAtMs: null,
    report: null,
    error: null,
  }
}

const iso = (ms: number) => new Date(ms).toISOString()

function viewOf(record: StoredBacktest, active: { status: 'queued' | 'running'; progress?: BacktestProgress } | undefined): BacktestView {
  const base = {
    id: record.id,
    strategy: { id: record.strategyId, version: record.strategyVersion, hash: record.strategyHash },
    from: iso(record.fromMs),
    to: iso(record.toMs),
    requestedBy: record.requestedBy,
    requestedAt: iso(record.requestedAtMs),
  }
  // a listing has no report (`listBacktests`)
  if (record.status === 'done') return { ...base, status: 'done', finishedAt: iso(record.finishedAtMs!), ...(record.report === null ? {} : { report: JSON.parse(record.report) as BacktestReport }) }
  if (record.status === 'failed') return { ...base, status: 'failed', finishedAt: iso(record.finishedAtMs!), error: record.error ?? '' }
  if (active) return { ...base, status: active.status, ...(active.progress ? { progress: active.progress } : {}) }
  // recorded as running, but not running here: the process that ran it stopped first
  return { ...base, status: 'failed', error: 'interrupted: the server stopped before the backtest ended' }
}
