import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads'
import type { RingOptions } from './graph-options.ts'
import type { GraphDelta } from './graph-mirror.ts'
import type { PropagationRestart } from './propagation-restart.ts'
import type { RingIndex } from './rings.ts'

/** One computation sent to the worker: a graph's scheduled hour (with the graph it is for: its copy and partitions). */
export type RingJob = { id: number; kind: 'hour'; graphId: number; hour: HourJob }

/**
 * A scheduled hour's work for one graph: what changed since its last
 * capture, to bring the worker's copy of the graph (`GraphMirror`) to the
 * capture, then the rings' input captured from it, the rings, and the
 * propagation's restart over its edges.
 */
export interface HourJob {
  delta: GraphDelta
  atMs: number
  options: RingOptions
  growthWindowMs: number
  alpha: number
  epsilon: number
  /** Zeros past the capture's nodes in the restart's arrays, for the nodes made before it is applied. */
  room: number
}

export type RingJobResult =
  | { id: number; kind: 'hour'; rings: RingIndex; restart: PropagationRestart; threadId: number; reused: number; computed: number; edgesRun: number; captureMs: number; restartMs: number }
  /** The worker holds no copy of the graph that the delta follows (a worker started since the last capture): nothing computed. */
  | { id: number; kind: 'unmirrored'; reason: string }
  | { id: number; error: string }

/** Not a job: the worker lets go of a graph's copy and partitions (the graph was let go). */
export interface ForgetGraph {
  kind: 'forget'
  graphId: number
}

/** A job as a graph hands it over (the worker numbers it). */
type Submitted = RingJob extends infer Job ? (Job extends RingJob ? Omit<Job, 'id'> : never) : never

/** A finished computation, and where and how it ran. */
export interface RingComputation {
  rings: RingIndex
  /** The thread that ran Louvain: the worker's, or this one's when no worker could be had. */
  threadId: number
  offThread: boolean
  /** What the graph's thread waited for it when it was taken, in ms (0 when it was done before). */
  waitedMs: number
  /** Components whose partition was reused, and run, and the edges run. */
  reused: number
  computed: number
  edgesRun: number
}

/** Signal slots: results posted so far; the worker's state (0 starting, 1 listening, -1 failed to start). */
const POSTED = 0
const STATE = 1

/**
 * The ring worker (worker_threads), one per process and started on first
 * use: each graph's scheduled hour runs there, off the decision thread —
 * the rings' capture and Louvain, the propagation's restart. A graph's
 * thread sends it what changed since its last capture and, an hour of
 * event time later, takes the result synchronously — from the port with
 * `receiveMessageOnPort`, sleeping on a shared counter (`Atomics.wait`)
 * if it is not in yet — so taking it is part of the event that crosses
 * the hour and every run that sees the same events gets the same rings at
 * the same events, however fast it runs.
 */
class RingWorker {
  private worker: Worker | undefined
  private port: MessagePort | undefined
  private signal = new Int32Array(new SharedArrayBuffer(8))
  private nextId = 1
  private readonly results = new Map<number, RingJobResult>()
  /** Jobs sent to the current worker and not yet taken: one sent to a worker given up is not waited for. */
  private readonly sent = new Set<number>()
  /** Jobs whose graph was let go before taking them: their results are dropped as they come in. */
  private readonly abandoned = new Set<number>()
  /** Why the worker is not usable (it failed to start, exited, or did not answer), when it is not. */
  private failure: string | undefined
  /** Workers started so far: a graph's copy on the worker (`GraphMirror`) lives as long as the worker that has it. */
  private started = 0

  /** The worker's number (started now if need be), or undefined when no worker can be had. */
  generation(): number | undefined {
    if (this.failure !== undefined) return undefined
    try {
      this.start()
      return this.started
    } catch (error) {
      this.fail(`could not start: ${(error as Error).message}`)
      return undefined
    }
  }

  /** Tells the worker a graph was let go: it drops its copy and partitions. */
  forget(graphId: number): void {
    this.port?.postMessage({ kind: 'forget', graphId } satisfies ForgetGraph)
  }

  /**
   * Sends a job (its `transfer` buffers moved, the rest copied); undefined
   * when no worker can be had (the caller computes on its own thread).
   */
  submit(job: Submitted, transfer: ArrayBuffer[] = []): number | undefined {
    if (this.failure !== undefined) return undefined
    try {
      this.start()
      const id = this.nextId++
      this.sent.add(id)
      this.port!.postMessage({ ...job, id } as RingJob, transfer)
      return id
    } catch (error) {
      this.fail(`could not start: ${(error as Error).message}`)
      return undefined
    }
  }

