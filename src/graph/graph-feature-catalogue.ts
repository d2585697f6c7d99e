import type { EntityKind } from '../events/entities.ts'
import type { GraphFeatureValues } from './graph-measures.ts'
import type { GraphService } from './graph-service.ts'

/** A user key no event can carry (blind indexes are never empty): the applicant the graph has never seen. */
const unseenUser = ''

/**
 * An entity's graph measures now: those of a hypothetical event at `atMs`
 * naming only it — for a user, that user applying; for any other kind, a
 * new applicant presenting it (so `usersPerDevice` of a device is how many
 * users it has served). The graph features declared are measured; nothing
 * changes in the graph.
 */
export function entityGraphValues(graph: GraphService, kind: EntityKind, key: string, atMs: number): GraphFeatureValues {
  const keys = kind === 'user' ? { user: [key] } : { user: [unseenUser], [kind]: [key] }
  return graph.measure({ type: 'entity', occurredAtMs: atMs, data: {}, keys })
}
