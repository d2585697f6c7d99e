import { readFileSync, writeFileSync } from 'node:fs'
import { Command, InvalidArgumentError, Option } from 'commander'
import { parse as parseYaml } from 'yaml'
import { readConfig } from '../app/config.ts'
import { lockDataDir } from '../app/data-dir-lock.ts'
import { loadFeatures, strategyCatalogue } from '../app/load-definitions.ts'
import { defaultTenant, openRecords, tenantCatalogues } from '../app/open-engine.ts'
import { XiezhiError } from '../core/errors.ts'
import { type ArmComparison, compareArms } from '../monitoring/arm-comparison.ts'
import { type ArmComparisonInput, armComparisonRequest } from '../monitoring/arm-comparison-request.ts'
import { decisionLogSource } from '../monitoring/decision-log-source.ts'
import type { Rate } from '../monitoring/proportions.ts'
import { ModelRegistry } from '../models/registry/model-registry.ts'
import { TenantModels } from '../models/serving/tenant-models.ts'
import type { DeploymentInput } from '../strategy/lifecycle/deployment-input.ts'
import type { DocumentDiff } from '../strategy/lifecycle/strategy-diff.ts'
import { StrategyLifecycle } from '../strategy/lifecycle/strategy-lifecycle.ts'
import { strategyJsonSchema } from '../strategy/lifecycle/strategy-schema.ts'
import {
  type DeploymentView,
  type DetailView,
  type DocumentView,
  type SummaryView,
  type VersionView,
  deploymentView,
  detailView,
  documentView,
  summaryView,
  versionView,
} from '../strategy/lifecycle/strategy-views.ts'
import { documentAsYaml } from '../strategy/lifecycle/strategy-yaml.ts'
import { byOption, serverOption } from './models-command.ts'
import { callServer } from './server-call.ts'

type DiffView = DocumentDiff & { id: string; from: number; to: number }

/** What the commands ask for, answered in this process (from the data directory) or by a running server: the same JSON either way. */
export interface StrategiesBackend {
  all(): Promise<{ items: SummaryView[] }>
  one(id: string): Promise<DetailView>
  version(id: string, version: number): Promise<DocumentView>
  draft(id: string, document: Record<string, unknown>): Promise<VersionView>
  replace(id: string, version: number, document: Record<string, unknown>): Promise<VersionView>
  submit(id: string, version: number, input: { backtestId?: string; note?: string }): Promise<VersionView>
  approve(id: string, version: number, input: { deploy?: boolean; note?: string }): Promise<{ version: VersionView; deployment: DeploymentView | null }>
  reject(id: string, version: number, input: { note: string }): Promise<VersionView>
  withdraw(id: string, version: number, input: { note?: string }): Promise<VersionView>
  deploy(id: string, input: DeploymentInput): Promise<DeploymentView>
  rollback(id: string, note?: string): Promise<DeploymentView>
  diff(id: string, from: number, to: number): Promise<DiffView>
  arms(id: string, input: ArmComparisonInput): Promise<ArmComparison>
  close(): Promise<void>
}

const whole = (value: string) => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number from 1')
  return n
}
const challenger = (value: string, earlier: { version: number; share: number }[] = []) => {
  const match = /^(\d+):(\d+(?:\.\d+)?)$/.exec(value)
  if (!match) throw new InvalidArgumentError('give VERSION:SHARE, e.g. 4:10 for version 4 on 10% of the traffic')
  return [...earlier, { version: Number(match[1]), share: Number(match[2]) }]
}
const shadow = (value: string, earlier: number[] = []) => [...earlier, whole(value)]

