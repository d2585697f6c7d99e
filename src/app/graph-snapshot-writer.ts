import { Worker } from 'node:worker_threads'
import type { GraphService, GraphSnapshot } from '../graph/graph-service.ts'
import type { SavedGraphState } from './graph-snapshot-file.ts'

/** A snapshot handed to the writer thread: how long the copy held the calling thread, and the write itself. */
export interface GraphSnapshotWrite {
  /** Milliseconds the calling thread spent copying the state (decisions wait this long, no more). */
  copyMs: number
  /** Resolves when the file is in place (written, flushed, renamed): its bytes and the writer's milliseconds. */
  written: Promise<{ bytes: number; ms: number }>
}

/**
 * Writes the graph's snapshot file on a worker thread. The state is copied
 * on the calling thread — only the used part of each typed array, one
 * memcpy each, and without the adjacency, which the file does not hold —
 * in the same synchronous step as the decision hash it goes with, and the
 * copies are moved (not cloned) to the worker, which serialises them and
 * replaces the file durably (`writeGraphSnapshot`). Decisions wait for the
 * copy only; at 10 M edges the write itself takes tens of seconds of disk.
 *
 * One write at a time: while one is under way `start` returns undefined
 * (the next period takes the snapshot instead).
 */
export class GraphSnapshotWriter {
  private worker: Worker | undefined
  private readonly waiting = new Map<number, { resolve: (result: { bytes: number; ms: number }) => void; reject: (error: Error) => void }>()
  private nextId = 0
  /** The write under way: settles (either way) once its reply is in. */
  private inFlight: Promise<unknown> | undefined

  /** Whether a write is under way. */
  get busy(): boolean {
    return this.inFlight !== undefined
  }

  /**
   * Copies the graph's state now — the default tenant's `graph`, and each of
   * `tenants` (every other tenant's), all in this one step — and has it
   * written to `file`; undefined while a write is under way.
   */
  start(file: string, graph: GraphService, lastDecisionHash: string, takenAtMs: number, tenants: Iterable<readonly [string, GraphService]> = []): GraphSnapshotWrite | undefined {
    if (this.inFlight) return undefined
    const started = performance.now()
    const state = graph.snapshot(true, false)
    const others: Record<string, GraphSnapshot> = {}
    for (const [tenantId, other] of tenants) others[tenantId] = other.snapshot(true, false)
    // the copies' buffers move to the worker; the rest (options, rings: shared with the live graph) is cloned
    const transfer = [state, ...Object.values(others)].flatMap((copy) => [...buffersOf(copy.graph), ...buffersOf(copy.propagation)])
    const saved: SavedGraphState = { lastDecisionHash, takenAtMs, state, tenants: others }
    const worker = this.workerThread()
    const id = this.nextId++
    const written = new Promise<{ bytes: number; ms: number }>((resolve, reject) => {
      // no longer busy by the time whoever awaits the write hears of it
      const done = () => {
        this.inFlight = undefined
        worker.unref()
      }
      this.waiting.set(id, {
        resolve: (result) => {
          done()
          resolve(result)
        },
        reject: (error) => {
          done()
          reject(error)
        },
      })
    })
    this.inFlight = written.catch(() => {})
    // a write under way keeps the process alive until the file is in place
    worker.ref()
    worker.postMessage({ id, file, saved }, transfer)
    // the copies, and the clone of the rest that posting makes
    const copyMs = performance.now() - started
    return { copyMs, written }
  }

  /** Waits for the write under way, if any (its outcome goes to whoever started it). */
  async idle(): Promise<void> {
    while (this.inFlight) await this.inFlight
  }

  /** Waits for the write under way, then stops the thread. */
  async close(): Promise<void> {
    await this.idle()
    const worker = this.worker
    this.worker = undefined
    await worker?.terminate()
  }

  private workerThread(): Worker {
    if (this.worker) return this.worker
    const worker = new Worker(new URL('./graph-snapshot-worker.mjs', import.meta.url))
    const failAll = (error: Error) => {
      if (this.worker !== worker) return
      this.worker = undefined
      for (const w of this.waiting.values()) w.reject(error)
      this.waiting.clear()
    }
    worker.on('message', (reply: { id: number; bytes?: number; ms?: number; error?: string }) => {
      const w = this.waiting.get(reply.id)
      this.waiting.delete(reply.id)
      if (reply.error !== undefined) w?.reject(new Error(`graph snapshot: ${reply.error}`))
      else w?.resolve({ bytes: reply.bytes!, ms: reply.ms! })
    })
    worker.on('error', failAll)
    worker.on('exit', (code) => failAll(new Error(`the graph snapshot writer stopped (exit code ${code})`)))
    // an idle writer never keeps the process alive; after the listeners, which would ref it again
    worker.unref()
    this.worker = worker
    return worker
  }
}

/** The distinct buffers behind the typed arrays in `value` (a snapshot's columns). */
function buffersOf(value: unknown, into = new Set<ArrayBuffer>()): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer) into.add(value.buffer)
  } else if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) buffersOf(item, into)
  }
  return [...into]
}
