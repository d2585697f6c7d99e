import { clearingLabel } from '../../events/label-kinds.ts'

/**
 * Labels as they were known at a cut-off. Ground truth arrives late — fraud
 * is confirmed days after the application, a default only once the loan is
 * 30+ days past due — so a training set built "now" from everything known
 * now would learn from answers its model would never have had in time, and
 * an event whose answer cannot be known yet would pass for a negative.
 *
 * Here a `label` event counts only if it occurred (became known) at or
 * before the cut-off. For an event of the training window:
 *
 * - **positive**: its latest relevant label known by the cut-off is the
 *   target (for `default`: with `daysPastDue` ≥ the minimum when given);
 * - **negative, labelled**: that latest label is `legitimate` (a cleared
 *   suspicion);
 * - **dropped, below DPD**: a `default` label below the minimum days past
 *   due and nothing more: delinquent, not (yet) a default;
 * - **negative, matured**: no label, and the event is at least the maturity
 *   window older than the cut-off (by then a bad one would have surfaced);
 * - **dropped, immature**: no label yet, and too recent to call negative.
 */
export interface KnownLabel {
  subjectEventId: string
  label: string
  daysPastDue?: number
  /** When it became known: the label event's occurredAt. */
  knownAtMs: number
  /** A withdrawal (`data.withdrawn`): the subject's labels of this kind known before it no longer stand. */
  withdrawn?: boolean
}

export interface LabelRule {
  target: string
  cutoffMs: number
  /** How long after an event a missing label means "negative". */
  maturityMs: number
  /** For `default`: least days past due that count as a default. */
  minDaysPastDue: number
}

export type LabelOutcome =
  | { kind: 'positive' }
  | { kind: 'negative'; why: 'labelled' | 'matured' }
  | { kind: 'dropped'; why: 'immature' | 'below_dpd' }

/** The label that clears a suspicion. */
export { clearingLabel }

/** Default maturity per label: fraud surfaces within weeks; a default needs the first instalment due plus 30 days past due. */
export const defaultMaturityDays: Record<string, number> = { fraud: 30, default: 90 }
export const fallbackMaturityDays = 30

export class LabelsAtCutoff {
  private readonly bySubject = new Map<string, KnownLabel[]>()
  /** Target labels that became known after the cut-off, ignored. */
  knownAfterCutoff = 0
  knownByCutoff = 0

  constructor(readonly rule: LabelRule) {}

  /** Takes a label event; one known after the cut-off is only counted. A withdrawal takes the subject's earlier labels of its kind off. */
  add(label: KnownLabel): void {
    if (label.knownAtMs > this.rule.cutoffMs) {
      if (label.label === this.rule.target && !label.withdrawn) this.knownAfterCutoff++
      return
    }
    if (label.label !== this.rule.target && label.label !== clearingLabel) return
    if (label.withdrawn) {
      const list = this.bySubject.get(label.subjectEventId)
      if (!list) return
      const left = list.filter((l) => l.label !== label.label || l.knownAtMs > label.knownAtMs)
      if (label.label === this.rule.target) this.knownByCutoff -= list.length - left.length
      if (left.length > 0) this.bySubject.set(label.subjectEventId, left)
      else this.bySubject.delete(label.subjectEventId)
      return
    }
    if (label.label === this.rule.target) this.knownByCutoff++
    const list = this.bySubject.get(label.subjectEventId)
    if (list) list.push(label)
    else this.bySubject.set(label.subjectEventId, [label])
  }

  /** Whether the event has a target label known by the cut-off (for choosing event types). */
  hasTarget(eventId: string): boolean {
    return this.bySubject.get(eventId)?.some((l) => l.label === this.rule.target) ?? false
  }

  subjects(): IterableIterator<string> {
    return this.bySubject.keys()
  }

  outcome(eventId: string, occurredAtMs: number): LabelOutcome {
    const labels = this.bySubject.get(eventId)
    if (labels && labels.length > 0) {
      // the latest known word on the event decides (a later `legitimate` clears a suspicion, and the reverse)
      const latest = labels.reduce((a, b) => (b.knownAtMs >= a.knownAtMs ? b : a))
      if (latest.label === clearingLabel) return { kind: 'negative', why: 'labelled' }
      if (latest.daysPastDue === undefined || latest.daysPastDue >= this.rule.minDaysPastDue || this.rule.target !== 'default') return { kind: 'positive' }
      const qualifying = labels.some((l) => l.label === this.rule.target && (l.daysPastDue === undefined || l.daysPastDue >= this.rule.minDaysPastDue))
      return qualifying ? { kind: 'positive' } : { kind: 'dropped', why: 'below_dpd' }
    }
    return occurredAtMs + this.rule.maturityMs <= this.rule.cutoffMs ? { kind: 'negative', why: 'matured' } : { kind: 'dropped', why: 'immature' }
  }
}

/**
 * The first row of the validation set: rows in the last `share` of the time
 * the rows span, so that every validation row is later than every training
 * row (rows at the boundary instant all go to validation). `times` sorted.
 */
export function timeSplitIndex(times: ArrayLike<number>, share: number): number {
  const n = times.length
  if (n === 0) return 0
  const first = times[0]!
  const last = times[n - 1]!
  const boundary = first + (1 - share) * (last - first)
  let lo = 0
  let hi = n
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (times[mid]! < boundary) lo = mid + 1
    else hi = mid
  }
  // a boundary at the very first instant would leave training empty: move it to the next instant
  if (lo === 0) while (lo < n && times[lo] === first) lo++
  return lo
}
