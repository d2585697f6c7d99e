import type { Adjacency } from './adjacency.ts'
import { ensureCapacity, prefix } from './growable.ts'
import type { LinkGraph } from './link-graph.ts'

/** What a push reads of a graph: each node's neighbours (`Adjacency`), and how many nodes there are. */
export interface PushGraph {
  adjacency: Pick<Adjacency, 'pool' | 'start' | 'length'>
  nodeCount: number
}

/** The labelled nodes and their seed mass, in node order: what a restart starts from. */
export interface PropagationSeeds {
  nodes: Int32Array
  masses: Float64Array
}

const pushGraphOf = (graph: LinkGraph): PushGraph => ({ adjacency: graph.adjacency, nodeCount: graph.nodes.count })

/** The propagation's columns for a snapshot; structured-clone safe. */
export interface PropagationColumns {
  count: number
  estimate: Float64Array
  residual: Float64Array
  seedMass: Float64Array
}

/**
 * Risk spread from labelled nodes: personalised PageRank with the labelled
 * nodes as the restart set, kept by forward push (Andersen, Chung & Lang
 * 2006), one label at a time.
 *
 * A walk starts at a labelled node (each risk label adds one unit of mass
 * at its user), at each step stops with probability α and otherwise moves to
 * a uniformly chosen neighbour; a node's score is the expected number of
 * walks that stop there, summed over every label — so scores add up over
 * labels and a new label is one more push, not a recomputation. The push
 * keeps `estimate` (p) and `residual` (r) with π = p + Σᵥ r(v)·π_v; a node is
 * pushed while r(u) ≥ ε·deg(u), so every score is within ε·deg(v) of the
 * exact value per unit of seed mass (a walk at a node with no edge stops
 * there, its remaining mass lost). Work per label ≤ 1/(α·ε) neighbour
 * updates, whatever the graph's size: a hub is pushed only when enough
 * residual reaches it.
 *
 * Why push and not power iteration or label propagation: labels arrive one
 * at a time and each touches a small part of a huge graph; push costs
 * only there. Edges that arrive after a push are not followed by that
 * push's settled mass (its residuals move on them at the next push through
 * those nodes), so `recompute` from every seed on the current graph, run
 * with the rings on a schedule, removes that drift.
 */
export class RiskPropagation {
  estimate = new Float64Array(1024)
  residual = new Float64Array(1024)
  seedMass = new Float64Array(1024)
  count = 0
  private queue = new Int32Array(1024)
  private queued = new Uint8Array(1024)
  /** Neighbour updates made by the last push (for the bench and tests). */
  lastWork = 0
  /** Told before a node's seed mass changes (`GraphChanges`: what the next scheduled capture sends). */
  watch: { nodeChanging(node: number): void } | undefined

  constructor(
    readonly alpha: number,
    readonly epsilon: number,
  ) {}

  ensureNode(node: number): void {
    if (node < this.count) return
    this.count = node + 1
    // each on its own: a restart's arrays, taken as they are (`adopt`), need not be as long as the others
    if (node >= this.estimate.length) this.estimate = ensureCapacity(this.estimate, node + 1)
    if (node >= this.residual.length) this.residual = ensureCapacity(this.residual, node + 1)
    if (node >= this.seedMass.length) this.seedMass = ensureCapacity(this.seedMass, node + 1)
    if (node >= this.queued.length) this.queued = ensureCapacity(this.queued, node + 1)
  }

  score(node: number): number {
    return node >= 0 && node < this.count ? this.estimate[node]! : 0
  }

  /**
   * Adds `mass` at a labelled node and pushes until every residual is below
   * the threshold. A withdrawn label's mass is pushed again, negative: the
   * push is linear, so its settled share comes off every node it reached
   * (within the same error bound), and the seed mass off the restarts.
   */
  addSeed(graph: LinkGraph, node: number, mass = 1): void {
    this.ensureNode(graph.nodes.count - 1)
    this.watch?.nodeChanging(node)
    const seedMass = this.seedMass[node]! + mass
    // a withdrawal leaves rounding behind (1/3 + 1/2 − 1/3): none at all is no seed
    this.seedMass[node] = Math.abs(seedMass) < 1e-9 ? 0 : seedMass
    this.pushSeed(graph, node, mass)
  }

  /**
   * Pushes `mass` from a node whose seed mass already counts it: a label
   * that arrived after the capture a restart started from, pushed again
   * on the restart's result (`propagation-restart.ts`).
   */
  pushSeed(graph: LinkGraph, node: number, mass: number): void {
    this.ensureNode(graph.nodes.count - 1)
    this.residual[node]! += mass
    this.push(pushGraphOf(graph), [node])
  }

