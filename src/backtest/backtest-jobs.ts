import type { Clock } from '../core/clock.ts'
import { XiezhiError } from '../core/errors.ts'
import { uuidv7 } from '../core/ids.ts'
import type { BacktestStatus, RecordStore, StoredBacktest } from '../decisions/record-store.ts'
import type { PersonalDataVault } from '../events/personal-data-vault.ts'
import type { FeatureDefinition } from '../features/feature-definition.ts'
import type { ModelUse } from '../models/serving/model-serving.ts'
import type { Strategy } from '../strategy/strategy.ts'
import type { BacktestReport } from './backtest-report.ts'
import type { BacktestRequest } from './backtest-request.ts'
import { type BacktestProgress, runBacktest, type TenantLists } from './run-backtest.ts'

/** A backtest as the API shows it: its record, with its place in the queue or its progress, and the report once done. */
export interface BacktestView {
  id: string
  status: BacktestStatus
  strategy: { id: string; version: number; hash: string }
  from: string
  to: string
  requestedBy: string
  requestedAt: string
  /** While queued: 1 when it starts next (the queue is the server's, every tenant's backtests in the order asked for). */
  position?: number
  /** When it last started: a backtest resumed after a restart starts again from the beginning. */
  startedAt?: string
  /** How many times it has started (more than 1 after a restart interrupted it). */
  attempts: number
  finishedAt?: string
  progress?: BacktestProgress
  report?: BacktestReport
  error?: string
  cancelledBy?: string
}

/** Compiles a stored draft again, with the registry models pinned at the versions recorded when it was asked for; throws why it cannot. */
export type RecompileDraft = (tenantId: string, document: unknown, models: Readonly<Record<string, ModelUse>>) => Promise<Strategy>

export interface BacktestJobsDeps {
  store: RecordStore
  vault: PersonalDataVault
  definitions: readonly FeatureDefinition[]
  lists: TenantLists
  clock: Clock
  /** For backtests resumed after a restart (their compiled drafts were in the stopped process). */
  recompile: RecompileDraft
  /** Backtests running at once (1 unless told): each takes a share of the thread that decides. */
  concurrency?: number
  /** A backtest that failed (it is recorded as failed either way). */
  onError?: (error: Error, id: string) => void
  /** Decisions read per page, each followed by a turn of the event loop (1,000 unless told). */
  pageSize?: number
}

/** Decisions read per page in the background: short turns, so that the server's decisions wait little. */
const backgroundPageSize = 1_000

interface Job {
  record: StoredBacktest
  request: BacktestRequest
  /** Compiled when asked for; a resumed job compiles its stored document when it starts. */
  draft?: Strategy
  models: Record<string, ModelUse>
  cancel?: AbortController
  progress?: BacktestProgress
}

/**
 * Backtests are stored jobs, run in the background of a deciding server:
 * queued in the order asked for, `concurrency` at a time, each giving the
 * event loop a turn after every page of the log. The whole request is
 * recorded when asked for, so a server that stops (cleanly or not) leaves
 * its queued and running backtests recorded as such, and `resume` at the
 * next start queues them again: a running one starts over from the
 * beginning. A queued or running backtest can be cancelled.
 */
export class BacktestJobs {
  private readonly waiting: Job[] = []
  private readonly running = new Map<string, { job: Job; done: Promise<void> }>()
  private readonly stopping = new AbortController()
  private readonly concurrency: number

  constructor(private readonly deps: BacktestJobsDeps) {
    this.concurrency = deps.concurrency ?? 1
    if (!(Number.isInteger(this.concurrency) && this.concurrency >= 1)) throw new RangeError(`concurrency must be a whole number from 1, not ${deps.concurrency}`)
  }

  async submit(tenantId: string, requestedBy: string, draft: Strategy, request: BacktestRequest, models: Record<string, ModelUse> = {}): Promise<BacktestView> {
    if (this.stopping.signal.aborted) throw new XiezhiError('conflict', 'The server is stopping; ask again once it is back')
    const record = backtestRecord({ tenantId, draft, request, requestedBy, atMs: this.deps.clock.nowMs(), models })
    await this.deps.store.createBacktest(record)
    const job: Job = { record, request, draft, models }
    this.waiting.push(job)
    const view = this.viewOf(record)
    this.pump()
    return view
  }