  /** The result of job `id` if it is in, without waiting. */
  poll(id: number): RingJobResult | undefined {
    this.drain()
    return this.take(id)
  }

  /** The result of job `id`, waiting for it (at most `maxWaitMs`); undefined when the worker failed and will not answer. */
  wait(id: number, maxWaitMs: number): RingJobResult | undefined {
    const deadline = performance.now() + maxWaitMs
    for (;;) {
      const posted = Atomics.load(this.signal, POSTED)
      this.drain()
      const result = this.take(id)
      if (result) return result
      if (!this.sent.has(id)) return undefined
      if (Atomics.load(this.signal, STATE) === -1) {
        this.fail('its thread failed to start')
        return undefined
      }
      if (performance.now() > deadline) {
        this.fail(`no answer within ${maxWaitMs} ms`)
        return undefined
      }
      // sleeps until a result is posted (or a second passes: a look at the state again)
      Atomics.wait(this.signal, POSTED, posted, 1000)
    }
  }

  /** Forgets a job no graph will take (a replay's graph let go before its last hour's rings were due). */
  abandon(id: number): void {
    if (this.results.delete(id) || !this.sent.has(id)) this.sent.delete(id)
    else this.abandoned.add(id)
  }

  private take(id: number): RingJobResult | undefined {
    const result = this.results.get(id)
    if (result) {
      this.results.delete(id)
      this.sent.delete(id)
    }
    return result
  }

  private drain(): void {
    if (!this.port) return
    for (let received = receiveMessageOnPort(this.port); received; received = receiveMessageOnPort(this.port)) {
      const result = received.message as RingJobResult
      if (this.abandoned.delete(result.id)) this.sent.delete(result.id)
      else this.results.set(result.id, result)
    }
  }

  private start(): void {
    if (this.worker) return
    const { port1, port2 } = new MessageChannel()
    this.signal = new Int32Array(new SharedArrayBuffer(8))
    const worker = new Worker(workerBootstrap, { eval: true, workerData: { port: port2, signal: this.signal }, transferList: [port2] })
    // the worker never keeps a process alive; a result is read from the port when it is due, never by a listener
    worker.unref()
    worker.on('error', (error) => {
      if (this.worker === worker) this.fail(`its thread failed: ${error.message}`)
    })
    worker.on('exit', (code) => {
      if (this.worker === worker) this.fail(`its thread exited (code ${code})`)
    })
    this.worker = worker
    this.port = port1
    this.started++
  }

  /** Gives the worker up: jobs not yet answered are computed by their graph's thread, and a later job starts a new worker. */
  private fail(reason: string): void {
    process.emitWarning(`The ring worker is not used: ${reason}; rings are computed on the graph's thread`, { code: 'XIEZHI_RING_WORKER' })
    const worker = this.worker
    this.worker = undefined
    this.port?.close()
    this.port = undefined
    this.results.clear()
    this.sent.clear()
    this.abandoned.clear()
    void worker?.terminate()
    // a failed start is not tried again in this process; a worker that died is replaced
    this.failure = Atomics.load(this.signal, STATE) === 1 ? undefined : reason
  }
}

/**
 * The worker runs TypeScript: tsx's loader, registered on the main thread,
 * does not reach worker threads on Node 20, so the worker registers it
 * itself before importing its module (as `gbdt/histogram-workers.ts`), and
 * says so in the shared state when that fails.
 */
const workerBootstrap = `
  const { workerData } = require('node:worker_threads')
  import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
    .then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./ring-worker-thread.ts', import.meta.url).href)}) })
    .then(() => { Atomics.store(workerData.signal, ${STATE}, 1) })
    .catch((error) => { Atomics.store(workerData.signal, ${STATE}, -1); Atomics.notify(workerData.signal, ${POSTED}); throw error })
`

/** The process's ring worker: the hourly rings, and the propagation's restart (`propagation-restart.ts`). */
export const ringWorker = new RingWorker()

/** How long a graph's thread waits for the worker at an hour before computing itself. */
export const maxWaitMs = 10 * 60_000

/** A pending computation let go untaken: its result, when it comes, is not kept. */
export const untaken = new FinalizationRegistry<number>((id) => ringWorker.abandon(id))

let nextGraphId = 1
/** A number for a graph: the worker keeps its copy of the graph and its partitions under it. */
export const ringGraphId = () => nextGraphId++
