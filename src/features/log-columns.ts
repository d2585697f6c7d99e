import { type LogColumnsReader, type LogColumnsWriter, type NumberColumn, numberColumnNames } from './entity-log.ts'

/**
 * Every log of one group of features in a handful of flat columns: the form
 * a snapshot takes. node:v8 copies a typed array as one block, where an
 * object per log made a snapshot of 330,000 entities take 8 s to write and
 * 35 s to read back; strings (entity keys counted by distinct counts) are
 * kept once in a dictionary and referred to by number.
 */
export interface GroupColumns {
  keys: string[]
  numbers: Record<NumberColumn, Float64Array>
  /** Per entry and string column: −1 for none, 0 for one string, n ≥ 1 for a list of n; the strings follow in `stringRefs`. */
  stringShapes: Int32Array
  stringRefs: Int32Array
  setRefs: Int32Array
  dictionary: string[]
}

/** A Float64Array or Int32Array that doubles as it fills. */
class GrowingColumn<T extends Float64Array | Int32Array> {
  private size = 0
  constructor(
    private items: T,
    private readonly make: (length: number) => T,
  ) {}
  push(value: number): void {
    if (this.size === this.items.length) {
      const bigger = this.make(Math.max(1024, this.items.length * 2))
      bigger.set(this.items)
      this.items = bigger
    }
    this.items[this.size++] = value
  }
  finish(): T {
    return this.size === this.items.length ? this.items : (this.items.slice(0, this.size) as T)
  }
}

/** Reads a column front to back. */
class ColumnCursor {
  private at = 0
  constructor(
    private readonly items: Float64Array | Int32Array,
    private readonly name: string,
  ) {}
  next(): number {
    if (this.at >= this.items.length) throw new Error(`the snapshot's ${this.name} column ends early`)
    return this.items[this.at++]!
  }
}

const doubles = (size: number) => new GrowingColumn(new Float64Array(size), (n) => new Float64Array(n))
const ints = (size: number) => new GrowingColumn(new Int32Array(size), (n) => new Int32Array(n))

/** How many values each column will hold (`EntityLog.measure`): columns made at their size spare the collector a run of ever larger copies. */
export type ColumnSizes = Record<NumberColumn | 'strings' | 'setKeys', number>

export const noColumnSizes = (): ColumnSizes => ({ scalars: 0, ts: 0, masks: 0, numbers: 0, state: 0, setSizes: 0, setCounts: 0, dequeSizes: 0, dequeSeqs: 0, sketches: 0, strings: 0, setKeys: 0 })

export class ColumnsWriter implements LogColumnsWriter {
  readonly keys: string[] = []
  readonly scalars: GrowingColumn<Float64Array>
  readonly ts: GrowingColumn<Float64Array>
  readonly masks: GrowingColumn<Float64Array>
  readonly numbers: GrowingColumn<Float64Array>
  readonly state: GrowingColumn<Float64Array>
  readonly setSizes: GrowingColumn<Float64Array>
  readonly setCounts: GrowingColumn<Float64Array>
  readonly dequeSizes: GrowingColumn<Float64Array>
  readonly dequeSeqs: GrowingColumn<Float64Array>
  readonly sketches: GrowingColumn<Float64Array>
  private readonly stringShapes: GrowingColumn<Int32Array>
  private readonly stringRefs: GrowingColumn<Int32Array>
  private readonly setRefs: GrowingColumn<Int32Array>
  private readonly dictionary: string[] = []
  private readonly refOf = new Map<string, number>()

  constructor(sizes: ColumnSizes) {
    this.scalars = doubles(sizes.scalars)
    this.ts = doubles(sizes.ts)
    this.masks = doubles(sizes.masks)
    this.numbers = doubles(sizes.numbers)
    this.state = doubles(sizes.state)
    this.setSizes = doubles(sizes.setSizes)
    this.setCounts = doubles(sizes.setCounts)
    this.dequeSizes = doubles(sizes.dequeSizes)
    this.dequeSeqs = doubles(sizes.dequeSeqs)
    this.sketches = doubles(sizes.sketches)
    this.stringShapes = ints(sizes.strings)
    // lists of keys (contacts) may hold more than one string an entry
    this.stringRefs = ints(sizes.strings)
    this.setRefs = ints(sizes.setKeys)
  }

  putStrings(value: string | string[] | undefined): void {
    if (value === undefined) this.stringShapes.push(-1)
    else if (typeof value === 'string') {
      this.stringShapes.push(0)
      this.stringRefs.push(this.ref(value))
    } else {
      this.stringShapes.push(value.length)
      for (const item of value) this.stringRefs.push(this.ref(item))
    }
  }

  putSetKey(key: string): void {
    this.setRefs.push(this.ref(key))
  }

  finish(): GroupColumns {
    return {
      keys: this.keys,
      numbers: Object.fromEntries(numberColumnNames.map((name) => [name, this[name].finish()])) as Record<NumberColumn, Float64Array>,
      stringShapes: this.stringShapes.finish(),
      stringRefs: this.stringRefs.finish(),
      setRefs: this.setRefs.finish(),
      dictionary: this.dictionary,
    }
  }

  private ref(text: string): number {
    let ref = this.refOf.get(text)
    if (ref === undefined) {
      ref = this.dictionary.length
      this.dictionary.push(text)
      this.refOf.set(text, ref)
    }
    return ref
  }
}

export class ColumnsReader implements LogColumnsReader {
  readonly scalars: ColumnCursor
  readonly ts: ColumnCursor
  readonly masks: ColumnCursor
  readonly numbers: ColumnCursor
  readonly state: ColumnCursor
  readonly setSizes: ColumnCursor
  readonly setCounts: ColumnCursor
  readonly dequeSizes: ColumnCursor
  readonly dequeSeqs: ColumnCursor
  readonly sketches: ColumnCursor
  private readonly shapes: ColumnCursor
  private readonly strings: ColumnCursor
  private readonly setKeys: ColumnCursor

  constructor(private readonly columns: GroupColumns) {
    const cursor = (name: NumberColumn) => new ColumnCursor(columns.numbers[name], name)
    this.scalars = cursor('scalars')
    this.ts = cursor('ts')
    this.masks = cursor('masks')
    this.numbers = cursor('numbers')
    this.state = cursor('state')
    this.setSizes = cursor('setSizes')
    this.setCounts = cursor('setCounts')
    this.dequeSizes = cursor('dequeSizes')
    this.dequeSeqs = cursor('dequeSeqs')
    this.sketches = cursor('sketches')
    this.shapes = new ColumnCursor(columns.stringShapes, 'stringShapes')
    this.strings = new ColumnCursor(columns.stringRefs, 'stringRefs')
    this.setKeys = new ColumnCursor(columns.setRefs, 'setRefs')
  }

  getStrings(): string | string[] | undefined {
    const shape = this.shapes.next()
    if (shape < 0) return undefined
    if (shape === 0) return this.text(this.strings.next())
    const list: string[] = new Array(shape)
    for (let i = 0; i < shape; i++) list[i] = this.text(this.strings.next())
    return list
  }

  getSetKey(): string {
    return this.text(this.setKeys.next())
  }

  private text(ref: number): string {
    const text = this.columns.dictionary[ref]
    if (text === undefined) throw new Error(`the snapshot refers to string ${ref}, which its dictionary does not hold`)
    return text
  }
}
