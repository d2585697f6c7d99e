import { ensureCapacity } from './growable.ts'
import type { PropagationSeeds } from './propagation.ts'
import type { RingSource } from './ring-input.ts'

/**
 * What changed in the columns a scheduled hour reads (`GraphMirror`) between
 * two captures: the edges and nodes made since (their columns from
 * `fromEdge`, `fromNode`), and those of the earlier ones that changed (by
 * id). With `reset`, the mirror starts from nothing (`fromEdge` and
 * `fromNode` are 0): the first capture after a start. Structured-clone
 * safe; its arrays are fresh (views over buffers of its own), so they can
 * be moved to the ring worker.
 */
export interface GraphDelta {
  reset: boolean
  edgeCount: number
  nodeCount: number
  fromEdge: number
  /** Of the edges from `fromEdge`: ends (2 each), first and last meeting, count. */
  ends: Int32Array
  firstSeenMs: Float64Array
  lastSeenMs: Float64Array
  counts: Uint32Array
  /** Earlier edges whose times or count changed, and their values now. */
  changedEdges: Int32Array
  changedFirstSeenMs: Float64Array
  changedLastSeenMs: Float64Array
  changedCounts: Uint32Array
  fromNode: number
  /** Of the nodes from `fromNode`: kind, first sighting, whether risky, seed mass of the propagation. */
  kinds: Uint8Array
  nodeFirstSeenMs: Float64Array
  risky: Uint8Array
  seedMass: Float64Array
  /** Earlier nodes whose first sighting, risk or seed mass changed, and their values now. */
  changedNodes: Int32Array
  changedNodeFirstSeenMs: Float64Array
  changedRisky: Uint8Array
  changedSeedMass: Float64Array
}

/** The delta's arrays, to move them (not copy them) to the worker. */
export function deltaBuffers(delta: GraphDelta): ArrayBuffer[] {
  const arrays = [
    delta.ends,
    delta.firstSeenMs,
    delta.lastSeenMs,
    delta.counts,
    delta.changedEdges,
    delta.changedFirstSeenMs,
    delta.changedLastSeenMs,
    delta.changedCounts,
    delta.kinds,
    delta.nodeFirstSeenMs,
    delta.risky,
    delta.seedMass,
    delta.changedNodes,
    delta.changedNodeFirstSeenMs,
    delta.changedRisky,
    delta.changedSeedMass,
  ]
  // the columns share buffers: each moved once
  return [...new Set(arrays.map((array) => array.buffer as ArrayBuffer))]
}

/**
 * A copy of what a scheduled hour reads of a graph — its edges' ends,
 * times and counts, its nodes' kinds, first sightings and risk, the
 * propagation's seed masses — as it stood at the last capture, kept up to
 * date by deltas (`GraphDelta`). The ring worker keeps one per graph, so a
 * capture sends only what changed in the hour, and the worker captures the
 * rings' input (`captureRingInputFrom`) and rebuilds the adjacency for the
 * propagation's restart from it, off the decision thread. The graph's
 * thread builds one from nothing when it computes an hour itself.
 */
export class GraphMirror implements RingSource {
  edgeCount = 0
  ends: Int32Array = new Int32Array(0)
  firstSeenMs: Float64Array = new Float64Array(0)
  lastSeenMs: Float64Array = new Float64Array(0)
  counts: Uint32Array = new Uint32Array(0)
  nodeCount = 0
  kinds: Uint8Array = new Uint8Array(0)
  nodeFirstSeenMs: Float64Array = new Float64Array(0)
  risky: Uint8Array = new Uint8Array(0)
  seedMass: Float64Array = new Float64Array(0)

  /** Brings the mirror to the graph as the delta says it stood (a delta from nothing: its arrays taken, not copied); throws when the delta is not for the mirror as it is. */
  apply(delta: GraphDelta): void {
    if (delta.reset) {
      if (delta.fromEdge !== 0 || delta.fromNode !== 0) throw new Error(`a delta from nothing starts at ${delta.fromEdge} edges and ${delta.fromNode} nodes`)
      // the whole graph, its arrays made for this copy: taken as they are (they grow, copied, when later deltas add to them)
      this.ends = delta.ends
      this.firstSeenMs = delta.firstSeenMs
      this.lastSeenMs = delta.lastSeenMs
      this.counts = delta.counts
      this.edgeCount = delta.edgeCount
      this.kinds = delta.kinds
      this.nodeFirstSeenMs = delta.nodeFirstSeenMs
      this.risky = delta.risky
      this.seedMass = delta.seedMass
      this.nodeCount = delta.nodeCount
      return
    }
    if (delta.fromEdge !== this.edgeCount || delta.fromNode !== this.nodeCount) {
      throw new Error(`a delta from ${delta.fromEdge} edges and ${delta.fromNode} nodes does not follow a mirror of ${this.edgeCount} edges and ${this.nodeCount} nodes`)
    }
    const edges = delta.edgeCount
    this.ends = ensureCapacity(this.ends, 2 * edges)
    this.firstSeenMs = ensureCapacity(this.firstSeenMs, edges)
    this.lastSeenMs = ensureCapacity(this.lastSeenMs, edges)
    this.counts = ensureCapacity(this.counts, edges)
    this.ends.set(delta.ends, 2 * delta.fromEdge)
    this.firstSeenMs.set(delta.firstSeenMs, delta.fromEdge)
    this.lastSeenMs.set(delta.lastSeenMs, delta.fromEdge)
    this.counts.set(delta.counts, delta.fromEdge)
    for (let i = 0; i < delta.changedEdges.length; i++) {
      const edge = delta.changedEdges[i]!
      this.firstSeenMs[edge] = delta.changedFirstSeenMs[i]!
      this.lastSeenMs[edge] = delta.changedLastSeenMs[i]!
      this.counts[edge] = delta.changedCounts[i]!
    }
    this.edgeCount = edges
    const nodes = delta.nodeCount
    this.kinds = ensureCapacity(this.kinds, nodes)
    this.nodeFirstSeenMs = ensureCapacity(this.nodeFirstSeenMs, nodes)
    this.risky = ensureCapacity(this.risky, nodes)
    this.seedMass = ensureCapacity(this.seedMass, nodes)
    this.kinds.set(delta.kinds, delta.fromNode)
    this.nodeFirstSeenMs.set(delta.nodeFirstSeenMs, delta.fromNode)
    this.risky.set(delta.risky, delta.fromNode)
    this.seedMass.set(delta.seedMass, delta.fromNode)
    for (let i = 0; i < delta.changedNodes.length; i++) {
      const node = delta.changedNodes[i]!
      this.nodeFirstSeenMs[node] = delta.changedNodeFirstSeenMs[i]!
      this.risky[node] = delta.changedRisky[i]!
      this.seedMass[node] = delta.changedSeedMass[i]!
    }
    this.nodeCount = nodes
  }

  /** Every node with a seed mass, in node order: what the propagation's restart starts from (`RiskPropagation.seeds`). */
  seeds(): PropagationSeeds {
    const nodes: number[] = []
    const masses: number[] = []
    const { seedMass } = this
    for (let node = 0; node < this.nodeCount; node++) {
      if (seedMass[node] === 0) continue
      nodes.push(node)
      masses.push(seedMass[node]!)
    }
    return { nodes: Int32Array.from(nodes), masses: Float64Array.from(masses) }
  }
}
