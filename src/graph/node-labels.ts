import { ensureCapacity, prefix } from './growable.ts'

/** The `label` event's kinds, each a bit of a node's label mask. */
export const labelKinds = ['fraud', 'legitimate', 'default', 'complaint_agent', 'intermediary', 'scam_victim', 'fake_traffic'] as const
export type LabelKind = (typeof labelKinds)[number]

/** The labels that make a node a source of risk: confirmed fraud, intermediary (中介), complaint agent (债闹). */
export const defaultRiskLabels: readonly LabelKind[] = ['fraud', 'intermediary', 'complaint_agent']

export const labelBit = (label: string): number => {
  const i = (labelKinds as readonly string[]).indexOf(label)
  return i < 0 ? 0 : 1 << i
}

export const labelsOfMask = (mask: number): LabelKind[] => labelKinds.filter((_, i) => (mask & (1 << i)) !== 0)

/** The labels' columns for a snapshot; structured-clone safe. */
export interface NodeLabelsColumns {
  count: number
  masks: Uint8Array
  riskLabels: Uint32Array
  firstRiskMs: Float64Array
}

/**
 * What the labels said about each node: a bit per label kind ever given to
 * an event that named it, how many risk labels (fraud, intermediary,
 * complaint agent by default) it received, and when the first one became
 * known. Labels are events: a node carries a label from the moment the
 * label event is added, so a decision never sees a label that came later.
 */
export class NodeLabels {
  masks = new Uint8Array(1024)
  riskLabels = new Uint32Array(1024)
  firstRiskMs = new Float64Array(1024).fill(Number.NaN)
  count = 0
  /** Told before a node's risk changes (`GraphChanges`: what the next scheduled capture sends). */
  watch: { nodeChanging(node: number): void } | undefined
  private readonly riskMask: number

  constructor(riskLabels: readonly string[] = defaultRiskLabels) {
    this.riskMask = riskLabels.reduce((mask, label) => mask | labelBit(label), 0)
  }

  ensureNode(node: number): void {
    if (node < this.count) return
    this.count = node + 1
    if (node >= this.masks.length) {
      this.masks = ensureCapacity(this.masks, node + 1)
      this.riskLabels = ensureCapacity(this.riskLabels, node + 1)
      this.firstRiskMs = ensureCapacity(this.firstRiskMs, node + 1, Number.NaN)
    }
  }

  /** Whether `label` is one that makes a node risky. */
  isRisk(label: string): boolean {
    return (labelBit(label) & this.riskMask) !== 0
  }

  /** Records `label` on `node` at `atMs`; true when it is a risk label. */
  apply(node: number, label: string, atMs: number): boolean {
    this.ensureNode(node)
    this.masks[node]! |= labelBit(label)
    if (!this.isRisk(label)) return false
    this.watch?.nodeChanging(node)
    this.riskLabels[node]!++
    if (!(this.firstRiskMs[node]! <= atMs)) this.firstRiskMs[node] = atMs
    return true
  }

  isRisky(node: number): boolean {
    return node < this.count && this.riskLabels[node]! > 0
  }

  toColumns(copy = true): NodeLabelsColumns {
    const n = this.count
    return { count: n, masks: prefix(this.masks, n, copy), riskLabels: prefix(this.riskLabels, n, copy), firstRiskMs: prefix(this.firstRiskMs, n, copy) }
  }

  static fromColumns(columns: NodeLabelsColumns, riskLabels?: readonly string[]): NodeLabels {
    const labels = new NodeLabels(riskLabels)
    if (columns.count > 0) labels.ensureNode(columns.count - 1)
    labels.masks.set(columns.masks)
    labels.riskLabels.set(columns.riskLabels)
    labels.firstRiskMs.set(columns.firstRiskMs)
    return labels
  }
}
