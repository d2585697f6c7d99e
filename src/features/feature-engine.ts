import type { EntityKind } from '../events/entities.ts'
import { LocalCalendar } from './local-calendar.ts'
import { type CalendarKind, type FeatureDefinition, isCalendarKind, isWindowKind } from './feature-definition.ts'
import { SlidingWindow, type WindowAggregate, emptyValue } from './sliding-window.ts'

/** An event as the feature engine sees it: entity keys are blind indexes, never clear values. */
export interface ObservedEvent {
  type: string
  occurredAtMs: number
  data: Record<string, unknown>
  keys: Partial<Record<EntityKind, string[]>>
}

export type FeatureValues = Record<string, number>

export interface FeatureEngineOptions {
  /** Most entries one window keeps for one entity; bounds memory against hot keys. */
  maxEntriesPerKey: number
}

interface CompiledFeature {
  definition: FeatureDefinition
  aggregate: WindowAggregate
  feeds: Set<string>
  /** What the event adds to the window, or undefined when it adds nothing (no value, or `where` says no). */
  pick: (event: ObservedEvent) => (number | string)[] | undefined
}

interface CalendarFeature {
  name: string
  kind: CalendarKind
  types: Set<string>
  calendar: LocalCalendar
}

/**
 * The features kept per one entity kind. Windows are stored per entity key as
 * one slot per feature, so an event costs one map lookup per entity rather
 * than one per feature.
 */
interface EntityGroup {
  kind: EntityKind
  features: CompiledFeature[]
  windows: Map<string, (SlidingWindow | undefined)[]>
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

  constructor(
    readonly definitions: FeatureDefinition[],
    private readonly options: FeatureEngineOptions = { maxEntriesPerKey: 20_000 },
  ) {
    const byKind = new Map<EntityKind, EntityGroup>()
    const calendars = new Map<string, LocalCalendar>()
    for (const definition of definitions) {
      const { kind, entity } = definition
      this.empty[definition.name] = isWindowKind(kind) ? emptyValue(kind) : 0
      if ((definition.where && !definition.filter) || (definition.expression && !definition.derive)) {
        throw new Error(`feature "${definition.name}" has CEL that was not compiled: call compileFeatureExpressions first`)
      }
      if (kind === 'expression') {
        this.derived.push({ name: definition.name, derive: definition.derive! })
        continue
      }
      if (isCalendarKind(kind)) {
        const calendar = calendars.get(definition.timeZone) ?? new LocalCalendar(definition.timeZone)
        calendars.set(definition.timeZone, calendar)
        this.calendars.push({ name: definition.name, kind, types: new Set(definition.eventTypes), calendar })
        continue
      }
      const group: EntityGroup = byKind.get(entity!) ?? { kind: entity!, features: [], windows: new Map() }
      byKind.set(entity!, group)
      group.features.push({ definition, aggregate: kind as WindowAggregate, feeds: new Set(definition.eventTypes), pick: valuePicker(definition) })
    }
    this.groups = [...byKind.values()]
  }

  /** Values as of just before `event`, then `event` joins the windows. */
  observe(event: ObservedEvent): FeatureValues {
    return this.visit(event, true)
  }

  /** Values as of `event`'s time without adding it (a dry run). */
  read(event: ObservedEvent): FeatureValues {
    return this.visit(event, false)
  }

  /** The current values of the window features kept per one entity key, as of `atMs` (nothing is added). */
  valuesOf(kind: EntityKind, key: string, atMs: number): FeatureValues {
    const values: FeatureValues = {}
    const group = this.groups.find((g) => g.kind === kind)
    if (!group) return values
    const slots = group.windows.get(key)
    group.features.forEach((feature, i) => {
      const window = slots?.[i]
      values[feature.definition.name] = window ? window.valueAt(atMs) : emptyValue(feature.aggregate)
    })
    return values
  }

  add(event: ObservedEvent): void {
    for (const group of this.groups) {
      for (const key of event.keys[group.kind] ?? []) this.addToKey(group, key, event)
    }
  }

