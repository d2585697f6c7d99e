import type { EntityKind } from '../events/entities.ts'
import type { AcceptedEvent } from '../events/event.ts'
import type { ObservedEvent } from './feature-engine.ts'

/**
 * An accepted event as the feature engine sees it: entity values become
 * keys through `keyOf` (the vault's blind index in the engine; any
 * one-to-one mapping gives the same feature values).
 */
export function observedEvent(event: AcceptedEvent, keyOf: (kind: EntityKind, value: string) => string): ObservedEvent {
  const keys: Partial<Record<EntityKind, string[]>> = {}
  for (const entity of event.entities) {
    const key = keyOf(entity.kind, entity.value)
    const list = keys[entity.kind]
    if (list) list.push(key)
    else keys[entity.kind] = [key]
  }
  return { type: event.type, occurredAtMs: event.occurredAtMs, data: event.data, keys }
}
