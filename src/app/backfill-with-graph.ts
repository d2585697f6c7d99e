import type { RecordStore } from '../decisions/record-store.ts'
import type { PersonalDataVault } from '../events/personal-data-vault.ts'
import { type BackfillRow, type HistoricalEvent, backfillFeatures } from '../features/backfill.ts'
import type { FeatureDefinition } from '../features/feature-definition.ts'
import type { FeatureEngineOptions } from '../features/feature-engine.ts'
import type { GraphFeatureValues } from '../graph/graph-measures.ts'
import { engineGraphOptions } from '../graph/graph-replay.ts'
import { GraphService } from '../graph/graph-service.ts'

/** A historical event, and whether it feeds the feature windows too (the graph takes every one: it keeps all history). */
export interface GraphedHistoricalEvent extends HistoricalEvent {
  features: boolean
}

/**
 * The backfill of the feature library with the graph's measures: the
 * window features as `backfillFeatures` computes them, and beside them the
 * measures of a graph fed the whole history in the same order, each event
 * measured before it is added (as `GraphService.observe` online): the
 * graph features among `definitions`. Every event in [fromMs, toMs) comes
 * out with both.
 */
export async function* backfillWithGraph(
  definitions: FeatureDefinition[],
  history: AsyncIterable<GraphedHistoricalEvent> | Iterable<GraphedHistoricalEvent>,
  range: { fromMs: number; toMs: number },
  options?: FeatureEngineOptions,
  graph = new GraphService(engineGraphOptions, {}, definitions),
): AsyncGenerator<BackfillRow> {
  const inRange = (atMs: number) => atMs >= range.fromMs && atMs < range.toMs
  // the backfill yields its rows a batch after their events: their graph values wait here, in the same order
  let measured: (GraphFeatureValues | undefined)[] = []
  let head = 0
  async function* fedToTheGraph(): AsyncGenerator<HistoricalEvent> {
    for await (const event of history) {
      const { observed } = event
      const counted = inRange(observed.occurredAtMs)
      if (counted) measured.push(graph.measure(observed))
      graph.add(observed)
      if (event.features || counted) yield event
    }
  }
  for await (const row of backfillFeatures(definitions, fedToTheGraph(), range, options)) {
    const values = measured[head]
    measured[head++] = undefined
    if (head >= 1 << 16 && head * 2 >= measured.length) {
      measured = measured.slice(head)
      head = 0
    }
    yield { ...row, values: { ...row.values, ...values } }
  }
}

/**
 * The whole decision log in the order it was decided, for a backfill with
 * the graph: every event feeds the graph, those whose time is at or after
 * `featuresSinceMs` the feature windows too. Only those, and labels, are
 * opened (the graph reads keys, and a label's kind). With `tenantId`, that
 * tenant's events only, as its own feature state and graph took them online.
 */
export async function* graphedLogHistory(store: RecordStore, vault: PersonalDataVault, featuresSinceMs: number, tenantId?: string): AsyncGenerator<GraphedHistoricalEvent> {
  for await (const page of store.loggedEvents({ sinceMs: 0 })) {
    for (const d of page) {
      if (tenantId !== undefined && d.tenantId !== tenantId) continue
      const features = d.occurredAtMs >= featuresSinceMs
      const data = features || d.eventType === 'label' ? (JSON.parse(vault.open(d.sealedEvent!)) as { data: Record<string, unknown> }).data : {}
      yield { eventId: d.eventId, features, observed: { type: d.eventType, occurredAtMs: d.occurredAtMs, data, keys: d.entityKeys } }
    }
  }
}
