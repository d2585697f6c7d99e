/**
 * The investigator's filters and lists over the graph itself: the k-hop
 * neighbourhood follows only the edge types asked for, and the rings list
 * pages, sorts and filters the last computation's rings with members by
 * kind, labelled users and a node to open each at. Bad queries are refused
 * naming each field.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { XiezhiError } from '../../src/core/errors.ts'
import { edgeTypeOf, parseEdgeType } from '../../src/graph/explore.ts'
import { GraphService } from '../../src/graph/graph-service.ts'
import { kindIndex } from '../../src/graph/node-table.ts'
import { listRings } from '../../src/graph/ring-list.ts'
import { day, event, label, t0 } from './graph-fixtures.ts'

/** Ordinary people on their own device and phone sharing IP pools; a team of eight on two devices, an address and each other's phones; a second, smaller team of four on one device. */
function world(): GraphService {
  const service = new GraphService()
  for (let u = 0; u < 120; u++) service.add(event(t0 + u * 60_000, { user: [`p${u}`], device: [`pd${u}`], phone: [`pp${u}`], ip: [`pool${u % 6}`] }))
  for (let m = 0; m < 8; m++)
    service.add(event(t0 + day + m * 600_000, { user: [`r${m}`], device: [`rd${m % 2}`], phone: [`rp${m}`], address: ['flat'], contacts: ['boss', `rp${(m + 1) % 8}`], ip: [`pool${m % 6}`] }, 'credit.application'))
  for (let m = 0; m < 4; m++) service.add(event(t0 + 1.5 * day + m * 600_000, { user: [`s${m}`], device: ['sd'], phone: ['sp'], bank_card: [`sc${m}`] }, 'credit.application'))
  return service
}

test('edge types are named by their ends, user first, and read in either order', () => {
  assert.equal(edgeTypeOf('device', 'user'), 'user-device')
  assert.equal(edgeTypeOf('user', 'bank_card'), 'user-bank_card')
  assert.equal(parseEdgeType('device-user')?.type, 'user-device')
  assert.equal(parseEdgeType('user-contacts')?.type, 'user-contacts')
  for (const bad of ['user', 'user-', 'user-car', 'user-device-phone', 'user_device']) assert.equal(parseEdgeType(bad), undefined, bad)
})

test('explore follows only the edge types asked for: a node reached only through others is not shown', () => {
  const service = world()
  service.recompute(t0 + 2 * day)
  const user = service.graph.nodes.find(kindIndex('user'), 'r0')
  const all = service.explore({ node: user, hops: 2 })
  assert.ok(new Set(all.edges.map((e) => e.type)).size >= 4, 'devices, phones, contacts, the address and IPs')
  for (const edge of all.edges) {
    const [a, b] = [all.nodes.find((n) => n.id === edge.source)!, all.nodes.find((n) => n.id === edge.target)!]
    assert.equal(edge.type, edgeTypeOf(a.kind, b.kind))
  }
  // the team's devices only: r0's device, and the users on it (r2, r4, r6)
  const byDevice = service.explore({ node: user, hops: 2, edgeTypes: ['user-device'] })
  assert.deepEqual([...new Set(byDevice.edges.map((e) => e.type))], ['user-device'])
  assert.deepEqual(byDevice.nodes.map((n) => n.kind).sort(), ['device', 'user', 'user', 'user', 'user'])
  assert.ok(!byDevice.nodes.some((n) => n.kind === 'ip'), 'no IP pool pulls in ordinary people')
  // two types, either order
  const deviceOrAddress = service.explore({ node: user, hops: 2, edgeTypes: ['device-user', 'user-address'] })
  assert.deepEqual(new Set(deviceOrAddress.edges.map((e) => e.type)), new Set(['user-device', 'user-address']))
  assert.equal(deviceOrAddress.nodes.filter((n) => n.kind === 'user').length, 8, 'the whole team shares the address')
  // with a time window and a node-kind filter together
  const none = service.explore({ node: user, hops: 2, edgeTypes: ['user-device'], toMs: t0 })
  assert.equal(none.nodes.length, 1)
  // an empty list is no filter
  assert.equal(service.explore({ node: user, hops: 2, edgeTypes: [] }).nodes.length, all.nodes.length)
})

test('explore refuses an unknown edge type, naming its place in the list', () => {
  const service = world()
  assert.throws(
    () => service.explore({ node: 0, edgeTypes: ['user-device', 'user-car', 'phone'] }),
    (error: XiezhiError) => {
      assert.deepEqual(
        error.issues.map((i) => [i.pointer, i.code]),
        [
          ['/edgeTypes/1', 'unknown_edge_type'],
          ['/edgeTypes/2', 'unknown_edge_type'],
        ],
      )
      return true
    },
  )
})

test('the rings list: riskiest first, members by kind, labelled users, a focus node; sorted, filtered and paged', () => {
  const service = world()
  for (let m = 0; m < 3; m++) service.add(label(t0 + 2 * day, { user: [`r${m}`] }))
  const index = service.recompute(t0 + 2 * day)
  const list = listRings(service.graph, index)
  assert.equal(list.computedAt, new Date(t0 + 2 * day).toISOString())
  assert.ok(list.total >= 2, JSON.stringify(list))
  const [first, second] = list.items
  assert.equal(first!.users, 8)
  assert.equal(first!.riskUsers, 3)
  assert.deepEqual(first!.labelledUsers, { fraud: 3 })
  assert.equal(first!.members.user, 8)
  assert.equal(first!.members.address, 1)
  assert.equal(first!.members.device, 2)
  assert.equal(Object.values(first!.members).reduce((a, b) => a + b, 0), first!.nodes)
  assert.ok(first!.firstSeen <= first!.lastJoined)
  // the focus node is the member linked to most users: the team's address
  assert.equal(service.graph.nodes.kind(first!.focusNode), 'address')
  assert.equal(second!.users, 4)
  assert.ok(first!.risk >= second!.risk)
  assert.equal(JSON.stringify(list).includes('flat'), false, 'no key in the list')
  // size first, smallest first
  assert.deepEqual(listRings(service.graph, index, { sort: 'users', order: 'asc' }).items.map((r) => r.users).slice(0, 2), [4, 8])
  // the labelled ring only: risk at least 0.3 and cohesive rings not let in
  const risky = listRings(service.graph, index, { minRisk: 0.3, cohesive: false })
  assert.deepEqual(risky.items.map((r) => r.users), [8])
  assert.deepEqual(listRings(service.graph, index, { minUsers: 5 }).items.map((r) => r.users), [8])
  // pages
  const page2 = listRings(service.graph, index, { limit: 1, offset: 1 })
  assert.deepEqual([page2.total, page2.offset, page2.limit, page2.items[0]?.id], [list.total, 1, 1, second!.id])
  assert.deepEqual(listRings(service.graph, index, { offset: 100 }).items, [])
})

test('the rings list refuses bad paging and sorting, naming each field; before any computation it is empty', () => {
  const service = world()
  assert.deepEqual(listRings(service.graph, service.rings), { computedAt: null, total: 0, offset: 0, limit: 50, items: [] })
  assert.throws(
    () => listRings(service.graph, service.rings, { limit: 0, offset: -1, minRisk: 2, sort: 'size' as never, order: 'up' as never, minUsers: 1.5 }),
    (error: XiezhiError) => {
      assert.deepEqual(error.issues.map((i) => i.pointer).sort(), ['/limit', '/minRisk', '/minUsers', '/offset', '/order', '/sort'])
      return true
    },
  )
})
