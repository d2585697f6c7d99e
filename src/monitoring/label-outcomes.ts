/**
 * What a decision turned out to be, as known at a cut-off. A label is a
 * later `label` event about the decision's event (`subjectEventId`); it
 * counts once its `occurredAt` — when the lender learned it — is at or before
 * the cut-off. Then, for a chosen positive label (say `fraud`):
 *
 * - positive: a label of that kind is known;
 * - negative: a label of a negative kind (`legitimate` by default) is known,
 *   or none at all is and the event is mature: it occurred at least
 *   `maturityDays` before the cut-off, long enough for a positive to have
 *   surfaced;
 * - other: only labels of other kinds are known (a `scam_victim` drawdown when
 *   monitoring `fraud`): left out of the metrics, neither right nor wrong;
 * - pending: nothing is known yet and the event is too recent to call.
 *
 * Labels after the cut-off are ignored altogether, so a report for a past
 * cut-off is the report that would have been seen then.
 */
export interface LabelRules {
  positive: string
  negatives: readonly string[]
  /** Unlabelled events at least this old at the cut-off count as negatives. */
  maturityDays: number
  cutoffMs: number
}

export const defaultNegativeLabels = ['legitimate'] as const
export const defaultMaturityDays = 30

export interface KnownLabel {
  subjectEventId: string
  label: string
  /** When the label became known: the label event's occurredAt. */
  knownAtMs: number
  /** A withdrawal (`data.withdrawn`): the label of this kind about the subject no longer stands from `knownAtMs` on. */
  withdrawn?: boolean
}

/** The label a `label` event's data gives, known at `knownAtMs` (undefined when it names no subject or kind). */
export function knownLabelOf(data: { subjectEventId?: unknown; label?: unknown; withdrawn?: unknown } | undefined, knownAtMs: number): KnownLabel | undefined {
  if (typeof data?.subjectEventId !== 'string' || typeof data.label !== 'string') return undefined
  return { subjectEventId: data.subjectEventId, label: data.label, knownAtMs, ...(data.withdrawn === true ? { withdrawn: true } : {}) }
}

export type Outcome = 'positive' | 'negative' | 'other' | 'pending'

const dayMs = 86_400_000

export class LabelBook {
  private readonly bySubject = new Map<string, Set<string>>()

  constructor(readonly rules: LabelRules) {}

  /** Keeps the label (or, for a withdrawal, takes its kind off the subject) if it was known at the cut-off; returns whether it was. */
  add(label: KnownLabel): boolean {
    if (label.knownAtMs > this.rules.cutoffMs) return false
    const kinds = this.bySubject.get(label.subjectEventId)
    if (label.withdrawn) {
      kinds?.delete(label.label)
      if (kinds?.size === 0) this.bySubject.delete(label.subjectEventId)
    } else if (kinds) kinds.add(label.label)
    else this.bySubject.set(label.subjectEventId, new Set([label.label]))
    return true
  }

  isLabelled(eventId: string): boolean {
    return this.bySubject.has(eventId)
  }

  outcomeOf(eventId: string, occurredAtMs: number): Outcome {
    const kinds = this.bySubject.get(eventId)
    if (kinds?.has(this.rules.positive)) return 'positive'
    if (kinds && this.rules.negatives.some((n) => kinds.has(n))) return 'negative'
    if (kinds) return 'other'
    return occurredAtMs + this.rules.maturityDays * dayMs <= this.rules.cutoffMs ? 'negative' : 'pending'
  }
}
