import type { RingOptions } from './graph-options.ts'
import type { LinkGraph } from './link-graph.ts'
import { kindIndex, userKind } from './node-table.ts'

/**
 * What a ring computation reads, captured from the graph at one moment:
 * plain typed arrays and numbers (structured-clone safe, so it can go to a
 * worker thread or into a snapshot file) that no later event changes. The
 * rings are a function of it alone (`ringsOf` in communities.ts), wherever
 * and whenever they are computed.
 *
 * Nodes keep the graph's numbers, so the rings' `ringOf` and a component's
 * edge ids mean the same as on the graph.
 */
export interface RingInput {
  /** The end of the window (the computation's time), its start, and the start of the growth window. */
  atMs: number
  fromMs: number
  growthFromMs: number
  options: RingOptions
  /** Nodes on the graph at the capture: the length of the rings' `ringOf`. */
  nodeCount: number
  /** Whether `options.maxEdges` left window edges out. */
  truncated: boolean
  /** The selected edges, newest first: their ids on the graph (what a reused partition is recognised by), ends (2 per edge) and weights (events the pair met in). */
  edges: Int32Array
  ends: Int32Array
  weights: Int32Array
  /** Every node the selected edges touch, with its kind, first sighting and whether it carries a risk label. */
  nodes: Int32Array
  kinds: Uint8Array
  firstSeenMs: Float64Array
  risky: Uint8Array
  /**
   * Window edges between touched nodes that the cap left out, as (entity,
   * user) pairs where the entity is neither a user nor an IP: a ring's
   * cohesion counts them beside the selected ones (empty when nothing was
   * left out).
   */
  cohesionPairs: Int32Array
}

const ipKind = kindIndex('ip')

/**
 * The columns a ring input is captured from: the graph's own, or a copy of
 * them as they stood at a scheduled hour (`GraphMirror`, kept by the ring
 * worker). `risky` is nonzero for a node carrying a risk label.
 */
export interface RingSource {
  edgeCount: number
  ends: Int32Array
  firstSeenMs: Float64Array
  lastSeenMs: Float64Array
  counts: ArrayLike<number>
  nodeCount: number
  kinds: Uint8Array
  nodeFirstSeenMs: Float64Array
  risky: ArrayLike<number>
}

/** The graph's own columns as a ring source (views, valid until it next changes). */
export function ringSourceOf(graph: LinkGraph): RingSource {
  const { edges, nodes, labels } = graph
  return {
    edgeCount: edges.count,
    ends: edges.ends,
    firstSeenMs: edges.firstSeenMs,
    lastSeenMs: edges.lastSeenMs,
    counts: edges.counts,
    nodeCount: nodes.count,
    kinds: nodes.kinds,
    nodeFirstSeenMs: nodes.firstSeenMs,
    risky: labels.riskLabels,
  }
}

/**
 * The input of the rings at `atMs`: edges in the window whose ends are not
 * hubs (more than `hubDegree` neighbours in the window) nor private leaves
 * (a non-user with one neighbour), at most `maxEdges` of them, newest
 * first (docs/graph.md, "Rings"). Passes over the edges, no graph walk.
 */
export function captureRingInput(graph: LinkGraph, atMs: number, options: RingOptions, growthWindowMs: number): RingInput {
  return captureRingInputFrom(ringSourceOf(graph), atMs, options, growthWindowMs)
}

/** `captureRingInput` from a graph's columns, or a copy of them (what the ring worker captures from at a scheduled hour). */
export function captureRingInputFrom(source: RingSource, atMs: number, options: RingOptions, growthWindowMs: number): RingInput {
  const fromMs = atMs - options.windowMs
  const { ends, lastSeenMs, firstSeenMs, nodeCount, edgeCount } = source
  const windowDegree = new Int32Array(nodeCount)
  for (let edge = 0; edge < edgeCount; edge++) {
    if (lastSeenMs[edge]! < fromMs || firstSeenMs[edge]! > atMs) continue
    windowDegree[ends[2 * edge]!]!++
    windowDegree[ends[2 * edge + 1]!]!++
  }
  const kinds = source.kinds
  const keep = (node: number) => windowDegree[node]! <= options.hubDegree && (windowDegree[node]! >= 2 || kinds[node] === userKind)
  const capacity = Math.min(options.maxEdges, edgeCount)
  const selected = new Int32Array(capacity)
  const selectedEnds = new Int32Array(2 * capacity)
  const weights = new Int32Array(capacity)
  // windowDegree is done with: it marks the touched nodes from here on (-1)
  const touched = windowDegree
  const touchedNodes: number[] = []
  let taken = 0
  let edge = edgeCount - 1
  let truncated = false
  for (; edge >= 0; edge--) {
    if (lastSeenMs[edge]! < fromMs || firstSeenMs[edge]! > atMs) continue
    const a = ends[2 * edge]!
    const b = ends[2 * edge + 1]!
    if ((touched[a]! >= 0 && !keep(a)) || (touched[b]! >= 0 && !keep(b))) continue
    if (taken === options.maxEdges) {
      truncated = true
      break
    }
    selected[taken] = edge
    selectedEnds[2 * taken] = a
    selectedEnds[2 * taken + 1] = b
    weights[taken++] = source.counts[edge]!
    if (touched[a]! >= 0) {
      touched[a] = -1
      touchedNodes.push(a)
    }
    if (touched[b]! >= 0) {
      touched[b] = -1
      touchedNodes.push(b)
    }
  }
  // the window edges the cap cut that a ring's cohesion reads: between two touched nodes, an entity (not an IP) and a user
  const pairs: number[] = []
  if (truncated) {
    for (; edge >= 0; edge--) {
      const a = ends[2 * edge]!
      const b = ends[2 * edge + 1]!
      if (touched[a]! >= 0 || touched[b]! >= 0) continue
      if (lastSeenMs[edge]! < fromMs || firstSeenMs[edge]! > atMs) continue
      const kindA = kinds[a]!
      const kindB = kinds[b]!
      if (kindB === userKind && kindA !== userKind && kindA !== ipKind) pairs.push(a, b)
      else if (kindA === userKind && kindB !== userKind && kindB !== ipKind) pairs.push(b, a)
    }
  }
  const nodeList = Int32Array.from(touchedNodes)
  const nodeKinds = new Uint8Array(nodeList.length)
  const nodeFirstSeenMs = new Float64Array(nodeList.length)
  const risky = new Uint8Array(nodeList.length)
  const { nodeFirstSeenMs: firstSightings, risky: riskLabels } = source
  for (let i = 0; i < nodeList.length; i++) {
    const node = nodeList[i]!
    nodeKinds[i] = kinds[node]!
    nodeFirstSeenMs[i] = firstSightings[node]!
    risky[i] = riskLabels[node]! > 0 ? 1 : 0
  }
  return {
    atMs,
    fromMs,
    growthFromMs: atMs - growthWindowMs,
    options,
    nodeCount,
    truncated,
    edges: selected.slice(0, taken),
    ends: selectedEnds.slice(0, 2 * taken),
    weights: weights.slice(0, taken),
    nodes: nodeList,
    kinds: nodeKinds,
    firstSeenMs: nodeFirstSeenMs,
    risky,
    cohesionPairs: Int32Array.from(pairs),
  }
}
