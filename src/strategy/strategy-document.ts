import type { Action } from '../core/actions.ts'
import type { LocalizedMessage } from '../core/reason.ts'
import type { LogisticScorecard } from './logistic-scorecard.ts'

/** A strategy as authors write it (YAML or JSON). Versioned: a change needs a new version number. */
export interface StrategyDocument {
  id: string
  version: number
  eventType: string
  description?: string
  /** Action when no rule hits. */
  defaultAction: Action
  /** Degraded-mode policy: what a rule that cannot be evaluated does to the decision. */
  onRuleError: Action | 'ignore'
  models: LogisticScorecard[]
  ruleSets: RuleSetDocument[]
  /** credit.application only: CEL expressions (ints) for the offered limit and price when approved. */
  offer?: { limitMinor: string; aprBps: string }
}

export interface RuleSetDocument {
  id: string
  /** serial: the first rule that hits decides; parallel: every rule runs and the worst action wins. */
  mode: 'serial' | 'parallel'
  rules: RuleDocument[]
}

export interface RuleDocument {
  id: string
  when: string
  action: Action
  reason: { code: string } & LocalizedMessage
}
