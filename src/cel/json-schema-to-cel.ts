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

/** Builds a converter that turns the schema's integer fields into BigInt and leaves the rest alone. */
export function celValueConverter(schema: JsonSchema): ValueConverter {
  switch (schema.type) {
    case 'integer':
      return (v) => (typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : v)
    case 'array': {
      const item = schema.items ? celValueConverter(schema.items) : identity
      if (item === identity) return identity
      return (v) => (Array.isArray(v) ? v.map(item) : v)
    }
    case 'object': {
      const fields = Object.entries(schema.properties ?? {})
        .map(([name, property]) => [name, celValueConverter(property)] as const)
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
