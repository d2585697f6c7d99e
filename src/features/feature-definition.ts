import { parseDurationMs } from '../core/duration.ts'
import { type FieldIssue, invalidInput } from '../core/errors.ts'
import { type EntityKind, isEntityKind } from '../events/entities.ts'
import type { LabelKind } from '../graph/node-labels.ts'
import { type GraphMeasure, parseGraphFields } from './graph-feature-definition.ts'
import { windowAggregates } from './window-aggregates.ts'
import type { ObservedEvent } from './feature-engine.ts'

/**
 * Aggregates over a sliding window per entity; calendar features, list
 * membership and expressions need no window; `graph` features are measures
 * of the relationship graph, computed by the graph, not the feature engine.
 */
export const featureKinds = [...windowAggregates, 'hour_of_day', 'day_of_week', 'in_list', 'expression', 'graph'] as const
export type FeatureKind = (typeof featureKinds)[number]
export type CalendarKind = 'hour_of_day' | 'day_of_week'

/** Kinds that aggregate a number taken from the event (`field`). */
const numericKinds = new Set<FeatureKind>(['sum', 'avg', 'min', 'max', 'stddev', 'last'])

export const isCalendarKind = (kind: FeatureKind): kind is CalendarKind => kind === 'hour_of_day' || kind === 'day_of_week'

/** Whether the relationship graph computes the feature (`kind: graph`), rather than the feature engine. */
export const isGraphDefinition = (definition: FeatureDefinition): boolean => definition.kind === 'graph'

/**
 * One declarative feature, e.g. "distinct users per device in 24 h". Names
 * carry their unit and window (`distinctUsersPerDevice24h`,
 * `drawdownAmountSumMinor7d`).
 *
 * Window kinds read what came before the event (the event itself only with
 * `includesEvent`); `first_seen` and `time_since_last` are in seconds, −1
 * when the window is empty; `stddev` is the population standard deviation;
 * `geo_velocity` is the km/h from the entity's last place in the window to
 * this event's (0 when either is unknown).
 * Calendar kinds give the event's local hour (0–23) or weekday (0 = Monday).
 * `in_list` is 1 when one of the event's values of `entity` is on `list` at
 * the event's time (lists keep their history, so a backfill sees the list as
 * it stood), else 0.
 * `graph` measures the relationship graph as it stood before the event
 * (`measure`, `hops`, `labels`, `of`, `entity`, `window`:
 * `graph-feature-definition.ts`); it reads every event.
 */
export interface FeatureDefinition {
  name: string
  kind: FeatureKind
  /** The entity the window is kept per (in_list: whose values are looked up; graph shared_users: whose other users are counted); calendar kinds have none. */
  entity?: EntityKind
  /** Window kinds: keep the window per pair of `entity` and this kind, e.g. logins per user and device. */
  pairedWith?: EntityKind
  /** in_list: the list's name. */
  list?: string
  /** Events that feed the window (calendar kinds: that get the value). Any event that mentions the entity can read it. */
  eventTypes: string[]
  window: string
  windowMs: number
  /** Leave out the most recent stretch, e.g. labels not known yet: the window is (t − delay − window, t − delay]. */
  delay?: string
  delayMs: number
  /** Count the event itself: the window is (t − window, t]. */
  includesEvent: boolean
  /** Numeric kinds: JSON pointer to a number in `data`; distinct_count: a pointer to a string, or use `of`. */
  field?: string
  /** distinct_count: count distinct entities of this kind (e.g. users per device); graph neighbourhood counts: count nodes of this kind only. */
  of?: EntityKind
  /** graph: what is measured. */
  measure?: GraphMeasure
  /** graph neighbourhood measures: how far from the applicant (1–3). */
  hops?: number
  /** graph labelled_nodes: the label kinds that count (absent: the graph's risk labels). */
  labels?: LabelKind[]
  /** distinct_count: a HyperLogLog estimate (about 6.5 % standard error) kept in bounded memory, for windows with many distinct values. */
  approximate?: boolean
  /** Calendar kinds: an IANA time zone, default Asia/Shanghai. */
  timeZone: string
  /** Window kinds: a CEL condition on `event` (`event.type`, `event.data…`); only events that meet it feed the window. */
  where?: string
  /** `expression`: a CEL expression over earlier features (`features.a`), giving a number. */
  expression?: string
  description?: string
  /** `where`, compiled (`compileFeatureExpressions`). */
  filter?: (event: ObservedEvent) => boolean
  /** `expression`, compiled. */
  derive?: (values: Record<string, number>) => number
  /** How strategies see the value in CEL, known once expressions are compiled. */
  celType?: 'int' | 'double'
}

export const defaultTimeZone = 'Asia/Shanghai'

