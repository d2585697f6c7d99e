import { type FieldIssue, invalidInput } from '../core/errors.ts'
import type { RecordStore } from '../decisions/record-store.ts'
import type { PersonalDataVault } from '../events/personal-data-vault.ts'
import { backfillFeatures } from '../features/backfill.ts'
import { featureDefinitionHash } from '../features/feature-catalogue.ts'
import { type FeatureDefinition, horizonOf, isGraphDefinition } from '../features/feature-definition.ts'
import type { ListMembership } from '../lists/list-membership.ts'
import { trainGbdt } from '../models/gbdt/gbdt-trainer.ts'
import { auc, logLoss } from '../models/gbdt/metrics.ts'
import { modelToJson } from '../models/gbdt/model-json.ts'
import type { GbdtModel } from '../models/gbdt/tree-model.ts'
import type { ModelMetadata } from '../models/registry/model-records.ts'
import { kolmogorovSmirnov } from '../models/scorecard/scorecard-metrics.ts'
import { LabelsAtCutoff, timeSplitIndex } from '../models/training/labels-at-cutoff.ts'
import { decisionLogHistory } from './decision-log-history.ts'
import { listsOfTenant } from './tenant-states.ts'

/** What `xiezhi train` asks for; `docs/models.md` ("Training from the platform's history"). */
export interface TrainFromHistoryRequest {
  /** The label to learn: `fraud`, `default`, or another kind of the `label` event type. */
  label: string
  fromMs: number
  toMs: number
  cutoffMs: number
  /** Feature names; undefined for every feature of the catalogue. */
  features?: string[]
  /** Event types whose events are the rows; undefined for the type(s) with the most labels. */
  eventTypes?: string[]
  validationShare: number
  maturityMs: number
  minDaysPastDue: number
  /** Trainer parameters (`GbdtOptions`) over the defaults below. */
  params?: Record<string, unknown>
}

/** Where `xiezhi train` starts: shallow trees, a slow rate and early stopping on the later validation rows. */
export const defaultTrainParams = { rounds: 400, learningRate: 0.05, maxDepth: 4, minChildWeight: 1, subsample: 0.8, colsampleByTree: 0.8, earlyStoppingRounds: 30, seed: 1 }

export const trainableLabels = ['fraud', 'default', 'complaint_agent', 'intermediary', 'scam_victim', 'fake_traffic'] as const

export interface TrainedFromHistory {
  model: GbdtModel
  /** The model JSON document, ready to register. */
  document: object
  metadata: ModelMetadata
  seconds: { build: number; train: number }
}

export interface TrainingSources {
  store: RecordStore
  vault: PersonalDataVault
  definitions: FeatureDefinition[]
  lists?: ListMembership
  /**
   * The tenant whose events are the rows, feed the features and whose
   * labels count, as its own feature state took them online (every
   * tenant's together when not given).
   */
  tenantId?: string
}

const iso = (ms: number) => new Date(ms).toISOString()

/**
 * Builds a training set from the decision log, point in time, and trains a
 * GBDT on it: every row's features are what the engine had (or would have
 * had) when it decided the event (the feature library's backfill); its label
 * is what was known at the cut-off (`LabelsAtCutoff`); the last share of the
 * time goes to validation, on which training stops early. The graph's
 * features are not backfilled here: a model is trained on the window
 * features.
 */
