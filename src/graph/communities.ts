import { UndirectedGraph } from 'graphology'
import louvainModule from 'graphology-communities-louvain'
import type { RingOptions } from './graph-options.ts'
import type { LinkGraph } from './link-graph.ts'
import { kindIndex, userKind } from './node-table.ts'
import { captureRingInput, type RingInput } from './ring-input.ts'
import { continueRings, newRingHistory } from './ring-continuity.ts'
import { emptyRingIndex, type Ring, type RingIndex } from './rings.ts'
import { UnionFind } from './union-find.ts'

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
 * first. Edge weight: the number of events the pair met in.
 *
 * Communities are found within each connected component of that graph,
 * Louvain run on each component on its own (its own modularity, at
 * `resolution`), with a seeded random order: a community never crosses
 * components, and a component's communities depend on its edges and
 * weights alone. So a component with fewer than `minUsers` users (most are
 * a household or two) is never run, and one whose edges and weights are the
 * same as at the last computation (`CommunityCache`) keeps its communities:
 * an hourly recomputation runs Louvain only where the hour changed
 * something, and gives what a computation from nothing gives (a restart, a
 * rebuild, a backtest).
 *
 * A community is a ring when it holds at least `minUsers` users. Its risk
 * is its labelled share shrunk towards the base rate; growth is the share
 * of its users first seen within `growthWindowMs`.
 */
export function computeRings(graph: LinkGraph, atMs: number, options: RingOptions, growthWindowMs: number, cache = new CommunityCache(), previous = emptyRingIndex()): RingIndex {
  const started = performance.now()
  const index = continueRings(previous, ringsOf(captureRingInput(graph, atMs, options, growthWindowMs), cache))
  index.stats.ms = performance.now() - started
  return index
}

/**
 * The rings of a captured input (`ring-input.ts`): a function of the input
 * alone — the cache only saves Louvain runs — so the same input gives the
 * same rings on this thread or a worker's (`ring-worker.ts`). Their ids are
 * those of a first computation (1, 2, …): the graph gives them the ids of
 * the rings they continue when it applies them (`continueRings`).
 */
export function ringsOf(input: RingInput, cache = new CommunityCache()): RingIndex {
  const started = performance.now()
  cache.startCounting()
  const { options, atMs, fromMs, nodeCount } = input
  const graph = ringGraphOf(input)
  const { kinds, risky } = graph
  const taken = input.edges.length
  const ringOf = new Int32Array(nodeCount).fill(-1)
  const components = componentsOf(graph)
  const { users: componentUsers } = components
  let users = 0
  let riskyUsers = 0
  for (const node of input.nodes) {
    if (kinds[node] !== userKind) continue
    users++
    if (risky[node]) riskyUsers++
  }
  const baseRate = users === 0 ? 0 : riskyUsers / users
  // every node's community for the modularity: a component left out counts as one
  const communityOf = new Int32Array(nodeCount).fill(-1)
  let communities = 0
  const rings: Ring[] = []
  const ringUserStart: number[] = [0]
  const ringUsers: number[] = []
  const next = new CommunityCache()
  const totalWeight = roundedWeight(input.weights)
  const localIndex = new Int32Array(nodeCount).fill(-1)
  for (let component = 0; component < components.count; component++) {
    const from = components.edgeStart[component]!
    const to = components.edgeStart[component + 1]!
    if (componentUsers[component]! < options.minUsers) {
      for (let i = from; i < to; i++) {
        const at = components.positions[i]!
        communityOf[graph.ends[2 * at]!] = communities
        communityOf[graph.ends[2 * at + 1]!] = communities
      }
      communities++
      continue
    }
    const positions = components.positions.subarray(from, to)
    const componentEdges = new Int32Array(positions.length)
    const weights = new Int32Array(positions.length)
    let componentWeight = 0
    for (let i = 0; i < positions.length; i++) {
      componentEdges[i] = input.edges[positions[i]!]!
      weights[i] = input.weights[positions[i]!]!
      componentWeight += weights[i]!
    }
    const resolution = (options.resolution * componentWeight) / totalWeight
    const partition = cache.partitionOf(componentEdges, weights, resolution) ?? louvainPartition(graph, positions, componentEdges, weights, resolution, options.seed, localIndex)
    next.keep(partition)
    const groups: number[][] = Array.from({ length: partition.count }, () => [])
    for (let i = 0; i < partition.nodes.length; i++) {
      groups[partition.community[i]!]!.push(partition.nodes[i]!)
      communityOf[partition.nodes[i]!] = communities + partition.community[i]!
    }
    communities += partition.count
    for (const group of groups) {
      group.sort((a, b) => a - b)
      const position = rings.length
      const ring = describeRing(graph, group, position, input.growthFromMs, baseRate, options.priorWeight, atMs)
      if (ring.users < options.minUsers) continue
      rings.push(ring)
      for (const node of group) {
        ringOf[node] = position
        if (kinds[node] === userKind) ringUsers.push(node)
      }
      ringUserStart.push(ringUsers.length)
      ring.cohesion = cohesionOf(graph, group, ringOf, position) / ring.users
    }
  }
  cache.replaceWith(next)
  return continueRings(emptyRingIndex(), {
    computedAtMs: atMs,
    fromMs,
    ringOf,
    rings,
    ringUserStart: Int32Array.from(ringUserStart),
    ringUsers: Int32Array.from(ringUsers),
    nextId: 1,
    baseRate,
    stats: { edges: taken, nodes: input.nodes.length, communities, modularity: modularityOf(graph, input.weights, communityOf, communities, options.resolution), ms: performance.now() - started, truncated: input.truncated },
  })
}

