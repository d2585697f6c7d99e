import type { Action } from '../core/actions.ts'
import type { ArmSource } from './decision-log-source.ts'
import { LabelBook } from './label-outcomes.ts'
import { LoanBook, type LoanOutcome } from './loan-outcomes.ts'
import { chiSquareTest, type Rate, wilson } from './proportions.ts'

/** What to compare: one strategy's versions over a period, judged with the labels known at the cut-off. */
export interface ArmComparisonRequest {
  eventType: string
  strategyId: string
  fromMs: number
  toMs: number
  cutoffMs: number
  /** The fraud label kind (fraud caught). */
  fraudLabel: string
  /** Label kinds that make a loan (or its application) bad whatever its repayments say: `default`, `charge_off`. */
  badLabels: readonly string[]
  /** Days past due that make a loan bad: the bad rate is at 30 dpd by default (`loan-outcomes.ts`). */
  daysPastDue: number
  /** The shares the deployment gave each version (percent), for the sample-ratio check; omitted: no check. */
  expectedShares?: ReadonlyMap<number, number>
}

export interface ArmFigures {
  version: number
  decisions: number
  actions: Record<Action, number>
  approvalRate: Rate
  reviewRate: Rate
  rejectRate: Rate
  /** Of the events labelled fraud, those the version did not approve. */
  fraudCaught: Rate
  /** Of the approvals drawn and mature at the cut-off, those whose loans went bad (`loan-outcomes.ts`). */
  badRate: Rate
  /** What became of the approvals by the cut-off: never drawn, drawn but too recent to judge, matured (the bad rate's `of`). */
  approvals: { notDrawn: number; immature: number; matured: number }
}

export interface ArmComparison {
  strategyId: string
  eventType: string
  from: string
  to: string
  cutoff: string
  /** What makes a loan bad: this many days past due, or a label of these kinds. */
  bad: { daysPastDue: number; labels: string[] }
  /** Versions that decided, by the arm they decided in. */
  arms: (ArmFigures & { arm: 'champion' | 'challenger' | 'only' })[]
  /** What shadow versions would have done on the same events, with how often they agree with the version that decided. */
  shadows: (ArmFigures & { agreement: Rate })[]
  /** Whether the arms got the traffic they were given (χ², p below 0.001 is a mismatch). */
  sampleRatio?: { expected: Record<string, number>; observed: Record<string, number>; chiSquare: number; pValue: number; mismatch: boolean }
}

const emptyActions = (): Record<Action, number> => ({ approve: 0, step_up: 0, review: 0, reject: 0 })
/** The p-value below which a split's traffic is called mismatched: a 1-in-1,000 false alarm. */
export const sampleRatioAlpha = 0.001

/**
 * Champion against challengers (and shadows) on the same period: action
 * rates, fraud caught, and the bad rate of the loans their approvals led to,
 * each with a 95 % Wilson interval, and a sample-ratio check of the split.
 * Labels and loan events count as known at the cut-off (`label-outcomes.ts`,
 * `loan-outcomes.ts`).
 */
