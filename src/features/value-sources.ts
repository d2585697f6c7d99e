import type { FeatureDefinition } from './feature-definition.ts'
import type { ObservedEvent } from './feature-engine.ts'
import type { KeyTable } from './key-table.ts'
import type { KindKeys } from './log-directory.ts'

/**
 * A value taken from events: a number or a place at a JSON pointer, or the
 * strings a distinct count counts. Features that read the same value share
 * one source, in every group of the engine, so it is taken once per event
 * and kept once per log entry.
 */
export interface ValueSource {
  key: string
  kind: 'number' | 'place' | 'strings'
  pick: (event: ObservedEvent) => number | [number, number] | string | string[] | undefined
  /** Strings: the table that turns them into the ids the logs keep. */
  table: KeyTable | undefined
  /** Another entity's keys (`of`): taken through the kind's keys, shared with the groups kept per that kind. */
  keys: KindKeys | undefined
  /** The event the value below was taken from (until the engine is done with it). */
  seen: ObservedEvent | undefined
  /** The value taken from that event. */
  value: number | [number, number] | string | string[] | undefined
  /** Strings: the id of that value, held while the event is visited. */
  id: number
}

/** The value source a window feature reads, before features that read the same value are merged; undefined for counts and times. */
export function sourceOf(definition: FeatureDefinition): ValueSource | undefined {
  const { kind, field, of } = definition
  const make = (key: string, sourceKind: ValueSource['kind'], pick: ValueSource['pick']): ValueSource => ({ key, kind: sourceKind, pick, table: undefined, keys: undefined, seen: undefined, value: undefined, id: -1 })
  if (kind === 'distinct_count') {
    // the keys of another entity (`of`, deduplicated), or a field's value as text
    if (of) return make(`keys:${of}`, 'strings', (event) => (event.keys[of]?.length ? event.keys[of] : undefined))
    const read = pointerReader(field!)
    return make(`text:${field}`, 'strings', (event) => {
      const node = read(event.data)
      const text = typeof node === 'string' || typeof node === 'number' ? String(node) : ''
      return text === '' ? undefined : text
    })
  }
  if (field === undefined) return undefined
  const read = pointerReader(field)
  if (kind === 'geo_velocity') {
    return make(`place:${field}`, 'place', (event) => {
      const node = read(event.data) as { lat?: unknown; lon?: unknown } | undefined
      return node && typeof node.lat === 'number' && typeof node.lon === 'number' ? [node.lat, node.lon] : undefined
    })
  }
  return make(`number:${field}`, 'number', (event) => {
    const node = read(event.data)
    return typeof node === 'number' && Number.isFinite(node) ? node : undefined
  })
}

/** Reads a JSON pointer in event data; the common one-segment pointer without a loop. */
function pointerReader(field: string): (data: unknown) => unknown {
  const segments = field.split('/').slice(1)
  if (segments.length === 1) {
    const key = segments[0]!
    return (data) => (data !== null && typeof data === 'object' ? (data as Record<string, unknown>)[key] : undefined)
  }
  return (data) => at(data, segments)
}

function at(data: unknown, segments: string[]): unknown {
  let node = data
  for (const segment of segments) {
    if (node === null || typeof node !== 'object') return undefined
    node = (node as Record<string, unknown>)[segment]
  }
  return node
}
