import type { Clock } from '../core/clock.ts'
import { type FieldIssue, invalidInput, XiezhiError } from '../core/errors.ts'
import { uuidv7 } from '../core/ids.ts'
import type { ListEntryQuery, RecordStore } from '../decisions/record-store.ts'
import { type EntityKind, entityKinds, isEntityKind } from '../events/entities.ts'
import type { PersonalDataVault } from '../events/personal-data-vault.ts'
import { isListKind, type ListDefinition, type ListEntry, type ListKind, listKinds, listNamePattern } from './list.ts'
import type { ListMembership } from './list-membership.ts'
import { maskEntityValue } from './mask-entity-value.ts'

export interface NewList {
  name: string
  kind: ListKind
  entityKind: EntityKind
  description?: string
}

export interface NewEntry {
  /** The clear value: blind-indexed and masked here, then forgotten. */
  value: string
  reason: string
  source: string
  expiresAtMs?: number
}

/** The most entries one call may add. */
export const maxEntriesPerAdd = 1_000
const maxValueLength = 256
const phonePattern = /^\+?[0-9]{6,20}$/

/**
 * Changes to lists: checks them, records them in the store, then tells the
 * in-memory membership, in that order, so the membership never knows more
 * than the store. Changes run one at a time, so "already on the list" is
 * checked against every change before it. Errors point into the input
 * (`/name`, `/entries/0/value`); the API says where that was in the request.
 */
export class ListService {
  private tail: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly deps: { store: RecordStore; membership: ListMembership; vault: PersonalDataVault; clock: Clock },
  ) {}

  async createList(tenantId: string, input: NewList, actor: string): Promise<ListDefinition> {
    const issues: FieldIssue[] = []
    if (typeof input.name !== 'string' || !new RegExp(listNamePattern).test(input.name))
      issues.push({ pointer: '/name', code: 'invalid_format', message: 'name must be 1–64 lower-case letters, digits, _ or -, starting with a letter' })
    if (!isListKind(input.kind)) issues.push({ pointer: '/kind', code: 'invalid_value', message: `kind must be one of ${listKinds.join(', ')}` })
    if (!isEntityKind(input.entityKind))
      issues.push({ pointer: '/entityKind', code: 'unknown_entity_kind', message: `entityKind must be one of ${entityKinds.join(', ')}` })
    if (input.description !== undefined && (typeof input.description !== 'string' || input.description.length > 500))
      issues.push({ pointer: '/description', code: 'invalid_maxLength', message: 'description must be a string of at most 500 characters' })
    if (issues.length > 0) throw invalidInput('The list is invalid', issues)
    return this.serially(async () => {
      const list: ListDefinition = {
        tenantId,
        name: input.name,
        kind: input.kind,
        entityKind: input.entityKind,
        description: input.description ?? '',
        createdBy: actor,
        createdAtMs: this.deps.clock.nowMs(),
      }
      if (!(await this.deps.store.createList(list))) {
        throw new XiezhiError('conflict', `List "${input.name}" already exists`, [{ pointer: '/name', code: 'already_exists', message: `a list named "${input.name}" already exists` }])
      }
      this.deps.membership.define(list)
      return list
    })
  }

  /** A list of the tenant, or a `not_found` error naming it. */
  list(tenantId: string, name: string): ListDefinition {
    const list = this.deps.membership.list(name, tenantId)
    if (!list) throw new XiezhiError('not_found', `List "${name}" does not exist`, [{ pointer: '/name', code: 'unknown_list', message: `no list named "${name}"` }])
    return list
  }

  /**
   * Adds entries, all or none. Each counts from now until its expiry. A
   * value that is on the list now, or twice in the same call, is refused:
   * to change an entry, remove it and add it again.
   */
  async addEntries(tenantId: string, listName: string, inputs: NewEntry[], actor: string): Promise<ListEntry[]> {
    const list = this.list(tenantId, listName)
    return this.serially(async () => {
      const nowMs = this.deps.clock.nowMs()
      const issues = entryIssues(list.entityKind, inputs, nowMs)
      const keys = inputs.map((input) => (typeof input.value === 'string' ? this.deps.vault.blindIndex(list.entityKind, input.value) : ''))
      const firstAt = new Map<string, number>()
      keys.forEach((key, i) => {
        if (key === '') return
        const first = firstAt.get(key)
        if (first === undefined) firstAt.set(key, i)
        else issues.push({ pointer: `/entries/${i}/value`, code: 'duplicate', message: `the same value as /entries/${first}/value` })
      })
      if (issues.length > 0) throw invalidInput('The entries are invalid', issues)
      const listed = keys.flatMap((key, i) =>
        this.deps.membership.has(list.name, key, nowMs, tenantId)
          ? [{ pointer: `/entries/${i}/value`, code: 'already_listed', message: `the value is on list "${list.name}" already; remove its entry first to change it` }]
          : [],
      )
      if (listed.length > 0) throw new XiezhiError('conflict', `Some values are on list "${list.name}" already`, listed)
      const entries = inputs.map(
        (input, i): ListEntry => ({
          id: uuidv7(nowMs),
          tenantId,
          listName: list.name,
          entityKey: keys[i]!,
          maskedValue: maskEntityValue(list.entityKind, input.value),
          reason: input.reason,
          source: input.source,
          addedBy: actor,
          addedAtMs: nowMs,
          expiresAtMs: input.expiresAtMs ?? null,
          removedAtMs: null,
          removedBy: null,
        }),
      )
      await this.deps.store.addListEntries(entries)
      for (const entry of entries) this.deps.membership.record(entry)
      return entries
    })
  }

  /** Records that the entry is off the list from now on; the entry itself is kept. */
  async removeEntry(tenantId: string, listName: string, entryId: string, actor: string): Promise<ListEntry> {
    const list = this.list(tenantId, listName)
    return this.serially(async () => {
      const existing = await this.deps.store.getListEntry(tenantId, list.name, entryId)
      if (!existing) {
        throw new XiezhiError('not_found', `List "${list.name}" has no entry "${entryId}"`, [{ pointer: '/entryId', code: 'unknown_entry', message: `no entry "${entryId}" on list "${list.name}"` }])
      }
      // a clock that stepped back must not end an entry before it began
      const removed = await this.deps.store.removeListEntry(tenantId, list.name, entryId, actor, Math.max(this.deps.clock.nowMs(), existing.addedAtMs))
      if (!removed) {
        throw new XiezhiError('conflict', `Entry "${entryId}" was removed already`, [
          { pointer: '/entryId', code: 'already_removed', message: `removed at ${new Date(existing.removedAtMs ?? 0).toISOString()} by ${existing.removedBy}` },
        ])
      }
      this.deps.membership.record(removed)
      return removed
    })
  }

  /** Every entry ever recorded for a clear value, and whether it is on the list at `atMs`. */
  async lookup(tenantId: string, listName: string, value: string, atMs: number): Promise<{ list: ListDefinition; onList: boolean; entries: ListEntry[] }> {
    const list = this.list(tenantId, listName)
    const issue = valueIssue(list.entityKind, value, '/value')
    if (issue) throw invalidInput('The value is invalid', [issue])
    const entityKey = this.deps.vault.blindIndex(list.entityKind, value)
    const entries = await this.deps.store.listEntries({ tenantId, listName: list.name, entityKey })
    return { list, onList: this.deps.membership.has(list.name, entityKey, atMs, tenantId), entries }
  }

  /** The list's entries in the order they were added, a page at a time. */
  async entries(tenantId: string, listName: string, page: { limit: number; afterId?: string }): Promise<{ items: ListEntry[]; nextCursor?: string }> {
    const list = this.list(tenantId, listName)
    const query: ListEntryQuery = { tenantId, listName: list.name, limit: page.limit + 1, ...(page.afterId === undefined ? {} : { afterId: page.afterId }) }
    const rows = await this.deps.store.listEntries(query)
    const items = rows.slice(0, page.limit)
    return { items, ...(rows.length > page.limit ? { nextCursor: items[items.length - 1]!.id } : {}) }
  }

  /** One change after another, whatever happens to the one before. */
  private serially<T>(change: () => Promise<T>): Promise<T> {
    const run = this.tail.then(change, change)
    this.tail = run.catch(() => {})
    return run
  }
}

