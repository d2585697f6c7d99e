import assert from 'node:assert/strict'
import { test } from 'node:test'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { deserialize, serialize } from 'node:v8'
import fc from 'fast-check'
import { decisionLogHistory } from '../../src/app/decision-log-history.ts'
import { addHistory } from '../../src/app/rebuild-graph.ts'
import { defaultTenant } from '../../src/app/open-engine.ts'
import { simulatedHistory } from '../../src/graph/evaluation/simulated-history.ts'
import type { GraphEvent } from '../../src/graph/graph-event.ts'
import type { GraphOptionsInput } from '../../src/graph/graph-options.ts'
import { GraphService } from '../../src/graph/graph-service.ts'
import { simulate } from '../../src/simulation/simulation.ts'
import { openTestEngine, tempDataDir } from '../support/temp-engine.ts'
import { defaultWorldConfig } from '../../src/simulation/world-config.ts'
import { eventStream } from './graph-fixtures.ts'

function shmDir() {
  const dir = mkdtempSync('/dev/shm/xiezhi-graph-')
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** A snapshot without what only measures the run (the rings' computing time). */
const stateOf = (service: GraphService) => {
  const snapshot = service.snapshot()
  return { ...snapshot, rings: { ...snapshot.rings, stats: { ...snapshot.rings.stats, ms: 0 } } }
}

/** A graph rebuilt from a history as a start rebuilds it (`addHistory`), the rings then computed once at its end unless `ringsAtEnd` is false. */
async function rebuild(history: AsyncIterable<{ observed: GraphEvent }> | Iterable<{ observed: GraphEvent }>, options: GraphOptionsInput = {}, ringsAtEnd = true): Promise<GraphService> {
  const graph = new GraphService(options)
  await addHistory(graph, history)
  if (ringsAtEnd) graph.recompute()
  return graph
}

test('a rebuild from the same events gives identical state, and a snapshot restores it exactly', async () => {
  await fc.assert(
    fc.asyncProperty(eventStream(80), async (events) => {
      const online = new GraphService()
      for (const e of events) online.observe(e)
      online.recompute()
      const rebuilt = await rebuild(events.map((observed) => ({ observed })))
      assert.deepEqual(stateOf(rebuilt), stateOf(online))
      const restored = GraphService.restore(deserialize(serialize(online.snapshot())))
      assert.deepEqual(stateOf(restored), stateOf(online))
      // and it goes on the same way
      const next = events[0]!
      assert.deepEqual(restored.observe({ ...next, occurredAtMs: next.occurredAtMs + 1 }), online.observe({ ...next, occurredAtMs: next.occurredAtMs + 1 }))
      assert.deepEqual(restored.snapshot().graph, online.snapshot().graph)
    }),
    { numRuns: 40 },
  )
})

test('the graph rebuilt from the decision log equals the graph built from the decisions as they were made', async () => {
  // on tmpfs where there is one: each decision waits for its own commit here
  const data = existsSync('/dev/shm') ? shmDir() : tempDataDir('xiezhi-graph-')
  const engine = await openTestEngine(data.dir)
  try {
    const config = { ...defaultWorldConfig, fraudRings: { applicationShare: 0.3, members: [5, 12] as [number, number] } }
    const options = { seed: 4, days: 20, customers: 150, labelEvents: true, config }
    for (const event of simulate(options)) await engine.decisions.decide(defaultTenant, event)
    // online: the same events in the same order, keyed by the engine's vault, labels with their subject's keys
    const online = new GraphService()
    const { events } = simulatedHistory(options, (kind, value) => engine.vault.blindIndex(kind, value))
    for (const { observed } of events) online.observe(observed)
    online.recompute()
    const rebuilt = await rebuild(decisionLogHistory(engine.store, engine.vault, 0))
    assert.ok(rebuilt.graph.edges.count > 500 && rebuilt.graph.events === events.length, `${rebuilt.graph.edges.count} edges, ${rebuilt.graph.events} events`)
    assert.ok(rebuilt.graph.labels.riskLabels.some((n) => n > 0), 'some risk labels')
    assert.deepEqual(stateOf(rebuilt), stateOf(online))
  } finally {
    await engine.close()
    data.remove()
  }
})

test('rings recomputed on an event-time schedule come back identical from a rebuild', async () => {
  await fc.assert(
    fc.asyncProperty(eventStream(80), async (events) => {
      const options = { rings: { everyMs: 86_400_000, minUsers: 2 } }
      const online = new GraphService(options)
      for (const e of events) online.observe(e)
      const rebuilt = await rebuild(
        events.map((observed) => ({ observed })),
        options,
        false,
      )
      assert.deepEqual(stateOf(rebuilt), stateOf(online))
    }),
    { numRuns: 30 },
  )
})
