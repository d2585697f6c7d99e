import type { EntityKind } from '../events/entities.ts'
import type { FeatureDefinition } from './feature-definition.ts'
import { SlidingWindow } from './sliding-window.ts'

/** An event as the feature engine sees it: entity keys are blind indexes, never clear values. */
export interface ObservedEvent {
  type: string
  occurredAtMs: number
  data: Record<string, unknown>
  keys: Partial<Record<EntityKind, string[]>>
}

export type FeatureValues = Record<string, number>

export interface FeatureEngineOptions {
  /** Most entries one window keeps for one entity; bounds memory against hot keys. */
  maxEntriesPerKey: number
}

interface CompiledFeature {
  definition: FeatureDefinition
  feeds: Set<string>
  windows: Map<string, SlidingWindow>
  pick: (event: ObservedEvent) => (number | string)[] | undefined
}

/**
 * Computes every declared feature for an event from what came before it, then
 * adds the event. `observe` is the only entry point in the decision path, so
 * no caller can read after adding by mistake.
 */
export class FeatureEngine {
  private readonly features: CompiledFeature[]

  constructor(
    readonly definitions: FeatureDefinition[],
    private readonly options: FeatureEngineOptions = { maxEntriesPerKey: 20_000 },
  ) {
    this.features = definitions.map((definition) => ({
      definition,
      feeds: new Set(definition.eventTypes),
      windows: new Map(),
      pick: valuePicker(definition),
    }))
  }

  /** Values as of just before `event`, then `event` joins the windows. */
  observe(event: ObservedEvent): FeatureValues {
    const values = this.read(event)
    this.add(event)
    return values
  }

  read(event: ObservedEvent): FeatureValues {
    const values: FeatureValues = {}
    for (const feature of this.features) {
      const { definition } = feature
      let value = 0
      for (const key of event.keys[definition.entity] ?? []) {
        const window = feature.windows.get(key)
        if (!window) continue
        const aggregate = window.read(event.occurredAtMs)
        const v =
          definition.kind === 'count' ? aggregate.count
          : definition.kind === 'distinct_count' ? aggregate.distinct
          : definition.kind === 'sum' ? aggregate.sum
          : aggregate.max
        // a multi-valued entity (contacts) reports its riskiest value
        if (v > value) value = v
      }
      values[definition.name] = value
    }
    return values
  }

  add(event: ObservedEvent): void {
    for (const feature of this.features) {
      if (!feature.feeds.has(event.type)) continue
      const keys = event.keys[feature.definition.entity]
      if (!keys || keys.length === 0) continue
      const picked = feature.pick(event)
      if (!picked) continue
      for (const key of keys) {
        let window = feature.windows.get(key)
        if (!window) {
          window = new SlidingWindow(feature.definition.windowMs, this.options.maxEntriesPerKey, feature.definition.kind === 'distinct_count')
          feature.windows.set(key, window)
        }
        for (const value of picked) window.add(event.occurredAtMs, value)
      }
    }
  }

  /** Drops windows whose newest entry has left the window: their aggregates are all zero. */
  sweep(nowMs: number): number {
    let dropped = 0
    for (const feature of this.features) {
      for (const [key, window] of feature.windows) {
        if (window.newestTs <= nowMs - feature.definition.windowMs) {
          feature.windows.delete(key)
          dropped++
        }
      }
    }
    return dropped
  }

  /** The longest window: how much history a rebuild has to replay. */
  get horizonMs(): number {
    return Math.max(0, ...this.definitions.map((d) => d.windowMs))
  }

  stats(): { windows: number; saturated: number } {
    let windows = 0
    let saturated = 0
    for (const feature of this.features) {
      windows += feature.windows.size
      for (const window of feature.windows.values()) if (window.saturated) saturated++
    }
    return { windows, saturated }
  }
}

/** What one event contributes to a feature's window: one entry for counts, the field's value, or each distinct key. */
function valuePicker(definition: FeatureDefinition): CompiledFeature['pick'] {
  if (definition.kind === 'count') return () => [1]
  if (definition.kind === 'distinct_count' && definition.of) {
    const of = definition.of
    return (event) => event.keys[of]
  }
  const segments = definition.field!.split('/').slice(1)
  return (event) => {
    let node: unknown = event.data
    for (const segment of segments) {
      if (node === null || typeof node !== 'object') return undefined
      node = (node as Record<string, unknown>)[segment]
    }
    if (definition.kind === 'distinct_count') return typeof node === 'string' || typeof node === 'number' ? [String(node)] : undefined
    return typeof node === 'number' && Number.isFinite(node) ? [node] : undefined
  }
}
