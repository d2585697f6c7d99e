import type { EntityKind } from '../events/entities.ts'
import { EntityLog, type LogEntry, type LogLayout } from './entity-log.ts'
import { type CalendarKind, type FeatureDefinition, horizonOf, isCalendarKind } from './feature-definition.ts'
import { LocalCalendar } from './local-calendar.ts'
import { type WindowAggregate, aggregateOf, emptyValue } from './window-aggregates.ts'

/** An event as the feature engine sees it: entity keys are blind indexes, never clear values. */
export interface ObservedEvent {
  type: string
  occurredAtMs: number
  data: Record<string, unknown>
  keys: Partial<Record<EntityKind, string[]>>
}

export type FeatureValues = Record<string, number>

export interface FeatureEngineOptions {
  /** Most entries one entity's log keeps; bounds memory against hot keys. */
  maxEntriesPerKey: number
  /** How late an event may arrive (after a newer one of the same entity) and still see its whole window. */
  lateAllowanceMs?: number
}

/** An hour: events that arrive later than that behind a newer one of the same entity may see part of their window. */
export const defaultLateAllowanceMs = 3_600_000

/** How one window feature takes its value from an event. */
interface WindowFeature {
  name: string
  definition: FeatureDefinition
  aggregate: WindowAggregate
  includesEvent: boolean
  feeds: Set<string>
  filter: ((event: ObservedEvent) => boolean) | undefined
  /** A number from `data` (numeric kinds), or undefined. */
  number: ((event: ObservedEvent) => number | undefined) | undefined
  /** Strings to count distinct (distinct_count), or undefined. */
  strings: ((event: ObservedEvent) => string | string[] | undefined) | undefined
  /** A place (geo_velocity), or undefined. */
  place: ((event: ObservedEvent) => [number, number] | undefined) | undefined
}

/** The window features kept per one entity kind, over one log per entity key. */
interface EntityGroup {
  kind: EntityKind
  features: WindowFeature[]
  layout: LogLayout
  logs: Map<string, EntityLog>
  /** The longest window plus delay: a log older than that holds nothing any feature reads. */
  horizonMs: number
  /** Reused for every event: the log copies what it keeps. */
  scratch: LogEntry
  /** For each event type, the features it feeds, so that an event looks at those only. */
  fedBy: Map<string, number[]>
}

interface CalendarFeature {
  name: string
  kind: CalendarKind
  types: Set<string>
  calendar: LocalCalendar
}

/**
 * Computes every declared feature for an event from what came before it, then
 * adds the event. `observe` is the only entry point in the decision path, so
 * no caller can read after adding by mistake.
 */
export class FeatureEngine {
  private readonly groups: EntityGroup[]
  private readonly calendars: CalendarFeature[] = []
  private readonly derived: { name: string; derive: (values: FeatureValues) => number }[] = []
  private readonly empty: FeatureValues = {}
  /** The newest event time seen: sweeping by the wall clock would drop windows a replay of the past still needs. */
  private newestSeenMs = Number.NEGATIVE_INFINITY

  constructor(
    readonly definitions: FeatureDefinition[],
    options: FeatureEngineOptions = { maxEntriesPerKey: 20_000 },
  ) {
    const byKind = new Map<EntityKind, { features: WindowFeature[]; horizonMs: number }>()
    const calendars = new Map<string, LocalCalendar>()
    for (const definition of definitions) {
      const { kind, entity } = definition
      if ((definition.where && !definition.filter) || (definition.expression && !definition.derive)) {
        throw new Error(`feature "${definition.name}" has CEL that was not compiled: call compileFeatureExpressions first`)
      }
      if (kind === 'expression') {
        this.empty[definition.name] = 0
        this.derived.push({ name: definition.name, derive: definition.derive! })
        continue
      }
      if (isCalendarKind(kind)) {
        this.empty[definition.name] = 0
        const calendar = calendars.get(definition.timeZone) ?? new LocalCalendar(definition.timeZone)
        calendars.set(definition.timeZone, calendar)
        this.calendars.push({ name: definition.name, kind, types: new Set(definition.eventTypes), calendar })
        continue
      }
      this.empty[definition.name] = emptyValue(kind)
      const group = byKind.get(entity!) ?? { features: [], horizonMs: 0 }
      byKind.set(entity!, group)
      const strings = kind === 'distinct_count' ? stringPicker(definition) : undefined
      const place = kind === 'geo_velocity' ? placePicker(definition.field!) : undefined
      const number = strings || place || definition.field === undefined ? undefined : numberPicker(definition.field)
      group.features.push({ name: definition.name, definition, aggregate: kind, includesEvent: definition.includesEvent, feeds: new Set(definition.eventTypes), filter: definition.filter, number, strings, place })
      group.horizonMs = Math.max(group.horizonMs, definition.windowMs + definition.delayMs)
    }
    this.groups = [...byKind.entries()].map(([kind, group]) => {
      // each feature that reads a value gets its own column; a place takes two, latitude then longitude
      let numberColumns = 0
      let stringColumns = 0
      const features = group.features.map((feature): LogLayout['features'][number] => {
        const numberColumn = feature.number || feature.place ? numberColumns : -1
        numberColumns += feature.place ? 2 : feature.number ? 1 : 0
        const stringColumn = feature.strings ? stringColumns++ : -1
        return { aggregate: feature.aggregate, windowMs: feature.definition.windowMs, delayMs: feature.definition.delayMs, numberColumn, stringColumn }
      })
      const layout: LogLayout = {
        features,
        numberColumns,
        stringColumns,
        words: Math.ceil(features.length / 32),
        capacity: options.maxEntriesPerKey,
        keepMs: group.horizonMs + (options.lateAllowanceMs ?? defaultLateAllowanceMs),
      }
      const scratch: LogEntry = { mask: new Array(layout.words).fill(0), numbers: new Array(numberColumns).fill(0), strings: new Array(stringColumns).fill(undefined) }
      const fedBy = new Map<string, number[]>()
      group.features.forEach((feature, f) => {
        for (const type of feature.feeds) fedBy.set(type, [...(fedBy.get(type) ?? []), f])
      })
      return { kind, features: group.features, layout, logs: new Map(), horizonMs: group.horizonMs, scratch, fedBy }
    })
  }

