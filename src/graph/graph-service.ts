import type { FeatureDefinition } from '../features/feature-definition.ts'
import { CommunityCache, computeRings } from './communities.ts'
import { describeNode, type ExploreNode, type ExploreQuery, type ExploreResult, explore, subgraph } from './explore.ts'
import { EventEntities, type GraphEvent } from './graph-event.ts'
import { type GraphFeatureValues, GraphMeasurePlan, type MeasureScratch, measureEvent } from './graph-measures.ts'
import { type GraphOptions, type GraphOptionsInput, graphOptions } from './graph-options.ts'
import { GraphChanges, type GraphChangesColumns } from './graph-changes.ts'
import { LinkGraph, type LinkGraphColumns } from './link-graph.ts'
import { NeighbourhoodSearch } from './neighbourhood.ts'
import { type HourContext, PendingHour, type PropagationComputation } from './pending-hour.ts'
import { type PropagationColumns, RiskPropagation } from './propagation.ts'
import type { LaterSeeds } from './propagation-restart.ts'
import { type RingComputation, ringGraphId, ringWorker } from './ring-worker.ts'
import { continueRings } from './ring-continuity.ts'
import { type RingIndex, emptyRingIndex } from './rings.ts'
import { standardGraphFeatures } from './standard-graph-features.ts'

/** Everything the graph holds, structured-clone safe (node:v8 serialize), for a snapshot file. */
export interface GraphSnapshot {
  /**
   * 6: what is pending from the last scheduled hour is the changes since
   * its capture (a worker keeps a copy of the graph); 5: the labels given
   * are kept with the nodes each marked (repeats and withdrawals), the
   * label mask is 16 bits; 4: rings keep their ids across computations; 3:
   * the propagation's restart, like the rings, applies an hour after its
   * capture (2 restarted it at once, 1 also applied rings at once). An older
   * snapshot is not used: the log is replayed.
   */
  format: 'xiezhi-graph-6'
  options: GraphOptions
  graph: LinkGraphColumns
  propagation: PropagationColumns
  /** The rings in use (and the next ring id: the next computation's rings continue them). */
  rings: RingIndex
  /**
   * The last scheduled hour's capture, whose rings and restart apply at the
   * next (null: none): its time, the graph as it stood then (as the changes
   * since: `GraphChanges`), and the labels pushed since.
   */
  pending: { atMs: number; changes: GraphChangesColumns; laterSeeds: LaterSeeds } | null
  /** The event time at which the scheduled recomputation is next due (`rings.everyMs`). */
  nextRecomputeMs: number
}

/** Graphs let go: the ring worker lets go of its copy of them. */
const mirrored = new FinalizationRegistry<number>((graphId) => ringWorker.forget(graphId))

/** How a graph runs, apart from what it computes (not in a snapshot: the same values either way). */
export interface GraphRuntime {
  /** Scheduled computations — the rings, the propagation's restart — on the ring worker (true), or on the graph's thread when they are taken (false). */
  ringsOffThread?: boolean
}

/**
 * The relationship graph behind decisions (关系图谱): the link graph, risk
 * propagated from labelled nodes, and rings. Single-threaded like the
 * feature engine; the decision path calls `observe` (read, then add), so a
 * decision sees the graph as it stood before its event. Only the hourly
 * work runs elsewhere, on the ring worker (`ring-worker.ts`), from inputs
 * captured at one hour and applied at the next: the rings' Louvain, and
 * the propagated risk's restart from every label
 * (`pending-hour.ts`).
 */
export class GraphService {
  readonly options: GraphOptions
  graph: LinkGraph
  propagation: RiskPropagation
  rings: RingIndex = emptyRingIndex()
  /** The last computation's communities per component on this thread, reused where a component has not changed (not in a snapshot: a start recomputes them, to the same result). The ring worker keeps its own. */
  readonly communityCache = new CommunityCache()
  /** The rings and the propagation's restart captured at the last scheduled hour, being computed; applied at the next. */
  private pending: PendingHour | undefined
  /** What changed in the graph since the last scheduled capture: what the next sends the ring worker. */
  private changes: GraphChanges
  /** The restart applied last: where it ran, what the decision thread waited. */
  lastPropagation: PropagationComputation | undefined
  /** The scheduled computation applied last: where it ran, what the decision thread waited. */
  lastComputation: RingComputation | undefined
  /** What the last scheduled capture took on this thread, in ms: what changed since the one before, copied and sent to the ring worker. */
  lastCaptureMs = 0
  /** What applying the last scheduled hour's restart took on this thread, in ms (labels since pushed again included; waiting for the worker not). */
  lastApplyMs = 0
  /** What the last scheduled capture sent the ring worker: edges and nodes made, and earlier ones changed, since the one before (everything when `reset`). */
  lastDelta: { reset: boolean; edges: number; changedEdges: number; nodes: number; changedNodes: number } | undefined
  private readonly graphId = ringGraphId()
  private readonly ringsOffThread: boolean
  private nextRecomputeMs = Number.NaN
  /** The declared graph features, planned: which searches, which counts. */
  readonly plan: GraphMeasurePlan
  private readonly scratch: MeasureScratch = { entities: new EventEntities(), seeds: [], seedHops: [], search: new NeighbourhoodSearch() }
  private readonly exploreSearch = new NeighbourhoodSearch()
  /** Told of each scheduled recomputation, after it (the review desk opens cases for rings that cross its threshold). */
  onRecomputed: ((rings: RingIndex) => void) | undefined

