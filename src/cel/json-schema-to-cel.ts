/**
 * Event payloads are described by JSON Schema; CEL needs types. This maps one
 * to the other, so that a condition is type-checked against the event's
 * schema at save time, and converts payload integers to CEL ints (BigInt) at
 * evaluation time, so that `amountMinor / 100` means integer division as CEL says.
 */
export type JsonSchema = {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  items?: JsonSchema
}

export type CelSchema = string | { [field: string]: CelSchema }

export function celSchemaOf(schema: JsonSchema): CelSchema {
  switch (schema.type) {
    case 'integer':
      return 'int'
    case 'number':
      return 'double'
    case 'string':
      return 'string'
    case 'boolean':
      return 'bool'
    case 'array': {
      const item = schema.items ? celSchemaOf(schema.items) : 'dyn'
      return `list<${typeof item === 'string' ? item : 'map'}>`
    }
    case 'object': {
      if (!schema.properties) return 'map'
      const fields: Record<string, CelSchema> = {}
      for (const [name, property] of Object.entries(schema.properties)) fields[name] = celSchemaOf(property)
      return fields
    }
    default:
      return 'dyn'
  }
}

export type ValueConverter = (value: unknown) => unknown

/**
 * Builds a converter that turns the schema's integer fields into BigInt and
 * leaves the rest alone, except objects cel-js would mishandle: one with a key
 * named `constructor` (cel-js types an object by that property, so it would
 * refuse it, and any rule reading it) becomes a Map, which it reads as a map;
 * one without a prototype becomes a plain object.
 */
export function celValueConverter(schema: JsonSchema): ValueConverter {
  const convert = integerConverter(schema)
  return (value) => withoutConstructorKeys(convert(value), 0)
}

/** Objects beyond this depth are left alone: cel-js cannot evaluate them anyway (its recursion fails first). */
const maxRewriteDepth = 200

/** Copy-on-write: the same reference when nothing needed rewriting, as for almost every event. */
function withoutConstructorKeys(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object' || depth > maxRewriteDepth) return value
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined
    for (let i = 0; i < value.length; i++) {
      const item = value[i]
      if (item === null || typeof item !== 'object') continue
      const rewritten = withoutConstructorKeys(item, depth + 1)
      if (rewritten === item) continue
      copy ??= [...value]
      copy[i] = rewritten
    }
    return copy ?? value
  }
  const prototype = Object.getPrototypeOf(value)
  if (prototype !== Object.prototype && prototype !== null) return value
  const record = value as Record<string, unknown>
  // an object without a prototype (not from JSON.parse, but possible in a caller's data) has no toString, on which cel-js relies
  let copy: Record<string, unknown> | undefined = prototype === null ? Object.fromEntries(Object.entries(record)) : undefined
  for (const key in record) {
    const item = record[key]
    if (item === null || typeof item !== 'object' || !Object.hasOwn(record, key)) continue
    const rewritten = withoutConstructorKeys(item, depth + 1)
    if (rewritten === item) continue
    copy ??= Object.fromEntries(Object.entries(record))
    copy[key] = rewritten
  }
  const result = copy ?? record
  return Object.hasOwn(result, 'constructor') ? new Map(Object.entries(result)) : result
}

function integerConverter(schema: JsonSchema): ValueConverter {
  switch (schema.type) {
    case 'integer':
      return (v) => (typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : v)
    case 'array': {
      const item = schema.items ? integerConverter(schema.items) : identity
      if (item === identity) return identity
      return (v) => (Array.isArray(v) ? v.map(item) : v)
    }
    case 'object': {
      const fields = Object.entries(schema.properties ?? {})
        .map(([name, property]) => [name, integerConverter(property)] as const)
        .filter(([, convert]) => convert !== identity)
      if (fields.length === 0) return identity
      return (v) => {
        if (v === null || typeof v !== 'object') return v
        const copy: Record<string, unknown> = { ...(v as Record<string, unknown>) }
        for (const [name, convert] of fields) if (name in copy) copy[name] = convert(copy[name])
        return copy
      }
    }
    default:
      return identity
  }
}

const identity: ValueConverter = (v) => v
