import { type FieldIssue, invalidInput, notFound } from '../core/errors.ts'
import { type EntityKind, entityKinds, isEntityKind } from '../events/entities.ts'
import type { LinkGraph } from './link-graph.ts'
import { NeighbourhoodSearch } from './neighbourhood.ts'
import { labelsOfMask } from './node-labels.ts'
import { kindIndex } from './node-table.ts'
import type { RiskPropagation } from './propagation.ts'
import { type RingIndex, ringOfNode } from './rings.ts'

/** A k-hop neighbourhood request (the investigator's "expand"): from a node of an earlier answer, or from an entity's blind index. */
export interface ExploreQuery {
  /** A node id from an earlier answer … */
  node?: number
  /** … or an entity: its kind and blind index (the route computes it from the value the investigator typed). */
  kind?: string
  key?: string
  /** 1–3 (2). */
  hops?: number
  /** Nodes in the answer, the centre included: 1–2,000 (200). */
  maxNodes?: number
  /** Edges in the answer: 1–20,000 (2,000). */
  maxEdges?: number
  /** Adjacency entries read at one node, newest first: 1–10,000 (500); a hub beyond it is shown in part. */
  maxEdgesPerNode?: number
  /** Only edges seen within [fromMs, toMs] (all time, up to now). */
  fromMs?: number
  toMs?: number
  /** Only nodes of these kinds beyond the centre (all). */
  kinds?: string[]
  /** Only edges of these types, as `edgeTypeOf` names them (`user-device`, `user-phone`, …; either order): the search follows no other (all). */
  edgeTypes?: string[]
}

export interface ExploreNode {
  id: number
  kind: EntityKind
  /** The first 8 characters of the blind index: enough to tell nodes apart on screen, not a value. */
  keyPrefix: string
  hop: number
  firstSeen: string
  lastSeen: string
  /** Neighbours over all time, and distinct users among them. */
  degree: number
  users: number
  labels: string[]
  riskLabels: number
  ring: { id: number; users: number; risk: number; growth: number } | null
  /** Nodes in its connected component over all time. */
  componentNodes: number
  propagatedRisk: number
}

export interface ExploreEdge {
  source: number
  target: number
  /** The kinds of its two ends, `user-device` (`edgeTypeOf`). */
  type: string
  /** Events the pair met in, and when first and last. */
  count: number
  firstSeen: string
  lastSeen: string
}

export interface ExploreResult {
  center: number
  nodes: ExploreNode[]
  edges: ExploreEdge[]
  /** A cap cut the answer short: more nodes or edges lie beyond. */
  truncated: boolean
  window: { from: string | null; to: string | null }
  /** When the rings shown were computed (null: never). */
  ringsComputedAt: string | null
}

/**
 * An edge's type: the kinds of its ends in the order of `entityKinds`
 * (the user first), joined by `-` — `user-device`, `user-phone`,
 * `user-contacts`, `user-ip`, `user-bank_card`, `user-address`, or, in an
 * event without a user, e.g. `phone-device`. Kinds hold `_` but never `-`.
 */
export const edgeTypeOf = (a: EntityKind, b: EntityKind): string => (kindIndex(a) <= kindIndex(b) ? `${a}-${b}` : `${b}-${a}`)

/** The edge type a name gives (either order), or undefined when it is not two entity kinds joined by `-`. */
export function parseEdgeType(name: string): { type: string; a: EntityKind; b: EntityKind } | undefined {
  const parts = name.split('-')
  if (parts.length !== 2 || !isEntityKind(parts[0]) || !isEntityKind(parts[1])) return undefined
  return { type: edgeTypeOf(parts[0], parts[1]), a: parts[0], b: parts[1] }
}

/** The search's `pairMask` for some edge types: per kind of one end, a bit per kind of the other. */
function pairMaskOf(edgeTypes: readonly string[]): Int32Array {
  const mask = new Int32Array(entityKinds.length)
  for (const name of edgeTypes) {
    const { a, b } = parseEdgeType(name)!
    mask[kindIndex(a)]! |= 1 << kindIndex(b)
    mask[kindIndex(b)]! |= 1 << kindIndex(a)
  }
  return mask
}

const bounds = { hops: [1, 3, 2], maxNodes: [1, 2_000, 200], maxEdges: [1, 20_000, 2_000], maxEdgesPerNode: [1, 10_000, 500] } as const

