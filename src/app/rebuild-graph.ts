import { genesisHash } from '../decisions/decision-service.ts'
import type { RecordStore } from '../decisions/record-store.ts'
import type { PersonalDataVault } from '../events/personal-data-vault.ts'
import type { FeatureDefinition } from '../features/feature-definition.ts'
import { type GraphOptionsInput, graphOptions } from '../graph/graph-options.ts'
import type { GraphEvent } from '../graph/graph-event.ts'
import { graphLog } from '../graph/graph-replay.ts'
import { type GraphRuntime, GraphService } from '../graph/graph-service.ts'
import { readGraphSnapshot } from './graph-snapshot-file.ts'

export interface RebuiltGraph {
  graph: GraphService
  /** Events added from the decision log. */
  events: number
  /** Whether the graph started from the snapshot, or why not. */
  snapshot: 'restored' | string
}

/**
 * The graph keeps all history; on start it comes back as it was: from the
 * latest snapshot plus the decisions logged after it, or, without a usable
 * snapshot (none yet, other graph options, a decision log that does not
 * hold its last decision), from the whole decision log. Either way in the
 * order events were decided, with the rings recomputed at the same hours of
 * event time, so the measures after a restart equal those before it. It
 * measures `measures` (the graph features the library declares now; the
 * standard ones when not given): they only read the graph, so a snapshot
 * taken while others were declared serves as well.
 */
export async function rebuildGraph(
  store: RecordStore,
  vault: PersonalDataVault,
  options: GraphOptionsInput,
  snapshotFile: string,
  runtime: GraphRuntime = {},
  measures?: readonly FeatureDefinition[],
): Promise<RebuiltGraph> {
  const saved = readGraphSnapshot(snapshotFile)
  let graph: GraphService | undefined
  let snapshot = 'unusable' in saved ? saved.unusable : 'restored'
  let afterSeq = 0
  if (!('unusable' in saved)) {
    if (JSON.stringify(saved.state.options) !== JSON.stringify(graphOptions(options))) snapshot = 'taken with other graph options'
    else {
      const seq = await store.seqOfDecisionHash(saved.lastDecisionHash)
      if (seq === undefined && saved.lastDecisionHash !== genesisHash) snapshot = 'its last decision is not in the decision log'
      else {
        try {
          graph = GraphService.restore(saved.state, runtime, measures)
          afterSeq = seq ?? 0
        } catch (error) {
          snapshot = `unreadable: ${(error as Error).message}`
        }
      }
    }
  }
  graph ??= new GraphService(options, runtime, measures)
  const events = await addHistory(graph, graphLog(store, vault, afterSeq))
  return { graph, events, snapshot }
}

type Historical = { observed: GraphEvent }

/**
 * Adds a history of events to a graph (a restored one, or a new one) in the
 * order they were decided, as the decisions added them — pages of the
 * decision log (`graphLog`), or single events (`decisionLogHistory(store,
 * vault, 0)`, a test's list) — so the graph, and the rings applied at each
 * hour of event time, end as the online graph did. The one way a graph is
 * rebuilt. Returns the events added.
 */
export async function addHistory(graph: GraphService, history: AsyncIterable<Historical | readonly Historical[]> | Iterable<Historical | readonly Historical[]>): Promise<number> {
  let events = 0
  for await (const item of history) {
    if (Array.isArray(item)) {
      for (const { observed } of item as readonly Historical[]) graph.add(observed)
      events += item.length
    } else {
      graph.add((item as Historical).observed)
      events++
    }
  }
  return events
}
