import { ensureCapacity } from './growable.ts'
import type { LinkGraph } from './link-graph.ts'

/** What a neighbourhood search may look at; every cap bounds its cost whatever hubs the graph has. */
export interface SearchLimits {
  /** How far from the seeds (seeds given at hop 1 count as one step taken). */
  hops: number
  /** An edge counts when last seen at or after `fromMs` … */
  fromMs: number
  /** … and first seen at or before `toMs`. */
  toMs: number
  /** Most nodes found, seeds included; the search stops there. */
  maxNodes: number
  /** Most adjacency entries read in all. */
  maxEdges: number
  /** Most adjacency entries read at one node, newest edges first: a hub is only partly expanded. */
  maxEdgesPerNode: number
  /** Nodes past the seeds at hop 0 of a kind in `hubKindMask` with more adjacency entries than this are found but not expanded (hubs); all are expanded when absent. */
  hubDegree?: number
  /** Bit per entity kind (index in `entityKinds`) of the kinds that can be hubs. */
  hubKindMask?: number
  /** Bit per entity kind (index in `entityKinds`) of the nodes that may be entered; all when absent. */
  kindMask?: number
  /**
   * Edge types that may be followed: per entity kind (index in `entityKinds`)
   * of one end, a bit per kind of the other end (symmetric); all when absent.
   */
  pairMask?: Int32Array
}

/** Called for each edge in the window between an expanded node and a node found (or found by it). */
export type EdgeVisitor = (edge: number, from: number, to: number) => void

/**
 * Breadth-first search from seeds over the edges of a window, with caps,
 * adjacency read newest first. The nodes reached are kept in a small
 * open-addressing set sized to `maxNodes` (it stays in the processor's
 * cache, where a mark per node of a graph of millions would not), cleared
 * by a stamp, so nothing is allocated or cleared per search.
 * `found[0..count)` are the nodes reached in hop order; `hopOf(node)` their
 * distance. `capped` says whether a cap cut the search short: the counts
 * are then lower bounds.
 */
export class NeighbourhoodSearch {
  /** Slots of the reached-set: node, stamp of the search that put it, hop. */
  private slotNode = new Int32Array(2048)
  private slotStamp = new Int32Array(2048)
  private slotHop = new Uint8Array(2048)
  private mask = 2047
  /** 32 − log₂(slots): the multiplicative hash keeps the top bits. */
  private shift = 21
  private stamp = 0
  found = new Int32Array(1024)
  count = 0
  edgesRead = 0
  capped = false

  run(graph: LinkGraph, seeds: ArrayLike<number>, seedHops: ArrayLike<number>, limits: SearchLimits, onEdge?: EdgeVisitor): number {
    const maxNodes = limits.maxNodes
    let size = this.slotNode.length
    if (size < 4 * maxNodes) {
      while (size < 4 * maxNodes) size *= 2
      this.slotNode = new Int32Array(size)
      this.slotStamp = new Int32Array(size)
      this.slotHop = new Uint8Array(size)
      this.mask = size - 1
      this.shift = 32 - Math.log2(size)
      this.stamp = 0
    }
    if (++this.stamp === 0x7fffffff) {
      this.slotStamp.fill(0)
      this.stamp = 1
    }
    if (this.found.length < maxNodes) this.found = ensureCapacity(this.found, maxNodes)
    const found = this.found
    const kindMask = limits.kindMask ?? -1
    const pairMask = limits.pairMask
    const kinds = graph.nodes.kinds
    this.count = 0
    this.edgesRead = 0
    this.capped = false
    for (let i = 0; i < seeds.length; i++) {
      const node = seeds[i]!
      if (node < 0 || this.slotOf(node) >= 0) continue
      if (this.count === maxNodes) {
        this.capped = true
        break
      }
      this.insert(node, seedHops[i]!)
      found[this.count++] = node
    }
    const { pool, start, length } = graph.adjacency
    const lastSeen = graph.edges.lastSeenMs
    const firstSeen = graph.edges.firstSeenMs
    const { fromMs, toMs, hops: maxHops, maxEdges, maxEdgesPerNode } = limits
    const hubDegree = limits.hubDegree ?? Number.POSITIVE_INFINITY
    const hubKindMask = limits.hubKindMask ?? 0
    let budget = maxEdges
    search: for (let q = 0; q < this.count; q++) {
      const node = found[q]!
      const hop = this.slotHop[this.slotOf(node)]!
      if (hop >= maxHops) continue
      const degree = length[node]!
      if (degree === 0 || (hop > 0 && degree > hubDegree && ((hubKindMask >>> kinds[node]!) & 1) === 1)) continue
      const at = start[node]!
      const followed = pairMask === undefined ? -1 : pairMask[kinds[node]!]!
      let from = degree - maxEdgesPerNode
      if (from < 0) from = 0
      else if (from > 0) this.capped = true
      for (let j = degree - 1; j >= from; j--) {
        if (budget === 0) {
          this.capped = true
          break search
        }
        budget--
        const edge = pool[at + 2 * j + 1]!
        if (lastSeen[edge]! < fromMs || firstSeen[edge]! > toMs) continue
        const next = pool[at + 2 * j]!
        if (followed !== -1 && ((followed >>> kinds[next]!) & 1) === 0) continue
        if (this.slotOf(next) < 0) {
          if (kindMask !== -1 && ((kindMask >>> kinds[next]!) & 1) === 0) continue
          if (this.count === maxNodes) {
            this.capped = true
            break search
          }
          this.insert(next, hop + 1)
          found[this.count++] = next
        }
        if (onEdge) onEdge(edge, node, next)
      }
    }
    this.edgesRead = maxEdges - budget
    return this.count
  }

  /** The slot holding `node` in this search, or -1. */
  private slotOf(node: number): number {
    const mask = this.mask
    for (let i = Math.imul(node, 0x9e3779b1) >>> this.shift; ; i = (i + 1) & mask) {
      if (this.slotStamp[i] !== this.stamp) return -1
      if (this.slotNode[i] === node) return i
    }
  }

  private insert(node: number, hop: number): void {
    const mask = this.mask
    let i = Math.imul(node, 0x9e3779b1) >>> this.shift
    while (this.slotStamp[i] === this.stamp) i = (i + 1) & mask
    this.slotNode[i] = node
    this.slotStamp[i] = this.stamp
    this.slotHop[i] = hop
  }

  /** Whether the last search reached `node`. */
  reached(node: number): boolean {
    return node >= 0 && this.slotOf(node) >= 0
  }

  /** Distance of a node the last search reached. */
  hopOf(node: number): number {
    return this.slotHop[this.slotOf(node)]!
  }
}
