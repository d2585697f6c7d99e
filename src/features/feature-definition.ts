import { parseDurationMs } from '../core/duration.ts'
import { type FieldIssue, invalidInput } from '../core/errors.ts'
import { type EntityKind, isEntityKind } from '../events/entities.ts'

export const featureKinds = ['count', 'distinct_count', 'sum', 'max'] as const
export type FeatureKind = (typeof featureKinds)[number]

/**
 * One declarative sliding-window aggregate per entity, e.g. "distinct users
 * per device in 24 h". Names carry their unit and window
 * (`distinctUsersPerDevice24h`, `drawdownAmountSumMinor7d`).
 */
export interface FeatureDefinition {
  name: string
  kind: FeatureKind
  /** The entity the window is kept per. */
  entity: EntityKind
  /** Events that feed the window. Any event that mentions the entity can read it. */
  eventTypes: string[]
  window: string
  windowMs: number
  /** sum / max: JSON pointer to an integer in `data`; distinct_count: a pointer to a string, or use `of`. */
  field?: string
  /** distinct_count: count distinct entities of this kind (e.g. users per device). */
  of?: EntityKind
  description?: string
}

/** Validates a list of raw definitions against the known event types; every problem is named. */
export function parseFeatureDefinitions(raw: unknown, knownEventTypes: Set<string>): FeatureDefinition[] {
  const issues: FieldIssue[] = []
  const list = Array.isArray(raw) ? raw : []
  if (!Array.isArray(raw)) issues.push({ pointer: '/features', code: 'invalid_type', message: 'features must be a list' })
  const names = new Set<string>()
  const definitions: FeatureDefinition[] = []
  list.forEach((item: Record<string, unknown>, i) => {
    const at = (key: string) => `/features/${i}/${key}`
    const fail = (key: string, code: string, message: string) => issues.push({ pointer: at(key), code, message })
    if (item === null || typeof item !== 'object') {
      fail('', 'invalid_type', 'must be an object')
      return
    }
    const { name, kind, entity, window, field, of, description } = item
    const eventTypes = item.eventTypes
    if (typeof name !== 'string' || !/^[a-z][A-Za-z0-9]{1,79}$/.test(name)) fail('name', 'invalid_format', 'name must be camelCase letters and digits')
    else if (names.has(name)) fail('name', 'duplicate', `feature "${name}" is declared twice`)
    else names.add(name)
    if (!(featureKinds as readonly unknown[]).includes(kind)) fail('kind', 'invalid_value', `kind must be one of ${featureKinds.join(', ')}`)
    if (!isEntityKind(entity)) fail('entity', 'unknown_entity_kind', `"${String(entity)}" is not an entity kind`)
    const windowMs = typeof window === 'string' ? parseDurationMs(window) : undefined
    if (windowMs === undefined) fail('window', 'invalid_format', 'window must look like 10m, 1h, 24h, 7d or 30d')
    if (!Array.isArray(eventTypes) || eventTypes.length === 0) fail('eventTypes', 'required', 'eventTypes must list at least one event type')
    else
      eventTypes.forEach((t, j) => {
        if (!knownEventTypes.has(t)) issues.push({ pointer: `${at('eventTypes')}/${j}`, code: 'unknown_event_type', message: `"${t}" is not an event type` })
      })
    if ((kind === 'sum' || kind === 'max') && !isPointer(field)) fail('field', 'required', `a ${kind} feature needs field, a JSON pointer into data such as "/amountMinor"`)
    if (kind === 'distinct_count' && !isPointer(field) && !isEntityKind(of)) fail('of', 'required', 'a distinct_count feature needs of (an entity kind) or field (a JSON pointer)')
    if (of !== undefined && !isEntityKind(of)) fail('of', 'unknown_entity_kind', `"${String(of)}" is not an entity kind`)
    definitions.push({
      name: name as string,
      kind: kind as FeatureKind,
      entity: entity as EntityKind,
      eventTypes: eventTypes as string[],
      window: window as string,
      windowMs: windowMs ?? 0,
      ...(isPointer(field) ? { field } : {}),
      ...(isEntityKind(of) ? { of } : {}),
      ...(typeof description === 'string' ? { description } : {}),
    })
  })
  if (issues.length > 0) throw invalidInput('The feature definitions are invalid', issues)
  return definitions
}

const isPointer = (value: unknown): value is string => typeof value === 'string' && /^(\/[^/]+)+$/.test(value)
