import { hash } from 'node:crypto'
import type { Clock } from '../core/clock.ts'
import { XiezhiError } from '../core/errors.ts'
import { uuidv7 } from '../core/ids.ts'
import { systemReasons } from '../core/reason.ts'
import type { AcceptedEvent } from '../events/event.ts'
import type { EventTypeRegistry } from '../events/event-type-registry.ts'
import type { PersonalDataVault } from '../events/personal-data-vault.ts'
import type { FeatureEngine, ObservedEvent } from '../features/feature-engine.ts'
import type { GraphService } from '../graph/graph-service.ts'
import { observedEvent } from '../features/observed-event.ts'
import type { StrategyBook } from '../strategy/strategy-book.ts'
import type { DependencyFailure, StrategyInput, StrategyOutcome } from '../strategy/strategy.ts'
import { DependencyError } from './dependency-error.ts'
import type { Decision, DecisionTrace, ShadowOutcome } from './decision.ts'
import type { GroupCommit } from './group-commit.ts'
import type { RecordStore, StoredDecision } from './record-store.ts'

export interface DecisionResult {
  /** `created` for a new decision; `replayed` when the event id was seen before with the same body. */
  status: 'created' | 'replayed'
  /** The exact JSON the client receives, identical on every replay. */
  body: string
  decision?: Decision
}

export type StageTimer = (stage: 'validate' | 'features' | 'strategy' | 'commit', ms: number) => void

/**
 * The decision spine: validate → idempotency → entities → features (read,
 * then add) → scores and rules → durable record → reply.
 */
export class DecisionService {
  private readonly inFlight = new Map<string, { bodyHash: string; work: Promise<DecisionResult> }>()
  private previousHash: string

  constructor(
    private readonly deps: {
      registry: EventTypeRegistry
      vault: PersonalDataVault
      /**
       * The event's tenant's feature state and relationship graph (each
       * tenant has its own: another's events never move them). The graph's
       * measures join the feature values, read before the event is added, like features.
       */
      stateOf: (tenantId: string) => { features: FeatureEngine; graph?: GraphService }
      strategies: StrategyBook
      store: RecordStore
      commit: GroupCommit
      clock: Clock
      timeStage?: StageTimer
      /** Called with each new decision once it is durable (the review desk opens cases from it); its failure does not undo the decision. */
      committed?: (record: StoredDecision) => Promise<void>
    },
    lastHash: string | undefined,
  ) {
    this.previousHash = lastHash ?? genesisHash
  }

  /** The chain hash of the latest decision made (committed once the group commit is idle). */
  get lastHash(): string {
    return this.previousHash
  }

  async decide(tenantId: string, body: unknown): Promise<DecisionResult> {
    const started = performance.now()
    const event = this.deps.registry.accept(tenantId, body)
    this.deps.timeStage?.('validate', performance.now() - started)
    const key = `${tenantId}\u0000${event.id}`
    // a concurrent duplicate waits for the first and shares its decision: one event, one decision
    const earlier = this.inFlight.get(key)
    if (earlier) {
      if (earlier.bodyHash !== event.bodyHash) throw conflict(event.id)
      return { status: 'replayed', body: (await earlier.work).body }
    }
    const work = this.decideOnce(event, started)
    this.inFlight.set(key, { bodyHash: event.bodyHash, work })
    try {
      return await work
    } finally {
      this.inFlight.delete(key)
    }
  }

  private async decideOnce(event: AcceptedEvent, started: number): Promise<DecisionResult> {
    const stored = await this.deps.store.findByEventId(event.tenantId, event.id)
    if (stored) {
      if (stored.bodyHash !== event.bodyHash) throw conflict(event.id)
      return { status: 'replayed', body: stored.response }
    }
    // only a label waits on the log for its subject's keys; every other event goes straight on
    const inherited = event.type === 'label' ? await this.keysOfSubject(event) : undefined
    const { decision, record } = this.evaluate(event, started, inherited)
    const committing = performance.now()
    await this.deps.commit.append(record)
    this.deps.timeStage?.('commit', performance.now() - committing)
    await this.deps.committed?.(record)
    return { status: 'created', body: record.response, decision }
  }

