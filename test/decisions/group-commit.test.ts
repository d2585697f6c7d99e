import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { GroupCommit } from '../../src/decisions/group-commit.ts'
import type { StoredDecision } from '../../src/decisions/record-store.ts'
import { SqliteRecordStore } from '../../src/store/sqlite/sqlite-record-store.ts'
import { tempDataDir } from '../support/temp-engine.ts'

const decision = (n: number, eventId = `e-${n}`): StoredDecision => ({
  decisionId: `d-${n}`,
  tenantId: 'default',
  eventId,
  eventType: 'login',
  action: 'approve',
  occurredAtMs: n,
  decidedAtMs: n,
  strategyId: null,
  strategyVersion: null,
  bodyHash: `h-${n}`,
  sealedEvent: Buffer.from([n]),
  entityKeys: {},
  trace: '{}',
  response: `{"n":${n}}`,
  previousHash: 'p',
  hash: `hash-${n}`,
})

for (const writer of ['thread', 'worker'] as const) {
  test(`group commit on a ${writer}: batches commit in order; after a failed batch nothing later commits and every waiter hears of it`, async () => {
    const data = tempDataDir()
    const store = await SqliteRecordStore.open(join(data.dir, 'records.sqlite'), { writer })
    const fatal: Error[] = []
    const commit = new GroupCommit(store, (error) => fatal.push(error))
    try {
      await Promise.all(Array.from({ length: 50 }, (_, i) => commit.append(decision(i))))
      assert.equal((await store.listDecisions({ tenantId: 'default', limit: 100 })).items.length, 50)
      // a reused event id breaks the unique key: a real write failure, not a stub
      const outcomes = await Promise.allSettled([commit.append(decision(50)), commit.append(decision(51, 'e-3'))])
      assert.deepEqual(outcomes.map((o) => o.status), ['rejected', 'rejected'])
      await assert.rejects(commit.append(decision(52)))
      assert.equal(fatal.length, 1)
      assert.ok(commit.failed)
      await commit.drain()
      const stored = (await store.listDecisions({ tenantId: 'default', limit: 100 })).items.map((d) => d.decisionId)
      assert.equal(stored.length, 50, 'nothing of the failed batch, nor after it, was committed')
      assert.deepEqual(stored.reverse(), Array.from({ length: 50 }, (_, i) => `d-${i}`))
    } finally {
      await store.close()
      data.remove()
    }
  })
}
