/**
 * The graph survives a restart and a kill -9 without a rebuild from the
 * whole log: a server that snapshots its state every second, is killed with
 * SIGKILL part-way through a simulated stream (labels included), restarted,
 * stopped cleanly and restarted again, gives every event the same graph
 * measures as a server that ran the stream without a break. The restarts
 * must come back from the graph's snapshot and add only the log after it.
 */
import assert from 'node:assert/strict'
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { graphSnapshotFile } from '../../src/app/graph-snapshot-file.ts'
import { graphFeatureNames } from '../../src/graph/graph-measures.ts'
import { simulate } from '../../src/simulation/simulation.ts'
import { defaultWorldConfig } from '../../src/simulation/world-config.ts'
import type { SimulatedEvent } from '../../src/simulation/world.ts'
import { type ServerProcess, startServer } from '../support/server-process.ts'

const sixDaysAgo = new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10)

/**
 * The simulated labels of a few days are not risk labels yet (fraud is known
 * days later): a fraud label on every 40th application, 30 events on; every
 * other one sent again from another source 10 events later (a repeat), and
 * every third withdrawn 20 events later.
 */
function withFraudLabels(events: SimulatedEvent[]): SimulatedEvent[] {
  const labelled: SimulatedEvent[] = []
  const due = new Map<number, { subject: SimulatedEvent; id: string; data?: Record<string, unknown> }[]>()
  const schedule = (at: number, label: { subject: SimulatedEvent; id: string; data?: Record<string, unknown> }) => due.set(at, [...(due.get(at) ?? []), label])
  let applications = 0
  events.forEach((event, i) => {
    labelled.push(event)
    for (const { subject, id, data } of due.get(i) ?? []) {
      labelled.push({ id, type: 'label', occurredAt: event.occurredAt, data: { subjectEventId: subject.id, label: 'fraud', userId: subject.data.userId, source: 'review-desk', ...data } })
    }
    if (event.type === 'credit.application' && applications++ % 40 === 0) {
      const n = Math.floor(applications / 40)
      schedule(i + 30, { subject: event, id: `${event.id}-fraud` })
      if (n % 2 === 0) schedule(i + 40, { subject: event, id: `${event.id}-fraud-again`, data: { source: 'chargeback' } })
      if (n % 3 === 0) schedule(i + 50, { subject: event, id: `${event.id}-fraud-withdrawn`, data: { withdrawn: true } })
    }
  })
  return labelled
}
const decided = ['credit.application', 'loan.drawdown', 'login', 'label']

/** Reads every graph measure, so that each decision records them all. */
const strategy = (eventType: string) => `
id: ${eventType.replace('.', '-')}-graph
version: 1
eventType: ${eventType}
defaultAction: approve
ruleSets:
  - id: graph
    mode: parallel
    rules:
      - id: reads-every-graph-measure
        when: >-
          ${graphFeatureNames.map((name) => `double(features.${name})`).join(' + ')} > 1000000000.0
        action: review
        reason: { code: NEVER, zh: 不会命中, en: Never hits }
`

async function decide(server: ServerProcess, event: SimulatedEvent): Promise<Record<string, number>> {
  const response = await fetch(`${server.url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(event),
    signal: AbortSignal.timeout(15_000),
  })
  const body = await response.text()
  assert.ok(response.status === 200 || response.status === 201, `${event.id}: ${response.status} ${body}`)
  return (JSON.parse(body) as { features: Record<string, number> }).features
}

/** What the server said about its graph when it started. */
function graphStart(server: ServerProcess): { graphSnapshot: string; graphAddedEvents: number } {
  const line = server
    .output()
    .split('\n')
    .find((l) => l.includes('"graphAddedEvents"'))
  assert.ok(line, server.output())
  return JSON.parse(line) as { graphSnapshot: string; graphAddedEvents: number }
}

test('a restart and a kill -9 give the graph measures of an uninterrupted run, from the snapshot', { timeout: 300_000 }, async () => {
  const world = { ...defaultWorldConfig, fraudRings: { applicationShare: 0.3, members: [4, 10] as [number, number] } }
  const events = withFraudLabels([...simulate({ seed: 8, days: 6, customers: 150, start: sixDaysAgo, labelEvents: true, config: world })])
  assert.ok(events.length > 1_000, `${events.length} events`)
  const root = mkdtempSync(join(tmpdir(), 'xiezhi-graph-restart-'))
  const configDir = join(root, 'config')
  mkdirSync(join(configDir, 'strategies'), { recursive: true })
  cpSync(new URL('../../config/features.yaml', import.meta.url).pathname, join(configDir, 'features.yaml'))
  for (const type of decided) writeFileSync(join(configDir, 'strategies', `${type}.yaml`), strategy(type))
  const dirs = [join(root, 'a'), join(root, 'b')]
  const graphOf = (features: Record<string, number>) => Object.fromEntries(graphFeatureNames.map((name) => [name, features[name]]))
  try {
    const uninterrupted = await startServer({ dataDir: dirs[0]!, env: { XIEZHI_CONFIG_DIR: configDir, XIEZHI_FEATURE_SNAPSHOT_SECONDS: '0' } })
    const expected: Record<string, number>[] = []
    try {
      for (const event of events) expected.push(graphOf(await decide(uninterrupted, event)))
    } finally {
      await uninterrupted.stop('SIGTERM')
    }
    assert.ok(expected.some((values) => values.usersPerDevice! > 0) && expected.some((values) => values.riskUsers2h30d! > 0), 'the measures are not all 0')

    const env = { XIEZHI_CONFIG_DIR: configDir, XIEZHI_FEATURE_SNAPSHOT_SECONDS: '1' }
    let server = await startServer({ dataDir: dirs[1]!, env })
    assert.equal(graphStart(server).graphSnapshot, 'no snapshot yet')
    const killAt = 500
    const stopAt = 900
    const check = async (i: number, when: string) => assert.deepEqual(graphOf(await decide(server, events[i]!)), expected[i], `event ${i} ${when}`)
    for (let i = 0; i < killAt; i++) await check(i, '')
    // at least one periodic snapshot, then some decisions after it that only the decision log holds
    const file = graphSnapshotFile(dirs[1]!)
    while (!existsSync(file)) await new Promise((r) => setTimeout(r, 100))
    for (let i = killAt; i < killAt + 20; i++) await check(i, '')
    await server.stop('SIGKILL')

    server = await startServer({ dataDir: dirs[1]!, env })
    const afterKill = graphStart(server)
    assert.equal(afterKill.graphSnapshot, 'restored')
    assert.ok(afterKill.graphAddedEvents < killAt + 20, `${afterKill.graphAddedEvents} events added after the snapshot`)
    // events acknowledged before the kill are replays now (same bytes); the rest are decided afresh
    for (let i = killAt - 10; i < stopAt; i++) await check(i, 'after kill -9')
    await server.stop('SIGTERM')

    server = await startServer({ dataDir: dirs[1]!, env })
    assert.deepEqual(graphStart(server), { ...graphStart(server), graphSnapshot: 'restored', graphAddedEvents: 0 }, 'a clean stop leaves a snapshot with everything in it')
    for (let i = stopAt; i < events.length; i++) await check(i, 'after a restart')
    await server.stop('SIGTERM')
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})
