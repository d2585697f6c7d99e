import { notFound } from '../core/errors.ts'
import type { PersonalDataVault } from '../events/personal-data-vault.ts'
import { isGraphDefinition } from '../features/feature-definition.ts'
import type { ModelSlots, ModelUse } from '../models/serving/model-serving.ts'
import { type StrategyCatalogue, compileStrategy } from '../strategy/compile-strategy.ts'
import type { DependencyFailure } from '../strategy/strategy.ts'
import type { Decision, DecisionTrace } from './decision.ts'
import type { RecordStore } from './record-store.ts'

export interface Explanation {
  decisionId: string
  /** True when re-running the stored inputs through the stored strategy version gives the same outcome. */
  reproduced: boolean
  differences: string[]
  decision: Decision
  /** The rules (decision-table rows, score bands) that hit, in order. */
  hits: string[]
  /** The flow's nodes the decision went through, in order (empty for decisions recorded before flows). */
  path: string[]
  ruleErrors: DecisionTrace['ruleErrors']
  replayed: Pick<Decision, 'action' | 'scores' | 'models' | 'reasons' | 'offer'>
}

/**
 * Re-runs a stored decision from its record alone: the sealed event, the
 * feature snapshot and the strategy version it was decided by.
 */
export async function explainDecision(
  deps: { store: RecordStore; vault: PersonalDataVault; catalogue: StrategyCatalogue; models: { pinned(tenantId: string, uses: Readonly<Record<string, ModelUse>>): Promise<ModelSlots> } },
  tenantId: string,
  decisionId: string,
): Promise<Explanation> {
  const stored = await deps.store.getDecision(tenantId, decisionId)
  if (!stored) throw notFound(`Decision "${decisionId}" does not exist`)
  const decision = JSON.parse(stored.response) as Decision
  const trace = JSON.parse(stored.trace) as DecisionTrace
  const event = JSON.parse(deps.vault.open(stored.sealedEvent)) as { id: string; type: string; occurredAt: string; data: Record<string, unknown> }
  let replayed: Explanation['replayed'] = { action: 'approve', scores: {}, reasons: decision.reasons }
  if (stored.strategyId !== null && stored.strategyVersion !== null) {
    const version = await deps.store.getStrategyVersion(tenantId, stored.strategyId, stored.strategyVersion)
    if (!version) throw notFound(`Strategy "${stored.strategyId}" version ${stored.strategyVersion} is not recorded`)
    // the tenant's registry models at the versions the decision recorded, whatever their aliases point at now
    const models = await deps.models.pinned(tenantId, decision.models ?? {})
    const strategy = compileStrategy(JSON.parse(version.document), { ...deps.catalogue, models })
    const failed = failedDependencies(trace, deps.catalogue)
    const outcome = strategy.decide({ event, features: decision.features, keys: stored.entityKeys, ...(failed.length > 0 ? { failed } : {}) })
    replayed = {
      action: outcome.action,
      scores: outcome.scores,
      ...(Object.keys(outcome.models).length > 0 ? { models: outcome.models } : {}),
      reasons: outcome.reasons,
      ...(outcome.offer ? { offer: outcome.offer } : {}),
    }
  }
  const differences: string[] = []
  const compare = (name: string, a: unknown, b: unknown) => {
    if (JSON.stringify(a) !== JSON.stringify(b)) differences.push(`${name}: recorded ${JSON.stringify(a)}, replayed ${JSON.stringify(b)}`)
  }
  compare('action', decision.action, replayed.action)
  compare('scores', decision.scores, replayed.scores)
  compare('models', decision.models, replayed.models)
  compare('reasons', decision.reasons, replayed.reasons)
  compare('offer', decision.offer, replayed.offer)
  return { decisionId, reproduced: differences.length === 0, differences, decision, hits: trace.hits, path: trace.path ?? [], ruleErrors: trace.ruleErrors, replayed }
}

/**
 * The dependencies that failed when the decision was made, with the features
 * each should have given: the graph its declared features; the features (or a list
 * look-up inside them) the rest of the catalogue. A model's own failure gave none.
 */
function failedDependencies(trace: DecisionTrace, catalogue: StrategyCatalogue): DependencyFailure[] {
  return (trace.dependencyErrors ?? []).map(({ dependency, message }) => ({
    dependency,
    message,
    features: dependency.startsWith('model:') ? [] : catalogue.features.filter((f) => isGraphDefinition(f) === (dependency === 'graph')).map((f) => f.name),
  }))
}
