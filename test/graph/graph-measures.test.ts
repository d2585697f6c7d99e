import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import type { GraphEvent } from '../../src/graph/graph-event.ts'
import { GraphService } from '../../src/graph/graph-service.ts'
import { day, event, eventStream, label, t0 } from './graph-fixtures.ts'

const wide = { measure: { maxNodes: 100_000, maxEdges: 1_000_000, maxEdgesPerNode: 100_000 } }

/**
 * The 2-hop measures by brute force from the raw events before `query`:
 * edges (user–entity pairs of earlier non-label events) last seen within
 * the window, a plain BFS from the query's user (hop 0) and its entities
 * (hop 1), no caps.
 */
function bruteForce(history: GraphEvent[], query: GraphEvent, windowMs: number) {
  const last = new Map<string, number>()
  /** The labels standing, by subject: the nodes each marked. */
  const standing = new Map<string, string[]>()
  const seen = new Set<string>()
  for (const e of history) {
    const names = Object.entries(e.keys).flatMap(([kind, keys]) => keys.map((key) => `${kind}:${key}`))
    for (const n of names) seen.add(n)
    if (e.type === 'label') {
      const subject = String(e.data.subjectEventId)
      // a withdrawal takes it off; a repeat changes nothing; a label marks the person and what they own, not the IP or the contacts
      if (e.data.withdrawn === true) standing.delete(subject)
      else if (!standing.has(subject)) standing.set(subject, names.filter((n) => !n.startsWith('ip:') && !n.startsWith('contacts:')))
      continue
    }
    const user = `user:${e.keys.user![0]}`
    for (const n of names) if (n !== user) last.set([user, n].sort().join('|'), Math.max(last.get([user, n].sort().join('|')) ?? -Infinity, e.occurredAtMs))
  }
  const risky = new Set([...standing.values()].flat())
  const adjacency = new Map<string, string[]>()
  for (const [pair, at] of last) {
    if (at < query.occurredAtMs - windowMs) continue
    const [a, b] = pair.split('|') as [string, string]
    adjacency.set(a, [...(adjacency.get(a) ?? []), b])
    adjacency.set(b, [...(adjacency.get(b) ?? []), a])
  }
  const self = `user:${query.keys.user![0]}`
  const hop = new Map<string, number>()
  if (seen.has(self)) hop.set(self, 0)
  for (const [kind, keys] of Object.entries(query.keys)) for (const key of keys) if (kind !== 'user' && seen.has(`${kind}:${key}`) && !hop.has(`${kind}:${key}`)) hop.set(`${kind}:${key}`, 1)
  const queue = [...hop.keys()]
  for (let q = 0; q < queue.length; q++) {
    const node = queue[q]!
    if (hop.get(node)! >= 2) continue
    for (const next of adjacency.get(node) ?? []) {
      if (hop.has(next)) continue
      hop.set(next, hop.get(node)! + 1)
      queue.push(next)
    }
  }
  const nodes = [...hop.keys()]
  return {
    graphNodes2h30d: nodes.filter((n) => n !== self).length,
    graphUsers2h30d: nodes.filter((n) => n.startsWith('user:') && n !== self).length,
    riskUsers2h30d: nodes.filter((n) => n.startsWith('user:') && risky.has(n)).length,
    riskNodes2h30d: nodes.filter((n) => risky.has(n)).length,
  }
}

test('the windowed 2-hop measures equal a brute-force search over the raw events, for every event of random streams', () => {
  fc.assert(
    fc.property(eventStream(50), fc.integer({ min: 1, max: 20 }), (events, windowDays) => {
      const service = new GraphService({ ...wide, measure: { ...wide.measure, windowMs: windowDays * day } })
      events.forEach((e, i) => {
        const values = service.observe(e)
        const expected = bruteForce(events.slice(0, i), e, windowDays * day)
        const got = { graphNodes2h30d: values.graphNodes2h30d, graphUsers2h30d: values.graphUsers2h30d, riskUsers2h30d: values.riskUsers2h30d, riskNodes2h30d: values.riskNodes2h30d }
        assert.deepEqual(got, expected, `event ${i}`)
        assert.equal(values.graphSearchCapped, 0)
      })
    }),
    { numRuns: 120 },
  )
})

