/**
 * One definition, two executions: over a simulated month, the feature values
 * each decision recorded online equal those the offline backfill computes
 * from the decision log, for every feature kind (window kinds plain, delayed
 * and including the event; calendar kinds).
 */
import assert from 'node:assert/strict'
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { parse, stringify } from 'yaml'
import { readConfig } from '../../src/app/config.ts'
import { decisionLogHistory } from '../../src/app/decision-log-history.ts'
import { defaultTenant, openEngine } from '../../src/app/open-engine.ts'
import { backfillFeatures } from '../../src/features/backfill.ts'
import { featureKinds } from '../../src/features/feature-definition.ts'
import { ListService } from '../../src/lists/list-service.ts'
import { simulate } from '../../src/simulation/simulation.ts'
import { defaultWorldConfig } from '../../src/simulation/world-config.ts'
import { tempDataDir } from '../support/temp-engine.ts'

const shipped = new URL('../../config', import.meta.url).pathname

/** A feature of every kind on the simulated lending events, beside the shipped catalogue. */
const extraFeatures = [
  { name: 'drawdownAvgMinorPerUser7d', kind: 'avg', entity: 'user', eventTypes: ['loan.drawdown'], field: '/amountMinor', window: '7d' },
  { name: 'requestedMinMinorPerDevice30d', kind: 'min', entity: 'device', eventTypes: ['credit.application'], field: '/amountMinor', window: '30d' },
  { name: 'drawdownStddevMinorPerUser30d', kind: 'stddev', entity: 'user', eventTypes: ['loan.drawdown'], field: '/amountMinor', window: '30d' },
  { name: 'deviceFirstSeenSeconds30d', kind: 'first_seen', entity: 'device', eventTypes: ['login', 'credit.application', 'account.registered'], window: '30d' },
  { name: 'lastRequestedMinorPerUser30d', kind: 'last', entity: 'user', eventTypes: ['credit.application'], field: '/amountMinor', window: '30d' },
  { name: 'secondsSinceLoginPerUser7d', kind: 'time_since_last', entity: 'user', eventTypes: ['login'], window: '7d' },
  { name: 'clicksPerDevice1hWithThis', kind: 'count', entity: 'device', eventTypes: ['marketing.click'], window: '1h', includesEvent: true },
  { name: 'drawdownSumMinorPerCard1dWithThis', kind: 'sum', entity: 'bank_card', eventTypes: ['loan.drawdown'], field: '/amountMinor', window: '1d', includesEvent: true },
  { name: 'loginsPerUser7dToYesterday', kind: 'count', entity: 'user', eventTypes: ['login'], window: '7d', delay: '1d' },
  { name: 'daysPastDueAvgPerUser30dKnown', kind: 'avg', entity: 'user', eventTypes: ['loan.repayment'], field: '/daysPastDue', window: '30d', delay: '2d' },
  { name: 'drawdownMaxMinorPerUser30dKnown', kind: 'max', entity: 'user', eventTypes: ['loan.drawdown'], field: '/amountMinor', window: '30d', delay: '1d' },
  { name: 'telemetryRunMinutesLastPerMachine1d', kind: 'last', entity: 'equipment', eventTypes: ['equipment.telemetry'], field: '/runMinutes', window: '1d' },
  { name: 'largeDrawdownsPerUser30d', kind: 'count', entity: 'user', eventTypes: ['loan.drawdown'], window: '30d', where: 'event.data.amountMinor >= 1000000' },
  { name: 'ipsPerDeviceApproximate30d', kind: 'distinct_count', entity: 'device', of: 'ip', approximate: true, eventTypes: ['login', 'credit.application'], window: '30d' },
  { name: 'loginsPerUserAndDevice7d', kind: 'count', entity: 'user', pairedWith: 'device', eventTypes: ['login'], window: '7d' },
  // a label names only a user: a device count over labels is non-zero only through the keys it inherits from its event
  { name: 'fakeTrafficLabelsPerDevice30d', kind: 'count', entity: 'device', eventTypes: ['label'], window: '30d', where: "event.data.label == 'fake_traffic'" },
  { name: 'userOnWatchList', kind: 'in_list', entity: 'user', list: 'watched-users', eventTypes: ['login', 'credit.application', 'loan.drawdown'] },
  { name: 'drawdownAvgYuanPerUser7d', kind: 'expression', expression: 'features.drawdownsPerUser7d == 0 ? 0.0 : features.drawdownAvgMinorPerUser7d / 100.0' },
  { name: 'localHour', kind: 'hour_of_day', eventTypes: ['login', 'loan.drawdown', 'credit.application', 'marketing.click'] },
  { name: 'localWeekday', kind: 'day_of_week', eventTypes: ['login', 'loan.drawdown', 'credit.application', 'marketing.click'] },
]

