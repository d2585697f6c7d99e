import { genesisHash } from '../decisions/decision-service.ts'
import type { RecordStore } from '../decisions/record-store.ts'
import type { PersonalDataVault } from '../events/personal-data-vault.ts'
import type { FeatureEngine } from '../features/feature-engine.ts'
import { decisionLogHistory } from './decision-log-history.ts'
import { type SavedFeatureState, readFeatureSnapshot } from './feature-snapshot-file.ts'

export interface RebuiltFeatures {
  /** Each tenant's feature state, by tenant id: the tenants in the snapshot, and those with events in the log replayed. */
  features: Map<string, FeatureEngine>
  /** Events replayed from the decision log (every tenant's). */
  events: number
  /** Whether the states started from the snapshot, or why not. */
  snapshot: 'restored' | string
}

/**
 * Feature state lives in memory, a state per tenant; on start each comes
 * back as it was: from the latest snapshot plus the decisions logged after
 * it, or, without a usable snapshot (none yet, other feature definitions, a
 * decision log that does not hold its last decision), from the decision log
 * alone over the features' horizon. Either way each tenant's events go to
 * its own state only, in the order they were decided, so values after a
 * restart equal the values before it. `newEngine` makes an empty state for
 * a tenant.
 */
export async function rebuildFeatures(
  store: RecordStore,
  vault: PersonalDataVault,
  newEngine: (tenantId: string) => FeatureEngine,
  sinceMs: number,
  snapshotFile: string,
): Promise<RebuiltFeatures> {
  const saved = readFeatureSnapshot(snapshotFile)
  let features = new Map<string, FeatureEngine>()
  let snapshot = 'unusable' in saved ? saved.unusable : restoreInto(features, newEngine, saved.tenants)
  let afterSeq = 0
  if (!('unusable' in saved) && snapshot === 'restored') {
    const seq = await store.seqOfDecisionHash(saved.lastDecisionHash)
    if (seq === undefined && saved.lastDecisionHash !== genesisHash) snapshot = 'its last decision is not in the decision log'
    else afterSeq = seq ?? 0
  }
  // a snapshot not used may have been half loaded: start from empty states
  if (snapshot !== 'restored') features = new Map()
  let events = 0
  // a tenant missing from a usable snapshot had no state when it was taken: all its events come after it
  for await (const { tenantId, observed } of decisionLogHistory(store, vault, sinceMs, afterSeq)) {
    let engine = features.get(tenantId)
    if (!engine) {
      engine = newEngine(tenantId)
      features.set(tenantId, engine)
    }
    engine.add(observed)
    events++
  }
  return { features, events, snapshot }
}

/** 'restored' (every tenant's state), or why the snapshot cannot be used (the states are then left to be replaced). */
function restoreInto(into: Map<string, FeatureEngine>, newEngine: (tenantId: string) => FeatureEngine, tenants: SavedFeatureState['tenants']): string {
  try {
    for (const [tenantId, state] of Object.entries(tenants)) {
      const engine = newEngine(tenantId)
      if (!engine.restore(state)) return 'taken with other feature definitions'
      into.set(tenantId, engine)
    }
    return 'restored'
  } catch (error) {
    return `unreadable: ${(error as Error).message}`
  }
}
