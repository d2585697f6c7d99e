import { type ObjectiveName, transformMargin } from './objective.ts'
import { PackedTrees } from './packed-trees.ts'

/** One tree's nodes as parallel arrays; node 0 is the root, children indices are within the tree, `feature` −1 marks a leaf. */
export interface TreeArrays {
  feature: Int32Array
  /** A row goes left when its value is ≤ threshold, and by `defaultLeft` when the value is missing (NaN). */
  threshold: Float64Array
  defaultLeft: Uint8Array
  left: Int32Array
  right: Int32Array
  /** The leaf's contribution to the margin (learning rate applied). */
  value: Float64Array
  /** Sum of the training hessians that reached the node; TreeSHAP weighs the branches by it. */
  cover: Float64Array
  /** The split's gain (0 at a leaf). */
  gain: Float64Array
}

/** A tree of `size` nodes, every array zeroed, to be filled. */
export function emptyTreeArrays(size: number): TreeArrays {
  return {
    feature: new Int32Array(size),
    threshold: new Float64Array(size),
    defaultLeft: new Uint8Array(size),
    left: new Int32Array(size),
    right: new Int32Array(size),
    value: new Float64Array(size),
    cover: new Float64Array(size),
    gain: new Float64Array(size),
  }
}

export interface GbdtModelParts {
  objective: ObjectiveName
  featureNames: readonly string[]
  /** The margin before any tree. */
  baseScore: number
  trees: readonly TreeArrays[]
  /** What the trainer recorded (parameters, rounds, validation scores); kept as given. */
  training?: Record<string, unknown>
}

/** Per feature: how many splits use it, their total gain and total cover. */
export interface FeatureImportance {
  feature: string
  splits: number
  gain: number
  cover: number
}

/**
 * A trained model as flat typed arrays: every tree's nodes in one set of
 * arrays, children as absolute indices (TreeSHAP, the JSON format and the
 * importers read these), plus a packed copy that scoring walks
 * (packed-trees.ts: 300 depth-6 trees in about 3 µs a row on an idle core).
 */
export class GbdtModel {
  readonly objective: ObjectiveName
  readonly featureNames: readonly string[]
  readonly baseScore: number
  readonly training: Record<string, unknown> | undefined
  /** Index of each tree's root in the node arrays. */
  readonly roots: Int32Array
  readonly feature: Int32Array
  readonly threshold: Float64Array
  readonly defaultLeft: Uint8Array
  readonly left: Int32Array
  readonly right: Int32Array
  readonly value: Float64Array
  readonly cover: Float64Array
  readonly gain: Float64Array
  /** The same trees laid out for scoring one row at a time (packed-trees.ts). */
  private readonly packed: PackedTrees

  constructor(parts: GbdtModelParts) {
    this.objective = parts.objective
    this.featureNames = [...parts.featureNames]
    this.baseScore = parts.baseScore
    this.training = parts.training
    const total = parts.trees.reduce((sum, tree) => sum + tree.feature.length, 0)
    this.roots = new Int32Array(parts.trees.length)
    this.feature = new Int32Array(total)
    this.threshold = new Float64Array(total)
    this.defaultLeft = new Uint8Array(total)
    this.left = new Int32Array(total)
    this.right = new Int32Array(total)
    this.value = new Float64Array(total)
    this.cover = new Float64Array(total)
    this.gain = new Float64Array(total)
    let at = 0
    parts.trees.forEach((tree, t) => {
      this.roots[t] = at
      this.feature.set(tree.feature, at)
      this.threshold.set(tree.threshold, at)
      this.defaultLeft.set(tree.defaultLeft, at)
      this.value.set(tree.value, at)
      this.cover.set(tree.cover, at)
      this.gain.set(tree.gain, at)
      for (let i = 0; i < tree.feature.length; i++) {
        // a leaf points at itself: the walk below never follows it
        this.left[at + i] = tree.feature[i]! < 0 ? at + i : at + tree.left[i]!
        this.right[at + i] = tree.feature[i]! < 0 ? at + i : at + tree.right[i]!
      }
      at += tree.feature.length
    })
    this.packed = new PackedTrees(this, this.featureNames.length)
  }

  get treeCount(): number {
    return this.roots.length
  }

  get featureCount(): number {
    return this.featureNames.length
  }

  /** Tree t with indices local to it, as the JSON format stores it. */
  tree(t: number): TreeArrays {
    const start = this.roots[t]!
    const end = t + 1 < this.roots.length ? this.roots[t + 1]! : this.feature.length
    const local = (children: Int32Array) => Int32Array.from(children.subarray(start, end), (child, i) => (this.feature[start + i]! < 0 ? -1 : child - start))
    return {
      feature: this.feature.slice(start, end),
      threshold: this.threshold.slice(start, end),
      defaultLeft: this.defaultLeft.slice(start, end),
      left: local(this.left),
      right: local(this.right),
      value: this.value.slice(start, end),
      cover: this.cover.slice(start, end),
      gain: this.gain.slice(start, end),
    }
  }

  /** The raw score (log-odds for `binary`) of one row, features in `featureNames` order, NaN for missing. */
  predictMargin(row: ArrayLike<number>): number {
    return this.packed.margin(row, this.baseScore)
  }

  /** The probability of class 1 for `binary`; the predicted value for `regression`. */
  predict(row: ArrayLike<number>): number {
    return transformMargin(this.objective, this.predictMargin(row))
  }

  /** Margins of many rows given as columns (the training layout). */
  predictMarginBatch(columns: readonly ArrayLike<number>[]): Float64Array {
    const rows = columns[0]?.length ?? 0
    const out = new Float64Array(rows)
    const row = new Float64Array(this.featureCount)
    for (let i = 0; i < rows; i++) {
      for (let f = 0; f < row.length; f++) row[f] = columns[f]![i]!
      out[i] = this.predictMargin(row)
    }
    return out
  }

  predictBatch(columns: readonly ArrayLike<number>[]): Float64Array {
    const out = this.predictMarginBatch(columns)
    for (let i = 0; i < out.length; i++) out[i] = transformMargin(this.objective, out[i]!)
    return out
  }

  /** Splits, gain and cover per feature, largest total gain first. */
  featureImportance(): FeatureImportance[] {
    const table = this.featureNames.map((feature) => ({ feature, splits: 0, gain: 0, cover: 0 }))
    for (let node = 0; node < this.feature.length; node++) {
      const f = this.feature[node]!
      if (f < 0) continue
      table[f]!.splits++
      table[f]!.gain += this.gain[node]!
      table[f]!.cover += this.cover[node]!
    }
    return table.sort((a, b) => b.gain - a.gain)
  }
}