  /**
   * A label is about an earlier event (`subjectEventId`): it takes that
   * event's entity keys as well as its own, so that features over labels can
   * be kept per device, card or phone of the labelled event ("confirmed fraud
   * on this device in 30 days"), counted from when the label became known.
   * The keys are recorded with the label, so a backfill and a restart see
   * them too. A label of an event not (yet) recorded inherits nothing.
   */
  private async keysOfSubject(event: AcceptedEvent): Promise<Record<string, string[]> | undefined> {
    const subjectEventId = (event.data as { subjectEventId?: unknown }).subjectEventId
    if (typeof subjectEventId !== 'string') return undefined
    return (await this.deps.store.findByEventId(event.tenantId, subjectEventId))?.entityKeys
  }

  /** Everything synchronous: no other event can slip between the feature read and the append. */
  private evaluate(event: AcceptedEvent, started: number, inherited?: Record<string, string[]>): { decision: Decision; record: StoredDecision } {
    const { vault, strategies, clock } = this.deps
    const { features, graph } = this.deps.stateOf(event.tenantId)
    const observed = observedEvent(event, (kind, value) => vault.blindIndex(kind, value))
    if (inherited) observed.keys = mergeKeys(observed.keys, inherited)
    const keys = observed.keys
    const featureStart = performance.now()
    const failed: DependencyFailure[] = []
    const windowValues = readDependency(failed, 'features', () => features.definitions.map((d) => d.name), {}, () => features.observe(observed))
    const featureValues = graph ? { ...windowValues, ...readDependency<Record<string, number>>(failed, 'graph', () => graph.measureNames, {}, () => graph.observe(observed)) } : windowValues
    const strategyStart = performance.now()
    this.deps.timeStage?.('features', strategyStart - featureStart)
    // the event's tenant's own strategy only: a tenant without one for this point gets NO_STRATEGY, not another tenant's
    const live = strategies.for(event.tenantId, event.type, event.data)
    const chosen = live ? strategies.armFor(live, keys) : undefined
    const strategy = chosen?.strategy
    // a strategy that would rather not decide blind refuses the event, as before degraded mode: it is not recorded
    if (failed.length > 0 && strategy?.document.onDependencyError === 'fail') throw dependencyFailed(failed)
    const input: StrategyInput = {
      event: { id: event.id, type: event.type, occurredAt: event.occurredAt, data: event.data },
      features: featureValues,
      keys,
      ...(failed.length > 0 ? { failed } : {}),
    }
    const outcome: StrategyOutcome = strategy
      ? strategy.decide(input)
      : { action: 'approve', scores: {}, reasons: [{ code: 'NO_STRATEGY', message: systemReasons.NO_STRATEGY, evidence: {} }], hits: [], path: [], ruleErrors: [], models: {} }
    // shadows decide the same input without effect: what they would have done is kept for the comparison
    const shadows = live?.shadows.map((shadow): ShadowOutcome => {
      const would = shadow.decide(input)
      return { version: shadow.version, action: would.action, hits: would.hits, reasons: would.reasons.map((r) => r.code) }
    })
    this.deps.timeStage?.('strategy', performance.now() - strategyStart)
    const decidedAtMs = clock.nowMs()
    const decision: Decision = {
      decisionId: uuidv7(decidedAtMs),
      eventId: event.id,
      eventType: event.type,
      action: outcome.action,
      ...(outcome.offer ? { offer: outcome.offer } : {}),
      scores: outcome.scores,
      ...(Object.keys(outcome.models).length > 0 ? { models: outcome.models } : {}),
      reasons: outcome.reasons,
      features: strategy ? pick(featureValues, strategy.featuresRead) : {},
      strategy: strategy ? { id: strategy.id, version: strategy.version, ...(live!.challengers.length > 0 ? { arm: chosen!.arm } : {}) } : null,
      decidedAt: new Date(decidedAtMs).toISOString(),
      latencyMs: Math.round((performance.now() - started) * 1000) / 1000,
    }
    const response = JSON.stringify(decision)
    const trace: DecisionTrace = {
      hits: outcome.hits,
      path: outcome.path,
      ruleErrors: outcome.ruleErrors,
      ...(failed.length > 0 ? { dependencyErrors: failed.map(({ dependency, message }) => ({ dependency, message })) } : {}),
      ...(shadows && shadows.length > 0 ? { shadows } : {}),
      strategyHash: strategy?.hash ?? null,
    }
    const hash = chainHash(this.previousHash, response, event.bodyHash)
    const record: StoredDecision = {
      decisionId: decision.decisionId,
      tenantId: event.tenantId,
      eventId: event.id,
      eventType: event.type,
      action: decision.action,
      occurredAtMs: event.occurredAtMs,
      decidedAtMs,
      strategyId: strategy?.id ?? null,
      strategyVersion: strategy?.version ?? null,
      bodyHash: event.bodyHash,
      sealedEvent: vault.seal(JSON.stringify({ id: event.id, type: event.type, occurredAt: event.occurredAt, data: event.data })),
      entityKeys: keys as Record<string, string[]>,
      trace: JSON.stringify(trace),
      response,
      previousHash: this.previousHash,
      hash,
    }
    this.previousHash = hash
    return { decision, record }
  }
}

