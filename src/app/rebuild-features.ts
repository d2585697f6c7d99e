import { genesisHash } from '../decisions/decision-service.ts'
import type { RecordStore } from '../decisions/record-store.ts'
import type { PersonalDataVault } from '../events/personal-data-vault.ts'
import type { FeatureEngine } from '../features/feature-engine.ts'
import { decisionLogHistory } from './decision-log-history.ts'
import { type SavedFeatureState, readFeatureSnapshot } from './feature-snapshot-file.ts'

export interface RebuiltFeatures {
  features: FeatureEngine
  /** Events replayed from the decision log. */
  events: number
  /** Whether the state started from the snapshot, or why not. */
  snapshot: 'restored' | string
}

/**
 * Feature state lives in memory; on start it comes back as it was: from the
 * latest snapshot plus the decisions logged after it, or, without a usable
 * snapshot (none yet, other feature definitions, a decision log that does
 * not hold its last decision), from the decision log alone over the
 * features' horizon. Either way in the order events were decided, so values
 * after a restart equal the values before it.
 */
export async function rebuildFeatures(
  store: RecordStore,
  vault: PersonalDataVault,
  newEngine: () => FeatureEngine,
  sinceMs: number,
  snapshotFile: string,
): Promise<RebuiltFeatures> {
  const saved = readFeatureSnapshot(snapshotFile)
  let features = newEngine()
  let snapshot = 'unusable' in saved ? saved.unusable : restoreInto(features, saved.state)
  let afterSeq = 0
  if (!('unusable' in saved) && snapshot === 'restored') {
    const seq = await store.seqOfDecisionHash(saved.lastDecisionHash)
    if (seq === undefined && saved.lastDecisionHash !== genesisHash) snapshot = 'its last decision is not in the decision log'
    else afterSeq = seq ?? 0
  }
  // a snapshot not used may have been half loaded: start from an empty engine
  if (snapshot !== 'restored') features = newEngine()
  let events = 0
  for await (const { observed } of decisionLogHistory(store, vault, sinceMs, afterSeq)) {
    features.add(observed)
    events++
  }
  return { features, events, snapshot }
}

/** 'restored', or why the snapshot cannot be used (the engine is then left to be replaced). */
function restoreInto(features: FeatureEngine, state: SavedFeatureState['state']): string {
  try {
    return features.restore(state) ? 'restored' : 'taken with other feature definitions'
  } catch (error) {
    return `unreadable: ${(error as Error).message}`
  }
}