/** `xiezhi strategies …`: the strategy lifecycle — drafts, submission, approval by someone else, deployments, rollback, diff. */
export function strategiesCommand(): Command {
  const strategies = new Command('strategies').description('the strategy lifecycle: drafts, submission, approval by a second person, deployments (champion, challengers, shadows), rollback, diff')

  strategies
    .command('list')
    .description('the strategies: decision point, what runs, versions by state')
    .addOption(serverOption())
    .addOption(tenantOption())
    .option('--json', 'one JSON line')
    .action(async (options: { server?: string; tenant?: string; json?: boolean }) => {
      await withBackend(options, 'read', async (backend) => {
        const { items } = await backend.all()
        if (options.json) return console.log(JSON.stringify({ items }))
        if (items.length === 0) return console.log('no strategies')
        for (const s of items) {
          const point = s.product ? `${s.eventType}/${s.product}` : s.eventType
          const states = Object.entries(s.versions).filter(([, v]) => v.length > 0).map(([state, v]) => `${state} ${v.map((n) => `v${n}`).join(',')}`).join('  ')
          console.log(`${s.id.padEnd(28)} ${point.padEnd(32)} ${s.live ? armsLine(s.live) : 'not deployed'}   ${states}`)
        }
      })
    })

  strategies
    .command('show')
    .description("a strategy's versions, what runs and its deployments; or one version with its document (and, submitted, what its approver sees)")
    .argument('<id>')
    .argument('[version]', 'a version number', whole)
    .addOption(serverOption())
    .addOption(tenantOption())
    .option('--json', 'one JSON line')
    .action(async (id: string, version: number | undefined, options: { server?: string; tenant?: string; json?: boolean }) => {
      await withBackend(options, 'read', async (backend) => {
        if (version !== undefined) {
          const v = await backend.version(id, version)
          if (options.json) return console.log(JSON.stringify(v))
          console.log(versionLine(v))
          if (v.review?.backtest) console.log(`backtest ${v.review.backtest.id} (${v.review.backtest.status}): ${JSON.stringify(v.review.backtest.figures)}`)
          if (v.review?.diff) console.log(`against live v${v.review.against}:\n  ${v.review.diff.lines.join('\n  ') || '(no change)'}`)
          return
        }
        const d = await backend.one(id)
        if (options.json) return console.log(JSON.stringify(d))
        console.log(`strategy ${d.id} (${d.product ? `${d.eventType}/${d.product}` : d.eventType})`)
        for (const v of d.versions) console.log(`  ${versionLine(v)}`)
        console.log(`  runs: ${d.live ? armsLine(d.live) : 'not deployed'}${d.rollbackTo ? `; a rollback goes to ${armsLine(d.rollbackTo)}` : ''}`)
        for (const m of d.deployments) console.log(`  ${m.movedAt} ${m.kind.padEnd(8)} ${armsLine(m)} by ${m.movedBy}${m.note ? ` (${m.note})` : ''}`)
      })
    })

  strategies
    .command('export')
    .description('a version as YAML, for config/strategies or import (default: the live champion, else the latest version)')
    .argument('<id>')
    .option('--version <n>', 'the version', whole)
    .option('--out <file>', 'write to this file instead of stdout')
    .addOption(serverOption())
    .addOption(tenantOption())
    .action(async (id: string, options: { version?: number; out?: string; server?: string; tenant?: string }) => {
      await withBackend(options, 'read', async (backend) => {
        const d = options.version === undefined ? await backend.one(id) : undefined
        const version = options.version ?? d?.live?.champion ?? d!.versions[d!.versions.length - 1]!.version
        const v = await backend.version(id, version)
        const text = documentAsYaml(JSON.stringify(v.document), `${id} version ${version} (${v.state}${v.approvedBy ? `, approved by ${v.approvedBy}` : ''})`)
        if (options.out) writeFileSync(options.out, text)
        else process.stdout.write(text)
      })
    })

  strategies
    .command('import')
    .description("a YAML or JSON file as a new draft (the strategy's next version); with --replace, as the new document of the draft it names")
    .argument('<file>')
    .option('--id <id>', "the strategy (default: the file's id)")
    .option('--replace', "replace the draft of the file's version instead of adding one")
    .option('--renumber', "ignore the file's version: the draft takes the next number")
    .addOption(serverOption())
    .addOption(tenantOption())
    .addOption(byOption())
    .option('--json', 'one JSON line')
    .action(async (file: string, options: { id?: string; replace?: boolean; renumber?: boolean; server?: string; tenant?: string; by: string; json?: boolean }) => {
      const document = readDocumentFile(file)
      const id = options.id ?? (typeof document.id === 'string' ? document.id : undefined)
      if (!id) throw new XiezhiError('invalid_input', `${file} has no id: give --id`, [{ pointer: '/document/id', code: 'required', message: 'the strategy id' }])
      if (options.renumber) delete document.version
      await withBackend(options, 'write', async (backend) => {
        if (options.replace && typeof document.version !== 'number') throw new XiezhiError('invalid_input', `${file} has no version: --replace replaces the draft of that version`, [{ pointer: '/document/version', code: 'required', message: 'the version of the draft to replace' }])
        const v = options.replace ? await backend.replace(id, document.version as number, document) : await backend.draft(id, document)
        if (options.json) return console.log(JSON.stringify(v))
        console.log(`${options.replace ? 'replaced' : 'drafted'} ${v.id} v${v.version} (sha256 ${v.hash.slice(0, 12)}…) by ${v.authors[v.authors.length - 1]}; submit it with: xiezhi strategies submit ${v.id} ${v.version}`)
      })
    })

  strategies
    .command('submit')
    .description('submit a draft for approval (its document is frozen), optionally citing a finished backtest of it')
    .argument('<id>')
    .argument('<version>', 'the draft', whole)
    .option('--backtest <id>', 'a finished backtest of this very document')
    .option('--note <text>', 'for the approver')
    .addOption(serverOption())
    .addOption(tenantOption())
    .addOption(byOption())
    .option('--json', 'one JSON line')
    .action(async (id: string, version: number, options: { backtest?: string; note?: string; server?: string; tenant?: string; by: string; json?: boolean }) => {
      await withBackend(options, 'write', async (backend) => {
        const v = await backend.submit(id, version, { ...(options.backtest ? { backtestId: options.backtest } : {}), ...(options.note ? { note: options.note } : {}) })
        if (options.json) return console.log(JSON.stringify(v))
        console.log(`submitted ${v.id} v${v.version} by ${v.submittedBy}${v.backtestId ? ` with backtest ${v.backtestId}` : ''}; another user approves it with: xiezhi strategies approve ${v.id} ${v.version}`)
      })
    })

  strategies
    .command('approve')
    .description('approve a submitted version (not one you wrote or submitted) and make it the champion')
    .argument('<id>')
    .argument('<version>', 'the submitted version', whole)
    .option('--no-deploy', 'approve only: deploy it later with xiezhi strategies deploy')
    .option('--note <text>', 'why')
    .addOption(serverOption())
    .addOption(tenantOption())
    .addOption(byOption())
    .option('--json', 'one JSON line')
    .action(async (id: string, version: number, options: { deploy: boolean; note?: string; server?: string; tenant?: string; by: string; json?: boolean }) => {
      await withBackend(options, 'write', async (backend) => {
        const approved = await backend.approve(id, version, { deploy: options.deploy, ...(options.note ? { note: options.note } : {}) })
        if (options.json) return console.log(JSON.stringify(approved))
        console.log(`approved ${id} v${version} by ${approved.version.approvedBy}${approved.deployment ? `; runs: ${armsLine(approved.deployment)}` : ''}`)
      })
    })

  strategies
    .command('reject')
    .description('reject a submitted version (not one you wrote or submitted), saying why; its author writes a new draft')
    .argument('<id>')
    .argument('<version>', 'the submitted version', whole)
    .requiredOption('--note <text>', 'why: the author reads it')
    .addOption(serverOption())
    .addOption(tenantOption())
    .addOption(byOption())
    .option('--json', 'one JSON line')
    .action(async (id: string, version: number, options: { note: string; server?: string; tenant?: string; by: string; json?: boolean }) => {
      await withBackend(options, 'write', async (backend) => {
        const v = await backend.reject(id, version, { note: options.note })
        if (options.json) return console.log(JSON.stringify(v))
        console.log(`rejected ${v.id} v${v.version} by ${v.rejectedBy}: ${v.rejectNote}`)
      })
    })

  strategies
    .command('withdraw')
    .description('withdraw a version you wrote or submitted from approval; write a new draft from it')
    .argument('<id>')
    .argument('<version>', 'the submitted version', whole)
    .option('--note <text>', 'why')
    .addOption(serverOption())
    .addOption(tenantOption())
    .addOption(byOption())
    .option('--json', 'one JSON line')
    .action(async (id: string, version: number, options: { note?: string; server?: string; tenant?: string; by: string; json?: boolean }) => {
      await withBackend(options, 'write', async (backend) => {
        const v = await backend.withdraw(id, version, options.note ? { note: options.note } : {})
        if (options.json) return console.log(JSON.stringify(v))
        console.log(`withdrew ${v.id} v${v.version} by ${v.withdrawnBy}; write a new draft from it with: xiezhi strategies export ${v.id} --version ${v.version}`)
      })
    })

  strategies
    .command('deploy')
    .description('change what runs: a champion, challengers on a share of the traffic (by a hash of the applicant), shadows')
    .argument('<id>')
    .requiredOption('--champion <n>', 'the version that takes the rest of the traffic', whole)
    .option('--challenger <version:share>', 'a version on a percentage of the traffic; repeat for more', challenger)
    .option('--shadow <n>', 'a version that decides every event without effect; repeat for more', shadow)
    .option('--note <text>', 'why')
    .addOption(serverOption())
    .addOption(tenantOption())
    .addOption(byOption())
    .option('--json', 'one JSON line')
    .action(async (id: string, options: { champion: number; challenger?: { version: number; share: number }[]; shadow?: number[]; note?: string; server?: string; tenant?: string; by: string; json?: boolean }) => {
      await withBackend(options, 'write', async (backend) => {
        const d = await backend.deploy(id, { champion: options.champion, challengers: options.challenger ?? [], shadows: options.shadow ?? [], ...(options.note ? { note: options.note } : {}) })
        if (options.json) return console.log(JSON.stringify(d))
        console.log(`deployed ${id}: ${armsLine(d)} by ${d.movedBy}`)
      })
    })

  strategies
    .command('rollback')
    .description('go back to the deployment before the current one (again for one more step)')
    .argument('<id>')
    .option('--note <text>', 'why')
    .addOption(serverOption())
    .addOption(tenantOption())
    .addOption(byOption())
    .option('--json', 'one JSON line')
    .action(async (id: string, options: { note?: string; server?: string; tenant?: string; by: string; json?: boolean }) => {
      await withBackend(options, 'write', async (backend) => {
        const d = await backend.rollback(id, options.note)
        if (options.json) return console.log(JSON.stringify(d))
        console.log(`rolled back ${id}: ${armsLine(d)} by ${d.movedBy}`)
      })
    })

  strategies
    .command('diff')
    .description('what changed between two versions, rules and rows named by id')
    .argument('<id>')
    .argument('<from>', 'a version', whole)
    .argument('<to>', 'a version', whole)
    .addOption(serverOption())
    .addOption(tenantOption())
    .option('--json', 'one JSON line')
    .action(async (id: string, from: number, to: number, options: { server?: string; tenant?: string; json?: boolean }) => {
      await withBackend(options, 'read', async (backend) => {
        const diff = await backend.diff(id, from, to)
        if (options.json) return console.log(JSON.stringify(diff))
        console.log(diff.lines.length === 0 ? `${id} v${from} and v${to} are the same` : diff.lines.join('\n'))
      })
    })

  strategies
    .command('arms')
    .description('compare the versions in service on real outcomes: action rates, fraud caught, bad rate at 30 days past due of the loans approvals led to, shadows, the split check (docs/monitoring.md)')
    .argument('<id>')
    .requiredOption('--from <when>', 'start of the period the decisions were made in: YYYY-MM-DD (a Beijing day) or an ISO 8601 instant')
    .requiredOption('--to <when>', 'end, exclusive')
    .option('--cutoff <when>', 'labels and loan events known at or before this moment count (default now)')
    .option('--fraud-label <kind>', 'the label kind of fraud caught (default fraud)')
    .option('--bad-labels <kinds>', 'label kinds that make a loan bad, comma-separated (default default,charge_off)')
    .option('--days-past-due <n>', 'days past due that make a loan bad (default 30)', whole)
    .addOption(serverOption())
    .addOption(tenantOption())
    .option('--json', 'one JSON line')
    .action(async (id: string, options: ArmComparisonInput & { server?: string; tenant?: string; json?: boolean }) => {
      const { server, tenant, json, ...given } = options
      const input = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as unknown as ArmComparisonInput
      await withBackend({ ...(server ? { server } : {}), ...(tenant ? { tenant } : {}) }, 'read', async (backend) => {
        const report = await backend.arms(id, input)
        console.log(json ? JSON.stringify(report) : armsTable(report))
        process.exitCode = report.sampleRatio?.mismatch ? 2 : 0
      })
    })

  strategies
    .command('schema')
    .description('the JSON Schema of a strategy document, for editors (docs/reference/strategy.schema.json)')
    .action(() => console.log(JSON.stringify(strategyJsonSchema(), null, 2)))

  return strategies
}