export async function trainFromHistory(sources: TrainingSources, request: TrainFromHistoryRequest): Promise<TrainedFromHistory> {
  const { store, vault, tenantId } = sources
  const definitions = sources.definitions.filter((d) => !isGraphDefinition(d))
  const features = checkRequest(request, definitions, sources.definitions)
  const started = performance.now()

  // 1. labels known by the cut-off, and the type of every event in the window
  const labels = new LabelsAtCutoff({ target: request.label, cutoffMs: request.cutoffMs, maturityMs: request.maturityMs, minDaysPastDue: request.minDaysPastDue })
  const typeOf = new Map<string, string>()
  for await (const batch of store.decisionsSince(request.fromMs)) {
    for (const d of batch) {
      if (tenantId !== undefined && d.tenantId !== tenantId) continue
      if (d.occurredAtMs < request.toMs) typeOf.set(d.eventId, d.eventType)
      if (d.eventType !== 'label') continue
      const data = (JSON.parse(vault.open(d.sealedEvent)) as { data: { subjectEventId: string; label: string; daysPastDue?: number; withdrawn?: boolean } }).data
      labels.add({
        subjectEventId: data.subjectEventId,
        label: data.label,
        knownAtMs: d.occurredAtMs,
        ...(data.daysPastDue === undefined ? {} : { daysPastDue: data.daysPastDue }),
        ...(data.withdrawn === true ? { withdrawn: true } : {}),
      })
    }
  }
  const eventTypes = request.eventTypes ?? mostLabelled(labels, typeOf)
  if (eventTypes.length === 0) {
    throw invalidInput(`No event in the window has a "${request.label}" label known by the cut-off`, [
      { pointer: '/label', code: 'no_labels', message: `no "${request.label}" label about an event from ${iso(request.fromMs)} to ${iso(request.toMs)} occurred by ${iso(request.cutoffMs)}` },
    ])
  }

  // 2. the rows: point-in-time features of each event of those types, with its label as known at the cut-off
  const chosen = new Set(eventTypes)
  const indices = features.map((name) => name)
  const times: number[] = []
  const targets: number[] = []
  const values: number[][] = features.map(() => [])
  const dropped = { immature: 0, belowDaysPastDue: 0 }
  const negatives = { labelled: 0, matured: 0 }
  let candidates = 0
  const history = decisionLogHistory(store, vault, request.fromMs - horizonOf(definitions), 0, tenantId)
  const lists = sources.lists && tenantId !== undefined ? listsOfTenant(sources.lists, tenantId) : sources.lists
  for await (const row of backfillFeatures(definitions, history, { fromMs: request.fromMs, toMs: request.toMs }, lists ? { lists } : {})) {
    if (!chosen.has(row.eventType)) continue
    candidates++
    const outcome = labels.outcome(row.eventId, row.occurredAtMs)
    if (outcome.kind === 'dropped') {
      if (outcome.why === 'immature') dropped.immature++
      else dropped.belowDaysPastDue++
      continue
    }
    if (outcome.kind === 'negative') negatives[outcome.why]++
    times.push(row.occurredAtMs)
    targets.push(outcome.kind === 'positive' ? 1 : 0)
    for (let f = 0; f < indices.length; f++) {
      const value = row.values[indices[f]!]
      values[f]!.push(value === undefined ? Number.NaN : value)
    }
  }

  // 3. split by time: the last share of the time the rows span is for validation
  const order = Array.from(times.keys()).sort((a, b) => times[a]! - times[b]! || a - b)
  const sortedTimes = Float64Array.from(order, (i) => times[i]!)
  const cut = timeSplitIndex(sortedTimes, request.validationShare)
  const part = (from: number, to: number) => ({
    features: values.map((column) => Float64Array.from(order.slice(from, to), (i) => column[i]!)),
    labels: Float64Array.from(order.slice(from, to), (i) => targets[i]!),
    featureNames: features,
  })
  const train = part(0, cut)
  const validation = part(cut, order.length)
  checkClasses(train.labels, 'training', request)
  checkClasses(validation.labels, 'validation', request)
  const buildSeconds = seconds(started)

  // 4. train, stopping early on the later rows
  const trainStarted = performance.now()
  const params = { ...defaultTrainParams, ...(request.params ?? {}) }
  const { model, report } = await trainGbdt(train, params, validation)
  const trainSeconds = seconds(trainStarted)

  const recorded = new Map((await store.listFeatureVersions()).map((v) => [v.name, v]))
  const byName = new Map(definitions.map((d) => [d.name, d]))
  const metadata: ModelMetadata = {
    features,
    label: request.label,
    eventTypes,
    trainingWindow: { from: iso(request.fromMs), to: iso(request.toMs) },
    cutoff: iso(request.cutoffMs),
    maturity: `${Math.round(request.maturityMs / 86_400_000)}d`,
    ...(request.label === 'default' ? { minDaysPastDue: request.minDaysPastDue } : {}),
    featureDefinitions: Object.fromEntries(features.map((name) => [name, featureSummary(byName.get(name)!, recorded.get(name))])),
    parameters: (model.training?.parameters as Record<string, unknown> | undefined) ?? params,
    metrics: { validation: metricsOf(model, validation), training: metricsOf(model, train) },
    split: {
      validationShare: request.validationShare,
      training: { from: iso(sortedTimes[0]!), to: iso(sortedTimes[cut - 1]!), rows: cut },
      validation: { from: iso(sortedTimes[cut]!), to: iso(sortedTimes[order.length - 1]!), rows: order.length - cut },
    },
    rows: { candidates, used: order.length, dropped },
    labels: {
      positives: targets.reduce((a, b) => a + b, 0),
      negatives: negatives.labelled + negatives.matured,
      labelledNegatives: negatives.labelled,
      maturedNegatives: negatives.matured,
      targetLabelsKnownByCutoff: labels.knownByCutoff,
      targetLabelsAfterCutoffIgnored: labels.knownAfterCutoff,
    },
    training: { roundsTrained: report.roundsTrained, bestIteration: report.bestIteration, stoppedEarly: report.stoppedEarly, seconds: trainSeconds },
    importance: model
      .featureImportance()
      .sort((a, b) => b.gain - a.gain)
      .slice(0, 10)
      .map((i) => ({ feature: i.feature, gain: round(i.gain), splits: i.splits })),
    source: 'xiezhi train',
  }
  return { model, document: modelToJson(model), metadata, seconds: { build: buildSeconds, train: trainSeconds } }
}

