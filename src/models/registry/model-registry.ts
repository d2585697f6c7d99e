import type { Clock } from '../../core/clock.ts'
import { type FieldIssue, invalidInput, XiezhiError } from '../../core/errors.ts'
import { uuidv7 } from '../../core/ids.ts'
import type { RecordStore } from '../../decisions/record-store.ts'
import { readModelArtifact } from './model-artifact.ts'
import { type AliasMoveRecord, aliasPattern, type ModelArtifactRecord, type ModelMetadata, type ModelPromotionRecord, type ModelVersionRecord, modelNamePattern } from './model-records.ts'

export interface NewModelVersion {
  /** The model document: an object, or text (LightGBM's model, JSON text). */
  model: unknown
  /** Optional: the kind the document must be. */
  kind?: string
  /** What is known of how it was made; `features` is taken from the model itself. */
  metadata?: Record<string, unknown>
}

/** Where an alias stands: the version it points at, and the versions it held before, newest last (what rollbacks go back to). */
export interface AliasState {
  alias: string
  version: number
  /** The versions a rollback would return to, the next one last. */
  earlier: number[]
  lastMoveId: string
  movedBy: string
  movedAtMs: number
}

export interface ModelSummary {
  name: string
  versions: number
  latest: ModelVersionRecord
  aliases: Record<string, number>
}

export interface ModelDetail {
  name: string
  versions: ModelVersionRecord[]
  aliases: AliasState[]
  promotions: ModelPromotionRecord[]
  history: AliasMoveRecord[]
}

const maxNoteLength = 500

/** Who serves aliases (the decision path): may refuse a move before it is made, and loads it once made. */
export interface AliasWatcher {
  checkMove(tenantId: string, name: string, alias: string, version: number): Promise<void>
  moved(tenantId: string, name: string): Promise<void>
}

/**
 * The model registry (模型注册表). A model is a name; its versions are
 * immutable artifacts with their metadata. Aliases (`champion`,
 * `challenger`, any other name) point at versions and move only by a
 * promotion one actor requests and a different actor approves, or by a
 * rollback to the version the alias held before. Every move is kept.
 * Errors point into the service's input (`/name`, `/version`, `/model/...`);
 * the API says where that was in the request.
 */
export class ModelRegistry {
  constructor(private readonly deps: { store: RecordStore; clock: Clock; aliasWatcher?: AliasWatcher }) {}

  /** Loads the model with its kind's loader and records it as the next version; an artifact the model already has returns that version (`created: false`). */
  async register(tenantId: string, name: string, input: NewModelVersion, actor: string): Promise<{ version: ModelVersionRecord; created: boolean }> {
    checkName(name)
    const given = input.metadata ?? {}
    const declaredFeatures = Array.isArray(given.features) && given.features.every((f) => typeof f === 'string') ? (given.features as string[]) : undefined
    const read = readModelArtifact(input.model, input.kind, declaredFeatures ? { featureNames: declaredFeatures } : {})
    const metadata: ModelMetadata = { ...given, features: read.features }
    return this.deps.store.addModelVersion({
      tenantId,
      name,
      kind: read.kind,
      hash: read.hash,
      artifact: read.artifact,
      metadata,
      createdBy: actor,
      createdAtMs: this.deps.clock.nowMs(),
    })
  }

  async models(tenantId: string): Promise<ModelSummary[]> {
    const byName = new Map<string, ModelVersionRecord[]>()
    for (const v of await this.deps.store.listModelVersions(tenantId)) byName.set(v.name, [...(byName.get(v.name) ?? []), v])
    const summaries: ModelSummary[] = []
    for (const [name, versions] of byName) {
      const aliases = aliasStates(await this.deps.store.listModelAliasMoves(tenantId, name))
      summaries.push({ name, versions: versions.length, latest: versions[versions.length - 1]!, aliases: Object.fromEntries(aliases.map((a) => [a.alias, a.version])) })
    }
    return summaries
  }

  async model(tenantId: string, name: string): Promise<ModelDetail> {
    const versions = await this.versionsOf(tenantId, name)
    const history = await this.deps.store.listModelAliasMoves(tenantId, name)
    return { name, versions, aliases: aliasStates(history), promotions: await this.deps.store.listModelPromotions(tenantId, name), history }
  }

  async version(tenantId: string, name: string, version: number): Promise<ModelArtifactRecord> {
    await this.versionsOf(tenantId, name)
    const found = await this.deps.store.getModelVersion(tenantId, name, version)
    if (!found) throw unknownVersion(name, version)
    return found
  }

