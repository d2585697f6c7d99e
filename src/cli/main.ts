import { readFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { Command, InvalidArgumentError } from 'commander'
import { readConfig } from '../app/config.ts'
import { loadFeatures, strategyCatalogue } from '../app/load-definitions.ts'
import { ModelRegistry } from '../models/registry/model-registry.ts'
import { type ModelUse, pinnedModelSlots } from '../models/serving/model-serving.ts'
import { defaultDemoOptions } from '../app/demo-traffic.ts'
import { defaultTenant, openRecords } from '../app/open-engine.ts'
import { XiezhiError } from '../core/errors.ts'
import { explainDecision } from '../decisions/explain-decision.ts'
import { openClient } from './decision-client.ts'
import { readEvents } from './event-source.ts'
import { replay } from './replay-command.ts'
import { serve } from './serve-command.ts'
import { featuresCommand } from './features-command.ts'
import { listsCommand } from './lists-command.ts'
import { modelsCommand } from './models-command.ts'
import { strategiesCommand } from './strategies-command.ts'
import { trainCommand } from './train-command.ts'
import { monitorCommand } from './monitor-command.ts'
import { usersCommand } from './users-command.ts'
import { evalCommand } from './eval-command.ts'
import { backtestCommand } from './backtest-command.ts'
import { backtestsCommand } from './backtests-command.ts'
import { runSimulation } from './simulate-command.ts'

const integer = (value: string) => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number')
  return n
}

const positive = (value: string) => {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number above 0')
  return n
}

// `xiezhi … | head` closes the pipe early: that is a normal end, not a crash
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0)
  throw error
})

const program = new Command('xiezhi').description('Xiezhi (獬豸): real-time risk decisions with reasons').showHelpAfterError()

program
  .command('serve')
  .description('start the decision API on the embedded default (SQLite under XIEZHI_DATA_DIR, default ./data)')
  .option('-p, --port <port>', 'port (default: PORT or 8710)', integer)
  .option('--host <host>', 'address to listen on (default: HOST or 127.0.0.1)')
  .option('--demo', 'also feed the engine simulated traffic in the background: the last days of a lending population, up to now')
  .option('--demo-rate <perSecond>', 'demo events per second', positive, defaultDemoOptions.rate)
  .option('--demo-days <n>', 'days of simulated history the demo plays', positive, defaultDemoOptions.days)
  .option('--demo-customers <n>', 'customers in the demo population', integer, defaultDemoOptions.customers)
  .option('--demo-seed <n>', 'seed of the demo population', integer, defaultDemoOptions.seed)
  .action((options: { port?: number; host?: string; demo?: boolean; demoRate: number; demoDays: number; demoCustomers: number; demoSeed: number }) =>
    serve(
      { ...(options.port !== undefined ? { port: options.port } : {}), ...(options.host ? { host: options.host } : {}) },
      options.demo ? { rate: options.demoRate, days: options.demoDays, customers: options.demoCustomers, seed: options.demoSeed } : undefined,
    ),
  )

program
  .command('decide')
  .description('decide the events of a file (.json: one event; .ndjson or .csv: many) or of stdin (NDJSON); prints one decision per line')
  .argument('[file]', 'file, or - for stdin', '-')
  .option('--server <url>', 'send to a running server instead of deciding in this process')
  .action(async (file: string, options: { server?: string }) => {
    const client = await openClient(options)
    let failed = 0
    const items = file.endsWith('.json') ? oneEvent(readFileSync(file, 'utf8')) : readEvents(file)
    for await (const item of items) {
      if (item.error) {
        failed++
        console.log(JSON.stringify({ line: item.line, error: item.error }))
        continue
      }
      const { status, body } = await client.decide(item.event)
      if (status !== 200) failed++
      console.log(body)
    }
    await client.close()
    process.exitCode = failed > 0 ? 1 : 0
  })