/**
 * The captured input as the computation reads it: per node (by the graph's
 * numbers) its kind, first sighting and risk, set for the touched nodes
 * only; and each entity's users over the window edges a ring's cohesion
 * reads (selected or cut by the cap), as lists by entity.
 */
interface RingGraph {
  nodeCount: number
  /** Ends of the selected edges by position (2 per edge). */
  ends: Int32Array
  kinds: Uint8Array
  firstSeenMs: Float64Array
  risky: Uint8Array
  /** Entity e's users are `cohesionUsers[cohesionStart[e] .. cohesionStart[e + 1])`. */
  cohesionStart: Int32Array
  cohesionUsers: Int32Array
}

function ringGraphOf(input: RingInput): RingGraph {
  const { nodeCount, ends } = input
  // an untouched node is never read: the kind no node has marks it
  const kinds = new Uint8Array(nodeCount).fill(255)
  const firstSeenMs = new Float64Array(nodeCount)
  const risky = new Uint8Array(nodeCount)
  for (let i = 0; i < input.nodes.length; i++) {
    const node = input.nodes[i]!
    kinds[node] = input.kinds[i]!
    firstSeenMs[node] = input.firstSeenMs[i]!
    risky[node] = input.risky[i]!
  }
  // (entity, user) pairs: the selected edges of that shape, and those the cap cut
  const entityOf = (a: number, b: number) => (kinds[b] === userKind && kinds[a] !== userKind && kinds[a] !== ipKind ? a : -1)
  const cohesionStart = new Int32Array(nodeCount + 1)
  const countPair = (entity: number) => {
    if (entity >= 0) cohesionStart[entity + 1]!++
  }
  for (let i = 0; i < ends.length; i += 2) {
    countPair(entityOf(ends[i]!, ends[i + 1]!))
    countPair(entityOf(ends[i + 1]!, ends[i]!))
  }
  const extra = input.cohesionPairs
  for (let i = 0; i < extra.length; i += 2) countPair(extra[i]!)
  for (let node = 0; node < nodeCount; node++) cohesionStart[node + 1]! += cohesionStart[node]!
  const fill = cohesionStart.slice(0, nodeCount)
  const cohesionUsers = new Int32Array(cohesionStart[nodeCount]!)
  const putPair = (entity: number, user: number) => {
    if (entity >= 0) cohesionUsers[fill[entity]!++] = user
  }
  for (let i = 0; i < ends.length; i += 2) {
    putPair(entityOf(ends[i]!, ends[i + 1]!), ends[i + 1]!)
    putPair(entityOf(ends[i + 1]!, ends[i]!), ends[i]!)
  }
  for (let i = 0; i < extra.length; i += 2) putPair(extra[i]!, extra[i + 1]!)
  return { nodeCount, ends, kinds, firstSeenMs, risky, cohesionStart, cohesionUsers }
}

/** The windowed graph's connected components: each one's edges (positions in the input, newest first) and users. */
interface Components {
  count: number
  /** Component c's edges are `positions[edgeStart[c] .. edgeStart[c + 1])`. */
  edgeStart: Int32Array
  positions: Int32Array
  users: Int32Array
}

/**
 * Union-find over the selected edges (typed arrays: a component is a few
 * integers, not a graphology graph), numbered in the order the edges were
 * taken, and the edges bucketed by component keeping that order.
 */