  /** The version an alias points at now; `not_found` when the alias was never set. */
  async resolve(tenantId: string, name: string, alias: string): Promise<ModelArtifactRecord> {
    const state = aliasStates(await this.deps.store.listModelAliasMoves(tenantId, name)).find((a) => a.alias === alias)
    if (!state) throw unknownAlias(name, alias)
    return this.version(tenantId, name, state.version)
  }

  /** Asks that `alias` point at `version`; nothing moves until another actor approves. */
  async requestPromotion(tenantId: string, name: string, input: { alias: string; version: number; note?: string }, actor: string): Promise<ModelPromotionRecord> {
    const issues: FieldIssue[] = []
    if (typeof input.alias !== 'string' || !new RegExp(aliasPattern).test(input.alias))
      issues.push({ pointer: '/alias', code: 'invalid_format', message: 'alias must be 1–64 lower-case letters, digits, _ or -, starting with a letter (champion, challenger, …)' })
    if (!Number.isInteger(input.version) || input.version < 1) issues.push({ pointer: '/version', code: 'invalid_value', message: 'version must be a whole number from 1' })
    if (input.note !== undefined && (typeof input.note !== 'string' || input.note.length > maxNoteLength))
      issues.push({ pointer: '/note', code: 'invalid_maxLength', message: `note must be a string of at most ${maxNoteLength} characters` })
    if (issues.length > 0) throw invalidInput('The promotion is invalid', issues)
    await this.version(tenantId, name, input.version)
    const current = aliasStates(await this.deps.store.listModelAliasMoves(tenantId, name)).find((a) => a.alias === input.alias)
    if (current?.version === input.version) throw alreadyOnAlias(name, input.alias, input.version)
    const promotion: ModelPromotionRecord = {
      id: uuidv7(this.deps.clock.nowMs()),
      tenantId,
      name,
      alias: input.alias,
      version: input.version,
      requestedBy: actor,
      requestedAtMs: this.deps.clock.nowMs(),
      note: input.note ?? '',
      status: 'pending',
      approvedBy: null,
      approvedAtMs: null,
    }
    await this.deps.store.createModelPromotion(promotion)
    return promotion
  }

  /**
   * Approves a pending promotion and moves its alias, in one transaction. The
   * approver must not be the actor who asked (four eyes): with the server's
   * authentication off every caller is `anonymous`, so no approval gets
   * through there.
   */
  async approvePromotion(tenantId: string, name: string, promotionId: string, actor: string): Promise<{ promotion: ModelPromotionRecord; move: AliasMoveRecord }> {
    await this.versionsOf(tenantId, name)
    const promotion = await this.deps.store.getModelPromotion(tenantId, name, promotionId)
    if (!promotion) {
      throw new XiezhiError('not_found', `Model "${name}" has no promotion "${promotionId}"`, [
        { pointer: '/promotionId', code: 'unknown_promotion', message: `no promotion "${promotionId}" of model "${name}"` },
      ])
    }
    if (promotion.status !== 'pending') {
      throw new XiezhiError('conflict', `Promotion "${promotionId}" was approved already`, [
        { pointer: '/promotionId', code: 'already_approved', message: `approved by ${promotion.approvedBy} at ${new Date(promotion.approvedAtMs ?? 0).toISOString()}` },
      ])
    }
    if (promotion.requestedBy === actor) {
      throw new XiezhiError('conflict', `A promotion needs an approver other than its author (${actor})`, [
        { pointer: '/promotionId', code: 'same_actor', message: `requested by ${promotion.requestedBy}; another user or API key must approve it` },
      ])
    }
    const current = aliasStates(await this.deps.store.listModelAliasMoves(tenantId, name)).find((a) => a.alias === promotion.alias)
    if (current?.version === promotion.version) throw alreadyOnAlias(name, promotion.alias, promotion.version)
    const atMs = this.deps.clock.nowMs()
    const move: AliasMoveRecord = {
      id: uuidv7(atMs),
      tenantId,
      name,
      alias: promotion.alias,
      previousMoveId: current?.lastMoveId ?? null,
      fromVersion: current?.version ?? null,
      toVersion: promotion.version,
      kind: 'promotion',
      promotionId,
      movedBy: actor,
      movedAtMs: atMs,
      note: promotion.note,
    }
    await this.deps.aliasWatcher?.checkMove(tenantId, name, promotion.alias, promotion.version)
    if (!(await this.deps.store.moveModelAlias(move, { promotionId, approvedBy: actor, atMs }))) throw aliasMoved(promotion.alias)
    await this.deps.aliasWatcher?.moved(tenantId, name)
    return { promotion: { ...promotion, status: 'approved', approvedBy: actor, approvedAtMs: atMs }, move }
  }

