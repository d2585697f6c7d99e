import type { MonitoringSource } from './decision-log-source.ts'
import { type DriftAlert, driftLevel } from './drift-alerts.ts'
import { LabelBook, type Outcome } from './label-outcomes.ts'
import type { ScoreMonitorRequest } from './monitoring-request.ts'
import { type CapacityRow, type PrecisionAtCapacity, precisionAtCapacity } from './precision-at-capacity.ts'
import { psiOverEdges, quantileEdges } from './psi.ts'
import { finiteOrNull, separation } from './separation.ts'
import { TimeBuckets } from './time-buckets.ts'

/** The figures of one time bucket. */
export interface BucketReport {
  /** The bucket's first local day, YYYY-MM-DD. */
  bucket: string
  /** The part of the bucket inside the period: [from, to). */
  from: string
  to: string
  /** Decisions of the event type that carry the score. */
  volume: number
  /** Of those, how many have a label known at the cut-off (of any kind). */
  labelled: number
  positives: number
  /** Labelled negative, or unlabelled and mature. */
  negatives: number
  /** Labelled with other kinds only: left out. */
  other: number
  /** Unlabelled and not yet mature: left out. */
  pending: number
  meanScore: number | null
  auc: number | null
  ks: number | null
  capacity: PrecisionAtCapacity
  /** PSI of the score against the baseline; null when the bucket or the baseline is empty. */
  scorePsi: number | null
  /** PSI of each input feature the baseline decisions recorded. */
  featurePsi: Record<string, number | null>
}

export interface ScoreMonitorReport {
  eventType: string
  score: string
  bucket: ScoreMonitorRequest['bucket']
  timeZone: string
  from: string
  to: string
  cutoff: string
  /** The label rules, and how many label events known at the cut-off were read (about any event type). */
  labels: { positive: string; negatives: string[]; unlabelledNegativeAfterDays: number; labelsRead: number }
  capacity: ScoreMonitorRequest['capacity']
  baseline: { from: string; to: string; volume: number }
  psi: { bins: number; floor: number }
  thresholds: ScoreMonitorRequest['thresholds']
  /** Decisions of the event type in the period without the score (another strategy version, or none). */
  unscored: number
  buckets: BucketReport[]
  alerts: DriftAlert[]
}

interface Row {
  score: number
  outcome: Outcome
  labelled: boolean
  day: number
  atMs: number
  features: Record<string, number>
}

const iso = (ms: number) => new Date(ms).toISOString()

/**
 * Reads the decisions of one event type over the period and the labels known
 * at the cut-off, and reports, per bucket, volume, labels, separation (AUC,
 * KS), precision and recall at the review capacity, and the PSI of the score
 * and of each recorded input against the baseline window, with drift alerts.
 * Everything is computed in memory from one pass over the log.
 */
