import type { RecordStore } from '../decisions/record-store.ts'
import type { PersonalDataVault } from '../events/personal-data-vault.ts'
import type { FeatureEngine } from '../features/feature-engine.ts'
import { decisionLogHistory } from './decision-log-history.ts'

/**
 * Feature state lives in memory; on start it is rebuilt from the decision log
 * in the order events were decided, so values after a restart equal the
 * values before it.
 */
export async function rebuildFeatures(store: RecordStore, vault: PersonalDataVault, features: FeatureEngine, sinceMs: number): Promise<number> {
  let count = 0
  for await (const { observed } of decisionLogHistory(store, vault, sinceMs)) {
    features.add(observed)
    count++
  }
  return count
}