  /**
   * Queues every backtest recorded as queued or running (by any process on
   * this data directory that stopped), oldest request first; returns how many.
   * One whose request cannot be read ends failed with the reason.
   */
  async resume(): Promise<number> {
    let resumed = 0
    for (const record of await this.deps.store.unfinishedBacktests()) {
      if (this.running.has(record.id) || this.waiting.some((job) => job.record.id === record.id)) continue
      try {
        if (record.request === null) throw new Error('it was recorded without its request')
        this.waiting.push({ record, request: JSON.parse(record.request) as BacktestRequest, models: record.models === null ? {} : (JSON.parse(record.models) as Record<string, ModelUse>) })
        resumed++
      } catch (error) {
        await this.fail(record, new Error(`cannot resume: ${(error as Error).message}`))
      }
    }
    this.pump()
    return resumed
  }

  async view(tenantId: string, id: string): Promise<BacktestView | undefined> {
    const record = await this.deps.store.getBacktest(tenantId, id)
    return record && this.viewOf(record)
  }

  /** A strategy's backtests, newest first, as `view` shows them but without their reports. */
  async list(tenantId: string, strategyId: string): Promise<BacktestView[]> {
    return (await this.deps.store.listBacktests(tenantId, strategyId)).map((record) => this.viewOf(record))
  }

  /**
   * Cancels a queued backtest, or a running one (it stops at its next page);
   * recorded as cancelled by `by` at once. A `conflict` naming the state when
   * it has ended already; `not_found` when the tenant has no such backtest.
   */
  async cancel(tenantId: string, id: string, by: string): Promise<BacktestView> {
    const { store, clock } = this.deps
    const record = await store.getBacktest(tenantId, id)
    if (!record) throw unknownBacktest(id)
    if (!(await store.finishBacktest(tenantId, id, { status: 'cancelled', finishedAtMs: clock.nowMs(), by }))) {
      const ended = (await store.getBacktest(tenantId, id)) ?? record
      throw new XiezhiError('conflict', `Backtest "${id}" is ${ended.status}; only a queued or running backtest can be cancelled`, [
        { pointer: '/params/id', code: `backtest_${ended.status}`, message: `the backtest is ${ended.status} (cancellable: queued, running)` },
      ])
    }
    const queued = this.waiting.findIndex((job) => job.record.id === id)
    if (queued >= 0) this.waiting.splice(queued, 1)
    this.running.get(id)?.job.cancel?.abort(new Error(`cancelled by ${by}`))
    return this.viewOf((await store.getBacktest(tenantId, id))!)
  }

  /** Resolves once every backtest queued so far has ended (or, after `stop`, been left for the next start). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()].map((run) => run.done))
  }

  /**
   * Stops the running backtests at their next page and starts no more; they
   * stay recorded as running, the queued ones as queued, for `resume` at the
   * next start. Resolves once the running ones have stopped.
   */
  async stop(): Promise<void> {
    this.stopping.abort(new Error('interrupted: the server is stopping'))
    this.waiting.length = 0
    await this.idle()
  }

  private pump() {
    while (!this.stopping.signal.aborted && this.running.size < this.concurrency && this.waiting.length > 0) {
      const job = this.waiting.shift()!
      const done = this.run(job).finally(() => {
        this.running.delete(job.record.id)
        this.pump()
      })
      this.running.set(job.record.id, { job, done })
    }
  }

  private async run(job: Job): Promise<void> {
    const { store, vault, definitions, lists, clock } = this.deps
    const { record } = job
    job.cancel = new AbortController()
    const signal = AbortSignal.any([this.stopping.signal, job.cancel.signal])
    try {
      // false: cancelled (or ended) between the queue and now
      if (!(await store.startBacktest(record.tenantId, record.id, clock.nowMs()))) return
      record.status = 'running'
      const draft = job.draft ?? (await this.recompiled(job))
      const report = await runBacktest({ store, vault, definitions, lists, tenantId: record.tenantId }, draft, job.request, {
        yieldBetweenPages: true,
        pageSize: this.deps.pageSize ?? backgroundPageSize,
        signal,
        onProgress: (progress) => {
          job.progress = progress
        },
      })
      await store.finishBacktest(record.tenantId, record.id, { status: 'done', finishedAtMs: clock.nowMs(), report: JSON.stringify(report) })
    } catch (error) {
      // cancelled: recorded by `cancel` already; stopping: left running, to start over at the next start
      if (job.cancel.signal.aborted || this.stopping.signal.aborted) return
      await this.fail(record, error as Error)
    }
  }

