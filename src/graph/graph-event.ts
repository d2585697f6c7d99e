import type { EntityKind } from '../events/entities.ts'
import { kindIndexOf, userKind } from './node-table.ts'

/**
 * An event as the graph takes it: the shape of the feature engine's
 * `ObservedEvent` (what `observedEvent` and `decisionLogHistory` give), so
 * the same object feeds both. `keys` are blind indexes per entity kind; a
 * label's keys include those of the event it is about.
 */
export interface GraphEvent {
  type: string
  occurredAtMs: number
  data: Record<string, unknown>
  keys: Partial<Record<EntityKind, string[]>>
}

/** An event's entities, reused from event to event: parallel lists of kind index and key. */
export class EventEntities {
  kinds: number[] = []
  keys: string[] = []
  length = 0
  /** How many at the front are anchors. */
  anchors = 0

  push(kind: number, key: string): void {
    for (let i = 0; i < this.length; i++) if (this.kinds[i] === kind && this.keys[i] === key) return
    this.kinds[this.length] = kind
    this.keys[this.length++] = key
  }
}

/**
 * The order in which an event without a user picks the entity the others
 * link to: the one most likely to stand for a person.
 */
const anchorPreference = ['id_number', 'phone', 'device', 'bank_card', 'equipment', 'terminal', 'contacts', 'address', 'ip'] as const

/**
 * The event's entities into `into`, each once, anchors first: the users
 * (or, without one, the first entity by `anchorPreference`), then the rest.
 * Edges join each anchor with every other entity (user–device, user–phone,
 * user–contact, …); two users of one event are joined too.
 */
export function entitiesOf(event: GraphEvent, into: EventEntities): EventEntities {
  into.length = 0
  const keys = event.keys
  const users = keys.user
  if (users) for (let i = 0; i < users.length; i++) into.push(userKind, users[i]!)
  if (into.length === 0) {
    for (const name of anchorPreference) {
      const first = keys[name]?.[0]
      if (first !== undefined) {
        into.push(kindIndexOf(name), first)
        break
      }
    }
  }
  into.anchors = into.length
  for (const name in keys) {
    const kind = kindIndexOf(name)
    if (kind < 0 || kind === userKind) continue
    const values = keys[name as EntityKind]!
    for (let i = 0; i < values.length; i++) into.push(kind, values[i]!)
  }
  return into
}

/** The label a `label` event gives (`data.label`), or undefined for any other event. */
export function labelOf(event: GraphEvent): string | undefined {
  if (event.type !== 'label') return undefined
  const label = event.data.label
  return typeof label === 'string' ? label : undefined
}

/** Whether a `label` event withdraws its label (`data.withdrawn`) rather than gives it. */
export const isWithdrawal = (event: GraphEvent): boolean => event.data.withdrawn === true

/** What a `label` event is about: the event it names (`data.subjectEventId`), or undefined when it names none. */
export function subjectOf(event: GraphEvent): string | undefined {
  const subject = event.data.subjectEventId
  return typeof subject === 'string' ? subject : undefined
}