  /** Values as of just before `event`, then `event` joins the windows. */
  observe(event: ObservedEvent): FeatureValues {
    return this.visit(event, true)
  }

  /** Values as of `event`'s time without adding it (a dry run). */
  read(event: ObservedEvent): FeatureValues {
    return this.visit(event, false)
  }

  add(event: ObservedEvent): void {
    if (event.occurredAtMs > this.newestSeenMs) this.newestSeenMs = event.occurredAtMs
    for (const group of this.groups) {
      const keys = event.keys[group.kind]
      if (!keys || keys.length === 0) continue
      const entry = entryOf(group, event)
      if (entry) for (const key of keys) this.logOf(group, key).append(event.occurredAtMs, entry)
    }
  }

  /** The current values of the window features kept per one entity key, as of `atMs` (nothing is added). */
  valuesOf(kind: EntityKind, key: string, atMs: number): FeatureValues {
    const values: FeatureValues = {}
    const group = this.groups.find((g) => g.kind === kind)
    if (!group) return values
    const log = group.logs.get(key)
    group.features.forEach((feature, f) => {
      values[feature.name] = log ? log.valueAt(f, atMs, undefined, false) : emptyValue(feature.aggregate)
    })
    return values
  }

  private visit(event: ObservedEvent, thenAdd: boolean): FeatureValues {
    // declaration order, so replies list features as the catalogue does
    const values: FeatureValues = { ...this.empty }
    const t = event.occurredAtMs
    if (thenAdd && t > this.newestSeenMs) this.newestSeenMs = t
    for (const group of this.groups) {
      const keys = event.keys[group.kind]
      if (!keys || keys.length === 0) continue
      const entry = entryOf(group, event)
      for (const key of keys) {
        const log = group.logs.get(key)
        for (let f = 0; f < group.features.length; f++) {
          const feature = group.features[f]!
          // a velocity always needs the event's own place; other kinds only with includesEvent
          const own = (feature.includesEvent || feature.place) && entry && fed(entry, f) ? ownValues(group, entry, f) : undefined
          if (!log && !own) continue
          // a dry run reads without moving the log's positions: a later, earlier-stamped event must find them where they were
          const value = log ? log.valueAt(f, t, own, thenAdd) : aggregateOf(feature.aggregate, own!.map(() => t), own!, t)
          // a multi-valued entity (contacts) reports its riskiest value
          if (value > values[feature.name]!) values[feature.name] = value
        }
        // reading every key before adding to it keeps each read strictly before the event
        if (thenAdd && entry) (log ?? this.logOf(group, key)).append(t, entry)
      }
    }
    for (const feature of this.calendars) {
      if (feature.types.has(event.type)) values[feature.name] = feature.kind === 'hour_of_day' ? feature.calendar.hourOf(t) : feature.calendar.weekdayOf(t)
    }
    // in declaration order, so that an expression sees the expressions before it
    for (const feature of this.derived) values[feature.name] = feature.derive(values)
    return values
  }

  private logOf(group: EntityGroup, key: string): EntityLog {
    let log = group.logs.get(key)
    if (!log) {
      log = new EntityLog(group.layout)
      group.logs.set(key, log)
    }
    return log
  }

