import { entryStatus, type ListDefinition, type ListEntry } from './list.ts'

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

/** A list as the API and the CLI show it. */
export function listView(list: ListDefinition, counts?: { entries: number; active: number }) {
  return {
    name: list.name,
    kind: list.kind,
    entityKind: list.entityKind,
    description: list.description,
    createdBy: list.createdBy,
    createdAt: iso(list.createdAtMs)!,
    ...(counts ? { entries: counts.entries, activeEntries: counts.active } : {}),
  }
}

/** An entry as the API and the CLI show it: the masked value only (the blind index stays inside), its status as of `atMs`. */
export function entryView(entry: ListEntry, atMs: number) {
  return {
    id: entry.id,
    list: entry.listName,
    maskedValue: entry.maskedValue,
    reason: entry.reason,
    source: entry.source,
    addedBy: entry.addedBy,
    addedAt: iso(entry.addedAtMs)!,
    expiresAt: iso(entry.expiresAtMs),
    removedAt: iso(entry.removedAtMs),
    removedBy: entry.removedBy,
    status: entryStatus(entry, atMs),
  }
}
