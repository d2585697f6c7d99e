import type { Action } from '../core/actions.ts'
import type { LocalizedMessage } from '../core/reason.ts'
import type { LogisticScorecard } from './logistic-scorecard.ts'

/**
 * A strategy as authors write it (YAML or JSON): the decision of one
 * decision point (an event type, optionally one product), as a flow of
 * nodes (`flow`) or, for a straight line of rule sets, `ruleSets`.
 * Versioned: a change needs a new version number.
 */
export interface StrategyDocument {
  id: string
  version: number
  eventType: string
  /** Only events whose `data.product` is this; without it, every product that has no strategy of its own. */
  product?: string
  /**
   * Where in the loan's life the decision point sits: only events at this
   * stage (`data.stage`, else their event type's stage); without it, events
   * at every stage that has no strategy of its own.
   */
  stage?: Stage
  description?: string
  /** Action when no rule hits. */
  defaultAction: Action
  /** Degraded-mode policy: what a rule that cannot be evaluated does to the decision. */
  onRuleError: Action | 'ignore'
  /**
   * Degraded-mode policy for a failed dependency (features, graph measures,
   * list look-ups, a registry model): the least severe action the decision
   * may take — or `fail`, the event is refused with an error and not
   * recorded. `review` unless told.
   */
  onDependencyError: Action | 'fail'
  models: StrategyModelDocument[]
  /** A straight line of rule sets: the same as a flow of `ruleSet` nodes, each going on to the next. */
  ruleSets?: RuleSetDocument[]
  flow?: FlowNodeDocument[]
  /** credit.application only: CEL expressions (ints) for the offered limit and price when approved (an `output` node's offer comes first). */
  offer?: OfferDocument
}

/** A decision made without one of its dependencies goes to a person unless the strategy says otherwise. */
export const defaultOnDependencyError = 'review'

export const stages = ['pre_loan', 'in_loan', 'post_loan', 'login', 'marketing', 'account'] as const
export type Stage = (typeof stages)[number]

export interface OfferDocument {
  limitMinor: string
  aprBps: string
}

/** The end of the flow, as a `next` target. */
export const endOfFlow = 'end'

/** Where a node goes next: one node, or one on a hit and another on no hit. Default: the node below it, then the end. */
export type NextDocument = string | { hit?: string; miss?: string }

export type FlowNodeDocument = RuleSetNodeDocument | DecisionTableNodeDocument | ModelThresholdNodeDocument | SplitNodeDocument | OutputNodeDocument

export interface RuleSetNodeDocument extends Omit<RuleSetDocument, 'id'> {
  id: string
  type: 'ruleSet'
  next?: NextDocument
}

/**
 * A decision table (决策表): input columns (CEL expressions) and rows of
 * cells, each cell a test on its column (`-` any, `>= 3`, `[1..5]`, `(0..1]`,
 * `in ["a", "b"]`, or a value for equality). A row hits when every cell
 * holds. `first`: the first row that hits; `priority`: the hit with the most
 * severe action (the earlier row on a tie); `collect`: every hit, worst
 * action wins.
 */
export interface DecisionTableNodeDocument {
  id: string
  type: 'decisionTable'
  hitPolicy: 'first' | 'priority' | 'collect'
  inputs: { name?: string; expression: string }[]
  rows: { id?: string; when: (string | number | boolean)[]; action: Action; reason: ReasonDocument }[]
  next?: NextDocument
}

/** Bands over one score, tried in order; the first that holds hits (`when` as a decision table cell). */
export interface ModelThresholdNodeDocument {
  id: string
  type: 'modelThreshold'
  score: string
  bands: { id?: string; when: string | number; action: Action; reason: ReasonDocument }[]
  next?: NextDocument
}

/**
 * Traffic split by a stable hash of the applicant's entity key (`by`, e.g.
 * user or id_number), never of the request: the same applicant always takes
 * the same branch. Shares are percentages adding up to 100.
 */
export interface SplitNodeDocument {
  id: string
  type: 'split'
  by: string
  branches: { share: number; next: string }[]
}

/** Ends the flow: sets the action (when given), adds a reason, and makes an offer when the action is approve. */
export interface OutputNodeDocument {
  id: string
  type: 'output'
  action?: Action
  reason?: ReasonDocument
  offer?: OfferDocument
}

export type ReasonDocument = { code: string } & LocalizedMessage

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
  reason: ReasonDocument
}
