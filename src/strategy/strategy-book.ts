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
 * The strategies in service, by tenant and decision point, as their
 * deployments say. An event is decided by its own tenant's strategy only:
 * a tenant with none for the point gets none (the decision says
 * `NO_STRATEGY`), never another tenant's, the default tenant's included.
 * Compiling happens when a deployment is checked or put in service, never
 * on the decision path; a deployment that does not compile never replaces
 * the one in service.
 */
export class StrategyBook implements DeploymentWatcher {
  private readonly byTenant = new Map<string, Map<string, LiveStrategy>>()

  /** `compile` compiles a tenant's document against that tenant's catalogue (its event types). */
  constructor(private readonly compile: (tenantId: string, document: unknown) => Strategy) {}

  /** Every strategy in service (champions, challengers, shadows): the tenant's, or every tenant's. */
  all(tenantId?: string): Strategy[] {
    const books = tenantId === undefined ? [...this.byTenant.values()] : [this.byTenant.get(tenantId) ?? new Map<string, LiveStrategy>()]
    return books.flatMap((byPoint) => [...byPoint.values()]).flatMap((live) => [live.champion, ...live.challengers.map((c) => c.strategy), ...live.shadows])
  }

  /** The tenants with a strategy in service. */
  tenants(): string[] {
    return [...this.byTenant].filter(([, byPoint]) => byPoint.size > 0).map(([tenantId]) => tenantId)
  }

  /** The tenant's live strategy whose champion is a version of `strategyId`. */
  liveOf(tenantId: string, strategyId: string): LiveStrategy | undefined {
    return [...(this.byTenant.get(tenantId)?.values() ?? [])].find((live) => live.champion.id === strategyId)
  }

  /** The live strategy of a tenant's event: the tenant's most specific for its product and stage (`strategyFor`). */
  for(tenantId: string, eventType: string, data: Readonly<Record<string, unknown>>): LiveStrategy | undefined {
    const byPoint = this.byTenant.get(tenantId)
    return byPoint && strategyFor(byPoint, eventType, data)
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
    const byPoint = this.byTenant.get(deployment.tenantId) ?? new Map<string, LiveStrategy>()
    this.byTenant.set(deployment.tenantId, byPoint)
    for (const [point, current] of byPoint) if (current.champion.id === deployment.strategyId) byPoint.delete(point)
    byPoint.set(pointOf(live.champion), live)
  }

  private build(deployment: StrategyDeployment, documents: ReadonlyMap<number, string>): LiveStrategy {
    const load = (version: number, pointer: string): Strategy => {
      const text = documents.get(version)
      if (text === undefined) throw refused(deployment, pointer, 'unknown_strategy_version', `version ${version} is not recorded`)
      return this.compile(deployment.tenantId, JSON.parse(text))
    }
    const champion = load(deployment.champion, '/champion')
    const point = pointOf(champion)
    const taken = new Map<string, string>()
    for (const live of this.byTenant.get(deployment.tenantId)?.values() ?? []) taken.set(pointOf(live.champion), live.champion.id)
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

const pointOf = (strategy: Strategy) => decisionPointKey(strategy.document.eventType, strategy.document.product, strategy.document.stage)

const refused = (deployment: StrategyDeployment, pointer: string, code: string, message: string) =>
  new XiezhiError('conflict', `Strategy "${deployment.strategyId}" cannot be deployed: ${message}`, [{ pointer, code, message }])
