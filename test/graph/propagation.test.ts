import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { LinkGraph } from '../../src/graph/link-graph.ts'
import { kindIndex } from '../../src/graph/node-table.ts'
import { RiskPropagation } from '../../src/graph/propagation.ts'
import { t0 } from './graph-fixtures.ts'

/** Personalised PageRank by power iteration: π = Σₖ α(1−α)ᵏ s Wᵏ, W the random walk (a node without edges passes nothing on). */
function powerIteration(graph: LinkGraph, seeds: Map<number, number>, alpha: number, steps = 400): Float64Array {
  const n = graph.nodes.count
  const result = new Float64Array(n)
  let walk = new Float64Array(n)
  for (const [node, mass] of seeds) walk[node] = mass
  const { pool, start, length } = graph.adjacency
  for (let k = 0; k < steps; k++) {
    const next = new Float64Array(n)
    for (let u = 0; u < n; u++) {
      if (walk[u] === 0) continue
      result[u]! += alpha * walk[u]!
      const degree = length[u]!
      for (let j = 0; j < degree; j++) next[pool[start[u]! + 2 * j]!]! += ((1 - alpha) * walk[u]!) / degree
    }
    walk = next
  }
  return result
}

function randomGraph(edges: [number, number][], nodes: number): LinkGraph {
  const graph = new LinkGraph()
  for (let i = 0; i < nodes; i++) graph.internNode(kindIndex('user'), `n${i}`, t0)
  for (const [a, b] of edges) graph.link(a, b, t0)
  return graph
}

test('forward push agrees with power iteration within ε·degree, seed by seed and summed', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 29 }), fc.integer({ min: 0, max: 29 })), { minLength: 10, maxLength: 90 }),
      fc.uniqueArray(fc.integer({ min: 0, max: 29 }), { minLength: 1, maxLength: 4 }),
      (edges, seedNodes) => {
        const graph = randomGraph(edges, 30)
        const epsilon = 1e-6
        const propagation = new RiskPropagation(0.15, epsilon)
        const seeds = new Map<number, number>()
        for (const node of seedNodes) {
          propagation.addSeed(graph, node, 1)
          seeds.set(node, 1)
        }
        const exact = powerIteration(graph, seeds, 0.15)
        // Σᵤ r(u)·π_u(v) ≤ ε·deg(v) per unit of seed mass on an undirected graph (π_u(v)·deg(u) = π_v(u)·deg(v))
        const tolerance = (node: number) => seedNodes.length * epsilon * Math.max(1, graph.degree(node)) + 1e-9
        for (let node = 0; node < 30; node++) assert.ok(Math.abs(propagation.score(node) - exact[node]!) <= tolerance(node), `node ${node}: ${propagation.score(node)} vs ${exact[node]}`)
        // mass: what settled plus what is left equals what was seeded, less what stopped at nodes without edges
        let settled = 0
        let left = 0
        let lost = 0
        for (let node = 0; node < 30; node++) {
          settled += propagation.estimate[node]!
          left += propagation.residual[node]!
          if (graph.degree(node) === 0) lost += (propagation.estimate[node]! / 0.15) * 0.85
        }
        assert.ok(Math.abs(settled + left + lost - seedNodes.length) < 1e-9, `${settled} + ${left} + ${lost}`)
        // a recomputation from the same seeds gives the same scores within the bound
        const again = new RiskPropagation(0.15, epsilon)
        for (const node of seedNodes) again.seedMass[node] = 1
        again.count = 30
        again.recompute(graph)
        for (let node = 0; node < 30; node++) assert.ok(Math.abs(again.score(node) - exact[node]!) <= tolerance(node))
      },
    ),
    { numRuns: 100 },
  )
})

test('on a connected graph without dead ends the scores sum to the seeded mass as ε → 0', () => {
  // a ring of 12 with two chords
  const edges: [number, number][] = Array.from({ length: 12 }, (_, i) => [i, (i + 1) % 12])
  edges.push([0, 6], [3, 9])
  const graph = randomGraph(edges, 12)
  const sums = [1e-3, 1e-5, 1e-8].map((epsilon) => {
    const propagation = new RiskPropagation(0.2, epsilon)
    propagation.addSeed(graph, 0)
    propagation.addSeed(graph, 5, 2)
    return propagation.estimate.subarray(0, 12).reduce((a, b) => a + b, 0)
  })
  assert.ok(sums[0]! < sums[1]! && sums[1]! < sums[2]!, String(sums))
  assert.ok(Math.abs(sums[2]! - 3) < 1e-6, String(sums[2]))
  // and match power iteration
  const exact = powerIteration(graph, new Map([[0, 1], [5, 2]]), 0.2, 2000)
  const propagation = new RiskPropagation(0.2, 1e-10)
  propagation.addSeed(graph, 0)
  propagation.addSeed(graph, 5, 2)
  for (let node = 0; node < 12; node++) assert.ok(Math.abs(propagation.score(node) - exact[node]!) < 1e-8)
})

test('a push does bounded work: at most 1/(α·ε) neighbour updates per unit of seed mass, whatever the hub', () => {
  const graph = new LinkGraph()
  const hub = graph.internNode(kindIndex('ip'), 'hub', t0)
  for (let i = 0; i < 20_000; i++) graph.link(hub, graph.internNode(kindIndex('user'), `u${i}`, t0), t0)
  const propagation = new RiskPropagation(0.15, 1e-4)
  propagation.addSeed(graph, graph.nodes.find(kindIndex('user'), 'u7'))
  assert.ok(propagation.lastWork <= 1 / (0.15 * 1e-4), String(propagation.lastWork))
})
