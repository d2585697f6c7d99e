import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ApiKeys } from '../access/api-keys.ts'
import { WorkbenchUsers } from '../access/workbench-users.ts'
import { CaseDesk } from '../cases/case-desk.ts'
import { type Clock, systemClock } from '../core/clock.ts'
import { DecisionService, type StageTimer } from '../decisions/decision-service.ts'
import { GroupCommit } from '../decisions/group-commit.ts'
import type { RecordStore, StoredFeatureVersion } from '../decisions/record-store.ts'
import { EventTypeRegistry, maxClockSkewMs } from '../events/event-type-registry.ts'
import { PersonalDataVault } from '../events/personal-data-vault.ts'
import { featureDefinitionHash, featureDefinitionText } from '../features/feature-catalogue.ts'
import { horizonOf } from '../features/feature-definition.ts'
import { FeatureEngine } from '../features/feature-engine.ts'
import { ListMembership } from '../lists/list-membership.ts'
import { namedListLookup } from '../decisions/dependency-error.ts'
import { SqliteRecordStore } from '../store/sqlite/sqlite-record-store.ts'
import type { StrategyCatalogue } from '../strategy/compile-strategy.ts'
import { compileStrategy } from '../strategy/compile-strategy.ts'
import { StrategyLifecycle } from '../strategy/lifecycle/strategy-lifecycle.ts'
import { StrategyBook } from '../strategy/strategy-book.ts'
import type { XiezhiConfig } from './config.ts'
import { lockDataDir } from './data-dir-lock.ts'
import { loadFeatures, loadStrategies, strategyCatalogue } from './load-definitions.ts'
import { ModelRegistry } from '../models/registry/model-registry.ts'
import type { ModelSlots } from '../models/serving/model-serving.ts'
import { TenantModels } from '../models/serving/tenant-models.ts'
import { featureSnapshotFile, writeFeatureSnapshot } from './feature-snapshot-file.ts'
import { rebuildFeatures } from './rebuild-features.ts'
import { GraphService } from '../graph/graph-service.ts'
import { graphOptions } from '../graph/graph-options.ts'
import { defaultRingCaseOptions, RingCases } from '../cases/ring-cases.ts'
import { ringSightings } from './ring-sightings.ts'
import { engineGraphOptions } from '../graph/graph-replay.ts'
import { graphSnapshotFile } from './graph-snapshot-file.ts'
import { GraphSnapshotWriter } from './graph-snapshot-writer.ts'
import { rebuildGraph } from './rebuild-graph.ts'
import { defaultTenant, listsOfTenant, type TenantState, TenantStates } from './tenant-states.ts'

export { defaultTenant } from './tenant-states.ts'

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
  /** The default tenant's catalogue: features, its event types, the served registry models. */
  catalogue: StrategyCatalogue
  /** What a tenant's strategies are compiled against (`tenantCatalogues`). */
  catalogueOf: (tenantId: string) => StrategyCatalogue
  /**
   * Each tenant's feature state and relationship graph (`tenants.of(id)`):
   * a tenant's events feed its own only, so one institution's customers
   * never move another's features, rings or propagated risk. Made on a
   * tenant's first event; the same feature definitions and graph options
   * for every tenant.
   */
  tenants: TenantStates
  /** The default tenant's feature state (`tenants.of('default').features`): for tests and one-tenant tools; what serves a request reads `tenants.read(tenantId)`. */
  readonly features: FeatureEngine
  /**
   * The version of each feature in force. A new or changed feature is
   * recorded here at start, and its windows are filled from the decision
   * log like every other before the first decision: a strategy never reads
   * a feature without its history.
   */
  featureVersions: ReadonlyMap<string, StoredFeatureVersion>
  /** The strategies in service by decision point (the event type, or `type/product`): champions, challengers and shadows. */
  strategies: StrategyBook
  /** The default tenant's relationship graph (关系图谱; `tenants.of('default').graph`): for tests and one-tenant tools; what serves a request reads `tenants.read(tenantId)`. */
  readonly graph: GraphService
  /** Every tenant's registry models at the versions their aliases point to: what each tenant's strategies score with. */
  models: TenantModels
  commit: GroupCommit
  decisions: DecisionService
  /** How feature state came back on start, all tenants together: events replayed, time taken, whether from the snapshot (or why not), and the tenants with a state. */
  rebuilt: { events: number; ms: number; snapshot: string; tenants: number }
  /** How the graphs came back on start, all tenants together: events added from the log, time taken, whether from their snapshot (or why not), and the tenants with a graph. */
  graphRebuilt: { events: number; ms: number; snapshot: string; tenants: number }
  /**
   * Writes every tenant's feature state and graph to the snapshot files (one for the features, one for the graphs) once
   * every decision made so far is committed; bytes and ms of each, or
   * undefined after a failed commit. The graph's state is copied in the
   * same step as the features' (`copyMs`: what decisions wait for it) and
   * written on a worker thread (`ms`); `graph` is undefined when the
   * previous graph write was still under way. Resolves once both are in place.
   */
  snapshotFeatures(): Promise<{ bytes: number; ms: number; graph: { bytes: number; copyMs: number; ms: number } | undefined } | undefined>
  /** The review desk: cases from review decisions, phone verification, dispositions. */
  cases: CaseDesk
  /** Ring cases: opened or grown after each computation of the rings, for rings labelled or cohesive enough (`opensRingCase`). */
  ringCases: RingCases
  /** Workbench users and sessions. */
  users: WorkbenchUsers
  /** Lists (名单) in memory: `lists.has(listName, entityKey, atMs)`, point in time; changed through `lists/list-service.ts`. */
  lists: ListMembership
}