  /**
   * Points the alias back at the version it held before its latest promotion
   * (a second rollback goes one further back). A return to a version that was
   * approved before needs no second approval; it is recorded with who did it.
   */
  async rollback(tenantId: string, name: string, alias: string, actor: string, note = ''): Promise<AliasMoveRecord> {
    await this.versionsOf(tenantId, name)
    if (note.length > maxNoteLength) throw invalidInput('The rollback is invalid', [{ pointer: '/note', code: 'invalid_maxLength', message: `note must be at most ${maxNoteLength} characters` }])
    const current = aliasStates(await this.deps.store.listModelAliasMoves(tenantId, name)).find((a) => a.alias === alias)
    if (!current) throw unknownAlias(name, alias)
    const target = current.earlier[current.earlier.length - 1]
    if (target === undefined) {
      throw new XiezhiError('conflict', `Alias "${alias}" of model "${name}" has no earlier version to go back to`, [
        { pointer: '/alias', code: 'nothing_to_roll_back', message: `"${alias}" has pointed at version ${current.version} only; promote another version instead` },
      ])
    }
    const atMs = this.deps.clock.nowMs()
    const move: AliasMoveRecord = {
      id: uuidv7(atMs),
      tenantId,
      name,
      alias,
      previousMoveId: current.lastMoveId,
      fromVersion: current.version,
      toVersion: target,
      kind: 'rollback',
      promotionId: null,
      movedBy: actor,
      movedAtMs: atMs,
      note,
    }
    await this.deps.aliasWatcher?.checkMove(tenantId, name, alias, target)
    if (!(await this.deps.store.moveModelAlias(move))) throw aliasMoved(alias)
    await this.deps.aliasWatcher?.moved(tenantId, name)
    return move
  }

  private async versionsOf(tenantId: string, name: string): Promise<ModelVersionRecord[]> {
    checkName(name)
    const versions = await this.deps.store.listModelVersions(tenantId, name)
    if (versions.length === 0) throw new XiezhiError('not_found', `Model "${name}" does not exist`, [{ pointer: '/name', code: 'unknown_model', message: `no model named "${name}"` }])
    return versions
  }
}

/**
 * Each alias's state from its moves: a promotion pushes its version, a
 * rollback pops back to the one before. So v1 → v2 → v3, rollback, rollback
 * gives v1, and a promotion after a rollback starts from where it stands.
 */
export function aliasStates(moves: readonly AliasMoveRecord[]): AliasState[] {
  const states = new Map<string, AliasState & { held: number[] }>()
  for (const move of moves) {
    const state = states.get(move.alias) ?? { alias: move.alias, version: move.toVersion, earlier: [], held: [], lastMoveId: move.id, movedBy: move.movedBy, movedAtMs: move.movedAtMs }
    if (move.kind === 'promotion') state.held.push(move.toVersion)
    else {
      state.held.pop()
      if (state.held[state.held.length - 1] !== move.toVersion) state.held.push(move.toVersion)
    }
    Object.assign(state, { version: move.toVersion, lastMoveId: move.id, movedBy: move.movedBy, movedAtMs: move.movedAtMs })
    states.set(move.alias, state)
  }
  return [...states.values()]
    .map(({ held, ...state }) => ({ ...state, earlier: held.slice(0, -1) }))
    .sort((a, b) => a.alias.localeCompare(b.alias))
}

function checkName(name: string) {
  if (typeof name !== 'string' || !new RegExp(modelNamePattern).test(name))
    throw invalidInput('The model name is invalid', [{ pointer: '/name', code: 'invalid_format', message: 'name must be 1–64 lower-case letters, digits, _ or -, starting with a letter' }])
}

const unknownVersion = (name: string, version: number) =>
  new XiezhiError('not_found', `Model "${name}" has no version ${version}`, [{ pointer: '/version', code: 'unknown_model_version', message: `no version ${version} of model "${name}"` }])

const unknownAlias = (name: string, alias: string) =>
  new XiezhiError('not_found', `Model "${name}" has no alias "${alias}"`, [{ pointer: '/alias', code: 'unknown_alias', message: `"${alias}" was never given a version of "${name}"` }])

const alreadyOnAlias = (name: string, alias: string, version: number) =>
  new XiezhiError('conflict', `Alias "${alias}" of model "${name}" points at version ${version} already`, [
    { pointer: '/version', code: 'already_on_alias', message: `"${alias}" is version ${version} now` },
  ])

const aliasMoved = (alias: string) =>
  new XiezhiError('conflict', `Alias "${alias}" moved while this change was being made; nothing was changed`, [
    { pointer: '/alias', code: 'alias_moved', message: 'another change of the alias came first; look again and retry' },
  ])
