import { hash } from 'node:crypto'
import { BatchArrays } from './batch-arrays.ts'
import type { EntityKind } from '../events/entities.ts'
import { featureDefinitionText } from './feature-catalogue.ts'
import { type EntityLog, type LogEntry, type LogLayout, ownValues, stateSizeOf } from './entity-log.ts'
import { type EntryNumbers, type EventColumns, type GroupBatch, type KeyColumn, columnEntries } from './event-columns.ts'
import { KeyTable, type KeyTableColumns } from './key-table.ts'
import type { GroupColumns } from './log-columns.ts'
import { KindKeys, KindLogs, type LogDirectory, PairLogs } from './log-directory.ts'
import { Multisets } from './multisets.ts'
import { type CalendarKind, type FeatureDefinition, horizonOf, isCalendarKind, isGraphDefinition } from './feature-definition.ts'
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

/** Every entity log, per group of features, in flat columns, and the key tables their entries refer to (`FeatureEngine.snapshot`); structured-clone safe (node:v8 serialize). */
export interface FeatureStateSnapshot {
  /** The window definitions and limits the state was kept for, and the layout of the logs: another engine's snapshot, or one of another layout, is not restored. */
  layoutHash: string
  newestSeenMs: number
  tables: KeyTableColumns[]
  groups: (GroupColumns & { kind: string })[]
}

/** The layout of the logs and of their snapshot, part of `layoutHash`: raised when either changes, so that an older snapshot is refused and the state rebuilt from the decision log. */
const logFormat = 'packed-logs-6'

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
  logs: LogDirectory
  /** A group kept per one entity kind: its logs by key id, and the event's keys as ids. */
  kindLogs: KindLogs | undefined
  kindKeys: KindKeys | undefined
  /** A group kept per pair of entities: its logs by the joined keys. */
  pairLogs: PairLogs | undefined
  /** The longest window plus delay: a log older than that holds nothing any feature reads. */
  horizonMs: number
  /** Reused for every event: the log copies what it keeps. */
  scratch: LogEntry
  /** For each event type, the features it feeds (so that an event looks at those only) and the value sources they read, with the column each goes to. */
  feedsOf: Map<string, Feeds>
  /** The same by the engine's number of the event type (`typeNumberOf`), undefined where it feeds none: one look-up of the type per event, not one per group. */
  feedsByType: (Feeds | undefined)[]
}

interface Feeds {
  features: number[]
  sources: { source: ValueSource; column: number }[]
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
  /** Every value source, shared by the groups that read it. */
  private readonly sources = new Map<string, ValueSource>()
  /** The ids of the strings logs keep, one table per strings source; an entity kind's keys (`keys:user`) also index its logs. */
  private readonly tables = new Map<string, KeyTable>()
  private readonly kindKeys = new Map<string, KindKeys>()
  /** The three maps above as arrays, for the end of every event. */
  private readonly sourceList: ValueSource[]
  private readonly kindKeysList: KindKeys[]
  private readonly tableList: KeyTable[]
  /** observeBatch: its working arrays, reused from batch to batch. */
  private readonly batchArrays = new BatchArrays()
  /** observeBatch: each key id's place among the batch's keys (−1: none yet), reset after the batch. */
  private readonly slotOfId: number[] = []
  /** Every event type some window feature reads, numbered. */
  private readonly typeNumbers = new Map<string, number>()
  private typedEvent: ObservedEvent | undefined = undefined
  private typeNumber = -1
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
  private readonly refill: (row: Float64Array, offset: number, record: FeatureValues) => FeatureValues
  /** The newest event time seen: sweeping by the wall clock would drop windows a replay of the past still needs. */
  private newestSeenMs = Number.NEGATIVE_INFINITY
  /** What a snapshot's state depends on: the window features' definitions, in order, and the log limits. */
  readonly layoutHash: string