program
  .command('replay')
  .description('send every event of an NDJSON or CSV file through the engine or a running server and sum up')
  .argument('<file>', 'NDJSON (one event per line) or CSV (id,type,occurredAt,data)')
  .option('--server <url>', 'drive a running server over HTTP')
  .option('--rate <perSecond>', 'target events per second (0 = as fast as possible)', integer, 0)
  .option('--concurrency <n>', 'requests in flight', integer, 16)
  .option('--json', 'print one JSON line with the figures')
  .action(async (file: string, options: { server?: string; rate: number; concurrency: number; json?: boolean }) => {
    await replay(file, { ...options, json: options.json ?? false })
  })

program
  .command('simulate')
  .description('write the events of a simulated lending population as NDJSON, in time order, deterministic for a seed; ground truth goes to --labels')
  .option('--days <n>', 'length of the period in days', positive, 30)
  .option('--customers <n>', 'customers in the population (on the book at the start or arriving during the period)', integer, 10_000)
  .option('--seed <n>', 'seed: the same seed and options give the same events', integer, 1)
  .option('--start <date>', 'first day, YYYY-MM-DD (Beijing time), or an ISO 8601 instant', '2026-01-01')
  .option('--out <file>', 'events file (default: stdout)')
  .option('--labels <file>', 'ground truth file: one line per labelled event, with the scenario and when the lender learns it')
  .option('--label-events', 'also put delayed label events into the stream, at the time each truth becomes known')
  .option('--config <file>', 'YAML overriding the world\'s rates (see docs/simulation.md)')
  .option('--id-prefix <prefix>', 'prefix of event ids (default sim<seed>-)')
  .option('--report', 'decide every event with the shipped strategies on a throw-away engine and report, per scenario, the catch rate, and per decision point the approval and false-positive rates')
  .option('--json', 'print the summary (or the report) as one JSON line')
  .action(async (options: { days: number; customers: number; seed: number; start: string; out?: string; labels?: string; labelEvents?: boolean; config?: string; idPrefix?: string; report?: boolean; json?: boolean }) => {
    await runSimulation({ ...options, labelEvents: options.labelEvents ?? false, report: options.report ?? false, json: options.json ?? false })
  })

program
  .command('explain')
  .description('re-run a stored decision from its record and show whether it reproduces')
  .argument('<decisionId>')
  .option('--tenant <tenant>', "whose decision it is (replayed with that tenant's event types and registry models)", defaultTenant)
  .option('--json', 'print the explanation as JSON')
  .action(async (decisionId: string, options: { tenant: string; json?: boolean }) => {
    const records = await openRecords(readConfig(process.env))
    try {
      const features = loadFeatures(records.config.configDir, records.registry, defaultTenant)
      const catalogue = strategyCatalogue(features, records.registry, options.tenant)
      const registry = new ModelRegistry({ store: records.store, clock: records.clock })
      const models = { pinned: (tenantId: string, uses: Record<string, ModelUse>) => pinnedModelSlots(registry, tenantId, uses) }
      const explanation = await explainDecision({ ...records, catalogue, models }, options.tenant, decisionId)
      if (options.json) console.log(JSON.stringify(explanation))
      else {
        const d = explanation.decision
        console.log(`decision   ${d.decisionId} (${d.eventType} ${d.eventId})`)
        console.log(`strategy   ${d.strategy ? `${d.strategy.id} v${d.strategy.version}` : 'none'}`)
        console.log(`action     ${d.action}${d.offer ? ` (limit ${d.offer.limitMinor} minor units, ${d.offer.aprBps} bps)` : ''}`)
        console.log(`scores     ${JSON.stringify(d.scores)}`)
        for (const [score, use] of Object.entries(d.models ?? {})) console.log(`model      ${score}: ${use.model} version ${use.version} (alias ${use.alias})`)
        console.log(`path       ${explanation.path.join(' → ') || '(not recorded)'}`)
        console.log(`hits       ${explanation.hits.join(', ') || 'no rule hit'}`)
        for (const r of d.reasons) console.log(`reason     ${r.code}: ${r.message.en} / ${r.message.zh} ${JSON.stringify(r.evidence)}`)
        console.log(explanation.reproduced ? 'replayed   same outcome from the record' : `replayed   DIFFERENT:\n  ${explanation.differences.join('\n  ')}`)
      }
      process.exitCode = explanation.reproduced ? 0 : 2
    } finally {
      await records.close()
    }
  })

