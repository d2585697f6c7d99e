import type { FeatureDefinition } from './feature-definition.ts'

/** What the catalogue says of one feature: its definition and the strategies that read it. */
export interface FeatureDescription {
  name: string
  kind: FeatureDefinition['kind']
  entity?: string
  eventTypes: string[]
  window?: string
  delay?: string
  includesEvent: boolean
  field?: string
  of?: string
  timeZone?: string
  where?: string
  expression?: string
  description?: string
  usedBy: { strategy: string; version: number }[]
}

export function describeFeature(definition: FeatureDefinition, strategies: Iterable<{ id: string; version: number; featuresRead: ReadonlySet<string> }>): FeatureDescription {
  const calendar = definition.kind === 'hour_of_day' || definition.kind === 'day_of_week'
  const derived = definition.kind === 'expression'
  return {
    name: definition.name,
    kind: definition.kind,
    ...(definition.entity ? { entity: definition.entity } : {}),
    eventTypes: definition.eventTypes,
    ...(calendar ? { timeZone: definition.timeZone } : derived ? {} : { window: definition.window }),
    ...(definition.delay ? { delay: definition.delay } : {}),
    includesEvent: definition.includesEvent,
    ...(definition.field ? { field: definition.field } : {}),
    ...(definition.of ? { of: definition.of } : {}),
    ...(definition.where ? { where: definition.where } : {}),
    ...(definition.expression ? { expression: definition.expression } : {}),
    ...(definition.description ? { description: definition.description } : {}),
    usedBy: [...strategies].filter((s) => s.featuresRead.has(definition.name)).map((s) => ({ strategy: s.id, version: s.version })),
  }
}