function componentsOf(graph: RingGraph): Components {
  const { ends, nodeCount, kinds } = graph
  const edgeCount = ends.length / 2
  const forest = new UnionFind()
  if (nodeCount > 0) forest.ensureNode(nodeCount - 1)
  for (let i = 0; i < edgeCount; i++) forest.union(ends[2 * i]!, ends[2 * i + 1]!)
  const indexOfRoot = new Int32Array(nodeCount).fill(-1)
  const seen = new Uint8Array(nodeCount)
  let count = 0
  const componentOfEdge = new Int32Array(edgeCount)
  const edgeCounts: number[] = []
  const users: number[] = []
  for (let i = 0; i < edgeCount; i++) {
    const root = forest.find(ends[2 * i]!)
    let component = indexOfRoot[root]!
    if (component < 0) {
      component = indexOfRoot[root] = count++
      edgeCounts.push(0)
      users.push(0)
    }
    componentOfEdge[i] = component
    edgeCounts[component]!++
    for (let end = 0; end < 2; end++) {
      const node = ends[2 * i + end]!
      if (seen[node]) continue
      seen[node] = 1
      if (kinds[node] === userKind) users[component]!++
    }
  }
  const edgeStart = new Int32Array(count + 1)
  for (let c = 0; c < count; c++) edgeStart[c + 1] = edgeStart[c]! + edgeCounts[c]!
  const fill = edgeStart.slice(0, count)
  const positions = new Int32Array(edgeCount)
  for (let i = 0; i < edgeCount; i++) positions[fill[componentOfEdge[i]!]!++] = i
  return { count, edgeStart, positions, users: Int32Array.from(users) }
}

/** A component's communities: its nodes (in the order Louvain met them) and each one's community, numbered from 0. */
interface Partition {
  /** The component's edges and their weights when it was computed: what a later computation compares with. */
  edges: Int32Array
  weights: Int32Array
  /** The resolution its Louvain ran at (`componentResolution`). */
  resolution: number
  fingerprint: string
  nodes: Int32Array
  community: Int32Array
  count: number
}

/** Louvain over one component: its own graphology graph, the same seed each time, so the partition is a function of the edges and weights. */
function louvainPartition(graph: RingGraph, positions: Int32Array, componentEdges: Int32Array, weights: Int32Array, resolution: number, seed: number, localIndex: Int32Array): Partition {
  const { ends } = graph
  const louvainGraph = new UndirectedGraph({ allowSelfLoops: false, multi: false })
  // each node's key made and added once (graphology's mergeNode and generated edge keys were a third of the time)
  const nodes: number[] = []
  const keys: string[] = []
  const keyOf = (node: number) => {
    let local = localIndex[node]!
    if (local < 0) {
      local = localIndex[node] = nodes.length
      nodes.push(node)
      keys.push(louvainGraph.addNode(String(node)))
    }
    return keys[local]!
  }
  for (let i = 0; i < positions.length; i++) {
    const at = positions[i]!
    louvainGraph.addUndirectedEdgeWithKey(i, keyOf(ends[2 * at]!), keyOf(ends[2 * at + 1]!), { weight: weights[i]! })
  }
  const mapping = louvain(louvainGraph, { getEdgeWeight: 'weight', resolution, rng: seededRandom(seed) })
  const community = new Int32Array(nodes.length)
  // renumbered by first appearance so the numbering does not depend on the library's
  const renumber = new Map<number, number>()
  for (let i = 0; i < nodes.length; i++) {
    localIndex[nodes[i]!] = -1
    const found = mapping[keys[i]!]!
    if (!renumber.has(found)) renumber.set(found, renumber.size)
    community[i] = renumber.get(found)!
  }
  return { edges: componentEdges, weights, resolution, fingerprint: fingerprintOf(componentEdges, weights), nodes: Int32Array.from(nodes), community, count: renumber.size }
}

/**
 * The windowed graph's total weight m, rounded to a step of 2^(1/16)
 * (4.4 %). Louvain on a component alone maximises the whole graph's
 * modularity only at resolution γ · m_c / m (the null model's expected
 * weight between two nodes is k_i k_j / 2m, m the whole graph's): without
 * it each component would be cut finer than one global run cuts it. Rounded
 * because m moves a little every hour, and an unrounded m would change
 * every component's resolution, so no partition could be reused; rounded,
 * it changes a few times over a growing graph's history and a component's
 * partition stays a function of its own edges and that step.
 */
function roundedWeight(weights: Int32Array): number {
  let total = 0
  for (const weight of weights) total += weight
  return total === 0 ? 1 : 2 ** (Math.round(16 * Math.log2(total)) / 16)
}

