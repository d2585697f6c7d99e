/**
 * The graph's snapshot file: a graph written and read back is the same
 * graph (every column, the node keys — non-ASCII ones too — the rings and
 * the propagated risk), and it goes on exactly as the original; a file cut
 * short or of another kind is refused with the reason, never half used.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import fc from 'fast-check'
import { readGraphSnapshot, writeGraphSnapshot } from '../../src/app/graph-snapshot-file.ts'
import { GraphService } from '../../src/graph/graph-service.ts'
import { event, eventStream, t0 } from './graph-fixtures.ts'

const dir = mkdtempSync(join(tmpdir(), 'xiezhi-graph-snapshot-'))
after(() => rmSync(dir, { recursive: true, force: true }))
const file = join(dir, 'graph-state.snapshot')

/** A snapshot without what only measures the run (the rings' computing time). */
const stateOf = (service: GraphService) => {
  const snapshot = service.snapshot()
  return { ...snapshot, rings: { ...snapshot.rings, stats: { ...snapshot.rings.stats, ms: 0 } } }
}

const roundTrip = (service: GraphService, copy = false) => {
  writeGraphSnapshot(file, { lastDecisionHash: 'a'.repeat(64), takenAtMs: 42, state: service.snapshot(copy) })
  const saved = readGraphSnapshot(file)
  assert.ok(!('unusable' in saved), JSON.stringify(saved))
  assert.deepEqual([saved.lastDecisionHash, saved.takenAtMs], ['a'.repeat(64), 42])
  return GraphService.restore(saved.state)
}

test('a graph written and read back is the same graph, and goes on the same way', async () => {
  await fc.assert(
    fc.property(eventStream(80), fc.boolean(), (events, computeRings) => {
      const online = new GraphService({ rings: { everyMs: 86_400_000, minUsers: 2 } })
      for (const e of events) online.observe(e)
      if (computeRings) online.recompute()
      // written from views over the live arrays (as the engine does) or from copies: the same file
      const restored = roundTrip(online, computeRings)
      assert.deepEqual(stateOf(restored), stateOf(online))
      const next = { ...events[0]!, occurredAtMs: events.at(-1)!.occurredAtMs + 2 * 86_400_000 }
      assert.deepEqual(restored.observe(next), online.observe(next))
      assert.deepEqual(stateOf(restored), stateOf(online))
    }),
    { numRuns: 40 },
  )
})

test('an empty graph and non-ASCII keys come back too', () => {
  const empty = new GraphService()
  assert.deepEqual(stateOf(roundTrip(empty)), stateOf(empty))
  const graph = new GraphService()
  graph.observe(event(t0, { user: ['用户甲'], address: ['北京市朝阳区 1 号'], device: ['d\u0000€'] }))
  graph.observe(event(t0 + 1, { user: ['u2'], address: ['北京市朝阳区 1 号'] }))
  const restored = roundTrip(graph)
  assert.deepEqual(stateOf(restored), stateOf(graph))
  assert.equal(restored.measure(event(t0 + 2, { user: ['u3'], address: ['北京市朝阳区 1 号'] })).usersPerAddress, 2)
})

test('a file cut short or of another kind is refused, with the reason', () => {
  const graph = new GraphService()
  for (let i = 0; i < 500; i++) graph.observe(event(t0 + i, { user: [`u${i}`], device: [`d${i % 40}`], ip: [`i${i % 7}`] }))
  writeGraphSnapshot(file, { lastDecisionHash: 'b'.repeat(64), takenAtMs: 1, state: graph.snapshot() })
  const whole = readFileSync(file)
  truncateSync(file, whole.length - 100)
  assert.match((readGraphSnapshot(file) as { unusable: string }).unusable, /^unreadable: cut short/)
  truncateSync(file, 10)
  assert.match((readGraphSnapshot(file) as { unusable: string }).unusable, /^not a xiezhi-graph-state version 3 file/)
  writeFileSync(file, 'not a snapshot at all')
  assert.match((readGraphSnapshot(file) as { unusable: string }).unusable, /^not a xiezhi-graph-state/)
  assert.deepEqual(readGraphSnapshot(join(dir, 'none')), { unusable: 'no snapshot yet' })
})

test("every tenant's graph is written beside the default tenant's and comes back apart from it", () => {
  const bank = new GraphService()
  const acme = new GraphService()
  for (let i = 0; i < 50; i++) bank.observe(event(t0 + i, { user: [`u${i}`], device: [`d${i % 5}`] }))
  for (let i = 0; i < 30; i++) acme.observe(event(t0 + i, { user: [`a${i}`], device: ['d0'], ip: ['何处'] }))
  writeGraphSnapshot(file, { lastDecisionHash: 'c'.repeat(64), takenAtMs: 7, state: bank.snapshot(), tenants: { acme: acme.snapshot(true) } })
  const saved = readGraphSnapshot(file)
  assert.ok(!('unusable' in saved), JSON.stringify(saved))
  assert.deepEqual(Object.keys(saved.tenants ?? {}), ['acme'])
  assert.deepEqual(stateOf(GraphService.restore(saved.state)), stateOf(bank))
  assert.deepEqual(stateOf(GraphService.restore(saved.tenants!.acme!)), stateOf(acme))
})
