import type { EntityKind } from '../events/entities.ts'
import { type LabelKind, labelKinds } from '../events/label-kinds.ts'
import { ensureCapacity, holding, prefix } from './growable.ts'

export { type LabelKind, labelKinds }

/** The labels that make a node a source of risk: confirmed fraud, intermediary (中介), complaint agent (债闹). */
export const defaultRiskLabels: readonly LabelKind[] = ['fraud', 'intermediary', 'complaint_agent']

/**
 * The kinds of node a label marks, of those its event names: the person and
 * what they own or control. Not the IP (a carrier's is shared by thousands),
 * the contacts (relatives' phones) or the address (a building).
 */
export const defaultLabelledKinds: readonly EntityKind[] = ['user', 'id_number', 'phone', 'device', 'bank_card']

export const labelBit = (label: string): number => {
  const i = (labelKinds as readonly string[]).indexOf(label)
  return i < 0 ? 0 : 1 << i
}

export const labelsOfMask = (mask: number): LabelKind[] => labelKinds.filter((_, i) => (mask & (1 << i)) !== 0)

/** The labels given, in order, and the nodes each marked; structured-clone safe. */
export interface GivenLabelsColumns {
  count: number
  /** What each is about: its subject event (or `#` and its anchor node when the event named none). */
  subjects: string[]
  /** Each label's kind, an index into `labelKinds`. */
  kinds: Uint8Array
  atMs: Float64Array
  /** 1 once withdrawn. */
  withdrawn: Uint8Array
  /** Where each label's marks start: its marks run to the next label's first. */
  firstMark: Int32Array
  marks: number
  /** Each mark's node and label, and the node's mark before it + 1 (0: none). */
  markNodes: Int32Array
  markLabels: Int32Array
  markPrevious: Int32Array
}

/** The labels' columns for a snapshot; structured-clone safe. */
export interface NodeLabelsColumns {
  count: number
  masks: Uint16Array
  riskLabels: Uint32Array
  firstRiskMs: Float64Array
  /** Each node's newest mark + 1 (0: none). */
  lastMark: Int32Array
  given: GivenLabelsColumns
}

const noLabel = -1

/**
 * What the labels say about each node: a bit per label kind standing on it,
 * how many risk labels (fraud, intermediary, complaint agent by default)
 * stand on it, and when the first of them became known. Labels are events:
 * a node carries a label from the moment the label event is added, so a
 * decision never sees a label that came later.
 *
 * Each label given is kept with the nodes it marked, keyed by its subject
 * and kind: a label of a kind that already stands on the same subject marks
 * and counts nothing more, and a withdrawal takes the label off exactly the
 * nodes it marked (each node's marks are listed, newest first, so a bit
 * another label of the same kind also set stays).
 */