  /** Drops logs whose newest entry has left every window as of `nowMs` (or the newest event seen, if earlier). */
  sweep(nowMs: number): number {
    const asOf = Math.min(nowMs, this.newestSeenMs + defaultLateAllowanceMs)
    let dropped = 0
    for (const group of this.groups) {
      for (const [key, log] of group.logs) {
        if (log.newestTs <= asOf - group.horizonMs) {
          group.logs.delete(key)
          dropped++
        }
      }
    }
    return dropped
  }

  /** The longest window plus delay: how much history a rebuild has to replay. */
  get horizonMs(): number {
    return horizonOf(this.definitions)
  }

  /** Entity logs kept, and how many reached their capacity. */
  stats(): { entities: number; saturated: number } {
    let entities = 0
    let saturated = 0
    for (const group of this.groups) {
      for (const log of group.logs.values()) {
        entities++
        if (log.saturated) saturated++
      }
    }
    return { entities, saturated }
  }
}

/** What `event` adds to the logs of `group`: the features it feeds and their values; undefined when it feeds none. */
function entryOf(group: EntityGroup, event: ObservedEvent): LogEntry | undefined {
  const fedFeatures = group.fedBy.get(event.type)
  if (!fedFeatures) return undefined
  const { layout, scratch } = group
  let entry: LogEntry | undefined
  scratch.mask.fill(0)
  // values of the previous event (perhaps another entity's) must not ride along in this one's entry
  scratch.numbers.fill(0)
  scratch.strings.fill(undefined)
  for (const f of fedFeatures) {
    const feature = group.features[f]!
    const column = layout.features[f]!
    let number: number | undefined
    let strings: string | string[] | undefined
    let place: [number, number] | undefined
    if (feature.place) {
      place = feature.place(event)
      if (place === undefined) continue
    } else if (feature.number) {
      number = feature.number(event)
      if (number === undefined) continue
    } else if (feature.strings) {
      strings = feature.strings(event)
      if (strings === undefined || strings.length === 0) continue
    }
    if (feature.filter && !feature.filter(event)) continue
    entry = scratch
    entry.mask[f >>> 5]! |= 1 << (f & 31)
    if (place) {
      entry.numbers[column.numberColumn] = place[0]
      entry.numbers[column.numberColumn + 1] = place[1]
    } else if (column.numberColumn >= 0) entry.numbers[column.numberColumn] = number!
    if (column.stringColumn >= 0) entry.strings[column.stringColumn] = strings
  }
  return entry
}

const fed = (entry: LogEntry, f: number) => (entry.mask[f >>> 5]! & (1 << (f & 31))) !== 0

/** The event's own contribution to feature `f`, for `includesEvent`. */
function ownValues(group: EntityGroup, entry: LogEntry, f: number): (number | string)[] {
  const column = group.layout.features[f]!
  if (column.aggregate === 'geo_velocity') return [entry.numbers[column.numberColumn]!, entry.numbers[column.numberColumn + 1]!]
  if (column.numberColumn >= 0) return [entry.numbers[column.numberColumn]!]
  if (column.stringColumn >= 0) {
    const value = entry.strings[column.stringColumn]
    return typeof value === 'string' ? [value] : (value ?? [])
  }
  return ONE
}

const ONE = [1]

function numberPicker(field: string): (event: ObservedEvent) => number | undefined {
  const segments = field.split('/').slice(1)
  return (event) => {
    const node = at(event.data, segments)
    return typeof node === 'number' && Number.isFinite(node) ? node : undefined
  }
}

function placePicker(field: string): (event: ObservedEvent) => [number, number] | undefined {
  const segments = field.split('/').slice(1)
  return (event) => {
    const node = at(event.data, segments) as { lat?: unknown; lon?: unknown } | undefined
    return node && typeof node.lat === 'number' && typeof node.lon === 'number' ? [node.lat, node.lon] : undefined
  }
}

/** distinct_count: the keys of another entity (`of`, deduplicated), or a field's value as text. */
function stringPicker(definition: FeatureDefinition): (event: ObservedEvent) => string | string[] | undefined {
  const of = definition.of
  if (of) return (event) => event.keys[of]
  const segments = definition.field!.split('/').slice(1)
  return (event) => {
    const node = at(event.data, segments)
    return typeof node === 'string' || typeof node === 'number' ? String(node) : undefined
  }
}

function at(data: unknown, segments: string[]): unknown {
  let node = data
  for (const segment of segments) {
    if (node === null || typeof node !== 'object') return undefined
    node = (node as Record<string, unknown>)[segment]
  }
  return node
}
