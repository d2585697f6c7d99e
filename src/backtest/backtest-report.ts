import type { Action } from '../core/actions.ts'

/**
 * What a backtest reports (`docs/backtests.md` defines every figure). Rates
 * are shares of the decided events, rounded to six places; counts are
 * events. Nothing in it is personal: events are named by id, type, time
 * and amount only.
 */
export interface BacktestReport {
  strategy: { id: string; version: number; hash: string; eventType: string; product?: string }
  period: { from: string; to: string; warmUpFrom: string }
  /** The features computed (what the draft reads, and what its expressions need). */
  features: string[]
  events: {
    /** Every logged event (of any type) from the warm-up to the end of the period: the history the backtest covers. */
    logged: number
    /** Logged events read for the replay: those of the types that feed a window the draft reads, and of the draft's type, from the warm-up to the end of the period (the label events read after them are counted in `labels.labelsRead`). */
    read: number
    /** Events that went through the feature engine: of those read, the decided ones and those that add to a window a decided event reads. */
    replayed: number
    /** The tenant's events of the draft's type (and product) in the period: each decided by the draft. */
    decided: number
  }
  actions: { draft: ActionShares; live: ActionShares }
  approvalRate: { draft: number; live: number; change: number }
  /** What was live: the strategy versions that decided these events (an event without one counts as `NO_STRATEGY`, approved). */
  live: { strategies: { id: string; version: number; events: number }[]; withoutStrategy: number }
  changed: {
    events: number
    rate: number
    /** Live action → draft action, for the pairs that differ. */
    transitions: { live: Action; draft: Action; events: number }[]
    /** A seeded sample of the changed events. */
    sample: ChangedDecision[]
  }
  reviews: { draft: number; live: number; perDay: { day: string; draft: number; live: number }[] }
  labels: {
    positive: string
    negatives: string[]
    maturityDays: number
    cutoff: string
    /** Label events of the tenant read (about any event), known at the cut-off or not. */
    labelsRead: number
  }
  /** Actions counted as blocking in the confusion matrices. */
  blocking: Action[]
  confusion: { draft: ConfusionMatrix; live: ConfusionMatrix }
  rules: RuleHitRate[]
  /** Pairs of rules that hit the same events, most first (at most 20). */
  overlaps: RuleOverlap[]
  /** Decided events on which a rule of the draft could not be evaluated. */
  ruleErrors: number
  timing: { seconds: number; loggedEventsPerSecond: number; eventsReadPerSecond: number; eventsDecidedPerSecond: number }
}

export type ActionShares = Record<Action, { events: number; rate: number }>

export interface ConfusionMatrix {
  blocked: LabelCounts
  passed: LabelCounts
  /** Blocked positives over blocked events with a known outcome; null when none. */
  precision: number | null
  /** Blocked positives over all positives; null when none. */
  recall: number | null
}

/** `unknown`: only labels of other kinds are known, or none yet and the event is too recent to call negative. */
export interface LabelCounts {
  positive: number
  negative: number
  unknown: number
}

export interface RuleHitRate {
  id: string
  /** The rule set (or flow node) and action, when the document names the rule. */
  node?: string
  action?: Action
  hits: number
  rate: number
}

export interface RuleOverlap {
  rules: [string, string]
  events: number
  /** Of the first rule's hits, the share the second also hit; and the other way round. */
  shareOfFirst: number
  shareOfSecond: number
}

export interface ChangedDecision {
  eventId: string
  eventType: string
  occurredAt: string
  amountMinor?: number
  live: Action
  draft: Action
  /** The draft's reasons: codes and rules, with only the features and scores they read as evidence. */
  reasons: { code: string; ruleId?: string; node?: string; evidence: Record<string, unknown> }[]
}

export const round6 = (x: number) => Math.round(x * 1e6) / 1e6
export const share = (part: number, whole: number) => (whole === 0 ? 0 : round6(part / whole))
