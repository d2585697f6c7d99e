import type { AliasState, ModelDetail, ModelSummary } from './model-registry.ts'
import type { AliasMoveRecord, ModelArtifactRecord, ModelPromotionRecord, ModelVersionRecord } from './model-records.ts'

/** The registry's records as the API and the CLI show them: instants as ISO 8601, no tenant. */
const iso = (ms: number) => new Date(ms).toISOString()

export const versionView = (v: ModelVersionRecord) => ({
  name: v.name,
  version: v.version,
  kind: v.kind,
  hash: v.hash,
  metadata: v.metadata,
  createdBy: v.createdBy,
  createdAt: iso(v.createdAtMs),
})

export const artifactView = (v: ModelArtifactRecord) => ({ ...versionView(v), artifact: JSON.parse(v.artifact) as unknown })

export const promotionView = (p: ModelPromotionRecord) => ({
  id: p.id,
  name: p.name,
  alias: p.alias,
  version: p.version,
  status: p.status,
  note: p.note,
  requestedBy: p.requestedBy,
  requestedAt: iso(p.requestedAtMs),
  approvedBy: p.approvedBy,
  approvedAt: p.approvedAtMs === null ? null : iso(p.approvedAtMs),
})

export const moveView = (m: AliasMoveRecord) => ({
  id: m.id,
  alias: m.alias,
  kind: m.kind,
  fromVersion: m.fromVersion,
  toVersion: m.toVersion,
  promotionId: m.promotionId,
  movedBy: m.movedBy,
  movedAt: iso(m.movedAtMs),
  note: m.note,
})

export const aliasView = (a: AliasState) => ({ alias: a.alias, version: a.version, rollbackTo: a.earlier[a.earlier.length - 1] ?? null, movedBy: a.movedBy, movedAt: iso(a.movedAtMs) })

export const summaryView = (s: ModelSummary) => ({ name: s.name, versions: s.versions, latest: versionView(s.latest), aliases: s.aliases })

export const detailView = (d: ModelDetail) => ({
  name: d.name,
  versions: d.versions.map(versionView),
  aliases: d.aliases.map(aliasView),
  promotions: d.promotions.map(promotionView),
  history: d.history.map(moveView),
})

export type VersionView = ReturnType<typeof versionView>
export type ArtifactView = ReturnType<typeof artifactView>
export type PromotionView = ReturnType<typeof promotionView>
export type MoveView = ReturnType<typeof moveView>
export type SummaryView = ReturnType<typeof summaryView>
export type DetailView = ReturnType<typeof detailView>
