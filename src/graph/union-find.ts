import { ensureCapacity, prefix } from './growable.ts'

/** The union-find's columns for a snapshot; structured-clone safe. */
export interface UnionFindColumns {
  count: number
  parent: Int32Array
  size: Int32Array
}

/**
 * Connected components over all time, kept as edges arrive: a disjoint-set
 * forest with union by size and path halving (near-constant time a call).
 * Edges are never deleted, they only age out of windows, so a component
 * only ever grows; windowed components are found by a capped search instead
 * (`neighbourhood.ts`). 8 B a node.
 */
export class UnionFind {
  parent = new Int32Array(1024)
  size = new Int32Array(1024)
  count = 0

  /** Makes singleton sets up to `node`. */
  ensureNode(node: number): void {
    if (node < this.count) return
    if (node >= this.parent.length) {
      this.parent = ensureCapacity(this.parent, node + 1)
      this.size = ensureCapacity(this.size, node + 1)
    }
    for (let i = this.count; i <= node; i++) {
      this.parent[i] = i
      this.size[i] = 1
    }
    this.count = node + 1
  }

  find(node: number): number {
    const parent = this.parent
    while (parent[node] !== node) {
      const grand = parent[parent[node]!]!
      parent[node] = grand
      node = grand
    }
    return node
  }

  /** Joins the sets of `a` and `b`; returns the root of the union. */
  union(a: number, b: number): number {
    let ra = this.find(a)
    let rb = this.find(b)
    if (ra === rb) return ra
    if (this.size[ra]! < this.size[rb]!) [ra, rb] = [rb, ra]
    this.parent[rb] = ra
    this.size[ra]! += this.size[rb]!
    return ra
  }

  /**
   * The root of `node`'s set without shortening paths, for readers: a query
   * leaves the forest exactly as it was (a rebuilt graph equals the online
   * one byte for byte), and union by size keeps every path under log₂ n.
   */
  rootOf(node: number): number {
    const parent = this.parent
    while (parent[node] !== node) node = parent[node]!
    return node
  }

  /** Nodes in the component of `node`. */
  sizeOf(node: number): number {
    return node >= 0 && node < this.count ? this.size[this.rootOf(node)]! : 0
  }

  toColumns(copy = true): UnionFindColumns {
    return { count: this.count, parent: prefix(this.parent, this.count, copy), size: prefix(this.size, this.count, copy) }
  }

  static fromColumns(columns: UnionFindColumns): UnionFind {
    const uf = new UnionFind()
    uf.parent = ensureCapacity(uf.parent, columns.count)
    uf.size = ensureCapacity(uf.size, columns.count)
    uf.parent.set(columns.parent)
    uf.size.set(columns.size)
    uf.count = columns.count
    return uf
  }
}