  private visit(event: ObservedEvent, thenAdd: boolean): FeatureValues {
    // declaration order, so replies list features as the catalogue does
    const values: FeatureValues = { ...this.empty }
    const t = event.occurredAtMs
    for (const group of this.groups) {
      for (const key of event.keys[group.kind] ?? []) {
        const slots = group.windows.get(key)
        for (let i = 0; i < group.features.length; i++) {
          const feature = group.features[i]!
          const window = slots?.[i]
          const own = feature.definition.includesEvent && feature.feeds.has(event.type) ? feature.pick(event) : undefined
          if (!window && !own) continue
          const name = feature.definition.name
          const value = window ? (own ? window.valueWith(t, own) : window.valueAt(t)) : aggregateOfOwn(feature.aggregate, own!)
          // a multi-valued entity (contacts) reports its riskiest value
          if (value > values[name]!) values[name] = value
        }
        // reading every key before adding to it keeps each read strictly before the event
        if (thenAdd) this.addToKey(group, key, event)
      }
    }
    for (const feature of this.calendars) {
      if (feature.types.has(event.type)) values[feature.name] = feature.kind === 'hour_of_day' ? feature.calendar.hourOf(t) : feature.calendar.weekdayOf(t)
    }
    // in declaration order, so that an expression sees the expressions before it
    for (const feature of this.derived) values[feature.name] = feature.derive(values)
    return values
  }

  private addToKey(group: EntityGroup, key: string, event: ObservedEvent) {
    let slots = group.windows.get(key)
    for (let i = 0; i < group.features.length; i++) {
      const feature = group.features[i]!
      if (!feature.feeds.has(event.type)) continue
      const picked = feature.pick(event)
      if (!picked) continue
      if (!slots) {
        slots = new Array(group.features.length)
        group.windows.set(key, slots)
      }
      const window = slots[i] ?? new SlidingWindow(feature.aggregate, feature.definition.windowMs, this.options.maxEntriesPerKey, feature.definition.delayMs)
      slots[i] = window
      for (const value of picked) window.add(event.occurredAtMs, value)
    }
  }

  /** Drops windows whose newest entry has left the window: their aggregates are all zero. */
  sweep(nowMs: number): number {
    let dropped = 0
    for (const group of this.groups) {
      for (const [key, slots] of group.windows) {
        let live = 0
        for (let i = 0; i < slots.length; i++) {
          const window = slots[i]
          if (!window) continue
          const { windowMs, delayMs } = group.features[i]!.definition
          if (window.newestTs <= nowMs - windowMs - delayMs) {
            slots[i] = undefined
            dropped++
          } else live++
        }
        if (live === 0) group.windows.delete(key)
      }
    }
    return dropped
  }

  /** The longest window: how much history a rebuild has to replay. */
  get horizonMs(): number {
    return Math.max(0, ...this.definitions.map((d) => d.windowMs + d.delayMs))
  }

  stats(): { windows: number; saturated: number } {
    let windows = 0
    let saturated = 0
    for (const group of this.groups) {
      for (const slots of group.windows.values()) {
        for (const window of slots) {
          if (!window) continue
          windows++
          if (window.saturated) saturated++
        }
      }
    }
    return { windows, saturated }
  }
}

/** What one event contributes to a feature's window: one entry for counts, the field's value, or each distinct key. */
function valuePicker(definition: FeatureDefinition): CompiledFeature['pick'] {
  const pick = unfilteredPicker(definition)
  const filter = definition.filter
  return filter ? (event) => (filter(event) ? pick(event) : undefined) : pick
}

function unfilteredPicker(definition: FeatureDefinition): CompiledFeature['pick'] {
  if (definition.field === undefined && definition.of === undefined) return () => ONE
  if (definition.kind === 'distinct_count' && definition.of) {
    const of = definition.of
    return (event) => event.keys[of]
  }
  const segments = definition.field!.split('/').slice(1)
  return (event) => {
    let node: unknown = event.data
    for (const segment of segments) {
      if (node === null || typeof node !== 'object') return undefined
      node = (node as Record<string, unknown>)[segment]
    }
    if (definition.kind === 'distinct_count') return typeof node === 'string' || typeof node === 'number' ? [String(node)] : undefined
    return typeof node === 'number' && Number.isFinite(node) ? [node] : undefined
  }
}

const ONE = [1]

/** A window with nothing yet but the event itself (`includesEvent`). */
const aggregateOfOwn = (aggregate: WindowAggregate, own: (number | string)[]) => new SlidingWindow(aggregate, 1, own.length + 1).valueWith(0, own)
