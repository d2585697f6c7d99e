import assert from 'node:assert/strict'
import { test } from 'node:test'
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { parse } from 'yaml'
import { featureDefinitionText } from '../../src/features/feature-catalogue.ts'
import { EventEntities, type GraphEvent } from '../../src/graph/graph-event.ts'
import { graphFeatureNames } from '../../src/graph/graph-measures.ts'
import { GraphService } from '../../src/graph/graph-service.ts'
import { NeighbourhoodSearch } from '../../src/graph/neighbourhood.ts'
import { labelKinds } from '../../src/graph/node-labels.ts'
import { graphDefinitions, standardGraphFeatures } from '../../src/graph/standard-graph-features.ts'
import { legacyMeasureEvent } from './legacy-measure-event.ts'
import { day, event, eventStream, label, t0 } from './graph-fixtures.ts'

const wide = { measure: { maxNodes: 100_000, maxEdges: 1_000_000, maxEdgesPerNode: 100_000 } }

/**
 * The 2-hop measures by brute force from the raw events before `query`:
 * edges (user–entity pairs of earlier non-label events) last seen within
 * the window, a plain BFS from the query's user (hop 0) and its entities
 * (hop 1), no caps.
 */
function bruteForce(history: GraphEvent[], query: GraphEvent, windowMs: number, hops = 2) {
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
    if (hop.get(node)! >= hops) continue
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

/** The four neighbourhood counts over `hops` and a window of `days`, under the standard names. */
const neighbourhood = (hops: 1 | 2 | 3, days: number) =>
  graphDefinitions([
    { name: 'graphNodes2h30d', kind: 'graph', measure: 'neighbourhood_nodes', hops, window: `${days}d` },
    { name: 'graphUsers2h30d', kind: 'graph', measure: 'neighbourhood_nodes', hops, window: `${days}d`, of: 'user' },
    { name: 'riskUsers2h30d', kind: 'graph', measure: 'labelled_nodes', hops, window: `${days}d`, of: 'user' },
    { name: 'riskNodes2h30d', kind: 'graph', measure: 'labelled_nodes', hops, window: `${days}d` },
    { name: 'graphSearchCapped', kind: 'graph', measure: 'search_capped', hops, window: `${days}d` },
  ])

test('the windowed neighbourhood measures equal a brute-force search over the raw events, at 1, 2 and 3 hops, for every event of random streams', () => {
  fc.assert(
    fc.property(eventStream(50), fc.integer({ min: 1, max: 20 }), fc.constantFrom(1 as const, 2 as const, 3 as const), (events, windowDays, hops) => {
      const service = new GraphService(wide, {}, neighbourhood(hops, windowDays))
      events.forEach((e, i) => {
        const values = service.observe(e)
        const expected = bruteForce(events.slice(0, i), e, windowDays * day, hops)
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
  // hubs walked (hubDegree above the IP's 500 users): the caps cut the search
  const service = new GraphService({ measure: { maxNodes: 50, maxEdges: 100, maxEdgesPerNode: 30, hubDegree: 1_000 } })
  for (let u = 0; u < 500; u++) service.add(event(t0 + u, { user: [`u${u}`], ip: ['shared'] }))
  const values = service.measure(event(t0 + day, { user: ['new'], ip: ['shared'] }))
  assert.equal(values.graphSearchCapped, 1)
  assert.ok(values.graphUsers2h30d <= 30 && values.graphUsers2h30d > 0, String(values.graphUsers2h30d))
  assert.equal(values.usersPerIp, 500, 'a degree is exact whatever the caps')
  assert.equal(values.componentNodes, 501)
})

test("a hub is reached, not walked through: a carrier IP's labelled strangers are not the applicant's risk", () => {
  const service = new GraphService()
  // 300 users on one carrier IP, 50 of them labelled fraud; one fraudster also shares a device with a known user
  for (let u = 0; u < 300; u++) service.add(event(t0 + u, { user: [`u${u}`], ip: ['carrier'] }))
  service.add(event(t0 + 500, { user: ['u0'], device: ['dev-f'] }))
  service.add(event(t0 + 501, { user: ['friend'], device: ['dev-f'] }))
  for (let u = 0; u < 50; u++) service.add(label(t0 + 1_000 + u, { user: [`u${u}`] }))
  const onlyTheIp = service.measure(event(t0 + day, { user: ['newcomer'], ip: ['carrier'] }))
  assert.deepEqual([onlyTheIp.riskUsers2h30d, onlyTheIp.graphUsers2h30d, onlyTheIp.propagatedRisk, onlyTheIp.graphSearchCapped], [0, 0, 0, 0])
  assert.equal(onlyTheIp.usersPerIp, 300, 'the sharing count still says how shared the IP is')
  const onTheDevice = service.measure(event(t0 + day, { user: ['newcomer'], device: ['dev-f'] }))
  assert.equal(onTheDevice.riskUsers2h30d, 1, 'the fraudster on the shared device')
  assert.ok(onTheDevice.propagatedRisk > 0)
  // the investigator's explore still walks the hub
  const explored = service.explore({ kind: 'ip', key: 'carrier', hops: 1, maxNodes: 1_000 })
  assert.equal(explored.nodes.filter((n) => n.kind === 'user').length, 300)
})

test('only IPs are hubs by default: a device shared by hundreds is walked, being the signal itself', () => {
  const service = new GraphService()
  for (let u = 0; u < 250; u++) service.add(event(t0 + u, { user: [`f${u}`], device: ['farm'] }))
  for (let u = 0; u < 5; u++) service.add(label(t0 + 1_000 + u, { user: [`f${u}`] }))
  const onTheFarm = service.measure(event(t0 + day, { user: ['newcomer'], device: ['farm'] }))
  assert.ok(onTheFarm.graphUsers2h30d >= 100, String(onTheFarm.graphUsers2h30d))
  assert.ok(onTheFarm.propagatedRisk > 0)
  const strict = new GraphService({ measure: { hubKinds: ['ip', 'device'] } })
  for (let u = 0; u < 250; u++) strict.add(event(t0 + u, { user: [`f${u}`], device: ['farm'] }))
  assert.equal(strict.measure(event(t0 + day, { user: ['newcomer'], device: ['farm'] })).graphUsers2h30d, 0, 'a kind named a hub kind is not walked')
  assert.throws(() => new GraphService({ measure: { hubKinds: ['planet'] } }), (error: { issues?: { pointer: string }[] }) => error.issues?.[0]?.pointer === '/measure/hubKinds/0')
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

/** Random streams whose labels are of every kind, not only fraud, with some users on one hub IP (so caps are hit). */
const mixedStream = (maxEvents: number) =>
  fc.tuple(eventStream(maxEvents), fc.array(fc.constantFrom(...labelKinds), { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 40 })).map(([events, kinds, hubUsers]) => {
    let labels = 0
    const mixed = events.map((e) => (e.type === 'label' ? { ...e, data: { ...e.data, label: kinds[labels++ % kinds.length] } } : e))
    const hub = Array.from({ length: hubUsers }, (_, u) => event(t0 + u, { user: [`hub${u}`], ip: ['i0'] }))
    return [...hub, ...mixed]
  })

test('the standard declarations give what the fixed measures gave, on random streams with labels of every kind, rings and caps', () => {
  fc.assert(
    fc.property(mixedStream(60), fc.boolean(), (events, tight) => {
      const options = tight ? { measure: { maxNodes: 12, maxEdges: 30, maxEdgesPerNode: 6 } } : {}
      const service = new GraphService(options)
      const scratch = { entities: new EventEntities(), seeds: [], seedHops: [], search: new NeighbourhoodSearch() }
      events.forEach((e, i) => {
        if (i % 15 === 14) service.recompute()
        const legacy = legacyMeasureEvent(service.graph, e, e.occurredAtMs, { ...service.options.measure, windowMs: 30 * day }, scratch, service.rings, service.propagation)
        assert.deepEqual(service.measure(e), { ...legacy }, `event ${i}`)
        // and a later instant, as an entity's current values ask
        const later = e.occurredAtMs + 20 * day
        assert.deepEqual(service.measure(e, later), { ...legacyMeasureEvent(service.graph, e, later, { ...service.options.measure, windowMs: 30 * day }, scratch, service.rings, service.propagation) })
        service.add(e)
      })
    }),
    { numRuns: 80 },
  )
})

test('config/features.yaml declares the standard graph features (the same definitions), and a fraud-only count besides', () => {
  const shipped = parse(readFileSync(new URL('../../config/features.yaml', import.meta.url), 'utf8')) as { features: { kind: string }[] }
  const declared = graphDefinitions(shipped.features.filter((f) => f.kind === 'graph'))
  const byName = new Map(declared.map((d) => [d.name, d]))
  for (const standard of standardGraphFeatures) assert.equal(featureDefinitionText(byName.get(standard.name)!), featureDefinitionText(standard), standard.name)
  assert.deepEqual(
    declared.filter((d) => !graphFeatureNames.includes(d.name)).map((d) => [d.name, d.measure, d.labels]),
    [['fraudNodes2h30d', 'labelled_nodes', ['fraud']]],
  )
  assert.ok(declared.every((d) => d.description), 'every shipped graph feature says what it is')
})

test('labelled_nodes counts the labels it names: fraud only, the risk labels by default, any label kind', () => {
  const service = new GraphService(
    {},
    {},
    graphDefinitions([
      { name: 'riskNodes', kind: 'graph', measure: 'labelled_nodes', hops: 2, window: '30d' },
      { name: 'fraudNodes', kind: 'graph', measure: 'labelled_nodes', hops: 2, window: '30d', labels: ['fraud'] },
      { name: 'fraudUsers', kind: 'graph', measure: 'labelled_nodes', hops: 2, window: '30d', labels: ['fraud'], of: 'user' },
      { name: 'victims', kind: 'graph', measure: 'labelled_nodes', hops: 2, window: '30d', labels: ['scam_victim'] },
    ]),
  )
  // three users on one device: one confirmed fraud (user and device labelled), one intermediary, one scam victim
  for (const u of ['f', 'm', 'v']) service.add(event(t0, { user: [u], device: ['d'] }))
  service.add(label(t0 + 1, { user: ['f'], device: ['d'] }, 'fraud'))
  service.add(label(t0 + 2, { user: ['m'] }, 'intermediary'))
  service.add(label(t0 + 3, { user: ['v'] }, 'scam_victim'))
  const values = service.measure(event(t0 + day, { user: ['new'], device: ['d'] }))
  assert.deepEqual(values, { riskNodes: 3, fraudNodes: 2, fraudUsers: 1, victims: 1 }, 'f, d and m are risky; f and d fraud; v is a victim, not a risk')
})

test('a 1-hop measure sees the event\'s entities and the applicant\'s own links, a 2-hop one their other users too', () => {
  const service = new GraphService(
    {},
    {},
    graphDefinitions([
      { name: 'nodes1h', kind: 'graph', measure: 'neighbourhood_nodes', hops: 1, window: '30d' },
      { name: 'nodes2h', kind: 'graph', measure: 'neighbourhood_nodes', hops: 2, window: '30d' },
      { name: 'users1h', kind: 'graph', measure: 'neighbourhood_nodes', hops: 1, window: '30d', of: 'user' },
      { name: 'capped1h', kind: 'graph', measure: 'search_capped', hops: 1, window: '30d' },
    ]),
  )
  service.add(event(t0, { user: ['a'], phone: ['pa'] }))
  service.add(event(t0, { user: ['b'], device: ['d'] }))
  const values = service.measure(event(t0 + day, { user: ['a'], device: ['d'] }))
  assert.deepEqual(values, { nodes1h: 2, nodes2h: 3, users1h: 0, capped1h: 0 }, 'pa and d at one hop; b, through d, at two')
  assert.equal(service.plan.searches.length, 2, 'one search per (hops, window)')
})

test('shared_users over a window counts the users whose link was last seen in it; all time counts every one', () => {
  const service = new GraphService(
    {},
    {},
    graphDefinitions([
      { name: 'usersPerDevice7d', kind: 'graph', measure: 'shared_users', entity: 'device', window: '7d' },
      { name: 'usersPerDevice', kind: 'graph', measure: 'shared_users', entity: 'device' },
    ]),
  )
  service.add(event(t0, { user: ['old'], device: ['d'] }))
  service.add(event(t0, { user: ['back'], device: ['d'] }))
  service.add(event(t0 + 10 * day, { user: ['back'], device: ['d'] }))
  service.add(event(t0 + 11 * day, { user: ['recent'], device: ['d'] }))
  service.add(event(t0 + 11 * day, { user: ['me'], device: ['d'] }))
  assert.deepEqual(service.measure(event(t0 + 12 * day, { user: ['me'], device: ['d'] })), { usersPerDevice7d: 2, usersPerDevice: 3 }, 'back and recent in 7 days; old too in all; never me')
  assert.deepEqual(service.measure(event(t0 + 12 * day, { user: ['me'], device: ['d'] }), t0 + 5 * day), { usersPerDevice7d: 2, usersPerDevice: 3 }, 'as of day 5: old and back (links first seen by then)')
})

test('shared_users over a window equals a count over the raw events, on random streams', () => {
  fc.assert(
    fc.property(eventStream(50), fc.integer({ min: 1, max: 10 }), (events, windowDays) => {
      const service = new GraphService({}, {}, graphDefinitions([{ name: 'usersPerIpRecent', kind: 'graph', measure: 'shared_users', entity: 'ip', window: `${windowDays}d` }]))
      events.forEach((e, i) => {
        const ip = e.keys.ip?.[0]
        const last = new Map<string, number>()
        for (const h of events.slice(0, i)) if (h.type !== 'label' && h.keys.ip?.[0] === ip) last.set(h.keys.user![0]!, h.occurredAtMs)
        last.delete(e.keys.user![0]!)
        const expected = ip === undefined ? 0 : [...last.values()].filter((at) => at >= e.occurredAtMs - windowDays * day).length
        assert.equal(service.observe(e).usersPerIpRecent, expected, `event ${i}`)
      })
    }),
    { numRuns: 80 },
  )
})

test('without graph features the graph measures nothing, and still takes every event', () => {
  const service = new GraphService({}, {}, [])
  assert.deepEqual(service.observe(event(t0, { user: ['a'], device: ['d'] })), {})
  assert.deepEqual(service.measure(event(t0 + 1, { user: ['b'], device: ['d'] })), {})
  assert.equal(service.graph.events, 1)
  assert.deepEqual(service.measureNames, [])
})

test('a restored graph measures what is declared now, not what was declared when its snapshot was taken', () => {
  const before = new GraphService()
  const events = [event(t0, { user: ['a'], device: ['d'] }), event(t0 + 1, { user: ['b'], device: ['d'] }), label(t0 + 2, { user: ['a'] }, 'fraud')]
  for (const e of events) before.add(e)
  const now = graphDefinitions([{ name: 'fraudUsers1h7d', kind: 'graph', measure: 'labelled_nodes', hops: 2, window: '7d', labels: ['fraud'], of: 'user' }])
  const restored = GraphService.restore(before.snapshot(), {}, now)
  const probe = event(t0 + day, { user: ['c'], device: ['d'] })
  assert.deepEqual(restored.measure(probe), { fraudUsers1h7d: 1 })
  const fresh = new GraphService({}, {}, now)
  for (const e of events) fresh.add(e)
  assert.deepEqual(restored.measure(probe), fresh.measure(probe))
})
