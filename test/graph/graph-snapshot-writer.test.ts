/**
 * The graph snapshot written on a worker thread: the file holds the graph
 * as it stood when `start` copied it, however the graph changes while the
 * file is written; a second write while one is under way is declined; a
 * restore from the file goes on exactly as the graph would have.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { readGraphSnapshot } from '../../src/app/graph-snapshot-file.ts'
import { GraphSnapshotWriter } from '../../src/app/graph-snapshot-writer.ts'
import { GraphService } from '../../src/graph/graph-service.ts'
import { event, label, t0 } from './graph-fixtures.ts'

const dir = mkdtempSync(join(tmpdir(), 'xiezhi-graph-writer-'))
after(() => rmSync(dir, { recursive: true, force: true }))

const eventAt = (i: number) => (i % 50 === 49 ? label(t0 + i * 1_000, { user: [`u${i % 300}`] }) : event(t0 + i * 1_000, { user: [`u${i % 300}`], device: [`d${i % 170}`], ip: [`i${i % 23}`], contacts: [`c${(i * 7) % 400}`] }))
const stateOf = (service: GraphService) => {
  const snapshot = service.snapshot()
  return { ...snapshot, rings: { ...snapshot.rings, stats: { ...snapshot.rings.stats, ms: 0 } } }
}

test('the file holds the graph as it was copied, while the live graph moves on', async () => {
  const file = join(dir, 'graph-state.snapshot')
  const writer = new GraphSnapshotWriter()
  const graph = new GraphService({ rings: { everyMs: 3_600_000, minUsers: 2 } })
  for (let i = 0; i < 5_000; i++) graph.add(eventAt(i))
  const atCopy = stateOf(graph)
  const write = writer.start(file, graph, 'c'.repeat(64), 7)
  assert.ok(write)
  assert.ok(write.copyMs >= 0)
  assert.equal(writer.start(file, graph, 'd'.repeat(64), 8), undefined, 'one write at a time')
  // the graph goes on while the worker writes
  for (let i = 5_000; i < 8_000; i++) graph.add(eventAt(i))
  const { bytes } = await write.written
  assert.ok(bytes > 0)
  assert.equal(writer.busy, false)
  const saved = readGraphSnapshot(file)
  assert.ok(!('unusable' in saved), JSON.stringify(saved))
  assert.deepEqual([saved.lastDecisionHash, saved.takenAtMs], ['c'.repeat(64), 7])
  const restored = GraphService.restore(saved.state)
  assert.deepEqual(stateOf(restored), atCopy)
  // the restored graph, given the events after the copy, is the live graph
  for (let i = 5_000; i < 8_000; i++) restored.add(eventAt(i))
  assert.deepEqual(stateOf(restored), stateOf(graph))
  await writer.close()
})

test('a failed write is reported, and the next one goes through', async () => {
  const writer = new GraphSnapshotWriter()
  const graph = new GraphService()
  for (let i = 0; i < 100; i++) graph.add(eventAt(i))
  await assert.rejects(writer.start(join(dir, 'no-such-dir', 'graph-state.snapshot'), graph, 'e'.repeat(64), 1)!.written, /graph snapshot: ENOENT/)
  const file = join(dir, 'second.snapshot')
  await writer.start(file, graph, 'f'.repeat(64), 2)!.written
  assert.equal((readGraphSnapshot(file) as { lastDecisionHash: string }).lastDecisionHash, 'f'.repeat(64))
  await writer.close()
})