  /** Every labelled node and its seed mass, in node order (copies). */
  seeds(): PropagationSeeds {
    const nodes: number[] = []
    const masses: number[] = []
    for (let node = 0; node < this.count; node++) {
      if (this.seedMass[node] === 0) continue
      nodes.push(node)
      masses.push(this.seedMass[node]!)
    }
    return { nodes: Int32Array.from(nodes), masses: Float64Array.from(masses) }
  }

  /** Starts again from the seeds on the graph as it is now. */
  recompute(graph: LinkGraph): void {
    this.restart(pushGraphOf(graph), this.seeds())
  }

  /**
   * Starts again from `seeds` on `graph`: every estimate and residual
   * zero, each seed's mass its residual, and one push from all of them in
   * node order. A function of the graph's adjacency and the seeds alone
   * (the thread, and what this propagation held before, make no
   * difference): the ring worker runs it on an adjacency rebuilt from a
   * capture's edges (`propagation-restart.ts`).
   */
  restart(graph: PushGraph, seeds: PropagationSeeds): void {
    this.ensureNode(graph.nodeCount - 1)
    this.estimate.fill(0)
    this.residual.fill(0)
    for (let i = 0; i < seeds.nodes.length; i++) this.residual[seeds.nodes[i]!] = seeds.masses[i]!
    this.push(graph, seeds.nodes)
  }

  /**
   * Takes a restart's estimate and residual (computed elsewhere, for the
   * nodes of its capture, zero past them: later nodes start at zero) in
   * place of its own, as they are — no copy unless they are too short for
   * the nodes since, the restart is given room for some; the seed masses
   * stay.
   */
  adopt(estimate: Float64Array, residual: Float64Array, nodes = estimate.length): void {
    if (residual.length !== estimate.length) throw new Error(`a restart's estimate (${estimate.length} nodes) and residual (${residual.length}) differ in length`)
    if (nodes > estimate.length) throw new Error(`a restart of ${nodes} nodes holds only ${estimate.length}`)
    // a restart's arrays are its own (moved from the worker, or made on this thread): taken, not copied
    this.estimate = ensureCapacity(estimate, this.count) as Float64Array<ArrayBuffer>
    this.residual = ensureCapacity(residual, this.count) as Float64Array<ArrayBuffer>
    if (nodes > 0) this.ensureNode(nodes - 1)
  }

  private push(graph: PushGraph, from: ArrayLike<number>): void {
    this.ensureNode(graph.nodeCount - 1)
    const { estimate, residual, queued, alpha, epsilon } = this
    const { pool, start, length } = graph.adjacency
    let queue = this.queue
    let head = 0
    let tail = 0
    const enqueue = (node: number) => {
      if (queued[node] === 1) return
      if (tail === queue.length) {
        // compact the consumed part, or grow
        if (head > queue.length >> 1) {
          queue.copyWithin(0, head, tail)
          tail -= head
          head = 0
        } else queue = this.queue = ensureCapacity(queue, queue.length * 2)
      }
      queue[tail++] = node
      queued[node] = 1
    }
    for (let i = 0; i < from.length; i++) enqueue(from[i]!)
    let work = 0
    while (head < tail) {
      const node = queue[head++]!
      queued[node] = 0
      const r = residual[node]!
      const degree = length[node]!
      // a residual may be negative (a withdrawn label's): pushed alike, by its size
      if (Math.abs(r) < epsilon * Math.max(degree, 1)) continue
      estimate[node]! += alpha * r
      residual[node] = 0
      if (degree === 0) continue
      const share = ((1 - alpha) * r) / degree
      const at = start[node]!
      for (let j = 0; j < degree; j++) {
        const next = pool[at + 2 * j]!
        residual[next]! += share
        const updated = Math.abs(residual[next]!)
        if (updated >= epsilon * length[next]! && updated >= epsilon) enqueue(next)
      }
      work += degree
    }
    this.lastWork = work
  }

  toColumns(copy = true): PropagationColumns {
    const n = this.count
    return { count: n, estimate: prefix(this.estimate, n, copy), residual: prefix(this.residual, n, copy), seedMass: prefix(this.seedMass, n, copy) }
  }

  static fromColumns(columns: PropagationColumns, alpha: number, epsilon: number): RiskPropagation {
    const propagation = new RiskPropagation(alpha, epsilon)
    if (columns.count > 0) propagation.ensureNode(columns.count - 1)
    propagation.estimate.set(columns.estimate)
    propagation.residual.set(columns.residual)
    propagation.seedMass.set(columns.seedMass)
    return propagation
  }
}
