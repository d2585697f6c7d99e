import type { MeasureOptions } from '../../src/graph/graph-options.ts'
import { type EventEntities, type GraphEvent, entitiesOf } from '../../src/graph/graph-event.ts'
import type { LinkGraph } from '../../src/graph/link-graph.ts'
import type { NeighbourhoodSearch } from '../../src/graph/neighbourhood.ts'
import { kindIndex, userKind } from '../../src/graph/node-table.ts'
import type { RiskPropagation } from '../../src/graph/propagation.ts'
import { type Ring, type RingIndex, ringOfNode } from '../../src/graph/rings.ts'

/**
 * The graph's 17 measures as the software fixed them before they were
 * declared in the feature library (`kind: graph`): kept as the oracle the
 * declared measures are compared with (`graph-measures.test.ts`).
 */

/** The graph's values for one event, by name (what a strategy or model reads). */
export type GraphFeatureValues = Record<GraphFeatureName, number>

/** The names, each documented in docs/graph.md ("Measures"). */
export const legacyGraphFeatureNames = [
  'graphNodes2h30d',
  'graphUsers2h30d',
  'riskUsers2h30d',
  'riskNodes2h30d',
  'usersPerDevice',
  'usersPerPhone',
  'usersPerContact',
  'usersPerIp',
  'usersPerBankCard',
  'usersPerIdNumber',
  'usersPerAddress',
  'componentNodes',
  'ringRisk',
  'ringUsers',
  'ringGrowth7d',
  'propagatedRisk',
  'graphSearchCapped',
] as const
export type GraphFeatureName = (typeof legacyGraphFeatureNames)[number]

/** The "distinct users sharing this …" measure of each entity kind (by kind index). */
const sharedName: (GraphFeatureName | undefined)[] = []
sharedName[kindIndex('device')] = 'usersPerDevice'
sharedName[kindIndex('phone')] = 'usersPerPhone'
sharedName[kindIndex('contacts')] = 'usersPerContact'
sharedName[kindIndex('ip')] = 'usersPerIp'
sharedName[kindIndex('bank_card')] = 'usersPerBankCard'
sharedName[kindIndex('id_number')] = 'usersPerIdNumber'
sharedName[kindIndex('address')] = 'usersPerAddress'


/** Scratch a measurement reuses: the event's entities and its nodes, and the search. */
export interface MeasureScratch {
  entities: EventEntities
  seeds: number[]
  seedHops: number[]
  search: NeighbourhoodSearch
}

/**
 * The graph's measures of an event, read from the graph as it stands — call
 * before adding the event, so it sees neither itself nor anything later.
 * Pure: nothing in the graph changes. The applicant is the event's user (or
 * its anchor entity, `graph-event.ts`); its "2 hops" are its own edges and
 * the event's entities at one hop, their neighbours at two. Windowed counts
 * take edges last seen within `windowMs` before `atMs`; every search is
 * capped (`graphSearchCapped` = 1 when a cap cut it short: counts are then
 * lower bounds).
 */
export function legacyMeasureEvent(
  graph: LinkGraph,
  event: GraphEvent,
  atMs: number,
  options: MeasureOptions & { windowMs: number },
  scratch: MeasureScratch,
  rings: RingIndex,
  propagation: RiskPropagation,
): GraphFeatureValues {
  const values = emptyValues()
  const { entities, seeds, seedHops, search } = scratch
  entitiesOf(event, entities)
  const anchors = entities.anchors
  seeds.length = 0
  seedHops.length = 0
  const { nodes, labels, userDegree, components } = graph
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
    // distinct other users sharing this entity (all time; the most over several values of a kind)
    const name = sharedName[kind]
    if (name === undefined) continue
    let users = userDegree[node]!
    if (self >= 0 && nodes.kinds[self] === userKind && graph.edges.find(self, node) >= 0) users--
    if (users > values[name]) values[name] = users
  }
  if (seeds.length === 0) return values

  // the component the event joins, all time: its nodes' components together
  let componentNodes = 0
  for (let i = 0; i < seeds.length; i++) {
    const root = components.rootOf(seeds[i]!)
    let seen = false
    for (let j = 0; j < i && !seen; j++) seen = components.rootOf(seeds[j]!) === root
    if (!seen) componentNodes += components.size[root]!
  }
  values.componentNodes = componentNodes

  // the 2-hop neighbourhood over the window
  const found = search.run(graph, seeds, seedHops, {
    hops: 2,
    fromMs: atMs - options.windowMs,
    toMs: atMs,
    maxNodes: options.maxNodes,
    maxEdges: options.maxEdges,
    maxEdgesPerNode: options.maxEdgesPerNode,
  })
  const kinds = nodes.kinds
  const foundNodes = search.found
  let users = 0
  let riskUsers = 0
  let riskNodes = 0
  for (let i = 0; i < found; i++) {
    const node = foundNodes[i]!
    const risky = labels.isRisky(node)
    if (risky) riskNodes++
    if (kinds[node] === userKind) {
      if (node !== self) users++
      if (risky) riskUsers++
    }
  }
  let propagated = 0
  let ring: Ring | undefined
  for (const node of seeds) {
    const score = propagation.score(node)
    if (score > propagated) propagated = score
    const candidate = ringOfNode(rings, node)
    if (candidate && (!ring || candidate.risk > ring.risk)) ring = candidate
  }
  values.graphNodes2h30d = found - (self >= 0 ? 1 : 0)
  values.graphUsers2h30d = users
  values.riskUsers2h30d = riskUsers
  values.riskNodes2h30d = riskNodes
  values.propagatedRisk = propagated
  if (ring) {
    values.ringRisk = ring.risk
    values.ringUsers = ring.users
    values.ringGrowth7d = ring.growth
  }
  values.graphSearchCapped = search.capped ? 1 : 0
  return values
}

/** Every measure at 0, in one fixed shape. */
const emptyValues = (): GraphFeatureValues => ({
  graphNodes2h30d: 0,
  graphUsers2h30d: 0,
  riskUsers2h30d: 0,
  riskNodes2h30d: 0,
  usersPerDevice: 0,
  usersPerPhone: 0,
  usersPerContact: 0,
  usersPerIp: 0,
  usersPerBankCard: 0,
  usersPerIdNumber: 0,
  usersPerAddress: 0,
  componentNodes: 0,
  ringRisk: 0,
  ringUsers: 0,
  ringGrowth7d: 0,
  propagatedRisk: 0,
  graphSearchCapped: 0,
})
