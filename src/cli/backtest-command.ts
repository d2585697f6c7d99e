import { existsSync } from 'node:fs'
import { SingleBar } from 'cli-progress'
import { Command, InvalidArgumentError } from 'commander'
import { readConfig } from '../app/config.ts'
import { loadFeatures, readDocument, strategyCatalogue } from '../app/load-definitions.ts'
import { defaultTenant, openRecords, tenantCatalogues } from '../app/open-engine.ts'
import { saveFinishedBacktest } from '../backtest/backtest-jobs.ts'
import { type BacktestInput, backtestRequest, defaultBlocking } from '../backtest/backtest-request.ts'
import type { BacktestReport, ConfusionMatrix } from '../backtest/backtest-report.ts'
import { runBacktest } from '../backtest/run-backtest.ts'
import { actions } from '../core/actions.ts'
import { XiezhiError } from '../core/errors.ts'
import { ModelRegistry } from '../models/registry/model-registry.ts'
import { TenantModels } from '../models/serving/tenant-models.ts'
import { compileStrategy } from '../strategy/compile-strategy.ts'

interface BacktestOptions {
  strategy: string
  from: string
  to: string
  json?: boolean
  sample?: number
  seed?: number
  save?: boolean
  block?: string
  label?: string
  negatives?: string
  maturityDays?: number
  cutoff?: string
  tenant: string
}

const whole = (value: string) => {
  const n = Number(value)
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('must be a whole number')
  return n
}
const list = (text: string | undefined) => text?.split(',').map((s) => s.trim()).filter((s) => s !== '')

/** The request's field pointers, as the options that set them. */
const optionOf: Record<string, string> = {
  from: '--from',
  to: '--to',
  sample: '--sample',
  seed: '--seed',
  blocking: '--block',
  label: '--label',
  negatives: '--negatives',
  maturityDays: '--maturity-days',
  cutoff: '--cutoff',
}

/** `xiezhi backtest`: a draft strategy replayed over the decision log, point in time, against what was decided live and the labels known now. */
export function backtestCommand(): Command {
  return new Command('backtest')
    .description('replay a period of the decision log through a draft strategy, with features recomputed point in time, and compare with the live decisions and the labels known now (docs/backtests.md)')
    .requiredOption('--strategy <file>', 'the draft strategy, YAML or JSON')
    .requiredOption('--from <when>', 'start: YYYY-MM-DD (a Beijing day) or an ISO 8601 instant')
    .requiredOption('--to <when>', 'end, exclusive')
    .option('--sample <n>', 'changed decisions to show (default 20)', whole)
    .option('--seed <n>', 'seed of the sample (default 1)', whole)
    .option('--block <actions>', `actions that count as blocking in the confusion matrices, comma-separated (default ${defaultBlocking.join(',')})`)
    .option('--label <kind>', 'the positive label kind (default fraud)')
    .option('--negatives <kinds>', 'label kinds that count as negatives, comma-separated (default legitimate)')
    .option('--maturity-days <n>', 'unlabelled events at least this old at the cut-off count as negatives (default 30)', whole)
    .option('--cutoff <when>', 'labels known at or before this moment count (default now)')
    .option('--tenant <tenant>', "whose events are replayed and whose the saved backtest is (a submission of that tenant's strategy cites it)", defaultTenant)
    .option('--save', 'store the report in the data directory and print its id, for a submission to cite')
    .option('--json', 'print the report as one JSON line (no progress bar)')
    .action(async (options: BacktestOptions) => {
      const { id, report } = await backtestHere(options)
      if (options.json) console.log(JSON.stringify(id === undefined ? report : { id, ...report }))
      else console.log(renderReport(report, id))
    })
}

/**
 * In this process, reading the data directory (`XIEZHI_DATA_DIR`) without
 * its lock, like `xiezhi monitor`: a backtest only reads (and with `--save`
 * adds its report), so it can run beside a server deciding with the same
 * directory.
 */
