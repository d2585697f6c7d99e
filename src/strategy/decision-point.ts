import { builtinEventTypes } from '../events/builtin-event-types.ts'
import { type Stage, stages } from './strategy-document.ts'

/**
 * A decision point is an event type, narrowed by product (`event.data.product`)
 * and by stage (where in the loan's life the event sits), each optional. Its
 * key: `credit.application`, `credit.application/cash`,
 * `complaint@post_loan`, `complaint/cash@post_loan`.
 */
export const decisionPointKey = (eventType: string, product?: string, stage?: string) =>
  `${eventType}${product === undefined ? '' : `/${product}`}${stage === undefined ? '' : `@${stage}`}`

/** The stage each built-in event type declares (none for complaints and labels, which come at any stage). */
const declaredStages: ReadonlyMap<string, Stage> = new Map(builtinEventTypes.flatMap((t) => (t.stage === undefined ? [] : [[t.type, t.stage] as const])))

/** The stage an event type declares for all its events, if any. */
export const declaredStageOf = (eventType: string): Stage | undefined => declaredStages.get(eventType)

/**
 * An event's stage: its own `data.stage` when it carries one (an event type
 * spanning stages — a complaint, a tenant's own type — has the field in its
 * schema), else the stage its event type declares, else none.
 */
export function stageOfEvent(eventType: string, data: Readonly<Record<string, unknown>>): Stage | undefined {
  const own = data.stage
  return typeof own === 'string' && (stages as readonly string[]).includes(own) ? (own as Stage) : declaredStages.get(eventType)
}

/**
 * The strategy of an event, most specific first: its product at its stage,
 * its product at any stage, any product at its stage, then the event type's
 * own. A strategy without a stage or product keeps deciding everything the
 * narrower ones do not.
 */
export function strategyFor<T>(strategies: ReadonlyMap<string, T>, eventType: string, data: Readonly<Record<string, unknown>>): T | undefined {
  if (strategies.size === 0) return undefined
  const product = typeof data.product === 'string' ? data.product : undefined
  const stage = stageOfEvent(eventType, data)
  return (
    (product !== undefined && stage !== undefined ? strategies.get(decisionPointKey(eventType, product, stage)) : undefined) ??
    (product !== undefined ? strategies.get(decisionPointKey(eventType, product)) : undefined) ??
    (stage !== undefined ? strategies.get(decisionPointKey(eventType, undefined, stage)) : undefined) ??
    strategies.get(eventType)
  )
}