function entryIssues(kind: EntityKind, inputs: NewEntry[], nowMs: number): FieldIssue[] {
  if (!Array.isArray(inputs) || inputs.length === 0) return [{ pointer: '/entries', code: 'required', message: 'give at least one entry' }]
  if (inputs.length > maxEntriesPerAdd) return [{ pointer: '/entries', code: 'invalid_maxItems', message: `at most ${maxEntriesPerAdd} entries at a time` }]
  const issues: FieldIssue[] = []
  inputs.forEach((input, i) => {
    const at = `/entries/${i}`
    const value = valueIssue(kind, input.value, `${at}/value`)
    if (value) issues.push(value)
    for (const [field, max] of [
      ['reason', 500],
      ['source', 200],
    ] as const) {
      const text = input[field]
      if (typeof text !== 'string' || text.trim() === '') issues.push({ pointer: `${at}/${field}`, code: 'required', message: `${field} is required: say why and where from` })
      else if (text.length > max) issues.push({ pointer: `${at}/${field}`, code: 'invalid_maxLength', message: `${field} must be at most ${max} characters` })
    }
    if (input.expiresAtMs !== undefined) {
      if (!Number.isFinite(input.expiresAtMs)) issues.push({ pointer: `${at}/expiresAt`, code: 'invalid_format', message: 'expiresAt must be an RFC 3339 timestamp with a time zone' })
      else if (input.expiresAtMs <= nowMs) issues.push({ pointer: `${at}/expiresAt`, code: 'in_past', message: 'expiresAt must be later than now: an entry cannot expire before it is added' })
    }
  })
  return issues
}

/** Values are matched exactly as events carry them, so a value a list could never match is refused. */
function valueIssue(kind: EntityKind, value: unknown, pointer: string): FieldIssue | undefined {
  if (typeof value !== 'string' || value === '') return { pointer, code: 'required', message: 'value is required' }
  if (value.length > maxValueLength) return { pointer, code: 'invalid_maxLength', message: `value must be at most ${maxValueLength} characters` }
  if (value.trim() !== value) return { pointer, code: 'invalid_format', message: 'value must not start or end with white space' }
  if ((kind === 'phone' || kind === 'contacts') && !phonePattern.test(value))
    return { pointer, code: 'invalid_format', message: 'a phone number is 6–20 digits with an optional leading +' }
  return undefined
}
