import type { CaseRisk } from './review-case.ts'

/** How long a case may wait before its SLA is breached, by risk. */
export const slaMinutes: Record<CaseRisk, number> = { high: 30, medium: 120, low: 480 }

/**
 * A case's risk from its decision's scores (probabilities in [0, 1]; points
 * and other scales are left out): high from 0.6, medium from 0.3; medium
 * when the decision has no such score. Priority orders the queue: risk
 * first, then the amount at stake (in thousands, up to 999).
 */
export function casePriority(scores: Readonly<Record<string, number>>, amountMinor: number | null): { risk: CaseRisk; priority: number } {
  const probabilities = Object.values(scores).filter((s) => s >= 0 && s <= 1)
  const top = probabilities.length > 0 ? Math.max(...probabilities) : undefined
  const risk: CaseRisk = top === undefined ? 'medium' : top >= 0.6 ? 'high' : top >= 0.3 ? 'medium' : 'low'
  const base = { high: 3000, medium: 2000, low: 1000 }[risk]
  return { risk, priority: base + Math.min(999, Math.floor((amountMinor ?? 0) / 100_000)) }
}
