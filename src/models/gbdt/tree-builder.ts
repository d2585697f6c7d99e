import { type BinnedData, missingBin } from './binning.ts'
import { type HistogramBuilder, type HistogramLayout, type NodeRows, subtractHistogram } from './histogram.ts'
import { findBestSplit, leafWeight, type NodeSums, type Split, type SplitRules } from './split-finder.ts'
import type { TreeArrays } from './tree-model.ts'

/**
 * Grows one tree on the rows `node.rows[0…rowCount)` with their gradients.
 * Depth-wise growth splits every node that can be split, down to maxDepth
 * (depth first, so only one path of histograms is alive at a time);
 * leaf-wise growth splits the open leaf of largest gain until maxLeaves.
 * Of two children, the one with fewer rows is summed from its rows and the
 * other is its parent's histogram minus it.
 */
export interface GrowthRules {
  growth: 'depthwise' | 'leafwise'
  maxDepth: number
  maxLeaves: number
  learningRate: number
}

/** A grown tree (node 0 is the root; children come after their parent), with each split also in bins. */
export interface GrownTree extends TreeArrays {
  /** The split in bins (value bins 1…bin go left), for updating the training margins. Leaf values are times the learning rate; internal nodes hold the value they would have as a leaf. */
  bin: Int32Array
}

export interface TreeContext {
  data: BinnedData
  layout: HistogramLayout
  node: NodeRows
  builder: HistogramBuilder
  /** The features this tree may split on, ascending. */
  features: Int32Array
  splitRules: SplitRules
  growthRules: GrowthRules
  /** Room for partitioning: as long as the training set. */
  scratch: NodeRows
  /** Histograms no node holds any more, reused rather than allocated per node. */
  spareHistograms: Float64Array[]
  /** Filled by growTree: each leaf of the tree and its rows, `node.rows[start…end)`, in the order the leaves were closed. */
  leafRows: LeafRows[]
}

export interface LeafRows {
  id: number
  start: number
  end: number
}

const takeHistogram = (ctx: TreeContext) => ctx.spareHistograms.pop() ?? new Float64Array(ctx.layout.size)

interface OpenLeaf {
  id: number
  start: number
  end: number
  depth: number
  sums: NodeSums
  hist: Float64Array | undefined
  split: Split | undefined
}

export function growTree(ctx: TreeContext, rowCount: number): GrownTree {
  const nodes = new NodeList()
  ctx.leafRows.length = 0
  const { splitRules, growthRules } = ctx
  let grad = 0
  let hess = 0
  for (let k = 0; k < rowCount; k++) {
    grad += ctx.node.gradients[k]!
    hess += ctx.node.hessians[k]!
  }
  const rootSums: NodeSums = { grad, hess, count: rowCount, lower: Number.NEGATIVE_INFINITY, upper: Number.POSITIVE_INFINITY }
  const root: OpenLeaf = { id: nodes.add(rootSums, splitRules, growthRules.learningRate), start: 0, end: rowCount, depth: 0, sums: rootSums, hist: undefined, split: undefined }
  if (mayBeSplit(root.sums, 0, ctx)) {
    root.hist = takeHistogram(ctx)
    ctx.builder.build(0, rowCount, ctx.features, root.hist)
    root.split = findBestSplit(root.hist, ctx.layout, ctx.data.featureBins, ctx.features, root.sums, splitRules)
  }
  if (growthRules.growth === 'depthwise') {
    const stack = [root]
    while (stack.length > 0) {
      const leaf = stack.pop()!
      if (leaf.split === undefined) close(ctx, leaf)
      else stack.push(...splitLeaf(ctx, nodes, leaf).reverse())
    }
  } else {
    const open = [root]
    for (let leaves = 1; leaves < growthRules.maxLeaves; leaves++) {
      // the largest gain; on a tie the older leaf
      let pick = -1
      for (let i = 0; i < open.length; i++) if (open[i]!.split && (pick < 0 || open[i]!.split!.gain > open[pick]!.split!.gain)) pick = i
      if (pick < 0) break
      const [leaf] = open.splice(pick, 1)
      open.push(...splitLeaf(ctx, nodes, leaf!))
    }
    for (const leaf of open) close(ctx, leaf)
  }
  return nodes.finish()
}

/** A node that stays a leaf: its histogram is freed and its rows noted. */
function close(ctx: TreeContext, leaf: OpenLeaf): void {
  release(ctx, leaf)
  ctx.leafRows.push({ id: leaf.id, start: leaf.start, end: leaf.end })
}

function release(ctx: TreeContext, leaf: OpenLeaf): void {
  if (leaf.hist) ctx.spareHistograms.push(leaf.hist)
  leaf.hist = undefined
}

/** Whether a node could be split at all: worth building its histogram. */
function mayBeSplit(sums: NodeSums, depth: number, ctx: TreeContext): boolean {
  const rules = ctx.splitRules
  return depth < ctx.growthRules.maxDepth && sums.count >= 2 * rules.minChildSamples && sums.hess >= 2 * rules.minChildWeight
}

