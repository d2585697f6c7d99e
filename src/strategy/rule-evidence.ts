import type { References } from '../cel/condition.ts'
import type { StrategyInput } from './strategy.ts'

/**
 * What a reason shows: the features and scores its conditions read (with an
 * inline scorecard's top contributions), and numeric or boolean event
 * fields. Strings are left out on purpose: they may be personal identifiers.
 * The keys are made once per rule, not per decision.
 */
export interface EvidencePlan {
  features: readonly (readonly [name: string, key: string])[]
  scores: readonly (readonly [name: string, key: string, topKey: string])[]
  eventFields: readonly (readonly [path: readonly string[], key: string])[]
}

export function evidencePlan(references: References): EvidencePlan {
  return {
    features: references.features.map((name) => [name, `features.${name}`] as const),
    scores: references.scores.map((name) => [name, `scores.${name}`, `scores.${name}.topContributions`] as const),
    eventFields: references.eventFields.map((path) => [path, `event.${path.join('.')}`] as const),
  }
}

export function gatherEvidence(
  plan: EvidencePlan,
  input: StrategyInput,
  scores: Readonly<Record<string, number>>,
  tops: { topContributions(score: string): Record<string, number> | undefined },
): Record<string, unknown> {
  const evidence: Record<string, unknown> = {}
  for (const [name, key] of plan.features) evidence[key] = input.features[name]
  for (const [name, key, topKey] of plan.scores) {
    evidence[key] = scores[name]
    const top = tops.topContributions(name)
    if (top) evidence[topKey] = top
  }
  for (const [path, key] of plan.eventFields) {
    let node: unknown = input.event
    for (const segment of path) node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined
    if (typeof node === 'number' || typeof node === 'boolean') evidence[key] = node
  }
  return evidence
}

/** An inline scorecard's three largest contributions by size (the earlier input on a tie), for evidence; undefined when all are zero. */
export function topThree(features: readonly string[], contributions: ArrayLike<number>): Record<string, number> | undefined {
  // one pass keeping the best three, in place: this runs for every decision whose hit reads a score
  const best = [-1, -1, -1]
  const sizes = [0, 0, 0]
  let count = 0
  for (let i = 0; i < features.length; i++) {
    const size = Math.abs(contributions[i]!)
    if (size === 0) continue
    let at = count
    while (at > 0 && sizes[at - 1]! < size) at--
    if (at >= 3) continue
    for (let k = Math.min(count, 2); k > at; k--) {
      best[k] = best[k - 1]!
      sizes[k] = sizes[k - 1]!
    }
    best[at] = i
    sizes[at] = size
    if (count < 3) count++
  }
  if (count === 0) return undefined
  const top: Record<string, number> = {}
  for (let k = 0; k < count; k++) top[features[best[k]!]!] = contributions[best[k]!]!
  return top
}
