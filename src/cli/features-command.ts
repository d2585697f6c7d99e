import { Command, InvalidArgumentError } from 'commander'
import { backfillWithGraph, graphedLogHistory } from '../app/backfill-with-graph.ts'
import { readConfig } from '../app/config.ts'
import { decisionLogHistory } from '../app/decision-log-history.ts'
import { loadFeatures, loadStrategies } from '../app/load-definitions.ts'
import { defaultTenant, openEngine, openRecords } from '../app/open-engine.ts'
import { listsOfTenant } from '../app/tenant-states.ts'
import { parseDayOrInstant } from '../core/day-or-instant.ts'
import { type EntityKind, isEntityKind } from '../events/entities.ts'
import type { EventTypeRegistry } from '../events/event-type-registry.ts'
import { type BackfillRow, backfillFeatures, type HistoricalEvent } from '../features/backfill.ts'
import { describeFeature, featureDefinitionHash } from '../features/feature-catalogue.ts'
import { horizonOf, isGraphDefinition } from '../features/feature-definition.ts'
import { observedEvent } from '../features/observed-event.ts'
import { currentPairValues } from '../features/pair-values.ts'
import { entityGraphValues } from '../graph/graph-feature-catalogue.ts'
import { ListMembership } from '../lists/list-membership.ts'
import { ModelRegistry } from '../models/registry/model-registry.ts'
import { ModelServing } from '../models/serving/model-serving.ts'
import { readBootstrapKey } from './decision-client.ts'
import { readEvents } from './event-source.ts'
import { LineWriter } from './line-writer.ts'

const instant = (value: string) => {
  const ms = parseDayOrInstant(value)
  if (ms === undefined) throw new InvalidArgumentError('give YYYY-MM-DD (a Beijing day) or an ISO 8601 instant')
  return ms
}