  /** The features this engine computes: the definitions given, less the graph's (`kind: graph`: the graph service computes those). */
  readonly definitions: FeatureDefinition[]

  constructor(declared: FeatureDefinition[], options: FeatureEngineOptions = {}) {
    const definitions = declared.filter((d) => !isGraphDefinition(d))
    this.definitions = definitions
    this.lists = options.lists
    const byKind = new Map<string, { features: WindowFeature[]; horizonMs: number }>()
    const calendars = new Map<string, LocalCalendar>()
    this.empty = new Float64Array(definitions.length)
    this.row = new Float64Array(definitions.length)
    this.toRecord = recordMaker(definitions.map((d) => d.name))
    this.refill = recordFiller(definitions.map((d) => d.name))
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
      if (kind === 'graph') return // left out above: the graph computes it
      this.empty[index] = emptyValue(kind)
      const groupKind = definition.pairedWith ? `${entity}+${definition.pairedWith}` : entity!
      const group = byKind.get(groupKind) ?? { features: [], horizonMs: 0 }
      byKind.set(groupKind, group)
      group.features.push({ name: definition.name, index, definition, aggregate: kind, includesEvent: definition.includesEvent, feeds: new Set(definition.eventTypes), filter: definition.filter, source: sourceOf(definition) })
      group.horizonMs = Math.max(group.horizonMs, definition.windowMs + definition.delayMs)
    })
    this.emptyNotZero = [...this.empty.keys()].filter((index) => this.empty[index] !== 0)
    const windowed = definitions.filter((d) => (windowAggregates as readonly string[]).includes(d.kind))
    this.layoutHash = hash('sha256', JSON.stringify([logFormat, windowed.map(featureDefinitionText), options.maxEntriesPerKey ?? 20_000, options.lateAllowanceMs ?? defaultLateAllowanceMs]), 'hex')
    this.groups = [...byKind.entries()].map(([kind, group]) => {
      // one column per distinct value source (a place takes two: latitude, then longitude); a source is shared with other groups
      const columnOf = new Map<ValueSource, number>()
      const tables: KeyTable[] = []
      let numberColumns = 0
      let stringColumns = 0
      for (const feature of group.features) {
        if (!feature.source) continue
        const source = this.sources.get(feature.source.key) ?? feature.source
        this.sources.set(source.key, source)
        feature.source = source
        if (columnOf.has(source)) continue
        if (source.kind === 'strings') {
          source.table ??= this.tableOf(source.key)
          if (feature.definition.of) source.keys ??= this.keysOfKind(feature.definition.of)
          tables.push(source.table)
          columnOf.set(source, stringColumns++)
        } else {
          columnOf.set(source, numberColumns)
          numberColumns += source.kind === 'place' ? 2 : 1
        }
      }
      let state = 0
      const features = group.features.map((feature): LogLayout['features'][number] => {
        const source = feature.source
        const numberColumn = source && source.kind !== 'strings' ? columnOf.get(source)! : -1
        const stringColumn = source?.kind === 'strings' ? columnOf.get(source)! : -1
        const at = state
        state += stateSizeOf(feature.aggregate)
        const readsOwn = feature.includesEvent || feature.aggregate === 'geo_velocity'
        return { aggregate: feature.aggregate, approximate: feature.definition.approximate === true, windowMs: feature.definition.windowMs, delayMs: feature.definition.delayMs, numberColumn, stringColumn, state: at, index: feature.index, readsOwn }
      })
      const layout: LogLayout = {
        features,
        numberColumns,
        stringColumns,
        tables,
        multisets: new Multisets(),
        words: Math.ceil(features.length / 32),
        capacity: options.maxEntriesPerKey ?? 20_000,
        keepMs: group.horizonMs + (options.lateAllowanceMs ?? defaultLateAllowanceMs),
      }
      const scratch: LogEntry = { mask: new Array(layout.words).fill(0), numbers: new Array(numberColumns).fill(0), strings: new Array(stringColumns).fill(-1) }
      const feedsOf: EntityGroup['feedsOf'] = new Map()
      group.features.forEach((feature, f) => {
        for (const type of feature.feeds) {
          const feeds = feedsOf.get(type) ?? { features: [], sources: [] }
          feeds.features.push(f)
          if (feature.source && !feeds.sources.some((s) => s.source === feature.source)) feeds.sources.push({ source: feature.source, column: columnOf.get(feature.source)! })
          feedsOf.set(type, feeds)
        }
      })
      const first = group.features[0]!.definition
      const kindKeys = first.pairedWith ? undefined : this.keysOfKind(first.entity!)
      const kindLogs = kindKeys ? new KindLogs(kindKeys.table, layout) : undefined
      if (kindKeys) kindKeys.logs = kindLogs
      const pairLogs = kindKeys ? undefined : new PairLogs(layout)
      return { kind, keysOf: keysOf(first), features: group.features, layout, logs: (kindLogs ?? pairLogs)!, kindLogs, kindKeys, pairLogs, horizonMs: group.horizonMs, scratch, feedsOf, feedsByType: [] }
    })
    for (const group of this.groups) for (const type of group.feedsOf.keys()) if (!this.typeNumbers.has(type)) this.typeNumbers.set(type, this.typeNumbers.size)
    for (const group of this.groups) for (const [type, number] of this.typeNumbers) group.feedsByType[number] = group.feedsOf.get(type)
    this.sourceList = [...this.sources.values()]
    this.kindKeysList = [...this.kindKeys.values()]
    this.tableList = [...this.tables.values()]
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
      if (group.kindLogs) {
        const n = group.kindKeys!.of(event)
        if (n === 0) continue
        const entry = entryOf(group, event, this.typeNumberOf(event))
        if (entry) for (let k = 0; k < n; k++) this.logAt(group, group.kindKeys!.idAt(k)).append(event.occurredAtMs, entry)
        continue
      }
      const keys = group.keysOf(event)
      if (!keys || keys.length === 0) continue
      const entry = entryOf(group, event, this.typeNumberOf(event))
      if (entry) for (const key of keys) this.pairLogOf(group, key).append(event.occurredAtMs, entry)
    }
    this.doneWithEvents()
  }

  /** The number of `event`'s type among those the window features read (−1: none), looked up once per event. */
  private typeNumberOf(event: ObservedEvent): number {
    if (this.typedEvent !== event) {
      this.typedEvent = event
      this.typeNumber = this.typeNumbers.get(event.type) ?? -1
    }
    return this.typeNumber
  }

  private keysOfKind(kind: EntityKind): KindKeys {
    let keys = this.kindKeys.get(kind)
    if (!keys) {
      keys = new KindKeys(kind, this.tableOf(`keys:${kind}`))
      this.kindKeys.set(kind, keys)
    }
    return keys
  }

  private tableOf(name: string): KeyTable {
    let table = this.tables.get(name)
    if (!table) {
      table = new KeyTable(name)
      this.tables.set(name, table)
    }
    return table
  }

  /** After an event (or a batch): the values taken from it are let go, and the ids only it held are forgotten. */
  private doneWithEvents(): void {
    const { sourceList, kindKeysList, tableList } = this
    this.typedEvent = undefined
    for (let i = 0; i < sourceList.length; i++) sourceList[i]!.seen = undefined
    for (let i = 0; i < kindKeysList.length; i++) kindKeysList[i]!.forget()
    for (let i = 0; i < tableList.length; i++) tableList[i]!.releaseHeld()
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
    // asked once per event, not once per group
    const reads = new Uint8Array(events.length)
    for (let i = 0; i < events.length; i++) {
      reads[i] = wanted?.(i) === false ? 0 : 1
      for (const index of notZero) rows[i * width + index] = this.empty[index]!
      if (events[i]!.occurredAtMs > this.newestSeenMs) this.newestSeenMs = events[i]!.occurredAtMs
    }
    const typeNumberOf = (event: ObservedEvent) => this.typeNumberOf(event)
    for (const group of this.groups) this.visitKeys(group, batchEntries(group, events, this.slotOfId, this.batchArrays, typeNumberOf), reads, rows)
    this.doneWithEvents()
    if (this.calendars.length > 0 || this.listed.length > 0 || this.derived.length > 0) {
      // the derived features read a record: one, refilled for every event, since the batch returns rows
      const record = this.toRecord(rows, 0)
      for (let i = 0; i < events.length; i++) if (reads[i] === 1) this.finishRow(events[i]!, rows, i * width, record)
    }
    return rows
  }

  /**
   * `observeBatch` for a batch given as columns (`EventColumns`): the same
   * rows, bit for bit, for history that is a table already (an export, a
   * data set), without an object per event. Each group's entries are worked
   * out column by column, then the same per-key pass as `observeBatch` reads
   * and appends them. What columns cannot express (a `where` condition, a
   * distinct count, a place, a pair of entities, list look-ups, a number
   * field without its column) goes through `observeBatch` with the events
   * of `columns.eventAt`. `wanted[i] === 0` skips the reads of event `i`;
   * `into`, if long enough, is filled instead of a new matrix.
   */
  observeColumns(columns: EventColumns, wanted?: ArrayLike<number>, into?: Float64Array): Float64Array {
    const n = columns.count
    const plan = this.columnPlan(columns)
    if (typeof plan === 'string') {
      const eventAt = columns.eventAt
      if (!eventAt) throw new Error(`observeColumns: ${plan}, which columns do not carry: give eventAt`)
      return this.observeBatch(Array.from({ length: n }, (_, i) => eventAt(i)), wanted && ((i) => wanted[i] !== 0))
    }
    const width = this.definitions.length
    const rows = into && into.length >= n * width ? into : new Float64Array(n * width)
    if (rows === into) rows.fill(0, 0, n * width)
    const notZero = this.emptyNotZero
    const reads = new Uint8Array(n)
    const times = columns.occurredAtMs
    for (let i = 0; i < n; i++) {
      reads[i] = wanted && wanted[i] === 0 ? 0 : 1
      for (const index of notZero) rows[i * width + index] = this.empty[index]!
      if (times[i]! > this.newestSeenMs) this.newestSeenMs = times[i]!
    }
    for (const { group, keyColumn, fed, sources } of plan) {
      const kindKeys = group.kindKeys!
      const kindLogs = group.kindLogs!
      this.visitKeys(group, columnEntries(columns, keyColumn, group.layout, kindKeys.table, (id) => kindLogs.has(id), fed, sources, group.scratch, this.batchArrays), reads, rows)
    }
    this.doneWithEvents()
    if (this.calendars.length > 0 || this.derived.length > 0) {
      // calendar and derived features read the event's type and time only: one event object, its time moved along
      const event: ObservedEvent = { type: columns.type, occurredAtMs: 0, data: {}, keys: {} }
      const record = this.toRecord(rows, 0)
      for (let i = 0; i < n; i++) {
        if (reads[i] === 0) continue
        event.occurredAtMs = times[i]!
        this.finishRow(event, rows, i * width, record)
      }
    }
    return rows
  }

  /** How each group takes its entries from `columns`, or what in the definitions the columns cannot give. */
  private columnPlan(columns: EventColumns): { group: EntityGroup; keyColumn: KeyColumn | undefined; fed: number[]; sources: EntryNumbers[] }[] | string {
    if (this.lists && this.listed.some((feature) => feature.types.has(columns.type))) return 'an in_list feature looks up keys'
    const type = this.typeNumbers.get(columns.type) ?? -1
    const plan = []
    for (const group of this.groups) {
      const feeds = type < 0 ? undefined : group.feedsByType[type]
      if (!group.kindKeys) {
        // an event naming both entities reads the pair's log (and feeds it, if its type does)
        if (group.kind.split('+').every((kind) => columns.keys[kind as EntityKind])) return `the features per ${group.kind} are kept per pair of entities`
        continue
      }
      // what every entry of the type feeds (counts, times), and what it feeds when it has a source's value
      const fed = new Array<number>(group.layout.words).fill(0)
      const sources: EntryNumbers[] = []
      for (const f of feeds?.features ?? []) {
        const feature = group.features[f]!
        if (feature.filter) return `feature "${feature.name}" has a where condition`
        const field = feature.definition.field
        if (!feature.source) {
          fed[f >>> 5]! |= 1 << (f & 31)
          continue
        }
        if (feature.source.kind !== 'number' || field === undefined) return `feature "${feature.name}" reads ${feature.source.kind === 'strings' ? 'texts or keys' : 'places'}`
        const values = columns.numbers[field]
        if (!values) return `feature "${feature.name}" reads ${field}, a number without its column`
        let source = sources.find((s) => s.source === feature.source)
        if (!source) {
          source = { source: feature.source, values, column: feeds!.sources.find((s) => s.source === feature.source)!.column, feeds: new Array<number>(group.layout.words).fill(0) }
          sources.push(source)
        }
        source.feeds[f >>> 5]! |= 1 << (f & 31)
      }
      plan.push({ group, keyColumn: columns.keys[group.kindKeys.kind], fed, sources })
    }
    return plan
  }

  /**
   * The per-key pass of the offline batches: each key's events in order,
   * each read (if wanted) then appended, exactly as `observe` would, but one
   * log at a time so that it stays in cache for all of its events.
   */
  private visitKeys(group: EntityGroup, batch: GroupBatch | ReturnType<typeof batchEntries>, reads: Uint8Array, rows: Float64Array): void {
    const width = this.definitions.length
    const { occurrences, starts, times } = batch
    for (let k = 0; k < batch.keys.length; k++) {
      const key = batch.keys[k]!
      let log = typeof key === 'number' ? group.kindLogs!.at(key) : group.pairLogs!.get(key)
      for (let o = starts[k]!; o < starts[k + 1]!; o++) {
        const i = occurrences[o]!
        const entry = batch.entryAt(o)
        const t = times[o]!
        if (reads[i] === 1) this.readKey(group, log, entry, t, true, rows, i * width)
        if (!entry) continue
        log ??= typeof key === 'number' ? this.logAt(group, key) : this.pairLogOf(group, key)
        log.append(t, entry)
      }
    }
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
      const kindLogs = group.kindLogs
      if (kindLogs) {
        const n = group.kindKeys!.of(event)
        if (n === 0) continue
        const ids = group.kindKeys!.ids
        const entry = entryOf(group, event, this.typeNumberOf(event))
        for (let k = 0; k < n; k++) {
          const log = ids[k]! >= 0 ? kindLogs.at(ids[k]!) : undefined
          this.readKey(group, log, entry, t, thenAdd, row, 0)
          // reading every key before adding to it keeps each read strictly before the event
          if (thenAdd && entry) (log ?? this.logAt(group, group.kindKeys!.idAt(k))).append(t, entry)
        }
        continue
      }
      const keys = group.keysOf(event)
      if (!keys || keys.length === 0) continue
      const entry = entryOf(group, event, this.typeNumberOf(event))
      for (const key of keys) {
        const log = group.pairLogs!.get(key)
        this.readKey(group, log, entry, t, thenAdd, row, 0)
        if (thenAdd && entry) (log ?? this.pairLogOf(group, key)).append(t, entry)
      }
    }
    this.doneWithEvents()
    return this.finishRow(event, row, 0)
  }

  /** Reads every feature of `group` from one key's log (or none yet) into `row` at `offset`; a multi-valued entity (contacts) keeps its riskiest value. */
  private readKey(group: EntityGroup, log: EntityLog | undefined, entry: LogEntry | undefined, t: number, moveOn: boolean, row: Float64Array, offset: number): void {
    // a dry run reads without moving the log's positions: a later, earlier-stamped event must find them where they were
    if (log) {
      log.readInto(t, entry, moveOn, row, offset)
      return
    }
    if (!entry) return
    // no log yet: only the event's own values, for the features that include it
    const features = group.layout.features
    for (let f = 0; f < features.length; f++) {
      const feature = features[f]!
      if (!feature.readsOwn || !fed(entry, f)) continue
      const own = ownValues(group.layout, entry, f)
      const value = aggregateOf(feature.aggregate, own.map(() => t), own, t)
      if (value > row[offset + feature.index]!) row[offset + feature.index] = value
    }
  }

  /** Adds the calendar and derived features to a row, and returns the row as a record (a new one, or `reuse` refilled). */
  private finishRow(event: ObservedEvent, row: Float64Array, offset: number, reuse?: FeatureValues): FeatureValues {
    const t = event.occurredAtMs
    for (const feature of this.listed) {
      if (!feature.types.has(event.type) || !this.lists) continue
      const keys = event.keys[feature.entity]
      row[offset + feature.index] = keys?.some((key) => this.lists!.has(feature.list, key, t)) ? 1 : 0
    }
    for (const feature of this.calendars) {
      if (feature.types.has(event.type)) row[offset + feature.index] = feature.kind === 'hour_of_day' ? feature.calendar.hourOf(t) : feature.calendar.weekdayOf(t)
    }
    const values = reuse ? this.refill(row, offset, reuse) : this.toRecord(row, offset)
    // in declaration order, so that an expression sees the expressions before it
    for (const feature of this.derived) {
      const value = feature.derive(values)
      values[feature.name] = value
      row[offset + feature.index] = value
    }
    return values
  }

  /** The log of key `id` of a group kept per one entity kind, made if new. */
  private logAt(group: EntityGroup, id: number): EntityLog {
    return group.kindLogs!.at(id) ?? group.kindLogs!.add(id)
  }

  private pairLogOf(group: EntityGroup, key: string): EntityLog {
    return group.pairLogs!.get(key) ?? group.pairLogs!.add(key)
  }

  /** Drops logs whose newest entry has left every window as of `nowMs` (or the newest event seen, if earlier). */
  sweep(nowMs: number): number {
    const asOf = Math.min(nowMs, this.newestSeenMs + defaultLateAllowanceMs)
    let dropped = 0
    for (const group of this.groups) dropped += group.logs.drop((log) => log.newestTs <= asOf - group.horizonMs)
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
    const groups = this.groups.map((group) => ({ kind: group.kind, ...group.logs.toColumns() }))
    const tables = [...this.tables.values()].map((table) => table.toColumns())
    return { layoutHash: this.layoutHash, newestSeenMs: this.newestSeenMs, tables, groups }
  }

  /** Loads a snapshot into this engine, which must not have seen an event; false (and nothing loaded) when it was taken with other definitions. */
  restore(snapshot: FeatureStateSnapshot): boolean {
    if (snapshot.layoutHash !== this.layoutHash) return false
    if (this.groups.some((group) => group.logs.size > 0)) throw new Error('a snapshot is restored into a fresh engine only')
    if (snapshot.groups.some((saved) => !this.groups.some((g) => g.kind === saved.kind))) return false
    if (!Array.isArray(snapshot.tables) || snapshot.tables.some((saved) => !this.tables.has(saved.name))) return false
    for (const saved of snapshot.tables) this.tables.get(saved.name)!.load(saved)
    for (const saved of snapshot.groups) {
      this.groups.find((g) => g.kind === saved.kind)!.logs.restore(saved)
    }
    this.newestSeenMs = snapshot.newestSeenMs
    return true
  }

  /** Entity logs kept, and how many reached their capacity. */
  stats(): { entities: number; saturated: number } {
    let entities = 0
    let saturated = 0
    for (const group of this.groups) {
      for (const [, log] of group.logs.entries()) {
        entities++
        if (log.saturated) saturated++
      }
    }
    return { entities, saturated }
  }
}

