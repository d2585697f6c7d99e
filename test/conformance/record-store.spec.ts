import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { RecordStore, StoredDecision } from '../../src/decisions/record-store.ts'

/**
 * The contract of the records port. Every adapter (SQLite today, PostgreSQL
 * next) runs this same suite; `open` gives a fresh, empty store each time.
 */
export function recordStoreSpec(adapter: string, open: () => Promise<RecordStore>) {
  const t0 = Date.parse('2026-11-01T00:00:00Z')
  let n = 0
  const decision = (overrides: Partial<StoredDecision> = {}): StoredDecision => {
    n++
    return {
      decisionId: `d-${n}`,
      tenantId: 'default',
      eventId: `e-${n}`,
      eventType: 'login',
      action: 'approve',
      occurredAtMs: t0 + n * 1000,
      decidedAtMs: t0 + n * 1000 + 5,
      strategyId: 'login',
      strategyVersion: 1,
      bodyHash: `h-${n}`,
      sealedEvent: Buffer.from([1, 2, 3, n % 256]),
      entityKeys: { device: [`dev-${n % 2}`], user: [`user-${n}`] },
      trace: '{}',
      response: JSON.stringify({ decisionId: `d-${n}` }),
      previousHash: 'p',
      hash: `hash-${n}`,
      ...overrides,
    }
  }
  const withStore = (name: string, body: (store: RecordStore) => Promise<void>) =>
    test(name, async () => {
      const store = await open()
      try {
        await body(store)
      } finally {
        await store.close()
      }
    })

  describe(`record store contract: ${adapter}`, () => {
    withStore('appended decisions are found by event id and by decision id, byte for byte', async (store) => {
      const d = decision()
      await store.appendDecisions([d])
      assert.deepEqual(await store.findByEventId('default', d.eventId), { bodyHash: d.bodyHash, response: d.response })
      assert.deepEqual(await store.getDecision('default', d.decisionId), d)
      assert.equal(await store.getDecision('other-tenant', d.decisionId), undefined)
      assert.equal(await store.findByEventId('default', 'missing'), undefined)
      assert.equal(await store.lastDecisionHash(), d.hash)
    })

    withStore('a batch is all or nothing: a duplicate event id rejects the whole batch', async (store) => {
      const first = decision()
      await store.appendDecisions([first])
      const fresh = decision()
      await assert.rejects(store.appendDecisions([fresh, decision({ eventId: first.eventId })]))
      assert.equal(await store.getDecision('default', fresh.decisionId), undefined)
      assert.equal(await store.lastDecisionHash(), first.hash)
    })

    withStore('listing filters by entity, action, type and time, newest first, with a cursor', async (store) => {
      const batch = Array.from({ length: 7 }, (_, i) => decision({ action: i % 3 === 0 ? 'review' : 'approve' }))
      await store.appendDecisions(batch)
      const byDevice = await store.listDecisions({ tenantId: 'default', entityKey: batch[0]!.entityKeys.device![0]!, limit: 2 })
      assert.equal(byDevice.items.length, 2)
      assert.ok(byDevice.nextCursor)
      const rest = await store.listDecisions({ tenantId: 'default', entityKey: batch[0]!.entityKeys.device![0]!, limit: 10, cursor: byDevice.nextCursor! })
      const all = [...byDevice.items, ...rest.items].map((d) => d.decisionId)
      const expected = batch.filter((d) => d.entityKeys.device![0] === batch[0]!.entityKeys.device![0]).map((d) => d.decisionId).reverse()
      assert.deepEqual(all, expected)
      assert.equal(rest.nextCursor, undefined)
      const reviews = await store.listDecisions({ tenantId: 'default', action: 'review', limit: 10 })
      assert.deepEqual(reviews.items.map((d) => d.decisionId), [batch[6]!, batch[3]!, batch[0]!].map((d) => d.decisionId))
      const window = await store.listDecisions({ tenantId: 'default', fromMs: batch[2]!.occurredAtMs, toMs: batch[4]!.occurredAtMs, limit: 10 })
      assert.deepEqual(window.items.map((d) => d.decisionId), [batch[3]!, batch[2]!].map((d) => d.decisionId))
      await assert.rejects(store.listDecisions({ tenantId: 'default', limit: 1, cursor: 'garbage' }), /cursor/)
    })

    withStore('decisionsSince yields in append order, from a time on, in batches', async (store) => {
      const batch = Array.from({ length: 5 }, () => decision())
      await store.appendDecisions(batch.slice(0, 3))
      await store.appendDecisions(batch.slice(3))
      const seen: string[] = []
      for await (const page of store.decisionsSince(batch[1]!.occurredAtMs, 2)) seen.push(...page.map((d) => d.decisionId))
      assert.deepEqual(seen, batch.slice(1).map((d) => d.decisionId))
    })

    withStore('strategy versions are immutable once saved', async (store) => {
      await store.saveStrategyVersion({ id: 's', version: 1, hash: 'a', document: '{}', savedAtMs: 1 })
      await store.saveStrategyVersion({ id: 's', version: 1, hash: 'b', document: '{"x":1}', savedAtMs: 2 })
      assert.deepEqual(await store.getStrategyVersion('s', 1), { id: 's', version: 1, hash: 'a', document: '{}', savedAtMs: 1 })
      assert.equal(await store.getStrategyVersion('s', 2), undefined)
    })

    withStore('a feature gets a new version only when its definition changes', async (store) => {
      assert.equal((await store.recordFeatureVersion('f', 'h1', '{"a":1}', 1)).version, 1)
      assert.equal((await store.recordFeatureVersion('f', 'h1', '{"a":1}', 2)).version, 1)
      assert.equal((await store.recordFeatureVersion('f', 'h2', '{"a":2}', 3)).version, 2)
      assert.equal((await store.recordFeatureVersion('g', 'h1', '{}', 4)).version, 1)
      assert.deepEqual(
        (await store.listFeatureVersions('f')).map((v) => [v.version, v.hash, v.savedAtMs]),
        [
          [1, 'h1', 1],
          [2, 'h2', 3],
        ],
      )
      assert.equal((await store.listFeatureVersions()).length, 3)
    })

    withStore('event types are saved per tenant and replaced by type', async (store) => {
      const def = { tenantId: 'acme', type: 'merchant.payout', description: 'v1', schema: { type: 'object' }, entities: {} }
      await store.saveEventType(def)
      await store.saveEventType({ ...def, description: 'v2' })
      assert.deepEqual(await store.listEventTypes(), [{ ...def, description: 'v2' }])
    })

    withStore('api keys can be found, listed and revoked once', async (store) => {
      const key = { id: 'abc', tenantId: 'default', name: 'ci', secretHash: 'ff', createdAtMs: 1, revokedAtMs: null }
      await store.saveApiKey(key)
      assert.deepEqual(await store.findApiKey('abc'), key)
      assert.equal(await store.revokeApiKey('abc', 5), true)
      assert.equal(await store.revokeApiKey('abc', 6), false)
      assert.deepEqual(await store.listApiKeys(), [{ ...key, revokedAtMs: 5 }])
    })
  })
}
