import { Adjacency, type AdjacencyColumns } from './adjacency.ts'
import { EdgeStore, type EdgeStoreColumns } from './edge-store.ts'
import { clearingLabel } from '../events/label-kinds.ts'
import { EventEntities, type GraphEvent, entitiesOf, isWithdrawal, labelOf, subjectOf } from './graph-event.ts'
import { ensureCapacity, prefix } from './growable.ts'
import { defaultLabelledKinds, NodeLabels, type NodeLabelsColumns } from './node-labels.ts'
import { kindIndexOf, NodeTable, type NodeTableColumns, userKind } from './node-table.ts'
import { UnionFind, type UnionFindColumns } from './union-find.ts'

/** The whole graph's columns: what a snapshot holds and a restore takes. */
export interface LinkGraphColumns {
  nodes: NodeTableColumns
  edges: EdgeStoreColumns
  /** Absent in a snapshot file: it follows from the edges in their order (`Adjacency.fromEdges`). */
  adjacency?: AdjacencyColumns
  components: UnionFindColumns
  labels: NodeLabelsColumns
  userDegree: Int32Array
  events: number
  newestMs: number
}

const noSeeds: readonly number[] = Object.freeze([])

/**
 * The link graph (关系图谱): entities as nodes, co-occurrence in events as
 * edges with first and last time and a count, kept as events arrive.
 *
 * - nodes: `NodeTable` (interned (kind, key) → number);
 * - edges: `EdgeStore` (ends, times, counts, and a hash index of pairs);
 * - adjacency: `Adjacency` (each node's [neighbour, edge] pairs, in blocks);
 * - components over all time: `UnionFind`;
 * - labels: `NodeLabels`; and per node the number of users it links to.
 *
 * An event joins its user with each of its other entities; a `label` event
 * makes no edge but labels the nodes it names (its keys include the
 * labelled event's) of the labelled kinds — the person and what they own:
 * user, id number, phone, device, bank card by default — or, withdrawn,
 * takes its label off again. Nothing else is ever removed: windows are
 * applied when the graph is read.
 */
export class LinkGraph {
  nodes = new NodeTable()
  edges = new EdgeStore()
  adjacency = new Adjacency()
  components = new UnionFind()
  labels: NodeLabels
  /** Distinct users each node is linked to (a user's own count is of other users it met in user-less events). */
  userDegree = new Int32Array(1024)
  events = 0
  newestMs = Number.NEGATIVE_INFINITY
  private readonly entities = new EventEntities()
  /** The nodes of the event added last, in the order of its entities (anchors first). */
  readonly lastNodes: number[] = []
  /** The pairs an event links, [lower, upper] each, for `prefetchLinks`. */
  private pairs = new Int32Array(64)
  /** A sum of what `prefetchLinks` read: no meaning, kept so that the compiler does not drop the reads. */
  readAhead = 0
  /** The node kinds (indexes) a label marks, a bit each. */
  private readonly labelledKinds: number
  /** The nodes a label marks, then the seeds it pushes (reused). */
  private readonly marked: number[] = []
  private readonly seeds: number[] = []
  /** The risk mass `add` gave each seed it returned: 1/seeds for a risk label, −1/seeds for its withdrawal. */
  seedMass = 0

  constructor(
    readonly riskLabels?: readonly string[],
    readonly labelledKindNames: readonly string[] = defaultLabelledKinds,
  ) {
    this.labels = new NodeLabels(riskLabels)
    this.labelledKinds = labelledKindNames.reduce((bits, kind) => bits | (1 << kindIndexOf(kind)), 0)
  }

