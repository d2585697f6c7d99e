import type { Action } from '../core/actions.ts'
import type { StrategyDocument } from '../strategy/strategy-document.ts'
import { type RuleHitRate, type RuleOverlap, share } from './backtest-report.ts'

/** Pairs of rules shown, most overlapping first. */
export const overlapsShown = 20

interface NamedRule {
  id: string
  node: string
  action: Action
}

/**
 * How often each rule of the draft hit, and how often two rules hit the
 * same event. Hits are the outcome's `hits` (rules, decision-table rows,
 * score bands that held). A rule the document names gets a line even if it
 * never hit; any other hit gets one when it first hits.
 */
export class RuleHits {
  private readonly hits = new Map<string, number>()
  /** first rule → second rule → events both hit; the first is the one seen first. */
  private readonly pairs = new Map<string, Map<string, number>>()
  private readonly named: NamedRule[]

  constructor(document: StrategyDocument) {
    this.named = namedRules(document)
    for (const rule of this.named) this.hits.set(rule.id, 0)
  }

  add(hits: readonly string[]): void {
    for (let i = 0; i < hits.length; i++) {
      const a = hits[i]!
      this.hits.set(a, (this.hits.get(a) ?? 0) + 1)
      for (let j = i + 1; j < hits.length; j++) {
        const b = hits[j]!
        if (b === a) continue
        // one entry per unordered pair, under whichever rule came first in `hits` order
        const [first, second] = this.pairs.get(b)?.has(a) ? [b, a] : [a, b]
        const row = this.pairs.get(first) ?? new Map<string, number>()
        row.set(second, (row.get(second) ?? 0) + 1)
        this.pairs.set(first, row)
      }
    }
  }

  rates(decided: number): RuleHitRate[] {
    const byId = new Map(this.named.map((rule) => [rule.id, rule]))
    return [...this.hits].map(([id, hits]) => {
      const rule = byId.get(id)
      return { id, ...(rule ? { node: rule.node, action: rule.action } : {}), hits, rate: share(hits, decided) }
    })
  }

  overlaps(limit = overlapsShown): RuleOverlap[] {
    const all: RuleOverlap[] = []
    for (const [first, row] of this.pairs) {
      for (const [second, events] of row) {
        all.push({ rules: [first, second], events, shareOfFirst: share(events, this.hits.get(first)!), shareOfSecond: share(events, this.hits.get(second)!) })
      }
    }
    return all.sort((x, y) => y.events - x.events || (x.rules.join() < y.rules.join() ? -1 : 1)).slice(0, limit)
  }
}

/** The rules (rows, bands) the document names with an id, in document order. */
function namedRules(document: StrategyDocument): NamedRule[] {
  const out: NamedRule[] = []
  for (const set of document.ruleSets ?? []) for (const rule of set.rules ?? []) out.push({ id: rule.id, node: set.id, action: rule.action })
  for (const node of document.flow ?? []) {
    if (node.type === 'ruleSet') for (const rule of node.rules ?? []) out.push({ id: rule.id, node: node.id, action: rule.action })
    if (node.type === 'decisionTable') for (const row of node.rows ?? []) if (row.id) out.push({ id: row.id, node: node.id, action: row.action })
    if (node.type === 'modelThreshold') for (const band of node.bands ?? []) if (band.id) out.push({ id: band.id, node: node.id, action: band.action })
  }
  return out
}
