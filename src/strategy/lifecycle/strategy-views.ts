import type { StrategyDeployment } from './deployment.ts'
import type { StrategyDetail, StrategySummary, SubmissionReview, VersionStatus } from './strategy-lifecycle.ts'
import type { StrategyVersionRecord } from './strategy-records.ts'

/** The lifecycle's records as the API and the CLI show them: instants as ISO 8601, documents as JSON. */
const iso = (ms: number) => new Date(ms).toISOString()
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms))

export const versionView = (status: VersionStatus) => {
  const r: StrategyVersionRecord = status.record
  return {
    id: r.id,
    version: r.version,
    state: status.state,
    role: status.role,
    hash: r.hash,
    authors: r.authors,
    createdAt: iso(r.createdAtMs),
    updatedAt: iso(r.updatedAtMs),
    submittedBy: r.submittedBy,
    submittedAt: isoOrNull(r.submittedAtMs),
    submitNote: r.submitNote,
    backtestId: r.backtestId,
    approvedBy: r.approvedBy,
    approvedAt: isoOrNull(r.approvedAtMs),
    approveNote: r.approveNote,
    rejectedBy: r.rejectedBy,
    rejectedAt: isoOrNull(r.rejectedAtMs),
    rejectNote: r.rejectNote,
    withdrawnBy: r.withdrawnBy,
    withdrawnAt: isoOrNull(r.withdrawnAtMs),
    withdrawNote: r.withdrawNote,
  }
}

export const documentView = (status: VersionStatus, review?: SubmissionReview) => ({
  ...versionView(status),
  document: JSON.parse(status.record.document) as Record<string, unknown>,
  ...(review ? { review } : {}),
})

export const deploymentView = (d: StrategyDeployment) => ({
  id: d.id,
  strategyId: d.strategyId,
  kind: d.kind,
  champion: d.champion,
  challengers: d.challengers,
  shadows: d.shadows,
  previousId: d.previousId,
  movedBy: d.movedBy,
  movedAt: iso(d.movedAtMs),
  note: d.note,
})

export const summaryView = (s: StrategySummary) => ({
  tenantId: s.tenantId,
  id: s.id,
  eventType: s.eventType,
  ...(s.product === undefined ? {} : { product: s.product }),
  ...(s.stage === undefined ? {} : { stage: s.stage }),
  live: s.live ? { champion: s.live.champion, challengers: s.live.challengers, shadows: s.live.shadows, deploymentId: s.live.id, deployedAt: iso(s.live.movedAtMs) } : null,
  versions: s.versions,
})

export const detailView = (d: StrategyDetail) => ({
  tenantId: d.tenantId,
  id: d.id,
  eventType: d.eventType,
  ...(d.product === undefined ? {} : { product: d.product }),
  ...(d.stage === undefined ? {} : { stage: d.stage }),
  versions: d.versions.map(versionView),
  live: d.chain ? deploymentView(d.chain.current) : null,
  /** Where a rollback would go. */
  rollbackTo: d.chain?.earlier.length ? deploymentView(d.chain.earlier[d.chain.earlier.length - 1]!) : null,
  deployments: d.deployments.map(deploymentView),
})

export type VersionView = ReturnType<typeof versionView>
export type DocumentView = ReturnType<typeof documentView>
export type DeploymentView = ReturnType<typeof deploymentView>
export type SummaryView = ReturnType<typeof summaryView>
export type DetailView = ReturnType<typeof detailView>
