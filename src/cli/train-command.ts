import { readFileSync } from 'node:fs'
import { Command, InvalidArgumentError, Option } from 'commander'
import { readConfig } from '../app/config.ts'
import { loadFeatures } from '../app/load-definitions.ts'
import { defaultTenant, openRecords } from '../app/open-engine.ts'
import { defaultTrainParams, type TrainedFromHistory, trainableLabels, trainFromHistory } from '../app/train-from-history.ts'
import { parseDayOrInstant } from '../core/day-or-instant.ts'
import { parseDurationMs } from '../core/duration.ts'
import { ListMembership } from '../lists/list-membership.ts'
import { defaultMaturityDays, fallbackMaturityDays } from '../models/training/labels-at-cutoff.ts'
import { byOption, openModelsBackend, serverOption } from './models-command.ts'

const instant = (value: string) => {
  const ms = parseDayOrInstant(value)
  if (ms === undefined) throw new InvalidArgumentError('give YYYY-MM-DD (a Beijing day) or an ISO 8601 instant')
  return ms
}

const duration = (value: string) => {
  const ms = parseDurationMs(value)
  if (ms === undefined) throw new InvalidArgumentError('give a duration such as 30d, 12h')
  return ms
}

const share = (value: string) => {
  const n = Number(value)
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError('must be a number above 0 and below 1')
  return n
}

const names = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((s) => s.trim()).filter((s) => s !== '')]

interface TrainOptions {
  name: string
  label: string
  from: number
  to: number
  cutoff?: number
  features: string
  eventType?: string[]
  validationShare: number
  maturity?: number
  minDpd: number
  params?: string
  register: boolean
  server?: string
  by: string
  tenant: string
  json?: boolean
}

/** `xiezhi train`: a GBDT from the decision log, point in time, with labels as known at a cut-off, registered as a new model version. */
export function trainCommand(): Command {
  return new Command('train')
    .description("train a GBDT from the platform's own history (features point in time, labels as known at the cut-off) and register it as a model version")
    .requiredOption('--name <model>', 'the model name to register under')
    .addOption(new Option('--label <label>', 'what to predict').choices([...trainableLabels]).makeOptionMandatory())
    .requiredOption('--from <day>', 'first day of the events (YYYY-MM-DD, Beijing) or an instant', instant)
    .requiredOption('--to <day>', 'end of the events, exclusive', instant)
    .option('--cutoff <instant>', 'labels known at this instant count (default: now)', instant)
    .option('--features <names>', 'comma-separated feature names, or all', 'all')
    .option('--event-type <types>', 'the events that are rows (comma-separated or repeated; default: the type with the most labels)', names)
    .option('--validation-share <share>', 'the last share of the time, for validation and early stopping', share, 0.2)
    .option('--maturity <duration>', `an event without a label counts as negative once this old at the cut-off (default ${Object.entries(defaultMaturityDays).map(([l, d]) => `${l} ${d}d`).join(', ')}, else ${fallbackMaturityDays}d)`, duration)
    .option('--min-dpd <days>', 'default: least days past due that count', (v) => Number.parseInt(v, 10), 30)
    .option('--params <file>', `trainer parameters (JSON, see docs/models.md) over ${JSON.stringify(defaultTrainParams)}`)
    .option('--tenant <id>', "whose events and labels it learns from, as that tenant's own features saw them", defaultTenant)
    .option('--no-register', 'train and report only')
    .addOption(serverOption())
    .addOption(byOption())
    .option('--json', 'one JSON line')
    .action(async (options: TrainOptions) => {
      const params = options.params ? readParams(options.params) : undefined
      const cutoffMs = options.cutoff ?? Date.now()
      const config = readConfig(process.env)
      const records = await openRecords(config)
      let trained: TrainedFromHistory
      try {
        const definitions = loadFeatures(config.configDir, records.registry, defaultTenant)
        const lists = await ListMembership.load(records.store)
        trained = await trainFromHistory(
          { store: records.store, vault: records.vault, definitions, lists, tenantId: options.tenant },
          {
            label: options.label,
            fromMs: options.from,
            toMs: options.to,
            cutoffMs,
            ...(options.features === 'all' ? {} : { features: names(options.features) }),
            ...(options.eventType ? { eventTypes: options.eventType } : {}),
            validationShare: options.validationShare,
            maturityMs: options.maturity ?? (defaultMaturityDays[options.label] ?? fallbackMaturityDays) * 86_400_000,
            minDaysPastDue: options.minDpd,
            ...(params ? { params } : {}),
          },
        )
      } finally {
        await records.close()
      }
      let registered: { version: number; hash: string; created: boolean } | undefined
      if (options.register) {
        const backend = await openModelsBackend(options, 'write')
        try {
          const { version, created } = await backend.register(options.name, { model: trained.document, kind: 'gbdt', metadata: trained.metadata })
          registered = { version: version.version, hash: version.hash, created }
        } finally {
          await backend.close()
        }
      }
      if (options.json) {
        console.log(JSON.stringify({ name: options.name, ...(registered ?? {}), kind: 'gbdt', seconds: trained.seconds, metadata: trained.metadata }))
      } else console.log(report(options.name, trained, registered))
    })
}

function readParams(file: string): Record<string, unknown> {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new InvalidArgumentError(`--params ${file}: ${(error as Error).message}`)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new InvalidArgumentError(`--params ${file}: must be a JSON object of trainer parameters`)
  return parsed as Record<string, unknown>
}

function report(name: string, trained: TrainedFromHistory, registered: { version: number; hash: string; created: boolean } | undefined): string {
  // biome-ignore lint/suspicious/noExplicitAny: the metadata trainFromHistory just wrote, read field by field for the report
  const m = trained.metadata as Record<string, any>
  const v = m.metrics.validation
  const t = m.metrics.training
  const fixed = (x: number | null) => (x === null || Number.isNaN(x) ? '—' : x.toFixed(4))
  return [
    registered
      ? `${registered.created ? 'registered' : 'already registered as'} ${name} v${registered.version} (gbdt, sha256 ${registered.hash.slice(0, 12)}…)`
      : `trained ${name} (not registered)`,
    `rows        ${m.rows.used} ${m.eventTypes.join(', ')} events from ${m.trainingWindow.from} to ${m.trainingWindow.to}; labels known at ${m.cutoff}`,
    `labels      ${m.labels.positives} ${m.label}, ${m.labels.negatives} negative (${m.labels.labelledNegatives} labelled); dropped ${m.rows.dropped.immature} too recent to tell${m.rows.dropped.belowDaysPastDue ? `, ${m.rows.dropped.belowDaysPastDue} below ${m.minDaysPastDue} DPD` : ''}; ${m.labels.targetLabelsAfterCutoffIgnored} labels after the cut-off ignored`,
    `split       training ${m.split.training.rows} rows to ${m.split.training.to}; validation ${m.split.validation.rows} rows from ${m.split.validation.from}`,
    `validation  AUC ${fixed(v.auc)}  KS ${fixed(v.ks)}  logloss ${fixed(v.logloss)}  (training AUC ${fixed(t.auc)})`,
    `trees       ${m.training.bestIteration} kept of ${m.training.roundsTrained} grown${m.training.stoppedEarly ? ' (early stop)' : ''}; ${m.features.length} features, top: ${m.importance.slice(0, 5).map((i: { feature: string }) => i.feature).join(', ')}`,
    `took        ${trained.seconds.build} s to build the set, ${trained.seconds.train} s to train`,
  ].join('\n')
}