/** `xiezhi features …`: the catalogue, current values, dry runs and backfill. */
export function featuresCommand(): Command {
  const features = new Command('features').description('the feature library: list, describe, current values, dry runs, backfill')

  features
    .command('list')
    .description('list the feature catalogue with the strategies that read each feature')
    .option('--json', 'one JSON line')
    .action(async (options: { json?: boolean }) => {
      const items = await catalogue()
      if (options.json) return console.log(JSON.stringify({ items }))
      for (const f of items) {
        const scope = f.window ? `${f.window}${f.delay ? ` delayed ${f.delay}` : ''}${f.includesEvent ? ' +event' : ''}` : f.timeZone
        const version = f.version ? `v${f.version}` : 'new'
        console.log(`${f.name.padEnd(40)} ${version.padEnd(5)} ${f.kind.padEnd(16)} ${(f.entity ?? '—').padEnd(10)} ${String(scope ?? '').padEnd(18)} ${f.usedBy.map((u) => u.strategy).join(', ') || '—'}`)
      }
    })

  features
    .command('describe')
    .description('one feature: its definition and who reads it')
    .argument('<name>')
    .action(async (name: string) => {
      const found = (await catalogue()).find((f) => f.name === name)
      if (!found) {
        console.error(`xiezhi: feature "${name}" does not exist`)
        process.exitCode = 1
        return
      }
      console.log(JSON.stringify(found, null, 2))
    })

  features
    .command('values')
    .description("an entity's current feature values (in this process from the decision log, or from a running server)")
    .argument('<entityType>', 'user, device, phone, …')
    .argument('<entityValue>')
    .option('--server <url>', 'ask a running server')
    .option('--paired-with <type> <value>', 'the features kept per the pair of this entity and another (pairedWith), e.g. --paired-with device <id>')
    .option('--tenant <id>', "whose values, in this process (a server answers for its key's tenant)", defaultTenant)
    .action(async (entityType: string, entityValue: string, options: { server?: string; pairedWith?: string[]; tenant: string }) => {
      if (!isEntityKind(entityType)) throw new InvalidArgumentError(`"${entityType}" is not an entity kind`)
      const [pairedType, pairedValue] = options.pairedWith ?? []
      if (options.pairedWith && (!pairedType || !isEntityKind(pairedType) || !pairedValue)) throw new InvalidArgumentError('--paired-with takes an entity kind and a value')
      if (options.server) return console.log(await ask(options.server, '/v1/features/values', { entityType, entityValue, ...(pairedType ? { pairedType, pairedValue } : {}) }))
      const engine = await openEngine(readConfig(process.env))
      try {
        // the tenant's own state: another tenant's events never count
        const { features, graph } = engine.tenants.read(options.tenant)
        const now = engine.clock.nowMs()
        const asOf = new Date(now).toISOString()
        const blindIndex = (kind: EntityKind, value: string) => engine.vault.blindIndex(kind, value)
        if (pairedType) {
          console.log(JSON.stringify({ entityType, pairedType, asOf, values: currentPairValues(features, blindIndex, { entityType, entityValue, pairedType, pairedValue }, now) }))
          return
        }
        const kind = entityType as EntityKind
        const key = blindIndex(kind, entityValue)
        console.log(JSON.stringify({ entityType, asOf, values: { ...features.valuesOf(kind, key, now), ...entityGraphValues(graph, kind, key, now) } }))
      } finally {
        await engine.close()
      }
    })

  features
    .command('dry-run')
    .description('the features of a hypothetical event (a .json file), without recording it')
    .argument('<file>')
    .option('--server <url>', 'ask a running server')
    .option('--tenant <id>', "whose event, in this process (a server takes its key's tenant)", defaultTenant)
    .action(async (file: string, options: { server?: string; tenant: string }) => {
      const body = await readFirstEvent(file)
      if (options.server) return console.log(await ask(options.server, '/v1/features/dry-run', body))
      const engine = await openEngine(readConfig(process.env))
      try {
        const event = engine.registry.accept(options.tenant, body)
        const observed = observedEvent(event, (kind, value) => engine.vault.blindIndex(kind, value))
        const { features, graph } = engine.tenants.read(event.tenantId)
        console.log(JSON.stringify({ eventId: event.id, eventType: event.type, features: { ...features.read(observed), ...graph.measure(observed) } }))
      } finally {
        await engine.close()
      }
    })

  features
    .command('backfill')
    .description("compute every feature, the graph's measures included, for every event in [from, to), point in time, from the decision log (or an events file)")
    .requiredOption('--from <day>', 'first day (YYYY-MM-DD, Beijing) or instant', instant)
    .requiredOption('--to <day>', 'end, exclusive', instant)
    .option('--events <file>', 'read the history from an NDJSON or CSV file of events (in the order they happened) instead of the decision log')
    .option('--out <file>', 'where to write (default stdout); .csv gives CSV, anything else NDJSON')
    .option('--no-graph', "leave out the graph's measures (the graph is otherwise rebuilt from the start of the history)")
    .option('--tenant <id>', "whose events, from the decision log: the tenant's own feed the windows and the graph, as online", defaultTenant)
    .option('--json', 'print the summary as one JSON line')
    .action(async (options: { from: number; to: number; events?: string; out?: string; graph: boolean; tenant: string; json?: boolean }) => {
      const records = await openRecords(readConfig(process.env))
      try {
        const definitions = loadFeatures(records.config.configDir, records.registry, defaultTenant)
        const since = options.from - horizonOf(definitions)
        const range = { fromMs: options.from, toMs: options.to }
        const started = performance.now()
        const lists = listsOfTenant(await ListMembership.load(records.store), options.tenant)
        // the window features, then the graph's (declared with kind graph), unless left out
        const graphed = options.graph && definitions.some(isGraphDefinition)
        const names = [...definitions.filter((d) => !isGraphDefinition(d)), ...(graphed ? definitions.filter(isGraphDefinition) : [])].map((d) => d.name)
        const backfill = graphed
          ? // the graph keeps all history: it takes the whole log (or file), the windows only from the features' horizon
            backfillWithGraph(definitions, options.events ? everyEvent(fileHistory(options.events, records.registry)) : graphedLogHistory(records.store, records.vault, since, options.tenant), range, { lists })
          : backfillFeatures(definitions, options.events ? fileHistory(options.events, records.registry) : decisionLogHistory(records.store, records.vault, since, 0, options.tenant), range, { lists })
        const rows = await writeRows(backfill, names, options.out)
        const seconds = Math.round((performance.now() - started) / 10) / 100
        const summary = { rows, features: names.length, seconds, from: new Date(options.from).toISOString(), to: new Date(options.to).toISOString() }
        const say = options.out ? console.log : console.error
        say(options.json ? JSON.stringify(summary) : `backfilled ${rows} events × ${names.length} features in ${seconds} s`)
      } finally {
        await records.close()
      }
    })

  return features
}

