import { threadId } from 'node:worker_threads'
import { type CommunityCache, ringsOf } from './communities.ts'
import type { RingOptions } from './graph-options.ts'
import { deltaBuffers, type GraphDelta, type GraphMirror } from './graph-mirror.ts'
import type { LinkGraph } from './link-graph.ts'
import type { RiskPropagation } from './propagation.ts'
import { type LaterSeeds, type PropagationRestart, restartPropagation } from './propagation-restart.ts'
import { captureRingInputFrom } from './ring-input.ts'
import { maxWaitMs, type RingComputation, type RingJobResult, ringWorker, untaken } from './ring-worker.ts'

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

/** What an hour computes with, beside the graph's columns: the graph's options and partitions, and the graph as it stood at the capture, for a computation on its own thread. */
export interface HourContext {
  graphId: number
  options: RingOptions
  growthWindowMs: number
  alpha: number
  epsilon: number
  /** The graph's own partitions, for a computation on its thread. */
  cache: CommunityCache
  /** The graph as it stood at the capture (`GraphChanges.capturedMirror`): valid until the next capture, before which the hour is taken. */
  captured: () => GraphMirror
}

/**
 * A scheduled hour's work from a capture, to be applied at the next hour
 * (docs/graph.md, "Rings", "Risk propagation"): the rings, and the
 * propagated risk's restart from every label. On the ring worker, sent
 * what changed in the graph since the last capture (`GraphDelta`); or —
 * no delta (`ringsOffThread` false), or no worker to be had — on the
 * graph's thread when taken, from the graph as it stood at the capture.
 * Either way the same rings and restart.
 *
 * The labels that arrive in between are pushed at once on the propagation
 * in use (decisions see them) and noted here; applying the restart takes
 * its estimate and residual and pushes those labels again, in order, on
 * the graph as it is then. So what the propagation holds after each hour
 * is a function of the events alone, whichever thread ran the restart and
 * whenever it finished.
 */
export class PendingHour {
  private readonly job: number | undefined
  private rings: RingComputation | undefined
  private restart: PropagationComputation | undefined
  private laterNodes: number[] = []
  private laterMasses: number[] = []
  /** Whether a worker holding no copy of the graph answered: this thread computed, and the next capture sends the whole graph. */
  unmirrored = false

  constructor(
    /** The capture's time: the end of the rings' window. */
    readonly atMs: number,
    /** Nodes on the graph at the capture. */
    readonly nodeCount: number,
    private readonly context: HourContext,
    delta: GraphDelta | undefined,
    later?: LaterSeeds,
  ) {
    if (later) {
      this.laterNodes = Array.from(later.nodes)
      this.laterMasses = Array.from(later.masses)
    }
    if (delta) {
      const { graphId, options, growthWindowMs, alpha, epsilon } = context
      // room for the nodes made in the hour, so the graph's thread takes the restart's arrays without copying them
      const room = Math.max(1024, nodeCount >> 4)
      const hour = { delta, atMs, options, growthWindowMs, alpha, epsilon, room }
      this.job = ringWorker.submit({ kind: 'hour', graphId, hour }, deltaBuffers(delta))
    }
    if (this.job !== undefined) untaken.register(this, this.job, this)
  }

  /** Whether the work was sent to the ring worker. */
  get offThread(): boolean {
    return this.job !== undefined
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

  /** Whether the rings and restart are in, or the worker answered that it could not compute them (taking them now would not wait for it). */
  get done(): boolean {
    if (this.rings || this.unmirrored || this.job === undefined) return this.rings !== undefined || this.unmirrored
    const result = ringWorker.poll(this.job)
    if (result) this.settle(result, 0)
    return this.rings !== undefined || this.unmirrored
  }

  /** The rings, waiting for the worker when it has not finished (what a replay running ahead of an hour of live time does). */
  takeRings(): RingComputation {
    this.take()
    return this.rings!
  }

  /**
   * Puts the restart in place on `propagation` (the graph's, at the next
   * hour): its estimate and residual, taken as they are, then the labels
   * since the capture pushed again on `graph`. Waits for the worker if it
   * has not finished.
   */
  applyTo(propagation: RiskPropagation, graph: LinkGraph): PropagationComputation {
    this.take()
    const computation = this.restart!
    propagation.adopt(computation.restart.estimate, computation.restart.residual, this.nodeCount)
    for (let i = 0; i < this.laterNodes.length; i++) propagation.pushSeed(graph, this.laterNodes[i]!, this.laterMasses[i]!)
    computation.repushed = this.laterNodes.length
    return computation
  }

  private take(): void {
    if (this.rings) return
    if (this.job !== undefined && !this.unmirrored) {
      const started = performance.now()
      const result = ringWorker.wait(this.job, maxWaitMs)
      untaken.unregister(this)
      if (result && this.settle(result, performance.now() - started)) return
    }
    this.computeHere()
  }

  /** Takes the worker's answer; false when it computed nothing (it held no copy of the graph). */
  private settle(result: RingJobResult, waitedMs: number): boolean {
    untaken.unregister(this)
    if ('error' in result) throw new Error(`the scheduled hour failed in the ring worker: ${result.error}`)
    if (result.kind === 'unmirrored') {
      this.unmirrored = true
      return false
    }
    const { rings, reused, computed, edgesRun, restart, restartMs } = result
    this.rings = { rings, threadId: result.threadId, offThread: true, waitedMs, reused, computed, edgesRun }
    this.restart = { restart, threadId: result.threadId, offThread: true, waitedMs, ms: restartMs, repushed: 0 }
    return true
  }

  private computeHere(): void {
    const { options, growthWindowMs, cache, alpha, epsilon } = this.context
    const started = performance.now()
    const mirror = this.context.captured()
    const rings = ringsOf(captureRingInputFrom(mirror, this.atMs, options, growthWindowMs), cache)
    const ringsMs = performance.now() - started
    const { reused, computed, edgesRun } = cache
    this.rings = { rings, threadId, offThread: false, waitedMs: ringsMs, reused, computed, edgesRun }
    const restartStarted = performance.now()
    const restart = restartPropagation({ alpha, epsilon, nodeCount: mirror.nodeCount, edgeCount: mirror.edgeCount, seeds: mirror.seeds() }, mirror.ends)
    const ms = performance.now() - restartStarted
    this.restart = { restart, threadId, offThread: false, waitedMs: ms, ms, repushed: 0 }
  }
}
