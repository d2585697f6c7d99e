import { invalidInput, type FieldIssue } from '../core/errors.ts'
import { type EntityKind, entityKinds } from '../events/entities.ts'
import type { LinkGraph } from './link-graph.ts'
import { type LabelKind, labelKinds } from './node-labels.ts'
import { isSuspect, type Ring, type RingIndex } from './rings.ts'

/** What the rings list sorts by: a figure of the ring (`Ring`), or when its first user was first seen / its last user joined / it was first found. */
export const ringSorts = ['risk', 'users', 'nodes', 'riskUsers', 'growth', 'cohesion', 'firstSeen', 'lastJoined', 'since'] as const
export type RingSort = (typeof ringSorts)[number]

export interface RingListQuery {
  /** Fewest users (3). */
  minUsers?: number
  /** A ring whose risk reaches this is listed (0.5) … */
  minRisk?: number
  /** … and, unless `cohesive` is false, one whose cohesion reaches this (0.5), labelled or not. */
  minCohesion?: number
  cohesive?: boolean
  /** `risk` by default, highest first. */
  sort?: RingSort
  order?: 'asc' | 'desc'
  /** Rings skipped, and rings in the page (0 and 50; at most 500). */
  offset?: number
  limit?: number
}

/** One ring as the investigator's list shows it: figures, members by kind, labelled users, times, and a node to open it at. No key, no value. */
export interface RingRow {
  id: number
  risk: number
  cohesion: number
  users: number
  nodes: number
  riskUsers: number
  riskNodes: number
  newUsers: number
  growth: number
  /** Members of each kind (those with any). */
  members: Partial<Record<EntityKind, number>>
  /** Users carrying each label (as the graph holds it now: labels given since the computation count). */
  labelledUsers: Partial<Record<LabelKind, number>>
  firstSeen: string
  lastJoined: string
  /** The member linked to most users (the shared device or phone, most often): the graph page opens the ring there. */
  focusNode: number
  /** When a computation first found the ring under this id (ids last while a ring goes on). */
  since: string
  /** Its users at the previous computation (0: new). */
  previousUsers: number
  /** A new id split off this ring (null: none). */
  splitFrom: number | null
  /** Rings that ended at this computation, taken into this one. */
  absorbed: number[]
  /** Its users at each computation where the number changed, oldest first (the last 24). */
  history: { at: string; users: number }[]
}

export interface RingList {
  computedAt: string | null
  /** Rings that pass the filters, in all. */
  total: number
  offset: number
  limit: number
  items: RingRow[]
}

const iso = (ms: number) => new Date(ms).toISOString()

/** Checks a rings-list query; a refusal names every offending field. */
export function checkRingListQuery(query: RingListQuery): Required<Omit<RingListQuery, 'minCohesion' | 'minRisk' | 'minUsers'>> & Pick<RingListQuery, 'minCohesion' | 'minRisk' | 'minUsers'> {
  const issues: FieldIssue[] = []
  const whole = (name: 'minUsers' | 'offset' | 'limit', least: number, most: number) => {
    const value = query[name]
    if (value !== undefined && !(Number.isInteger(value) && value >= least && value <= most)) issues.push({ pointer: `/${name}`, code: 'out_of_range', message: `must be a whole number from ${least} to ${most}` })
  }
  whole('minUsers', 1, 100_000)
  whole('offset', 0, 1_000_000)
  whole('limit', 1, 500)
  for (const name of ['minRisk', 'minCohesion'] as const) {
    const value = query[name]
    if (value !== undefined && !(Number.isFinite(value) && value >= 0 && value <= 1)) issues.push({ pointer: `/${name}`, code: 'out_of_range', message: 'must be a number from 0 to 1' })
  }
  if (query.sort !== undefined && !(ringSorts as readonly string[]).includes(query.sort)) issues.push({ pointer: '/sort', code: 'invalid_value', message: `must be one of ${ringSorts.join(', ')}` })
  if (query.order !== undefined && query.order !== 'asc' && query.order !== 'desc') issues.push({ pointer: '/order', code: 'invalid_value', message: 'must be asc or desc' })
  if (issues.length > 0) throw invalidInput('The rings query has errors', issues)
  return { ...query, cohesive: query.cohesive ?? true, sort: query.sort ?? 'risk', order: query.order ?? 'desc', offset: query.offset ?? 0, limit: query.limit ?? 50 }
}

const sortKey: Record<RingSort, (ring: Ring) => number> = {
  risk: (r) => r.risk,
  users: (r) => r.users,
  nodes: (r) => r.nodes,
  riskUsers: (r) => r.riskUsers,
  growth: (r) => r.growth,
  cohesion: (r) => r.cohesion,
  firstSeen: (r) => r.firstSeenMs,
  lastJoined: (r) => r.lastJoinedMs,
  since: (r) => r.sinceMs,
}

