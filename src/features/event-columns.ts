import type { EntityKind } from '../events/entities.ts'
import type { BatchArrays } from './batch-arrays.ts'
import type { LogEntry, LogLayout } from './entity-log.ts'
import type { ObservedEvent } from './feature-engine.ts'
import type { KeyTable } from './key-table.ts'

/**
 * A batch of events of one type as columns, for the offline execution when
 * the history is a table already (`FeatureEngine.observeColumns`): no object
 * per event, no key string hashed per event, no value picked from event data
 * per event and group. Event `i` is the i-th value of every column.
 */
export interface EventColumns {
  count: number
  /** The type of every event of the batch. */
  type: string
  occurredAtMs: ArrayLike<number>
  /** Per entity kind the events name: each event's key as a code, a small non-negative integer (−1: the event names none), and the key a code stands for. An event names at most one key of a kind here; a kind not given is named by none. */
  keys: Partial<Record<EntityKind, KeyColumn>>
  /** The numbers the features read, by their JSON pointer into `data` (`/amountMinor`); NaN (or any non-finite value) where an event has none. */
  numbers: Record<string, ArrayLike<number>>
  /**
   * Event `i` as an object: what the columns cannot carry (a `where`
   * condition, texts, places, pairs of entities, list look-ups) is computed
   * from these, through `observeBatch`. Without it such definitions are an
   * error.
   */
  eventAt?: (i: number) => ObservedEvent
}

export interface KeyColumn {
  codes: ArrayLike<number>
  /** The key (as `ObservedEvent.keys` would hold it) for a code. */
  keyOf: (code: number) => string
}

/** A number column of the group's log entries, the event column it is taken from, and the features (mask words) an event with a value there feeds. */
export interface EntryNumbers {
  source: unknown
  values: ArrayLike<number>
  column: number
  feeds: number[]
}

/** What the engine's per-key pass reads of one group's batch: the same shape `observeBatch` makes from events. */
export interface GroupBatch {
  /** The key ids of the group's kind, in the order they first occur. */
  keys: number[]
  /** Key `k`'s events, in order, are occurrences[starts[k]] … occurrences[starts[k + 1] − 1]: the events' indexes in the batch. */
  starts: Int32Array
  occurrences: Int32Array
  /** The time of occurrence `o`. */
  times: ArrayLike<number>
  /** The entry of occurrence `o`, in the group's scratch entry (valid until the next call), or undefined when it feeds nothing. */
  entryAt: (o: number) => LogEntry | undefined
}

/** Codes up to this take a typed array for their slots; beyond, a Map (sparse codes). */
const denseCodes = 1 << 24

/**
 * What a batch of columns adds to the logs of a group kept per one entity
 * kind, worked out column by column: the same entries, masks and per-key
 * order of events that `observeBatch` works out from event objects (one
 * `entryOf` per event), so that the per-key pass after it is the same code
 * fed the same entries. The entries are laid out key by key, in the order
 * the pass reads them, so that it reads memory in sequence rather than
 * jumping about the batch. Each distinct key of the batch is looked up in
 * the kind's table once; a key that has no log yet is held (made if new)
 * until the engine is done with the batch, as `KindKeys.of` holds an
 * event's keys.
 */
export function columnEntries(
  columns: EventColumns,
  keyColumn: KeyColumn | undefined,
  layout: LogLayout,
  table: KeyTable,
  hasLog: (id: number) => boolean,
  fed: readonly number[],
  sources: readonly EntryNumbers[],
  scratch: LogEntry,
  arrays: BatchArrays,
): GroupBatch {
  const { words, numberColumns } = layout
  const n = columns.count
  const keyCodes: number[] = []
  if (!keyColumn) return { keys: keyCodes, starts: new Int32Array(1), occurrences: new Int32Array(0), times: new Float64Array(0), entryAt: () => undefined }
  const codes = keyColumn.codes
  const keyOf = arrays.ints(3, n)
  // each code's place among the batch's keys (first seen first); the typed slots are reset after the batch
  let maxCode = -1
  for (let i = 0; i < n; i++) if (codes[i]! > maxCode) maxCode = codes[i]!
  const slots = maxCode < denseCodes ? arrays.ints(8, maxCode + 1) : undefined
  if (slots) slots.fill(-1, 0, maxCode + 1)
  const slotOfCode = slots ? undefined : new Map<number, number>()
  let count = 0
  for (let i = 0; i < n; i++) {
    const code = codes[i]!
    keyOf[i] = -1
    if (!(code >= 0)) continue
    if ((code | 0) !== code) throw new Error(`event ${i}: a key code must be a non-negative 32-bit integer, not ${code}`)
    let k = slots ? slots[code]! : (slotOfCode!.get(code) ?? -1)
    if (k < 0) {
      k = keyCodes.length
      keyCodes.push(code)
      if (slots) slots[code] = k
      else slotOfCode!.set(code, k)
    }
    keyOf[i] = k
    count++
  }
  // the codes become ids of the kind's table, in the order they first occur (as event by event)
  const keys = keyCodes.map((code) => {
    const key = keyColumn.keyOf(code)
    const id = table.idOf(key)
    if (id < 0) return table.hold(key)
    if (!hasLog(id)) table.holdId(id)
    return id
  })
  // a counting sort by key; each event's entry goes straight to its place in that order
  const starts = arrays.ints(5, keys.length + 1)
  starts.fill(0, 0, keys.length + 1)
  for (let i = 0; i < n; i++) if (keyOf[i]! >= 0) starts[keyOf[i]! + 1]!++
  for (let k = 0; k < keys.length; k++) starts[k + 1]! += starts[k]!
  const filled = arrays.ints(7, keys.length)
  filled.set(starts.subarray(0, keys.length))
  const occurrences = arrays.ints(6, count)
  const times = arrays.doubles(2, count)
  const fedAny = arrays.ints(0, count)
  const masks = arrays.ints(1, count * words)
  const numbers = arrays.doubles(1, count * numberColumns)
  const eventTimes = columns.occurredAtMs
  for (let i = 0; i < n; i++) {
    const k = keyOf[i]!
    if (k < 0) continue
    const o = filled[k]!++
    occurrences[o] = i
    times[o] = eventTimes[i]!
    // the entry: the features that need no value (counts, times), those whose value the event has, and the values
    let any = 0
    for (let w = 0; w < words; w++) {
      masks[o * words + w] = fed[w]!
      any |= fed[w]!
    }
    for (let s = 0; s < sources.length; s++) {
      const source = sources[s]!
      const value = source.values[i]!
      if (Number.isFinite(value)) {
        numbers[o * numberColumns + source.column] = value
        for (let w = 0; w < words; w++) {
          masks[o * words + w]! |= source.feeds[w]!
          any |= source.feeds[w]!
        }
      } else numbers[o * numberColumns + source.column] = 0
    }
    fedAny[o] = any === 0 ? 0 : 1
  }
  // a column the group has but this type does not feed stays empty in the entry, as in `entryOf`
  for (let c = 0; c < numberColumns; c++) scratch.numbers[c] = 0
  for (let c = 0; c < scratch.strings.length; c++) scratch.strings[c] = -1
  const entryAt = (o: number): LogEntry | undefined => {
    if (fedAny[o] === 0) return undefined
    for (let w = 0; w < words; w++) scratch.mask[w] = masks[o * words + w]!
    for (let s = 0; s < sources.length; s++) scratch.numbers[sources[s]!.column] = numbers[o * numberColumns + sources[s]!.column]!
    return scratch
  }
  return { keys, starts, occurrences, times, entryAt }
}
