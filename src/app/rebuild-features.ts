import type { RecordStore } from '../decisions/record-store.ts'
import type { PersonalDataVault } from '../events/personal-data-vault.ts'
import type { FeatureEngine } from '../features/feature-engine.ts'

/**
 * Feature state lives in memory; on start it is rebuilt from the decision log
 * in the order events were decided, so values after a restart equal the
 * values before it.
 */
export async function rebuildFeatures(store: RecordStore, vault: PersonalDataVault, features: FeatureEngine, sinceMs: number): Promise<number> {
  let count = 0
  for await (const batch of store.decisionsSince(sinceMs)) {
    for (const decision of batch) {
      const event = JSON.parse(vault.open(decision.sealedEvent)) as { type: string; data: Record<string, unknown> }
      features.add({ type: event.type, occurredAtMs: decision.occurredAtMs, data: event.data, keys: decision.entityKeys })
      count++
    }
  }
  return count
}
