/**
 * Features declared in TypeScript: the same declarations as `features.yaml`,
 * typed, so that an editor completes the kinds and their options and the
 * compiler refuses a `sum` without a `field`. Everything the types cannot
 * see (unknown event types, CEL that does not type-check against the event
 * schema, a bad window) is checked by the same validation as YAML, with the
 * same errors naming the feature and the field.
 *
 *     const definitions = declareFeatures([
 *       { name: 'loginsPerDevice10m', kind: 'count', entity: 'device', eventTypes: ['login'], window: '10m' },
 *       { name: 'amountAvgMinorPerCard7d', kind: 'avg', entity: 'bank_card', field: '/amountMinor', eventTypes: ['card.transaction'], window: '7d' },
 *       { name: 'deviceOnBlacklist', kind: 'in_list', entity: 'device', list: 'mule-devices', eventTypes: ['credit.application'] },
 *       { name: 'fraudNodes2h30d', kind: 'graph', measure: 'labelled_nodes', hops: 2, window: '30d', labels: ['fraud'] },
 *     ], registry, tenantId)
 */
import type { EntityKind } from '../events/entities.ts'
import type { LabelKind } from '../graph/node-labels.ts'
import type { EventSchemaOf } from './feature-expressions.ts'
import { type FeatureDefinition, parseFeatureDefinitions } from './feature-definition.ts'
import { compileFeatureExpressions } from './feature-expressions.ts'

/** 10m, 1h, 24h, 7d, 30d. */
export type Duration = `${number}${'m' | 'h' | 'd'}`
/** A JSON pointer into the event's data, e.g. `/amountMinor`. */
export type DataPointer = `/${string}`

interface Common {
  /** camelCase letters and digits, with the unit and window in it: `drawdownAmountSumMinorPerUser7d`. */
  name: string
  description?: string
}

interface Window extends Common {
  entity: EntityKind
  /** Keep the window per pair: `entity` and this kind (logins per user and device). */
  pairedWith?: EntityKind
  eventTypes: string[]
  window: Duration
  /** Leave out the most recent stretch (labels not yet known). */
  delay?: Duration
  /** Count the event itself. */
  includesEvent?: boolean
  /** CEL over `event`: only events that meet it feed the window. */
  where?: string
}

export type FeatureDeclaration =
  | (Window & { kind: 'count' | 'first_seen' | 'time_since_last' })
  | (Window & { kind: 'sum' | 'avg' | 'min' | 'max' | 'stddev' | 'last'; field: DataPointer })
  | (Window & { kind: 'distinct_count'; of: EntityKind; approximate?: boolean })
  | (Window & { kind: 'distinct_count'; field: DataPointer; approximate?: boolean })
  | (Window & { kind: 'geo_velocity'; field: DataPointer })
  | (Common & { kind: 'hour_of_day' | 'day_of_week'; eventTypes: string[]; timeZone?: string })
  | (Common & { kind: 'in_list'; entity: EntityKind; list: string; eventTypes: string[] })
  | (Common & { kind: 'expression'; expression: string })
  | (Common & { kind: 'graph'; measure: 'neighbourhood_nodes'; hops: GraphHops; window: Duration; of?: EntityKind })
  | (Common & { kind: 'graph'; measure: 'labelled_nodes'; hops: GraphHops; window: Duration; labels?: LabelKind[]; of?: EntityKind })
  | (Common & { kind: 'graph'; measure: 'search_capped'; hops: GraphHops; window: Duration })
  | (Common & { kind: 'graph'; measure: 'shared_users'; entity: Exclude<EntityKind, 'user'>; window?: Duration })
  | (Common & { kind: 'graph'; measure: 'component_nodes' | 'ring_risk' | 'ring_users' | 'ring_growth' | 'propagated_risk' })

/** How far a graph neighbourhood measure reaches from the applicant. */
export type GraphHops = 1 | 2 | 3

/** Validates and compiles declarations (from TypeScript, or parsed from YAML/JSON) against the known event types; every problem is named. */
export function declareFeatures(declarations: readonly FeatureDeclaration[] | unknown, knownEventTypes: Set<string>, schemaOf: EventSchemaOf): FeatureDefinition[] {
  const definitions = parseFeatureDefinitions(declarations, knownEventTypes)
  compileFeatureExpressions(definitions, schemaOf)
  return definitions
}
