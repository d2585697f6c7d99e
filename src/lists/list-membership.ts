import type { EntityKind } from '../events/entities.ts'
import { defaultListTenant, entryEndMs, isListKind, type ListDefinition, type ListEntry, type ListKind } from './list.ts'

/** What the membership needs from the records port: `RecordStore` has it. */
export interface ListSource {
  listLists(): Promise<ListDefinition[]>
  listEntries(query: { afterId?: string; limit?: number }): Promise<ListEntry[]>
}

/** One entry's span on its list: [fromMs, untilMs). */
interface Span {
  id: string
  fromMs: number
  untilMs: number
}

interface ListState {
  definition: ListDefinition
  /** blind index → the spans of every entry ever recorded for it (almost always one). */
  spans: Map<string, Span[]>
  entries: number
}

/**
 * Every list and entry, in memory, answering "was this key on list X at
 * time t?" without touching the store: a hash look-up, then the key's few
 * spans. Point in time: an entry counts from the moment it was added until
 * it expires or is removed, whichever is first, so a backfill asking about
 * last month gets last month's answer. Loaded from the store at start and
 * told of every change after it is committed (`ListService` does both).
 */
export class ListMembership {
  private readonly lists = new Map<string, ListState>()

  /** Reads every list and entry of every tenant from the store. */
  static async load(source: ListSource, pageSize = 10_000): Promise<ListMembership> {
    const membership = new ListMembership()
    for (const list of await source.listLists()) membership.define(list)
    let afterId: string | undefined
    for (;;) {
      const page = await source.listEntries({ limit: pageSize, ...(afterId === undefined ? {} : { afterId }) })
      for (const entry of page) membership.record(entry)
      if (page.length < pageSize) break
      afterId = page[page.length - 1]!.id
    }
    return membership
  }

  /**
   * Whether `key` (the blind index of a value of the list's entity kind) was
   * on `listName` at `atMs`. False for a list that does not exist.
   */
  has(listName: string, key: string, atMs: number, tenantId: string = defaultListTenant): boolean {
    const spans = this.lists.get(listKey(tenantId, listName))?.spans.get(key)
    if (spans === undefined) return false
    for (const span of spans) if (atMs >= span.fromMs && atMs < span.untilMs) return true
    return false
  }

  /**
   * The lists of a kind (`black`, `grey`, `white`) or of an entity kind
   * (`phone`, `device`, …; the two sets of names are disjoint), by name;
   * every list of the tenant without an argument.
   */
  listsOf(kind?: ListKind | EntityKind, tenantId: string = defaultListTenant): ListDefinition[] {
    const found: ListDefinition[] = []
    for (const { definition } of this.lists.values()) {
      if (definition.tenantId !== tenantId) continue
      if (kind === undefined || (isListKind(kind) ? definition.kind === kind : definition.entityKind === kind)) found.push(definition)
    }
    return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }

  list(listName: string, tenantId: string = defaultListTenant): ListDefinition | undefined {
    return this.lists.get(listKey(tenantId, listName))?.definition
  }

  /** Entries ever recorded on the list, and those counting at `atMs`. */
  counts(listName: string, atMs: number, tenantId: string = defaultListTenant): { entries: number; active: number } {
    const state = this.lists.get(listKey(tenantId, listName))
    if (!state) return { entries: 0, active: 0 }
    let active = 0
    for (const spans of state.spans.values()) if (spans.some((s) => atMs >= s.fromMs && atMs < s.untilMs)) active++
    return { entries: state.entries, active }
  }

  /** A list was created (or loaded). */
  define(list: ListDefinition): void {
    const key = listKey(list.tenantId, list.name)
    if (!this.lists.has(key)) this.lists.set(key, { definition: list, spans: new Map(), entries: 0 })
  }

  /** An entry was added, or its removal recorded: the entry as it now stands in the store. */
  record(entry: ListEntry): void {
    const state = this.lists.get(listKey(entry.tenantId, entry.listName))
    if (!state) throw new Error(`list ${entry.tenantId}/${entry.listName} of entry ${entry.id} is not defined`)
    const span = { id: entry.id, fromMs: entry.addedAtMs, untilMs: entryEndMs(entry) }
    const spans = state.spans.get(entry.entityKey)
    const existing = spans?.findIndex((s) => s.id === entry.id) ?? -1
    if (spans && existing >= 0) spans[existing] = span
    else if (spans) spans.push(span)
    else state.spans.set(entry.entityKey, [span])
    if (existing < 0) state.entries++
  }
}

const listKey = (tenantId: string, name: string) => `${tenantId}\u0000${name}`
