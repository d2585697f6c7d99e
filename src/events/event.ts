import type { EntityRef } from './entities.ts'

/** What a client posts: the common envelope around a type-specific payload. */
export interface EventInput {
  id: string
  type: string
  occurredAt: string
  data: Record<string, unknown>
}

/** An event that passed validation, with its entities and the hash of its body (for idempotency). */
export interface AcceptedEvent extends EventInput {
  tenantId: string
  occurredAtMs: number
  bodyHash: string
  entities: EntityRef[]
}
