import { cellCount, fillCells, neverRightCell, splitCell } from './split-cells.ts'

/**
 * The trees laid out for scoring one row at a time (docs/models.md, "Scoring"
 * says why). Each node is 16 bytes of one buffer, read through two views:
 *
 *   float64 [2n]      the cut, or at a leaf its value
 *   int32   [4n + 2]  the row cell the split reads (split-cells.ts); at a leaf, a cell that is always −∞
 *   int32   [4n + 3]  the first child (the second is next to it); at a leaf, the leaf itself
 *
 * so a step is `node = firstChild + (cells[cell] > cut)`, and a leaf steps to
 * itself. Trees are walked eight at a time, each group for as many steps as
 * its deepest tree, with no test for having reached a leaf: the eight walks
 * are independent, so the processor overlaps their loads, where one walk
 * waits for each load in turn. The leaves are then added in tree order, so
 * the sum is the same double as adding tree after tree.
 */
export interface TreeNodes {
  /** Index of each tree's root. */
  roots: Int32Array
  feature: Int32Array
  threshold: Float64Array
  defaultLeft: Uint8Array
  /** Children as absolute indices (a leaf's are ignored). */
  left: Int32Array
  right: Int32Array
  value: Float64Array
}

/** Trees walked side by side: eight, as many as the walk below names. */
const lanes = 8

export class PackedTrees {
  private readonly cuts: Float64Array
  private readonly links: Int32Array
  private readonly roots: Int32Array
  /** Per group of eight trees (the last may be shorter): the depth of its deepest tree. */
  private readonly steps: Int32Array
  /** The current row, as split-cells.ts lays it out: scratch of this model, filled by each call before its walk. */
  private readonly cells: Float64Array

  constructor(
    nodes: TreeNodes,
    private readonly featureCount: number,
  ) {
    const { roots, feature, threshold, defaultLeft, left, right, value } = nodes
    const buffer = new ArrayBuffer(16 * feature.length)
    this.cuts = new Float64Array(buffer)
    this.links = new Int32Array(buffer)
    this.roots = new Int32Array(roots.length)
    this.steps = new Int32Array(Math.ceil(roots.length / lanes))
    this.cells = new Float64Array(cellCount(featureCount))
    const never = neverRightCell(featureCount)
    // breadth first from each root, a node's two children given the next two places
    const queue = new Int32Array(feature.length)
    const depth = new Int32Array(feature.length)
    let next = 0
    for (let t = 0; t < roots.length; t++) {
      let head = 0
      let tail = 0
      queue[tail++] = roots[t]!
      depth[roots[t]!] = 0
      this.roots[t] = next
      let place = next++
      let deepest = 0
      while (head < tail) {
        const node = queue[head++]!
        const at = place++
        deepest = Math.max(deepest, depth[node]!)
        if (feature[node]! < 0) {
          this.cuts[2 * at] = value[node]!
          this.links[4 * at + 2] = never
          this.links[4 * at + 3] = at
          continue
        }
        const { cell, cut } = splitCell(feature[node]!, threshold[node]!, defaultLeft[node] === 1, featureCount)
        this.cuts[2 * at] = cut
        this.links[4 * at + 2] = cell
        this.links[4 * at + 3] = next
        next += 2
        queue[tail++] = left[node]!
        queue[tail++] = right[node]!
        depth[left[node]!] = depth[node]! + 1
        depth[right[node]!] = depth[node]! + 1
      }
      const group = Math.floor(t / lanes)
      this.steps[group] = Math.max(this.steps[group]!, deepest)
    }
  }

  /** `base` plus every tree's leaf for the row, added in tree order. */
  margin(row: ArrayLike<number>, base: number): number {
    const { cuts, links, roots, steps, cells } = this
    fillCells(row, this.featureCount, cells)
    let sum = base
    const trees = roots.length
    let t = 0
    for (; t + lanes <= trees; t += lanes) {
      let a = roots[t]!
      let b = roots[t + 1]!
      let c = roots[t + 2]!
      let d = roots[t + 3]!
      let e = roots[t + 4]!
      let f = roots[t + 5]!
      let g = roots[t + 6]!
      let h = roots[t + 7]!
      for (let k = steps[(t / lanes) | 0]!; k > 0; k--) {
        // unary plus turns the comparison into 0 or 1 without a branch
        a = links[(a << 2) + 3]! + +(cells[links[(a << 2) + 2]!]! > cuts[a << 1]!)
        b = links[(b << 2) + 3]! + +(cells[links[(b << 2) + 2]!]! > cuts[b << 1]!)
        c = links[(c << 2) + 3]! + +(cells[links[(c << 2) + 2]!]! > cuts[c << 1]!)
        d = links[(d << 2) + 3]! + +(cells[links[(d << 2) + 2]!]! > cuts[d << 1]!)
        e = links[(e << 2) + 3]! + +(cells[links[(e << 2) + 2]!]! > cuts[e << 1]!)
        f = links[(f << 2) + 3]! + +(cells[links[(f << 2) + 2]!]! > cuts[f << 1]!)
        g = links[(g << 2) + 3]! + +(cells[links[(g << 2) + 2]!]! > cuts[g << 1]!)
        h = links[(h << 2) + 3]! + +(cells[links[(h << 2) + 2]!]! > cuts[h << 1]!)
      }
      sum += cuts[a << 1]!
      sum += cuts[b << 1]!
      sum += cuts[c << 1]!
      sum += cuts[d << 1]!
      sum += cuts[e << 1]!
      sum += cuts[f << 1]!
      sum += cuts[g << 1]!
      sum += cuts[h << 1]!
    }
    const lastSteps = t < trees ? steps[(t / lanes) | 0]! : 0
    for (; t < trees; t++) {
      let a = roots[t]!
      for (let k = lastSteps; k > 0; k--) a = links[(a << 2) + 3]! + +(cells[links[(a << 2) + 2]!]! > cuts[a << 1]!)
      sum += cuts[a << 1]!
    }
    return sum
  }
}
