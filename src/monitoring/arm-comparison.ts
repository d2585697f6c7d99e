import type { Action } from '../core/actions.ts'
import type { MonitoringSource } from './decision-log-source.ts'
import { LabelBook } from './label-outcomes.ts'
import { chiSquareTest, type Rate, wilson } from './proportions.ts'

/** What to compare: one strategy's versions over a period, judged with the labels known at the cut-off. */
export interface ArmComparisonRequest {
  eventType: string
  strategyId: string
  fromMs: number
  toMs: number
  cutoffMs: number
  /** The fraud label kind (fraud caught) and the credit label kind (bad rate of approvals). */
  fraudLabel: string
  badLabel: string
  /** An approval counts for the bad rate once this old at the cut-off (30 days past due needs time to show). */
  maturityDays: number
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
  /** Of the approved events old enough at the cut-off, those labelled bad. */
  badRate: Rate
}

export interface ArmComparison {
  strategyId: string
  eventType: string
  from: string
  to: string
  cutoff: string
  /** Versions that decided, by the arm they decided in. */
  arms: (ArmFigures & { arm: 'champion' | 'challenger' | 'only' })[]
  /** What shadow versions would have done on the same events, with how often they agree with the version that decided. */
  shadows: (ArmFigures & { agreement: Rate })[]
  /** Whether the arms got the traffic they were given (χ², p below 0.001 is a mismatch). */
  sampleRatio?: { expected: Record<string, number>; observed: Record<string, number>; chiSquare: number; pValue: number; mismatch: boolean }
}

const emptyActions = (): Record<Action, number> => ({ approve: 0, step_up: 0, review: 0, reject: 0 })
const dayMs = 86_400_000
/** The p-value below which a split's traffic is called mismatched: a 1-in-1,000 false alarm. */
export const sampleRatioAlpha = 0.001

/**
 * Champion against challengers (and shadows) on the same period: action
 * rates, fraud caught and bad rate among approvals, each with a 95 % Wilson
 * interval, and a sample-ratio check of the split. Labels count as known at
 * the cut-off (`label-outcomes.ts`).
 */
export async function compareArms(source: MonitoringSource, request: ArmComparisonRequest): Promise<ArmComparison> {
  const fraud = new LabelBook({ positive: request.fraudLabel, negatives: [], maturityDays: Number.POSITIVE_INFINITY, cutoffMs: request.cutoffMs })
  const bad = new LabelBook({ positive: request.badLabel, negatives: [], maturityDays: request.maturityDays, cutoffMs: request.cutoffMs })
  for await (const label of source.labels(request.fromMs, request.cutoffMs + 1)) {
    fraud.add(label)
    bad.add(label)
  }
  const arms = new Map<number, Tally & { arm: 'champion' | 'challenger' | 'only' }>()
  const shadows = new Map<number, Tally & { agree: number }>()
  for await (const d of source.decisions(request.eventType, request.fromMs, request.toMs)) {
    if (d.strategy?.id !== request.strategyId || d.action === undefined) continue
    const arm = arms.get(d.strategy.version) ?? { ...newTally(), arm: d.strategy.arm ?? 'only' }
    arms.set(d.strategy.version, arm)
    const fraudOutcome = fraud.outcomeOf(d.eventId, d.occurredAtMs)
    const mature = d.occurredAtMs + request.maturityDays * dayMs <= request.cutoffMs
    const badOutcome = mature ? bad.outcomeOf(d.eventId, d.occurredAtMs) : 'pending'
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
  approvedMature: number
  approvedBad: number
}

const newTally = (): Tally => ({ decisions: 0, actions: emptyActions(), fraud: 0, fraudCaught: 0, approvedMature: 0, approvedBad: 0 })

function count(tally: Tally, action: Action, isFraud: boolean, badOutcome: string) {
  tally.decisions++
  tally.actions[action]++
  if (isFraud) {
    tally.fraud++
    if (action !== 'approve') tally.fraudCaught++
  }
  if (action === 'approve' && badOutcome !== 'pending') {
    tally.approvedMature++
    if (badOutcome === 'positive') tally.approvedBad++
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
  }
}