/** How much history the windows need: the longest window plus its delay (the graph keeps all history: its windows need none here). */
export const horizonOf = (definitions: readonly FeatureDefinition[]) => Math.max(0, ...definitions.filter((d) => !isGraphDefinition(d)).map((d) => d.windowMs + d.delayMs))

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
    const { name, kind, entity, window, field, of, description, delay, includesEvent, timeZone, where, expression, list, pairedWith, approximate } = item
    const eventTypes = item.eventTypes
    if (typeof name !== 'string' || !/^[a-z][A-Za-z0-9]{1,79}$/.test(name)) fail('name', 'invalid_format', 'name must be camelCase letters and digits')
    else if (names.has(name)) fail('name', 'duplicate', `feature "${name}" is declared twice`)
    else names.add(name)
    if (!(featureKinds as readonly unknown[]).includes(kind)) fail('kind', 'invalid_value', `kind must be one of ${featureKinds.join(', ')}`)
    if (kind === 'graph') {
      definitions.push({ name: name as string, kind, eventTypes: [], delayMs: 0, includesEvent: false, timeZone: defaultTimeZone, ...parseGraphFields(item, fail), ...(typeof description === 'string' ? { description } : {}) })
      return
    }
    const derived = kind === 'expression'
    const calendar = kind === 'hour_of_day' || kind === 'day_of_week'
    const listed = kind === 'in_list'
    const windowless = calendar || derived || listed
    if (!((calendar || derived) && entity === undefined) && !isEntityKind(entity)) fail('entity', 'unknown_entity_kind', `"${String(entity)}" is not an entity kind`)
    if (approximate !== undefined && (kind !== 'distinct_count' || typeof approximate !== 'boolean')) {
      fail('approximate', kind !== 'distinct_count' ? 'not_allowed' : 'invalid_type', kind !== 'distinct_count' ? 'approximate applies to distinct_count only' : 'approximate must be true or false')
    }
    if (listed && (typeof list !== 'string' || !/^[a-z0-9][a-z0-9_-]{0,63}$/.test(list))) fail('list', 'required', 'an in_list feature needs list, the name of a list (lower case letters, digits, - and _)')
    if (!listed && list !== undefined) fail('list', 'not_allowed', 'list applies to kind in_list only')
    if (pairedWith !== undefined) {
      if (windowless) fail('pairedWith', 'not_allowed', 'pairedWith applies to window kinds only')
      else if (!isEntityKind(pairedWith)) fail('pairedWith', 'unknown_entity_kind', `"${String(pairedWith)}" is not an entity kind`)
      else if (pairedWith === entity) fail('pairedWith', 'invalid_value', 'pairedWith must be another entity kind than entity')
    }
    const windowMs = typeof window === 'string' ? parseDurationMs(window) : undefined
    if (windowMs === undefined && !(windowless && window === undefined)) fail('window', 'invalid_format', 'window must look like 10m, 1h, 24h, 7d or 30d')
    if (derived && (typeof expression !== 'string' || expression.trim() === '')) fail('expression', 'required', 'an expression feature needs expression, CEL over earlier features')
    if (!derived && expression !== undefined) fail('expression', 'not_allowed', 'expression applies to kind expression only')
    if (where !== undefined && (windowless || typeof where !== 'string' || where.trim() === '')) {
      fail('where', windowless ? 'not_allowed' : 'invalid_type', windowless ? 'where applies to window kinds only' : 'where must be a CEL condition')
    }
    const delayMs = typeof delay === 'string' ? parseDurationMs(delay) : delay === undefined ? 0 : undefined
    if (delayMs === undefined) fail('delay', 'invalid_format', 'delay must look like 1h, 7d or 30d')
    if (includesEvent !== undefined && typeof includesEvent !== 'boolean') fail('includesEvent', 'invalid_type', 'includesEvent must be true or false')
    if (includesEvent === true && delay !== undefined) fail('includesEvent', 'not_allowed', 'a delayed window ends before the event, so it cannot include it')
    if (timeZone !== undefined && !(calendar && isTimeZone(timeZone))) {
      fail('timeZone', calendar ? 'invalid_value' : 'not_allowed', calendar ? `"${String(timeZone)}" is not an IANA time zone` : 'timeZone applies to hour_of_day and day_of_week only')
    }
    if (derived && eventTypes === undefined) {
      // a derived feature is computed for every event
    } else if (!Array.isArray(eventTypes) || eventTypes.length === 0) fail('eventTypes', 'required', 'eventTypes must list at least one event type')
    else
      eventTypes.forEach((t, j) => {
        if (!knownEventTypes.has(t)) issues.push({ pointer: `${at('eventTypes')}/${j}`, code: 'unknown_event_type', message: `"${t}" is not an event type` })
      })
    if (numericKinds.has(kind as FeatureKind) && !isPointer(field)) fail('field', 'required', `a ${kind} feature needs field, a JSON pointer into data such as "/amountMinor"`)
    if (kind === 'geo_velocity' && !isPointer(field)) fail('field', 'required', 'a geo_velocity feature needs field, a JSON pointer to {lat, lon} in data such as "/geo"')
    if (kind === 'distinct_count' && !isPointer(field) && !isEntityKind(of)) fail('of', 'required', 'a distinct_count feature needs of (an entity kind) or field (a JSON pointer)')
    if (of !== undefined && !isEntityKind(of)) fail('of', 'unknown_entity_kind', `"${String(of)}" is not an entity kind`)
    definitions.push({
      name: name as string,
      kind: kind as FeatureKind,
      ...(isEntityKind(entity) ? { entity } : {}),
      ...(isEntityKind(pairedWith) ? { pairedWith } : {}),
      ...(typeof list === 'string' ? { list } : {}),
      eventTypes: (eventTypes as string[] | undefined) ?? [],
      window: (window as string | undefined) ?? '',
      windowMs: windowMs ?? 0,
      ...(typeof delay === 'string' ? { delay } : {}),
      delayMs: delayMs ?? 0,
      includesEvent: includesEvent === true,
      timeZone: typeof timeZone === 'string' ? timeZone : defaultTimeZone,
      ...(typeof where === 'string' ? { where } : {}),
      ...(typeof expression === 'string' ? { expression } : {}),
      ...(isPointer(field) ? { field } : {}),
      ...(isEntityKind(of) ? { of } : {}),
      ...(approximate === true ? { approximate } : {}),
      ...(typeof description === 'string' ? { description } : {}),
    })
  })
  if (issues.length > 0) throw invalidInput('The feature definitions are invalid', issues)
  return definitions
}

function isTimeZone(value: unknown): boolean {
  if (typeof value !== 'string') return false
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value })
    return true
  } catch {
    return false
  }
}

const isPointer = (value: unknown): value is string => typeof value === 'string' && /^(\/[^/]+)+$/.test(value)
