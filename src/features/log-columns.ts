import type { LogColumnSizes, LogColumnsReader, LogColumnsWriter } from './entity-log.ts'

/**
 * Every log of one group of features in four flat columns: the form a
 * snapshot takes. Each log's array is copied into two of them, its header
 * and running state into `state`, its entries into `entries`, one log after
 * the other, so a snapshot is mostly block copies of numbers; node:v8 then
 * copies each typed array as one block, where an object per log made a
 * snapshot of 330,000 entities take 8 s to write and 35 s to read back.
 * Strings are not in the logs: entries hold ids of the engine's key tables,
 * saved beside the groups; a group kept per entity kind names each log by
 * its key's id in the kind's table (restored with the same ids), so no key
 * is turned back into a string, and only a pair group names its logs by
 * their keys.
 */
export interface GroupColumns {
  /** A pair group: each log's key, in order (none for a group kept per entity kind). */
  keys: string[]
  /** A group kept per entity kind: each log's key id, in order (none for a pair group). */
  ids: Int32Array
  numbers: {
    /** Each log's header and running state, in the order of `keys`. */
    state: Float64Array
    /** Each log's entries, in the same order. */
    entries: Float64Array
    /** The approximate distinct counts' sketches, log by log. */
    sketches: Float64Array
  }
}

/** A Float64Array made at its size, filled front to back. */
class FilledColumn {
  private size = 0
  readonly items: Float64Array
  constructor(length: number) {
    this.items = new Float64Array(length)
  }
  push(value: number): void {
    this.items[this.size++] = value
  }
  get filled(): boolean {
    return this.size === this.items.length
  }
}

/** Reads a column front to back. */
class ColumnCursor {
  private at = 0
  constructor(private readonly items: Float64Array) {}
  next(): number {
    if (this.at >= this.items.length) throw new Error("the snapshot's sketches column ends early")
    return this.items[this.at++]!
  }
  get done(): boolean {
    return this.at === this.items.length
  }
}

export const noColumnSizes = (): LogColumnSizes => ({ state: 0, entries: 0, sketches: 0 })

export class ColumnsWriter implements LogColumnsWriter {
  readonly keys: string[] = []
  readonly ids: number[] = []
  readonly state: Float64Array
  stateAt = 0
  readonly entries: Float64Array
  entriesAt = 0
  readonly sketches: FilledColumn

  /** Columns of the sizes `EntityLog.measure` gave: made once, never copied to grow. */
  constructor(sizes: LogColumnSizes) {
    this.state = new Float64Array(sizes.state)
    this.entries = new Float64Array(sizes.entries)
    this.sketches = new FilledColumn(sizes.sketches)
  }

  finish(): GroupColumns {
    if (this.stateAt !== this.state.length || this.entriesAt !== this.entries.length || !this.sketches.filled) {
      throw new Error('a snapshot column was not filled to the size measured')
    }
    return { keys: this.keys, ids: Int32Array.from(this.ids), numbers: { state: this.state, entries: this.entries, sketches: this.sketches.items } }
  }
}

export class ColumnsReader implements LogColumnsReader {
  readonly keys: string[]
  readonly ids: Int32Array
  readonly state: Float64Array
  stateAt = 0
  readonly entries: Float64Array
  entriesAt = 0
  readonly sketches: ColumnCursor

  constructor(columns: GroupColumns) {
    const numbers = columns.numbers
    const isColumn = (column: unknown) => column instanceof Float64Array
    if (!numbers || !isColumn(numbers.state) || !isColumn(numbers.entries) || !isColumn(numbers.sketches)) throw new Error('a snapshot group lacks its columns')
    if (!Array.isArray(columns.keys) || !(columns.ids instanceof Int32Array)) throw new Error('a snapshot group lacks the keys or ids of its logs')
    this.keys = columns.keys
    this.ids = columns.ids
    this.state = numbers.state
    this.entries = numbers.entries
    this.sketches = new ColumnCursor(numbers.sketches)
  }

  /** After the last log: every column read to its end. */
  finish(): void {
    if (this.stateAt !== this.state.length || this.entriesAt !== this.entries.length || !this.sketches.done) {
      throw new Error("the snapshot's columns hold more than its logs")
    }
  }
}