const armsLine = (d: { champion: number; challengers: { version: number; share: number }[]; shadows: number[] }) =>
  [`v${d.champion}`, ...d.challengers.map((c) => `v${c.version} on ${c.share}%`), ...d.shadows.map((v) => `v${v} in shadow`)].join(', ')

const percent = (r: Rate) => (r.rate === null ? '—' : `${(r.rate * 100).toFixed(1)}% [${(r.low! * 100).toFixed(1)}–${(r.high! * 100).toFixed(1)}]`)
const ofCount = (r: Rate) => `${r.count}/${r.of}`

/** The comparison as a table: one line per arm and shadow, rates with their 95 % intervals, then the split check. */
export function armsTable(report: ArmComparison): string {
  const lines = [
    `${report.strategyId} (${report.eventType}) · decisions ${report.from} → ${report.to} · outcomes known at ${report.cutoff}`,
    `bad: ${report.bad.daysPastDue}+ days past due, or labelled ${report.bad.labels.join(', ')}; of the approvals drawn and mature at the cut-off`,
    '',
    `${'version'.padEnd(18)} ${'decisions'.padStart(9)}  ${'approve'.padEnd(20)} ${'review'.padEnd(20)} ${'reject'.padEnd(20)} ${'fraud caught'.padEnd(28)} ${'bad rate'.padEnd(28)} not drawn  immature  agreement`,
  ]
  const row = (label: string, f: ArmComparison['arms'][number] | ArmComparison['shadows'][number], agreement?: Rate) =>
    lines.push(
      `${label.padEnd(18)} ${String(f.decisions).padStart(9)}  ${percent(f.approvalRate).padEnd(20)} ${percent(f.reviewRate).padEnd(20)} ${percent(f.rejectRate).padEnd(20)} ${`${ofCount(f.fraudCaught)} ${percent(f.fraudCaught)}`.padEnd(28)} ${`${ofCount(f.badRate)} ${percent(f.badRate)}`.padEnd(28)} ${String(f.approvals.notDrawn).padStart(9)} ${String(f.approvals.immature).padStart(9)}  ${agreement ? percent(agreement) : '—'}`,
    )
  for (const a of report.arms) row(`v${a.version} ${a.arm}`, a)
  for (const s of report.shadows) row(`v${s.version} shadow`, s, s.agreement)
  lines.push('')
  const split = report.sampleRatio
  if (!split) lines.push('no challenger in service: no split to check')
  else {
    const shares = Object.entries(split.expected).map(([v, share]) => `v${v} ${share}% → ${split.observed[v]}`).join(', ')
    lines.push(`${split.mismatch ? 'SAMPLE RATIO MISMATCH' : 'split as given'}: ${shares}; χ² ${split.chiSquare}, p ${split.pValue.toPrecision(3)}`)
  }
  return lines.join('\n')
}

