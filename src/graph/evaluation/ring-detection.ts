import type { EntityKind } from '../../events/entities.ts'
import type { ScenarioName } from '../../simulation/world.ts'
import { defaultWorldConfig, type WorldConfig } from '../../simulation/world-config.ts'
import { engineGraphOptions } from '../graph-replay.ts'
import { GraphService } from '../graph-service.ts'
import { kindIndex } from '../node-table.ts'
import { defaultRingCaseOptions, opensRingCase } from '../../cases/ring-cases.ts'
import { isSuspect, type Ring, type RingThresholds } from '../rings.ts'
import { simulatedHistory } from './simulated-history.ts'

/** Precision and recall of one detection rule, over users and over rings. */
export interface DetectionFigures {
  /** Users in suspect rings who belong to a true ring, over all users in suspect rings. */
  userPrecision: number
  /** Users of true rings who are in a suspect ring, over all users of true rings. */
  userRecall: number
  /** Suspect rings most of whose users belong to one true ring, over all suspect rings. */
  ringPrecision: number
  /** True rings most of whose users sit in one suspect ring, over all true rings. */
  ringRecall: number
  suspectRings: number
  flaggedUsers: number
}

export interface RingDetectionReport {
  events: number
  users: number
  trueRings: number
  trueRingUsers: number
  rings: number
  louvainMs: number
  /** Structure alone (cohesion ≥ 0.5, at least 4 users), as before any label is known. */
  structure: DetectionFigures
  /** Labels alone (risk ≥ 0.5, at least 4 users): rings that investigators' labels have already marked. */
  labels: DetectionFigures
  /** Either (the default rule of `isSuspect`). */
  either: DetectionFigures
  /** The review desk's rule for opening a ring case, at its defaults (`opensRingCase`): what ships. */
  cases: DetectionFigures
}

/** A small world with many rings: fraud rings (团伙) and intermediaries (中介), the organised scenarios with ground truth per member. */
export const ringWorld = (customers = 3_000, days = 30, seed = 5): { seed: number; days: number; customers: number; config: WorldConfig } => ({
  seed,
  days,
  customers,
  config: {
    ...defaultWorldConfig,
    fraudRings: { applicationShare: 0.05, members: [5, 25] },
    intermediaries: { applicationShare: 0.05, clients: [8, 40] },
  },
})

const organised: ScenarioName[] = ['fraud_ring', 'intermediary']

/**
 * Rings found in a simulated lender against its ground truth: every event
 * (label events included, when their truth became known) goes through
 * `GraphService.observe` in time order; at the end the rings are computed
 * (Louvain over the last 90 days) — or, `scheduled`, the rings the engine's
 * hourly schedule has applied by then (captured at the hour before last,
 * on the ring worker) are taken — and each rule flags the rings it would
 * open cases for. A true ring is a ring (`actorId`) of a fraud-ring or
 * intermediary scenario; its users are those its ground truth names.
 */
export function evaluateRingDetection(world = ringWorld(), how: { scheduled?: boolean } = {}): RingDetectionReport {
  const keyOf = (kind: EntityKind, value: string) => `${kind}:${value}`
  const { events, truths } = simulatedHistory(world, keyOf)
  const service = new GraphService(how.scheduled ? engineGraphOptions : {})
  for (const { observed } of events) service.observe(observed)
  const index = how.scheduled ? service.rings : service.recompute()
  const graph = service.graph
  const actorOf = new Map<number, string>()
  for (const truth of truths) {
    if (!truth.actorId || !truth.userId || !organised.includes(truth.scenario)) continue
    const node = graph.nodes.find(kindIndex('user'), keyOf('user', truth.userId))
    if (node >= 0) actorOf.set(node, truth.actorId)
  }
  const ringUsers = new Map<string, number>()
  for (const actor of actorOf.values()) ringUsers.set(actor, (ringUsers.get(actor) ?? 0) + 1)
  const membersOf = new Map<number, number[]>()
  for (let node = 0; node < index.ringOf.length; node++) {
    const position = index.ringOf[node]!
    if (position < 0 || graph.nodes.kinds[node] !== kindIndex('user')) continue
    const id = index.rings[position]!.id
    const list = membersOf.get(id) ?? []
    list.push(node)
    membersOf.set(id, list)
  }
  const figures = (flags: RingThresholds | ((ring: Ring) => boolean)): DetectionFigures => {
    const suspects = index.rings.filter((ring) => (typeof flags === 'function' ? flags(ring) : isSuspect(ring, flags)))
    let flagged = 0
    let truePositives = 0
    let pureRings = 0
    const found = new Set<string>()
    for (const ring of suspects) {
      const members = membersOf.get(ring.id) ?? []
      flagged += members.length
      const byActor = new Map<string, number>()
      for (const node of members) {
        const actor = actorOf.get(node)
        if (actor === undefined) continue
        truePositives++
        byActor.set(actor, (byActor.get(actor) ?? 0) + 1)
      }
      const [actor, count] = [...byActor].sort((a, b) => b[1] - a[1])[0] ?? ['', 0]
      if (count > members.length / 2) pureRings++
      if (actor && count > ringUsers.get(actor)! / 2) found.add(actor)
    }
    const ratio = (a: number, b: number) => (b === 0 ? Number.NaN : a / b)
    return {
      userPrecision: ratio(truePositives, flagged),
      userRecall: ratio(truePositives, actorOf.size),
      ringPrecision: ratio(pureRings, suspects.length),
      ringRecall: ratio(found.size, ringUsers.size),
      suspectRings: suspects.length,
      flaggedUsers: flagged,
    }
  }
  let users = 0
  for (let node = 0; node < graph.nodes.count; node++) if (graph.nodes.kinds[node] === kindIndex('user')) users++
  return {
    events: events.length,
    users,
    trueRings: ringUsers.size,
    trueRingUsers: actorOf.size,
    rings: index.rings.length,
    louvainMs: index.stats.ms,
    structure: figures({ minUsers: 4, minCohesion: 0.5, minRisk: Number.POSITIVE_INFINITY }),
    labels: figures({ minUsers: 4, minRisk: 0.5, minCohesion: Number.POSITIVE_INFINITY }),
    either: figures({ minUsers: 4 }),
    cases: figures((ring) => opensRingCase(ring, defaultRingCaseOptions)),
  }
}