/**
 * A dependency's values for an event, or — when it throws — `fallback`, with
 * the failure noted: the event is still decided (degraded) and recorded, so
 * nothing accepted is lost. The error may name its dependency
 * (`DependencyError`: a list look-up inside the features).
 */
function readDependency<T>(failed: DependencyFailure[], dependency: string, features: () => readonly string[], fallback: T, read: () => T): T {
  try {
    return read()
  } catch (error) {
    const named = error instanceof DependencyError ? error.dependency : dependency
    failed.push({ dependency: named, message: String((error as Error)?.message ?? error).split('\n')[0]!, features: features() })
    return fallback
  }
}

const dependencyFailed = (failed: readonly DependencyFailure[]) =>
  new XiezhiError(
    'dependency_unavailable',
    `The event was not decided: ${failed.map((f) => f.dependency).join(', ')} failed and the strategy's onDependencyError is fail`,
    failed.map((f) => ({ pointer: '', code: 'dependency_failed', message: `${f.dependency}: ${f.message}` })),
  )

/** The chain hash before the first decision. */
export const genesisHash = '0'.repeat(64)

/** The decision records the features its strategy read, in catalogue order; every one is still kept up to date. */
function pick(values: Record<string, number>, wanted: ReadonlySet<string>): Record<string, number> {
  const picked: Record<string, number> = {}
  for (const name in values) if (wanted.has(name)) picked[name] = values[name]!
  return picked
}

/** Tamper evidence: each record's hash covers the previous one, its reply and its input. */
export const chainHash = (previous: string, response: string, bodyHash: string) =>
  hash('sha256', `${previous}\n${response}\n${bodyHash}`, 'hex')

const conflict = (eventId: string) =>
  new XiezhiError('idempotency_conflict', `Event "${eventId}" was already received with a different body`, [
    { pointer: '/id', code: 'idempotency_conflict', message: 'this event id was already used for a different event' },
  ])

/** Each kind's keys from both, without repeats: the event's own first. */
function mergeKeys(own: ObservedEvent['keys'], inherited: Record<string, string[]>): ObservedEvent['keys'] {
  const merged: Record<string, string[]> = { ...own }
  for (const [kind, keys] of Object.entries(inherited)) merged[kind] = [...new Set([...(merged[kind] ?? []), ...keys])]
  return merged as ObservedEvent['keys']
}
