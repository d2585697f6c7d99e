import { inAuthorsOrder } from './document-order.ts'

/**
 * A readable diff of two strategy documents, for the people who approve them.
 *
 * Written here rather than taken from a JSON diff library: those key arrays by
 * position, so inserting one rule at the top of a rule set reports every rule
 * below it as changed, and a path such as `/flow/1/rules/3/when` says nothing
 * to a reader. Here both documents are flattened to one line per leaf, and an
 * array item is named by its `id` (else its `name`, else its `feature`: models
 * and scorecard inputs) when it has one: `/flow/hard-rules/rules/device-burst/when`.
 * Items without such a name keep their position. An array of plain values (a
 * decision-table row's cells) is one line, written as JSON. Since order
 * matters (the first rule of a serial rule set that hits decides), named items
 * that moved are reported too.
 */

export type DiffChange =
  | { op: 'added'; path: string; to: unknown }
  | { op: 'removed'; path: string; from: unknown }
  | { op: 'changed'; path: string; from: unknown; to: unknown }
  /** The named items of the array at `path` that both documents have, in another order. */
  | { op: 'reordered'; path: string; from: string[]; to: string[] }

export interface DocumentDiff {
  changes: DiffChange[]
  /** The same, one line each: `+ path: value`, `- path: value`, `~ path: old → new`, `↕ path: [order] → [order]` (values as JSON). */
  lines: string[]
}

const nameFields = ['id', 'name', 'feature'] as const

interface Flat {
  /** Each leaf under its readable path, in document order. */
  leaves: Map<string, unknown>
  /** The item names of each array whose items are all named. */
  orders: Map<string, string[]>
}

function flatten(document: unknown): Flat {
  const leaves = new Map<string, unknown>()
  const orders = new Map<string, string[]>()
  const walk = (value: unknown, path: string) => {
    if (Array.isArray(value)) {
      if (value.length === 0 || value.every((item) => item === null || typeof item !== 'object')) return void leaves.set(path, value)
      const names = value.map(itemName)
      const segments = value.map((_, i) => {
        const name = names[i]
        return name !== undefined && names.indexOf(name) === names.lastIndexOf(name) ? escapeSegment(name) : String(i)
      })
      if (names.every((name, i) => name !== undefined && segments[i] === escapeSegment(name))) orders.set(path, names as string[])
      value.forEach((item, i) => {
        walk(item, `${path}/${segments[i]}`)
      })
      return
    }
    if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value as Record<string, unknown>)
      if (entries.length === 0) leaves.set(path, {})
      for (const [key, child] of entries) walk(child, `${path}/${escapeSegment(key)}`)
      return
    }
    leaves.set(path, value)
  }
  walk(inAuthorsOrder(document), '')
  return { leaves, orders }
}

/** Each leaf of a document under its readable path, in the order authors write it. */
export const flattenDocument = (document: unknown): Map<string, unknown> => flatten(document).leaves

/** A name that cannot be mistaken for a position: a string that is not all digits. */
function itemName(item: unknown): string | undefined {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return undefined
  for (const field of nameFields) {
    const value = (item as Record<string, unknown>)[field]
    if (typeof value === 'string' && value !== '' && !/^\d+$/.test(value)) return value
  }
  return undefined
}

/** JSON pointer escaping (RFC 6901): `~` → `~0`, `/` → `~1`. */
const escapeSegment = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1')

/**
 * The changes from one document to another, in the order of the newer one;
 * a removed line comes where it stood, after the line that preceded it, and
 * a reordering before the first line of its array.
 */
export function diffDocuments(from: unknown, to: unknown): DocumentDiff {
  const before = flatten(from)
  const after = flatten(to)
  const changes: DiffChange[] = []

  const reorders = [...after.orders].flatMap(([path, names]) => {
    const old = before.orders.get(path)
    if (!old) return []
    const kept = new Set(names.filter((n) => old.includes(n)))
    const was = old.filter((n) => kept.has(n))
    const now = names.filter((n) => kept.has(n))
    return was.join('\u0000') === now.join('\u0000') ? [] : [{ op: 'reordered' as const, path, from: was, to: now }]
  })
  const reorderedBefore = (path: string) => {
    for (let i = 0; i < reorders.length; i++) {
      if (path.startsWith(`${reorders[i]!.path}/`)) changes.push(...reorders.splice(i--, 1))
    }
  }

  const oldPaths = [...before.leaves.keys()]
  const position = new Map(oldPaths.map((p, i) => [p, i]))
  let next = 0
  const removedUpTo = (stop: number) => {
    for (; next < stop; next++) {
      const old = oldPaths[next]!
      if (!after.leaves.has(old)) {
        reorderedBefore(old)
        changes.push({ op: 'removed', path: old, from: before.leaves.get(old) })
      }
    }
  }
  for (const [path, value] of after.leaves) {
    reorderedBefore(path)
    const at = position.get(path)
    if (at === undefined) {
      changes.push({ op: 'added', path, to: value })
      continue
    }
    if (at >= next) {
      removedUpTo(at)
      next = at + 1
    }
    const old = before.leaves.get(path)
    if (JSON.stringify(old) !== JSON.stringify(value)) changes.push({ op: 'changed', path, from: old, to: value })
  }
  removedUpTo(oldPaths.length)
  changes.push(...reorders)
  return { changes, lines: changes.map(line) }
}

const show = (value: unknown) => JSON.stringify(value)

function line(change: DiffChange): string {
  switch (change.op) {
    case 'added':
      return `+ ${change.path}: ${show(change.to)}`
    case 'removed':
      return `- ${change.path}: ${show(change.from)}`
    case 'changed':
      return `~ ${change.path}: ${show(change.from)} → ${show(change.to)}`
    case 'reordered':
      return `↕ ${change.path}: ${show(change.from)} → ${show(change.to)}`
  }
}
