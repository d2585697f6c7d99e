import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ApiKeys } from '../access/api-keys.ts'
import { type Clock, systemClock } from '../core/clock.ts'
import { XiezhiError } from '../core/errors.ts'
import { DecisionService, type StageTimer } from '../decisions/decision-service.ts'
import { GroupCommit } from '../decisions/group-commit.ts'
import type { RecordStore, StoredFeatureVersion } from '../decisions/record-store.ts'
import { EventTypeRegistry, maxClockSkewMs } from '../events/event-type-registry.ts'
import { PersonalDataVault } from '../events/personal-data-vault.ts'
import { featureDefinitionHash, featureDefinitionText } from '../features/feature-catalogue.ts'
import { horizonOf } from '../features/feature-definition.ts'
import { FeatureEngine } from '../features/feature-engine.ts'
import { ListMembership } from '../lists/list-membership.ts'
import { SqliteRecordStore } from '../store/sqlite/sqlite-record-store.ts'
import type { StrategyCatalogue } from '../strategy/compile-strategy.ts'
import { compileStrategy } from '../strategy/compile-strategy.ts'
import type { StrategyDeployment } from '../strategy/lifecycle/deployment.ts'
import type { Strategy } from '../strategy/strategy.ts'
import { StrategyBook } from '../strategy/strategy-book.ts'
import type { XiezhiConfig } from './config.ts'
import { lockDataDir } from './data-dir-lock.ts'
import { loadFeatures, loadStrategies, strategyCatalogue } from './load-definitions.ts'
import { ModelRegistry } from '../models/registry/model-registry.ts'
import { ModelServing } from '../models/serving/model-serving.ts'
import { featureSnapshotFile, writeFeatureSnapshot } from './feature-snapshot-file.ts'
import { rebuildFeatures } from './rebuild-features.ts'

export const defaultTenant = 'default'

/** The stored side: records, keys and event types. Enough for tools that read or manage, not decide. */
export interface Records {
  config: XiezhiConfig
  store: RecordStore
  registry: EventTypeRegistry
  vault: PersonalDataVault
  apiKeys: ApiKeys
  clock: Clock
  close(): Promise<void>
}

export interface Engine extends Records {
  catalogue: StrategyCatalogue
  features: FeatureEngine
  /**
   * The version of each feature in force. A new or changed feature is
   * recorded here at start, and its windows are filled from the decision
   * log like every other before the first decision: a strategy never reads
   * a feature without its history.
   */
  featureVersions: ReadonlyMap<string, StoredFeatureVersion>
  /** The strategies in service by decision point (the event type, or `type/product`): champions, challengers and shadows. */
  strategies: StrategyBook
  /** Registry models (the default tenant's) at the versions their aliases point to: what strategies score with. */
  models: ModelServing
  commit: GroupCommit
  decisions: DecisionService
  /** How feature state came back on start: events replayed, time taken, and whether from the snapshot (or why not). */
  rebuilt: { events: number; ms: number; snapshot: string }
  /** Writes the feature state to its snapshot file once every decision made so far is committed; bytes and ms, or undefined after a failed commit. */
  snapshotFeatures(): Promise<{ bytes: number; ms: number } | undefined>
  /** Lists (名单) in memory: `lists.has(listName, entityKey, atMs)`, point in time; changed through `lists/list-service.ts`. */
  lists: ListMembership
}

export interface EngineOptions {
  clock?: Clock
  onFatal?: (error: Error) => void
  /** A periodic feature snapshot that could not be written (the next one, or a clean stop, tries again; a restart replays more of the log). */
  onSnapshotError?: (error: Error) => void
  timeStage?: StageTimer
}

export async function openRecords(config: XiezhiConfig, clock: Clock = systemClock, writer: 'worker' | 'thread' = 'thread'): Promise<Records> {
  mkdirSync(config.dataDir, { recursive: true })
  const store = await SqliteRecordStore.open(join(config.dataDir, 'xiezhi.sqlite'), { writer })
  try {
    const registry = new EventTypeRegistry(() => clock.nowMs())
    for (const custom of await store.listEventTypes()) registry.register(custom)
    return { config, store, registry, vault: openVault(config.dataDir), apiKeys: new ApiKeys(store, () => clock.nowMs()), clock, close: () => store.close() }
  } catch (error) {
    await store.close()
    throw error
  }
}

/**
 * The composition root of the deciding process: locks the data directory,
 * opens the records, loads definitions, rebuilds feature state, wires the spine.
 */
