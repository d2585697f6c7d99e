import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { XiezhiError } from '../../src/core/errors.ts'
import { GraphService } from '../../src/graph/graph-service.ts'
import { kindIndex } from '../../src/graph/node-table.ts'
import { suspectRings } from '../../src/graph/rings.ts'
import { day, event, label, t0 } from './graph-fixtures.ts'

/** Ordinary people: each on their own device and phone, sharing a carrier's IP pool; and one team of eight sharing two devices, an address and a controller's phone. */
function world(): GraphService {
  const service = new GraphService()
  for (let u = 0; u < 120; u++) service.add(event(t0 + u * 60_000, { user: [`p${u}`], device: [`pd${u}`], phone: [`pp${u}`], ip: [`pool${u % 6}`] }))
  for (let m = 0; m < 8; m++)
    service.add(event(t0 + day + m * 600_000, { user: [`r${m}`], device: [`rd${m % 2}`], phone: [`rp${m}`], address: ['flat'], contacts: ['boss', `rp${(m + 1) % 8}`], ip: [`pool${m % 6}`] }, 'credit.application'))
  return service
}

test('Louvain finds the team as one ring, cohesive, apart from the people who only share IPs; its labels raise its risk', () => {
  const service = world()
  const before = service.recompute(t0 + 2 * day)
  const team = before.rings.find((ring) => ring.cohesion >= 0.9)
  assert.ok(team, JSON.stringify(before.rings))
  assert.equal(team.users, 8)
  assert.equal(team.growth, 1, 'all joined within the growth window')
  assert.ok(before.rings.filter((r) => r !== team).every((r) => r.cohesion < 0.5), 'the IP pools are not cohesive')
  assert.deepEqual(suspectRings(before).map((r) => r.id), [team.id])
  for (let m = 0; m < 3; m++) service.add(label(t0 + 2 * day, { user: [`r${m}`], device: [`rd${m % 2}`] }))
  const after = service.recompute(t0 + 3 * day)
  const labelled = after.rings.find((ring) => ring.cohesion >= 0.9)!
  assert.equal(labelled.riskUsers, 3)
  assert.ok(labelled.risk > 0.3 && labelled.risk < 3 / 8 + 0.01, String(labelled.risk))
  // a newcomer on the team's device sees the ring's risk and propagated risk; an ordinary newcomer does not
  const joiner = service.measure(event(t0 + 3 * day, { user: ['new'], device: ['rd0'] }))
  assert.equal(joiner.ringRisk, labelled.risk)
  assert.equal(joiner.ringUsers, 8)
  assert.ok(joiner.propagatedRisk > 0)
  assert.equal(joiner.riskUsers2h30d, 2, 'r0 and r2 use rd0')
  const ordinary = service.measure(event(t0 + 3 * day, { user: ['other'], device: ['pd5'] }))
  assert.equal(ordinary.ringRisk, 0)
  assert.equal(ordinary.riskUsers2h30d, 0)
})

test('the same graph gives the same rings (Louvain runs in a seeded order)', () => {
  const a = world().recompute(t0 + 2 * day)
  const b = world().recompute(t0 + 2 * day)
  assert.deepEqual({ ...a, stats: { ...a.stats, ms: 0 } }, { ...b, stats: { ...b.stats, ms: 0 } })
})

test('explore: a k-hop neighbourhood with labels, rings, counts and times, JSON as it stands, key prefixes only', () => {
  const service = world()
  service.add(label(t0 + 2 * day, { user: ['r0'] }))
  service.recompute(t0 + 2 * day)
  const user = service.graph.nodes.find(kindIndex('user'), 'r0')
  const result = service.explore({ node: user, hops: 2 })
  assert.equal(result.center, user)
  assert.deepEqual(JSON.parse(JSON.stringify(result)), result)
  const center = result.nodes[0]!
  assert.deepEqual({ kind: center.kind, hop: center.hop, labels: center.labels, riskLabels: center.riskLabels }, { kind: 'user', hop: 0, labels: ['fraud'], riskLabels: 1 })
  assert.ok(center.ring && center.ring.users === 8)
  assert.equal(center.keyPrefix, 'r0')
  assert.ok(result.nodes.some((n) => n.kind === 'address' && n.hop === 1 && n.users === 8))
  for (const edge of result.edges) {
    assert.ok(result.nodes.some((n) => n.id === edge.source) && result.nodes.some((n) => n.id === edge.target))
    assert.ok(edge.count >= 1 && edge.firstSeen <= edge.lastSeen)
  }
  // kinds filter, and caps
  const onlyUsers = service.explore({ node: user, hops: 2, kinds: ['device'] })
  assert.ok(onlyUsers.nodes.slice(1).every((n) => n.kind === 'device'))
  const capped = service.explore({ node: user, hops: 3, maxNodes: 10, maxEdges: 5 })
  assert.equal(capped.nodes.length, 10)
  assert.ok(capped.edges.length <= 5)
  assert.equal(capped.truncated, true)
  // by kind and key, and a time window that excludes everything but the centre
  const byKey = service.explore({ kind: 'address', key: 'flat', hops: 1, toMs: t0 })
  assert.deepEqual(byKey.nodes.length, 1)
})

test('explore refuses a bad query naming every field, and an unknown entity is not found', () => {
  const service = world()
  assert.throws(
    () => service.explore({ kind: 'planet', key: 'x', hops: 9, maxNodes: 0, fromMs: 5, toMs: 1, kinds: ['moon'] }),
    (error: XiezhiError) =>
      error.kind === 'invalid_input' &&
      JSON.stringify(error.issues.map((i) => [i.pointer, i.code])) ===
        JSON.stringify([
          ['/hops', 'out_of_range'],
          ['/maxNodes', 'out_of_range'],
          ['/kind', 'unknown_entity_kind'],
          ['/kinds/0', 'unknown_entity_kind'],
          ['/fromMs', 'invalid_range'],
        ]),
  )
  assert.throws(() => service.explore({}), (error: XiezhiError) => error.issues[0]?.code === 'required')
  assert.throws(() => service.explore({ kind: 'phone', key: 'never' }), (error: XiezhiError) => error.kind === 'not_found')
})

test('graph options are checked, naming each field', () => {
  assert.throws(
    () => new GraphService({ measure: { maxNodes: 0 }, propagation: { alpha: 1 }, riskLabels: ['robbery'] }),
    (error: XiezhiError) => JSON.stringify(error.issues.map((i) => i.pointer)) === JSON.stringify(['/measure/maxNodes', '/propagation/alpha', '/riskLabels/0']),
  )
})