/** Checks a query; a refusal names every offending field (pointers as in the query object). */
export function checkExploreQuery(query: ExploreQuery): Required<Pick<ExploreQuery, 'hops' | 'maxNodes' | 'maxEdges' | 'maxEdgesPerNode'>> {
  const issues: FieldIssue[] = []
  const out = {} as Record<keyof typeof bounds, number>
  for (const [name, [least, most, fallback]] of Object.entries(bounds) as [keyof typeof bounds, readonly [number, number, number]][]) {
    const value = query[name] ?? fallback
    if (!Number.isInteger(value) || value < least || value > most) issues.push({ pointer: `/${name}`, code: 'out_of_range', message: `must be a whole number from ${least} to ${most}` })
    out[name] = value
  }
  if (query.node === undefined && (query.kind === undefined || query.key === undefined))
    issues.push({ pointer: '/node', code: 'required', message: 'give a node id, or an entity kind and key' })
  if (query.node !== undefined && !(Number.isInteger(query.node) && query.node >= 0)) issues.push({ pointer: '/node', code: 'invalid_value', message: 'a node id is a whole number' })
  if (query.kind !== undefined && !isEntityKind(query.kind)) issues.push({ pointer: '/kind', code: 'unknown_entity_kind', message: `not one of ${entityKinds.join(', ')}` })
  query.kinds?.forEach((kind, i) => {
    if (!isEntityKind(kind)) issues.push({ pointer: `/kinds/${i}`, code: 'unknown_entity_kind', message: `not one of ${entityKinds.join(', ')}` })
  })
  query.edgeTypes?.forEach((name, i) => {
    if (typeof name !== 'string' || parseEdgeType(name) === undefined)
      issues.push({ pointer: `/edgeTypes/${i}`, code: 'unknown_edge_type', message: `not an edge type: two of ${entityKinds.join(', ')} joined by "-", e.g. user-device` })
  })
  for (const name of ['fromMs', 'toMs'] as const) {
    const value = query[name]
    if (value !== undefined && !Number.isFinite(value)) issues.push({ pointer: `/${name}`, code: 'invalid_value', message: 'a time in milliseconds since 1970' })
  }
  if (query.fromMs !== undefined && query.toMs !== undefined && query.fromMs > query.toMs) issues.push({ pointer: '/fromMs', code: 'invalid_range', message: 'fromMs is after toMs' })
  if (issues.length > 0) throw invalidInput('The graph query has errors', issues)
  return out
}

const iso = (ms: number) => new Date(ms).toISOString()

/**
 * The k-hop neighbourhood of a node with caps on nodes and edges, filtered
 * by time, node kind and edge type (the search follows only the edge types
 * asked for, so a node reached only through others is not shown): nodes with their labels, ring and scores, edges with
 * counts and times. JSON as it stands; values are never shown (the graph
 * holds blind indexes only), kinds and key prefixes are.
 */
export function explore(graph: LinkGraph, rings: RingIndex, propagation: RiskPropagation, query: ExploreQuery, search = new NeighbourhoodSearch()): ExploreResult {
  const limits = checkExploreQuery(query)
  const center = query.node ?? graph.nodes.find(kindIndex(query.kind as EntityKind), query.key!)
  if (center < 0 || center >= graph.nodes.count) throw notFound(query.node === undefined ? 'No such entity in the graph' : `No graph node ${query.node}`)
  const kindMask = query.kinds ? query.kinds.reduce((mask, kind) => mask | (1 << kindIndex(kind as EntityKind)), 0) : undefined
  const pairMask = query.edgeTypes && query.edgeTypes.length > 0 ? pairMaskOf(query.edgeTypes) : undefined
  const edgeIds: number[] = []
  const taken = new Set<number>()
  let edgesCapped = false
  search.run(
    graph,
    [center],
    [0],
    {
      hops: limits.hops,
      fromMs: query.fromMs ?? Number.NEGATIVE_INFINITY,
      toMs: query.toMs ?? Number.POSITIVE_INFINITY,
      maxNodes: limits.maxNodes,
      maxEdges: Math.max(10 * limits.maxEdges, 50_000),
      maxEdgesPerNode: limits.maxEdgesPerNode,
      ...(kindMask === undefined ? {} : { kindMask }),
      ...(pairMask === undefined ? {} : { pairMask }),
    },
    (edge) => {
      if (taken.has(edge)) return
      if (edgeIds.length === limits.maxEdges) {
        edgesCapped = true
        return
      }
      taken.add(edge)
      edgeIds.push(edge)
    },
  )
  const { edges } = graph
  const shown: ExploreNode[] = []
  for (let i = 0; i < search.count; i++) shown.push(describeNode(graph, rings, propagation, search.found[i]!, search.hopOf(search.found[i]!)))
  // only edges whose both ends are shown
  const listed = edgeIds
    .filter((edge) => search.reached(edges.ends[2 * edge]!) && search.reached(edges.ends[2 * edge + 1]!))
    .map((edge) => edgeOf(graph, edge, edges.ends[2 * edge]!, edges.ends[2 * edge + 1]!))
  return {
    center,
    nodes: shown,
    edges: listed,
    truncated: search.capped || edgesCapped,
    window: { from: query.fromMs === undefined ? null : iso(query.fromMs), to: query.toMs === undefined ? null : iso(query.toMs) },
    ringsComputedAt: Number.isNaN(rings.computedAtMs) ? null : iso(rings.computedAtMs),
  }
}

