import { createCelEnvironment } from '../cel/cel-environment.ts'
import { compileExpression } from '../cel/condition.ts'
import { type JsonSchema, celSchemaOf, celValueConverter } from '../cel/json-schema-to-cel.ts'
import { type FieldIssue, invalidInput } from '../core/errors.ts'
import type { FeatureDefinition } from './feature-definition.ts'
import { fractionalMeasures } from './graph-feature-definition.ts'

/** The JSON Schema of an event type's `data`, or undefined for a type nobody registered. */
export type EventSchemaOf = (eventType: string) => object | undefined

/**
 * A feature's CEL type. Counts and calendar values are ints; sums, minima,
 * maxima and last values are ints when their field is an integer in every
 * event type that feeds them (amounts in fen); means, deviations and times
 * have fractions, so they are doubles and conditions compare them with
 * doubles (`> 100.0`). An expression has the type its CEL gives. Graph
 * counts and flags are ints, its risks and shares doubles.
 */
export function featureCelType(feature: FeatureDefinition, schemaOf: EventSchemaOf, derivedTypes: ReadonlyMap<string, string> = new Map()): 'int' | 'double' {
  switch (feature.kind) {
    case 'avg':
    case 'stddev':
    case 'first_seen':
    case 'time_since_last':
    case 'geo_velocity':
      return 'double'
    case 'sum':
    case 'min':
    case 'max':
    case 'last':
      return feature.eventTypes.every((type) => schemaTypeAt(schemaOf(type), feature.field!) === 'integer') ? 'int' : 'double'
    case 'expression':
      return derivedTypes.get(feature.name) === 'int' ? 'int' : 'double'
    case 'graph':
      return fractionalMeasures.has(feature.measure!) ? 'double' : 'int'
    default:
      return 'int'
  }
}

/** The JSON Schema `type` at a pointer into `data`, following `properties`. */
function schemaTypeAt(schema: unknown, pointer: string): unknown {
  let node = schema as { properties?: Record<string, unknown>; type?: unknown } | undefined
  for (const segment of pointer.split('/').slice(1)) node = node?.properties?.[segment] as typeof node
  return node?.type
}

/**
 * Type-checks every `where` (against each event type that feeds the feature)
 * and every `expression` (against the features declared before it) and
 * attaches the compiled functions to the definitions; errors point at the
 * feature and the key. Returns the CEL type of every feature.
 */
export function compileFeatureExpressions(definitions: FeatureDefinition[], schemaOf: EventSchemaOf): Map<string, 'int' | 'double'> {
  const issues: FieldIssue[] = []
  const types = new Map<string, 'int' | 'double'>()
  // what an expression may read: the engine's features before it (the graph's are computed apart, after them)
  const readable = new Map<string, 'int' | 'double'>()
  const derivedTypes = new Map<string, string>()
  const runtime = createCelEnvironment().registerVariable('event', 'map').registerVariable('features', 'map')
  definitions.forEach((definition, i) => {
    const at = (key: string) => `/features/${i}/${key}`
    if (definition.where !== undefined) {
      const filters = new Map<string, (event: { type: string; data: Record<string, unknown> }) => boolean>()
      for (const type of definition.eventTypes) {
        const schema = (schemaOf(type) ?? {}) as JsonSchema
        const checking = createCelEnvironment()
        checking.registerVariable({ name: 'event', schema: celSchemaOf({ type: 'object', properties: { type: { type: 'string' }, data: schema } }) as Record<string, never> })
        const compiled = compileExpression(definition.where, checking, runtime)
        if ('ok' in compiled) issues.push({ pointer: at('where'), code: 'cel_type_error', message: `${compiled.message} (for ${type})` })
        else if (compiled.type !== 'bool' && compiled.type !== 'dyn') issues.push({ pointer: at('where'), code: 'cel_type_error', message: `must evaluate to bool, not ${compiled.type}` })
        else {
          const toCel = celValueConverter(schema)
          filters.set(type, (event) => compiled.evaluate({ event: { type: event.type, data: toCel(event.data) } }) === true)
        }
      }
      // an event the filter cannot evaluate (a missing field) does not feed the window
      definition.filter = (event) => {
        try {
          return filters.get(event.type)?.(event) ?? false
        } catch {
          return false
        }
      }
    }
    if (definition.expression !== undefined) {
      const checking = createCelEnvironment()
      checking.registerVariable({ name: 'features', schema: Object.fromEntries(readable) })
      const compiled = compileExpression(definition.expression, checking, runtime)
      const graphRead = definitions.find((d) => d.kind === 'graph' && new RegExp(`\\b${d.name}\\b`).test(definition.expression!))
      const hint = graphRead ? ` ("${graphRead.name}" is a graph feature: the graph measures after the expressions are computed, so an expression cannot read it; a strategy can)` : ''
      if ('ok' in compiled) issues.push({ pointer: at('expression'), code: 'cel_type_error', message: `${compiled.message}${hint}` })
      else if (compiled.type !== 'int' && compiled.type !== 'double') issues.push({ pointer: at('expression'), code: 'cel_type_error', message: `must evaluate to int or double, not ${compiled.type}` })
      else {
        derivedTypes.set(definition.name, compiled.type)
        const doubles = new Set([...readable].filter(([, type]) => type === 'double').map(([name]) => name))
        definition.derive = (values) => {
          const features: Record<string, bigint | number> = {}
          for (const name of compiled.references.features) features[name] = doubles.has(name) ? values[name]! : BigInt(Math.trunc(values[name]!))
          try {
            const result = compiled.evaluate({ features })
            return typeof result === 'bigint' ? Number(result) : typeof result === 'number' && Number.isFinite(result) ? result : 0
          } catch {
            // division by zero and the like: a derived feature is 0 rather than a failed decision
            return 0
          }
        }
      }
    }
    const type = featureCelType(definition, schemaOf, derivedTypes)
    types.set(definition.name, type)
    if (definition.kind !== 'graph') readable.set(definition.name, type)
    definition.celType = type
  })
  if (issues.length > 0) throw invalidInput('The feature definitions are invalid', issues)
  return types
}
