import { UndirectedGraph } from 'graphology'
import louvainModule from 'graphology-communities-louvain'
import type { RingOptions } from './graph-options.ts'
import type { LinkGraph } from './link-graph.ts'
import { kindIndex, userKind } from './node-table.ts'
import type { Ring, RingIndex } from './rings.ts'

/** The package is CommonJS whose typings say `export default`: Node hands the function itself to an ESM import. */
const louvain = ((louvainModule as unknown as { default?: typeof louvainModule }).default ?? louvainModule) as unknown as typeof louvainModule.default

/**
 * Rings (团伙) as communities: Louvain (graphology-communities-louvain) over
 * the edges last seen in a window, recomputed on demand or on a schedule.
 *
 * What goes in: edges in the window whose ends are not hubs (more than
 * `hubDegree` neighbours in the window: a carrier's shared IP) and not
 * private leaves (an entity only one user has, which says nothing about who
 * belongs together), at most `maxEdges` of them, the most recently made
 * first. Edge weight: the number of events the pair met in. Louvain runs
 * with a seeded random order, so the same graph gives the same rings.
 *
 * A community is a ring when it holds at least `minUsers` users. Its risk
 * is its labelled share shrunk towards the base rate; growth is the share
 * of its users first seen within `growthWindowMs`.
 */
export function computeRings(graph: LinkGraph, atMs: number, options: RingOptions, growthWindowMs: number): RingIndex {
  const started = performance.now()
  const fromMs = atMs - options.windowMs
  const { edges, nodes, labels } = graph
  const windowDegree = new Int32Array(nodes.count)
  const inWindow = (edge: number) => edges.lastSeenMs[edge]! >= fromMs && edges.firstSeenMs[edge]! <= atMs
  for (let edge = 0; edge < edges.count; edge++) {
    if (!inWindow(edge)) continue
    windowDegree[edges.ends[2 * edge]!]!++
    windowDegree[edges.ends[2 * edge + 1]!]!++
  }
  const kinds = nodes.kinds
  const keep = (node: number) => windowDegree[node]! <= options.hubDegree && (windowDegree[node]! >= 2 || kinds[node] === userKind)
  const louvainGraph = new UndirectedGraph({ allowSelfLoops: false, multi: false })
  let taken = 0
  let truncated = false
  for (let edge = edges.count - 1; edge >= 0; edge--) {
    if (!inWindow(edge)) continue
    const a = edges.ends[2 * edge]!
    const b = edges.ends[2 * edge + 1]!
    if (!keep(a) || !keep(b)) continue
    if (taken === options.maxEdges) {
      truncated = true
      break
    }
    louvainGraph.mergeNode(String(a))
    louvainGraph.mergeNode(String(b))
    louvainGraph.addUndirectedEdge(String(a), String(b), { weight: edges.counts[edge]! })
    taken++
  }
  const ringOf = new Int32Array(nodes.count).fill(-1)
  if (taken === 0) return { computedAtMs: atMs, fromMs, ringOf, rings: [], baseRate: 0, stats: { edges: 0, nodes: 0, communities: 0, modularity: 0, ms: performance.now() - started, truncated } }
  const result = louvain.detailed(louvainGraph, { getEdgeWeight: 'weight', resolution: options.resolution, rng: seededRandom(options.seed) })
  const members: number[][] = Array.from({ length: result.count }, () => [])
  for (const [node, community] of Object.entries(result.communities)) members[community]!.push(Number(node))
  let users = 0
  let riskyUsers = 0
  louvainGraph.forEachNode((key) => {
    const node = Number(key)
    if (kinds[node] !== userKind) return
    users++
    if (labels.isRisky(node)) riskyUsers++
  })
  const baseRate = users === 0 ? 0 : riskyUsers / users
  const rings: Ring[] = []
  for (const group of members) {
    group.sort((a, b) => a - b)
    const ring = describeRing(graph, group, rings.length, atMs - growthWindowMs, baseRate, options.priorWeight)
    if (ring.users < options.minUsers) continue
    rings.push(ring)
    for (const node of group) ringOf[node] = ring.id
    ring.cohesion = cohesionOf(graph, group, ringOf, ring.id, fromMs, atMs) / ring.users
  }
  return {
    computedAtMs: atMs,
    fromMs,
    ringOf,
    rings,
    baseRate,
    stats: { edges: taken, nodes: louvainGraph.order, communities: result.count, modularity: result.modularity, ms: performance.now() - started, truncated },
  }
}

function describeRing(graph: LinkGraph, group: number[], id: number, growthFromMs: number, baseRate: number, priorWeight: number): Ring {
  const { nodes, labels } = graph
  let users = 0
  let riskUsers = 0
  let riskNodes = 0
  let newUsers = 0
  let firstSeenMs = Number.POSITIVE_INFINITY
  let lastJoinedMs = Number.NEGATIVE_INFINITY
  for (const node of group) {
    const risky = labels.isRisky(node)
    if (risky) riskNodes++
    if (nodes.kinds[node] !== userKind) continue
    users++
    if (risky) riskUsers++
    const first = nodes.firstSeenMs[node]!
    if (first >= growthFromMs) newUsers++
    if (first < firstSeenMs) firstSeenMs = first
    if (first > lastJoinedMs) lastJoinedMs = first
  }
  const risk = (riskUsers + priorWeight * baseRate) / (users + priorWeight || 1)
  return { id, nodes: group.length, users, riskUsers, riskNodes, newUsers, growth: users === 0 ? 0 : newUsers / users, firstSeenMs, lastJoinedMs, risk, cohesion: 0 }
}

const ipKind = kindIndex('ip')

/** Users of the ring linked (in the window) to a non-IP entity of the ring that two or more of its users share. */
function cohesionOf(graph: LinkGraph, group: number[], ringOf: Int32Array, id: number, fromMs: number, toMs: number): number {
  const { nodes, edges, adjacency } = graph
  const linked = new Set<number>()
  const members: number[] = []
  for (const node of group) {
    const kind = nodes.kinds[node]
    if (kind === userKind || kind === ipKind) continue
    members.length = 0
    const at = adjacency.start[node]!
    for (let j = 0; j < adjacency.length[node]!; j++) {
      const next = adjacency.pool[at + 2 * j]!
      const edge = adjacency.pool[at + 2 * j + 1]!
      if (ringOf[next] !== id || nodes.kinds[next] !== userKind) continue
      if (edges.lastSeenMs[edge]! < fromMs || edges.firstSeenMs[edge]! > toMs) continue
      members.push(next)
    }
    if (members.length >= 2) for (const user of members) linked.add(user)
  }
  return linked.size
}

/** mulberry32: a small seeded generator for Louvain's order. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
