/**
 * The graph's measures inside decisions: a strategy reads them as
 * features, point in time (an event sees the graph before it is added), a
 * fraud label raises the risk of those linked to the labelled user, a
 * restart restores the same graph from its snapshot (or, without one, from
 * the log), and investigators explore it over HTTP.
 */
import assert from 'node:assert/strict'
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { parse, stringify } from 'yaml'
import { buildServer } from '../../src/api/build-server.ts'
import { readConfig } from '../../src/app/config.ts'
import { graphSnapshotFile } from '../../src/app/graph-snapshot-file.ts'
import { type Engine, defaultTenant, openEngine } from '../../src/app/open-engine.ts'
import type { Decision } from '../../src/decisions/decision.ts'
import { explainDecision } from '../../src/decisions/explain-decision.ts'
import { exampleEvent, tempDataDir } from '../support/temp-engine.ts'

const data = tempDataDir('xiezhi-graph-decisions-')
const configDir = join(data.dir, 'config')
const nowMs = Date.parse('2026-11-27T12:00:00Z')
const clock = { nowMs: () => nowMs }
const config = () => readConfig({ XIEZHI_DATA_DIR: join(data.dir, 'data'), XIEZHI_CONFIG_DIR: configDir, LOG_LEVEL: 'silent' }, { authDisabled: true })
let engine: Engine
let n = 0

const strategy = `
id: application-graph
version: 1
eventType: credit.application
defaultAction: approve
onRuleError: review
ruleSets:
  - id: graph
    mode: parallel
    rules:
      - id: linked-to-fraud
        when: features.riskUsers2h30d >= 1
        action: reject
        reason: { code: LINKED_TO_FRAUD, zh: 关联用户有欺诈标签, en: Linked to a user labelled fraud }
      - id: shared-device
        when: features.usersPerDevice >= 2
        action: review
        reason: { code: SHARED_DEVICE, zh: 设备被多人共用, en: Device shared by several users }
`

const apply = async (user: string, device: string) => {
  n++
  const event = exampleEvent('credit.application', {
    id: `evt-graph-${n}`,
    occurredAt: new Date(nowMs - 3_600_000 + n * 60_000).toISOString(),
    data: { applicationId: `app-graph-${n}`, userId: user, deviceId: device, phone: `1390000${String(n).padStart(4, '0')}`, idNumber: `11010119900307${String(n).padStart(4, '0')}`, ip: `203.0.113.${n}`, bankCard: `62220202001122${String(n).padStart(5, '0')}`, contacts: [], address: `地址 ${n}` },
  })
  return JSON.parse((await engine.decisions.decide(defaultTenant, event)).body) as Decision
}

before(async () => {
  mkdirSync(join(configDir, 'strategies'), { recursive: true })
  copyFileSync(new URL('../../config/features.yaml', import.meta.url).pathname, join(configDir, 'features.yaml'))
  writeFileSync(join(configDir, 'strategies', 'credit-application.yaml'), strategy)
  engine = await openEngine(config(), { clock })
})
after(async () => {
  await engine.close()
  data.remove()
})

test('a strategy reads graph measures as they stood before the event', async () => {
  const first = await apply('u-a', 'dev-shared')
  assert.deepEqual([first.action, first.features.usersPerDevice], ['approve', 0])
  const second = await apply('u-b', 'dev-shared')
  assert.deepEqual([second.action, second.features.usersPerDevice], ['approve', 1])
  const third = await apply('u-c', 'dev-shared')
  assert.deepEqual([third.action, third.features.usersPerDevice, third.reasons.map((r) => r.code)], ['review', 2, ['SHARED_DEVICE']])
  const explanation = await explainDecision(engine, defaultTenant, third.decisionId)
  assert.equal(explanation.reproduced, true)
})