export async function openEngine(config: XiezhiConfig, options: EngineOptions = {}): Promise<Engine> {
  const clock = options.clock ?? systemClock
  mkdirSync(config.dataDir, { recursive: true })
  const unlock = lockDataDir(config.dataDir)
  let records: Records | undefined
  try {
    records = await openRecords(config, clock, 'worker')
    const { store, vault, registry } = records
    const definitions = loadFeatures(config.configDir, registry, defaultTenant)
    const models = await ModelServing.open(new ModelRegistry({ store, clock }), defaultTenant, new Set(definitions.map((d) => d.name)))
    const catalogue = strategyCatalogue(definitions, registry, defaultTenant, models.slot)
    const strategies = new StrategyBook((document) => compileStrategy(document, catalogue))
    for (const strategy of loadStrategies(config.configDir, definitions, registry, defaultTenant, models.slot).values()) {
      await recordStrategyVersion(store, strategy, clock)
      await strategies.deployed(configDeployment(strategy, clock.nowMs()), new Map([[strategy.version, strategy.source]]))
    }
    const featureVersions = new Map<string, StoredFeatureVersion>()
    for (const definition of definitions) {
      featureVersions.set(definition.name, await store.recordFeatureVersion(definition.name, featureDefinitionHash(definition), featureDefinitionText(definition), clock.nowMs()))
    }
    const lists = await ListMembership.load(store)
    const rebuildStart = performance.now()
    const sinceMs = clock.nowMs() - horizonOf(definitions) - maxClockSkewMs
    const snapshotFile = featureSnapshotFile(config.dataDir)
    const { features, events, snapshot } = await rebuildFeatures(store, vault, () => new FeatureEngine(definitions, { lists }), sinceMs, snapshotFile)
    const rebuilt = { events, ms: Math.round(performance.now() - rebuildStart), snapshot }
    const commit = new GroupCommit(store, options.onFatal ?? ((error) => { throw error }))
    const decisions = new DecisionService(
      { registry, vault, features, strategies, store, commit, clock, ...(options.timeStage ? { timeStage: options.timeStage } : {}) },
      await store.lastDecisionHash(),
    )
    const snapshotFeatures = async () => {
      // the state must hold committed decisions only: wait until nothing is on its way to the log, then
      // take it in one synchronous step, so that no event is decided in between
      while (!commit.idle) {
        if (commit.failed) return undefined
        await commit.drain()
      }
      if (commit.failed) return undefined
      const started = performance.now()
      const bytes = writeFeatureSnapshot(snapshotFile, { lastDecisionHash: decisions.lastHash, takenAtMs: clock.nowMs(), state: features.snapshot() })
      return { bytes, ms: Math.round(performance.now() - started) }
    }
    const sweep = setInterval(() => features.sweep(clock.nowMs()), 60_000)
    sweep.unref()
    const onSnapshotError = options.onSnapshotError ?? ((error: Error) => process.emitWarning(error))
    const snapshots = config.featureSnapshotSeconds > 0 ? setInterval(() => void snapshotFeatures().catch(onSnapshotError), config.featureSnapshotSeconds * 1000) : undefined
    snapshots?.unref()
    return {
      ...records, catalogue, features, models, featureVersions, strategies, commit, decisions, rebuilt, lists, snapshotFeatures,
      async close() {
        clearInterval(sweep)
        clearInterval(snapshots)
        await commit.drain()
        // a clean stop leaves a fresh snapshot: the next start replays nothing
        await snapshotFeatures().catch(onSnapshotError)
        await store.close()
        unlock()
      },
    }
  } catch (error) {
    await records?.close()
    unlock()
    throw error
  }
}

/** A strategy version is immutable: the same id and version must always mean the same document. */
async function recordStrategyVersion(store: RecordStore, strategy: Strategy, clock: Clock) {
  const existing = await store.getStrategyVersion(strategy.id, strategy.version)
  if (existing && existing.hash !== strategy.hash) {
    throw new XiezhiError(
      'invalid_configuration',
      `strategy "${strategy.id}" version ${strategy.version} differs from the version already recorded; give the change a new version number`,
    )
  }
  if (!existing) {
    await store.saveStrategyVersion({ id: strategy.id, version: strategy.version, hash: strategy.hash, document: strategy.source, savedAtMs: clock.nowMs() })
  }
}

/** A config file's version, put in service as the strategy's champion. */
function configDeployment(strategy: Strategy, atMs: number): StrategyDeployment {
  return { id: `config-${strategy.id}-${strategy.version}`, strategyId: strategy.id, champion: strategy.version, challengers: [], shadows: [], kind: 'config', previousId: null, movedBy: 'config', movedAtMs: atMs, note: '' }
}

/** Keys for blind indexes and sealed bodies live beside the data they protect, readable by the owner only. */
function openVault(dataDir: string): PersonalDataVault {
  const file = join(dataDir, 'vault-keys.json')
  if (!existsSync(file)) {
    const keys = PersonalDataVault.generateKeys()
    writeFileSync(file, JSON.stringify({ indexKey: keys.indexKey.toString('base64'), sealKey: keys.sealKey.toString('base64') }), { mode: 0o600, flag: 'wx' })
    chmodSync(file, 0o600)
  }
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { indexKey: string; sealKey: string }
  return new PersonalDataVault(Buffer.from(raw.indexKey, 'base64'), Buffer.from(raw.sealKey, 'base64'))
}