test('online == offline for every feature kind over a simulated month', async () => {
  const data = tempDataDir('xiezhi-online-offline-')
  const configDir = join(data.dir, 'config')
  cpSync(join(shipped, 'features.yaml'), join(configDir, 'features.yaml'))
  const catalogue = parse(readFileSync(join(configDir, 'features.yaml'), 'utf8')) as { features: { name: string; kind: string }[] }
  catalogue.features.push(...(extraFeatures as never[]))
  writeFileSync(join(configDir, 'features.yaml'), stringify(catalogue))
  assert.deepEqual(new Set(catalogue.features.map((f) => f.kind)), new Set(featureKinds), 'every kind is declared')
  // for each event type, a strategy that reads every feature, so that each decision records them all (the graph's
  // excepted: the backfill of the graph is test/features/graph-offline.test.ts's)
  mkdirSync(join(configDir, 'strategies'))
  const doubles = new Set(['avg', 'stddev', 'first_seen', 'time_since_last', 'expression'])
  const types = ['account.registered', 'login', 'credit.application', 'loan.drawdown', 'loan.repayment', 'complaint', 'marketing.click', 'equipment.telemetry', 'label']
  for (const type of types) {
    const rules = catalogue.features.filter((f) => f.kind !== 'graph').map((f) => ({
      id: `reads-${f.name}`,
      when: `features.${f.name} < ${doubles.has(f.kind) ? '-1000000000.0' : '-1000000000'}`,
      action: 'review',
      reason: { code: 'NEVER', zh: '从不', en: 'never' },
    }))
    writeFileSync(join(configDir, 'strategies', `${type}.yaml`), stringify({ id: `reads-all-${type.replace('.', '-')}`, version: 1, eventType: type, defaultAction: 'approve', ruleSets: [{ id: 'all', mode: 'parallel', rules }] }))
  }
  // the clock follows the simulated month, so that list entries are added at simulated times
  let nowMs = Date.parse('2026-01-01T00:00:00Z')
  const engine = await openEngine(readConfig({ XIEZHI_DATA_DIR: data.dir, XIEZHI_CONFIG_DIR: configDir }, { authDisabled: true }), { clock: { nowMs: () => nowMs } })
  const lists = new ListService({ store: engine.store, membership: engine.lists, vault: engine.vault, clock: engine.clock })
  await lists.createList(defaultTenant, { name: 'watched-users', kind: 'grey', entityKind: 'user' }, 'test')
  const watched = new Set<string>()
  try {
    const online = new Map<string, Record<string, number>>()
    const start = '2026-01-01'
    const config = { ...defaultWorldConfig, customers: { ...defaultWorldConfig.customers, smeShare: 0.1 } }
    for (const event of simulate({ seed: 11, days: 30, customers: 250, start, labelEvents: true, config })) {
      nowMs = Date.parse(event.occurredAt) + 1_000
      const { body } = await engine.decisions.decide(defaultTenant, event)
      online.set(event.id, (JSON.parse(body) as { features: Record<string, number> }).features)
      // every 40th applicant goes on the watch list from then on: the backfill must see the list as it stood
      const userId = (event.data as { userId?: string }).userId
      if (event.type === 'credit.application' && userId && !watched.has(userId) && online.size % 40 === 0) {
        watched.add(userId)
        await lists.addEntries(defaultTenant, 'watched-users', [{ value: userId, reason: 'test', source: 'test' }], 'test')
      }
    }
    assert.ok(online.size > 3_000, `${online.size} events`)
    let compared = 0
    const nonZero = new Set<string>()
    const startMs = Date.parse('2025-12-31T16:00:00Z')
    for await (const row of backfillFeatures(engine.features.definitions, decisionLogHistory(engine.store, engine.vault, 0), { fromMs: startMs, toMs: startMs + 30 * 86_400_000 }, { lists: engine.lists })) {
      const recorded = online.get(row.eventId)
      assert.ok(recorded, `${row.eventId} was decided online`)
      assert.deepEqual(row.values, recorded, `${row.eventId} (${row.eventType})`)
      for (const [name, value] of Object.entries(row.values)) if (value > 0) nonZero.add(name)
      compared++
    }
    assert.equal(compared, online.size)
    // a comparison of zeros proves nothing: every extra feature took a value somewhere
    assert.deepEqual(extraFeatures.filter((f) => !nonZero.has(f.name)).map((f) => f.name), [])
  } finally {
    await engine.close()
    data.remove()
  }
})
