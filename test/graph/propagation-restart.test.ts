/**
 * The propagation's scheduled restart off the decision thread: what the
 * worker computes from a capture equals `recompute` on the graph as it
 * stood at the capture, bit for bit, however the graph grew since; and what
 * a graph holds after each scheduled hour is that restart with the labels
 * since pushed again on the graph of the hour — on the worker or on the
 * graph's thread, straight through or restarted from a snapshot taken
 * mid-hour.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import type { GraphEvent } from '../../src/graph/graph-event.ts'
import { type GraphRuntime, GraphService, type GraphSnapshot } from '../../src/graph/graph-service.ts'
import { LinkGraph } from '../../src/graph/link-graph.ts'
import { RiskPropagation } from '../../src/graph/propagation.ts'
import { capturePropagationInput, restartPropagation } from '../../src/graph/propagation-restart.ts'
import { day, eventStream } from './graph-fixtures.ts'

const alpha = 0.15
const epsilon = 1e-4

/** The first `n` values; past its arrays' length a node's are 0 (a restart's arrays are taken as they are). */
const head = (array: Float64Array, n: number) => Array.from({ length: n }, (_, i) => array[i] ?? 0)

test('a restart from a capture equals a recompute on the graph as it stood, after the graph has grown', () => {
  fc.assert(
    fc.property(eventStream(80), fc.double({ min: 0, max: 1, noNaN: true }), (events, at) => {
      const cut = Math.floor(at * events.length)
      const graph = new LinkGraph()
      const propagation = new RiskPropagation(alpha, epsilon)
      const addAll = (from: number, to: number) => {
        for (const e of events.slice(from, to)) {
          const seeds = graph.add(e)
          for (const node of seeds) propagation.addSeed(graph, node, graph.seedMass)
        }
      }
      addAll(0, cut)
      const input = capturePropagationInput(graph, propagation)
      const expected = RiskPropagation.fromColumns(propagation.toColumns(), alpha, epsilon)
      expected.recompute(graph)
      // the graph grows on: blocks of the adjacency move, new nodes come
      addAll(cut, events.length)
      const restart = restartPropagation(input, graph.edges.ends)
      assert.deepEqual(Array.from(restart.estimate), head(expected.estimate, input.nodeCount))
      assert.deepEqual(Array.from(restart.residual), head(expected.residual, input.nodeCount))
    }),
    { numRuns: 150 },
  )
})

/**
 * What a graph's propagation must hold after the scheduled hour at which
 * `captured` was due: a recompute on the graph of the capture (the
 * snapshot taken just before the capturing event), then each label added
 * since pushed again, in order, on the graph just before the applying
 * event (`atApply`), then that event added.
 */
function expectedAfterApply(captured: GraphSnapshot, since: readonly GraphEvent[], atApply: GraphSnapshot, applying: GraphEvent): { estimate: number[]; residual: number[] } {
  const restart = RiskPropagation.fromColumns(captured.propagation, alpha, epsilon)
  restart.recompute(LinkGraph.fromColumns(captured.graph))
  // the labels' seeds, as the graph gave them
  const replay = LinkGraph.fromColumns(captured.graph)
  const later: [number, number][] = []
  for (const e of since) {
    const seeds = replay.add(e)
    for (const node of seeds) later.push([node, replay.seedMass])
  }
  const graph = LinkGraph.fromColumns(atApply.graph)
  const propagation = RiskPropagation.fromColumns(atApply.propagation, alpha, epsilon)
  propagation.adopt(restart.estimate.subarray(0, captured.graph.nodes.count), restart.residual.subarray(0, captured.graph.nodes.count))
  for (const [node, mass] of later) propagation.pushSeed(graph, node, mass)
  const seeds = graph.add(applying)
  for (const node of seeds) propagation.addSeed(graph, node, graph.seedMass)
  const n = graph.nodes.count
  return { estimate: head(propagation.estimate, n), residual: head(propagation.residual, n) }
}

/** Runs `events` through `observe` with restarts daily, checking each applied restart against `expectedAfterApply`; optionally restarting from a snapshot mid-way through a day. */
function checkRun(events: readonly GraphEvent[], runtime: GraphRuntime, restartAfter?: number): { applied: number; repushed: number } {
  let graph = new GraphService({ rings: { everyMs: day } }, runtime)
  let captured: GraphSnapshot | undefined
  let since: GraphEvent[] = []
  let applied = 0
  let repushed = 0
  events.forEach((e, i) => {
    const before = graph.snapshot()
    const pending = graph.pendingHour
    graph.observe(e)
    if (graph.pendingHour !== pending) {
      // the hour: what was captured at the last one is applied, the graph as it stood is captured
      if (captured) {
        const expected = expectedAfterApply(captured, since, before, e)
        const n = graph.graph.nodes.count
        assert.deepEqual(head(graph.propagation.estimate, n), expected.estimate, `estimate after the hour at event ${i}`)
        assert.deepEqual(head(graph.propagation.residual, n), expected.residual, `residual after the hour at event ${i}`)
        assert.equal(graph.lastPropagation!.offThread, runtime.ringsOffThread ?? true)
        applied++
        repushed += graph.lastPropagation!.repushed
      }
      captured = before
      // the event that crossed the hour is added after the capture: its labels are among those pushed again
      since = [e]
    } else if (captured) since.push(e)
    if (i === restartAfter) graph = GraphService.restore(graph.snapshot(), runtime)
  })
  return { applied, repushed }
}

test('after each scheduled hour the propagation is the last hour’s restart with the labels since pushed again, on the worker or not, restarted or not', () => {
  let applied = 0
  let repushed = 0
  fc.assert(
    fc.property(eventStream(60), fc.boolean(), fc.double({ min: 0, max: 1, noNaN: true }), (events, offThread, at) => {
      const run = checkRun(events, { ringsOffThread: offThread }, Math.floor(at * events.length))
      applied += run.applied
      repushed += run.repushed
    }),
    { numRuns: 60 },
  )
  // the property was put to the test: restarts were applied, labels pushed again on them
  assert.ok(applied > 50, `${applied} restarts applied`)
  assert.ok(repushed > 5, `${repushed} labels pushed again`)
})

test('a snapshot of a format before (3: the pending rings\' input and restart\'s seeds; 2: the restart at once) is refused: a start replays the log instead', () => {
  const graph = new GraphService({ rings: { everyMs: day } })
  for (const e of fc.sample(eventStream(40), { numRuns: 1, seed: 3 })[0]!) graph.observe(e)
  const { pending: _notInVersion3, ...older } = graph.snapshot()
  assert.throws(() => GraphService.restore({ ...older, format: 'xiezhi-graph-2' } as unknown as GraphSnapshot), /not a graph snapshot of this version: xiezhi-graph-2/)
  assert.throws(() => GraphService.restore({ ...older, format: 'xiezhi-graph-3', pendingRings: null, pendingPropagation: null } as unknown as GraphSnapshot), /not a graph snapshot of this version: xiezhi-graph-3/)
  for (const format of ['xiezhi-graph-4', 'xiezhi-graph-5']) {
    assert.throws(() => GraphService.restore({ ...graph.snapshot(), format } as unknown as GraphSnapshot), new RegExp(`not a graph snapshot of this version: ${format}`), 'rings without lasting ids, labels without their marks')
  }
  assert.equal(GraphService.restore(graph.snapshot()).snapshot().format, 'xiezhi-graph-6')
})