test('a fraud label reaches the users linked to the labelled one', async () => {
  const label = exampleEvent('label', { id: 'evt-graph-label', occurredAt: new Date(nowMs - 60_000).toISOString(), data: { subjectEventId: 'evt-graph-1', label: 'fraud', userId: 'u-a', source: 'review-desk' } })
  await engine.decisions.decide(defaultTenant, label)
  const linked = await apply('u-d', 'dev-shared')
  assert.ok(linked.features.riskUsers2h30d! >= 1)
  assert.equal(linked.action, 'reject')
  assert.ok(linked.reasons.some((r) => r.code === 'LINKED_TO_FRAUD'))
  const stranger = await apply('u-e', 'dev-alone')
  assert.deepEqual([stranger.action, stranger.features.riskUsers2h30d], ['approve', 0])
})

test('a restart restores the same graph from its snapshot, or from the log; investigators explore it', async () => {
  const before = engine.graph.measure({ type: 'credit.application', occurredAtMs: nowMs, data: {}, keys: { device: [engine.vault.blindIndex('device', 'dev-shared')] } })
  await engine.close()
  engine = await openEngine(config(), { clock })
  const after = engine.graph.measure({ type: 'credit.application', occurredAtMs: nowMs, data: {}, keys: { device: [engine.vault.blindIndex('device', 'dev-shared')] } })
  assert.deepEqual(after, before)
  assert.equal(after.graphUsers2h30d, 4)
  assert.deepEqual([engine.graphRebuilt.snapshot, engine.graphRebuilt.events], ['restored', 0], 'a clean stop left a snapshot with everything in it')
  // without the snapshot, the whole log gives the same graph
  const state = engine.graph.snapshot()
  await engine.close()
  rmSync(graphSnapshotFile(config().dataDir))
  engine = await openEngine(config(), { clock })
  assert.equal(engine.graphRebuilt.snapshot, 'no snapshot yet')
  assert.equal(engine.graphRebuilt.events, 6, 'every decision of the log')
  assert.deepEqual(engine.graph.snapshot(), state)
  const { app } = await buildServer(engine)
  try {
    const reply = await app.inject({ method: 'POST', url: '/v1/graph/neighbourhood', payload: { kind: 'device', value: 'dev-shared', hops: 1 } })
    assert.equal(reply.statusCode, 200, reply.body)
    const body = reply.json() as { nodes: { kind: string; labels: string[] }[] }
    assert.deepEqual(body.nodes.filter((x) => x.kind === 'user').length, 4)
    assert.ok(body.nodes.some((x) => x.labels.includes('fraud')))
    assert.equal((await app.inject({ url: '/v1/graph/neighbourhood?hops=2' })).json().errors[0].pointer, '/query/kind')
    assert.equal((await app.inject({ url: '/v1/graph/rings' })).statusCode, 200)
  } finally {
    await app.close()
  }
})

test('a library without graph features: a strategy cannot read them, decisions carry none, and the graph still takes every event', async () => {
  await engine.close()
  const shipped = parse(readFileSync(new URL('../../config/features.yaml', import.meta.url), 'utf8')) as { features: { kind: string }[] }
  writeFileSync(join(configDir, 'features.yaml'), stringify({ features: shipped.features.filter((f) => f.kind !== 'graph') }))
  await assert.rejects(openEngine(config(), { clock }), /riskUsers2h30d/, 'the strategy reads a graph feature no longer declared')
  writeFileSync(join(configDir, 'strategies', 'credit-application.yaml'), strategy.replace('version: 1', 'version: 2').replace(/features\.riskUsers2h30d >= 1/, 'features.applicationsPerDevice24h >= 100').replace(/features\.usersPerDevice >= 2/, 'features.applicationsPerDevice24h >= 200'))
  engine = await openEngine(config(), { clock })
  try {
    const events = engine.graph.graph.events
    assert.deepEqual(engine.graph.measureNames, [])
    const decided = await apply('u-f', 'dev-shared')
    assert.deepEqual(Object.keys(decided.features).filter((name) => /^(usersPer|graph|risk|ring|component|propagated)/.test(name)), [])
    assert.equal(engine.graph.graph.events, events + 1, 'the event was added')
  } finally {
    copyFileSync(new URL('../../config/features.yaml', import.meta.url).pathname, join(configDir, 'features.yaml'))
    writeFileSync(join(configDir, 'strategies', 'credit-application.yaml'), strategy)
  }
})
