import { XiezhiError } from '../../core/errors.ts'
import type { AliasWatcher, ModelRegistry } from '../registry/model-registry.ts'
import { type ServedModel, servedModelOf } from './served-model.ts'

/**
 * Where a strategy reads a registry model: a model name and an alias. The
 * slot follows the alias: when a promotion or a rollback moves it, the next
 * decision scores with the new version and records that version.
 */
export interface ModelSlot {
  readonly model: string
  readonly alias: string
  served: ServedModel
}

/** The version a decision used, as it records it (`Decision.models`). */
export interface ModelUse {
  model: string
  alias: string
  version: number
}

/** What strategies compile against: the slot of a model's alias, if the alias exists. */
export type ModelSlots = (model: string, alias: string) => ModelSlot | undefined

/**
 * The registry's models in memory for the decision path (one tenant's: the
 * tenant strategies decide for). Every alias's version is loaded at start,
 * so scoring never waits on the store; a move is loaded by `refresh` before
 * the next decision sees it.
 */
export class ModelServing implements AliasWatcher {
  private readonly slots = new Map<string, ModelSlot>()
  /** Slots a strategy reads: a move of one of them must keep every input in the catalogue. */
  private readonly inUse = new Set<string>()

  private constructor(
    private readonly registry: ModelRegistry,
    readonly tenantId: string,
    private readonly knownFeatures: ReadonlySet<string>,
  ) {}

  static async open(registry: ModelRegistry, tenantId: string, knownFeatures: ReadonlySet<string>): Promise<ModelServing> {
    const serving = new ModelServing(registry, tenantId, knownFeatures)
    for (const summary of await registry.models(tenantId)) await serving.moved(tenantId, summary.name)
    return serving
  }

  /** The slot strategies compile against; marks it as read by a strategy. */
  readonly slot: ModelSlots = (model, alias) => {
    const slot = this.slots.get(slotKey(model, alias))
    if (slot) this.inUse.add(slotKey(model, alias))
    return slot
  }

  /**
   * Refuses, before an alias moves, a version a strategy could not use: one
   * that reads a feature the catalogue does not have. Aliases no strategy
   * reads may point anywhere.
   */
  async checkMove(tenantId: string, model: string, alias: string, version: number): Promise<void> {
    if (tenantId !== this.tenantId || !this.inUse.has(slotKey(model, alias))) return
    const record = await this.registry.version(tenantId, model, version)
    const unknown = record.metadata.features.filter((f) => !this.knownFeatures.has(f))
    if (unknown.length > 0) {
      throw new XiezhiError('conflict', `Version ${version} of model "${model}" reads features the catalogue does not have, and a strategy reads alias "${alias}"`, [
        { pointer: '/version', code: 'model_reads_unknown_features', message: `unknown features: ${unknown.join(', ')}` },
      ])
    }
  }

  /** Slots fixed at the versions a decision recorded: what `explain` replays it with. */
  pinned(uses: Readonly<Record<string, ModelUse>>): Promise<ModelSlots> {
    return pinnedModelSlots(this.registry, this.tenantId, uses)
  }

  /** Loads where each alias of `model` points now (after a promotion or a rollback). */
  async moved(tenantId: string, model: string): Promise<void> {
    if (tenantId !== this.tenantId) return
    const detail = await this.registry.model(tenantId, model)
    for (const { alias, version } of detail.aliases) {
      const key = slotKey(model, alias)
      const slot = this.slots.get(key)
      if (slot?.served.version === version) continue
      const served = servedModelOf(await this.registry.version(tenantId, model, version))
      if (slot) slot.served = served
      else this.slots.set(key, { model, alias, served })
    }
  }
}

/** Slots fixed at the versions a decision recorded, loaded from the registry. */
export async function pinnedModelSlots(registry: ModelRegistry, tenantId: string, uses: Readonly<Record<string, ModelUse>>): Promise<ModelSlots> {
  const pinned = new Map<string, ModelSlot>()
  for (const use of Object.values(uses)) {
    pinned.set(slotKey(use.model, use.alias), { model: use.model, alias: use.alias, served: servedModelOf(await registry.version(tenantId, use.model, use.version)) })
  }
  return (model, alias) => pinned.get(slotKey(model, alias))
}

const slotKey = (model: string, alias: string) => `${model}@${alias}`
