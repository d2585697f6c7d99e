import assert from 'node:assert/strict'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { deserialize, serialize } from 'node:v8'
import { after, before, describe, test } from 'node:test'
import { featureSnapshotFile } from '../../src/app/feature-snapshot-file.ts'
import type { Engine } from '../../src/app/open-engine.ts'
import type { XiezhiError } from '../../src/core/errors.ts'
import { explainDecision } from '../../src/decisions/explain-decision.ts'
import { exampleEvent, openTestEngine, tempDataDir } from '../support/temp-engine.ts'

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString()

/** A small burst from one device: enough history for windows and rules to matter. */
function burst(prefix: string, count: number) {
  return Array.from({ length: count }, (_, i) =>
    exampleEvent('credit.application', {
      id: `${prefix}-${i}`,
      occurredAt: minutesAgo(30 - i),
      data: { userId: `u-${i % 3}`, applicationId: `a-${prefix}-${i}`, idNumber: `1101011990030${7000 + i}`, contacts: [{ phone: '13900139000' }] },
    }),
  )
}

describe('idempotency', () => {
  const data = tempDataDir()
  let engine: Engine
  after(async () => {
    await engine.close()
    data.remove()
  })

  test('the same id and body return the same bytes; key order does not matter', async () => {
    engine = await openTestEngine(data.dir)
    const event = exampleEvent('login', { id: 'idem-1', occurredAt: minutesAgo(1) })
    const first = await engine.decisions.decide('default', event)
    const reordered = Object.fromEntries(Object.entries(event).reverse())
    const again = await engine.decisions.decide('default', reordered)
    assert.equal(first.status, 'created')
    assert.equal(again.status, 'replayed')
    assert.equal(again.body, first.body)
  })

  test('the same id with a different body is a conflict, and the first decision stands', async () => {
    const event = exampleEvent('login', { id: 'idem-2', occurredAt: minutesAgo(1) })
    const first = await engine.decisions.decide('default', event)
    await assert.rejects(
      engine.decisions.decide('default', { ...event, data: { ...event.data, success: false } }),
      (e: XiezhiError) => e.kind === 'idempotency_conflict',
    )
    assert.equal((await engine.decisions.decide('default', event)).body, first.body)
  })

  test('concurrent duplicates produce one decision', async () => {
    const event = exampleEvent('credit.application', { id: 'idem-3', occurredAt: minutesAgo(1) })
    const results = await Promise.all(Array.from({ length: 20 }, () => engine.decisions.decide('default', event)))
    assert.equal(new Set(results.map((r) => r.body)).size, 1)
    assert.equal(results.filter((r) => r.status === 'created').length, 1)
    const listed = await engine.store.listDecisions({ tenantId: 'default', limit: 100 })
    assert.equal(listed.items.filter((d) => d.eventId === 'idem-3').length, 1)
  })

  test('ids are per tenant', async () => {
    const event = exampleEvent('login', { id: 'idem-1', occurredAt: minutesAgo(1) })
    const other = await engine.decisions.decide('tenant-b', event)
    assert.equal(other.status, 'created')
  })
})

describe('a restart changes nothing', () => {
  test('replays return the same bytes and features equal an uninterrupted run', async () => {
    const interrupted = tempDataDir()
    const uninterrupted = tempDataDir()
    const history = burst('h', 8)
    const probe = burst('probe', 1)[0]!
    probe.id = 'probe'
    probe.occurredAt = minutesAgo(1)
    try {
      // run A: history, restart, then the probe
      let a = await openTestEngine(interrupted.dir)
      const firstBodies = []
      for (const event of history) firstBodies.push((await a.decisions.decide('default', event)).body)
      await a.close()
      a = await openTestEngine(interrupted.dir)
      // a clean close leaves a snapshot with every event in it
      assert.deepEqual([a.rebuilt.snapshot, a.rebuilt.events], ['restored', 0])
      await a.close()
      // a damaged snapshot (its running state cut short) is not used: the decision log serves instead
      const file = featureSnapshotFile(interrupted.dir)
      const saved = deserialize(readFileSync(file)) as { tenants: Record<string, { groups: { numbers: { state: Float64Array } }[] }> }
      for (const group of saved.tenants.default!.groups) group.numbers.state = group.numbers.state.subarray(0, 1)
      writeFileSync(file, serialize(saved))
      a = await openTestEngine(interrupted.dir)
      assert.match(a.rebuilt.snapshot, /^unreadable: /)
      assert.equal(a.rebuilt.events, history.length)
      await a.close()
      // without the snapshot the state comes back from the decision log
      rmSync(featureSnapshotFile(interrupted.dir))
      a = await openTestEngine(interrupted.dir)
      assert.deepEqual([a.rebuilt.snapshot, a.rebuilt.events], ['no snapshot yet', history.length])
      for (const [i, event] of history.entries()) {
        const replay = await a.decisions.decide('default', event)
        assert.equal(replay.status, 'replayed')
        assert.equal(replay.body, firstBodies[i])
      }
      const afterRestart = await a.decisions.decide('default', probe)
      await a.close()

      // run B: the same history and probe without a restart
      const b = await openTestEngine(uninterrupted.dir)
      for (const event of history) await b.decisions.decide('default', event)
      const straight = await b.decisions.decide('default', probe)
      await b.close()

      const features = (body: string) => (JSON.parse(body) as { features: Record<string, number> }).features
      assert.deepEqual(features(afterRestart.body), features(straight.body))
      assert.equal(features(straight.body).applicationsPerDevice1h, 8)
      assert.equal(features(straight.body).distinctUsersPerDevice30d, 3)
    } finally {
      interrupted.remove()
      uninterrupted.remove()
    }
  })
})

