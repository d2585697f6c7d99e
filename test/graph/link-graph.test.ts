import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import type { EntityKind } from '../../src/events/entities.ts'
import { LinkGraph } from '../../src/graph/link-graph.ts'
import { kindIndex } from '../../src/graph/node-table.ts'
import { day, event, eventStream, t0 } from './graph-fixtures.ts'

/** A from-scratch union-find over a list of pairs, as a canonical partition (each node → the smallest node of its set). */
function partitionOf(nodes: number, pairs: [number, number][]): number[] {
  const parent = Array.from({ length: nodes }, (_, i) => i)
  const find = (x: number): number => {
    if (parent[x] !== x) parent[x] = find(parent[x]!)
    return parent[x]!
  }
  for (const [a, b] of pairs) parent[find(a)] = find(b)
  const smallest = new Map<number, number>()
  for (let i = 0; i < nodes; i++) if (!smallest.has(find(i))) smallest.set(find(i), i)
  return Array.from({ length: nodes }, (_, i) => smallest.get(find(i))!)
}

function canonical(graph: LinkGraph): number[] {
  const smallest = new Map<number, number>()
  for (let i = 0; i < graph.nodes.count; i++) if (!smallest.has(graph.components.rootOf(i))) smallest.set(graph.components.rootOf(i), i)
  return Array.from({ length: graph.nodes.count }, (_, i) => smallest.get(graph.components.rootOf(i))!)
}

test('incremental components equal a from-scratch union-find over random edge streams', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 79 }), fc.integer({ min: 0, max: 79 })), { maxLength: 300 }), (pairs) => {
      const graph = new LinkGraph()
      for (let i = 0; i < 80; i++) graph.internNode(kindIndex('user'), `n${i}`, t0)
      pairs.forEach(([a, b], k) => {
        graph.link(a, b, t0 + k)
      })
      const links = pairs.filter(([a, b]) => a !== b)
      assert.deepEqual(canonical(graph), partitionOf(80, links))
      // sizes agree with the partition
      const partition = partitionOf(80, links)
      for (let i = 0; i < 80; i++) assert.equal(graph.components.sizeOf(i), partition.filter((p) => p === partition[i]).length)
    }),
    { numRuns: 200 },
  )
})

test('edges, adjacency, counts and times match a naive record of the events', () => {
  fc.assert(
    fc.property(eventStream(), (events) => {
      const graph = new LinkGraph()
      const naive = new Map<string, { count: number; first: number; last: number }>()
      for (const e of events) {
        graph.add(e)
        if (e.type === 'label') continue
        const user = `user:${e.keys.user![0]}`
        for (const [kind, keys] of Object.entries(e.keys)) {
          if (kind === 'user') continue
          for (const key of keys) {
            const pair = [user, `${kind}:${key}`].sort().join('|')
            const seen = naive.get(pair)
            if (seen) {
              seen.count++
              seen.last = Math.max(seen.last, e.occurredAtMs)
              seen.first = Math.min(seen.first, e.occurredAtMs)
            } else naive.set(pair, { count: 1, first: e.occurredAtMs, last: e.occurredAtMs })
          }
        }
      }
      const name = (node: number) => `${graph.nodes.kind(node)}:${graph.nodes.key(node)}`
      const stored = new Map<string, { count: number; first: number; last: number }>()
      for (let edge = 0; edge < graph.edges.count; edge++) {
        const pair = [name(graph.edges.ends[2 * edge]!), name(graph.edges.ends[2 * edge + 1]!)].sort().join('|')
        stored.set(pair, { count: graph.edges.counts[edge]!, first: graph.edges.firstSeenMs[edge]!, last: graph.edges.lastSeenMs[edge]! })
        assert.equal(graph.edges.find(graph.edges.ends[2 * edge]!, graph.edges.ends[2 * edge + 1]!), edge)
      }
      assert.deepEqual(stored, naive)
      // each node's adjacency holds exactly its edges, and the user degree counts its user neighbours
      let pairs = 0
      for (let node = 0; node < graph.nodes.count; node++) {
        const { pool, start, length } = graph.adjacency
        let users = 0
        for (let j = 0; j < length[node]!; j++) {
          const next = pool[start[node]! + 2 * j]!
          assert.equal(graph.edges.find(node, next), pool[start[node]! + 2 * j + 1])
          if (graph.nodes.kind(next) === 'user') users++
        }
        assert.equal(graph.userDegree[node], users)
        pairs += length[node]!
      }
      assert.equal(pairs, 2 * graph.edges.count)
    }),
    { numRuns: 150 },
  )
})