test('point in time: a query before an event does not see the event, the same query after it does', () => {
  const service = new GraphService()
  service.observe(event(t0, { user: ['u1'], device: ['d1'] }))
  const newcomer = event(t0 + day, { user: ['u2'], device: ['d1'], phone: ['p2'] }, 'credit.application')
  const before = service.observe(newcomer)
  assert.equal(before.usersPerDevice, 1, 'u1 shares the device')
  assert.equal(before.graphUsers2h30d, 1)
  assert.equal(before.usersPerPhone, 0, 'the phone is new')
  // the event itself is now in the graph: asked again, u2's own edges are there but u2 is not counted as sharing with itself
  const after = service.measure(newcomer)
  assert.equal(after.usersPerDevice, 1)
  assert.equal(after.graphNodes2h30d, 3, 'd1, p2 and u1')
  const third = service.measure(event(t0 + 2 * day, { user: ['u3'], phone: ['p2'] }))
  assert.equal(third.usersPerPhone, 1)
  assert.equal(third.graphUsers2h30d, 1, 'u2 through p2; u1 (p2 → u2 → d1 → u1) is further than two hops')
})

test('observe reads before it adds: values equal a measure on a graph of the earlier events only', () => {
  fc.assert(
    fc.property(eventStream(40), (events) => {
      const online = new GraphService()
      const values = events.map((e) => online.observe(e))
      const k = Math.floor(events.length / 2)
      const earlier = new GraphService()
      for (const e of events.slice(0, k)) earlier.add(e)
      assert.deepEqual(earlier.measure(events[k]!), values[k])
    }),
    { numRuns: 50 },
  )
})

test('labels count from when the label event arrives, not from the labelled event', () => {
  const service = new GraphService()
  service.observe(event(t0, { user: ['u1'], device: ['d1'] }))
  const probe = event(t0 + 2 * day, { user: ['u9'], device: ['d1'] })
  assert.equal(service.measure(probe).riskUsers2h30d, 0)
  service.observe(label(t0 + day, { user: ['u1'], device: ['d1'] }))
  const seen = service.measure(probe)
  assert.equal(seen.riskUsers2h30d, 1)
  assert.equal(seen.riskNodes2h30d, 2, 'the user and the device of the labelled event')
  assert.ok(seen.propagatedRisk > 0)
})

test('caps bound the search at a hub and say so; capped counts are lower bounds', () => {
  const service = new GraphService({ measure: { maxNodes: 50, maxEdges: 100, maxEdgesPerNode: 30 } })
  for (let u = 0; u < 500; u++) service.add(event(t0 + u, { user: [`u${u}`], ip: ['shared'] }))
  const values = service.measure(event(t0 + day, { user: ['new'], ip: ['shared'] }))
  assert.equal(values.graphSearchCapped, 1)
  assert.ok(values.graphUsers2h30d <= 30 && values.graphUsers2h30d > 0, String(values.graphUsers2h30d))
  assert.equal(values.usersPerIp, 500, 'a degree is exact whatever the caps')
  assert.equal(values.componentNodes, 501)
})

test('distinct users sharing a device, a phone, a contact; the most over several contacts', () => {
  const service = new GraphService()
  service.add(event(t0, { user: ['a'], device: ['d'], contacts: ['c1'] }))
  service.add(event(t0, { user: ['b'], device: ['d'], contacts: ['c1', 'c2'] }))
  service.add(event(t0, { user: ['c'], phone: ['p'], contacts: ['c2'] }))
  service.add(event(t0, { user: ['d'], contacts: ['c2'] }))
  const values = service.measure(event(t0 + day, { user: ['a'], device: ['d'], phone: ['p'], contacts: ['c1', 'c2'] }))
  assert.equal(values.usersPerDevice, 1, 'b; a itself is not counted')
  assert.equal(values.usersPerPhone, 1)
  assert.equal(values.usersPerContact, 3, 'c2: b, c and d')
})
