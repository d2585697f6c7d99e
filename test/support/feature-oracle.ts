/**
 * A deliberately naive second opinion on feature values: recomputes any
 * feature of the catalogue for an event by scanning the raw events recorded
 * before it. It shares no code with `src/features/` or with entity
 * extraction; it follows the definitions as documented:
 *
 * - the value of a feature for an event is the aggregate, per value of the
 *   feature's `entity` that the event mentions, over the earlier events that
 *   mention the same value, are of one of the feature's `eventTypes` and
 *   occurred in (t − window, t]; the highest over several values (contacts);
 *   0 when the event mentions no such value or nothing is in the window;
 * - "earlier" means recorded before it (decided before it), so an event
 *   never sees itself; an event of any type may read a feature, only the
 *   listed types feed it;
 * - count: one per event; distinct_count: distinct values of the `of` entity
 *   across those events (an event without one adds nothing), or distinct
 *   `String(value)` of the string or number at `field`; sum / max: of the
 *   finite numbers at `field` (events without one add nothing);
 * - entities: the JSON pointers of the event type, `*` walking every array
 *   item; strings and numbers only, never the empty string, each value once.
 *
 * Raw events are indexed by entity kind and value so that a scan touches only
 * the events that mention the value; every value is recomputed from scratch.
 */
import type { EntityKind, EntityPaths } from '../../src/events/entities.ts'
import type { FeatureDefinition } from '../../src/features/feature-definition.ts'

export interface OracleEvent {
  id: string
  type: string
  occurredAt: string
  data: Record<string, unknown>
}

interface Recorded {
  type: string
  atMs: number
  data: Record<string, unknown>
  entities: Map<string, string[]>
}

export class FeatureOracle {
  private readonly mentioning = new Map<string, Recorded[]>()

  constructor(
    readonly definitions: readonly FeatureDefinition[],
    /** Where each entity sits in an event of this type (the event type's declared paths). */
    private readonly entityPathsOf: (type: string) => EntityPaths,
  ) {}

  /** Every feature of the catalogue for `event`, from the events recorded so far (not `event` itself). */
  valuesFor(event: OracleEvent): Record<string, number> {
    const entities = this.entitiesOf(event)
    const atMs = Date.parse(event.occurredAt)
    const values: Record<string, number> = {}
    for (const definition of this.definitions) values[definition.name] = this.valueOf(definition, entities, atMs, event)
    return values
  }

  /** One feature for `event`. */
  value(definition: FeatureDefinition, event: OracleEvent): number {
    return this.valueOf(definition, this.entitiesOf(event), Date.parse(event.occurredAt), event)
  }

  /** `event` becomes history for every later question. */
  record(event: OracleEvent): void {
    const recorded: Recorded = { type: event.type, atMs: Date.parse(event.occurredAt), data: event.data, entities: this.entitiesOf(event) }
    for (const [kind, values] of recorded.entities) {
      for (const value of values) {
        const key = indexKey(kind, value)
        const list = this.mentioning.get(key)
        if (list) list.push(recorded)
        else this.mentioning.set(key, [recorded])
      }
    }
  }

  /** The entity values an event mentions, by kind: what the engine keys its windows by. */
  entitiesOf(event: Pick<OracleEvent, 'type' | 'data'>): Map<string, string[]> {
    const found = new Map<string, string[]>()
    for (const [kind, pointer] of Object.entries(this.entityPathsOf(event.type))) {
      if (pointer === undefined) continue
      const values: string[] = []
      for (const raw of walk(event.data, pointer.split('/').slice(1))) {
        if (typeof raw !== 'string' && typeof raw !== 'number') continue
        const text = String(raw)
        if (text === '' || values.includes(text)) continue
        values.push(text)
      }
      if (values.length > 0) found.set(kind, values)
    }
    return found
  }

  private valueOf(definition: FeatureDefinition, entities: Map<string, string[]>, atMs: number, event: OracleEvent): number {
    let highest = 0
    for (const value of entities.get(definition.entity!) ?? []) {
      const history = this.mentioning.get(indexKey(definition.entity!, value)) ?? []
      const inWindow = history.filter((e) => definition.eventTypes.includes(e.type) && e.atMs > atMs - definition.windowMs && e.atMs <= atMs)
      const aggregate = definition.kind === 'geo_velocity' ? velocityOf(definition, inWindow, event, atMs) : aggregateOf(definition, inWindow)
      if (aggregate > highest) highest = aggregate
    }
    return highest
  }
}

/** km/h from the newest earlier place to the event's own, straight from the haversine formula. */
function velocityOf(definition: FeatureDefinition, events: Recorded[], event: OracleEvent, atMs: number): number {
  const here = definition.eventTypes.includes(event.type) ? place(at(event.data, definition.field!)) : undefined
  const earlier = events.filter((e) => place(at(e.data, definition.field!)) !== undefined)
  const last = earlier[earlier.length - 1]
  if (!here || !last) return 0
  const from = place(at(last.data, definition.field!))!
  const rad = Math.PI / 180
  const h = Math.sin(((here.lat - from.lat) * rad) / 2) ** 2 + Math.cos(from.lat * rad) * Math.cos(here.lat * rad) * Math.sin(((here.lon - from.lon) * rad) / 2) ** 2
  return (2 * 6371 * Math.asin(Math.sqrt(h))) / (Math.max(atMs - last.atMs, 1_000) / 3_600_000)
}

function place(node: unknown): { lat: number; lon: number } | undefined {
  const p = node as { lat?: unknown; lon?: unknown } | undefined
  return p && typeof p.lat === 'number' && typeof p.lon === 'number' ? { lat: p.lat, lon: p.lon } : undefined
}

function aggregateOf(definition: FeatureDefinition, events: Recorded[]): number {
  switch (definition.kind) {
    case 'count':
      return events.length
    case 'distinct_count': {
      const distinct = new Set<string>()
      for (const e of events) {
        if (definition.of) for (const value of e.entities.get(definition.of) ?? []) distinct.add(value)
        else {
          const value = at(e.data, definition.field!)
          if (typeof value === 'string' || typeof value === 'number') distinct.add(String(value))
        }
      }
      return distinct.size
    }
    case 'sum':
    case 'max': {
      const numbers = events.map((e) => at(e.data, definition.field!)).filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
      if (numbers.length === 0) return 0
      return definition.kind === 'sum' ? numbers.reduce((a, b) => a + b, 0) : Math.max(...numbers)
    }
    default:
      throw new Error(`the oracle does not compute ${definition.kind} features yet`)
  }
}

/** The value at a plain JSON pointer (no wildcards), or undefined. */
function at(data: unknown, pointer: string): unknown {
  let node = data
  for (const segment of pointer.split('/').slice(1)) {
    if (node === null || typeof node !== 'object') return undefined
    node = (node as Record<string, unknown>)[segment]
  }
  return node
}

/** Every value a pointer reaches, `*` standing for each item of an array. */
function walk(node: unknown, segments: string[]): unknown[] {
  if (segments.length === 0) return [node]
  const [segment, ...rest] = segments as [string, ...string[]]
  if (segment === '*') return Array.isArray(node) ? node.flatMap((item) => walk(item, rest)) : []
  if (node === null || typeof node !== 'object' || !Object.hasOwn(node, segment)) return []
  return walk((node as Record<string, unknown>)[segment], rest)
}

const indexKey = (kind: EntityKind | string, value: string) => `${kind}\u0000${value}`