/** Two 32-bit FNV-1a-style hashes over (edge, weight) pairs and the length: a map key; equality is then checked in full. */
function fingerprintOf(componentEdges: Int32Array, weights: Int32Array): string {
  let h1 = 0x811c9dc5
  let h2 = 0x01000193 ^ componentEdges.length
  for (let i = 0; i < componentEdges.length; i++) {
    h1 = Math.imul(h1 ^ componentEdges[i]!, 0x01000193)
    h1 = Math.imul(h1 ^ weights[i]!, 0x01000193)
    h2 = Math.imul(h2 ^ (componentEdges[i]! + 0x9e3779b9), 0x85ebca77)
    h2 = Math.imul(h2 ^ (h2 >>> 13) ^ weights[i]!, 0xc2b2ae3d)
  }
  return `${componentEdges.length}:${h1 >>> 0}:${h2 >>> 0}`
}

const sameArrays = (a: Int32Array, b: Int32Array) => a.length === b.length && a.every((value, i) => value === b[i])

/**
 * The partitions of the last computation's components, by fingerprint: a
 * component whose edges and weights are all the same keeps its partition
 * instead of running Louvain again. Holds only the last computation's
 * (about 16 B per edge and node of the components run); lost on a restart,
 * which only means the next computation runs every component, to the same
 * result.
 */
export class CommunityCache {
  private byFingerprint = new Map<string, Partition>()
  /** Components whose partition was reused, and run, in the last computation, and the edges of those run. */
  reused = 0
  computed = 0
  edgesRun = 0

  partitionOf(componentEdges: Int32Array, weights: Int32Array, resolution: number): Partition | undefined {
    const found = this.byFingerprint.get(fingerprintOf(componentEdges, weights))
    if (found && found.resolution === resolution && sameArrays(found.edges, componentEdges) && sameArrays(found.weights, weights)) {
      this.reused++
      return found
    }
    this.computed++
    this.edgesRun += componentEdges.length
    return undefined
  }

  keep(partition: Partition): void {
    this.byFingerprint.set(partition.fingerprint, partition)
  }

  replaceWith(next: CommunityCache): void {
    this.byFingerprint = next.byFingerprint
  }

  /** Starts counting reuses afresh. */
  startCounting(): void {
    this.reused = 0
    this.computed = 0
    this.edgesRun = 0
  }
}

/** Newman's modularity (at `resolution`) of the whole windowed graph under the found communities: a figure for the stats. */
function modularityOf(graph: RingGraph, weights: Int32Array, communityOf: Int32Array, communities: number, resolution: number): number {
  const { ends } = graph
  const inside = new Float64Array(communities)
  const degree = new Float64Array(communities)
  let total = 0
  for (let i = 0; i < weights.length; i++) {
    const weight = weights[i]!
    const a = communityOf[ends[2 * i]!]!
    const b = communityOf[ends[2 * i + 1]!]!
    total += weight
    degree[a]! += weight
    degree[b]! += weight
    if (a === b) inside[a]! += weight
  }
  if (total === 0) return 0
  let q = 0
  for (let c = 0; c < communities; c++) q += inside[c]! / total - resolution * (degree[c]! / (2 * total)) ** 2
  return q
}

function describeRing(graph: RingGraph, group: number[], id: number, growthFromMs: number, baseRate: number, priorWeight: number, atMs: number): Ring {
  const { kinds } = graph
  let users = 0
  let riskUsers = 0
  let riskNodes = 0
  let newUsers = 0
  let firstSeenMs = Number.POSITIVE_INFINITY
  let lastJoinedMs = Number.NEGATIVE_INFINITY
  for (const node of group) {
    const risky = graph.risky[node] === 1
    if (risky) riskNodes++
    if (kinds[node] !== userKind) continue
    users++
    if (risky) riskUsers++
    const first = graph.firstSeenMs[node]!
    if (first >= growthFromMs) newUsers++
    if (first < firstSeenMs) firstSeenMs = first
    if (first > lastJoinedMs) lastJoinedMs = first
  }
  const risk = (riskUsers + priorWeight * baseRate) / (users + priorWeight || 1)
  return { id, nodes: group.length, users, riskUsers, riskNodes, newUsers, growth: users === 0 ? 0 : newUsers / users, firstSeenMs, lastJoinedMs, risk, cohesion: 0, ...newRingHistory(atMs, users) }
}

const ipKind = kindIndex('ip')

/** Users of the ring (at `position`) linked (in the window) to a non-IP entity of the ring that two or more of its users share. */
function cohesionOf(graph: RingGraph, group: number[], ringOf: Int32Array, position: number): number {
  const { kinds, cohesionStart, cohesionUsers } = graph
  const linked = new Set<number>()
  const members: number[] = []
  for (const node of group) {
    const kind = kinds[node]
    if (kind === userKind || kind === ipKind) continue
    members.length = 0
    for (let j = cohesionStart[node]!; j < cohesionStart[node + 1]!; j++) {
      const user = cohesionUsers[j]!
      if (ringOf[user] === position) members.push(user)
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