export class NodeLabels {
  masks = new Uint16Array(1024)
  riskLabels = new Uint32Array(1024)
  firstRiskMs = new Float64Array(1024).fill(Number.NaN)
  lastMark = new Int32Array(1024)
  count = 0
  /** Told before a node's risk changes (`GraphChanges`: what the next scheduled capture sends). */
  watch: { nodeChanging(node: number): void } | undefined
  // the labels given
  private subjects: string[] = []
  private kinds = new Uint8Array(64)
  private atMs = new Float64Array(64)
  private withdrawn = new Uint8Array(64)
  private firstMark = new Int32Array(64)
  private given = 0
  // their marks
  private markNodes = new Int32Array(256)
  private markLabels = new Int32Array(256)
  private markPrevious = new Int32Array(256)
  private marks = 0
  /** (kind, subject) → the label of that kind given last about that subject. */
  private readonly bySubject = new Map<string, number>()
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
      this.lastMark = ensureCapacity(this.lastMark, node + 1)
    }
  }

  /** Whether `label` is one that makes a node risky. */
  isRisk(label: string): boolean {
    return (labelBit(label) & this.riskMask) !== 0
  }

  /**
   * Gives `label` about `subject` to `nodes` at `atMs`: the label's number,
   * or -1 when a label of that kind already stands on that subject (a
   * repeat: nothing marked or counted again) or the kind is not one the
   * graph knows.
   */
  give(subject: string, label: string, nodes: readonly number[], atMs: number): number {
    const kind = (labelKinds as readonly string[]).indexOf(label)
    if (kind < 0) return noLabel
    const key = `${kind}\u0000${subject}`
    const standing = this.bySubject.get(key)
    if (standing !== undefined && this.withdrawn[standing] === 0) return noLabel
    const given = this.given++
    this.bySubject.set(key, given)
    if (given >= this.kinds.length) {
      this.kinds = ensureCapacity(this.kinds, given + 1)
      this.atMs = ensureCapacity(this.atMs, given + 1)
      this.withdrawn = ensureCapacity(this.withdrawn, given + 1)
      this.firstMark = ensureCapacity(this.firstMark, given + 1)
    }
    this.subjects.push(subject)
    this.kinds[given] = kind
    this.atMs[given] = atMs
    this.firstMark[given] = this.marks
    const needed = this.marks + nodes.length
    if (needed > this.markNodes.length) {
      this.markNodes = ensureCapacity(this.markNodes, needed)
      this.markLabels = ensureCapacity(this.markLabels, needed)
      this.markPrevious = ensureCapacity(this.markPrevious, needed)
    }
    const bit = 1 << kind
    const risk = (bit & this.riskMask) !== 0
    for (const node of nodes) {
      this.ensureNode(node)
      const mark = this.marks++
      this.markNodes[mark] = node
      this.markLabels[mark] = given
      this.markPrevious[mark] = this.lastMark[node]!
      this.lastMark[node] = mark + 1
      this.masks[node]! |= bit
      if (!risk) continue
      this.watch?.nodeChanging(node)
      this.riskLabels[node]!++
      if (!(this.firstRiskMs[node]! <= atMs)) this.firstRiskMs[node] = atMs
    }
    return given
  }

  /**
   * Withdraws the label of `label`'s kind standing on `subject`: its bit
   * and risk count off the nodes it marked (a bit another standing label
   * of the kind set stays), each node's first risk time recomputed from
   * the labels left. The label's number, or -1 when none stands.
   */
  withdraw(subject: string, label: string): number {
    const kind = (labelKinds as readonly string[]).indexOf(label)
    if (kind < 0) return noLabel
    const given = this.bySubject.get(`${kind}\u0000${subject}`)
    if (given === undefined || this.withdrawn[given] === 1) return noLabel
    this.withdrawn[given] = 1
    const risk = ((1 << kind) & this.riskMask) !== 0
    const [from, to] = this.marksOf(given)
    for (let mark = from; mark < to; mark++) {
      const node = this.markNodes[mark]!
      if (risk) {
        this.watch?.nodeChanging(node)
        this.riskLabels[node]!--
      }
      // what still stands on the node: a walk over its marks, newest first
      let sameKind = false
      let firstRisk = Number.NaN
      for (let m = this.lastMark[node]! - 1; m >= 0; m = this.markPrevious[m]! - 1) {
        const other = this.markLabels[m]!
        if (this.withdrawn[other] === 1) continue
        const otherKind = this.kinds[other]!
        if (otherKind === kind) sameKind = true
        if (((1 << otherKind) & this.riskMask) !== 0 && !(firstRisk <= this.atMs[other]!)) firstRisk = this.atMs[other]!
      }
      if (!sameKind) this.masks[node]! &= ~(1 << kind)
      if (risk) this.firstRiskMs[node] = firstRisk
    }
    return given
  }

  /** The marks of label `given`: [from, to) into `markNode`. */
  marksOf(given: number): [number, number] {
    return [this.firstMark[given]!, given + 1 < this.given ? this.firstMark[given + 1]! : this.marks]
  }

  /** The node of a mark. */
  markNode(mark: number): number {
    return this.markNodes[mark]!
  }

  isRisky(node: number): boolean {
    return node < this.count && this.riskLabels[node]! > 0
  }

  /** How many labels were given (withdrawn ones included), and how many marks they made. */
  get givenCount(): { labels: number; marks: number } {
    return { labels: this.given, marks: this.marks }
  }

  /** Bytes of the typed arrays (capacity): per node, and for the labels given and their marks. */
  bytes(): { nodes: number; given: number } {
    return {
      nodes: this.masks.byteLength + this.riskLabels.byteLength + this.firstRiskMs.byteLength + this.lastMark.byteLength,
      given: this.kinds.byteLength + this.atMs.byteLength + this.withdrawn.byteLength + this.firstMark.byteLength + this.markNodes.byteLength + this.markLabels.byteLength + this.markPrevious.byteLength,
    }
  }

  toColumns(copy = true): NodeLabelsColumns {
    const n = this.count
    const g = this.given
    const m = this.marks
    return {
      count: n,
      masks: prefix(this.masks, n, copy),
      riskLabels: prefix(this.riskLabels, n, copy),
      firstRiskMs: prefix(this.firstRiskMs, n, copy),
      lastMark: prefix(this.lastMark, n, copy),
      given: {
        count: g,
        subjects: copy ? this.subjects.slice() : this.subjects,
        kinds: prefix(this.kinds, g, copy),
        atMs: prefix(this.atMs, g, copy),
        withdrawn: prefix(this.withdrawn, g, copy),
        firstMark: prefix(this.firstMark, g, copy),
        marks: m,
        markNodes: prefix(this.markNodes, m, copy),
        markLabels: prefix(this.markLabels, m, copy),
        markPrevious: prefix(this.markPrevious, m, copy),
      },
    }
  }

  static fromColumns(columns: NodeLabelsColumns, riskLabels?: readonly string[]): NodeLabels {
    const labels = new NodeLabels(riskLabels)
    if (columns.count > 0) labels.ensureNode(columns.count - 1)
    labels.masks.set(columns.masks)
    labels.riskLabels.set(columns.riskLabels)
    labels.firstRiskMs.set(columns.firstRiskMs)
    labels.lastMark.set(columns.lastMark)
    const given = columns.given
    labels.given = given.count
    labels.subjects = given.subjects.slice()
    labels.kinds = holding(labels.kinds, given.kinds)
    labels.atMs = holding(labels.atMs, given.atMs)
    labels.withdrawn = holding(labels.withdrawn, given.withdrawn)
    labels.firstMark = holding(labels.firstMark, given.firstMark)
    labels.marks = given.marks
    labels.markNodes = holding(labels.markNodes, given.markNodes)
    labels.markLabels = holding(labels.markLabels, given.markLabels)
    labels.markPrevious = holding(labels.markPrevious, given.markPrevious)
    // the last label given of each (kind, subject), as `give` left it
    for (let i = 0; i < given.count; i++) labels.bySubject.set(`${given.kinds[i]}\u0000${given.subjects[i]}`, i)
    return labels
  }
}