const versionLine = (v: VersionView) =>
  `v${String(v.version).padEnd(4)} ${(v.role ? `${v.state} (${v.role})` : v.state).padEnd(18)} written by ${v.authors.join(', ')} ${v.updatedAt}` +
  (v.submittedBy ? `; submitted by ${v.submittedBy}${v.backtestId ? ` with backtest ${v.backtestId}` : ''}` : '') +
  (v.approvedBy ? `; approved by ${v.approvedBy} ${v.approvedAt}` : '') +
  (v.rejectedBy ? `; rejected by ${v.rejectedBy} ${v.rejectedAt}: ${v.rejectNote}` : '') +
  (v.withdrawnBy ? `; withdrawn by ${v.withdrawnBy} ${v.withdrawnAt}${v.withdrawNote ? `: ${v.withdrawNote}` : ''}` : '')

function readDocumentFile(file: string): Record<string, unknown> {
  const text = readFileSync(file, 'utf8')
  let document: unknown
  try {
    document = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text)
  } catch (error) {
    throw new XiezhiError('invalid_input', `${file} is not ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`)
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) throw new XiezhiError('invalid_input', `${file} does not hold a strategy document (an object)`)
  return document as Record<string, unknown>
}

/** Whose strategies: the data directory's default tenant unless told; a server acts for its API key's tenant, so the two are not mixed. */
const tenantOption = () => new Option('--tenant <tenant>', `the tenant whose strategies these are (default: ${defaultTenant}; with --server, the API key's tenant)`)

