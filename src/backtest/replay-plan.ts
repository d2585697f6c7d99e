import { type FeatureDefinition, horizonOf, isGraphDefinition } from '../features/feature-definition.ts'
import { windowAggregates } from '../features/window-aggregates.ts'
import { stageOfEvent } from '../strategy/decision-point.ts'
import type { Strategy } from '../strategy/strategy.ts'
import type { Stage } from '../strategy/strategy-document.ts'
import { featuresForStrategy } from './features-for-strategy.ts'

/** What a backtest reads from the log and computes: fixed by the draft and the period. */
export interface ReplayPlan {
  /** The draft's decision point. */
  eventType: string
  /** Only events whose `data.product` is this are decided (a draft for one product). */
  product: string | undefined
  /** Only events at this stage (`stageOfEvent`) are decided (a draft for one stage). */
  stage: Stage | undefined
  /** The features computed: what the draft reads, with what its expressions need (the graph's among them: the feature engine leaves those to the graph). */
  definitions: FeatureDefinition[]
  fromMs: number
  toMs: number
  /** Where the replay starts: `fromMs` less the longest window (plus delay) of those features. */
  warmUpFromMs: number
  /** Event types that feed one of the windows: the only ones, with the draft's own, that the replay keeps. */
  feeds: ReadonlySet<string>
  /** Of those, the types whose data a window reads (a field, a `where`): their sealed copies are opened; the others' keys suffice. */
  readsData: ReadonlySet<string>
  /** The entities (or pairs) each feeding type's windows are kept per: which of its events a decided event's windows read (`ReadEntities`). */
  windows: ReadonlyMap<string, readonly WindowKey[]>
  /** The graph features (`kind: graph`) the draft reads: when any, the graph is rebuilt alongside from the start of the log (`graph/graph-replay.ts`) and measures these. */
  graphMeasures: FeatureDefinition[]
}

/** The entity (or pair of entities) a window is kept per. */
export interface WindowKey {
  entity: string
  pairedWith: string | undefined
}

/**
 * What the log reader needs of a plan: Sets, Maps and plain values, which
 * a worker thread receives as they are (structured clone).
 */
export type LogPlan = Omit<ReplayPlan, 'definitions' | 'graphMeasures'>

export const logPlan = ({ definitions, graphMeasures, ...plan }: ReplayPlan): LogPlan => plan

/** Whether an event of the draft's type is at its decision point: its product and its stage, where the draft names them. */
export const atDecisionPoint = (plan: LogPlan, eventType: string, data: Readonly<Record<string, unknown>>): boolean =>
  (plan.product === undefined || data.product === plan.product) && (plan.stage === undefined || stageOfEvent(eventType, data) === plan.stage)

const isWindowKind = (definition: FeatureDefinition) => (windowAggregates as readonly string[]).includes(definition.kind)

/**
 * The plan of a backtest of `draft` over [fromMs, toMs). Events of other
 * types change no window the draft reads, so they are skipped without
 * being opened: that, and computing only the draft's features, is what
 * makes a replay fast.
 */
export function replayPlan(draft: Strategy, definitions: readonly FeatureDefinition[], fromMs: number, toMs: number): ReplayPlan {
  const computed = featuresForStrategy(definitions, draft.featuresRead)
  const windows = computed.filter(isWindowKind)
  const feeds = new Set(windows.flatMap((d) => d.eventTypes))
  const readsData = new Set(windows.filter((d) => d.field !== undefined || d.where !== undefined).flatMap((d) => d.eventTypes))
  return {
    eventType: draft.document.eventType,
    product: draft.document.product,
    stage: draft.document.stage,
    definitions: computed,
    fromMs,
    toMs,
    warmUpFromMs: fromMs - horizonOf(computed),
    feeds,
    readsData,
    windows: windowsOf(windows),
    graphMeasures: computed.filter(isGraphDefinition),
  }
}

function windowsOf(windows: readonly FeatureDefinition[]): Map<string, WindowKey[]> {
  const byType = new Map<string, WindowKey[]>()
  for (const definition of windows) {
    for (const type of definition.eventTypes) {
      const kept = byType.get(type) ?? []
      if (!kept.some((w) => w.entity === definition.entity && w.pairedWith === definition.pairedWith)) kept.push({ entity: definition.entity!, pairedWith: definition.pairedWith })
      byType.set(type, kept)
    }
  }
  return byType
}
