import { hash } from 'node:crypto'
import type { EntityKind } from '../events/entities.ts'
import { featureDefinitionText } from './feature-catalogue.ts'
import { EntityLog, type LogEntry, type LogLayout } from './entity-log.ts'
import { ColumnsReader, ColumnsWriter, type GroupColumns, noColumnSizes } from './log-columns.ts'
import { type CalendarKind, type FeatureDefinition, horizonOf, isCalendarKind } from './feature-definition.ts'
import { LocalCalendar } from './local-calendar.ts'
import { type ValueSource, sourceOf } from './value-sources.ts'
import { type WindowAggregate, aggregateOf, emptyValue, windowAggregates } from './window-aggregates.ts'

/** An event as the feature engine sees it: entity keys are blind indexes, never clear values. */
export interface ObservedEvent {
  type: string
  occurredAtMs: number
  data: Record<string, unknown>
  keys: Partial<Record<EntityKind, string[]>>
}

export type FeatureValues = Record<string, number>

/** Every entity log, per group of features, in flat columns (`FeatureEngine.snapshot`); structured-clone safe (node:v8 serialize). */
export interface FeatureStateSnapshot {
  /** The window definitions and limits the state was kept for: another engine's snapshot is not restored. */
  layoutHash: string
  newestSeenMs: number
  groups: (GroupColumns & { kind: string })[]
}

export interface FeatureEngineOptions {
  /** Most entries one entity's log keeps (default 20,000); bounds memory against hot keys. */
  maxEntriesPerKey?: number
  /** How late an event may arrive (after a newer one of the same entity) and still see its whole window. */
  lateAllowanceMs?: number
  /** Where in_list features look entity keys up, point in time; without it they are 0. */
  lists?: ListLookup
}

/** Point-in-time list membership by entity key (lists/list-membership.ts). */
export interface ListLookup {
  has(listName: string, key: string, atMs: number): boolean
}

/** An hour: events that arrive later than that behind a newer one of the same entity may see part of their window. */
export const defaultLateAllowanceMs = 3_600_000

/** How one window feature takes its value from an event. */
interface WindowFeature {
  name: string
  /** Position in the declaration order: where the value goes in the engine's scratch row. */
  index: number
  definition: FeatureDefinition
  aggregate: WindowAggregate
  includesEvent: boolean
  feeds: Set<string>
  filter: ((event: ObservedEvent) => boolean) | undefined
  /** What the feature takes from an event (its number, strings or place), or undefined for counts and times. */
  source: ValueSource | undefined
}

/** The window features kept per one entity kind (or pair of kinds), over one log per entity key. */
interface EntityGroup {
  /** The entity kind, or two joined by "+" for a pair (`user+device`). */
  kind: string
  /** The keys of an event that this group keeps logs for: the entity's, or each pair of the two entities'. */
  keysOf: (event: ObservedEvent) => readonly string[] | undefined
  features: WindowFeature[]
  layout: LogLayout
  logs: Map<string, EntityLog>
  /** The longest window plus delay: a log older than that holds nothing any feature reads. */
  horizonMs: number
  /** Reused for every event: the log copies what it keeps. */
  scratch: LogEntry
  /** For each event type, the features it feeds (so that an event looks at those only) and the value sources they read. */
  feedsOf: Map<string, { features: number[]; sources: ValueSource[] }>
}

interface ListFeature {
  index: number
  entity: EntityKind
  list: string
  types: Set<string>
}

interface CalendarFeature {
  index: number
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
  private readonly listed: ListFeature[] = []
  private readonly lists: ListLookup | undefined
  private readonly derived: { name: string; index: number; derive: (values: FeatureValues) => number }[] = []
  /** Every feature's value when nothing fed it, in declaration order. */
  private readonly empty: Float64Array
  /** The features whose value when nothing fed it is not 0. */
  private readonly emptyNotZero: number[]
  /** The values of the event being visited, in declaration order, before they become a record. */
  private readonly row: Float64Array
  private readonly toRecord: (row: Float64Array, offset: number) => FeatureValues
  /** The newest event time seen: sweeping by the wall clock would drop windows a replay of the past still needs. */
  private newestSeenMs = Number.NEGATIVE_INFINITY
  /** What a snapshot's state depends on: the window features' definitions, in order, and the log limits. */
  readonly layoutHash: string