  /**
   * `measures`: the graph features (`kind: graph`) a decision reads, as the
   * feature library declares them (other kinds are ignored); the standard
   * ones when not given. Not in a snapshot: the measures only read the
   * graph, so a restored graph measures whatever is declared now.
   */
  constructor(options: GraphOptionsInput | GraphOptions = {}, runtime: GraphRuntime = {}, measures: readonly FeatureDefinition[] = standardGraphFeatures) {
    this.options = graphOptions(options)
    this.ringsOffThread = runtime.ringsOffThread ?? true
    this.graph = new LinkGraph(this.options.riskLabels, this.options.labelledKinds)
    this.propagation = new RiskPropagation(this.options.propagation.alpha, this.options.propagation.epsilon)
    this.changes = new GraphChanges(this.graph, this.propagation)
    if (this.ringsOffThread) mirrored.register(this, this.graphId)
    this.plan = new GraphMeasurePlan(measures, this.options.riskLabels)
  }

  /** The declared graph features' names, in declaration order: what `measure` gives. */
  get measureNames(): readonly string[] {
    return this.plan.names
  }

  /** The event's graph measures as the graph stands, then the event added: what a decision calls. With no graph features declared, only the add. */
  observe(event: GraphEvent): GraphFeatureValues {
    const values = this.plan.empty ? noValues : this.measure(event)
    this.add(event)
    return values
  }

  /** The event's graph measures at `atMs` (its own time by default), changing nothing: dry runs, backfills, explanations. */
  measure(event: GraphEvent, atMs = event.occurredAtMs): GraphFeatureValues {
    if (this.plan.empty) return {}
    return measureEvent(this.graph, event, atMs, this.options.measure, this.scratch, this.rings, this.propagation, this.plan)
  }

  /** Adds an event: its edges, or, for a risk label, the labels and a push of risk from the labelled users (of negative mass for its withdrawal). */
  add(event: GraphEvent): void {
    const every = this.options.rings.everyMs
    if (every > 0) {
      const atMs = event.occurredAtMs
      if (Number.isNaN(this.nextRecomputeMs)) this.nextRecomputeMs = (Math.floor(atMs / every) + 1) * every
      else if (atMs >= this.nextRecomputeMs) {
        this.recomputeOnSchedule()
        this.nextRecomputeMs = (Math.floor(atMs / every) + 1) * every
      }
    }
    const riskSeeds = this.graph.add(event)
    for (const node of riskSeeds) {
      const mass = this.graph.seedMass
      this.propagation.addSeed(this.graph, node, mass)
      this.pending?.noteSeed(node, mass)
    }
  }

  /**
   * The scheduled hour: what was captured at the last hour is applied
   * (taken from the worker, waited for only if it has not finished — live,
   * it has had an hour): the restart with the labels since pushed again on
   * it, and the rings; then the graph as it is now is captured for the
   * next hour's rings and the propagated risk's restart from every label —
   * what changed since the last capture sent to the ring worker, which
   * keeps a copy of the graph (`GraphChanges`, `GraphMirror`). So both lag
   * one hour of event time, and a replay, a backtest and a restart apply
   * the same rings and propagated risk at the same events as the live run
   * (docs/graph.md, "Rings", "Risk propagation", "The hourly work").
   */
  private recomputeOnSchedule(): void {
    const due = this.pending
    if (due) {
      // taken before the capture: a computation on this thread reads the graph as it stood at its own
      due.takeRings()
      const started = performance.now()
      this.lastPropagation = due.applyTo(this.propagation, this.graph)
      this.lastApplyMs = performance.now() - started
      if (due.unmirrored) this.changes.mirroredIn = undefined
    }
    const started = performance.now()
    this.pending = this.capture(this.graph.newestMs)
    this.lastCaptureMs = performance.now() - started
    if (!due) return
    this.lastComputation = due.takeRings()
    // the ids of the rings they continue: linear in the rings' users (ring-continuity.ts)
    this.rings = continueRings(this.rings, this.lastComputation.rings)
    this.onRecomputed?.(this.rings)
  }