/**
 * The rings of the last computation that pass the filters, sorted and one
 * page of them described. A ring's members by kind, its labelled users and
 * its focus node are counted in one pass over the nodes the computation
 * knew (`ringOf`): a few milliseconds per million nodes, paid per request,
 * so the labelled counts are the graph's as it is now.
 */
export function listRings(graph: LinkGraph, index: RingIndex, query: RingListQuery = {}, usersOf?: Map<number, string[]>): RingList {
  const q = checkRingListQuery(query)
  const thresholds = { ...(q.minUsers === undefined ? {} : { minUsers: q.minUsers }), ...(q.minRisk === undefined ? {} : { minRisk: q.minRisk }), ...(q.minCohesion === undefined ? {} : { minCohesion: q.minCohesion }) }
  const passing = index.rings.filter((ring) => (q.cohesive ? isSuspect(ring, thresholds) : ring.users >= (q.minUsers ?? 3) && ring.risk >= (q.minRisk ?? 0.5)))
  const key = sortKey[q.sort]
  const sign = q.order === 'desc' ? -1 : 1
  // ties: riskier, then larger, then by id, so a page boundary is stable
  passing.sort((a, b) => sign * (key(a) - key(b)) || b.risk - a.risk || b.users - a.users || a.id - b.id)
  const page = passing.slice(q.offset, q.offset + q.limit)
  return {
    computedAt: Number.isFinite(index.computedAtMs) && index.computedAtMs > 0 ? iso(index.computedAtMs) : null,
    total: passing.length,
    offset: q.offset,
    limit: q.limit,
    items: describeRings(graph, index, page, usersOf),
  }
}

/**
 * The rows of some rings: one pass over the nodes for the counts by kind and
 * label and the focus node; with `usersOf`, each ring's users' blind indexes
 * gathered in the same pass (for matching rings to their cases; never sent).
 */
function describeRings(graph: LinkGraph, index: RingIndex, rings: readonly Ring[], usersOf?: Map<number, string[]>): RingRow[] {
  if (rings.length === 0) return []
  // `ringOf` holds positions in `index.rings`: a typed array by position finds a ring's row without hashing per node
  const slot = new Int32Array(index.rings.length).fill(-1)
  const row = new Map(rings.map((ring, i) => [ring, i]))
  index.rings.forEach((ring, position) => {
    const i = row.get(ring)
    if (i !== undefined) slot[position] = i
  })
  for (const ring of rings) usersOf?.set(ring.id, [])
  const kindCount = entityKinds.length
  const labelCount = labelKinds.length
  const byKind = new Int32Array(rings.length * kindCount)
  const byLabel = new Int32Array(rings.length * labelCount)
  const focus = new Int32Array(rings.length).fill(-1)
  const focusUsers = new Int32Array(rings.length).fill(-1)
  const { ringOf } = index
  const kinds = graph.nodes.kinds
  const masks = graph.labels.masks
  const userDegree = graph.userDegree
  const userKind = entityKinds.indexOf('user')
  const end = Math.min(ringOf.length, graph.nodes.count)
  for (let node = 0; node < end; node++) {
    const position = ringOf[node]!
    if (position < 0) continue
    const i = slot[position]!
    if (i < 0) continue
    const kind = kinds[node]!
    byKind[i * kindCount + kind]!++
    if (kind === userKind) {
      if (usersOf) usersOf.get(rings[i]!.id)!.push(graph.nodes.key(node))
      // the labels' columns grow only as far as a node was labelled: no read past their end (a slow path in V8)
      const mask = node < masks.length ? masks[node]! : 0
      for (let l = 0; l < labelCount; l++) if ((mask >>> l) & 1) byLabel[i * labelCount + l]!++
    }
    if (node < userDegree.length && userDegree[node]! > focusUsers[i]!) {
      focusUsers[i] = userDegree[node]!
      focus[i] = node
    }
  }
  return rings.map((ring, i) => {
    const members: RingRow['members'] = {}
    entityKinds.forEach((kind, k) => {
      if (byKind[i * kindCount + k]! > 0) members[kind] = byKind[i * kindCount + k]!
    })
    const labelledUsers: RingRow['labelledUsers'] = {}
    labelKinds.forEach((label, l) => {
      if (byLabel[i * labelCount + l]! > 0) labelledUsers[label] = byLabel[i * labelCount + l]!
    })
    return {
      id: ring.id,
      risk: ring.risk,
      cohesion: ring.cohesion,
      users: ring.users,
      nodes: ring.nodes,
      riskUsers: ring.riskUsers,
      riskNodes: ring.riskNodes,
      newUsers: ring.newUsers,
      growth: ring.growth,
      members,
      labelledUsers,
      firstSeen: iso(ring.firstSeenMs),
      lastJoined: iso(ring.lastJoinedMs),
      focusNode: focus[i]!,
      since: iso(ring.sinceMs),
      previousUsers: ring.previousUsers,
      splitFrom: ring.splitFrom < 0 ? null : ring.splitFrom,
      absorbed: ring.absorbed,
      history: ring.history.map((size) => ({ at: iso(size.atMs), users: size.users })),
    }
  })
}
