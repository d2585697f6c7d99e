import type { FeatureDefinition } from './feature-definition.ts'
import { FeatureEngine, type FeatureEngineOptions, type FeatureValues, type ObservedEvent } from './feature-engine.ts'

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

/** Events per `observeBatch`: each entity's log serves all of its events in a batch while in cache; the batch bounds memory. */
const batchSize = 1 << 16

/**
 * The offline execution of the feature definitions: a fresh engine fed the
 * history in the order the online engine saw it (the decision log's append
 * order), giving for every event in [fromMs, toMs) the values the engine had
 * (or would have had) when it decided that event — point in time, never
 * reading a later event. Events before `fromMs` only warm the windows up; the
 * caller starts the history at least `horizonOf(definitions)` earlier. The
 * history goes through `observeBatch` in consecutive batches (the same
 * entity logs and reads as online, visited entity by entity).
 */
export async function* backfillFeatures(
  definitions: FeatureDefinition[],
  history: AsyncIterable<HistoricalEvent> | Iterable<HistoricalEvent>,
  range: { fromMs: number; toMs: number },
  options?: FeatureEngineOptions,
): AsyncGenerator<BackfillRow> {
  const engine = new FeatureEngine(definitions, options)
  const inRange = (event: HistoricalEvent) => event.observed.occurredAtMs >= range.fromMs && event.observed.occurredAtMs < range.toMs
  let batch: HistoricalEvent[] = []
  function* flush(): Generator<BackfillRow> {
    const rows = engine.observeBatch(
      batch.map((event) => event.observed),
      (i) => inRange(batch[i]!),
    )
    for (let i = 0; i < batch.length; i++) {
      const { eventId, observed } = batch[i]!
      if (inRange(batch[i]!)) yield { eventId, eventType: observed.type, occurredAtMs: observed.occurredAtMs, values: engine.recordOf(rows, i) }
    }
    batch = []
  }
  for await (const event of history) {
    batch.push(event)
    if (batch.length === batchSize) yield* flush()
  }
  yield* flush()
}
