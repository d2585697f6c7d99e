/** The kinds of key an event can mention; features and (later) the graph are keyed by them. */
export const entityKinds = ['user', 'id_number', 'phone', 'device', 'ip', 'bank_card', 'address', 'contacts', 'equipment', 'terminal'] as const
export type EntityKind = (typeof entityKinds)[number]

export const isEntityKind = (value: unknown): value is EntityKind =>
  typeof value === 'string' && (entityKinds as readonly string[]).includes(value)

/** Where each entity sits in an event's `data`: a JSON pointer, where `*` walks every array item. */
export type EntityPaths = Partial<Record<EntityKind, string>>

export interface EntityRef {
  kind: EntityKind
  value: string
}

export function extractEntities(data: unknown, paths: EntityPaths): EntityRef[] {
  const found: EntityRef[] = []
  for (const kind in paths) {
    const pointer = paths[kind as EntityKind]!
    const values: unknown[] = []
    collect(data, pointer.split('/'), 1, values)
    const seen = new Set<string>()
    for (const value of values) {
      if ((typeof value !== 'string' && typeof value !== 'number') || value === '') continue
      const text = String(value)
      if (seen.has(text)) continue
      seen.add(text)
      found.push({ kind: kind as EntityKind, value: text })
    }
  }
  return found
}

/** Walks `segments` from index `at`; `*` fans out over array items. */
function collect(node: unknown, segments: string[], at: number, into: unknown[]) {
  if (at === segments.length) {
    into.push(node)
    return
  }
  const segment = segments[at]!
  if (segment === '*') {
    if (Array.isArray(node)) for (const item of node) collect(item, segments, at + 1, into)
  } else if (node !== null && typeof node === 'object' && Object.hasOwn(node, segment)) {
    collect((node as Record<string, unknown>)[segment], segments, at + 1, into)
  }
}
