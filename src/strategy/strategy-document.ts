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
  models: StrategyModelDocument[]
  ruleSets: RuleSetDocument[]
  /** credit.application only: CEL expressions (ints) for the offered limit and price when approved. */
  offer?: { limitMinor: string; aprBps: string }
}

/** A score a strategy computes: an inline logistic scorecard, or a model from the registry by alias. */
export type StrategyModelDocument = (LogisticScorecard & { kind?: 'logistic' }) | RegistryModelDocument

export interface RegistryModelDocument {
  /** The score's name in CEL: `scores.<name>`. */
  name: string
  kind: 'registry'
  /** The registry model's name. */
  model: string
  /** The alias followed (`champion`, `challenger`, …): a promotion changes the version used, and each decision records it. */
  alias: string
  /**
   * When a rule reading this score hits, the inputs that raised it most
   * follow the rule's reason as reasons of their own: `top` of them (3
   * unless told), worded by `factors` (a scorecard's own reason codes, or a
   * generated code and message, otherwise).
   */
  reasons?: { top?: number; factors?: Record<string, { code: string } & LocalizedMessage> }
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
