import { type EntityKind, entityKinds } from '../events/entities.ts'
import type { FeatureDefinition } from '../features/feature-definition.ts'
import { recordMaker } from '../features/feature-engine.ts'
import type { MeasureOptions } from './graph-options.ts'
import { type EventEntities, type GraphEvent, entitiesOf } from './graph-event.ts'
import type { LinkGraph } from './link-graph.ts'
import type { NeighbourhoodSearch } from './neighbourhood.ts'
import { labelBit, labelKinds } from './node-labels.ts'
import { kindIndex, userKind } from './node-table.ts'
import type { RiskPropagation } from './propagation.ts'
import { type Ring, type RingIndex, ringOfNode } from './rings.ts'
import { standardGraphFeatures } from './standard-graph-features.ts'

/** The graph's values for one event, by feature name (what a strategy or model reads). */
export type GraphFeatureValues = Record<string, number>

/** Bits of a node's label mask: one per label kind. A search's nodes are counted per (entity kind, mask): `kind << maskBits | mask`. */
const maskBits = labelKinds.length

/** One count read from a neighbourhood search's nodes: of a kind (−1: any), carrying a label of a mask (0: any node), the applicant counted or not. */
interface Tally {
  kind: number
  mask: number
  withSelf: boolean
  out: number
}

/** One capped neighbourhood search, and everything read from its result. */
interface Search {
  hops: number
  windowMs: number
  tallies: Tally[]
  /** search_capped features. */
  capped: number[]
}

/** A shared_users feature of one entity kind: over a window, or all time (Infinity). */
interface Shared {
  windowMs: number
  out: number
}

/**
 * The work of measuring an event, planned once from the declared graph
 * features (`kind: graph`): one capped neighbourhood search per distinct
 * (hops, window), with every count the features read from it; the
 * shared-user counts per entity kind; which of the component, ring and
 * propagation readings are wanted. Each feature writes one slot of a row
 * that becomes a record of one shape (keys in declaration order).
 */
export class GraphMeasurePlan {
  readonly names: readonly string[]
  readonly searches: Search[] = []
  /** By entity kind index. */
  readonly shared: (Shared[] | undefined)[] = []
  readonly component: number[] = []
  readonly ringRisk: number[] = []
  readonly ringUsers: number[] = []
  readonly ringGrowth: number[] = []
  readonly propagated: number[] = []
  readonly row: Float64Array
  /** Scratch of a search's count: nodes found per cell (entity kind, then a bit per label kind: `cellOf`), and the cells in use. */
  readonly cells = new Int32Array(entityKinds.length << maskBits)
  readonly touched = new Int32Array(entityKinds.length << maskBits)
  readonly toRecord: (row: Float64Array, offset: number) => GraphFeatureValues
  /** Whether any feature reads the rings or the propagated risk (which the hourly recomputation changes). */
  readonly readsRecomputed: boolean

  /** `riskLabels`: the graph's risk labels, what a labelled_nodes feature without `labels` counts. */
  constructor(
    readonly definitions: readonly FeatureDefinition[],
    riskLabels: readonly string[],
  ) {
    const graphDefinitions = definitions.filter((d) => d.kind === 'graph')
    this.names = graphDefinitions.map((d) => d.name)
    this.row = new Float64Array(this.names.length)
    this.toRecord = recordMaker([...this.names])
    const riskMask = riskLabels.reduce((mask, label) => mask | labelBit(label), 0)
    graphDefinitions.forEach((d, out) => {
      switch (d.measure) {
        case 'neighbourhood_nodes':
        case 'labelled_nodes':
        case 'search_capped': {
          const search = this.searchOf(d.hops!, d.windowMs)
          if (d.measure === 'search_capped') search.capped.push(out)
          else {
            const labelled = d.measure === 'labelled_nodes'
            const mask = !labelled ? 0 : d.labels ? d.labels.reduce((m, label) => m | labelBit(label), 0) : riskMask
            search.tallies.push({ kind: d.of ? kindIndex(d.of) : -1, mask, withSelf: labelled, out })
          }
          break
        }
        case 'shared_users': {
          const kind = kindIndex(d.entity!)
          const list = this.shared[kind] ?? []
          this.shared[kind] = list
          list.push({ windowMs: d.window ? d.windowMs : Number.POSITIVE_INFINITY, out })
          break
        }
        case 'component_nodes':
          this.component.push(out)
          break
        case 'ring_risk':
          this.ringRisk.push(out)
          break
        case 'ring_users':
          this.ringUsers.push(out)
          break
        case 'ring_growth':
          this.ringGrowth.push(out)
          break
        case 'propagated_risk':
          this.propagated.push(out)
          break
        default:
          throw new Error(`graph feature "${d.name}" has no measure`)
      }
    })
    this.readsRecomputed = this.ringRisk.length + this.ringUsers.length + this.ringGrowth.length + this.propagated.length > 0
  }

