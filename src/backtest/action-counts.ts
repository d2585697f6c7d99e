import { type Action, actions } from '../core/actions.ts'
import { TimeBuckets } from '../monitoring/time-buckets.ts'
import { type ActionShares, type BacktestReport, share } from './backtest-report.ts'

const indexOf = new Map<Action, number>(actions.map((action, i) => [action, i]))

/**
 * The draft's and the live actions of every decided event: counts and
 * rates per action, the approval rate and its change, the live → draft
 * transitions, and the reviews each would have created per local day
 * (Beijing by default).
 */
export class ActionCounts {
  /** live × 4 + draft, by position in `actions`. */
  private readonly pairs = new Float64Array(actions.length * actions.length)
  private readonly reviewDays = new Map<string, { draft: number; live: number }>()
  private readonly days: TimeBuckets
  private lastDay = { startMs: 0, endMs: 0, label: '' }
  decided = 0

  constructor(timeZone?: string) {
    this.days = new TimeBuckets('day', timeZone)
  }

  add(live: Action, draft: Action, occurredAtMs: number): void {
    this.decided++
    this.pairs[indexOf.get(live)! * actions.length + indexOf.get(draft)!]!++
    if (live !== 'review' && draft !== 'review') return
    const day = this.dayOf(occurredAtMs)
    const counts = this.reviewDays.get(day) ?? { draft: 0, live: 0 }
    if (draft === 'review') counts.draft++
    if (live === 'review') counts.live++
    this.reviewDays.set(day, counts)
  }

  /** Events whose draft action differs from the live one. */
  get changed(): number {
    let same = 0
    for (let i = 0; i < actions.length; i++) same += this.pairs[i * actions.length + i]!
    return this.decided - same
  }

  summary(): Pick<BacktestReport, 'actions' | 'approvalRate' | 'reviews'> & { transitions: BacktestReport['changed']['transitions'] } {
    const draft = actions.map((_, d) => actions.reduce((n, _l, l) => n + this.pairs[l * actions.length + d]!, 0))
    const live = actions.map((_, l) => actions.reduce((n, _d, d) => n + this.pairs[l * actions.length + d]!, 0))
    const shares = (counts: number[]) => Object.fromEntries(actions.map((action, i) => [action, { events: counts[i]!, rate: share(counts[i]!, this.decided) }])) as ActionShares
    const approve = indexOf.get('approve')!
    const review = indexOf.get('review')!
    const transitions = actions.flatMap((l, li) =>
      actions.flatMap((d, di) => (li !== di && this.pairs[li * actions.length + di]! > 0 ? [{ live: l, draft: d, events: this.pairs[li * actions.length + di]! }] : [])),
    )
    return {
      actions: { draft: shares(draft), live: shares(live) },
      approvalRate: { draft: share(draft[approve]!, this.decided), live: share(live[approve]!, this.decided), change: share(draft[approve]! - live[approve]!, this.decided) },
      reviews: {
        draft: draft[review]!,
        live: live[review]!,
        perDay: [...this.reviewDays].sort(([a], [b]) => (a < b ? -1 : 1)).map(([day, counts]) => ({ day, ...counts })),
      },
      transitions: transitions.sort((a, b) => b.events - a.events),
    }
  }

  /** Events come nearly in time order: the day of the previous one is usually the day of this one. */
  private dayOf(atMs: number): string {
    if (atMs < this.lastDay.startMs || atMs >= this.lastDay.endMs) {
      const bucket = this.days.bucketOf(atMs)
      this.lastDay = { startMs: bucket.startMs, endMs: bucket.endMs, label: bucket.label }
    }
    return this.lastDay.label
  }
}