async function backtestHere(options: BacktestOptions): Promise<{ id?: string; report: BacktestReport }> {
  if (!existsSync(options.strategy)) throw new InvalidArgumentError(`--strategy: no file ${options.strategy}`)
  let document: unknown
  try {
    document = readDocument(options.strategy)
  } catch (error) {
    throw new InvalidArgumentError(`--strategy: ${options.strategy} is not ${options.strategy.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`)
  }
  const records = await openRecords(readConfig(process.env))
  try {
    const request = namingOptions(() => backtestRequest(inputOf(options), records.clock.nowMs()))
    const features = loadFeatures(records.config.configDir, records.registry, defaultTenant)
    // the tenant's registry models at the versions their aliases point to now
    const models = await TenantModels.open(new ModelRegistry({ store: records.store, clock: records.clock }), [defaultTenant, options.tenant], new Set(features.map((f) => f.name)))
    const catalogue = tenantCatalogues(strategyCatalogue(features, records.registry, defaultTenant, models.slotsOf(defaultTenant)), records.registry, (t) => models.slotsOf(t))(options.tenant)
    const draft = inStrategyFile(options.strategy, () => compileStrategy(document, catalogue))
    const showProgress = !options.json && process.stderr.isTTY === true
    const bar = showProgress ? new SingleBar({ format: 'backtest {phase} [{bar}] {value}/{total} logged events, {decided} decided, {eta}s left', stream: process.stderr, etaBuffer: 50 }) : undefined
    let started = false
    const report = await runBacktest({ store: records.store, vault: records.vault, definitions: features, tenantId: options.tenant }, draft, request, {
      onProgress: ({ phase, done, total, decided }) => {
        if (!started) bar?.start(total, 0, { phase, decided: 0 })
        started = true
        bar?.update(done, { phase: phase === 'labels' ? 'reading labels' : 'replay', decided })
      },
    }).finally(() => bar?.stop())
    const id = options.save ? await saveFinishedBacktest(records.store, { tenantId: options.tenant, draft, request, report, requestedBy: 'cli', atMs: records.clock.nowMs() }) : undefined
    return { ...(id === undefined ? {} : { id }), report }
  } finally {
    await records.close()
  }
}

function inputOf(options: BacktestOptions): BacktestInput {
  const blocking = list(options.block)
  const negatives = list(options.negatives)
  return {
    from: options.from,
    to: options.to,
    ...(options.sample === undefined ? {} : { sample: options.sample }),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(blocking ? { blocking } : {}),
    ...(options.label === undefined ? {} : { label: options.label }),
    ...(negatives ? { negatives } : {}),
    ...(options.maturityDays === undefined ? {} : { maturityDays: options.maturityDays }),
    ...(options.cutoff === undefined ? {} : { cutoff: options.cutoff }),
  }
}

/** The request's errors, pointing at the options that were given (`--from`) instead of fields. */
function namingOptions<T>(check: () => T): T {
  try {
    return check()
  } catch (error) {
    if (!(error instanceof XiezhiError)) throw error
    throw new XiezhiError(
      error.kind,
      error.message,
      error.issues.map((issue) => {
        const [, field, ...rest] = issue.pointer.split('/')
        const option = optionOf[field ?? '']
        return option ? { ...issue, pointer: [option, ...rest].join('/') } : issue
      }),
    )
  }
}

/** A draft that does not compile: its errors, pointing into the document, under the file's name. */
function inStrategyFile<T>(file: string, compile: () => T): T {
  try {
    return compile()
  } catch (error) {
    if (error instanceof XiezhiError) throw new XiezhiError(error.kind, `${file}: ${error.message}`, error.issues)
    throw error
  }
}

const percent = (rate: number) => `${(rate * 100).toFixed(1)}%`
const points = (change: number) => `${change >= 0 ? '+' : '−'}${Math.abs(change * 100).toFixed(1)} points`
const count = (n: number) => n.toLocaleString('en-US')
const fixed = (value: number | null) => (value === null ? '—' : value.toFixed(3))