  /** No graph features declared: the graph measures nothing (a decision only adds its event). */
  get empty(): boolean {
    return this.names.length === 0
  }


  private searchOf(hops: number, windowMs: number): Search {
    let search = this.searches.find((s) => s.hops === hops && s.windowMs === windowMs)
    if (!search) {
      search = { hops, windowMs, tallies: [], capped: [] }
      this.searches.push(search)
    }
    return search
  }
}

/** Scratch a measurement reuses: the event's entities and its nodes, and the search. */
export interface MeasureScratch {
  entities: EventEntities
  seeds: number[]
  seedHops: number[]
  search: NeighbourhoodSearch
}

/**
 * The declared graph features of an event (`plan`), read from the graph as
 * it stands — call before adding the event, so it sees neither itself nor
 * anything later. Pure: nothing in the graph changes. The applicant is the
 * event's user (or its anchor entity, `graph-event.ts`); its hops are its
 * own edges and the event's entities at one hop, their neighbours at two,
 * and so on. Windowed counts take edges last seen within the window before
 * `atMs`; every search is capped (a search_capped feature is 1 when a cap
 * cut it short: its counts are then lower bounds).
 */
export function measureEvent(
  graph: LinkGraph,
  event: GraphEvent,
  atMs: number,
  options: MeasureOptions,
  scratch: MeasureScratch,
  rings: RingIndex,
  propagation: RiskPropagation,
  plan: GraphMeasurePlan,
): GraphFeatureValues {
  const row = plan.row
  row.fill(0)
  const { entities, seeds, seedHops, search } = scratch
  entitiesOf(event, entities)
  const anchors = entities.anchors
  seeds.length = 0
  seedHops.length = 0
  const { nodes, userDegree, components } = graph
  const kinds = nodes.kinds
  // anchors at hop 0, the event's other entities at hop 1 (the edges the event is about to make)
  let self = -1
  for (let i = 0; i < entities.length; i++) {
    const kind = entities.kinds[i]!
    const node = nodes.find(kind, entities.keys[i]!)
    if (i === 0 && i < anchors) self = node
    if (node < 0) continue
    seeds.push(node)
    seedHops.push(i < anchors ? 0 : 1)
    if (i < anchors) continue
    // distinct other users sharing this entity (the most over several values of a kind)
    const shared = plan.shared[kind]
    if (shared === undefined) continue
    let selfLinked: boolean | undefined
    for (const { windowMs, out } of shared) {
      let users: number
      if (windowMs === Number.POSITIVE_INFINITY) {
        selfLinked ??= self >= 0 && kinds[self] === userKind && graph.edges.find(self, node) >= 0
        users = userDegree[node]! - (selfLinked ? 1 : 0)
      } else users = usersWithin(graph, node, self, atMs - windowMs, atMs, options.maxEdges)
      if (users > row[out]!) row[out] = users
    }
  }
  if (seeds.length === 0) return plan.toRecord(row, 0)

  if (plan.component.length > 0) {
    // the component the event joins, all time: its nodes' components together
    let componentNodes = 0
    for (let i = 0; i < seeds.length; i++) {
      const root = components.rootOf(seeds[i]!)
      let seen = false
      for (let j = 0; j < i && !seen; j++) seen = components.rootOf(seeds[j]!) === root
      if (!seen) componentNodes += components.size[root]!
    }
    for (const out of plan.component) row[out] = componentNodes
  }

  let hubKindMask = 0
  for (const kind of options.hubKinds) hubKindMask |= 1 << kindIndex(kind as EntityKind)
  const isHub = (node: number) => graph.adjacency.length[node]! > options.hubDegree && ((hubKindMask >>> kinds[node]!) & 1) === 1
  for (const planned of plan.searches) {
    const found = search.run(graph, seeds, seedHops, {
      hops: planned.hops,
      fromMs: atMs - planned.windowMs,
      toMs: atMs,
      maxNodes: options.maxNodes,
      maxEdges: options.maxEdges,
      maxEdgesPerNode: options.maxEdgesPerNode,
      hubDegree: options.hubDegree,
      hubKindMask,
    })
    const tallies = planned.tallies
    if (tallies.length > 0) {
      // the nodes found, counted by (kind, label mask): a few distinct cells, whatever the number of counts declared
      const { cells, touched } = plan
      const masks = graph.labels.masks
      const foundNodes = search.found
      let distinct = 0
      let selfCell = -1
      for (let i = 0; i < found; i++) {
        const node = foundNodes[i]!
        const cell = (kinds[node]! << maskBits) | masks[node]!
        if (cells[cell]++ === 0) touched[distinct++] = cell
        if (node === self) selfCell = cell
      }
      for (let t = 0; t < tallies.length; t++) {
        const { kind, mask, withSelf, out } = tallies[t]!
        let count = 0
        for (let c = 0; c < distinct; c++) {
          const cell = touched[c]!
          if ((kind === -1 || kind === cell >>> maskBits) && (mask === 0 || (cell & mask) !== 0)) count += cells[cell]!
        }
        if (!withSelf && selfCell >= 0 && (kind === -1 || kind === selfCell >>> maskBits) && (mask === 0 || (selfCell & mask) !== 0)) count--
        row[out] = count
      }
      for (let c = 0; c < distinct; c++) cells[touched[c]!] = 0
    }
    if (search.capped) for (const out of planned.capped) row[out] = 1
  }

  if (plan.readsRecomputed) {
    let propagated = 0
    let ring: Ring | undefined
    for (let i = 0; i < seeds.length; i++) {
      const node = seeds[i]!
      // a hub's risk is its many strangers' (a carrier IP next to a hundred labelled users), not the applicant's
      const score = seedHops[i] === 0 || !isHub(node) ? propagation.score(node) : 0
      if (score > propagated) propagated = score
      const candidate = ringOfNode(rings, node)
      if (candidate && (!ring || candidate.risk > ring.risk)) ring = candidate
    }
    for (const out of plan.propagated) row[out] = propagated
    if (ring) {
      for (const out of plan.ringRisk) row[out] = ring.risk
      for (const out of plan.ringUsers) row[out] = ring.users
      for (const out of plan.ringGrowth) row[out] = ring.growth
    }
  }
  return plan.toRecord(row, 0)
}

/**
 * Distinct users other than `self` linked to `node` by an edge last seen in
 * [fromMs, …] and first seen by `toMs`: its newest `maxEdges` links read
 * (a lower bound at an entity with more).
 */
function usersWithin(graph: LinkGraph, node: number, self: number, fromMs: number, toMs: number, maxEdges: number): number {
  const { pool, start, length } = graph.adjacency
  const degree = length[node]!
  if (degree === 0) return 0
  const at = start[node]!
  const kinds = graph.nodes.kinds
  const { lastSeenMs, firstSeenMs } = graph.edges
  const from = Math.max(0, degree - maxEdges)
  let users = 0
  for (let j = degree - 1; j >= from; j--) {
    const next = pool[at + 2 * j]!
    if (next === self || kinds[next] !== userKind) continue
    const edge = pool[at + 2 * j + 1]!
    if (lastSeenMs[edge]! >= fromMs && firstSeenMs[edge]! <= toMs) users++
  }
  return users
}

/** The names of the graph features `config/features.yaml` ships with (`standard-graph-features.ts`), in order. */
export const graphFeatureNames: readonly string[] = standardGraphFeatures.map((d) => d.name)