  /**
   * Adds one event: nodes, edges, components; or, for a label, the labels.
   * Returns the nodes a risk label was given to or withdrawn from, each
   * with `seedMass`: the seeds of risk propagation, its users (or, when it
   * marked no user, every node it marked); none for other events, and for a
   * label that repeats one standing on the same subject.
   */
  add(event: GraphEvent): readonly number[] {
    const atMs = event.occurredAtMs
    const entities = entitiesOf(event, this.entities)
    const sighting = event.type !== 'label'
    const nodes = this.lastNodes
    const count = entities.length
    nodes.length = count
    this.nodes.internAll(entities.kinds, entities.keys, count, atMs, sighting, nodes)
    for (let i = 0; i < count; i++) this.ensureNode(nodes[i]!)
    this.events++
    if (atMs > this.newestMs) this.newestMs = atMs
    if (!sighting) return this.label(event, nodes, atMs)
    this.prefetchLinks(nodes, entities.anchors)
    for (let a = 0; a < entities.anchors; a++) {
      const anchor = nodes[a]!
      for (let i = a + 1; i < count; i++) this.link(anchor, nodes[i]!, atMs)
    }
    return noSeeds
  }

  /**
   * Reads ahead what linking an event's nodes will read, stage by stage
   * (the pairs' edge slots and edges, then each node's adjacency row, component parent
   * and user count, then where its next neighbour goes), so that the
   * misses of one stage overlap instead of following one another. At
   * millions of edges these are reads from main memory; changes nothing.
   */
  private prefetchLinks(nodes: readonly number[], anchors: number): void {
    const count = nodes.length
    if (2 * anchors * count > this.pairs.length) this.pairs = new Int32Array(4 * anchors * count)
    const pairs = this.pairs
    let m = 0
    for (let a = 0; a < anchors; a++) {
      for (let i = a + 1; i < count; i++) {
        const x = nodes[a]!
        const y = nodes[i]!
        if (x === y) continue
        pairs[2 * m] = Math.min(x, y)
        pairs[2 * m + 1] = Math.max(x, y)
        m++
      }
    }
    this.edges.prefetch(pairs, m)
    const { start, length } = this.adjacency
    const { parent } = this.components
    const { userDegree } = this
    let touched = 0
    for (let i = 0; i < count; i++) {
      const node = nodes[i]!
      touched += start[node]! + length[node]! + parent[node]! + userDegree[node]!
    }
    const pool = this.adjacency.pool
    for (let i = 0; i < count; i++) {
      const at = start[nodes[i]!]! + 2 * length[nodes[i]!]!
      if (at >= 0 && at < pool.length) touched += pool[at]!
    }
    this.readAhead = touched
  }

  /** Makes room for `node` in the per-node columns beside the node table. */
  private ensureNode(node: number): void {
    if (node >= this.userDegree.length) this.userDegree = ensureCapacity(this.userDegree, node + 1)
    this.adjacency.ensureNode(node)
    this.components.ensureNode(node)
    this.labels.ensureNode(node)
  }

  /** The node of a kind (index) and key, made when new. */
  internNode(kind: number, key: string, atMs: number, sighting = true): number {
    const node = this.nodes.intern(kind, key, atMs, sighting)
    this.ensureNode(node)
    return node
  }

  /** Records a meeting of `a` and `b` at `atMs`. */
  link(a: number, b: number, atMs: number): void {
    if (a === b) return
    const met = this.edges.meet(a, b, atMs)
    if (met >= 0) return
    const edge = ~met
    // lower node first, as the edge stores its ends: a rebuild from the edges lays the blocks out the same way
    const lower = Math.min(a, b)
    const upper = Math.max(a, b)
    this.adjacency.add(lower, upper, edge)
    this.adjacency.add(upper, lower, edge)
    this.components.union(a, b)
    if (this.nodes.kinds[b] === userKind) this.userDegree[a]!++
    if (this.nodes.kinds[a] === userKind) this.userDegree[b]!++
  }