export interface EngineOptions {
  clock?: Clock
  onFatal?: (error: Error) => void
  /** A periodic feature snapshot that could not be written (the next one, or a clean stop, tries again; a restart replays more of the log). */
  onSnapshotError?: (error: Error) => void
  timeStage?: StageTimer
  /** A review decision whose case could not be opened (the next start opens it). */
  onCaseError?: (error: Error) => void
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
    const models = await TenantModels.open(new ModelRegistry({ store, clock }), [defaultTenant, ...(await store.listModelTenants())], new Set(definitions.map((d) => d.name)))
    const catalogue = strategyCatalogue(definitions, registry, defaultTenant, models.slotsOf(defaultTenant))
    const catalogueOf = tenantCatalogues(catalogue, registry, (tenantId) => models.slotsOf(tenantId))
    const strategies = new StrategyBook((tenantId, document) => compileStrategy(document, catalogueOf(tenantId)))
    // config files are the default tenant's versions approved by `config`; a new one goes live unless the lifecycle has moved past it
    const lifecycle = new StrategyLifecycle({ store, clock, catalogue: catalogueOf, requireBacktest: config.requireBacktest })
    for (const strategy of loadStrategies(config.configDir, definitions, registry, defaultTenant, models.slotsOf(defaultTenant)).values()) {
      if ((await lifecycle.recordConfigVersion(defaultTenant, strategy)).deploy) await lifecycle.deployConfigVersion(defaultTenant, strategy.id, strategy.version)
    }
    for (const { deployment, documents } of await lifecycle.liveDeployments()) await strategies.deployed(deployment, documents)
    const featureVersions = new Map<string, StoredFeatureVersion>()
    for (const definition of definitions) {
      featureVersions.set(definition.name, await store.recordFeatureVersion(definition.name, featureDefinitionHash(definition), featureDefinitionText(definition), clock.nowMs()))
    }
    const lists = await ListMembership.load(store)
    const rebuildStart = performance.now()
    const sinceMs = clock.nowMs() - horizonOf(definitions) - maxClockSkewMs
    const snapshotFile = featureSnapshotFile(config.dataDir)
    // a tenant's features read its own lists
    const newFeatures = (tenantId: string) => new FeatureEngine(definitions, { lists: namedListLookup(listsOfTenant(lists, tenantId)) })
    const { features: tenantFeatures, events, snapshot } = await rebuildFeatures(store, vault, newFeatures, sinceMs, snapshotFile)
    const rebuilt = { events, ms: Math.round(performance.now() - rebuildStart), snapshot, tenants: tenantFeatures.size }
    // the graph keeps all history: its snapshot and the log after it (or the whole log), rings recomputed every hour of event time so a rebuild lands on the same rings
    const graphStart = performance.now()
    const graphFile = graphSnapshotFile(config.dataDir)
    const { graphs, ...graphFrom } = await rebuildGraph(store, vault, engineGraphOptions, graphFile, {}, definitions)
    const graphRebuilt = { ...graphFrom, ms: Math.round(performance.now() - graphStart), tenants: graphs.size }
    const states = new TenantStates((tenantId) => ({ tenantId, features: newFeatures(tenantId), graph: new GraphService(engineGraphOptions, {}, definitions) }))
    for (const tenantId of new Set([...graphs.keys(), ...tenantFeatures.keys()])) {
      states.put({ tenantId, features: tenantFeatures.get(tenantId) ?? newFeatures(tenantId), graph: graphs.get(tenantId) ?? new GraphService(engineGraphOptions, {}, definitions) })
    }
    const onCaseError = options.onCaseError ?? ((error: Error) => process.emitWarning(error))
    const ringOptions = graphOptions(engineGraphOptions).rings
    const ringCases = new RingCases({
      store: store.cases,
      clock,
      options: { ...defaultRingCaseOptions, minRisk: config.ringCaseMinRisk, minCohesion: config.ringCaseMinCohesion, minUsers: ringOptions.minUsers, closedLookbackMs: ringOptions.windowMs },
      onError: onCaseError,
    })
    // a graph's rings are its tenant's: their cases open in that tenant's review desk
    const wireRingCases = ({ tenantId, graph }: TenantState) => {
      graph.onRecomputed = (index) => ringCases.sighted(tenantId, ringSightings(graph, ringCases, index))
    }
    for (const state of states.all()) wireRingCases(state)
    states.onCreated = wireRingCases
    const commit = new GroupCommit(store, options.onFatal ?? ((error) => { throw error }))
    const decisions: DecisionService = new DecisionService(
      {
        registry,
        vault,
        stateOf: (tenantId) => states.of(tenantId),
        strategies,
        store,
        commit,
        clock,
        ...(options.timeStage ? { timeStage: options.timeStage } : {}),
        // a review opens a case once durable; a case that fails to open is opened by the next start's catch-up
        committed: async (record) => {
          if (record.action === 'review') await cases.openFor(record).catch(onCaseError)
        },
      },
      await store.lastDecisionHash(),
    )
    const cases = new CaseDesk({ store, vault, registry, clock, decide: (tenantId, event) => decisions.decide(tenantId, event) })
    await cases.catchUp()
    // each tenant's last computation's rings again: a ring case not opened before a stop is opened now (one that was is matched, not doubled)
    for (const { tenantId, graph } of states.all()) ringCases.sighted(tenantId, ringSightings(graph, ringCases))
    await ringCases.settled()
    const users = new WorkbenchUsers({ store: store.users, clock, sessionHours: config.sessionHours })
    const graphWriter = new GraphSnapshotWriter()
    const snapshotFeatures = async () => {
      // the state must hold committed decisions only: wait until nothing is on its way to the log, then
      // take it in one synchronous step, so that no event is decided in between
      while (!commit.idle) {
        if (commit.failed) return undefined
        await commit.drain()
      }
      if (commit.failed) return undefined
      const started = performance.now()
      const lastDecisionHash = decisions.lastHash
      // the graph file holds the default tenant's graph first, whether or not it has had an event
      const byDefault = states.of(defaultTenant)
      const all = states.all()
      const featureStates = Object.fromEntries(all.map(({ tenantId, features }) => [tenantId, features.snapshot()]))
      const bytes = writeFeatureSnapshot(snapshotFile, { lastDecisionHash, takenAtMs: clock.nowMs(), tenants: featureStates })
      const ms = Math.round(performance.now() - started)
      // copied in this same synchronous step, so they hold exactly the decisions up to lastDecisionHash; written on the
      // writer thread while decisions go on (skipped while the previous one is still being written)
      const others = all.filter((state) => state !== byDefault).map(({ tenantId, graph }) => [tenantId, graph] as const)
      const graphWrite = graphWriter.start(graphFile, byDefault.graph, lastDecisionHash, clock.nowMs(), others)
      if (!graphWrite) return { bytes, ms, graph: undefined }
      const written = await graphWrite.written
      return { bytes, ms, graph: { bytes: written.bytes, copyMs: Math.round(graphWrite.copyMs), ms: Math.round(written.ms) } }
    }
    const sweep = setInterval(() => {
      for (const { features } of states.all()) features.sweep(clock.nowMs())
    }, 60_000)
    sweep.unref()
    const onSnapshotError = options.onSnapshotError ?? ((error: Error) => process.emitWarning(error))
    const snapshots = config.featureSnapshotSeconds > 0 ? setInterval(() => void snapshotFeatures().catch(onSnapshotError), config.featureSnapshotSeconds * 1000) : undefined
    snapshots?.unref()
    return {
      ...records, catalogue, catalogueOf, tenants: states, models, cases, ringCases, users, featureVersions, strategies, commit, decisions, rebuilt, graphRebuilt, lists, snapshotFeatures,
      get features() {
        return states.of(defaultTenant).features
      },
      get graph() {
        return states.of(defaultTenant).graph
      },
      async close() {
        clearInterval(sweep)
        clearInterval(snapshots)
        await commit.drain()
        await ringCases.settled()
        // a clean stop leaves a fresh snapshot: the next start replays nothing
        await graphWriter.idle()
        await snapshotFeatures().catch(onSnapshotError)
        await graphWriter.close()
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

/**
 * What a tenant's strategies compile against: the same features (every
 * tenant's feature state has the same definitions), the tenant's event types and the tenant's own
 * registry models (`modelsOf`; none without it). No tenant sees another's
 * models, the default tenant's included: a strategy naming one is refused
 * when it is saved, with a pointer.
 */
export function tenantCatalogues(defaults: StrategyCatalogue, registry: EventTypeRegistry, modelsOf?: (tenantId: string) => ModelSlots): (tenantId: string) => StrategyCatalogue {
  return (tenantId) => (tenantId === defaultTenant ? defaults : strategyCatalogue(defaults.features, registry, tenantId, modelsOf?.(tenantId)))
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