/** What `event` adds to the logs of `group`: the features it feeds and their values; undefined when it feeds none. */
function entryOf(group: EntityGroup, event: ObservedEvent, type: number): LogEntry | undefined {
  const feeds = type < 0 ? undefined : group.feedsByType[type]
  if (!feeds) return undefined
  const { scratch } = group
  let entry: LogEntry | undefined
  // values of the previous event (perhaps another entity's) must not ride along in this one's entry;
  // loops, not Array.prototype.fill, which costs more than these few slots
  for (let w = 0; w < scratch.mask.length; w++) scratch.mask[w] = 0
  for (let c = 0; c < scratch.numbers.length; c++) scratch.numbers[c] = 0
  for (let c = 0; c < scratch.strings.length; c++) scratch.strings[c] = -1
  for (const { source, column } of feeds.sources) {
    const value = valueFrom(source, event)
    if (value === undefined) continue
    if (source.kind === 'strings') scratch.strings[column] = source.id
    else if (source.kind === 'place') {
      scratch.numbers[column] = (value as [number, number])[0]
      scratch.numbers[column + 1] = (value as [number, number])[1]
    } else scratch.numbers[column] = value as number
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
 * What `source` takes from `event`, taken once per event for every group
 * that reads it; strings are turned into an id of the source's table, held
 * until the engine is done with the event (so that no log forgetting its last
 * entry of a value frees the id the event is about to add).
 */
function valueFrom(source: ValueSource, event: ObservedEvent): ValueSource['value'] {
  if (source.seen === event) return source.value
  const value = source.pick(event)
  source.seen = event
  source.value = value
  if (value !== undefined && source.kind === 'strings') {
    source.id = source.keys?.of(event) === 1 ? source.keys.idAt(0) : source.table!.hold(value as string | string[])
  }
  return value
}

/**
 * Makes the record of an event's values from the scratch row with an object
 * literal compiled once for the catalogue: one shape for every event, keys in
 * declaration order. Filling a record key by key, or spreading one, costs a
 * dictionary lookup per feature, which was a quarter of the decision path's
 * feature time. Names are camelCase letters and digits (checked at parse), so
 * they are safe as keys in generated code.
 */
export function recordMaker(names: string[]): (row: Float64Array, offset: number) => FeatureValues {
  for (const name of names) if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name)) throw new Error(`feature name "${name}" is not letters and digits`)
  const make = new Function('row', 'at', `return {${names.map((name, i) => `${name}: row[at + ${i}]`).join(', ')}}`) as (row: Float64Array, offset: number) => FeatureValues
  // V8 keeps a field that has held a fraction as a box per record; a field that has held anything else keeps
  // whole numbers (most features: counts) in the record itself, so one record with every field set to null
  // spares the allocation of a box per feature per event
  const shaped = make(new Float64Array(names.length), 0) as Record<string, unknown>
  for (const name of names) shaped[name] = null
  return make
}