  /** A scheduled capture at `atMs`: what changed since the last one sent to the ring worker, or, with no worker, kept for this thread to compute from when taken. */
  private capture(atMs: number): PendingHour {
    const generation = this.ringsOffThread ? ringWorker.generation() : undefined
    const reset = this.changes.mirroredIn !== generation
    const delta = generation === undefined ? undefined : this.changes.delta(reset)
    if (delta) {
      const edges = delta.edgeCount - delta.fromEdge
      const nodes = delta.nodeCount - delta.fromNode
      this.lastDelta = { reset, edges, changedEdges: delta.changedEdges.length, nodes, changedNodes: delta.changedNodes.length }
    }
    this.changes.capture()
    const pending = new PendingHour(atMs, this.graph.nodes.count, this.hourContext(), delta)
    this.changes.mirroredIn = pending.offThread ? generation : undefined
    return pending
  }

  private hourContext(): HourContext {
    const { options } = this
    const { alpha, epsilon } = options.propagation
    const captured = () => this.changes.capturedMirror()
    return { graphId: this.graphId, options: options.rings, growthWindowMs: options.measure.growthWindowMs, alpha, epsilon, cache: this.communityCache, captured }
  }

  /** The rings and restart being computed for the next scheduled hour, if any: whether they are in, what they were captured at. */
  get pendingHour(): PendingHour | undefined {
    return this.pending
  }

  /**
   * Recomputes the rings (Louvain over the window ending at `atMs`, by
   * default the newest event's time) and the propagated risk from every
   * label, on this thread and at once: on demand (an evaluation, a test).
   * Only the components that changed since the last computation run
   * Louvain (docs/graph.md). Rings and restarts scheduled by
   * `rings.everyMs` are not computed here but on the ring worker (one
   * pending from the last scheduled hour still applies at the next).
   */
  recompute(atMs = this.graph.newestMs): RingIndex {
    this.rings = computeRings(this.graph, atMs, this.options.rings, this.options.measure.growthWindowMs, this.communityCache, this.rings)
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

  /** The members of some rings of the current index (by id), by kind, as blind indexes (what a ring case keeps): one pass over the nodes. */
  ringMembers(ringIds: ReadonlySet<number>): Map<number, Record<string, string[]>> {
    const members = new Map<number, Record<string, string[]>>()
    const { ringOf, rings } = this.rings
    const wanted = new Uint8Array(rings.length)
    rings.forEach((ring, position) => {
      if (ringIds.has(ring.id)) wanted[position] = 1
    })
    for (let node = 0; node < ringOf.length; node++) {
      const position = ringOf[node]!
      if (position < 0 || !wanted[position]) continue
      const id = rings[position]!.id
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
    const pending = this.pending
    return {
      format: 'xiezhi-graph-6',
      options: this.options,
      graph: this.graph.toColumns(copy, withAdjacency),
      propagation: this.propagation.toColumns(copy),
      rings: this.rings,
      pending: pending ? { atMs: pending.atMs, changes: this.changes.toColumns(copy), laterSeeds: pending.laterSeeds } : null,
      nextRecomputeMs: this.nextRecomputeMs,
    }
  }

  /** The graph a snapshot holds, measuring `measures` (whatever they were when it was taken), the rings and restart it was computing started again (from the same inputs, to the same results). */
  static restore(snapshot: GraphSnapshot, runtime: GraphRuntime = {}, measures: readonly FeatureDefinition[] = standardGraphFeatures): GraphService {
    if (snapshot.format !== 'xiezhi-graph-6') throw new Error(`not a graph snapshot of this version: ${String(snapshot.format)}`)
    const service = new GraphService(snapshot.options, runtime, measures)
    service.graph = LinkGraph.fromColumns(snapshot.graph, service.options.riskLabels, service.options.labelledKinds)
    service.propagation = RiskPropagation.fromColumns(snapshot.propagation, service.options.propagation.alpha, service.options.propagation.epsilon)
    service.rings = snapshot.rings
    service.nextRecomputeMs = snapshot.nextRecomputeMs
    service.changes = new GraphChanges(service.graph, service.propagation)
    const pending = snapshot.pending
    if (pending) {
      service.changes.restore(pending.changes)
      // the worker holds nothing of this graph: it is sent the graph as it stood at the capture, once
      const generation = service.ringsOffThread ? ringWorker.generation() : undefined
      const delta = generation === undefined ? undefined : service.changes.capturedDelta()
      service.pending = new PendingHour(pending.atMs, pending.changes.nodeCount, service.hourContext(), delta, pending.laterSeeds)
      service.changes.mirroredIn = service.pending.offThread ? generation : undefined
    }
    return service
  }
}

/** What a graph with no graph features declared gives a decision. */
const noValues: GraphFeatureValues = Object.freeze({}) as GraphFeatureValues
