import { CommunityCache, computeRings } from './communities.ts'
import { describeNode, type ExploreNode, type ExploreQuery, type ExploreResult, explore, subgraph } from './explore.ts'
import { EventEntities, type GraphEvent } from './graph-event.ts'
import { type GraphFeatureValues, type MeasureScratch, measureEvent } from './graph-measures.ts'
import { type GraphOptions, type GraphOptionsInput, graphOptions } from './graph-options.ts'
import { LinkGraph, type LinkGraphColumns } from './link-graph.ts'
import { NeighbourhoodSearch } from './neighbourhood.ts'
import { type PropagationColumns, RiskPropagation } from './propagation.ts'
import { type RingIndex, emptyRingIndex } from './rings.ts'

/** Everything the graph holds, structured-clone safe (node:v8 serialize), for a snapshot file. */
export interface GraphSnapshot {
  format: 'xiezhi-graph-1'
  options: GraphOptions
  graph: LinkGraphColumns
  propagation: PropagationColumns
  rings: RingIndex
  /** The event time at which the scheduled recomputation is next due (`rings.everyMs`). */
  nextRecomputeMs: number
}

/**
 * The relationship graph behind decisions (关系图谱): the link graph, risk
 * propagated from labelled nodes, and rings. Single-threaded like the
 * feature engine; the decision path calls `observe` (read, then add), so a
 * decision sees the graph as it stood before its event.
 */
export class GraphService {
  readonly options: GraphOptions
  graph: LinkGraph
  propagation: RiskPropagation
  rings: RingIndex = emptyRingIndex()
  /** The last computation's communities per component, reused where a component has not changed (not in a snapshot: a start recomputes them, to the same result). */
  readonly communityCache = new CommunityCache()
  private nextRecomputeMs = Number.NaN
  private readonly scratch: MeasureScratch = { entities: new EventEntities(), seeds: [], seedHops: [], search: new NeighbourhoodSearch() }
  private readonly exploreSearch = new NeighbourhoodSearch()
  /** Told of each scheduled recomputation, after it (the review desk opens cases for rings that cross its threshold). */
  onRecomputed: ((rings: RingIndex) => void) | undefined

  constructor(options: GraphOptionsInput | GraphOptions = {}) {
    this.options = graphOptions(options)
    this.graph = new LinkGraph(this.options.riskLabels)
    this.propagation = new RiskPropagation(this.options.propagation.alpha, this.options.propagation.epsilon)
  }

  /** The event's graph measures as the graph stands, then the event added: what a decision calls. */
  observe(event: GraphEvent): GraphFeatureValues {
    const values = this.measure(event)
    this.add(event)
    return values
  }

  /** The event's graph measures at `atMs` (its own time by default), changing nothing: dry runs, backfills, explanations. */
  measure(event: GraphEvent, atMs = event.occurredAtMs): GraphFeatureValues {
    return measureEvent(this.graph, event, atMs, this.options.measure, this.scratch, this.rings, this.propagation)
  }

  /** Adds an event: its edges, or, for a risk label, the labels and a push of risk from the labelled users. */
  add(event: GraphEvent): void {
    const every = this.options.rings.everyMs
    if (every > 0) {
      const atMs = event.occurredAtMs
      if (Number.isNaN(this.nextRecomputeMs)) this.nextRecomputeMs = (Math.floor(atMs / every) + 1) * every
      else if (atMs >= this.nextRecomputeMs) {
        // computed first: an optional call skips evaluating its argument when there is no hook
        const rings = this.recompute(this.graph.newestMs)
        this.onRecomputed?.(rings)
        this.nextRecomputeMs = (Math.floor(atMs / every) + 1) * every
      }
    }
    const riskSeeds = this.graph.add(event)
    for (const node of riskSeeds) this.propagation.addSeed(this.graph, node, 1 / riskSeeds.length)
  }

