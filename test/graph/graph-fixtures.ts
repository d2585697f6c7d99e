import fc from 'fast-check'
import type { GraphEvent } from '../../src/graph/graph-event.ts'

export const t0 = Date.parse('2026-01-01T00:00:00Z')
export const day = 86_400_000

/** An event of `type` at `atMs` naming a user and some entities (keys are plain strings here; the engine's are blind indexes). */
export function event(atMs: number, keys: GraphEvent['keys'], type = 'login', data: Record<string, unknown> = {}): GraphEvent {
  return { type, occurredAtMs: atMs, data, keys }
}

/** A label about a subject event (by default one of its own, named after its time and keys, so two labels differ unless they name the same); `withdrawn` withdraws it. */
export const label = (atMs: number, keys: GraphEvent['keys'], kind = 'fraud', subjectEventId = `s${atMs}${JSON.stringify(keys)}`, withdrawn = false): GraphEvent =>
  event(atMs, keys, 'label', { label: kind, subjectEventId, source: 'test', ...(withdrawn ? { withdrawn: true } : {}) })

/** Random event streams over a small world of users and shared entities, in time order, with some labels. */
export const eventStream = (maxEvents = 60) =>
  fc
    .array(
      fc.record({
        gapMs: fc.integer({ min: 0, max: 3 * day }),
        user: fc.integer({ min: 0, max: 14 }),
        device: fc.option(fc.integer({ min: 0, max: 7 }), { nil: undefined }),
        ip: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
        contacts: fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 2 }),
        isLabel: fc.integer({ min: 0, max: 9 }).map((x) => x === 0),
        /** For a label: 0–1 a new one, 2 the last one again (same subject), 3 the last one withdrawn. */
        labelAction: fc.integer({ min: 0, max: 3 }),
      }),
      { minLength: 1, maxLength: maxEvents },
    )
    .map((items) => {
      let at = t0
      let last: { keys: GraphEvent['keys']; subject: string } | undefined
      return items.map((item): GraphEvent => {
        at += item.gapMs
        const keys: GraphEvent['keys'] = { user: [`u${item.user}`] }
        if (item.device !== undefined) keys.device = [`d${item.device}`]
        if (item.ip !== undefined) keys.ip = [`i${item.ip}`]
        if (item.contacts.length > 0) keys.contacts = [...new Set(item.contacts.map((c) => `c${c}`))]
        if (!item.isLabel) return event(at, keys)
        // a repeat or a withdrawal names the labelled event as the label did, and carries its keys (as the engine's do)
        if (last && item.labelAction >= 2) return label(at, last.keys, 'fraud', last.subject, item.labelAction === 3)
        last = { keys, subject: `s${at}-${item.user}` }
        return label(at, keys, 'fraud', last.subject)
      })
    })
