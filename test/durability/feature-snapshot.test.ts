/**
 * Feature state survives a restart and a kill -9: a server that snapshots
 * its feature state every second, is killed with SIGKILL part-way through a
 * simulated stream, restarted, stopped cleanly and restarted again, gives
 * every event the same feature values as a server that ran the stream
 * without a break. The restarts must come back from the snapshot.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { featureSnapshotFile } from '../../src/app/feature-snapshot-file.ts'
import type { SimulatedEvent } from '../../src/simulation/world.ts'
import { simulate } from '../../src/simulation/simulation.ts'
import { type ServerProcess, startServer } from '../support/server-process.ts'

const threeDaysAgo = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10)

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

/** What the server said about its feature state when it started. */
function startLine(server: ServerProcess): { snapshot: string; replayedEvents: number } {
  const line = server
    .output()
    .split('\n')
    .find((l) => l.includes('"replayedEvents"'))
  assert.ok(line, server.output())
  return JSON.parse(line) as { snapshot: string; replayedEvents: number }
}

test('a restart and a kill -9 give the feature values of an uninterrupted run', { timeout: 240_000 }, async () => {
  const events = [...simulate({ seed: 5, days: 2, customers: 300, start: threeDaysAgo })].slice(0, 1_500)
  const dirs = [mkdtempSync(join(tmpdir(), 'xiezhi-snapshot-a-')), mkdtempSync(join(tmpdir(), 'xiezhi-snapshot-b-'))]
  try {
    const uninterrupted = await startServer({ dataDir: dirs[0]!, env: { XIEZHI_FEATURE_SNAPSHOT_SECONDS: '0' } })
    const expected: Record<string, number>[] = []
    try {
      for (const event of events) expected.push(await decide(uninterrupted, event))
    } finally {
      await uninterrupted.stop('SIGTERM')
    }

    const env = { XIEZHI_FEATURE_SNAPSHOT_SECONDS: '1' }
    let server = await startServer({ dataDir: dirs[1]!, env })
    const killAt = 600
    const stopAt = 1_100
    for (let i = 0; i < killAt; i++) assert.deepEqual(await decide(server, events[i]!), expected[i], `event ${i}`)
    // at least one periodic snapshot, then some decisions after it that only the decision log holds
    const file = featureSnapshotFile(dirs[1]!)
    while (!existsSync(file)) await new Promise((r) => setTimeout(r, 100))
    for (let i = killAt; i < killAt + 20; i++) assert.deepEqual(await decide(server, events[i]!), expected[i], `event ${i}`)
    await server.stop('SIGKILL')

    server = await startServer({ dataDir: dirs[1]!, env })
    const afterKill = startLine(server)
    assert.equal(afterKill.snapshot, 'restored')
    // events acknowledged before the kill are replays now (same bytes); the rest are decided afresh
    for (let i = killAt - 10; i < stopAt; i++) assert.deepEqual(await decide(server, events[i]!), expected[i], `event ${i} after kill -9`)
    await server.stop('SIGTERM')

    server = await startServer({ dataDir: dirs[1]!, env })
    const afterStop = startLine(server)
    assert.deepEqual(afterStop, { ...afterStop, snapshot: 'restored', replayedEvents: 0 }, 'a clean stop leaves a snapshot with everything in it')
    for (let i = stopAt; i < events.length; i++) assert.deepEqual(await decide(server, events[i]!), expected[i], `event ${i} after a restart`)
    await server.stop('SIGTERM')
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  }
})
