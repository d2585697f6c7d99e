import type { EntityKind } from '../events/entities.ts'

/**
 * Lists (名单): black, grey and white lists of entity values. A list holds
 * entries of one entity kind; an entry keeps the value's blind index and a
 * masked form, never the value itself, with why, where from, who and when.
 * Entries are never deleted: a removal is recorded on the entry, so the list
 * can be asked about any moment of its past.
 */
export const listKinds = ['black', 'grey', 'white'] as const
export type ListKind = (typeof listKinds)[number]

export const isListKind = (value: unknown): value is ListKind => typeof value === 'string' && (listKinds as readonly string[]).includes(value)

/** The tenant strategies and features run as today (`defaultTenant` in `app/open-engine.ts`). */
export const defaultListTenant = 'default'

/** Names appear in URLs and feature definitions: lower-case letters, digits, `_` and `-`, starting with a letter. */
export const listNamePattern = '^[a-z][a-z0-9_-]{0,63}$'

export interface ListDefinition {
  tenantId: string
  name: string
  kind: ListKind
  entityKind: EntityKind
  description: string
  createdBy: string
  createdAtMs: number
}

export interface ListEntry {
  /** UUIDv7; listings follow the order entries were added in, which ids made in the same millisecond do not tell. */
  id: string
  tenantId: string
  listName: string
  /** The blind index of (the list's entity kind, the value): what events are matched by. */
  entityKey: string
  /** For people: e.g. `138****1234`. Never the value itself. */
  maskedValue: string
  reason: string
  source: string
  addedBy: string
  /** On the list from this instant on (the time it was added: a list never claims to have known earlier). */
  addedAtMs: number
  /** Off the list from this instant on; null for no expiry. */
  expiresAtMs: number | null
  /** Off the list from this instant on, if someone removed it. */
  removedAtMs: number | null
  removedBy: string | null
}

/** The instant an entry stops counting: its expiry or its removal, whichever is first; Infinity if neither. */
export function entryEndMs(entry: Pick<ListEntry, 'expiresAtMs' | 'removedAtMs'>): number {
  return Math.min(entry.expiresAtMs ?? Number.POSITIVE_INFINITY, entry.removedAtMs ?? Number.POSITIVE_INFINITY)
}

export type EntryStatus = 'active' | 'pending' | 'expired' | 'removed'

/** Where an entry stands at `atMs`: not yet added, counting, removed or expired (a removal says more than an expiry). */
export function entryStatus(entry: ListEntry, atMs: number): EntryStatus {
  if (atMs < entry.addedAtMs) return 'pending'
  if (entry.removedAtMs !== null && atMs >= entry.removedAtMs) return 'removed'
  if (entry.expiresAtMs !== null && atMs >= entry.expiresAtMs) return 'expired'
  return 'active'
}
