import { type GraphDelta, GraphMirror } from './graph-mirror.ts'
import { ensureCapacity, holding, prefix } from './growable.ts'
import type { LinkGraph } from './link-graph.ts'
import type { RiskPropagation } from './propagation.ts'

/** Told before an edge's times or count, or a node's first sighting, risk or seed mass change (`EdgeStore`, `NodeTable`, `NodeLabels`, `RiskPropagation`). */
export interface ChangeWatch {
  edgeChanging(edge: number): void
  nodeChanging(node: number): void
}

/**
 * The changes since a capture, for a snapshot: how many edges and nodes the
 * graph had then, and the values then of those of them that changed since.
 */
export interface GraphChangesColumns {
  edgeCount: number
  nodeCount: number
  edges: Int32Array
  firstSeenMs: Float64Array
  lastSeenMs: Float64Array
  counts: Uint32Array
  nodes: Int32Array
  nodeFirstSeenMs: Float64Array
  risky: Uint8Array
  seedMass: Float64Array
}

/**
 * What changed in a graph since the last scheduled capture, kept on the
 * graph's thread as events arrive: each edge (and node) of the capture that
 * changed since, once, with its values at the capture. The edges and
 * nodes made since are those past the capture's counts (edges and nodes
 * are only appended, their ends and kinds never change).
 *
 * From it, the next capture sends the ring worker only what changed
 * (`delta`: a few MB an hour where the graph is GBs), and the graph as it
 * stood at the capture can be had again (`capturedMirror`): when the
 * worker failed and this thread computes the hour, and after a restart
 * from a snapshot, which holds these changes rather than a copy of the
 * capture.
 */
export class GraphChanges implements ChangeWatch {
  /** Edges and nodes the graph had at the last capture (0 before the first). */
  edgeCount = 0
  nodeCount = 0
  /** The ring worker (its generation) holding the graph as it stood at the last capture, if any: the next capture sends it a delta, not everything. */
  mirroredIn: number | undefined
  private edgeMark = new Uint8Array(0)
  private nodeMark = new Uint8Array(0)
  private edges = 0
  private edgeIds = new Int32Array(1024)
  private firstSeenMs = new Float64Array(1024)
  private lastSeenMs = new Float64Array(1024)
  private counts = new Uint32Array(1024)
  private nodes = 0
  private nodeIds = new Int32Array(1024)
  private nodeFirstSeenMs = new Float64Array(1024)
  private risky = new Uint8Array(1024)
  private seedMass = new Float64Array(1024)

  constructor(
    private readonly graph: LinkGraph,
    private readonly propagation: RiskPropagation,
  ) {
    graph.edges.watch = this
    graph.nodes.watch = this
    graph.labels.watch = this
    propagation.watch = this
  }

  edgeChanging(edge: number): void {
    if (edge >= this.edgeCount || this.edgeMark[edge] !== 0) return
    this.edgeMark[edge] = 1
    const i = this.edges++
    if (i >= this.edgeIds.length) {
      this.edgeIds = ensureCapacity(this.edgeIds, i + 1)
      this.firstSeenMs = ensureCapacity(this.firstSeenMs, i + 1)
      this.lastSeenMs = ensureCapacity(this.lastSeenMs, i + 1)
      this.counts = ensureCapacity(this.counts, i + 1)
    }
    const { edges } = this.graph
    this.edgeIds[i] = edge
    this.firstSeenMs[i] = edges.firstSeenMs[edge]!
    this.lastSeenMs[i] = edges.lastSeenMs[edge]!
    this.counts[i] = edges.counts[edge]!
  }

  nodeChanging(node: number): void {
    if (node >= this.nodeCount || this.nodeMark[node] !== 0) return
    this.nodeMark[node] = 1
    const i = this.nodes++
    if (i >= this.nodeIds.length) {
      this.nodeIds = ensureCapacity(this.nodeIds, i + 1)
      this.nodeFirstSeenMs = ensureCapacity(this.nodeFirstSeenMs, i + 1)
      this.risky = ensureCapacity(this.risky, i + 1)
      this.seedMass = ensureCapacity(this.seedMass, i + 1)
    }
    this.nodeIds[i] = node
    this.nodeFirstSeenMs[i] = this.graph.nodes.firstSeenMs[node]!
    this.risky[i] = this.graph.labels.isRisky(node) ? 1 : 0
    this.seedMass[i] = seedMassOf(this.propagation, node)
  }

