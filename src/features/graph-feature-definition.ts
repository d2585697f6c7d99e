import { parseDurationMs } from '../core/duration.ts'
import { type EntityKind, isEntityKind } from '../events/entities.ts'
import { type LabelKind, labelKinds } from '../graph/node-labels.ts'

/**
 * What a `kind: graph` feature measures of the relationship graph as it
 * stood before the event (docs/graph.md, "Measures for a decision"):
 * - `neighbourhood_nodes`: nodes within `hops` of the applicant over edges
 *   last seen within `window`, the applicant left out (`of`: of that kind only);
 * - `labelled_nodes`: of those, the nodes carrying one of `labels` (the
 *   graph's risk labels by default), the applicant's own node included;
 * - `search_capped`: 1 when a cap cut that search short (its counts are then lower bounds);
 * - `shared_users`: distinct other users linked to the event's `entity`
 *   (the most over several values), over `window` or all time;
 * - `component_nodes`: nodes of the connected components the event joins;
 * - `ring_risk`, `ring_users`, `ring_growth`: of the riskiest ring among the event's nodes;
 * - `propagated_risk`: the highest propagated risk among the event's nodes.
 */
export const graphMeasures = [
  'neighbourhood_nodes',
  'labelled_nodes',
  'search_capped',
  'shared_users',
  'component_nodes',
  'ring_risk',
  'ring_users',
  'ring_growth',
  'propagated_risk',
] as const
export type GraphMeasure = (typeof graphMeasures)[number]

/** Measures read from a capped neighbourhood search: they take `hops` and `window`. */
export const searchMeasures: ReadonlySet<GraphMeasure> = new Set(['neighbourhood_nodes', 'labelled_nodes', 'search_capped'])

/** Measures whose values have fractions: CEL doubles (the others are counts and flags, ints). */
export const fractionalMeasures: ReadonlySet<GraphMeasure> = new Set(['ring_risk', 'ring_growth', 'propagated_risk'])

/** Farthest a neighbourhood search may go: a third hop already reaches most of a dense graph before its caps. */
export const maxGraphHops = 3

/** The fields a graph feature adds to a definition. */
export interface GraphFields {
  measure: GraphMeasure
  hops?: number
  labels?: LabelKind[]
  of?: EntityKind
  entity?: EntityKind
  window: string
  windowMs: number
}

/** Fields of other kinds that a graph feature refuses rather than ignores. */
const notForGraph = ['pairedWith', 'list', 'field', 'where', 'delay', 'expression', 'timeZone', 'approximate', 'includesEvent', 'eventTypes'] as const

type Fail = (key: string, code: string, message: string) => void

/** Checks the fields of a `kind: graph` feature; every problem goes to `fail`, naming the field. */
export function parseGraphFields(item: Record<string, unknown>, fail: Fail): GraphFields {
  const { measure, hops, labels, of, entity, window } = item
  const known = (graphMeasures as readonly unknown[]).includes(measure)
  if (!known) fail('measure', measure === undefined ? 'required' : 'invalid_value', `a graph feature needs measure, one of ${graphMeasures.join(', ')}`)
  const m = measure as GraphMeasure
  const searched = searchMeasures.has(m)
  for (const key of notForGraph) if (item[key] !== undefined) fail(key, 'not_allowed', `${key} does not apply to a graph feature (the graph reads every event, before it is added)`)
  if (searched) {
    if (!(Number.isInteger(hops) && (hops as number) >= 1 && (hops as number) <= maxGraphHops)) fail('hops', hops === undefined ? 'required' : 'out_of_range', `${m} needs hops, a whole number from 1 to ${maxGraphHops}`)
  } else if (hops !== undefined && known) fail('hops', 'not_allowed', `hops applies to ${[...searchMeasures].join(', ')} only`)
  const windowMs = typeof window === 'string' ? parseDurationMs(window) : undefined
  if (searched && window === undefined) fail('window', 'required', `${m} needs window: edges last seen within it count (10m, 1h, 24h, 7d, 30d)`)
  else if ((searched || m === 'shared_users') && window !== undefined && windowMs === undefined) fail('window', 'invalid_format', 'window must look like 10m, 1h, 24h, 7d or 30d')
  else if (!searched && m !== 'shared_users' && window !== undefined && known) fail('window', 'not_allowed', `${m} has no window of its own (rings and propagation keep theirs: docs/graph.md)`)
  if (labels !== undefined) {
    if (m !== 'labelled_nodes') fail('labels', 'not_allowed', 'labels applies to labelled_nodes only')
    else if (!Array.isArray(labels) || labels.length === 0) fail('labels', 'invalid_type', `labels must list label kinds (${labelKinds.join(', ')})`)
    else
      labels.forEach((label, j) => {
        if (!(labelKinds as readonly unknown[]).includes(label)) fail(`labels/${j}`, 'invalid_value', `"${String(label)}" is not a label kind (${labelKinds.join(', ')})`)
      })
  }
  if (of !== undefined) {
    if (m !== 'neighbourhood_nodes' && m !== 'labelled_nodes') fail('of', 'not_allowed', 'of applies to neighbourhood_nodes and labelled_nodes only')
    else if (!isEntityKind(of)) fail('of', 'unknown_entity_kind', `"${String(of)}" is not an entity kind`)
  }
  if (m === 'shared_users') {
    if (!isEntityKind(entity) || entity === 'user') fail('entity', entity === undefined ? 'required' : 'invalid_value', 'shared_users needs entity, the kind of the event\'s entity whose other users are counted (not user)')
  } else if (entity !== undefined && known) fail('entity', 'not_allowed', 'entity applies to shared_users only')
  return {
    measure: m,
    ...(Number.isInteger(hops) ? { hops: hops as number } : {}),
    ...(Array.isArray(labels) ? { labels: labels as LabelKind[] } : {}),
    ...(isEntityKind(of) ? { of } : {}),
    ...(isEntityKind(entity) ? { entity } : {}),
    window: typeof window === 'string' ? window : '',
    windowMs: windowMs ?? 0,
  }
}