export async function compareArms(source: ArmSource, request: ArmComparisonRequest): Promise<ArmComparison> {
  const fraud = new LabelBook({ positive: request.fraudLabel, negatives: [], maturityDays: Number.POSITIVE_INFINITY, cutoffMs: request.cutoffMs })
  const loans = new LoanBook({ cutoffMs: request.cutoffMs, daysPastDue: request.daysPastDue, badLabels: request.badLabels })
  for await (const label of source.labels(request.fromMs, request.cutoffMs + 1)) {
    fraud.add(label)
    loans.addLabel(label)
  }
  // a loan is drawn after the application that granted it: its events start with the period
  for await (const event of source.loanEvents(request.fromMs, request.cutoffMs + 1)) loans.addEvent(event)
  const arms = new Map<number, Tally & { arm: 'champion' | 'challenger' | 'only' }>()
  const shadows = new Map<number, Tally & { agree: number }>()
  for await (const d of source.decisions(request.eventType, request.fromMs, request.toMs, { withApplicationIds: true })) {
    if (d.strategy?.id !== request.strategyId || d.action === undefined) continue
    const arm = arms.get(d.strategy.version) ?? { ...newTally(), arm: d.strategy.arm ?? 'only' }
    arms.set(d.strategy.version, arm)
    const fraudOutcome = fraud.outcomeOf(d.eventId, d.occurredAtMs)
    const badOutcome = loans.outcomeOf(d.applicationId, d.eventId)
    count(arm, d.action, fraudOutcome === 'positive', badOutcome)
    for (const shadow of d.shadows ?? []) {
      const tally = shadows.get(shadow.version) ?? { ...newTally(), agree: 0 }
      shadows.set(shadow.version, tally)
      count(tally, shadow.action, fraudOutcome === 'positive', badOutcome)
      if (shadow.action === d.action) tally.agree++
    }
  }
  const comparison: ArmComparison = {
    strategyId: request.strategyId,
    eventType: request.eventType,
    from: new Date(request.fromMs).toISOString(),
    to: new Date(request.toMs).toISOString(),
    cutoff: new Date(request.cutoffMs).toISOString(),
    bad: { daysPastDue: request.daysPastDue, labels: [...request.badLabels] },
    arms: [...arms].sort(([a], [b]) => a - b).map(([version, t]) => ({ ...figures(version, t), arm: t.arm })),
    shadows: [...shadows].sort(([a], [b]) => a - b).map(([version, t]) => ({ ...figures(version, t), agreement: wilson(t.agree, t.decisions) })),
  }
  if (request.expectedShares && request.expectedShares.size > 1) {
    const versions = [...request.expectedShares.keys()]
    const observed = versions.map((v) => arms.get(v)?.decisions ?? 0)
    const test = chiSquareTest(observed, versions.map((v) => request.expectedShares!.get(v)!))
    comparison.sampleRatio = {
      expected: Object.fromEntries(versions.map((v) => [String(v), request.expectedShares!.get(v)!])),
      observed: Object.fromEntries(versions.map((v, i) => [String(v), observed[i]!])),
      chiSquare: test.chiSquare,
      pValue: test.pValue,
      mismatch: test.pValue < sampleRatioAlpha,
    }
  }
  return comparison
}

interface Tally {
  decisions: number
  actions: Record<Action, number>
  fraud: number
  fraudCaught: number
  approvedNotDrawn: number
  approvedImmature: number
  approvedMature: number
  approvedBad: number
}

const newTally = (): Tally => ({ decisions: 0, actions: emptyActions(), fraud: 0, fraudCaught: 0, approvedNotDrawn: 0, approvedImmature: 0, approvedMature: 0, approvedBad: 0 })

function count(tally: Tally, action: Action, isFraud: boolean, loanOutcome: LoanOutcome) {
  tally.decisions++
  tally.actions[action]++
  if (isFraud) {
    tally.fraud++
    if (action !== 'approve') tally.fraudCaught++
  }
  if (action !== 'approve') return
  if (loanOutcome === 'not_drawn') tally.approvedNotDrawn++
  else if (loanOutcome === 'immature') tally.approvedImmature++
  else {
    tally.approvedMature++
    if (loanOutcome === 'bad') tally.approvedBad++
  }
}

function figures(version: number, t: Tally): ArmFigures {
  return {
    version,
    decisions: t.decisions,
    actions: t.actions,
    approvalRate: wilson(t.actions.approve, t.decisions),
    reviewRate: wilson(t.actions.review, t.decisions),
    rejectRate: wilson(t.actions.reject, t.decisions),
    fraudCaught: wilson(t.fraudCaught, t.fraud),
    badRate: wilson(t.approvedBad, t.approvedMature),
    approvals: { notDrawn: t.approvedNotDrawn, immature: t.approvedImmature, matured: t.approvedMature },
  }
}