  /** Edges and nodes of the capture that changed since it. */
  get changed(): { edges: number; nodes: number } {
    return { edges: this.edges, nodes: this.nodes }
  }

  /**
   * What changed since the last capture, as the graph is now (`reset`:
   * everything, for a worker that holds nothing of this graph yet).
   */
  delta(reset: boolean): GraphDelta {
    const { edges, nodes } = this.graph
    const fromEdge = reset ? 0 : this.edgeCount
    const fromNode = reset ? 0 : this.nodeCount
    const changedEdges = reset ? new Int32Array(0) : this.edgeIds.slice(0, this.edges)
    const changedNodes = reset ? new Int32Array(0) : this.nodeIds.slice(0, this.nodes)
    const changedFirstSeenMs = new Float64Array(changedEdges.length)
    const changedLastSeenMs = new Float64Array(changedEdges.length)
    const changedCounts = new Uint32Array(changedEdges.length)
    for (let i = 0; i < changedEdges.length; i++) {
      const edge = changedEdges[i]!
      changedFirstSeenMs[i] = edges.firstSeenMs[edge]!
      changedLastSeenMs[i] = edges.lastSeenMs[edge]!
      changedCounts[i] = edges.counts[edge]!
    }
    const changedNodeFirstSeenMs = new Float64Array(changedNodes.length)
    const changedRisky = new Uint8Array(changedNodes.length)
    const changedSeedMass = new Float64Array(changedNodes.length)
    for (let i = 0; i < changedNodes.length; i++) {
      const node = changedNodes[i]!
      changedNodeFirstSeenMs[i] = nodes.firstSeenMs[node]!
      changedRisky[i] = this.graph.labels.isRisky(node) ? 1 : 0
      changedSeedMass[i] = seedMassOf(this.propagation, node)
    }
    return {
      reset,
      changedEdges,
      changedFirstSeenMs,
      changedLastSeenMs,
      changedCounts,
      changedNodes,
      changedNodeFirstSeenMs,
      changedRisky,
      changedSeedMass,
      ...this.columnsFrom(fromEdge, edges.count, fromNode, nodes.count),
    }
  }

  /** The graph as it stood at the last capture, as one delta from nothing: the current columns up to the capture's counts, with the values then of what changed since. */
  capturedDelta(): GraphDelta {
    const delta = this.columnsFrom(0, this.edgeCount, 0, this.nodeCount)
    for (let i = 0; i < this.edges; i++) {
      const edge = this.edgeIds[i]!
      delta.firstSeenMs[edge] = this.firstSeenMs[i]!
      delta.lastSeenMs[edge] = this.lastSeenMs[i]!
      delta.counts[edge] = this.counts[i]!
    }
    for (let i = 0; i < this.nodes; i++) {
      const node = this.nodeIds[i]!
      delta.nodeFirstSeenMs[node] = this.nodeFirstSeenMs[i]!
      delta.risky[node] = this.risky[i]!
      delta.seedMass[node] = this.seedMass[i]!
    }
    const none = { changedEdges: new Int32Array(0), changedFirstSeenMs: new Float64Array(0), changedLastSeenMs: new Float64Array(0), changedCounts: new Uint32Array(0) }
    return { reset: true, ...none, changedNodes: new Int32Array(0), changedNodeFirstSeenMs: new Float64Array(0), changedRisky: new Uint8Array(0), changedSeedMass: new Float64Array(0), ...delta }
  }

  /** The graph as it stood at the last capture (what the graph's thread computes an hour from when the worker could not). */
  capturedMirror(): GraphMirror {
    const mirror = new GraphMirror()
    mirror.apply(this.capturedDelta())
    return mirror
  }

  /** A capture now: changes are counted from here. */
  capture(): void {
    for (let i = 0; i < this.edges; i++) this.edgeMark[this.edgeIds[i]!] = 0
    for (let i = 0; i < this.nodes; i++) this.nodeMark[this.nodeIds[i]!] = 0
    this.edges = 0
    this.nodes = 0
    this.edgeCount = this.graph.edges.count
    this.nodeCount = this.graph.nodes.count
    this.edgeMark = ensureCapacity(this.edgeMark, this.edgeCount)
    this.nodeMark = ensureCapacity(this.nodeMark, this.nodeCount)
  }