async function catalogue() {
  const records = await openRecords(readConfig(process.env))
  try {
    const features = loadFeatures(records.config.configDir, records.registry, defaultTenant)
    const models = await ModelServing.open(new ModelRegistry({ store: records.store, clock: records.clock }), defaultTenant, new Set(features.map((f) => f.name)))
    const strategies = loadStrategies(records.config.configDir, features, records.registry, defaultTenant, models.slot)
    const recorded = new Map((await records.store.listFeatureVersions()).map((v) => [v.name, v]))
    // the version is the recorded one when the definition has not changed since the engine last started
    return features.map((d) => {
      const version = recorded.get(d.name)
      return describeFeature(d, strategies.values(), version?.hash === featureDefinitionHash(d) ? version : undefined)
    })
  } finally {
    await records.close()
  }
}

async function ask(server: string, path: string, body?: unknown): Promise<string> {
  const key = readBootstrapKey()
  const response = await fetch(new URL(path, server), {
    method: body === undefined ? 'GET' : 'POST',
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  if (!response.ok) process.exitCode = 1
  return response.text()
}

async function readFirstEvent(file: string): Promise<unknown> {
  for await (const item of readEvents(file)) {
    if (item.error) throw new InvalidArgumentError(`${file} line ${item.line}: ${item.error}`)
    return item.event
  }
  throw new InvalidArgumentError(`${file} holds no event`)
}

/** Events from a file, validated like posted ones; entity values serve as their own keys. */
async function* fileHistory(path: string, registry: EventTypeRegistry): AsyncGenerator<HistoricalEvent> {
  for await (const item of readEvents(path)) {
    if (item.error) throw new InvalidArgumentError(`${path} line ${item.line}: ${item.error}`)
    const event = registry.accept(defaultTenant, item.event)
    yield { eventId: event.id, observed: observedEvent(event, (kind, value) => `${kind}\u0000${value}`) }
  }
}

/** A file's events all feed the windows (and the graph). */
async function* everyEvent(history: AsyncIterable<HistoricalEvent>) {
  for await (const event of history) yield { ...event, features: true }
}

/** CSV (a header, then one row per event, a column per feature name) when the file ends in .csv; NDJSON otherwise. */
async function writeRows(rows: AsyncIterable<BackfillRow>, names: readonly string[], out: string | undefined): Promise<number> {
  const writer = new LineWriter(out)
  const csv = out?.endsWith('.csv') ?? false
  if (csv) writer.write(['eventId', 'eventType', 'occurredAt', ...names].join(','))
  let count = 0
  try {
    for await (const row of rows) {
      count++
      const occurredAt = new Date(row.occurredAtMs).toISOString()
      if (csv) writer.write([csvField(row.eventId), row.eventType, occurredAt, ...names.map((name) => row.values[name])].join(','))
      else writer.write(JSON.stringify({ eventId: row.eventId, eventType: row.eventType, occurredAt, features: row.values }))
    }
  } finally {
    // what was computed before a failure is written out, not lost in the buffer
    writer.close()
  }
  return count
}

/** Event ids are free text: quote them when CSV needs it (RFC 4180). */
const csvField = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text)
