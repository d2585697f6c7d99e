import { ensureCapacity, prefix } from './growable.ts'

/** The adjacency's columns for a snapshot; structured-clone safe. */
export interface AdjacencyColumns {
  nodes: number
  pool: Int32Array
  poolUsed: number
  start: Int32Array
  length: Int32Array
  sizeClass: Uint8Array
  freeHeads: Int32Array
}

const none = -1
const firstClass = 1
const classes = 32

/**
 * Each node's neighbours, in the order their edges were made: a block of
 * [neighbour, edge] pairs per node in one pool of 32-bit integers. A block
 * holds 2, 4, 8, … pairs; when it is full the node moves to a block twice
 * as large and the old one goes to a free list of its size, which the next
 * node to grow into that size takes. A node's neighbours are therefore side
 * by side in memory (a scan is sequential, unlike a linked list of edges),
 * and at most half of a block is empty.
 *
 * Per edge: two pairs of 4-byte integers (16 B) plus the empty part of the
 * blocks (measured ~1.3×, so ~21 B).
 */
export class Adjacency {
  pool = new Int32Array(4096)
  poolUsed = 0
  /** Offset of each node's block in the pool, in integers; -1 before its first edge. */
  start = new Int32Array(1024).fill(none)
  /** Pairs in use in each node's block: its degree. */
  length = new Int32Array(1024)
  /** Each block's class (2^class pairs); kept for the snapshot, though `add` finds it from the degree alone. */
  sizeClass = new Uint8Array(1024)
  private readonly freeHeads = new Int32Array(classes).fill(none)
  private nodes = 0

  /** Makes room for nodes up to `node`. */
  ensureNode(node: number): void {
    if (node < this.nodes) return
    this.nodes = node + 1
    if (node >= this.start.length) {
      this.start = ensureCapacity(this.start, node + 1, none)
      this.length = ensureCapacity(this.length, node + 1)
      this.sizeClass = ensureCapacity(this.sizeClass, node + 1)
    }
  }

  degree(node: number): number {
    return node < this.nodes ? this.length[node]! : 0
  }

  /** Appends the pair (neighbour, edge) to the node's block. */
  add(node: number, neighbour: number, edge: number): void {
    this.ensureNode(node)
    const used = this.length[node]!
    let at = this.start[node]!
    if (at === none) {
      at = this.allocate(firstClass)
      this.start[node] = at
      this.sizeClass[node] = firstClass
    } else if (used >= 2 && (used & (used - 1)) === 0) {
      // a block of 2^c pairs is full exactly when the degree is a power of two (its class follows from the degree: no read of `sizeClass`, a miss at millions of nodes)
      const sizeClass = 31 - Math.clz32(used)
      const moved = this.allocate(sizeClass + 1)
      this.pool.copyWithin(moved, at, at + 2 * used)
      this.release(at, sizeClass)
      at = moved
      this.start[node] = moved
      this.sizeClass[node] = sizeClass + 1
    }
    this.pool[at + 2 * used] = neighbour
    this.pool[at + 2 * used + 1] = edge
    this.length[node] = used + 1
  }

  /** Bytes held: the pool's capacity and the per-node columns. */
  bytes(): number {
    return this.pool.byteLength + this.start.byteLength + this.length.byteLength + this.sizeClass.byteLength
  }

  /** Bytes in use: the pool up to its high-water mark (blocks' empty halves and free blocks included) and the per-node columns. */
  usedBytes(): number {
    return 4 * this.poolUsed + this.nodes * 9
  }

  private allocate(sizeClass: number): number {
    const head = this.freeHeads[sizeClass]!
    if (head !== none) {
      this.freeHeads[sizeClass] = this.pool[head]!
      return head
    }
    const at = this.poolUsed
    this.poolUsed += 2 << sizeClass
    if (this.poolUsed > this.pool.length) this.pool = ensureCapacity(this.pool, this.poolUsed)
    return at
  }

  private release(at: number, sizeClass: number): void {
    this.pool[at] = this.freeHeads[sizeClass]!
    this.freeHeads[sizeClass] = at
  }

  toColumns(copy = true): AdjacencyColumns {
    const n = this.nodes
    return {
      nodes: n,
      pool: prefix(this.pool, this.poolUsed, copy),
      poolUsed: this.poolUsed,
      start: prefix(this.start, n, copy),
      length: prefix(this.length, n, copy),
      sizeClass: prefix(this.sizeClass, n, copy),
      freeHeads: this.freeHeads.slice(),
    }
  }

  /**
   * The adjacency the graph built online, made again from its edges' ends
   * (lower node first) in the order the edges were made: the same calls to
   * `add` in the same order, so the same blocks, free lists and pool.
   */
  static fromEdges(nodes: number, ends: Int32Array, edges: number): Adjacency {
    const adjacency = new Adjacency()
    if (nodes > 0) adjacency.ensureNode(nodes - 1)
    // the pool's final size is not known before the blocks are laid; the columns are
    adjacency.pool = ensureCapacity(adjacency.pool, 4 * edges)
    for (let edge = 0; edge < edges; edge++) {
      const lower = ends[2 * edge]!
      const upper = ends[2 * edge + 1]!
      adjacency.add(lower, upper, edge)
      adjacency.add(upper, lower, edge)
    }
    return adjacency
  }

  static fromColumns(columns: AdjacencyColumns): Adjacency {
    const adjacency = new Adjacency()
    if (columns.nodes > 0) adjacency.ensureNode(columns.nodes - 1)
    adjacency.pool = ensureCapacity(adjacency.pool, columns.poolUsed)
    adjacency.pool.set(columns.pool)
    adjacency.poolUsed = columns.poolUsed
    adjacency.start.set(columns.start)
    adjacency.length.set(columns.length)
    adjacency.sizeClass.set(columns.sizeClass)
    adjacency.freeHeads.set(columns.freeHeads)
    return adjacency
  }
}
