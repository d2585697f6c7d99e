import { type FeatureEngineOptions, FeatureEngine, type FeatureValues, type ObservedEvent } from './feature-engine.ts'
import type { FeatureDefinition } from './feature-definition.ts'

export interface HistoricalEvent {
  eventId: string
  observed: ObservedEvent
}

export interface BackfillRow {
  eventId: string
  eventType: string
  occurredAtMs: number
  values: FeatureValues
}

/**
 * The offline execution of the feature definitions: a fresh engine fed the
 * history in the order the online engine saw it (the decision log's append
 * order), giving for every event in [fromMs, toMs) the values the engine had
 * (or would have had) when it decided that event — point in time, never
 * reading a later event. Events before `fromMs` only warm the windows up; the
 * caller starts the history at least `horizonOf(definitions)` earlier.
 */
export async function* backfillFeatures(
  definitions: FeatureDefinition[],
  history: AsyncIterable<HistoricalEvent> | Iterable<HistoricalEvent>,
  range: { fromMs: number; toMs: number },
  options?: FeatureEngineOptions,
): AsyncGenerator<BackfillRow> {
  const engine = new FeatureEngine(definitions, options)
  for await (const { eventId, observed } of history) {
    const at = observed.occurredAtMs
    if (at >= range.fromMs && at < range.toMs) yield { eventId, eventType: observed.type, occurredAtMs: at, values: engine.observe(observed) }
    else engine.add(observed)
  }
}