async function withBackend(options: { server?: string; by?: string; tenant?: string }, mode: 'read' | 'write', work: (backend: StrategiesBackend) => Promise<void>) {
  if (options.server && options.tenant !== undefined) {
    throw new XiezhiError('invalid_input', "--tenant is for the data directory: a server acts for its API key's tenant (XIEZHI_API_KEY)", [
      { pointer: '/tenant', code: 'invalid_value', message: 'drop --tenant, or use an API key of that tenant (xiezhi keys create --tenant …)' },
    ])
  }
  const backend = options.server ? httpBackend(options.server) : await localBackend(options.tenant ?? defaultTenant, options.by ?? 'cli', mode)
  try {
    await work(backend)
  } finally {
    await backend.close()
  }
}

/**
 * In this process, over the data directory; a change takes the directory's
 * lock (with a server running, use --server). A deployment made here is
 * recorded; the engine serves it from its next start.
 */
async function localBackend(tenantId: string, actor: string, mode: 'read' | 'write'): Promise<StrategiesBackend> {
  const config = readConfig(process.env)
  const unlock = mode === 'write' ? lockDataDir(config.dataDir) : () => {}
  try {
    const records = await openRecords(config)
    const features = loadFeatures(config.configDir, records.registry, defaultTenant)
    const models = await TenantModels.open(new ModelRegistry({ store: records.store, clock: records.clock }), [defaultTenant, tenantId], new Set(features.map((f) => f.name)))
    const catalogue = tenantCatalogues(strategyCatalogue(features, records.registry, defaultTenant, models.slotsOf(defaultTenant)), records.registry, (t) => models.slotsOf(t))
    const lifecycle = new StrategyLifecycle({ store: records.store, clock: records.clock, catalogue, requireBacktest: config.requireBacktest })
    const draftView = (record: Parameters<typeof versionView>[0]['record']) => versionView({ record, state: record.state, role: null })
    return {
      all: async () => ({ items: (await lifecycle.strategies(tenantId)).map(summaryView) }),
      one: async (id) => detailView(await lifecycle.strategy(tenantId, id)),
      async version(id, version) {
        const status = await lifecycle.version(tenantId, id, version)
        return documentView(status, status.state === 'submitted' ? await lifecycle.review(tenantId, id, version) : undefined)
      },
      draft: async (id, document) => draftView(await lifecycle.createDraft(tenantId, id, { document }, actor)),
      replace: async (id, version, document) => draftView(await lifecycle.replaceDraft(tenantId, id, version, { document }, actor)),
      submit: async (id, version, input) => draftView(await lifecycle.submit(tenantId, id, version, input, actor)),
      async approve(id, version, input) {
        const { version: record, deployment } = await lifecycle.approve(tenantId, id, version, input, actor)
        return { version: versionView({ record, state: deployment ? 'live' : 'approved', role: deployment ? 'champion' : null }), deployment: deployment && deploymentView(deployment) }
      },
      reject: async (id, version, input) => draftView(await lifecycle.reject(tenantId, id, version, input, actor)),
      withdraw: async (id, version, input) => draftView(await lifecycle.withdraw(tenantId, id, version, input, actor)),
      deploy: async (id, input) => deploymentView(await lifecycle.deploy(tenantId, id, input, actor)),
      rollback: async (id, note) => deploymentView(await lifecycle.rollback(tenantId, id, actor, note)),
      diff: async (id, from, to) => ({ id, from, to, ...(await lifecycle.diff(tenantId, id, from, to)) }),
      async arms(id, input) {
        const d = await lifecycle.strategy(tenantId, id)
        const live = d.chain?.current
        if (!live) throw new XiezhiError('not_found', `No strategy "${id}" is in service`, [{ pointer: '/strategyId', code: 'unknown_strategy', message: 'names no strategy of the tenant in service' }])
        const request = armComparisonRequest(input, { strategyId: id, eventType: d.eventType, champion: live.champion, challengers: live.challengers }, records.clock.nowMs())
        return compareArms(decisionLogSource(records.store, (sealed) => records.vault.open(sealed), tenantId), request)
      },
      async close() {
        await records.close()
        unlock()
      },
    }
  } catch (error) {
    unlock()
    throw error
  }
}