  /**
   * A label event: gives its label to the nodes of the labelled kinds, or
   * withdraws it from those it marked; a clearance (`legitimate`) also
   * withdraws the `fraud` label standing on the same subject. Its subject
   * is the event it names; one that names none (the engine's always do) is
   * about its first node.
   */
  private label(event: GraphEvent, nodes: readonly number[], atMs: number): readonly number[] {
    const label = labelOf(event)
    if (label === undefined || nodes.length === 0) return noSeeds
    const subject = subjectOf(event) ?? `#${nodes[0]}`
    const labels = this.labels
    let withdrawn = isWithdrawal(event) ? label : undefined
    let given = -1
    if (withdrawn === undefined) {
      const marked = this.marked
      marked.length = 0
      for (const node of nodes) if ((this.labelledKinds >>> this.nodes.kinds[node]!) & 1) marked.push(node)
      given = labels.give(subject, label, marked, atMs)
      // a clearance withdraws the fraud label standing on its event: the latest word about an event decides, as in training
      if (label === clearingLabel) withdrawn = 'fraud'
    }
    if (withdrawn !== undefined) given = labels.withdraw(subject, withdrawn)
    const withdrawal = withdrawn !== undefined
    if (given < 0 || !labels.isRisk(withdrawn ?? label)) return noSeeds
    // the seeds: the users it marked, or without one every node it marked (the same for the label and its withdrawal)
    const seeds = this.seeds
    seeds.length = 0
    const [from, to] = labels.marksOf(given)
    for (let mark = from; mark < to; mark++) if (this.nodes.kinds[labels.markNode(mark)] === userKind) seeds.push(labels.markNode(mark))
    if (seeds.length === 0) for (let mark = from; mark < to; mark++) seeds.push(labels.markNode(mark))
    if (seeds.length === 0) return noSeeds
    this.seedMass = (withdrawal ? -1 : 1) / seeds.length
    return seeds
  }

  degree(node: number): number {
    return this.adjacency.degree(node)
  }

  /** Bytes of the typed arrays (capacity) behind edges, adjacency and nodes (their keys included). */
  bytes(): { edges: number; adjacency: number; nodes: number } {
    const { components: c } = this
    const labels = this.labels.bytes()
    const perNode = c.parent.byteLength + c.size.byteLength + labels.nodes + labels.given + this.userDegree.byteLength
    return { edges: this.edges.bytes(), adjacency: this.adjacency.bytes(), nodes: this.nodes.bytes() + perNode }
  }

  /** Bytes of those arrays in use: up to the counts, the hash tables at their smallest (twice the entries). */
  usedBytes(): { edges: number; adjacency: number; nodes: number } {
    // union-find 8 B, labels 18 B, user degree 4 B a node; 25 B a label given, 12 B a node it marked
    const given = this.labels.givenCount
    const perNode = this.nodes.count * (8 + 18 + 4) + 25 * given.labels + 12 * given.marks
    return { edges: this.edges.usedBytes(), adjacency: this.adjacency.usedBytes(), nodes: this.nodes.usedBytes() + perNode }
  }

  /** The columns, copied or (`copy` false) as views; without the adjacency when `withAdjacency` is false (a snapshot file rebuilds it). */
  toColumns(copy = true, withAdjacency = true): LinkGraphColumns {
    return {
      nodes: this.nodes.toColumns(copy),
      edges: this.edges.toColumns(copy),
      ...(withAdjacency ? { adjacency: this.adjacency.toColumns(copy) } : {}),
      components: this.components.toColumns(copy),
      labels: this.labels.toColumns(copy),
      userDegree: prefix(this.userDegree, this.nodes.count, copy),
      events: this.events,
      newestMs: this.newestMs,
    }
  }

  static fromColumns(columns: LinkGraphColumns, riskLabels?: readonly string[], labelledKinds?: readonly string[]): LinkGraph {
    const graph = new LinkGraph(riskLabels, labelledKinds)
    graph.nodes = NodeTable.fromColumns(columns.nodes)
    graph.edges = EdgeStore.fromColumns(columns.edges)
    graph.adjacency = columns.adjacency ? Adjacency.fromColumns(columns.adjacency) : Adjacency.fromEdges(columns.nodes.count, columns.edges.ends, columns.edges.count)
    graph.components = UnionFind.fromColumns(columns.components)
    graph.labels = NodeLabels.fromColumns(columns.labels, riskLabels)
    graph.userDegree = ensureCapacity(graph.userDegree, columns.nodes.count)
    graph.userDegree.set(columns.userDegree)
    graph.events = columns.events
    graph.newestMs = columns.newestMs
    return graph
  }
}
