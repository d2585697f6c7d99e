import type { CelSchema } from '../cel/json-schema-to-cel.ts'
import type { SlotLayout, SlotType } from '../cel/compile-to-slots.ts'
import type { StrategyInput } from './strategy.ts'

/**
 * A strategy's feature vector: every feature, score and typed event field its
 * conditions read gets a slot when the strategy is compiled, and each decision
 * fills one flat array, which the compiled conditions read by index
 * (`compile-to-slots.ts`). A value a slot cannot hold exactly — a missing
 * feature, an int beyond 2^53, an event field of the wrong type — leaves the
 * slot empty, and conditions reading it are evaluated over the records CEL
 * sees, as before.
 */
export class StrategySlots implements SlotLayout {
  private readonly byPath = new Map<string, { index: number; type: SlotType }>()
  // the features' names, slots and int-ness side by side: filling walks them on every decision
  private readonly featureNames: string[] = []
  private readonly featureSlots: number[] = []
  private readonly featureIsInt: boolean[] = []
  private readonly scores: { name: string; index: number }[] = []
  private readonly eventFields: { path: readonly string[]; index: number; type: SlotType }[] = []
  private readonly presences: { parent: readonly string[]; field: string; index: number }[] = []

  constructor(
    private readonly featureTypes: ReadonlyMap<string, string>,
    private readonly scoreNames: ReadonlySet<string>,
    /** The CEL schema of `event` (id, type, occurredAt, data). */
    private readonly eventSchema: CelSchema,
  ) {}

  get size() {
    return this.byPath.size
  }

  slotOf(path: readonly string[]): { index: number; type: SlotType } | undefined {
    const key = path.join('\u0000')
    const known = this.byPath.get(key)
    if (known) return known
    const type = this.typeOf(path)
    if (type === undefined) return undefined
    const slot = { index: this.byPath.size, type }
    this.byPath.set(key, slot)
    if (path[0] === 'features') {
      this.featureNames.push(path[1]!)
      this.featureSlots.push(slot.index)
      this.featureIsInt.push(type === 'int')
    }
    else if (path[0] === 'scores') this.scores.push({ name: path[1]!, index: slot.index })
    else this.eventFields.push({ path: path.slice(1), index: slot.index, type })
    return slot
  }

  /** Only `has()` of an event field whose parents the schema describes as objects (what the checker accepts), of any type. */
  presenceOf(path: readonly string[]): { index: number } | undefined {
    if (path[0] !== 'event' || path.length < 2 || this.schemaAt(path.slice(1)) === undefined) return undefined
    const key = `has\u0000${path.join('\u0000')}`
    const known = this.byPath.get(key)
    if (known) return known
    const slot = { index: this.byPath.size, type: 'bool' as const }
    this.byPath.set(key, slot)
    this.presences.push({ parent: path.slice(1, -1), field: path.at(-1)!, index: slot.index })
    return slot
  }

  private typeOf(path: readonly string[]): SlotType | undefined {
    const [variable, ...rest] = path
    if (variable === 'features' && rest.length === 1) return slotType(this.featureTypes.get(rest[0]!))
    if (variable === 'scores' && rest.length === 1) return this.scoreNames.has(rest[0]!) ? 'double' : undefined
    if (variable !== 'event' || rest.length === 0) return undefined
    const schema = this.schemaAt(rest)
    return typeof schema === 'string' ? slotType(schema) : undefined
  }

  /** The CEL schema of an event field, by its path below `event`. */
  private schemaAt(path: readonly string[]): CelSchema | undefined {
    let schema: CelSchema | undefined = this.eventSchema
    for (const field of path) schema = typeof schema === 'object' && Object.hasOwn(schema, field) ? schema[field] : undefined
    return schema
  }

  /**
   * The slots of one decision. Throws as converting the features for CEL
   * always has (`celInt`): an int feature whose value is not an integer is
   * the caller's error, whether or not a slot could hold it.
   */
  fill(input: StrategyInput, scores: Readonly<Record<string, number>>): unknown[] {
    const slots: unknown[] = new Array(this.byPath.size)
    const values = input.features
    const { featureNames, featureSlots, featureIsInt } = this
    for (let f = 0; f < featureNames.length; f++) {
      const value = values[featureNames[f]!]
      if (featureIsInt[f]) {
        if (Number.isSafeInteger(value)) slots[featureSlots[f]!] = value
        else if (value !== undefined) celInt(value)
      } else if (typeof value === 'number') slots[featureSlots[f]!] = value
    }
    for (const { name, index } of this.scores) {
      const value = scores[name]
      if (typeof value === 'number') slots[index] = value
    }
    for (const { path, index, type } of this.eventFields) {
      const node = fieldAt(input.event, path, path.length)
      if (type === 'int' ? Number.isSafeInteger(node) : typeof node === jsTypes[type]) slots[index] = node
    }
    for (const { parent, field, index } of this.presences) {
      const record = fieldAt(input.event, parent, parent.length)
      if (!isRecord(record)) continue
      if (isEnumerableOwn(record, field)) {
        const value = record[field]
        if (!hasConstructorKey(value)) slots[index] = value !== undefined
      } else if (!Object.hasOwn(record, field)) slots[index] = false
    }
    return slots
  }
}

/**
 * The value at `path` below `event`, through plain objects only, or undefined.
 * A field is there when it is own and enumerable: CEL sees the event as the
 * converter copies it, and a copy keeps only those.
 */
function fieldAt(event: unknown, path: readonly string[], length: number): unknown {
  let node = event
  for (let i = 0; i < length && node !== undefined; i++) node = isRecord(node) && isEnumerableOwn(node, path[i]!) ? node[path[i]!] : undefined
  return node
}

const isEnumerableOwn = (record: object, key: string) => Object.prototype.propertyIsEnumerable.call(record, key)

/** An object CEL does not read as a map (the record path decides what `has()` says of it). */
const hasConstructorKey = (value: unknown) => value !== null && typeof value === 'object' && Object.hasOwn(value, 'constructor')

const jsTypes = { int: 'number', double: 'number', string: 'string', bool: 'boolean' } as const

const slotType = (type: string | undefined): SlotType | undefined => (type === 'int' || type === 'double' || type === 'bool' || type === 'string' ? type : undefined)

/** A plain JSON object, as the record closures require before selecting a field of it. */
const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype && !Object.hasOwn(value, 'constructor')

/** Counts are mostly small: their CEL ints are made once, not on every decision. */
const smallInts = Array.from({ length: 1024 }, (_, i) => BigInt(i))

/** An int feature as CEL sees it (BigInt); throws (RangeError, TypeError) for a value that is not an integer. */
export function celInt(value: number): bigint {
  return value >= 0 && value < smallInts.length && Number.isInteger(value) ? smallInts[value]! : BigInt(value)
}