  /**
   * Recomputes the rings (Louvain over the window ending at `atMs`, by
   * default the newest event's time) and the propagated risk from every
   * label on the graph as it is now. Run on a schedule or on demand; only
   * the components that changed since the last computation run Louvain
   * (docs/graph.md).
   */
  recompute(atMs = this.graph.newestMs): RingIndex {
    this.rings = computeRings(this.graph, atMs, this.options.rings, this.options.measure.growthWindowMs, this.communityCache)
    this.propagation.recompute(this.graph)
    return this.rings
  }

  /** A k-hop neighbourhood for the investigator (`explore.ts`); throws `invalid_input` or `not_found`. */
  explore(query: ExploreQuery): ExploreResult {
    return explore(this.graph, this.rings, this.propagation, query, this.exploreSearch)
  }

  /** One node as `explore` shows it. */
  describe(node: number): ExploreNode {
    return describeNode(this.graph, this.rings, this.propagation, node, 0)
  }

  /** The nodes a set of entities (kind → blind indexes) spans, and the edges between them: a ring case's subgraph. */
  subgraph(keys: Partial<Record<string, readonly string[]>>, caps = { maxNodes: 500, maxEdges: 5_000 }): ExploreResult {
    return subgraph(this.graph, this.rings, this.propagation, keys, caps)
  }

  /** The members of some rings of the current index, by kind, as blind indexes (what a ring case keeps): one pass over the nodes. */
  ringMembers(ringIds: ReadonlySet<number>): Map<number, Record<string, string[]>> {
    const members = new Map<number, Record<string, string[]>>()
    const { ringOf } = this.rings
    for (let node = 0; node < ringOf.length; node++) {
      const id = ringOf[node]!
      if (!ringIds.has(id)) continue
      const ring = members.get(id) ?? {}
      members.set(id, ring)
      const kind = this.graph.nodes.kind(node)
      const keys = ring[kind] ?? []
      ring[kind] = keys
      keys.push(this.graph.nodes.key(node))
    }
    return members
  }

  /**
   * Everything the graph holds, copied; with `copy` false, views over the
   * graph's own arrays instead — no memory or time spent copying, but valid
   * only until the graph next changes (for writing it out at once, as the
   * snapshot file does). Without the adjacency when `withAdjacency` is
   * false: the snapshot file leaves it out, a restore rebuilds it.
   */
  snapshot(copy = true, withAdjacency = true): GraphSnapshot {
    return { format: 'xiezhi-graph-1', options: this.options, graph: this.graph.toColumns(copy, withAdjacency), propagation: this.propagation.toColumns(copy), rings: this.rings, nextRecomputeMs: this.nextRecomputeMs }
  }

  static restore(snapshot: GraphSnapshot): GraphService {
    if (snapshot.format !== 'xiezhi-graph-1') throw new Error(`not a graph snapshot: ${String(snapshot.format)}`)
    const service = new GraphService(snapshot.options)
    service.graph = LinkGraph.fromColumns(snapshot.graph, service.options.riskLabels)
    service.propagation = RiskPropagation.fromColumns(snapshot.propagation, service.options.propagation.alpha, service.options.propagation.epsilon)
    service.rings = snapshot.rings
    service.nextRecomputeMs = snapshot.nextRecomputeMs
    return service
  }

  /**
   * The graph from a history of events in the order they were decided —
   * `decisionLogHistory(store, vault, 0)` gives the decision log's, with
   * labels already carrying their subject's keys — identical to the graph
   * the decisions built online. Rings are then computed once at the newest
   * event's time.
   */
  static async rebuild(history: AsyncIterable<{ observed: GraphEvent }> | Iterable<{ observed: GraphEvent }>, options: GraphOptionsInput = {}, computeRingsAtEnd = true): Promise<GraphService> {
    const service = new GraphService(options)
    for await (const { observed } of history) service.add(observed)
    if (computeRingsAtEnd && service.graph.events > 0) service.recompute()
    return service
  }
}
