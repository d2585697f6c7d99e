import type { EntityKind } from '../../events/entities.ts'
import { EventTypeRegistry } from '../../events/event-type-registry.ts'
import { type SimulationOptions, simulate } from '../../simulation/simulation.ts'
import type { GroundTruth } from '../../simulation/world.ts'
import type { GraphEvent } from '../graph-event.ts'

export interface SimulatedHistory {
  events: { eventId: string; observed: GraphEvent }[]
  truths: GroundTruth[]
}

/**
 * A simulated lender's events as the decision path would hand them to the
 * graph: accepted by the event-type registry (entities extracted), keyed by
 * `keyOf` (the vault's blind index in the engine), and a label given its
 * subject event's keys as well as its own (`DecisionService.keysOfSubject`).
 */
export function simulatedHistory(options: SimulationOptions, keyOf: (kind: EntityKind, value: string) => string): SimulatedHistory {
  const registry = new EventTypeRegistry(() => Number.MAX_SAFE_INTEGER)
  const truths: GroundTruth[] = []
  const keysById = new Map<string, Partial<Record<EntityKind, string[]>>>()
  const events: SimulatedHistory['events'] = []
  for (const simulated of simulate({ ...options, labelEvents: options.labelEvents ?? true }, (truth) => truths.push(truth))) {
    const accepted = registry.accept('default', simulated)
    const keys: Partial<Record<EntityKind, string[]>> = {}
    for (const entity of accepted.entities) {
      const list = keys[entity.kind] ?? []
      list.push(keyOf(entity.kind, entity.value))
      keys[entity.kind] = list
    }
    if (accepted.type === 'label') {
      const subject = keysById.get(String(accepted.data.subjectEventId))
      if (subject) for (const [kind, values] of Object.entries(subject) as [EntityKind, string[]][]) keys[kind] = [...new Set([...(keys[kind] ?? []), ...values])]
    } else keysById.set(accepted.id, keys)
    events.push({ eventId: accepted.id, observed: { type: accepted.type, occurredAtMs: accepted.occurredAtMs, data: accepted.data, keys } })
  }
  return { events, truths }
}
