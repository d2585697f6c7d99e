import { hash } from 'node:crypto'
import stringify from 'safe-stable-stringify'
import { defaultGraphOptions } from '../graph/graph-options.ts'
import type { FeatureDefinition } from './feature-definition.ts'

/**
 * What makes a feature's values what they are: a change to any of these is a
 * new version (a new description is not).
 */
export function featureDefinitionText(definition: FeatureDefinition): string {
  const { name, kind, entity, pairedWith, list, eventTypes, window, delay, includesEvent, field, of, approximate, timeZone, where, expression, measure, hops, labels } = definition
  const calendar = kind === 'hour_of_day' || kind === 'day_of_week'
  return stringify({ name, kind, entity, pairedWith, list, eventTypes, window, delay, includesEvent, field, of, approximate, timeZone: calendar ? timeZone : undefined, where, expression, measure, hops, labels }) ?? ''
}

export const featureDefinitionHash = (definition: FeatureDefinition) => hash('sha256', featureDefinitionText(definition), 'hex')

/** What the catalogue says of one feature: its definition and the strategies that read it. */
export interface FeatureDescription {
  name: string
  /** `graph`: a measure of the relationship graph (`measure`, `hops`, `labels`, `of`, `entity`, `window`). */
  kind: FeatureDefinition['kind']
  /** How a strategy sees it in CEL. */
  type?: 'int' | 'double'
  measure?: string
  hops?: number
  labels?: string[]
  entity?: string
  pairedWith?: string
  list?: string
  eventTypes: string[]
  window?: string
  delay?: string
  includesEvent: boolean
  field?: string
  of?: string
  approximate?: boolean
  timeZone?: string
  where?: string
  expression?: string
  description?: string
  /** The version in force and since when (versions are recorded when the engine starts with a changed definition). */
  version?: number
  since?: string
  usedBy: { strategy: string; version: number }[]
}

export function describeFeature(
  definition: FeatureDefinition,
  strategies: Iterable<{ id: string; version: number; featuresRead: ReadonlySet<string> }>,
  version?: { version: number; savedAtMs: number },
): FeatureDescription {
  const calendar = definition.kind === 'hour_of_day' || definition.kind === 'day_of_week'
  const windowless = definition.kind === 'expression' || definition.kind === 'in_list'
  const graph = definition.kind === 'graph'
  return {
    name: definition.name,
    kind: definition.kind,
    ...(definition.celType ? { type: definition.celType } : {}),
    ...(definition.measure ? { measure: definition.measure } : {}),
    ...(definition.hops !== undefined ? { hops: definition.hops } : {}),
    ...(definition.labels ? { labels: definition.labels } : {}),
    ...(definition.entity ? { entity: definition.entity } : {}),
    ...(definition.pairedWith ? { pairedWith: definition.pairedWith } : {}),
    ...(definition.list ? { list: definition.list } : {}),
    eventTypes: definition.eventTypes,
    ...(calendar ? { timeZone: definition.timeZone } : windowless ? {} : { window: graph ? graphWindowText(definition) : definition.window }),
    ...(definition.delay ? { delay: definition.delay } : {}),
    includesEvent: definition.includesEvent,
    ...(definition.field ? { field: definition.field } : {}),
    ...(definition.of ? { of: definition.of } : {}),
    ...(definition.approximate ? { approximate: true } : {}),
    ...(definition.where ? { where: definition.where } : {}),
    ...(definition.expression ? { expression: definition.expression } : {}),
    ...(definition.description ? { description: definition.description } : {}),
    ...(version ? { version: version.version, since: new Date(version.savedAtMs).toISOString() } : {}),
    usedBy: [...strategies].filter((s) => s.featuresRead.has(definition.name)).map((s) => ({ strategy: s.id, version: s.version })),
  }
}

const days = (ms: number) => `${Math.round(ms / 86_400_000)}d`

/** The time a graph measure covers: its window, else all time, or the window the rings are found over (their growth: its own). */
function graphWindowText(definition: FeatureDefinition): string {
  if (definition.window) return definition.window
  if (definition.measure === 'ring_growth') return days(defaultGraphOptions.measure.growthWindowMs)
  if (definition.measure === 'ring_risk' || definition.measure === 'ring_users') return days(defaultGraphOptions.rings.windowMs)
  return 'all time'
}
