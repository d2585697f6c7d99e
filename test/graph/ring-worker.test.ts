/**
 * Hourly rings and the propagation's restart on the ring worker: Louvain
 * and the restart run off the decision thread (decisions go on, and the
 * event loop turns, while a large component is computed), and both are
 * applied at the next hour of event time, so a live run (the worker done
 * long before the hour), a replay that runs ahead of it (waits for the
 * worker at each hour), a run without the worker and runs restarted from
 * a snapshot taken while rings and the restart were being computed all
 * give every event the same measures and end with the same state.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { setImmediate as turn, setTimeout as sleep } from 'node:timers/promises'
import { threadId } from 'node:worker_threads'
import { readGraphSnapshot, writeGraphSnapshot } from '../../src/app/graph-snapshot-file.ts'
import { ringWorld } from '../../src/graph/evaluation/ring-detection.ts'
import { simulatedHistory } from '../../src/graph/evaluation/simulated-history.ts'
import type { GraphEvent } from '../../src/graph/graph-event.ts'
import { type GraphRuntime, GraphService } from '../../src/graph/graph-service.ts'
import { kindIndex } from '../../src/graph/node-table.ts'
import { ringWorker } from '../../src/graph/ring-worker.ts'
import type { RingIndex } from '../../src/graph/rings.ts'
import { event, label, t0 } from './graph-fixtures.ts'

const hourMs = 3_600_000
const dir = mkdtempSync(join(tmpdir(), 'xiezhi-ring-worker-'))
after(() => rmSync(dir, { recursive: true, force: true }))

/**
 * One large component: 40,000 users, each on a device shared by 3, an
 * address shared by 2 and a contact shared by 4, the three drawn so that
 * everyone is linked to everyone through a few hops (about 120,000 edges
 * for Louvain), all within the first hour.
 */
function largeComponent(users = 40_000): GraphEvent[] {
  const events: GraphEvent[] = []
  for (let u = 0; u < users; u++) {
    const keys = { user: [`u${u}`], device: [`d${Math.floor(u / 3)}`], address: [`a${(u * 7_919) % (users / 2)}`], contacts: [`c${(u * 104_729) % (users / 4)}`] }
    events.push(event(t0 + Math.floor((u * (hourMs - 1)) / users), keys))
  }
  return events
}

test('a scheduled recomputation runs on the ring worker while decisions go on, and applies at the next hour', async () => {
  const graph = new GraphService({ rings: { everyMs: hourMs } })
  const component = largeComponent()
  for (const e of component) graph.observe(e)
  // risk to propagate: a label on every hundredth user
  for (let u = 0; u < component.length; u += 100) graph.observe(label(component.at(-1)!.occurredAtMs, { user: [`u${u}`] }))
  // the first event of the next hour captures the graph and hands it to the worker
  const started = performance.now()
  graph.observe(event(t0 + hourMs, { user: ['late-0'], device: ['d0'] }))
  const boundaryMs = performance.now() - started
  const pending = graph.pendingHour
  assert.ok(pending?.offThread, 'the hour went to the worker')
  assert.equal(graph.lastDelta?.reset, true, 'the first capture sends the whole graph')
  const capturedEdges = graph.lastDelta!.edges
  assert.ok(capturedEdges > 100_000, `${capturedEdges} edges captured`)
  assert.equal(graph.rings.rings.length, 0, 'nothing applied yet: the rings apply an hour after their capture')
  assert.equal(graph.lastPropagation, undefined, 'no restart ran in the hour\'s call')
  // decisions of the same hour, one per turn of the event loop, until the rings are in without this thread computing them
  let decided = 0
  let slowestMs = 0
  const giveUpAt = performance.now() + 300_000
  while (!pending.done) {
    assert.ok(performance.now() < giveUpAt, 'the worker answered within 5 minutes')
    const decisionStarted = performance.now()
    graph.observe(event(t0 + hourMs + 1 + decided, { user: [`late-${decided}`], device: [`d${decided}`] }))
    slowestMs = Math.max(slowestMs, performance.now() - decisionStarted)
    decided++
    await turn()
  }
  // the next hour applies them without waiting, and sends the worker only what changed in the hour
  const edgesThen = graph.graph.edges.count
  graph.observe(event(t0 + 2 * hourMs, { user: ['later'], device: ['d1'] }))
  assert.equal(graph.lastDelta?.reset, false)
  assert.equal(graph.lastDelta?.edges, edgesThen - capturedEdges, 'the edges made in the hour')
  assert.ok(graph.lastDelta!.changedEdges < 100, `${graph.lastDelta!.changedEdges} earlier edges met again`)
  const computation = graph.lastComputation!
  assert.equal(computation.offThread, true)
  assert.notEqual(computation.threadId, threadId, 'Louvain ran on another thread')
  assert.equal(computation.waitedMs, 0, 'the rings were in before the hour: nothing was waited for')
  const restart = graph.lastPropagation!
  assert.equal(restart.offThread, true)
  assert.notEqual(restart.threadId, threadId, 'the propagation\'s restart ran on another thread')
  assert.equal(restart.waitedMs, 0, 'the restart was in before the hour')
  assert.equal(restart.repushed, 0, 'no label since the capture')
  assert.ok(graph.propagation.score(graph.graph.nodes.find(kindIndex('user'), 'u1') ?? -1) > 0, 'risk reached a neighbour of a labelled user')
  assert.ok(graph.rings.rings.length > 100, `${graph.rings.rings.length} rings applied`)
  assert.equal(graph.rings.computedAtMs, component.at(-1)!.occurredAtMs, 'the rings of the graph as it stood at the hour')
  // while Louvain ran, this thread decided: the boundary and each decision took a fraction of the computation
  const computingMs = computation.rings.stats.ms
  assert.ok(decided >= 2, `${decided} decisions during a ${computingMs.toFixed(0)} ms computation`)
  assert.ok(boundaryMs < computingMs / 2, `the boundary took ${boundaryMs.toFixed(0)} ms, the computation ${computingMs.toFixed(0)} ms`)
  assert.ok(slowestMs < computingMs / 2, `the slowest decision took ${slowestMs.toFixed(0)} ms, the computation ${computingMs.toFixed(0)} ms`)
})