/** The report for people: actions, changes, reviews, confusion matrices, rules and overlaps, the sample. */
export function renderReport(report: BacktestReport, id?: string): string {
  const { strategy, period, events, timing } = report
  const lines = [
    `backtest of ${strategy.id} v${strategy.version} (${strategy.eventType}${strategy.product ? `, product ${strategy.product}` : ''})${id ? ` · saved as ${id}` : ''}`,
    `period ${period.from} → ${period.to}; windows warmed up from ${period.warmUpFrom}`,
    `${count(events.decided)} events decided, over a history of ${count(events.logged)} logged events (${count(events.read)} read, ${count(events.replayed)} replayed) in ${timing.seconds.toFixed(2)} s: ${count(timing.loggedEventsPerSecond)} events/s`,
    `features computed: ${report.features.join(', ') || 'none'}`,
    `live: ${report.live.strategies.map((s) => `${s.id} v${s.version} (${count(s.events)})`).join(', ') || '—'}${report.live.withoutStrategy > 0 ? `; ${count(report.live.withoutStrategy)} without a strategy (NO_STRATEGY)` : ''}`,
    '',
    `${'action'.padEnd(10)} ${'draft'.padStart(16)} ${'live'.padStart(16)}`,
    ...actions.map((a) => `${a.padEnd(10)} ${`${count(report.actions.draft[a].events)} (${percent(report.actions.draft[a].rate)})`.padStart(16)} ${`${count(report.actions.live[a].events)} (${percent(report.actions.live[a].rate)})`.padStart(16)}`),
    `approval rate ${percent(report.approvalRate.draft)} against ${percent(report.approvalRate.live)} live: ${points(report.approvalRate.change)}`,
    '',
    `changed: ${count(report.changed.events)} decisions (${percent(report.changed.rate)})${report.changed.transitions.length > 0 ? `: ${report.changed.transitions.map((t) => `${t.live} → ${t.draft} ${count(t.events)}`).join(', ')}` : ''}`,
    `reviews the draft would create: ${count(report.reviews.draft)} (live ${count(report.reviews.live)})`,
    ...report.reviews.perDay.map((d) => `  ${d.day}  ${String(d.draft).padStart(6)} (live ${d.live})`),
    '',
    `labels as known at ${report.labels.cutoff}: positive ${report.labels.positive}; negative ${report.labels.negatives.join(', ') || '—'}, or none and ${report.labels.maturityDays}+ days old; ${count(report.labels.labelsRead)} label events read`,
    `confusion, blocking = ${report.blocking.join(', ')}:`,
    `${''.padEnd(14)} ${'positive'.padStart(9)} ${'negative'.padStart(9)} ${'unknown'.padStart(9)}   precision  recall`,
    ...confusionLines('draft', report.confusion.draft),
    ...confusionLines('live', report.confusion.live),
    '',
    `rules (${count(events.decided)} decisions${report.ruleErrors > 0 ? `, ${count(report.ruleErrors)} with a rule error` : ''}):`,
    ...report.rules.map((r) => `  ${r.id.padEnd(32)} ${(r.node ?? '').padEnd(20)} ${(r.action ?? '').padEnd(8)} ${String(r.hits).padStart(8)} ${percent(r.rate).padStart(7)}`),
  ]
  if (report.overlaps.length > 0) {
    lines.push('', 'rules hitting the same events:')
    for (const o of report.overlaps) lines.push(`  ${o.rules[0]} + ${o.rules[1]}: ${count(o.events)} (${percent(o.shareOfFirst)} of the first's hits, ${percent(o.shareOfSecond)} of the second's)`)
  }
  if (report.changed.sample.length > 0) {
    lines.push('', `a sample of the changed decisions (${report.changed.sample.length} of ${count(report.changed.events)}):`)
    for (const c of report.changed.sample) {
      const reasons = c.reasons.map((r) => `${r.code}${r.ruleId ? ` (${r.ruleId})` : ''}`).join(', ') || 'no rule hit'
      lines.push(`  ${c.occurredAt}  ${c.eventId}  ${c.amountMinor === undefined ? '' : `${count(c.amountMinor)} minor  `}${c.live} → ${c.draft}: ${reasons}`)
    }
  }
  return lines.join('\n')
}

function confusionLines(name: string, m: ConfusionMatrix): string[] {
  const row = (label: string, c: ConfusionMatrix['blocked'], rates: string) =>
    `${label.padEnd(14)} ${String(c.positive).padStart(9)} ${String(c.negative).padStart(9)} ${String(c.unknown).padStart(9)}${rates}`
  return [row(`${name} blocked`, m.blocked, `   ${fixed(m.precision).padStart(9)} ${fixed(m.recall).padStart(7)}`), row(`${name} passed`, m.passed, '')]
}
