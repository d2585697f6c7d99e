import type { RingCases, RingSighting } from '../cases/ring-cases.ts'
import type { GraphService } from '../graph/graph-service.ts'
import type { RingIndex } from '../graph/rings.ts'

/** The rings of a computation that cross the ring-case threshold, with their figures and members, as the review desk takes them. */
export function ringSightings(graph: GraphService, ringCases: RingCases, index: RingIndex = graph.rings): RingSighting[] {
  const crossing = index.rings.filter((ring) => ringCases.crosses(ring))
  if (crossing.length === 0) return []
  const members = graph.ringMembers(new Set(crossing.map((ring) => ring.id)))
  const computedAt = new Date(index.computedAtMs).toISOString()
  return crossing.map((ring) => ({
    summary: {
      ringId: ring.id,
      computedAt,
      users: ring.users,
      nodes: ring.nodes,
      riskUsers: ring.riskUsers,
      newUsers: ring.newUsers,
      risk: ring.risk,
      cohesion: ring.cohesion,
      growth: ring.growth,
    },
    members: members.get(ring.id) ?? {},
  }))
}
