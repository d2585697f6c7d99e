import { genesisHash } from '../decisions/decision-service.ts'
import type { RecordStore } from '../decisions/record-store.ts'
import type { PersonalDataVault } from '../events/personal-data-vault.ts'
import { type GraphOptionsInput, graphOptions } from '../graph/graph-options.ts'
import { graphLog } from '../graph/graph-replay.ts'
import { GraphService } from '../graph/graph-service.ts'
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
 * event time, so the measures after a restart equal those before it.
 */
export async function rebuildGraph(store: RecordStore, vault: PersonalDataVault, options: GraphOptionsInput, snapshotFile: string): Promise<RebuiltGraph> {
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
          graph = GraphService.restore(saved.state)
          afterSeq = seq ?? 0
        } catch (error) {
          snapshot = `unreadable: ${(error as Error).message}`
        }
      }
    }
  }
  graph ??= new GraphService(options)
  let events = 0
  for await (const page of graphLog(store, vault, afterSeq)) {
    for (const { observed } of page) graph.add(observed)
    events += page.length
  }
  return { graph, events, snapshot }
}
