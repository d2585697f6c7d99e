import type { CaseRisk, ReviewCase } from './review-case.ts'

/** How long a case may wait before its SLA is breached, by risk. */
export const slaMinutes: Record<CaseRisk, number> = { high: 30, medium: 120, low: 480 }

/** What a case is about, its queue and its weight: the rest of a newly opened case follows (open, unassigned, due by its risk's SLA). */
export type NewCase = Pick<ReviewCase, 'id' | 'tenantId' | 'kind' | 'decisionId' | 'eventId' | 'eventType' | 'queue' | 'risk' | 'priority' | 'amountMinor' | 'entityKeys' | 'ring'>

export function openedCase(fields: NewCase, atMs: number): ReviewCase {
  return {
    ...fields,
    status: 'open',
    assignee: null,
    createdAtMs: atMs,
    dueAtMs: atMs + slaMinutes[fields.risk] * 60_000,
    callbackAtMs: null,
    claimedAtMs: null,
    closedAtMs: null,
    disposition: null,
    resolution: null,
  }
}

/** Amounts (minor units) from which the money at stake alone makes a case medium or high risk: ¥50,000 and ¥300,000. */
export const amountRisk = { medium: 5_000_000, high: 30_000_000 }

const rank: Record<CaseRisk, number> = { low: 0, medium: 1, high: 2 }

/**
 * A case's risk: the higher of what its decision's scores say
 * (probabilities in [0, 1]; points and other scales are left out: high from
 * 0.6, medium from 0.3) and what the amount at stake says (`amountRisk`);
 * medium when there is neither. Priority orders the queue: risk first, then
 * the amount (in thousands, up to 999).
 */
export function casePriority(scores: Readonly<Record<string, number>>, amountMinor: number | null): { risk: CaseRisk; priority: number } {
  const probabilities = Object.values(scores).filter((s) => s >= 0 && s <= 1)
  const top = probabilities.length > 0 ? Math.max(...probabilities) : undefined
  const byScore: CaseRisk | undefined = top === undefined ? undefined : top >= 0.6 ? 'high' : top >= 0.3 ? 'medium' : 'low'
  const byAmount: CaseRisk | undefined = amountMinor === null ? undefined : amountMinor >= amountRisk.high ? 'high' : amountMinor >= amountRisk.medium ? 'medium' : 'low'
  const known = [byScore, byAmount].filter((r) => r !== undefined)
  const risk: CaseRisk = known.length === 0 ? 'medium' : known.reduce((a, b) => (rank[b] > rank[a] ? b : a))
  const base = { high: 3000, medium: 2000, low: 1000 }[risk]
  return { risk, priority: base + Math.min(999, Math.floor((amountMinor ?? 0) / 100_000)) }
}

/**
 * A ring case's risk and priority: its risk (the labelled share shrunk
 * towards the base rate, a probability) read like a score (high from 0.6,
 * medium from 0.3), one step higher for a ring of `bigRingUsers` or more;
 * priority: the risk's base, then 10 per user (up to 999), so of two rings
 * equally risky the larger goes first.
 */
export function ringCasePriority(ringRisk: number, users: number): { risk: CaseRisk; priority: number } {
  const byRisk: CaseRisk = ringRisk >= 0.6 ? 'high' : ringRisk >= 0.3 ? 'medium' : 'low'
  const risk: CaseRisk = users >= bigRingUsers ? (byRisk === 'low' ? 'medium' : 'high') : byRisk
  const base = { high: 3000, medium: 2000, low: 1000 }[risk]
  return { risk, priority: base + Math.min(999, users * 10) }
}

/** Users from which a ring's size alone raises its case's risk a step. */
export const bigRingUsers = 10
