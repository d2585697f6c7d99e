import { Worker } from 'node:worker_threads'
import type { BinMatrix, BinnedData } from './binning.ts'
import { accumulateHistogram, type HistogramBuilder, type HistogramLayout, type NodeRows } from './histogram.ts'

/**
 * Builds a node's histogram on several threads, each summing a contiguous
 * range of the features into one shared histogram; this thread takes the
 * last range. Everything the workers read (bins, rows, gradients) is in
 * SharedArrayBuffers, and a call is a handshake on an Int32Array with
 * Atomics (microseconds) rather than a message (tens of microseconds per
 * node). Each feature is summed by one thread in row order, so the
 * histogram is the same whatever the thread count.
 */
export const controlSlots = 8
export const COMMAND = 0
export const DONE = 1
export const START = 2
export const END = 3
export const FROM = 4
export const TO = 5
export const FAILED = 6
/** The command that ends a worker. */
export const STOP = -1

export interface HistogramWorkerData {
  slot: number
  control: Int32Array
  bins: BinMatrix
  rowCount: number
  offsets: Int32Array
  size: number
  node: NodeRows
  features: Int32Array
  out: Float64Array
}

/**
 * The worker runs TypeScript: tsx's loader, registered on the main thread,
 * does not reach worker threads on Node 20, so the worker registers it
 * itself before importing its module.
 */
const workerBootstrap = `
  import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
    .then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./histogram-worker.ts', import.meta.url).href)}) })
`

export class WorkerHistogramBuilder implements HistogramBuilder {
  private sequence = 0

  private constructor(
    private readonly workers: Worker[],
    private readonly shared: Omit<HistogramWorkerData, 'slot'>,
    private readonly layout: HistogramLayout,
  ) {}

  /** Starts threads − 1 workers and waits until each is listening. */
  static async start(binned: BinnedData, layout: HistogramLayout, node: NodeRows, threads: number): Promise<WorkerHistogramBuilder> {
    const shared: Omit<HistogramWorkerData, 'slot'> = {
      control: new Int32Array(new SharedArrayBuffer(4 * controlSlots * (threads - 1))),
      bins: binned.bins,
      rowCount: binned.rowCount,
      offsets: layout.offsets,
      size: layout.size,
      node,
      features: new Int32Array(new SharedArrayBuffer(4 * layout.offsets.length)),
      out: new Float64Array(new SharedArrayBuffer(8 * layout.size)),
    }
    const workers: Worker[] = []
    try {
      for (let slot = 0; slot < threads - 1; slot++) {
        const worker = new Worker(workerBootstrap, { eval: true, workerData: { ...shared, slot } satisfies HistogramWorkerData })
        workers.push(worker)
      }
      await Promise.all(workers.map((worker) => new Promise((resolve, reject) => {
        worker.once('message', resolve)
        worker.once('error', reject)
        worker.once('exit', (code) => reject(new Error(`a histogram worker exited (code ${code}) before it started`)))
      })))
    } catch (error) {
      await Promise.all(workers.map((worker) => worker.terminate()))
      throw error
    }
    return new WorkerHistogramBuilder(workers, shared, layout)
  }

  build(start: number, end: number, features: Int32Array, out: Float64Array): void {
    const { control, features: list } = this.shared
    list.set(features)
    const parts = this.workers.length + 1
    const sequence = ++this.sequence
    const cut = (part: number) => Math.round((features.length * part) / parts)
    for (let w = 0; w < this.workers.length; w++) {
      const base = w * controlSlots
      control[base + START] = start
      control[base + END] = end
      control[base + FROM] = cut(w)
      control[base + TO] = cut(w + 1)
      Atomics.store(control, base + COMMAND, sequence)
      Atomics.notify(control, base + COMMAND)
    }
    const s = this.shared
    accumulateHistogram(s.bins, s.rowCount, this.layout, s.node, start, end, list, cut(parts - 1), features.length, s.out)
    for (let w = 0; w < this.workers.length; w++) {
      const base = w * controlSlots
      for (let done = Atomics.load(control, base + DONE); done !== sequence; done = Atomics.load(control, base + DONE)) Atomics.wait(control, base + DONE, done)
      if (control[base + FAILED] !== 0) throw new Error('a histogram worker failed; see its error on stderr')
    }
    out.set(s.out)
  }

  async close(): Promise<void> {
    for (let w = 0; w < this.workers.length; w++) {
      Atomics.store(this.shared.control, w * controlSlots + COMMAND, STOP)
      Atomics.notify(this.shared.control, w * controlSlots + COMMAND)
    }
    await Promise.all(this.workers.map((worker) => worker.terminate()))
  }
}