  /** The draft of a resumed backtest, compiled as when it was asked for: a model gone or a feature removed since fails it, saying which. */
  private async recompiled(job: Job): Promise<Strategy> {
    const { record } = job
    let draft: Strategy
    try {
      draft = await this.deps.recompile(record.tenantId, JSON.parse(record.strategyDocument), job.models)
    } catch (error) {
      const details = error instanceof XiezhiError && error.issues.length > 0 ? `: ${error.issues.map((i) => `${i.pointer || '/'} ${i.message}`).join('; ')}` : ''
      throw new Error(`cannot resume: ${(error as Error).message.split('\n')[0]}${details}`)
    }
    if (draft.hash !== record.strategyHash) throw new Error(`cannot resume: the stored draft compiles to hash ${draft.hash}, not ${record.strategyHash}`)
    return draft
  }

  private async fail(record: StoredBacktest, error: Error) {
    this.deps.onError?.(error, record.id)
    await this.deps.store.finishBacktest(record.tenantId, record.id, { status: 'failed', finishedAtMs: this.deps.clock.nowMs(), error: error.message.split('\n')[0]! }).catch(() => false)
  }

  private viewOf(record: StoredBacktest): BacktestView {
    const base = {
      id: record.id,
      strategy: { id: record.strategyId, version: record.strategyVersion, hash: record.strategyHash },
      from: iso(record.fromMs),
      to: iso(record.toMs),
      requestedBy: record.requestedBy,
      requestedAt: iso(record.requestedAtMs),
      ...(record.startedAtMs === null ? {} : { startedAt: iso(record.startedAtMs) }),
      attempts: record.attempts,
    }
    const finishedAt = record.finishedAtMs === null ? {} : { finishedAt: iso(record.finishedAtMs) }
    switch (record.status) {
      // a listing has no report (`listBacktests`)
      case 'done':
        return { ...base, status: 'done', ...finishedAt, ...(record.report === null ? {} : { report: JSON.parse(record.report) as BacktestReport }) }
      case 'failed':
        return { ...base, status: 'failed', ...finishedAt, error: record.error ?? '' }
      case 'cancelled':
        return { ...base, status: 'cancelled', ...finishedAt, cancelledBy: record.cancelledBy ?? '' }
      default: {
        const running = this.running.get(record.id)?.job
        if (running) return { ...base, status: 'running', ...(running.progress ? { progress: running.progress } : {}) }
        const position = this.waiting.findIndex((job) => job.record.id === record.id)
        // recorded as running but not running here: interrupted, waiting for the next start to resume it
        return { ...base, status: record.status, ...(position >= 0 ? { position: position + 1 } : {}) }
      }
    }
  }
}

export function unknownBacktest(id: string): XiezhiError {
  return new XiezhiError('not_found', `No backtest "${id}"`, [{ pointer: '/params/id', code: 'unknown_backtest', message: 'the tenant has no backtest of that id' }])
}

/** Records a backtest run in this process (`xiezhi backtest --save`), finished; returns its id. */
export async function saveFinishedBacktest(
  store: RecordStore,
  run: { tenantId: string; draft: Strategy; request: BacktestRequest; report: BacktestReport; requestedBy: string; atMs: number },
): Promise<string> {
  const record = { ...backtestRecord({ ...run, models: {} }), status: 'done' as const, startedAtMs: run.atMs, attempts: 1, finishedAtMs: run.atMs, report: JSON.stringify(run.report) }
  await store.createBacktest(record)
  return record.id
}

function backtestRecord(run: { tenantId: string; draft: Strategy; request: BacktestRequest; requestedBy: string; atMs: number; models: Record<string, ModelUse> }): StoredBacktest {
  return {
    id: uuidv7(run.atMs),
    tenantId: run.tenantId,
    strategyId: run.draft.id,
    strategyVersion: run.draft.version,
    strategyHash: run.draft.hash,
    strategyDocument: run.draft.source,
    fromMs: run.request.fromMs,
    toMs: run.request.toMs,
    status: 'queued',
    requestedBy: run.requestedBy,
    requestedAtMs: run.atMs,
    request: JSON.stringify(run.request),
    models: JSON.stringify(run.models),
    startedAtMs: null,
    attempts: 0,
    finishedAtMs: null,
    report: null,
    error: null,
    cancelledBy: null,
  }
}

const iso = (ms: number) => new Date(ms).toISOString()
