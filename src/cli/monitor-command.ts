import { Command, InvalidArgumentError, Option } from 'commander'
import { readConfig } from '../app/config.ts'
import { defaultTenant, openRecords } from '../app/open-engine.ts'
import { XiezhiError } from '../core/errors.ts'
import { decisionLogSource } from '../monitoring/decision-log-source.ts'
import { defaultCapacity, type ScoreMonitorInput, scoreMonitorRequest } from '../monitoring/monitoring-request.ts'
import { type ScoreMonitorReport, monitorScore } from '../monitoring/score-monitor.ts'
import { callServer } from './server-call.ts'

/** The request as the command line gives it (commander fills the defaults), and where to send it. */
type MonitorOptions = ScoreMonitorInput & { server?: string; json?: boolean }

const whole = (value: string) => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number')
  return n
}
const number = (value: string) => {
  const n = Number(value)
  if (!Number.isFinite(n)) throw new InvalidArgumentError('must be a number')
  return n
}

/** `xiezhi monitor`: a score's separation and drift over time, from the decision log (here or on a running server). */
export function monitorCommand(): Command {
  return new Command('monitor')
    .description('monitor a score over time as labels arrive: AUC, KS, precision at the review capacity, PSI of the score and its inputs, drift alerts (docs/monitoring.md)')
    .requiredOption('--event-type <type>', 'the decision point, e.g. credit.application')
    .requiredOption('--score <name>', "a key of the decisions' scores, e.g. fraud")
    .requiredOption('--from <when>', 'start: YYYY-MM-DD (a Beijing day) or an ISO 8601 instant')
    .requiredOption('--to <when>', 'end, exclusive')
    .addOption(new Option('--bucket <size>', 'local days or ISO weeks').choices(['day', 'week']).default('day'))
    .option('--time-zone <zone>', 'IANA time zone of the buckets (default Asia/Shanghai)')
    .option('--label <kind>', 'the positive label kind', 'fraud')
    .option('--negatives <kinds>', 'label kinds that count as negatives, comma-separated (default legitimate)')
    .option('--maturity-days <n>', 'unlabelled events at least this old at the cut-off count as negatives (default 30)', whole)
    .option('--cutoff <when>', 'labels known at or before this moment count (default now)')
    .option('--capacity <capacity>', "review capacity: a share of each day's decisions (5%) or decisions a day (200)", defaultCapacity)
    .option('--baseline-from <when>', 'start of the baseline window for PSI (default: the first bucket)')
    .option('--baseline-to <when>', 'end of the baseline window, exclusive')
    .option('--bins <n>', 'quantile bins of the PSI (default 10)', whole)
    .option('--warning <psi>', 'PSI above which a warning is raised (default 0.1)', number)
    .option('--alert <psi>', 'PSI above which an alert is raised (default 0.25)', number)
    .option('--min-volume <n>', 'buckets with fewer decisions raise no drift alert (default 30)', whole)
    .option('--server <url>', 'ask a running server (its key: XIEZHI_API_KEY or the bootstrap key)')
    .option('--json', 'print the report as one JSON line')
    .action(async ({ server, json, ...given }: MonitorOptions) => {
      // options not given stay out of the request, which fills its own defaults
      const input = defined(given) as ScoreMonitorInput
      const report = server ? await askServer(server, input) : await monitorHere(input)
      console.log(json ? JSON.stringify(report) : table(report))
      process.exitCode = report.alerts.some((a) => a.level === 'alert') ? 2 : 0
    })
}

const defined = <T extends Record<string, unknown>>(values: T): Partial<T> => Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>

/**
 * In this process, reading the data directory. Monitoring only reads, so it
 * takes no lock: it can run beside a server deciding with the same
 * directory (SQLite's WAL lets it read what is committed).
 */
async function monitorHere(input: ScoreMonitorInput): Promise<ScoreMonitorReport> {
  const records = await openRecords(readConfig(process.env))
  try {
    if (!records.registry.find(defaultTenant, input.eventType)) {
      throw new XiezhiError('unknown_event_type', `No event type "${input.eventType}"`, [{ pointer: '/eventType', code: 'unknown_event_type', message: 'names no built-in event type and none registered' }])
    }
    const request = scoreMonitorRequest(input, records.clock.nowMs())
    return await monitorScore(decisionLogSource(records.store, (sealed) => records.vault.open(sealed), defaultTenant), request)
  } finally {
    await records.close()
  }
}

async function askServer(server: string, input: ScoreMonitorInput): Promise<ScoreMonitorReport> {
  const query = new URLSearchParams(Object.entries(input).map(([k, v]) => [k, String(v)]))
  return (await callServer<ScoreMonitorReport>(server, 'GET', `/v1/monitoring/scores?${query}`)).body
}


const fixed = (value: number | null, digits = 3) => (value === null ? '—' : value.toFixed(digits))

/** The report as a table: one line per bucket, then the alerts. */
export function table(report: ScoreMonitorReport): string {
  const capacity = 'share' in report.capacity ? `${+(report.capacity.share * 100).toFixed(4)}%` : `${report.capacity.perDay}/day`
  const lines = [
    `${report.eventType} · score ${report.score} · ${report.bucket}s in ${report.timeZone}`,
    `positive: ${report.labels.positive}; negative: ${report.labels.negatives.join(', ') || '—'}, or unlabelled ${report.labels.unlabelledNegativeAfterDays}+ days before the cut-off; labels as known at ${report.cutoff}`,
    `baseline ${report.baseline.from} → ${report.baseline.to}: ${report.baseline.volume} decisions; capacity ${capacity}${report.unscored > 0 ? `; ${report.unscored} decisions without the score` : ''}`,
    '',
    `${'bucket'.padEnd(10)} ${'volume'.padStart(7)} ${'labelled'.padStart(8)} ${'pos'.padStart(5)} ${'neg'.padStart(6)} ${'pending'.padStart(7)} ${'AUC'.padStart(6)} ${'KS'.padStart(6)} ${'prec'.padStart(6)} ${'recall'.padStart(6)} ${'PSI'.padStart(6)}  largest input PSI`,
  ]
  for (const b of report.buckets) {
    const inputs = Object.entries(b.featurePsi).filter((e): e is [string, number] => e[1] !== null)
    const largest = inputs.sort((x, y) => y[1] - x[1])[0]
    lines.push(
      `${b.bucket.padEnd(10)} ${String(b.volume).padStart(7)} ${String(b.labelled).padStart(8)} ${String(b.positives).padStart(5)} ${String(b.negatives).padStart(6)} ${String(b.pending).padStart(7)} ${fixed(b.auc).padStart(6)} ${fixed(b.ks).padStart(6)} ${fixed(b.capacity.precision).padStart(6)} ${fixed(b.capacity.recall).padStart(6)} ${fixed(b.scorePsi).padStart(6)}  ${largest ? `${fixed(largest[1])} ${largest[0]}` : '—'}`,
    )
  }
  lines.push('')
  if (report.alerts.length === 0) lines.push('no drift above the thresholds')
  for (const a of report.alerts) lines.push(`${a.level.padEnd(7)} ${a.bucket}  ${a.subject} ${a.name}: PSI ${fixed(a.psi)}`)
  return lines.join('\n')
}