/** A running server over HTTP: the actor is the server's API key. */
function httpBackend(server: string): StrategiesBackend {
  const call = async <T>(method: string, path: string, body?: unknown) => (await callServer<T>(server, method, path, body)).body
  const strategy = (id: string) => `/v1/strategies/${encodeURIComponent(id)}`
  return {
    all: () => call('GET', '/v1/strategies'),
    one: (id) => call('GET', strategy(id)),
    version: (id, version) => call('GET', `${strategy(id)}/versions/${version}`),
    draft: (id, document) => call('POST', `${strategy(id)}/drafts`, { document }),
    replace: (id, version, document) => call('PUT', `${strategy(id)}/versions/${version}`, { document }),
    submit: (id, version, input) => call('POST', `${strategy(id)}/versions/${version}/submit`, input),
    approve: (id, version, input) => call('POST', `${strategy(id)}/versions/${version}/approve`, input),
    reject: (id, version, input) => call('POST', `${strategy(id)}/versions/${version}/reject`, input),
    withdraw: (id, version, input) => call('POST', `${strategy(id)}/versions/${version}/withdraw`, input),
    deploy: (id, input) => call('POST', `${strategy(id)}/deployments`, input),
    rollback: (id, note) => call('POST', `${strategy(id)}/rollback`, note ? { note } : {}),
    diff: (id, from, to) => call('GET', `${strategy(id)}/diff?from=${from}&to=${to}`),
    arms: (id, input) => call('GET', `/v1/monitoring/strategies/${encodeURIComponent(id)}/arms?${new URLSearchParams(Object.entries(input).map(([k, v]) => [k, String(v)]))}`),
    close: async () => {},
  }
}
