import type { AliasWatcher, ModelRegistry } from '../registry/model-registry.ts'
import { type ModelSlots, ModelServing, type ModelUse, pinnedModelSlots } from './model-serving.ts'

/**
 * Every tenant's registry models in memory for the decision path: one
 * `ModelServing` per tenant that has models, each loaded at start; a
 * tenant's first model gets its own when one of its aliases first moves. A
 * tenant's strategies see its own models only: no fallback to the default
 * tenant's (as strategies have none, `docs/reference/strategies.md`,
 * "Tenants"), so a model name means the same thing to a tenant whoever else
 * uses it.
 */
export class TenantModels implements AliasWatcher {
  private readonly servings = new Map<string, ModelServing>()
  private readonly opening = new Map<string, Promise<ModelServing>>()

  private constructor(
    private readonly registry: ModelRegistry,
    private readonly knownFeatures: ReadonlySet<string>,
  ) {}

  static async open(registry: ModelRegistry, tenants: Iterable<string>, knownFeatures: ReadonlySet<string>): Promise<TenantModels> {
    const models = new TenantModels(registry, knownFeatures)
    for (const tenantId of new Set(tenants)) models.servings.set(tenantId, await ModelServing.open(registry, tenantId, knownFeatures))
    return models
  }

  /** The slots a tenant's strategies compile against: its models at the versions their aliases point to. */
  slotsOf(tenantId: string): ModelSlots {
    return (model, alias) => this.servings.get(tenantId)?.slot(model, alias)
  }

  /** A tenant's slots fixed at the versions a decision recorded: what `explain` replays it with. */
  pinned(tenantId: string, uses: Readonly<Record<string, ModelUse>>): Promise<ModelSlots> {
    return pinnedModelSlots(this.registry, tenantId, uses)
  }

  async checkMove(tenantId: string, model: string, alias: string, version: number): Promise<void> {
    await this.servings.get(tenantId)?.checkMove(tenantId, model, alias, version)
  }

  async moved(tenantId: string, model: string): Promise<void> {
    const serving = this.servings.get(tenantId)
    if (serving) return serving.moved(tenantId, model)
    // the tenant's first model: loading its serving loads every alias it has, this one's included (once, however many move meanwhile)
    let opening = this.opening.get(tenantId)
    if (!opening) {
      opening = ModelServing.open(this.registry, tenantId, this.knownFeatures).then((opened) => {
        this.servings.set(tenantId, opened)
        return opened
      })
      this.opening.set(tenantId, opening)
      void opening.catch(() => {}).finally(() => this.opening.delete(tenantId))
    }
    await (await opening).moved(tenantId, model)
  }
}
