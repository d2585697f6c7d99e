/**
 * The model registry's records (模型注册表): immutable versions of a named
 * model, promotion requests, and the history of each alias. Stored through
 * the records port (`decisions/record-store.ts`); nothing here is deleted or
 * changed after it is written, except a promotion's approval, recorded once.
 */

/** What a version's artifact is; each kind has its loader (`model-artifact.ts`). */
export const modelKinds = ['gbdt', 'scorecard', 'imported-xgboost', 'imported-lightgbm', 'imported-onnx'] as const
export type ModelKind = (typeof modelKinds)[number]
export const isModelKind = (value: unknown): value is ModelKind => typeof value === 'string' && (modelKinds as readonly string[]).includes(value)

/** Model names and aliases appear in URLs: lower-case letters, digits, `_` and `-`, starting with a letter. */
export const modelNamePattern = '^[a-z][a-z0-9_-]{0,63}$'
export const aliasPattern = modelNamePattern
/** The aliases a strategy is expected to read; any other name that fits the pattern is allowed too. */
export const wellKnownAliases = ['champion', 'challenger'] as const

/**
 * What is known of how a version was made. `features` is always there (from
 * the artifact); the rest is what the uploader or `xiezhi train` tells:
 * label, windows, cut-off, parameters, metrics, row and label counts.
 */
export interface ModelMetadata {
  features: string[]
  label?: string
  eventTypes?: string[]
  trainingWindow?: { from: string; to: string }
  cutoff?: string
  parameters?: Record<string, unknown>
  metrics?: Record<string, unknown>
  description?: string
  [key: string]: unknown
}

export interface ModelVersionRecord {
  tenantId: string
  name: string
  /** 1, 2, … per model name, in the order registered. */
  version: number
  kind: ModelKind
  /** sha256 (hex) of the artifact text. */
  hash: string
  metadata: ModelMetadata
  createdBy: string
  createdAtMs: number
}

export interface ModelArtifactRecord extends ModelVersionRecord {
  /** The model document as stored: canonical JSON of its kind (`docs/models.md`, `docs/scorecards.md`). */
  artifact: string
}

export type PromotionStatus = 'pending' | 'approved'

/** A request that `alias` point at `version`, made by one actor and carried out when another approves it. */
export interface ModelPromotionRecord {
  id: string
  tenantId: string
  name: string
  alias: string
  version: number
  requestedBy: string
  requestedAtMs: number
  note: string
  status: PromotionStatus
  approvedBy: string | null
  approvedAtMs: number | null
}

/**
 * One move of an alias. Moves of an alias form a chain: each names the move
 * before it (null for the first), and no two moves may follow the same one,
 * so two concurrent changes of one alias cannot both succeed.
 */
export interface AliasMoveRecord {
  id: string
  tenantId: string
  name: string
  alias: string
  previousMoveId: string | null
  fromVersion: number | null
  toVersion: number
  kind: 'promotion' | 'rollback'
  /** The approved promotion this move carries out (kind `promotion`). */
  promotionId: string | null
  movedBy: string
  movedAtMs: number
  note: string
}
