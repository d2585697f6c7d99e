import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { CommunityCache, computeRings } from '../../src/graph/communities.ts'
import type { GraphEvent } from '../../src/graph/graph-event.ts'
import { GraphService } from '../../src/graph/graph-service.ts'
import { userKind } from '../../src/graph/node-table.ts'
import { day, event, t0 } from './graph-fixtures.ts'

/** Streams over a few separate groups (users and entities of a group meet only each other): several components, most untouched by a day's events. */
const groupedStream = fc
  .array(
    fc.record({
      gapMs: fc.integer({ min: 0, max: day }),
      group: fc.integer({ min: 0, max: 5 }),
      user: fc.integer({ min: 0, max: 4 }),
      device: fc.integer({ min: 0, max: 2 }),
      contact: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
    }),
    { minLength: 40, maxLength: 120 },
  )
  .map((items) => {
    let at = t0
    return items.map((item): GraphEvent => {
      at += item.gapMs
      const g = item.group
      const keys: GraphEvent['keys'] = { user: [`g${g}u${item.user}`], device: [`g${g}d${item.device}`] }
      if (item.contact !== undefined) keys.contacts = [`g${g}c${item.contact}`]
      return event(at, keys)
    })
  })

const withoutTime = (index: ReturnType<typeof computeRings>) => ({ ...index, stats: { ...index.stats, ms: 0 } })

test('a recomputation that reuses unchanged components gives what a computation from nothing gives', () => {
  let reused = 0
  let computed = 0
  fc.assert(
    fc.property(groupedStream, (events) => {
      // a short window, so components also shrink as edges age out
      const service = new GraphService({ rings: { minUsers: 2, windowMs: 10 * day } })
      let nextMs = t0 + day
      for (const e of events) {
        while (e.occurredAtMs >= nextMs) {
          const previous = service.rings
          const cached = service.recompute(nextMs)
          reused += service.communityCache.reused
          computed += service.communityCache.computed
          const fresh = computeRings(service.graph, nextMs, service.options.rings, service.options.measure.growthWindowMs, new CommunityCache(), previous)
          assert.deepEqual(withoutTime(cached), withoutTime(fresh))
          nextMs += day
        }
        service.add(e)
      }
    }),
    { numRuns: 60 },
  )
  assert.ok(reused > 50 && computed > 50, `${reused} components reused, ${computed} run`)
})

test('a community never crosses components, and a component with fewer users than minUsers is no ring', () => {
  const service = new GraphService({ rings: { minUsers: 3 } })
  // two teams of four on their own devices and address, and a pair sharing a device
  for (let m = 0; m < 4; m++) service.add(event(t0 + m, { user: [`a${m}`], device: [`ad${m % 2}`], address: ['a-flat'] }))
  for (let m = 0; m < 4; m++) service.add(event(t0 + 10 + m, { user: [`b${m}`], device: [`bd${m % 2}`], address: ['b-flat'] }))
  for (let m = 0; m < 2; m++) service.add(event(t0 + 20 + m, { user: [`c${m}`], device: ['cd'] }))
  const index = service.recompute(t0 + day)
  const ringOfUser = (key: string) => index.ringOf[service.graph.nodes.find(userKind, key)]!
  assert.equal(index.rings.length, 2, JSON.stringify(index.rings))
  assert.deepEqual(
    ['a0', 'a1', 'a2', 'a3'].map(ringOfUser),
    Array(4).fill(ringOfUser('a0')),
  )
  assert.deepEqual(
    ['b0', 'b1', 'b2', 'b3'].map(ringOfUser),
    Array(4).fill(ringOfUser('b0')),
  )
  assert.notEqual(ringOfUser('a0'), ringOfUser('b0'))
  assert.deepEqual([ringOfUser('c0'), ringOfUser('c1')], [-1, -1])
  // the pair's component was counted but never run
  assert.equal(service.communityCache.computed, 2)
  assert.equal(index.stats.communities, 3)
})