  constructor(
    readonly definitions: FeatureDefinition[],
    options: FeatureEngineOptions = {},
  ) {
    this.lists = options.lists
    const byKind = new Map<string, { features: WindowFeature[]; horizonMs: number }>()
    const calendars = new Map<string, LocalCalendar>()
    this.empty = new Float64Array(definitions.length)
    this.row = new Float64Array(definitions.length)
    this.toRecord = recordMaker(definitions.map((d) => d.name))
    definitions.forEach((definition, index) => {
      const { kind, entity } = definition
      if ((definition.where && !definition.filter) || (definition.expression && !definition.derive)) {
        throw new Error(`feature "${definition.name}" has CEL that was not compiled: call compileFeatureExpressions first`)
      }
      if (kind === 'expression') {
        this.derived.push({ name: definition.name, index, derive: definition.derive! })
        return
      }
      if (isCalendarKind(kind)) {
        const calendar = calendars.get(definition.timeZone) ?? new LocalCalendar(definition.timeZone)
        calendars.set(definition.timeZone, calendar)
        this.calendars.push({ index, kind, types: new Set(definition.eventTypes), calendar })
        return
      }
      if (kind === 'in_list') {
        this.listed.push({ index, entity: entity!, list: definition.list!, types: new Set(definition.eventTypes) })
        return
      }
      this.empty[index] = emptyValue(kind)
      const groupKind = definition.pairedWith ? `${entity}+${definition.pairedWith}` : entity!
      const group = byKind.get(groupKind) ?? { features: [], horizonMs: 0 }
      byKind.set(groupKind, group)
      group.features.push({ name: definition.name, index, definition, aggregate: kind, includesEvent: definition.includesEvent, feeds: new Set(definition.eventTypes), filter: definition.filter, source: sourceOf(definition) })
      group.horizonMs = Math.max(group.horizonMs, definition.windowMs + definition.delayMs)
    })
    this.emptyNotZero = [...this.empty.keys()].filter((index) => this.empty[index] !== 0)
    const windowed = definitions.filter((d) => (windowAggregates as readonly string[]).includes(d.kind))
    this.layoutHash = hash('sha256', JSON.stringify([windowed.map(featureDefinitionText), options.maxEntriesPerKey ?? 20_000, options.lateAllowanceMs ?? defaultLateAllowanceMs]), 'hex')
    this.groups = [...byKind.entries()].map(([kind, group]) => {
      // one column per distinct value source (a place takes two: latitude, then longitude)
      const sources = new Map<string, ValueSource>()
      let numberColumns = 0
      let stringColumns = 0
      for (const feature of group.features) {
        const source = feature.source
        if (!source) continue
        const shared = sources.get(source.key)
        if (shared) {
          feature.source = shared
          continue
        }
        sources.set(source.key, source)
        if (source.kind === 'strings') source.column = stringColumns++
        else {
          source.column = numberColumns
          numberColumns += source.kind === 'place' ? 2 : 1
        }
      }
      const features = group.features.map((feature): LogLayout['features'][number] => {
        const source = feature.source
        const numberColumn = source && source.kind !== 'strings' ? source.column : -1
        const stringColumn = source?.kind === 'strings' ? source.column : -1
        return { aggregate: feature.aggregate, approximate: feature.definition.approximate === true, windowMs: feature.definition.windowMs, delayMs: feature.definition.delayMs, numberColumn, stringColumn }
      })
      const layout: LogLayout = {
        features,
        numberColumns,
        stringColumns,
        words: Math.ceil(features.length / 32),
        capacity: options.maxEntriesPerKey ?? 20_000,
        keepMs: group.horizonMs + (options.lateAllowanceMs ?? defaultLateAllowanceMs),
      }
      const scratch: LogEntry = { mask: new Array(layout.words).fill(0), numbers: new Array(numberColumns).fill(0), strings: new Array(stringColumns).fill(undefined) }
      const feedsOf = new Map<string, { features: number[]; sources: ValueSource[] }>()
      group.features.forEach((feature, f) => {
        for (const type of feature.feeds) {
          const feeds = feedsOf.get(type) ?? { features: [], sources: [] }
          feeds.features.push(f)
          if (feature.source && !feeds.sources.includes(feature.source)) feeds.sources.push(feature.source)
          feedsOf.set(type, feeds)
        }
      })
      return { kind, keysOf: keysOf(group.features[0]!.definition), features: group.features, layout, logs: new Map(), horizonMs: group.horizonMs, scratch, feedsOf }
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
      const keys = group.keysOf(event)
      if (!keys || keys.length === 0) continue
      const entry = entryOf(group, event)
      if (entry) for (const key of keys) this.logOf(group, key).append(event.occurredAtMs, entry)
    }
  }

  /** The current values of the window features kept per one entity key (a pair: `user+device` and both keys joined by "|"), as of `atMs` (nothing is added). */
  valuesOf(kind: EntityKind | `${EntityKind}+${EntityKind}`, key: string, atMs: number): FeatureValues {
    const values: FeatureValues = {}
    const group = this.groups.find((g) => g.kind === kind)
    if (!group) return values
    const log = group.logs.get(key)
    group.features.forEach((feature, f) => {
      values[feature.name] = log ? log.valueAt(f, atMs, undefined, false) : emptyValue(feature.aggregate)
    })
    return values
  }

  /**
   * The offline execution: `observe` for every event of `events` (in the
   * order given), with the values in one matrix, a row of
   * `definitions.length` values per event in declaration order. The events
   * are visited entity by entity instead of one by one: each entity's log
   * sees its own events in the same order as online, through the same code,
   * so every value is the one `observe` would give, while the log stays in
   * the processor's cache for all of its events. `wanted(i) === false` skips
   * the reads of event `i` (it only feeds the windows, like `add`), leaving its
   * row at the empty values. Logs persist across calls, so a long history
   * goes through in consecutive batches.
   */
  observeBatch(events: readonly ObservedEvent[], wanted?: (index: number) => boolean): Float64Array {
    const width = this.definitions.length
    const rows = new Float64Array(events.length * width)
    // rows start at 0; only the kinds whose empty value is not 0 (−1 for the times) are set
    const notZero = this.emptyNotZero
    for (let i = 0; i < events.length; i++) {
      for (const index of notZero) rows[i * width + index] = this.empty[index]!
      if (events[i]!.occurredAtMs > this.newestSeenMs) this.newestSeenMs = events[i]!.occurredAtMs
    }
    for (const group of this.groups) {
      const batch = batchEntries(group, events)
      for (const [key, occurrences] of batch.occurrences) {
        let log = group.logs.get(key)
        for (const i of occurrences) {
          const entry = batch.entryAt(i)
          const t = batch.times[i]!
          if (wanted?.(i) !== false) this.readKey(group, log, entry, t, true, rows, i * width)
          if (!entry) continue
          log ??= this.logOf(group, key)
          log.append(t, entry)
        }
      }
    }
    if (this.calendars.length > 0 || this.listed.length > 0 || this.derived.length > 0) {
      for (let i = 0; i < events.length; i++) if (wanted?.(i) !== false) this.finishRow(events[i]!, rows, i * width)
    }
    return rows
  }

  /** The record of row `i` of an `observeBatch` matrix. */
  recordOf(rows: Float64Array, i: number): FeatureValues {
    return this.toRecord(rows, i * this.definitions.length)
  }

  private visit(event: ObservedEvent, thenAdd: boolean): FeatureValues {
    const row = this.row
    row.set(this.empty)
    const t = event.occurredAtMs
    if (thenAdd && t > this.newestSeenMs) this.newestSeenMs = t
    for (const group of this.groups) {
      const keys = group.keysOf(event)
      if (!keys || keys.length === 0) continue
      const entry = entryOf(group, event)
      for (const key of keys) {
        const log = group.logs.get(key)
        this.readKey(group, log, entry, t, thenAdd, row, 0)
        // reading every key before adding to it keeps each read strictly before the event
        if (thenAdd && entry) (log ?? this.logOf(group, key)).append(t, entry)
      }
    }
    return this.finishRow(event, row, 0)
  }

  /** Reads every feature of `group` from one key's log (or none yet) into `row` at `offset`; a multi-valued entity (contacts) keeps its riskiest value. */
  private readKey(group: EntityGroup, log: EntityLog | undefined, entry: LogEntry | undefined, t: number, moveOn: boolean, row: Float64Array, offset: number): void {
    for (let f = 0; f < group.features.length; f++) {
      const feature = group.features[f]!
      // a velocity always needs the event's own place; other kinds only with includesEvent
      const own = (feature.includesEvent || feature.aggregate === 'geo_velocity') && entry && fed(entry, f) ? ownValues(group, entry, f) : undefined
      if (!log && !own) continue
      // a dry run reads without moving the log's positions: a later, earlier-stamped event must find them where they were
      const value = log ? log.valueAt(f, t, own, moveOn) : aggregateOf(feature.aggregate, own!.map(() => t), own!, t)
      if (value > row[offset + feature.index]!) row[offset + feature.index] = value
    }
  }

  /** Adds the calendar and derived features to a row, and returns the row as a record. */
  private finishRow(event: ObservedEvent, row: Float64Array, offset: number): FeatureValues {
    const t = event.occurredAtMs
    for (const feature of this.listed) {
      if (!feature.types.has(event.type) || !this.lists) continue
      const keys = event.keys[feature.entity]
      row[offset + feature.index] = keys?.some((key) => this.lists!.has(feature.list, key, t)) ? 1 : 0
    }
    for (const feature of this.calendars) {
      if (feature.types.has(event.type)) row[offset + feature.index] = feature.kind === 'hour_of_day' ? feature.calendar.hourOf(t) : feature.calendar.weekdayOf(t)
    }
    const values = this.toRecord(row, offset)
    // in declaration order, so that an expression sees the expressions before it
    for (const feature of this.derived) {
      const value = feature.derive(values)
      values[feature.name] = value
      row[offset + feature.index] = value
    }
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

  /**
   * The state of every window as flat columns: each log's retained entries.
   * Taken between events (the caller makes sure no event is half-way), it
   * restores into a fresh engine of the same definitions that answers every
   * read as this one would.
   */
  snapshot(): FeatureStateSnapshot {
    const groups = this.groups.map((group) => {
      const sizes = noColumnSizes()
      for (const log of group.logs.values()) log.measure(sizes)
      const columns = new ColumnsWriter(sizes)
      for (const [key, log] of group.logs) {
        columns.keys.push(key)
        log.writeTo(columns)
      }
      return { kind: group.kind, ...columns.finish() }
    })
    return { layoutHash: this.layoutHash, newestSeenMs: this.newestSeenMs, groups }
  }

  /** Loads a snapshot into this engine, which must not have seen an event; false (and nothing loaded) when it was taken with other definitions. */
  restore(snapshot: FeatureStateSnapshot): boolean {
    if (snapshot.layoutHash !== this.layoutHash) return false
    if (this.groups.some((group) => group.logs.size > 0)) throw new Error('a snapshot is restored into a fresh engine only')
    if (snapshot.groups.some((saved) => !this.groups.some((g) => g.kind === saved.kind))) return false
    for (const saved of snapshot.groups) {
      const group = this.groups.find((g) => g.kind === saved.kind)!
      const columns = new ColumnsReader(saved)
      for (const key of saved.keys) group.logs.set(key, EntityLog.readFrom(group.layout, columns))
    }
    this.newestSeenMs = snapshot.newestSeenMs
    return true
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
  const feeds = group.feedsOf.get(event.type)
  if (!feeds) return undefined
  const { scratch } = group
  let entry: LogEntry | undefined
  // values of the previous event (perhaps another entity's) must not ride along in this one's entry;
  // loops, not Array.prototype.fill, which costs more than these few slots
  for (let w = 0; w < scratch.mask.length; w++) scratch.mask[w] = 0
  for (let c = 0; c < scratch.numbers.length; c++) scratch.numbers[c] = 0
  for (let c = 0; c < scratch.strings.length; c++) scratch.strings[c] = undefined
  for (const source of feeds.sources) {
    const value = source.pick(event)
    source.value = value
    if (value === undefined) continue
    if (source.kind === 'strings') scratch.strings[source.column] = value as string | string[]
    else if (source.kind === 'place') {
      scratch.numbers[source.column] = (value as [number, number])[0]
      scratch.numbers[source.column + 1] = (value as [number, number])[1]
    } else scratch.numbers[source.column] = value as number
  }
  for (const f of feeds.features) {
    const feature = group.features[f]!
    // an event without the feature's value (or with no strings to count) does not feed it
    if (feature.source && feature.source.value === undefined) continue
    if (feature.filter && !feature.filter(event)) continue
    entry = scratch
    entry.mask[f >>> 5]! |= 1 << (f & 31)
  }
  return entry
}

/**
 * Makes the record of an event's values from the scratch row with an object
 * literal compiled once for the catalogue: one shape for every event, keys in
 * declaration order. Filling a record key by key, or spreading one, costs a
 * dictionary lookup per feature, which was a quarter of the decision path's
 * feature time. Names are camelCase letters and digits (checked at parse), so
 * they are safe as keys in generated code.
 */
function recordMaker(names: string[]): (row: Float64Array, offset: number) => FeatureValues {
  for (const name of names) if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name)) throw new Error(`feature name "${name}" is not letters and digits`)
  return new Function('row', 'at', `return {${names.map((name, i) => `${name}: row[at + ${i}]`).join(', ')}}`) as (row: Float64Array, offset: number) => FeatureValues
}

/** The keys a group of features is kept per: one entity's, or every pair of two entities' keys, joined by "|". */
function keysOf(definition: FeatureDefinition): (event: ObservedEvent) => readonly string[] | undefined {
  const { entity, pairedWith } = definition
  if (!pairedWith) return (event) => event.keys[entity!]
  return (event) => {
    const left = event.keys[entity!]
    const right = event.keys[pairedWith]
    if (!left || !right) return undefined
    return left.flatMap((a) => right.map((b) => `${a}|${b}`))
  }
}

/**
 * What a batch of events adds to the logs of `group`, worked out in event
 * order into flat columns (the events are read once, in order; the entity by
 * entity pass then reads these columns, not the scattered event objects), and
 * for each key of the group's entity, the events that mention it, in order
 * (an event naming a key twice appears twice).
 */
function batchEntries(group: EntityGroup, events: readonly ObservedEvent[]) {
  const { words, numberColumns, stringColumns } = group.layout
  const n = events.length
  const fedAny = new Uint8Array(n)
  const times = new Float64Array(n)
  const masks = new Int32Array(n * words)
  const numbers = new Float64Array(n * numberColumns)
  const strings: (string | string[] | undefined)[] = stringColumns > 0 ? new Array(n * stringColumns) : []
  const occurrences = new Map<string, number[]>()
  for (let i = 0; i < n; i++) {
    const event = events[i]!
    const keys = group.keysOf(event)
    if (!keys || keys.length === 0) continue
    times[i] = event.occurredAtMs
    const entry = entryOf(group, event)
    if (entry) {
      fedAny[i] = 1
      for (let w = 0; w < words; w++) masks[i * words + w] = entry.mask[w]!
      for (let c = 0; c < numberColumns; c++) numbers[i * numberColumns + c] = entry.numbers[c]!
      for (let c = 0; c < stringColumns; c++) strings[i * stringColumns + c] = entry.strings[c]
    }
    for (const key of keys) {
      const list = occurrences.get(key)
      if (list) list.push(i)
      else occurrences.set(key, [i])
    }
  }
  const { scratch } = group
  /** Event `i`'s entry, in the group's scratch entry (valid until the next call), or undefined when it feeds nothing. */
  const entryAt = (i: number): LogEntry | undefined => {
    if (fedAny[i] === 0) return undefined
    for (let w = 0; w < words; w++) scratch.mask[w] = masks[i * words + w]!
    for (let c = 0; c < numberColumns; c++) scratch.numbers[c] = numbers[i * numberColumns + c]!
    for (let c = 0; c < stringColumns; c++) scratch.strings[c] = strings[i * stringColumns + c]
    return scratch
  }
  return { times, occurrences, entryAt }
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