/** What the investigator sees of one edge: its ends, type, count and times. */
function edgeOf(graph: LinkGraph, edge: number, source: number, target: number): ExploreEdge {
  const { edges, nodes } = graph
  return {
    source,
    target,
    type: edgeTypeOf(nodes.kind(source), nodes.kind(target)),
    count: edges.counts[edge]!,
    firstSeen: iso(edges.firstSeenMs[edge]!),
    lastSeen: iso(edges.lastSeenMs[edge]!),
  }
}

/** What the investigator sees of one node: kind, key prefix, times, degree, labels, ring and scores. */
export function describeNode(graph: LinkGraph, rings: RingIndex, propagation: RiskPropagation, node: number, hop: number): ExploreNode {
  const { nodes, labels, components } = graph
  const ring = ringOfNode(rings, node)
  return {
    id: node,
    kind: nodes.kind(node),
    keyPrefix: nodes.key(node).slice(0, 8),
    hop,
    firstSeen: iso(nodes.firstSeenMs[node]!),
    lastSeen: iso(nodes.lastSeenMs[node]!),
    degree: graph.degree(node),
    users: graph.userDegree[node]!,
    labels: labelsOfMask(labels.masks[node]!),
    riskLabels: labels.riskLabels[node]!,
    ring: ring ? { id: ring.id, users: ring.users, risk: ring.risk, growth: ring.growth } : null,
    componentNodes: components.sizeOf(node),
    propagatedRisk: propagation.score(node),
  }
}

/**
 * The subgraph a set of entities spans (a ring case's members): those still
 * in the graph, at most `maxNodes` of them (users first), and every edge
 * between two of them, at most `maxEdges`. Entities are given by kind and
 * blind index, as a case keeps them; all are hop 0.
 */
export function subgraph(
  graph: LinkGraph,
  rings: RingIndex,
  propagation: RiskPropagation,
  keys: Partial<Record<string, readonly string[]>>,
  caps: { maxNodes: number; maxEdges: number },
): ExploreResult {
  const members: number[] = []
  const order = ['user', ...entityKinds.filter((k) => k !== 'user')] as EntityKind[]
  let truncated = false
  for (const kind of order) {
    for (const key of keys[kind] ?? []) {
      const node = graph.nodes.find(kindIndex(kind), key)
      if (node < 0) continue
      if (members.length === caps.maxNodes) truncated = true
      else members.push(node)
    }
  }
  const inside = new Set(members)
  const { adjacency } = graph
  const listed: ExploreEdge[] = []
  for (const node of members) {
    const at = adjacency.start[node]!
    for (let j = 0; j < adjacency.length[node]!; j++) {
      const next = adjacency.pool[at + 2 * j]!
      const edge = adjacency.pool[at + 2 * j + 1]!
      // each edge once: from its lower end
      if (next < node || !inside.has(next)) continue
      if (listed.length === caps.maxEdges) {
        truncated = true
        break
      }
      listed.push(edgeOf(graph, edge, node, next))
    }
  }
  return {
    center: members[0] ?? -1,
    nodes: members.map((node) => describeNode(graph, rings, propagation, node, 0)),
    edges: listed,
    truncated,
    window: { from: null, to: null },
    ringsComputedAt: Number.isNaN(rings.computedAtMs) ? null : iso(rings.computedAtMs),
  }
}
