import type { Action } from '../core/actions.ts'
import type { LabelBook } from '../monitoring/label-outcomes.ts'
import { type ConfusionMatrix, type LabelCounts, share } from './backtest-report.ts'

const draftBlocked = 1
const liveBlocked = 2

/**
 * Which decided events the draft and the live strategy blocked, kept until
 * the whole log is read (labels come later than their events), then
 * counted against the labels as known at the cut-off: positive, negative
 * (a negative label, or none and the event mature) or unknown (monitoring's
 * `LabelBook` rules, `src/monitoring/label-outcomes.ts`).
 */
export class BlockedEvents {
  private readonly ids: string[] = []
  private readonly times: number[] = []
  private flags = new Uint8Array(1 << 12)

  constructor(readonly blocking: ReadonlySet<Action>) {}

  add(eventId: string, occurredAtMs: number, live: Action, draft: Action): void {
    const i = this.ids.length
    if (i === this.flags.length) {
      const bigger = new Uint8Array(i * 2)
      bigger.set(this.flags)
      this.flags = bigger
    }
    this.ids.push(eventId)
    this.times.push(occurredAtMs)
    this.flags[i] = (this.blocking.has(draft) ? draftBlocked : 0) | (this.blocking.has(live) ? liveBlocked : 0)
  }

  confusion(labels: LabelBook): { draft: ConfusionMatrix; live: ConfusionMatrix } {
    const draft = { blocked: counts(), passed: counts() }
    const live = { blocked: counts(), passed: counts() }
    for (let i = 0; i < this.ids.length; i++) {
      const outcome = labels.outcomeOf(this.ids[i]!, this.times[i]!)
      const column = outcome === 'positive' || outcome === 'negative' ? outcome : 'unknown'
      const flags = this.flags[i]!
      ;(flags & draftBlocked ? draft.blocked : draft.passed)[column]++
      ;(flags & liveBlocked ? live.blocked : live.passed)[column]++
    }
    return { draft: withRates(draft), live: withRates(live) }
  }
}

const counts = (): LabelCounts => ({ positive: 0, negative: 0, unknown: 0 })

function withRates(m: { blocked: LabelCounts; passed: LabelCounts }): ConfusionMatrix {
  const known = m.blocked.positive + m.blocked.negative
  const positives = m.blocked.positive + m.passed.positive
  return { ...m, precision: known === 0 ? null : share(m.blocked.positive, known), recall: positives === 0 ? null : share(m.blocked.positive, positives) }
}
