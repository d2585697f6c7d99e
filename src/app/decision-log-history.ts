import type { RecordStore } from '../decisions/record-store.ts'
import type { PersonalDataVault } from '../events/personal-data-vault.ts'
import type { HistoricalEvent } from '../features/backfill.ts'

/**
 * The events of the decision log whose time is at or after `sinceMs` (and
 * that were logged after position `afterSeq`), in the
 * order they were decided — the order the online feature engine saw them —
 * opened from their sealed copies and keyed by the stored blind indexes.
 * With `tenantId`, that tenant's events only (a tenant's features are fed
 * by its own events); each comes with its tenant.
 */
export async function* decisionLogHistory(
  store: RecordStore,
  vault: PersonalDataVault,
  sinceMs: number,
  afterSeq = 0,
  tenantId?: string,
): AsyncGenerator<HistoricalEvent & { tenantId: string }> {
  for await (const batch of store.decisionsSince(sinceMs, undefined, afterSeq)) {
    for (const decision of batch) {
      if (tenantId !== undefined && decision.tenantId !== tenantId) continue
      const event = JSON.parse(vault.open(decision.sealedEvent)) as { data: Record<string, unknown> }
      yield { tenantId: decision.tenantId, eventId: decision.eventId, observed: { type: decision.eventType, occurredAtMs: decision.occurredAtMs, data: event.data, keys: decision.entityKeys } }
    }
  }
}