describe('explain', () => {
  test('a stored decision re-runs from its record to the same outcome', async () => {
    const data = tempDataDir()
    const engine = await openTestEngine(data.dir)
    try {
      let last = ''
      for (const event of burst('x', 6)) last = (await engine.decisions.decide('default', event)).body
      const decision = JSON.parse(last) as { decisionId: string; action: string; reasons: { code: string }[] }
      assert.notEqual(decision.action, 'approve', 'the burst should trip a rule')
      const explanation = await explainDecision(engine, 'default', decision.decisionId)
      assert.equal(explanation.reproduced, true, explanation.differences.join('\n'))
      assert.deepEqual(explanation.path.length > 0, true)
      assert.deepEqual(explanation.replayed.reasons.map((r) => r.code), decision.reasons.map((r) => r.code))
    } finally {
      await engine.close()
      data.remove()
    }
  })
})

describe('the shipped click and complaint strategies', () => {
  const data = tempDataDir()
  let engine: Engine
  before(async () => {
    engine = await openTestEngine(data.dir)
  })
  after(async () => {
    await engine.close()
    data.remove()
  })
  const decide = async (event: object) => JSON.parse((await engine.decisions.decide('default', event)).body) as { action: string; reasons: { code: string; evidence: object }[] }

  test('a device that clicked from two cities within the hour has its third click rejected', async () => {
    const click = (i: number, city: string) =>
      exampleEvent('marketing.click', { id: `click-${i}`, occurredAt: minutesAgo(30 - i), data: { clickId: `clk-${i}`, deviceId: 'dev-traveller', city } })
    // features count only earlier clicks: the second city is seen from the third click on
    assert.equal((await decide(click(1, '北京'))).action, 'approve')
    assert.equal((await decide(click(2, '广州'))).action, 'approve')
    const third = await decide(click(3, '广州'))
    assert.equal(third.action, 'reject')
    assert.deepEqual(third.reasons.map((r) => r.code), ['CLICK_IMPOSSIBLE_TRAVEL'])
    assert.deepEqual(third.reasons[0]!.evidence, { 'features.distinctCitiesPerDevice1h': 2 })
  })

  test('one phone complaining for a third customer goes to the investigation desk', async () => {
    const complaint = (i: number) =>
      exampleEvent('complaint', { id: `complaint-${i}`, occurredAt: minutesAgo(30 - i), data: { complaintId: `cmp-${i}`, userId: `u-debtor-${i}`, phone: '13600136000' } })
    assert.equal((await decide(complaint(1))).action, 'approve')
    assert.equal((await decide(complaint(2))).action, 'approve')
    const third = await decide(complaint(3))
    assert.equal(third.action, 'review')
    assert.deepEqual(third.reasons.map((r) => r.code), ['COMPLAINT_PHONE_MANY_CUSTOMERS'])
  })
})

describe('one deciding process per data directory', () => {
  test('a second engine on the same directory is refused with a clear message, and may start once the first closes', async () => {
    const data = tempDataDir()
    try {
      const first = await openTestEngine(data.dir)
      await assert.rejects(openTestEngine(data.dir), (e: XiezhiError) => e.kind === 'invalid_configuration' && /another Xiezhi process \(pid \d+\)/.test(e.message))
      await first.close()
      const second = await openTestEngine(data.dir)
      await second.close()
    } finally {
      data.remove()
    }
  })
})
