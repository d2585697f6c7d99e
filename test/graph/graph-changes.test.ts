/**
 * What a scheduled hour sends the ring worker (`GraphChanges`,
 * `GraphMirror`): a copy kept up to date by the changes between captures
 * equals the graph's columns at each capture, and the graph as it stood at
 * the last capture can be had again from the changes since — straight
 * through, or from a snapshot of the graph and the changes — whatever the
 * events did in between (edges met again, first sightings moved earlier by
 * late events, labels, new nodes and edges).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { GraphChanges } from '../../src/graph/graph-changes.ts'
import type { GraphEvent } from '../../src/graph/graph-event.ts'
import { GraphMirror } from '../../src/graph/graph-mirror.ts'
import { LinkGraph } from '../../src/graph/link-graph.ts'
import { RiskPropagation } from '../../src/graph/propagation.ts'
import { eventStream } from './graph-fixtures.ts'

/** What a capture reads, as plain lists. */
function columnsOf(source: GraphMirror): Record<string, number[] | number> {
  const { edgeCount: e, nodeCount: n } = source
  return {
    edgeCount: e,
    nodeCount: n,
    ends: Array.from(source.ends.subarray(0, 2 * e)),
    firstSeenMs: Array.from(source.firstSeenMs.subarray(0, e)),
    lastSeenMs: Array.from(source.lastSeenMs.subarray(0, e)),
    counts: Array.from(source.counts.subarray(0, e)),
    kinds: Array.from(source.kinds.subarray(0, n)),
    nodeFirstSeenMs: Array.from(source.nodeFirstSeenMs.subarray(0, n)),
    risky: Array.from(source.risky.subarray(0, n)),
    seedMass: Array.from(source.seedMass.subarray(0, n)),
  }
}

/** The graph's columns now, read straight from it (by changes of their own, the graph's own watched again after). */
function graphColumns(graph: LinkGraph, propagation: RiskPropagation, watching: GraphChanges): Record<string, number[] | number> {
  const mirror = new GraphMirror()
  mirror.apply(new GraphChanges(graph, propagation).delta(true))
  graph.edges.watch = graph.nodes.watch = graph.labels.watch = propagation.watch = watching
  return columnsOf(mirror)
}

/** Streams of events in time order one after the other, some moved back by up to a day: late events that meet edges and see nodes earlier than before. */
const lateEvents = fc
  .tuple(
    fc.array(eventStream(40), { minLength: 2, maxLength: 4 }).map((streams) => streams.flat()),
    fc.array(fc.integer({ min: 0, max: 86_400_000 }), { minLength: 160, maxLength: 160 }),
    fc.array(fc.integer({ min: 0, max: 7 }).map((x) => x === 0), { minLength: 160, maxLength: 160 }),
  )
  .map(([events, shifts, captures]) => ({ events: events.map((e, i): GraphEvent => ({ ...e, occurredAtMs: e.occurredAtMs - (i % 3 === 0 ? shifts[i]! : 0) })), captures }))

test('a copy kept by the changes between captures is the graph at each capture; the capture can be had again from the changes since, and from a snapshot of them', () => {
  let compared = 0
  let changedEdges = 0
  let changedNodes = 0
  fc.assert(
    fc.property(lateEvents, ({ events, captures }) => {
      let graph = new LinkGraph()
      let propagation = new RiskPropagation(0.15, 1e-4)
      let changes = new GraphChanges(graph, propagation)
      const worker = new GraphMirror()
      let captured: Record<string, number[] | number> | undefined
      events.forEach((e, i) => {
        if (captures[i]) {
          if (captured) {
            assert.deepEqual(columnsOf(changes.capturedMirror()), captured, `the capture before event ${i}, from the changes since`)
            changedEdges += changes.changed.edges
            changedNodes += changes.changed.nodes
            // a restart from a snapshot: the graph and the changes since the capture
            const restored = LinkGraph.fromColumns(graph.toColumns())
            const restoredPropagation = RiskPropagation.fromColumns(propagation.toColumns(), 0.15, 1e-4)
            const again = new GraphChanges(restored, restoredPropagation)
            again.restore(changes.toColumns())
            assert.deepEqual(columnsOf(again.capturedMirror()), captured, `the capture before event ${i}, from a snapshot`)
            ;[graph, propagation, changes] = [restored, restoredPropagation, again]
          }
          worker.apply(changes.delta(captured === undefined))
          captured = graphColumns(graph, propagation, changes)
          assert.deepEqual(columnsOf(worker), captured, `the worker's copy at event ${i}`)
          compared++
          changes.capture()
        }
        const seeds = graph.add(e)
        for (const node of seeds) propagation.addSeed(graph, node, 1 / seeds.length)
      })
    }),
    { numRuns: 150 },
  )
  // the property was put to the test: captures were compared, with edges and nodes changed between them
  assert.ok(compared > 300, `${compared} captures compared`)
  assert.ok(changedEdges > 50, `${changedEdges} edges changed between captures`)
  assert.ok(changedNodes > 100, `${changedNodes} nodes changed between captures`)
})

test('a delta that does not follow the copy is refused, naming both', () => {
  const graph = new LinkGraph()
  const changes = new GraphChanges(graph, new RiskPropagation(0.15, 1e-4))
  graph.add({ type: 'login', occurredAtMs: 1, data: {}, keys: { user: ['u0'], device: ['d0'] } })
  changes.capture()
  graph.add({ type: 'login', occurredAtMs: 2, data: {}, keys: { user: ['u1'], device: ['d0'] } })
  assert.throws(() => new GraphMirror().apply(changes.delta(false)), /a delta from 1 edges and 2 nodes does not follow a mirror of 0 edges and 0 nodes/)
})