/** Sets every field of a record made by `recordMaker` from a row, in the same order (the record keeps its shape). */
function recordFiller(names: string[]): (row: Float64Array, offset: number, record: FeatureValues) => FeatureValues {
  return new Function('row', 'at', 'record', `${names.map((name, i) => `record.${name} = row[at + ${i}];`).join(' ')} return record`) as (row: Float64Array, offset: number, record: FeatureValues) => FeatureValues
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
function batchEntries(group: EntityGroup, events: readonly ObservedEvent[], slotOfId: number[], arrays: BatchArrays, typeNumberOf: (event: ObservedEvent) => number) {
  const { words, numberColumns, stringColumns } = group.layout
  const n = events.length
  // only what an event writes is read back (its entry's columns only when it feeds something), so the arrays are not cleared
  const fedAny = arrays.ints(0, n)
  const times = arrays.doubles(0, n)
  const masks = arrays.ints(1, n * words)
  const numbers = arrays.doubles(1, n * numberColumns)
  const strings = arrays.ints(2, n * stringColumns)
  // each key's place in `keys` (first seen first), then the events of each key together, by a counting sort;
  // a group kept per one entity kind finds a key's place by its id, a pair group by the joined keys
  const indexOf = new Map<string, number>()
  const keys: (string | number)[] = []
  let keyOf = arrays.ints(3, n)
  let eventOf = arrays.ints(4, n)
  let count = 0
  for (let i = 0; i < n; i++) {
    const event = events[i]!
    fedAny[i] = 0
    const pairKeys = group.kindKeys ? undefined : group.keysOf(event)
    const keyCount = group.kindKeys ? group.kindKeys.of(event, true) : (pairKeys?.length ?? 0)
    if (keyCount === 0) continue
    const eventKeys = pairKeys ?? group.kindKeys!.ids
    times[i] = event.occurredAtMs
    const entry = entryOf(group, event, typeNumberOf(event))
    if (entry) {
      fedAny[i] = 1
      for (let w = 0; w < words; w++) masks[i * words + w] = entry.mask[w]!
      for (let c = 0; c < numberColumns; c++) numbers[i * numberColumns + c] = entry.numbers[c]!
      for (let c = 0; c < stringColumns; c++) strings[i * stringColumns + c] = entry.strings[c]
    }
    for (let e = 0; e < keyCount; e++) {
      const key = eventKeys[e]!
      let k: number | undefined
      if (typeof key === 'number') {
        while (slotOfId.length <= key) slotOfId.push(-1)
        k = slotOfId[key]!
        if (k < 0) {
          k = keys.length
          keys.push(key)
          slotOfId[key] = k
        }
      } else {
        k = indexOf.get(key)
        if (k === undefined) {
          k = keys.length
          keys.push(key)
          indexOf.set(key, k)
        }
      }
      if (count === keyOf.length) {
        keyOf = arrays.grown(3, count)
        eventOf = arrays.grown(4, count)
      }
      keyOf[count] = k
      eventOf[count] = i
      count++
    }
  }
  for (const key of keys) if (typeof key === 'number') slotOfId[key] = -1
  const starts = arrays.ints(5, keys.length + 1)
  starts.fill(0, 0, keys.length + 1)
  for (let o = 0; o < count; o++) starts[keyOf[o]! + 1]!++
  for (let k = 0; k < keys.length; k++) starts[k + 1]! += starts[k]!
  const occurrences = arrays.ints(6, count)
  const occurrenceTimes = arrays.doubles(2, count)
  const filled = arrays.ints(7, keys.length)
  filled.set(starts.subarray(0, keys.length))
  for (let o = 0; o < count; o++) {
    const at = filled[keyOf[o]!]!++
    occurrences[at] = eventOf[o]!
    occurrenceTimes[at] = times[eventOf[o]!]!
  }
  const { scratch } = group
  /** The entry of occurrence `o` (event `occurrences[o]`), in the group's scratch entry (valid until the next call), or undefined when it feeds nothing. */
  const entryAt = (o: number): LogEntry | undefined => {
    const i = occurrences[o]!
    if (fedAny[i] === 0) return undefined
    for (let w = 0; w < words; w++) scratch.mask[w] = masks[i * words + w]!
    for (let c = 0; c < numberColumns; c++) scratch.numbers[c] = numbers[i * numberColumns + c]!
    for (let c = 0; c < stringColumns; c++) scratch.strings[c] = strings[i * stringColumns + c]
    return scratch
  }
  return { times: occurrenceTimes, keys, starts, occurrences, entryAt }
}

const fed = (entry: LogEntry, f: number) => (entry.mask[f >>> 5]! & (1 << (f & 31))) !== 0


