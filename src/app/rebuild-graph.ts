import { genesisHash } from '../decisions/decision-service.ts'
import type { RecordStore } from '../decisions/record-store.ts'
import type { PersonalDataVault } from '../events/personal-data-vault.ts'
import type { FeatureDefinition } from '../features/feature-definition.ts'
import { type GraphOptionsInput, graphOptions } from '../graph/graph-options.ts'
import type { GraphEvent } from '../graph/graph-event.ts'
import { graphLog } from '../graph/graph-replay.ts'
import { type GraphRuntime, GraphService } from '../graph/graph-service.ts'
import { readGraphSnapshot } from './graph-snapshot-file.ts'
import { defaultTenant } from './tenant-states.ts'

export interface RebuiltGraph {
  /** Each tenant's graph, by tenant id: the tenants in the snapshot, and those with events in the log added. */
  graphs: Map<string, GraphService>
  /** Events added from the decision log (every tenant's). */
  events: number
  /** Whether the graphs started from the snapshot, or why not. */
  snapshot: 'restored' | string
}

/**
 * The graph keeps all history, a graph per tenant; on start each comes
 * back as it was: from the latest snapshot plus the decisions logged after
 * it, or, without a usable snapshot (none yet, other graph options, a
 * decision log that does not hold its last decision), from the whole
 * decision log. Either way each tenant's events go to its own graph only,
 * in the order they were decided, with the rings recomputed at the same
 * hours of event time, so the measures after a restart equal those before
 * it. A tenant missing from a usable snapshot had no graph when it was
 * taken: all its events come after it. Each graph measures `measures` (the
 * graph features the library declares now; the standard ones when not
 * given): they only read the graph, so a snapshot taken while others were
 * declared serves as well.
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
  let graphs = new Map<string, GraphService>()
  let snapshot = 'unusable' in saved ? saved.unusable : 'restored'
  let afterSeq = 0
  if (!('unusable' in saved)) {
    const states = [[defaultTenant, saved.state] as const, ...Object.entries(saved.tenants ?? {})]
    if (states.some(([, state]) => JSON.stringify(state.options) !== JSON.stringify(graphOptions(options)))) snapshot = 'taken with other graph options'
    else {
      const seq = await store.seqOfDecisionHash(saved.lastDecisionHash)
      if (seq === undefined && saved.lastDecisionHash !== genesisHash) snapshot = 'its last decision is not in the decision log'
      else {
        try {
          for (const [tenantId, state] of states) graphs.set(tenantId, GraphService.restore(state, runtime, measures))
          afterSeq = seq ?? 0
        } catch (error) {
          graphs = new Map()
          snapshot = `unreadable: ${(error as Error).message}`
        }
      }
    }
  }
  const graphOf = (tenantId: string) => {
    let graph = graphs.get(tenantId)
    if (!graph) {
      graph = new GraphService(options, runtime, measures)
      graphs.set(tenantId, graph)
    }
    return graph
  }
  let events = 0
  for await (const page of graphLog(store, vault, afterSeq)) {
    for (const { tenantId, observed } of page) graphOf(tenantId).add(observed)
    events += page.length
  }
  return { graphs, events, snapshot }
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