test('a label makes no edge and does not move the seen times; it labels the person and what they own, and seeds its users', () => {
  const graph = new LinkGraph()
  const keys = { user: ['u1'], device: ['d1'], phone: ['p1'], id_number: ['n1'], bank_card: ['b1'], ip: ['i1'], contacts: ['c1'], address: ['a1'] }
  graph.add(event(t0, keys))
  const added = graph.add({ type: 'label', occurredAtMs: t0 + 10 * day, data: { label: 'fraud' }, keys })
  assert.equal(graph.edges.count, 7)
  const user = graph.nodes.find(kindIndex('user'), 'u1')
  assert.deepEqual([...added], [user])
  assert.equal(graph.seedMass, 1)
  assert.equal(graph.nodes.lastSeenMs[user], t0)
  const risky = (kind: EntityKind, key: string) => graph.labels.isRisky(graph.nodes.find(kindIndex(kind), key))
  for (const [kind, key] of [['user', 'u1'], ['device', 'd1'], ['phone', 'p1'], ['id_number', 'n1'], ['bank_card', 'b1']] as const) assert.equal(risky(kind, key), true, kind)
  // the carrier's IP, the relatives' phones and the building are not the person's
  for (const [kind, key] of [['ip', 'i1'], ['contacts', 'c1'], ['address', 'a1']] as const) {
    assert.equal(risky(kind, key), false, kind)
    assert.equal(graph.labels.masks[graph.nodes.find(kindIndex(kind), key)], 0, kind)
  }
  const legit = graph.add({ type: 'label', occurredAtMs: t0 + 11 * day, data: { label: 'legitimate' }, keys: { user: ['u2'] } })
  assert.deepEqual([...legit], [])
  assert.equal(graph.labels.isRisky(graph.nodes.find(kindIndex('user'), 'u2')), false)
})

test('an event without a user links its entities to the first of id number, phone, device, …', () => {
  const graph = new LinkGraph()
  graph.add(event(t0, { device: ['d1'], ip: ['i1'] }, 'marketing.click'))
  assert.equal(graph.edges.count, 1)
  assert.equal(graph.edges.find(graph.nodes.find(kindIndex('device'), 'd1'), graph.nodes.find(kindIndex('ip'), 'i1')), 0)
})

test('at 200,000 edges, past many growths of every column, each edge is found with its ends, and a restore is the same graph', () => {
  const graph = new LinkGraph()
  const users = 20_000
  for (let i = 0; i < 100_000; i++) graph.add(event(t0 + i, { user: [`u${i % users}`], device: [`d${(i * 7) % 30_011}`], ip: [`i${(i * 13) % 50_021}`] }))
  assert.ok(graph.edges.count > 150_000, `${graph.edges.count} edges`)
  for (let edge = 0; edge < graph.edges.count; edge++) {
    const [a, b] = [graph.edges.ends[2 * edge]!, graph.edges.ends[2 * edge + 1]!]
    assert.ok(a < b, `edge ${edge}: ${a}, ${b}`)
    assert.equal(graph.edges.find(b, a), edge)
  }
  const restored = LinkGraph.fromColumns(graph.toColumns(true, false))
  assert.deepEqual(restored.toColumns(), graph.toColumns())
})

test('the labelled kinds are an option: a graph told to mark IPs too marks them', () => {
  const graph = new LinkGraph(undefined, ['user', 'ip'])
  graph.add(event(t0, { user: ['u1'], device: ['d1'], ip: ['i1'] }))
  graph.add({ type: 'label', occurredAtMs: t0 + day, data: { label: 'fraud', subjectEventId: 'e1' }, keys: { user: ['u1'], device: ['d1'], ip: ['i1'] } })
  assert.equal(graph.labels.isRisky(graph.nodes.find(kindIndex('ip'), 'i1')), true)
  assert.equal(graph.labels.isRisky(graph.nodes.find(kindIndex('device'), 'd1')), false)
})
