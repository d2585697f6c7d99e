import type { EntityKind, EntityPaths } from '../events/entities.ts'
import { maskEntityValue } from '../lists/mask-entity-value.ts'

/**
 * An event's data as a reviewer first sees it: every entity value (phone,
 * id number, card, address, contacts, …) masked (`138****1234`); other
 * fields as they are. The clear values are shown only on a recorded reveal.
 */
export function maskedEventData(data: unknown, paths: EntityPaths): unknown {
  const copy = structuredClone(data)
  for (const [kind, pointer] of Object.entries(paths) as [EntityKind, string][]) {
    // a user id is the lender's own reference, not personal data
    if (kind !== 'user') rewrite(copy, pointer.split('/'), 1, (value) => maskEntityValue(kind, value))
  }
  return copy
}

/** The clear values of one entity kind in an event's data, in document order. */
export function entityValues(data: unknown, pointer: string): string[] {
  const found: string[] = []
  rewrite(structuredClone(data), pointer.split('/'), 1, (value) => {
    found.push(value)
    return value
  })
  return found
}

function rewrite(node: unknown, segments: string[], at: number, change: (value: string) => string) {
  if (node === null || typeof node !== 'object') return
  const segment = segments[at]!
  const last = at === segments.length - 1
  const keys = segment === '*' ? (Array.isArray(node) ? node.map((_, i) => String(i)) : []) : Object.hasOwn(node, segment) ? [segment] : []
  for (const key of keys) {
    const container = node as Record<string, unknown>
    if (!last) rewrite(container[key], segments, at + 1, change)
    else if (typeof container[key] === 'string' || typeof container[key] === 'number') container[key] = change(String(container[key]))
  }
}