program.addCommand(featuresCommand())
program.addCommand(listsCommand())
program.addCommand(modelsCommand())
program.addCommand(strategiesCommand())
program.addCommand(trainCommand())
program.addCommand(monitorCommand())
program.addCommand(backtestCommand())
program.addCommand(backtestsCommand())
program.addCommand(evalCommand())
program.addCommand(usersCommand())

const keys = program.command('keys').description('API keys for machine clients')
keys
  .command('create')
  .description('create a key and print it once (only its hash is stored)')
  .option('--name <name>', 'what the key is for', 'default')
  .option('--tenant <tenant>', 'tenant the key acts for', defaultTenant)
  .option('--owner <username>', "a workbench user of the tenant the key acts as: their roles, and their name in four-eyes checks (so one person's keys count as one person)")
  .action(async (options: { name: string; tenant: string; owner?: string }) => {
    const records = await openRecords(readConfig(process.env))
    try {
      const owner = options.owner === undefined ? null : await records.store.users.getUser(options.owner)
      if (owner !== null && (owner?.tenantId !== options.tenant || owner.disabledAtMs !== null)) {
        console.error(`--owner: ${options.owner} is not an active workbench user of tenant ${options.tenant} (xiezhi users list)`)
        process.exitCode = 2
        return
      }
      const { key } = await records.apiKeys.create(options.name, options.tenant, owner?.username ?? null)
      console.log(key)
    } finally {
      await records.close()
    }
  })
keys
  .command('list')
  .description('list keys (never their secrets)')
  .action(async () => {
    const records = await openRecords(readConfig(process.env))
    for (const k of await records.apiKeys.list()) {
      console.log(`${k.id}  ${k.tenantId}  ${k.name}${k.owner ? `  as ${k.owner}` : ''}  created ${new Date(k.createdAtMs).toISOString()}${k.revokedAtMs ? `  revoked ${new Date(k.revokedAtMs).toISOString()}` : ''}`)
    }
    await records.close()
  })
keys
  .command('revoke')
  .argument('<id>')
  .action(async (id: string) => {
    const records = await openRecords(readConfig(process.env))
    const revoked = await records.apiKeys.revoke(id)
    console.log(revoked ? `revoked ${id}` : `no active key ${id}`)
    process.exitCode = revoked ? 0 : 1
    await records.close()
  })

program
  .command('bench')
  .description('run the decision benchmark (same as npm run bench)')
  .allowUnknownOption()
  .argument('[args...]')
  .action((args: string[]) => {
    const bench = new URL('../../bench/decisions.bench.ts', import.meta.url).pathname
    const result = spawnSync(process.execPath, ['--import', 'tsx', bench, ...args], { stdio: 'inherit' })
    process.exitCode = result.status ?? 1
  })

async function* oneEvent(text: string): AsyncGenerator<{ line: number; event?: unknown; error?: string }> {
  try {
    yield { line: 1, event: JSON.parse(text) }
  } catch (error) {
    yield { line: 1, error: `not JSON: ${(error as Error).message}` }
  }
}

program.parseAsync().catch((error: unknown) => {
  if (error instanceof XiezhiError) {
    console.error(`xiezhi: ${error.message}`)
    for (const issue of error.issues) console.error(`  ${issue.pointer || '/'}: ${issue.message} (${issue.code})`)
  } else if (error instanceof InvalidArgumentError) {
    // a bad argument found inside a command: said like commander's own, without a stack trace
    console.error(`xiezhi: ${error.message}`)
  } else console.error(error)
  process.exit(1)
})