export async function monitorScore(source: MonitoringSource, request: ScoreMonitorRequest): Promise<ScoreMonitorReport> {
  const { score, thresholds } = request
  const book = new LabelBook({ positive: request.label, negatives: request.negatives, maturityDays: request.maturityDays, cutoffMs: request.cutoffMs })
  let labelsRead = 0
  // a label is about an earlier event: none known before the period can be about it
  if (request.cutoffMs >= request.fromMs) {
    for await (const label of source.labels(request.fromMs, request.cutoffMs + 1)) if (book.add(label)) labelsRead++
  }

  const baselineScores: number[] = []
  const baselineFeatures = new Map<string, number[]>()
  for await (const d of source.decisions(request.eventType, request.baselineFromMs, request.baselineToMs)) {
    const value = d.scores[score]
    if (value === undefined || !Number.isFinite(value)) continue
    baselineScores.push(value)
    for (const [name, v] of Object.entries(d.features)) {
      const values = baselineFeatures.get(name)
      if (values) values.push(v)
      else baselineFeatures.set(name, [v])
    }
  }
  const scoreEdges = quantileEdges(baselineScores, request.bins)
  const featureEdges = new Map([...baselineFeatures].map(([name, values]) => [name, quantileEdges(values, request.bins)]))

  const calendar = new TimeBuckets(request.bucket, request.timeZone)
  const buckets = calendar.between(request.fromMs, request.toMs)
  const indexOf = new Map(buckets.map((b, i) => [b.startMs, i]))
  const rows: Row[][] = buckets.map(() => [])
  let unscored = 0
  for await (const d of source.decisions(request.eventType, request.fromMs, request.toMs)) {
    const value = d.scores[score]
    if (value === undefined || !Number.isFinite(value)) {
      unscored++
      continue
    }
    const index = indexOf.get(calendar.bucketOf(d.occurredAtMs).startMs)!
    rows[index]!.push({ score: value, outcome: book.outcomeOf(d.eventId, d.occurredAtMs), labelled: book.isLabelled(d.eventId), day: calendar.dayOf(d.occurredAtMs), atMs: d.occurredAtMs, features: d.features })
  }

  const alerts: DriftAlert[] = []
  const reports = buckets.map((bucket, i): BucketReport => {
    // the events' order, so that ties at the capacity's edge go to the earlier event
    const inBucket = rows[i]!
    inBucket.sort((a, b) => a.atMs - b.atMs)
    const report = bucketReport(bucket.label, Math.max(bucket.startMs, request.fromMs), Math.min(bucket.endMs, request.toMs), inBucket, request, {
      score: { edges: scoreEdges, baseline: baselineScores },
      features: [...featureEdges].map(([name, edges]) => ({ name, edges, baseline: baselineFeatures.get(name)! })),
    })
    if (report.volume >= thresholds.minVolume) {
      const scoreLevel = driftLevel(report.scorePsi, thresholds)
      if (scoreLevel) alerts.push({ bucket: report.bucket, subject: 'score', name: score, psi: report.scorePsi!, level: scoreLevel })
      for (const [name, psi] of Object.entries(report.featurePsi)) {
        const level = driftLevel(psi, thresholds)
        if (level) alerts.push({ bucket: report.bucket, subject: 'feature', name, psi: psi!, level })
      }
    }
    return report
  })

  return {
    eventType: request.eventType,
    score,
    bucket: request.bucket,
    timeZone: request.timeZone,
    from: iso(request.fromMs),
    to: iso(request.toMs),
    cutoff: iso(request.cutoffMs),
    labels: { positive: request.label, negatives: request.negatives, unlabelledNegativeAfterDays: request.maturityDays, labelsRead },
    capacity: request.capacity,
    baseline: { from: iso(request.baselineFromMs), to: iso(request.baselineToMs), volume: baselineScores.length },
    psi: { bins: request.bins, floor: request.floor },
    thresholds,
    unscored,
    buckets: reports,
    alerts,
  }
}

interface Baselines {
  score: { edges: number[]; baseline: number[] }
  features: { name: string; edges: number[]; baseline: number[] }[]
}

function bucketReport(label: string, fromMs: number, toMs: number, rows: Row[], request: ScoreMonitorRequest, baselines: Baselines): BucketReport {
  const count = (outcome: Outcome) => rows.reduce((n, r) => n + (r.outcome === outcome ? 1 : 0), 0)
  const known = rows.filter((r) => r.outcome === 'positive' || r.outcome === 'negative')
  const { auc, ks } = separation(
    known.map((r) => (r.outcome === 'positive' ? 1 : 0)),
    known.map((r) => r.score),
  )
  const capacityRows: CapacityRow[] = rows.map((r) => ({ score: r.score, day: r.day, outcome: r.outcome === 'positive' ? 1 : r.outcome === 'negative' ? 0 : null }))
  const scores = rows.map((r) => r.score)
  const psiOf = (edges: number[], baseline: number[], current: number[]) => finiteOrNull(psiOverEdges(edges, baseline, current, request.floor).psi)
  const featurePsi: Record<string, number | null> = {}
  for (const f of baselines.features) {
    featurePsi[f.name] = psiOf(
      f.edges,
      f.baseline,
      rows.flatMap((r) => (r.features[f.name] === undefined ? [] : [r.features[f.name]!])),
    )
  }
  return {
    bucket: label,
    from: iso(fromMs),
    to: iso(toMs),
    volume: rows.length,
    labelled: rows.reduce((n, r) => n + (r.labelled ? 1 : 0), 0),
    positives: count('positive'),
    negatives: count('negative'),
    other: count('other'),
    pending: count('pending'),
    meanScore: rows.length === 0 ? null : scores.reduce((s, v) => s + v, 0) / rows.length,
    auc,
    ks,
    capacity: precisionAtCapacity(capacityRows, request.capacity),
    scorePsi: psiOf(baselines.score.edges, baselines.score.baseline, scores),
    featurePsi,
  }
}