/** Every event's measures, the rings in use at each event (their time), and the final state without timings. */
interface Run {
  measures: string[]
  final: unknown
  /** Hours whose rings and restart were computed on the graph's thread. */
  onThread: number
}

const stateOf = (graph: GraphService) => {
  const snapshot = graph.snapshot()
  return { ...snapshot, rings: { ...snapshot.rings, stats: { ...snapshot.rings.stats, ms: 0 } } }
}

/**
 * The simulator's lender through `observe`, rings every 6 hours of event
 * time; `live` gives the worker time to finish before each hour comes,
 * `restartAt` writes a snapshot to a file right after that hour's capture
 * and goes on from the graph read back, `restartAfterLabelAt` does so at
 * the first label after that hour's capture (labels to push again on the
 * restart are pending then), `forgetAt` has the worker let go of its copy
 * of the graph after that hour's capture (as a worker started again holds
 * none): the next hour's changes follow no copy, and the graph's thread
 * computes that hour from the graph as it stood.
 */
async function run(events: readonly GraphEvent[], runtime: GraphRuntime, how: { live?: boolean; restartAt?: number; restartAfterLabelAt?: number; forgetAt?: number } = {}): Promise<Run> {
  // the simulator's lender labels fake traffic: risk to propagate
  const options = { riskLabels: ['fraud', 'fake_traffic'], rings: { everyMs: 6 * hourMs } }
  let graph = new GraphService(options, runtime)
  const measures: string[] = []
  let hours = 0
  let onThread = 0
  const restart = () => {
    const file = join(dir, `restart-${process.hrtime.bigint()}.snapshot`)
    writeGraphSnapshot(file, { lastDecisionHash: '0'.repeat(64), takenAtMs: 0, state: graph.snapshot(false) })
    const saved = readGraphSnapshot(file)
    assert.ok(!('unusable' in saved), JSON.stringify(saved))
    assert.ok(saved.state.pending, 'the snapshot holds the hour being computed')
    graph = GraphService.restore(saved.state, runtime)
    return saved.state.pending
  }
  for (const e of events) {
    const pending = graph.pendingHour
    measures.push(JSON.stringify({ ...graph.observe(e), ringsAt: graph.rings.computedAtMs }))
    if (graph.pendingHour === pending) {
      if (e.type === 'label' && hours === how.restartAfterLabelAt) {
        assert.ok(restart()!.laterSeeds.nodes.length > 0, 'labels since the capture are in the snapshot')
        how = { ...how, restartAfterLabelAt: undefined }
      }
      continue
    }
    hours++
    if (graph.lastComputation && !graph.lastComputation.offThread) onThread++
    if (hours === how.forgetAt) ringWorker.forget((graph as unknown as { graphId: number }).graphId)
    if (how.live) while (!graph.pendingHour!.done) await sleep(1)
    if (hours === how.restartAt) restart()
  }
  return { measures, final: stateOf(graph), onThread }
}

test('live, replayed, in-thread and restarted runs apply the same rings at the same events', async () => {
  const { events } = simulatedHistory(ringWorld(600, 12, 3), (kind, value) => `${kind}:${value}`)
  const observed = events.map((e) => e.observed)
  const live = await run(observed, {}, { live: true })
  const replay = await run(observed, {})
  const inThread = await run(observed, { ringsOffThread: false })
  const restarted = await run(observed, {}, { restartAt: 20 })
  const restartedMidHour = await run(observed, {}, { restartAfterLabelAt: 30 })
  const forgotten = await run(observed, {}, { live: true, forgetAt: 20 })
  assert.equal(live.onThread, 0, 'live, every hour ran on the worker')
  assert.equal(forgotten.onThread, 1, 'the hour sent to a worker without the graph\'s copy ran on the graph\'s thread, the next on the worker again')
  // the comparison means something: rings were applied, and they changed along the way
  const ringTimes = new Set(live.measures.map((m) => (JSON.parse(m) as { ringsAt: number | null }).ringsAt))
  assert.ok(ringTimes.size > 20, `${ringTimes.size} distinct ring computations applied`)
  assert.ok(live.measures.some((m) => (JSON.parse(m) as { ringUsers: number }).ringUsers > 0), 'some events sit in a ring')
  // and ring ids lasted through the computations (the final states compared below hold the ids, their history and the next id)
  const finalRings = (live.final as { rings: RingIndex }).rings
  assert.ok(finalRings.rings.filter((r) => r.sinceMs < finalRings.computedAtMs && r.history.length > 1).length > 10, 'rings kept their ids as they changed')
  assert.ok(finalRings.nextId > finalRings.rings.length + 1, 'rings ended and new ones got new ids')
  const risks = new Set(live.measures.map((m) => (JSON.parse(m) as { propagatedRisk: number }).propagatedRisk))
  assert.ok(risks.size > 30, `${risks.size} distinct propagated risks measured`)
  for (const [name, other] of Object.entries({ replay, inThread, restarted, restartedMidHour, forgotten })) {
    assert.equal(other.measures.length, live.measures.length)
    const first = other.measures.findIndex((m, i) => m !== live.measures[i])
    assert.equal(first, -1, `${name}: event ${first} differs: ${other.measures[first]} vs ${live.measures[first]}`)
    assert.deepEqual(other.final, live.final, name)
  }
})
