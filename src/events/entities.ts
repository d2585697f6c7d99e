/** The kinds of key an event can mention; features and (later) the graph are keyed by them. */
export const entityKinds = ['user', 'id_number', 'phone', 'device', 'ip', 'bank_card', 'address', 'contacts'] as const
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
  for (const [kind, pointer] of Object.entries(paths) as [EntityKind, string][]) {
    const seen = new Set<string>()
    for (const value of valuesAt(data, pointer.split('/').slice(1))) {
      if ((typeof value === 'string' || typeof value === 'number') && value !== '') {
        const text = String(value)
        if (!seen.has(text)) {
          seen.add(text)
          found.push({ kind, value: text })
        }
      }
    }
  }
  return found
}

function* valuesAt(node: unknown, segments: string[]): Generator<unknown> {
  if (segments.length === 0) {
    yield node
    return
  }
  const [head, ...rest] = segments
  if (head === '*') {
    if (Array.isArray(node)) for (const item of node) yield* valuesAt(item, rest)
    return
  }
  if (node !== null && typeof node === 'object' && Object.hasOwn(node, head!)) {
    yield* valuesAt((node as Record<string, unknown>)[head!], rest)
  }
}