function checkRequest(request: TrainFromHistoryRequest, definitions: FeatureDefinition[], declared: readonly FeatureDefinition[]): string[] {
  const issues: FieldIssue[] = []
  if (!(trainableLabels as readonly string[]).includes(request.label))
    issues.push({ pointer: '/label', code: 'invalid_value', message: `label must be one of ${trainableLabels.join(', ')}` })
  if (!(request.fromMs < request.toMs)) issues.push({ pointer: '/from', code: 'invalid_range', message: 'from must be before to' })
  if (request.toMs > request.cutoffMs)
    issues.push({ pointer: '/to', code: 'after_cutoff', message: `the window ends after the cut-off (${iso(request.cutoffMs)}): its last events could not have a label yet` })
  if (!(request.validationShare > 0 && request.validationShare < 1)) issues.push({ pointer: '/validationShare', code: 'invalid_value', message: 'must be above 0 and below 1' })
  if (!(request.maturityMs >= 0)) issues.push({ pointer: '/maturity', code: 'invalid_value', message: 'must be a duration such as 30d' })
  const known = new Set(definitions.map((d) => d.name))
  const features = request.features ?? definitions.map((d) => d.name)
  features.forEach((name, i) => {
    if (declared.some((d) => d.name === name && isGraphDefinition(d))) issues.push({ pointer: `/features/${i}`, code: 'invalid_value', message: `"${name}" is a graph feature: training from history takes window features only` })
    else if (!known.has(name)) issues.push({ pointer: `/features/${i}`, code: 'unknown_feature', message: `"${name}" is not in the feature catalogue` })
  })
  if (features.length === 0) issues.push({ pointer: '/features', code: 'invalid_value', message: 'name at least one feature' })
  if (request.eventTypes?.length === 0) issues.push({ pointer: '/eventTypes', code: 'invalid_value', message: 'name at least one event type' })
  if (issues.length > 0) throw invalidInput('The training request is invalid', issues)
  return [...new Set(features)]
}

/** The event type(s) with the most target labels known by the cut-off (all of them on a tie). */
function mostLabelled(labels: LabelsAtCutoff, typeOf: Map<string, string>): string[] {
  const counts = new Map<string, number>()
  for (const subject of labels.subjects()) {
    const type = typeOf.get(subject)
    if (type !== undefined && labels.hasTarget(subject)) counts.set(type, (counts.get(type) ?? 0) + 1)
  }
  const most = Math.max(0, ...counts.values())
  return most === 0 ? [] : [...counts].filter(([, n]) => n === most).map(([type]) => type).sort()
}

function checkClasses(labels: Float64Array, role: string, request: TrainFromHistoryRequest) {
  let positives = 0
  for (const y of labels) positives += y
  if (positives > 0 && positives < labels.length) return
  const what = labels.length === 0 ? 'no rows' : positives === 0 ? `no "${request.label}" label` : 'no negative'
  throw invalidInput(`The ${role} rows have ${what}: widen the window, move the cut-off later, or change --validation-share`, [
    { pointer: role === 'training' ? '/from' : '/validationShare', code: 'too_few_labels', message: `${labels.length} ${role} rows, ${positives} positive` },
  ])
}

function metricsOf(model: GbdtModel, data: { features: Float64Array[]; labels: Float64Array }) {
  const margins = model.predictMarginBatch(data.features)
  let positives = 0
  for (const y of data.labels) positives += y
  return {
    rows: data.labels.length,
    positives,
    auc: round(auc(data.labels, margins)),
    ks: round(kolmogorovSmirnov(data.labels, margins)),
    logloss: round(logLoss(data.labels, margins)),
  }
}

function featureSummary(d: FeatureDefinition, recorded: { version: number; hash: string } | undefined) {
  const windowless = d.kind === 'expression' || d.kind === 'in_list' || d.kind === 'hour_of_day' || d.kind === 'day_of_week'
  return {
    kind: d.kind,
    ...(d.entity ? { entity: d.entity } : {}),
    ...(windowless ? {} : { window: d.window }),
    ...(d.delay ? { delay: d.delay } : {}),
    hash: featureDefinitionHash(d),
    // the version the engine recorded, when the definition trained on is still that version
    ...(recorded && recorded.hash === featureDefinitionHash(d) ? { version: recorded.version } : {}),
  }
}

const round = (x: number) => Math.round(x * 1e6) / 1e6
const seconds = (since: number) => Math.round((performance.now() - since) / 10) / 100