  toColumns(copy = true): GraphChangesColumns {
    const e = this.edges
    const n = this.nodes
    return {
      edgeCount: this.edgeCount,
      nodeCount: this.nodeCount,
      edges: prefix(this.edgeIds, e, copy),
      firstSeenMs: prefix(this.firstSeenMs, e, copy),
      lastSeenMs: prefix(this.lastSeenMs, e, copy),
      counts: prefix(this.counts, e, copy),
      nodes: prefix(this.nodeIds, n, copy),
      nodeFirstSeenMs: prefix(this.nodeFirstSeenMs, n, copy),
      risky: prefix(this.risky, n, copy),
      seedMass: prefix(this.seedMass, n, copy),
    }
  }

  /** Takes a snapshot's changes since its capture (the graph restored first). */
  restore(columns: GraphChangesColumns): void {
    this.edgeCount = 0
    this.nodeCount = 0
    this.capture()
    this.edgeCount = columns.edgeCount
    this.nodeCount = columns.nodeCount
    this.edgeMark = ensureCapacity(this.edgeMark, this.edgeCount)
    this.nodeMark = ensureCapacity(this.nodeMark, this.nodeCount)
    const e = columns.edges.length
    const n = columns.nodes.length
    this.edgeIds = holding(this.edgeIds, columns.edges)
    this.firstSeenMs = holding(this.firstSeenMs, columns.firstSeenMs)
    this.lastSeenMs = holding(this.lastSeenMs, columns.lastSeenMs)
    this.counts = holding(this.counts, columns.counts)
    for (let i = 0; i < e; i++) this.edgeMark[columns.edges[i]!] = 1
    this.edges = e
    this.nodeIds = holding(this.nodeIds, columns.nodes)
    this.nodeFirstSeenMs = holding(this.nodeFirstSeenMs, columns.nodeFirstSeenMs)
    this.risky = holding(this.risky, columns.risky)
    this.seedMass = holding(this.seedMass, columns.seedMass)
    for (let i = 0; i < n; i++) this.nodeMark[columns.nodes[i]!] = 1
    this.nodes = n
  }

  /**
   * The graph's columns from edge `fromEdge` and node `fromNode` up to the
   * counts given, copied into one new buffer: one allocation, where one
   * per column would each count towards the garbage collector's external
   * memory and, for the whole graph (hundreds of MB), set off a full
   * collection of the heap several times over.
   */
  private columnsFrom(fromEdge: number, edgeCount: number, fromNode: number, nodeCount: number) {
    const { edges, nodes, labels } = this.graph
    const e = edgeCount - fromEdge
    const n = nodeCount - fromNode
    // 8-byte columns first, then 4-byte, then bytes: each view aligned
    const buffer = new ArrayBuffer(e * (8 + 8 + 8 + 4) + n * (8 + 8 + 1 + 1))
    let at = 0
    const take = <T extends Float64Array | Int32Array | Uint32Array | Uint8Array>(make: new (buffer: ArrayBuffer, offset: number, length: number) => T, length: number): T => {
      const view = new make(buffer, at, length)
      at += view.byteLength
      return view
    }
    const firstSeenMs = take(Float64Array, e)
    const lastSeenMs = take(Float64Array, e)
    const nodeFirstSeenMs = take(Float64Array, n)
    const seedMass = take(Float64Array, n)
    const ends = take(Int32Array, 2 * e)
    const counts = take(Uint32Array, e)
    const kinds = take(Uint8Array, n)
    const risky = take(Uint8Array, n)
    firstSeenMs.set(edges.firstSeenMs.subarray(fromEdge, edgeCount))
    lastSeenMs.set(edges.lastSeenMs.subarray(fromEdge, edgeCount))
    ends.set(edges.ends.subarray(2 * fromEdge, 2 * edgeCount))
    counts.set(edges.counts.subarray(fromEdge, edgeCount))
    nodeFirstSeenMs.set(nodes.firstSeenMs.subarray(fromNode, nodeCount))
    kinds.set(nodes.kinds.subarray(fromNode, nodeCount))
    for (let node = fromNode; node < nodeCount; node++) risky[node - fromNode] = labels.riskLabels[node]! > 0 ? 1 : 0
    const held = this.propagation.seedMass
    if (fromNode < held.length) seedMass.set(held.subarray(fromNode, Math.min(nodeCount, held.length)))
    return { edgeCount, nodeCount, fromEdge, ends, firstSeenMs, lastSeenMs, counts, fromNode, kinds, nodeFirstSeenMs, risky, seedMass }
  }
}

const seedMassOf = (propagation: RiskPropagation, node: number) => (node < propagation.seedMass.length ? propagation.seedMass[node]! : 0)
