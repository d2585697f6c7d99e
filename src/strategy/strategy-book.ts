import { XiezhiError } from '../core/errors.ts'
import type { EntityKind } from '../events/entities.ts'
import { decisionPointKey, strategyFor } from './decision-point.ts'
import type { DeploymentWatcher, StrategyDeployment } from './lifecycle/deployment.ts'
import type { Strategy } from './strategy.ts'
import { bucketCount, trafficBucket } from './traffic-bucket.ts'

/** One decision point's live strategy: the champion, challengers on their buckets, and shadows. */
export interface LiveStrategy {
  deployment: StrategyDeployment
  champion: Strategy
  /** Each challenger owns the buckets below its `upperBucket` not owned by the one before; the champion takes the rest. */
  challengers: { strategy: Strategy; upperBucket: number }[]
  shadows: Strategy[]
}

/** The version that decides an event, and in which arm. */
export interface Arm {
  strategy: Strategy
  arm: 'champion' | 'challenger'
}

/** The applicant, for a stable split: the first of these entities the event has. */
const applicantKinds: readonly EntityKind[] = ['user', 'id_number', 'phone']

/**
 * The strategies in service, by decision point, as their deployments say.
 * Compiling happens when a deployment is checked or put in service, never
 * on the decision path; a deployment that does not compile never replaces
 * the one in service.
 */
export class StrategyBook implements DeploymentWatcher {
  private readonly byPoint = new Map<string, LiveStrategy>()

  constructor(private readonly compile: (document: unknown) => Strategy) {}

  /** Every strategy in service (champions, challengers, shadows). */
  all(): Strategy[] {
    return [...this.byPoint.values()].flatMap((live) => [live.champion, ...live.challengers.map((c) => c.strategy), ...live.shadows])
  }

  /** The live strategy whose champion is a version of `strategyId`. */
  liveOf(strategyId: string): LiveStrategy | undefined {
    return [...this.byPoint.values()].find((live) => live.champion.id === strategyId)
  }

  /** The live strategy of an event: its product's own, else its event type's. */
  for(eventType: string, data: Readonly<Record<string, unknown>>): LiveStrategy | undefined {
    return strategyFor(this.byPoint, eventType, data)
  }

  /** A challenger when the applicant's bucket is one of its own; the champion otherwise, and for an event with no applicant key. */
  armFor(live: LiveStrategy, keys: Partial<Record<EntityKind, readonly string[]>>): Arm {
    if (live.challengers.length > 0) {
      const applicant = applicantKinds.map((kind) => keys[kind]?.[0]).find((key) => key !== undefined)
      if (applicant !== undefined) {
        // salted by the strategy, not the deployment: an applicant keeps its arm when a challenger's share grows
        const bucket = trafficBucket(`${live.champion.id}/arms`, applicant)
        const challenger = live.challengers.find((c) => bucket < c.upperBucket)
        if (challenger) return { strategy: challenger.strategy, arm: 'challenger' }
      }
    }
    return { strategy: live.champion, arm: 'champion' }
  }

  async check(deployment: StrategyDeployment, documents: ReadonlyMap<number, string>): Promise<void> {
    this.build(deployment, documents)
  }

  async deployed(deployment: StrategyDeployment, documents: ReadonlyMap<number, string>): Promise<void> {
    const live = this.build(deployment, documents)
    for (const [point, current] of this.byPoint) if (current.champion.id === deployment.strategyId) this.byPoint.delete(point)
    this.byPoint.set(pointOf(live.champion), live)
  }

  private build(deployment: StrategyDeployment, documents: ReadonlyMap<number, string>): LiveStrategy {
    const load = (version: number, pointer: string): Strategy => {
      const text = documents.get(version)
      if (text === undefined) throw refused(deployment, pointer, 'unknown_strategy_version', `version ${version} is not recorded`)
      return this.compile(JSON.parse(text))
    }
    const champion = load(deployment.champion, '/champion')
    const point = pointOf(champion)
    const taken = new Map<string, string>()
    for (const live of this.byPoint.values()) taken.set(pointOf(live.champion), live.champion.id)
    const holder = taken.get(point)
    if (holder !== undefined && holder !== deployment.strategyId) {
      throw refused(deployment, '/champion', 'decision_point_taken', `strategy "${holder}" already decides ${point}`)
    }
    const sameLine = (strategy: Strategy, pointer: string) => {
      if (pointOf(strategy) !== point) throw refused(deployment, pointer, 'decision_point_mismatch', `version ${strategy.version} decides ${pointOf(strategy)}, the champion ${point}`)
      return strategy
    }
    let upper = 0
    const challengers = deployment.challengers.map((c, i) => {
      upper += Math.round(c.share * 100)
      return { strategy: sameLine(load(c.version, `/challengers/${i}/version`), `/challengers/${i}/version`), upperBucket: upper }
    })
    if (upper >= bucketCount) throw refused(deployment, '/challengers', 'invalid_value', 'challengers take less than 100 % together: the champion keeps the rest')
    const shadows = deployment.shadows.map((v, i) => sameLine(load(v, `/shadows/${i}`), `/shadows/${i}`))
    return { deployment, champion, challengers, shadows }
  }
}

const pointOf = (strategy: Strategy) => decisionPointKey(strategy.document.eventType, strategy.document.product)

const refused = (deployment: StrategyDeployment, pointer: string, code: string, message: string) =>
  new XiezhiError('conflict', `Strategy "${deployment.strategyId}" cannot be deployed: ${message}`, [{ pointer, code, message }])
