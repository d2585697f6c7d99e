import { threadId } from 'node:worker_threads'
import type { LinkGraph } from './link-graph.ts'
import type { RiskPropagation } from './propagation.ts'
import { type LaterSeeds, type PropagationInput, type PropagationRestart, restartPropagation } from './propagation-restart.ts'
import { maxWaitMs, type RingJobResult, ringWorker, untaken } from './ring-worker.ts'

/** A finished restart, and where and how it ran. */
export interface PropagationComputation {
  restart: PropagationRestart
  /** The thread that ran it: the ring worker's, or this one's when no worker could be had. */
  threadId: number
  offThread: boolean
  /** What the graph's thread waited for it when it was taken, in ms (0 when it was done before; its whole time when it ran here). */
  waitedMs: number
  /** The restart's own time, in ms. */
  ms: number
  /** Labels pushed again on it when it was applied. */
  repushed: number
}

/**
 * The propagation's restart from an input captured at one scheduled hour,
 * applied at the next, like the rings (`ring-worker.ts`): on the ring
 * worker, or — `offThread` false, or no worker to be had — on the graph's
 * thread when taken. The labels that arrive in between are pushed at once
 * on the propagation in use (decisions see them) and noted here; applying
 * the restart takes its estimate and residual and pushes those labels
 * again, in order, on the graph as it is then. So what the propagation
 * holds after each hour is a function of the events alone, whichever
 * thread ran the restart and whenever it finished.
 */
export class PendingPropagation {
  private readonly job: number | undefined
  private result: PropagationComputation | undefined
  private laterNodes: number[] = []
  private laterMasses: number[] = []

  constructor(
    readonly input: PropagationInput,
    /** The graph the input was captured from: the ends of its first edges do not change. */
    private readonly graph: LinkGraph,
    offThread = true,
    later?: LaterSeeds,
  ) {
    if (later) {
      this.laterNodes = Array.from(later.nodes)
      this.laterMasses = Array.from(later.masses)
    }
    if (offThread) {
      // one memcpy of 8 B an edge, moved (not copied again) to the worker
      const ends = graph.edges.ends.slice(0, 2 * input.edgeCount)
      this.job = ringWorker.submit({ kind: 'propagation', input, ends }, [ends.buffer as ArrayBuffer])
    }
    if (this.job !== undefined) untaken.register(this, this.job, this)
  }

  /** Notes a label's push made after the capture, to be made again when the restart is applied. */
  noteSeed(node: number, mass: number): void {
    this.laterNodes.push(node)
    this.laterMasses.push(mass)
  }

  /** The labels pushed since the capture, in order (copies, for a snapshot). */
  get laterSeeds(): LaterSeeds {
    return { nodes: Int32Array.from(this.laterNodes), masses: Float64Array.from(this.laterMasses) }
  }

  /** Whether the restart is in (taking it now would not wait). */
  get done(): boolean {
    if (this.result || this.job === undefined) return this.result !== undefined
    const result = ringWorker.poll(this.job)
    if (result) this.settle(this.computationOf(result, 0))
    return this.result !== undefined
  }

  /**
   * Puts the restart in place on `propagation` (the graph's, at the next
   * hour): its estimate and residual, then the labels since the capture
   * pushed again on `graph`. Waits for the worker if it has not finished.
   */
  applyTo(propagation: RiskPropagation, graph: LinkGraph): PropagationComputation {
    const computation = this.take()
    propagation.adopt(computation.restart.estimate, computation.restart.residual)
    for (let i = 0; i < this.laterNodes.length; i++) propagation.pushSeed(graph, this.laterNodes[i]!, this.laterMasses[i]!)
    computation.repushed = this.laterNodes.length
    return computation
  }

  private take(): PropagationComputation {
    if (this.result) return this.result
    if (this.job !== undefined) {
      const started = performance.now()
      const result = ringWorker.wait(this.job, maxWaitMs)
      if (result) return this.settle(this.computationOf(result, performance.now() - started))
      untaken.unregister(this)
    }
    const started = performance.now()
    const restart = restartPropagation(this.input, this.graph.edges.ends)
    const ms = performance.now() - started
    this.result = { restart, threadId, offThread: false, waitedMs: ms, ms, repushed: 0 }
    return this.result
  }

  private settle(computation: PropagationComputation): PropagationComputation {
    untaken.unregister(this)
    this.result = computation
    return computation
  }

  private computationOf(result: RingJobResult, waitedMs: number): PropagationComputation {
    if ('error' in result) throw new Error(`the propagation's restart failed in the ring worker: ${result.error}`)
    if (result.kind !== 'propagation') throw new Error(`the ring worker answered a propagation's restart with a ${result.kind} result`)
    return { restart: result.restart, threadId: result.threadId, offThread: true, waitedMs, ms: result.ms, repushed: 0 }
  }
}
