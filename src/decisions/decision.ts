import type { Action } from '../core/actions.ts'
import type { Reason } from '../core/reason.ts'
import type { ModelUse } from '../models/serving/model-serving.ts'
import type { StrategyOutcome } from '../strategy/strategy.ts'

/** The reply to an event: what to do, why, and from which strategy version. */
export interface Decision {
  decisionId: string
  eventId: string
  eventType: string
  action: Action
  offer?: { limitMinor: number; aprBps: number }
  scores: Record<string, number>
  /** The registry version behind each registry score (absent when the strategy has none): what `explain` replays with. */
  models?: Record<string, ModelUse>
  reasons: Reason[]
  /** The values of the features the strategy read, as of just before the event. */
  features: Record<string, number>
  /** The version that decided; `arm` says champion or challenger while a deployment splits traffic. */
  strategy: { id: string; version: number; arm?: 'champion' | 'challenger' } | null
  decidedAt: string
  /** Time to decide, from validated input to reply, excluding the durable commit. */
  latencyMs: number
}

/**
 * What a stored decision keeps beyond its reply and the sealed event, so it
 * can be reproduced: the reply already holds the feature snapshot and scores.
 */
export interface DecisionTrace {
  hits: string[]
  /** The flow's nodes, in the order the decision went through them (absent in records made before flows). */
  path?: string[]
  ruleErrors: StrategyOutcome['ruleErrors']
  /** Dependencies that failed for the event (absent when none did): the decision was made degraded. */
  dependencyErrors?: { dependency: string; message: string }[]
  strategyHash: string | null
  /** What each shadow version would have decided (absent without shadows). */
  shadows?: ShadowOutcome[]
}

/** A shadow version's decision of the same event, kept without effect. */
export interface ShadowOutcome {
  version: number
  action: Action
  hits: string[]
  reasons: string[]
}