function splitLeaf(ctx: TreeContext, nodes: NodeList, leaf: OpenLeaf): [OpenLeaf, OpenLeaf] {
  const split = leaf.split!
  const middle = partition(ctx, leaf.start, leaf.end, split)
  const [leftId, rightId] = nodes.split(leaf.id, split, ctx.data.featureBins[split.feature]!.upperBounds[split.bin - 1]!, ctx.splitRules, ctx.growthRules.learningRate)
  const depth = leaf.depth + 1
  const left: OpenLeaf = { id: leftId, start: leaf.start, end: middle, depth, sums: split.left, hist: undefined, split: undefined }
  const right: OpenLeaf = { id: rightId, start: middle, end: leaf.end, depth, sums: split.right, hist: undefined, split: undefined }
  const wanted = [left, right].filter((child) => mayBeSplit(child.sums, depth, ctx))
  if (wanted.length > 0) {
    const [small, large] = left.end - left.start <= right.end - right.start ? [left, right] : [right, left]
    small.hist = takeHistogram(ctx)
    ctx.builder.build(small.start, small.end, ctx.features, small.hist)
    if (wanted.includes(large)) {
      large.hist = subtractHistogram(leaf.hist!, small.hist, ctx.layout, ctx.features)
      leaf.hist = undefined
    }
    for (const child of wanted) child.split = findBestSplit(child.hist!, ctx.layout, ctx.data.featureBins, ctx.features, child.sums, ctx.splitRules)
    if (!wanted.includes(small)) release(ctx, small)
  }
  release(ctx, leaf)
  return [left, right]
}

/** Puts the rows going left first, keeping their order on each side (stable), and returns where the right ones start. */
function partition(ctx: TreeContext, start: number, end: number, split: Split): number {
  const { rows, gradients, hessians } = ctx.node
  const scratch = ctx.scratch
  const column = ctx.data.bins.subarray(split.feature * ctx.data.rowCount, (split.feature + 1) * ctx.data.rowCount)
  const threshold = split.bin
  const missingLeft = split.defaultLeft
  let l = start
  let r = 0
  for (let k = start; k < end; k++) {
    const row = rows[k]!
    const b = column[row]!
    if (b === missingBin ? missingLeft : b <= threshold) {
      rows[l] = row
      gradients[l] = gradients[k]!
      hessians[l] = hessians[k]!
      l++
    } else {
      scratch.rows[r] = row
      scratch.gradients[r] = gradients[k]!
      scratch.hessians[r] = hessians[k]!
      r++
    }
  }
  rows.set(scratch.rows.subarray(0, r), l)
  gradients.set(scratch.gradients.subarray(0, r), l)
  hessians.set(scratch.hessians.subarray(0, r), l)
  return l
}

/** The nodes of the tree being grown, appended as they are made. */
class NodeList {
  private readonly feature: number[] = []
  private readonly bin: number[] = []
  private readonly threshold: number[] = []
  private readonly defaultLeft: number[] = []
  private readonly left: number[] = []
  private readonly right: number[] = []
  private readonly value: number[] = []
  private readonly cover: number[] = []
  private readonly gain: number[] = []

  add(sums: NodeSums, rules: SplitRules, learningRate: number): number {
    this.feature.push(-1)
    this.bin.push(0)
    this.threshold.push(0)
    this.defaultLeft.push(0)
    this.left.push(-1)
    this.right.push(-1)
    this.value.push(leafWeight(sums.grad, sums.hess, rules, sums.lower, sums.upper) * learningRate)
    this.cover.push(sums.hess)
    this.gain.push(0)
    return this.feature.length - 1
  }

  split(id: number, split: Split, threshold: number, rules: SplitRules, learningRate: number): [number, number] {
    const left = this.add(split.left, rules, learningRate)
    const right = this.add(split.right, rules, learningRate)
    this.feature[id] = split.feature
    this.bin[id] = split.bin
    this.threshold[id] = threshold
    this.defaultLeft[id] = split.defaultLeft ? 1 : 0
    this.left[id] = left
    this.right[id] = right
    this.gain[id] = split.gain
    return [left, right]
  }

  finish(): GrownTree {
    // a parent's cover is exactly the sum of its children's, which TreeSHAP's weights rely on
    for (let id = this.feature.length - 1; id >= 0; id--) if (this.feature[id]! >= 0) this.cover[id] = this.cover[this.left[id]!]! + this.cover[this.right[id]!]!
    return {
      feature: Int32Array.from(this.feature),
      bin: Int32Array.from(this.bin),
      threshold: Float64Array.from(this.threshold),
      defaultLeft: Uint8Array.from(this.defaultLeft),
      left: Int32Array.from(this.left),
      right: Int32Array.from(this.right),
      value: Float64Array.from(this.value),
      cover: Float64Array.from(this.cover),
      gain: Float64Array.from(this.gain),
    }
  }
}
