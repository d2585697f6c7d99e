import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { RecordStore, StoredBacktest, StoredDecision } from '../../src/decisions/record-store.ts'
import type { ListDefinition, ListEntry } from '../../src/lists/list.ts'
import type { AliasMoveRecord, ModelArtifactRecord, ModelPromotionRecord } from '../../src/models/registry/model-records.ts'
import type { StrategyDeployment } from '../../src/strategy/lifecycle/deployment.ts'
import type { StrategyVersionRecord } from '../../src/strategy/lifecycle/strategy-records.ts'

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
      assert.deepEqual(await store.findByEventId('default', d.eventId), { bodyHash: d.bodyHash, response: d.response, entityKeys: d.entityKeys })
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
      // from a position on: what a snapshot taken after the third decision still needs
      const third = await store.seqOfDecisionHash(batch[2]!.hash)
      assert.ok(third !== undefined)
      assert.equal(await store.seqOfDecisionHash('no such hash'), undefined)
      const after: string[] = []
      for await (const page of store.decisionsSince(0, 2, third)) after.push(...page.map((d) => d.decisionId))
      assert.deepEqual(after, batch.slice(3).map((d) => d.decisionId))
    })

    withStore('strategy versions are immutable once saved', async (store) => {
      await store.saveStrategyVersion({ tenantId: 'default', id: 's', version: 1, hash: 'a', document: '{}', savedAtMs: 1 })
      await store.saveStrategyVersion({ tenantId: 'default', id: 's', version: 1, hash: 'b', document: '{"x":1}', savedAtMs: 2 })
      assert.deepEqual(await store.getStrategyVersion('default', 's', 1), { tenantId: 'default', id: 's', version: 1, hash: 'a', document: '{}', savedAtMs: 1 })
      assert.equal(await store.getStrategyVersion('default', 's', 2), undefined)
      assert.equal(await store.getStrategyVersion('acme', 's', 1), undefined, "another tenant's")
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
      const key = { id: 'abc', tenantId: 'default', name: 'ci', owner: null, secretHash: 'ff', createdAtMs: 1, revokedAtMs: null }
      await store.saveApiKey(key)
      assert.deepEqual(await store.findApiKey('abc'), key)
      const owned = { ...key, id: 'abd', name: 'alice laptop', owner: 'alice', createdAtMs: 2 }
      await store.saveApiKey(owned)
      assert.deepEqual(await store.findApiKey('abd'), owned)
      assert.equal(await store.revokeApiKey('abc', 5), true)
      assert.equal(await store.revokeApiKey('abc', 6), false)
      assert.deepEqual(await store.listApiKeys(), [{ ...key, revokedAtMs: 5 }, owned])
    })

    const list = (overrides: Partial<ListDefinition> = {}): ListDefinition => ({
      tenantId: 'default',
      name: 'fraud-phones',
      kind: 'black',
      entityKind: 'phone',
      description: 'confirmed fraud',
      createdBy: 'key:abc',
      createdAtMs: t0,
      ...overrides,
    })
    let entryNumber = 0
    const entry = (overrides: Partial<ListEntry> = {}): ListEntry => {
      entryNumber++
      return {
        id: `0190-${String(entryNumber).padStart(6, '0')}`,
        tenantId: 'default',
        listName: 'fraud-phones',
        entityKey: `key-${entryNumber}`,
        maskedValue: '138****1234',
        reason: 'confirmed fraud',
        source: 'case 17',
        addedBy: 'key:abc',
        addedAtMs: t0 + entryNumber,
        expiresAtMs: null,
        removedAtMs: null,
        removedBy: null,
        ...overrides,
      }
    }

    withStore('a list name is taken once per tenant; the first list stands', async (store) => {
      assert.equal(await store.createList(list()), true)
      assert.equal(await store.createList(list({ kind: 'white', description: 'second' })), false)
      assert.equal(await store.createList(list({ tenantId: 'acme' })), true)
      assert.equal(await store.createList(list({ name: 'good-devices', kind: 'white', entityKind: 'device' })), true)
      assert.deepEqual(await store.listLists(), [list({ tenantId: 'acme' }), list(), list({ name: 'good-devices', kind: 'white', entityKind: 'device' })])
    })

    withStore('list entries are kept as given, found by list, key and cursor, in the order they were added', async (store) => {
      await store.createList(list())
      await store.createList(list({ name: 'other' }))
      // ids made in the same millisecond need not sort in the order they were added
      const entries = [entry({ id: 'zz-1' }), entry({ id: 'aa-2', expiresAtMs: t0 + 86_400_000 }), entry({ id: 'mm-3', entityKey: 'shared' }), entry({ id: 'bb-4', listName: 'other', entityKey: 'shared' })]
      await store.addListEntries(entries.slice(0, 2))
      await store.addListEntries(entries.slice(2))
      assert.deepEqual(await store.listEntries({ tenantId: 'default', listName: 'fraud-phones' }), entries.slice(0, 3))
      assert.deepEqual(await store.listEntries({ tenantId: 'default', listName: 'fraud-phones', entityKey: 'shared' }), [entries[2]])
      assert.deepEqual(await store.listEntries({ tenantId: 'default', listName: 'fraud-phones', limit: 2 }), entries.slice(0, 2))
      assert.deepEqual(await store.listEntries({ tenantId: 'default', listName: 'fraud-phones', afterId: entries[1]!.id }), entries.slice(2, 3))
      assert.deepEqual(await store.listEntries({}), entries)
      assert.deepEqual(await store.listEntries({ afterId: 'no-such-entry' }), [])
      assert.deepEqual(await store.listEntries({ tenantId: 'acme' }), [])
      assert.deepEqual(await store.getListEntry('default', 'fraud-phones', entries[1]!.id), entries[1])
      assert.equal(await store.getListEntry('default', 'other', entries[1]!.id), undefined)
    })

    withStore('a batch of list entries is all or nothing', async (store) => {
      await store.createList(list())
      const first = entry()
      await store.addListEntries([first])
      await assert.rejects(store.addListEntries([entry(), { ...first }]))
      assert.deepEqual(await store.listEntries({}), [first])
    })

    withStore('a removal is recorded once on the entry, which is kept', async (store) => {
      await store.createList(list())
      const added = entry()
      await store.addListEntries([added])
      assert.equal(await store.removeListEntry('default', 'other-list', added.id, 'key:def', t0 + 50), undefined)
      const removed = await store.removeListEntry('default', 'fraud-phones', added.id, 'key:def', t0 + 50)
      assert.deepEqual(removed, { ...added, removedAtMs: t0 + 50, removedBy: 'key:def' })
      assert.equal(await store.removeListEntry('default', 'fraud-phones', added.id, 'key:xyz', t0 + 60), undefined)
      assert.equal(await store.removeListEntry('default', 'fraud-phones', 'no-such-entry', 'key:xyz', t0 + 60), undefined)
      assert.deepEqual(await store.listEntries({}), [removed])
    })

    const modelVersion = (overrides: Partial<Omit<ModelArtifactRecord, 'version'>> = {}): Omit<ModelArtifactRecord, 'version'> => ({
      tenantId: 'default',
      name: 'fraud-app',
      kind: 'gbdt',
      hash: 'a'.repeat(64),
      artifact: '{"format":"xiezhi-gbdt"}',
      metadata: { features: ['x', 'y'], label: 'fraud', metrics: { auc: 0.9 } },
      createdBy: 'key:abc',
      createdAtMs: t0,
      ...overrides,
    })
    const move = (overrides: Partial<AliasMoveRecord> = {}): AliasMoveRecord => ({
      id: `move-${++entryNumber}`,
      tenantId: 'default',
      name: 'fraud-app',
      alias: 'champion',
      previousMoveId: null,
      fromVersion: null,
      toVersion: 1,
      kind: 'promotion',
      promotionId: null,
      movedBy: 'key:def',
      movedAtMs: t0 + 10,
      note: '',
      ...overrides,
    })

    withStore('model versions are numbered per model, immutable, and the same artifact is not recorded twice', async (store) => {
      const first = await store.addModelVersion(modelVersion())
      const { artifact: _, ...withoutArtifact } = modelVersion()
      assert.deepEqual(first, { created: true, version: { ...withoutArtifact, version: 1 } })
      const again = await store.addModelVersion(modelVersion({ createdBy: 'someone else', createdAtMs: t0 + 5 }))
      assert.deepEqual(again, { created: false, version: first.version })
      const second = await store.addModelVersion(modelVersion({ hash: 'b'.repeat(64), artifact: '{"v":2}', createdAtMs: t0 + 6 }))
      assert.equal(second.version.version, 2)
      assert.equal((await store.addModelVersion(modelVersion({ name: 'other' }))).version.version, 1)
      assert.equal((await store.addModelVersion(modelVersion({ tenantId: 'acme' }))).version.version, 1)
      assert.deepEqual(await store.getModelVersion('default', 'fraud-app', 2), { ...modelVersion({ hash: 'b'.repeat(64), artifact: '{"v":2}', createdAtMs: t0 + 6 }), version: 2 })
      assert.equal(await store.getModelVersion('default', 'fraud-app', 3), undefined)
      assert.equal(await store.getModelVersion('acme', 'other', 1), undefined)
      const listed = await store.listModelVersions('default')
      assert.deepEqual(listed.map((v) => [v.name, v.version]), [['fraud-app', 1], ['fraud-app', 2], ['other', 1]])
      assert.ok(listed.every((v) => !('artifact' in v)), 'a listing leaves the artifacts out')
      assert.deepEqual((await store.listModelVersions('default', 'fraud-app')).map((v) => v.version), [1, 2])
    })

    withStore('a promotion is approved once, together with the alias move it makes', async (store) => {
      await store.addModelVersion(modelVersion())
      const promotion: ModelPromotionRecord = {
        id: 'p-1', tenantId: 'default', name: 'fraud-app', alias: 'champion', version: 1,
        requestedBy: 'key:abc', requestedAtMs: t0 + 1, note: 'better AUC', status: 'pending', approvedBy: null, approvedAtMs: null,
      }
      await store.createModelPromotion(promotion)
      assert.deepEqual(await store.getModelPromotion('default', 'fraud-app', 'p-1'), promotion)
      assert.equal(await store.getModelPromotion('default', 'other', 'p-1'), undefined)
      const first = move({ promotionId: 'p-1' })
      assert.equal(await store.moveModelAlias(first, { promotionId: 'p-1', approvedBy: 'key:def', atMs: t0 + 10 }), true)
      const approved = { ...promotion, status: 'approved' as const, approvedBy: 'key:def', approvedAtMs: t0 + 10 }
      assert.deepEqual(await store.listModelPromotions('default', 'fraud-app'), [approved])
      // a second approval of the same promotion records nothing, not even its move
      assert.equal(await store.moveModelAlias(move({ previousMoveId: first.id, fromVersion: 1, promotionId: 'p-1' }), { promotionId: 'p-1', approvedBy: 'key:xyz', atMs: t0 + 20 }), false)
      assert.deepEqual(await store.listModelAliasMoves('default', 'fraud-app'), [first])
      assert.deepEqual(await store.getModelPromotion('default', 'fraud-app', 'p-1'), approved)
    })

    withStore('alias moves form a chain: only one move can follow a move, and the history is kept in order', async (store) => {
      await store.addModelVersion(modelVersion())
      await store.addModelVersion(modelVersion({ hash: 'b'.repeat(64) }))
      const first = move()
      assert.equal(await store.moveModelAlias(first), true)
      assert.equal(await store.moveModelAlias(move({ toVersion: 2 })), false, 'a second first move of the alias')
      const second = move({ previousMoveId: first.id, fromVersion: 1, toVersion: 2 })
      assert.equal(await store.moveModelAlias(second), true)
      assert.equal(await store.moveModelAlias(move({ previousMoveId: first.id, fromVersion: 1, toVersion: 1, kind: 'rollback' })), false, 'a move from a state that is gone')
      const back = move({ previousMoveId: second.id, fromVersion: 2, toVersion: 1, kind: 'rollback', note: 'alerts' })
      assert.equal(await store.moveModelAlias(back), true)
      const other = move({ alias: 'challenger', toVersion: 2 })
      assert.equal(await store.moveModelAlias(other), true, 'each alias has its own chain')
      assert.deepEqual(await store.listModelAliasMoves('default', 'fraud-app'), [first, second, back, other])
      assert.deepEqual(await store.listModelAliasMoves('acme', 'fraud-app'), [])
    })

    withStore('loggedEvents yields the events of a period and of given types in append order, without replies, and counts them', async (store) => {
      const batch = Array.from({ length: 6 }, (_, i) => decision({ eventType: i % 3 === 0 ? 'label' : 'login', action: i === 1 ? 'review' : 'approve' }))
      await store.appendDecisions(batch.slice(0, 4))
      await store.appendDecisions(batch.slice(4))
      const read = async (query: Parameters<RecordStore['loggedEvents']>[0]) => {
        const seen: string[][] = []
        for await (const page of store.loggedEvents(query)) seen.push(page.map((e) => e.eventId))
        return seen
      }
      const ids = (indices: number[]) => indices.map((i) => batch[i]!.eventId)
      assert.deepEqual(await read({ sinceMs: batch[1]!.occurredAtMs, untilMs: batch[5]!.occurredAtMs, batchSize: 2 }), [ids([1, 2]), ids([3, 4])])
      assert.deepEqual(await read({ sinceMs: 0, eventTypes: ['label'] }), [ids([0, 3])])
      assert.deepEqual(await read({ sinceMs: 0, eventTypes: [] }), [])
      assert.equal(await store.countLoggedEvents({ sinceMs: batch[1]!.occurredAtMs, untilMs: batch[5]!.occurredAtMs }), 4)
      assert.equal(await store.countLoggedEvents({ sinceMs: batch[1]!.occurredAtMs, eventTypes: ['login', 'complaint'] }), 4)
      assert.equal(await store.countLoggedEvents({ sinceMs: 0, eventTypes: [] }), 0)
      let first: unknown
      for await (const page of store.loggedEvents({ sinceMs: 0, batchSize: 2 })) {
        first = page[1]
        break
      }
      // the sealed copy only of the types asked for
      const sealed: (Buffer | null)[] = []
      for await (const page of store.loggedEvents({ sinceMs: 0, sealedOf: ['label'] })) sealed.push(...page.map((e) => e.sealedEvent))
      assert.deepEqual(sealed, batch.map((d) => (d.eventType === 'label' ? d.sealedEvent : null)))
      const d = batch[1]!
      const { seq, ...rest } = first as { seq: number }
      const positions: number[] = []
      for await (const page of store.loggedEvents({ sinceMs: 0 })) positions.push(...page.map((e) => e.seq))
      assert.ok(positions.every((p, i) => i === 0 || p > positions[i - 1]!) && seq === positions[1], 'positions increase in append order')
      assert.deepEqual(rest, {
        tenantId: d.tenantId, eventId: d.eventId, eventType: d.eventType, action: 'review', occurredAtMs: d.occurredAtMs,
        strategyId: d.strategyId, strategyVersion: d.strategyVersion, sealedEvent: d.sealedEvent, entityKeys: d.entityKeys,
      })
    })

    withStore('a backtest is kept per tenant and ends once, with its report or its error', async (store) => {
      const backtest: StoredBacktest = {
        id: 'bt-1', tenantId: 'default', strategyId: 'credit-application', strategyVersion: 2, strategyHash: 'c'.repeat(64), strategyDocument: '{"id":"credit-application"}',
        fromMs: t0, toMs: t0 + 86_400_000, status: 'running', requestedBy: 'key:abc', requestedAtMs: t0 + 5, finishedAtMs: null, report: null, error: null,
        request: '{"sample":3}', models: '{}', startedAtMs: t0 + 5, attempts: 1, cancelledBy: null,
      }
      await store.createBacktest(backtest)
      await store.createBacktest({ ...backtest, id: 'bt-2' })
      assert.deepEqual(await store.getBacktest('default', 'bt-1'), backtest)
      assert.equal(await store.getBacktest('acme', 'bt-1'), undefined)
      await assert.rejects(store.createBacktest(backtest), 'an id is taken once')
      assert.equal(await store.finishBacktest('acme', 'bt-1', { status: 'done', finishedAtMs: t0 + 9, report: '{}' }), false, "another tenant's")
      assert.equal(await store.finishBacktest('default', 'bt-1', { status: 'done', finishedAtMs: t0 + 9, report: '{"decided":3}' }), true)
      assert.equal(await store.finishBacktest('default', 'bt-1', { status: 'failed', finishedAtMs: t0 + 10, error: 'late' }), false, 'it ended already')
      assert.deepEqual(await store.getBacktest('default', 'bt-1'), { ...backtest, status: 'done', finishedAtMs: t0 + 9, report: '{"decided":3}' })
      assert.equal(await store.finishBacktest('default', 'bt-2', { status: 'failed', finishedAtMs: t0 + 11, error: 'the log could not be read' }), true)
      assert.deepEqual(await store.getBacktest('default', 'bt-2'), { ...backtest, id: 'bt-2', status: 'failed', finishedAtMs: t0 + 11, error: 'the log could not be read' })
      assert.equal(await store.finishBacktest('default', 'missing', { status: 'failed', finishedAtMs: t0, error: 'x' }), false)
    })

    withStore("a strategy's backtests are listed newest first, per tenant, without documents or reports", async (store) => {
      const backtest = (id: string, overrides: Partial<StoredBacktest> = {}): StoredBacktest => ({
        id, tenantId: 'default', strategyId: 'credit-application', strategyVersion: 2, strategyHash: 'c'.repeat(64), strategyDocument: '{"id":"credit-application"}',
        fromMs: t0, toMs: t0 + 86_400_000, status: 'running', requestedBy: 'key:abc', requestedAtMs: t0, finishedAtMs: null, report: null, error: null,
        request: '{"sample":3}', models: null, startedAtMs: t0, attempts: 1, cancelledBy: null, ...overrides,
      })
      await store.createBacktest(backtest('bt-old', { strategyVersion: 1 }))
      await store.createBacktest(backtest('bt-new', { requestedAtMs: t0 + 5 }))
      await store.createBacktest(backtest('bt-other', { strategyId: 'login', requestedAtMs: t0 + 6 }))
      await store.createBacktest(backtest('bt-acme', { tenantId: 'acme', requestedAtMs: t0 + 7 }))
      await store.finishBacktest('default', 'bt-old', { status: 'done', finishedAtMs: t0 + 9, report: '{"decided":3}' })
      const listed = await store.listBacktests('default', 'credit-application')
      assert.deepEqual(listed, [
        { ...backtest('bt-new', { requestedAtMs: t0 + 5 }), strategyDocument: '', request: null },
        { ...backtest('bt-old', { strategyVersion: 1 }), strategyDocument: '', request: null, status: 'done', finishedAtMs: t0 + 9 },
      ])
      assert.deepEqual(await store.listBacktests('default', 'nothing'), [])
    })

    withStore('a backtest job is queued, started (attempts counted), cancelled once; the unfinished ones are found for a restart', async (store) => {
      const job = (id: string, overrides: Partial<StoredBacktest> = {}): StoredBacktest => ({
        id, tenantId: 'default', strategyId: 'credit-application', strategyVersion: 2, strategyHash: 'c'.repeat(64), strategyDocument: '{"id":"credit-application"}',
        fromMs: t0, toMs: t0 + 86_400_000, status: 'queued', requestedBy: 'key:abc', requestedAtMs: t0, finishedAtMs: null, report: null, error: null,
        request: '{"sample":3}', models: '{"fraud":{"model":"fraud","alias":"prod","version":2}}', startedAtMs: null, attempts: 0, cancelledBy: null, ...overrides,
      })
      await store.createBacktest(job('bt-b', { requestedAtMs: t0 + 2 }))
      await store.createBacktest(job('bt-a', { requestedAtMs: t0 + 1, tenantId: 'acme' }))
      await store.createBacktest(job('bt-c', { requestedAtMs: t0 + 3 }))
      await store.createBacktest(job('bt-done', { status: 'done', finishedAtMs: t0, report: '{}' }))
      assert.equal(await store.startBacktest('default', 'bt-b', t0 + 10), true)
      assert.equal(await store.startBacktest('default', 'bt-b', t0 + 20), true, 'resumed: started again')
      assert.equal(await store.startBacktest('default', 'bt-done', t0 + 20), false, 'ended')
      assert.equal(await store.startBacktest('acme', 'bt-b', t0 + 20), false, "another tenant's")
      assert.deepEqual(await store.getBacktest('default', 'bt-b'), job('bt-b', { requestedAtMs: t0 + 2, status: 'running', startedAtMs: t0 + 20, attempts: 2 }))
      assert.deepEqual((await store.unfinishedBacktests()).map((b) => `${b.tenantId} ${b.id} ${b.status} ${b.request}`), [
        'acme bt-a queued {"sample":3}', 'default bt-b running {"sample":3}', 'default bt-c queued {"sample":3}',
      ])
      assert.equal(await store.finishBacktest('default', 'bt-c', { status: 'cancelled', finishedAtMs: t0 + 30, by: 'alice' }), true, 'a queued one is cancelled')
      assert.equal(await store.finishBacktest('default', 'bt-c', { status: 'cancelled', finishedAtMs: t0 + 31, by: 'bob' }), false, 'once')
      assert.equal(await store.startBacktest('default', 'bt-c', t0 + 40), false, 'a cancelled one does not start')
      assert.deepEqual(await store.getBacktest('default', 'bt-c'), job('bt-c', { requestedAtMs: t0 + 3, status: 'cancelled', finishedAtMs: t0 + 30, cancelledBy: 'alice' }))
      assert.equal(await store.finishBacktest('default', 'bt-b', { status: 'cancelled', finishedAtMs: t0 + 32, by: 'alice' }), true, 'a running one is cancelled')
      assert.deepEqual((await store.unfinishedBacktests()).map((b) => b.id), ['bt-a'])
    })

    const strategyVersion = (overrides: Partial<StrategyVersionRecord> = {}): StrategyVersionRecord => ({
      tenantId: 'default', id: 'applications', version: 1, state: 'draft', hash: 'a'.repeat(64), document: '{"id":"applications","version":1}', authors: ['alice'],
      createdAtMs: t0, updatedAtMs: t0, submittedBy: null, submittedAtMs: null, submitNote: '', backtestId: null, approvedBy: null, approvedAtMs: null, approveNote: '',
      rejectedBy: null, rejectedAtMs: null, rejectNote: '', withdrawnBy: null, withdrawnAtMs: null, withdrawNote: '',
      ...overrides,
    })
    const deployment = (overrides: Partial<StrategyDeployment> = {}): StrategyDeployment => ({
      id: `dep-${++n}`, tenantId: 'default', strategyId: 'applications', champion: 1, challengers: [], shadows: [], kind: 'publish', previousId: null, movedBy: 'carol', movedAtMs: t0 + n, note: '',
      ...overrides,
    })

    withStore('a strategy version goes draft → submitted → approved, once each; only a draft changes', async (store) => {
      const draft = strategyVersion()
      assert.equal(await store.addStrategyVersion(draft), true)
      assert.equal(await store.addStrategyVersion(strategyVersion({ hash: 'b'.repeat(64) })), false, 'a number is taken once')
      assert.deepEqual(await store.getStrategyVersionRecord('default', 'applications', 1), draft)
      const change = { hash: 'c'.repeat(64), document: '{"id":"applications","version":1,"x":1}', authors: ['alice', 'dave'], updatedAtMs: t0 + 1 }
      assert.equal(await store.replaceStrategyDraft('default', 'applications', 1, change), true)
      assert.equal(await store.replaceStrategyDraft('default', 'applications', 2, change), false, 'no such version')
      assert.equal(await store.approveStrategyVersion('default', 'applications', 1, { approvedBy: 'carol', atMs: t0 + 2, note: '' }), false, 'a draft is not approved')
      const submission = { submittedBy: 'bob', atMs: t0 + 3, note: 'ready', backtestId: 'bt-1' }
      assert.equal(await store.submitStrategyVersion('default', 'applications', 1, submission), true)
      assert.equal(await store.submitStrategyVersion('default', 'applications', 1, submission), false, 'submitted once')
      assert.equal(await store.replaceStrategyDraft('default', 'applications', 1, { ...change, hash: 'd'.repeat(64) }), false, 'frozen once submitted')
      const first = deployment()
      assert.equal(await store.approveStrategyVersion('default', 'applications', 1, { approvedBy: 'carol', atMs: t0 + 4, note: 'ok' }, first), true)
      assert.equal(await store.approveStrategyVersion('default', 'applications', 1, { approvedBy: 'erin', atMs: t0 + 5, note: '' }), false, 'approved once')
      assert.deepEqual(await store.getStrategyVersionRecord('default', 'applications', 1), {
        ...draft, ...change, state: 'approved', submittedBy: 'bob', submittedAtMs: t0 + 3, submitNote: 'ready', backtestId: 'bt-1', approvedBy: 'carol', approvedAtMs: t0 + 4, approveNote: 'ok',
      })
      assert.deepEqual(await store.listStrategyDeployments('default', 'applications'), [first], 'the approval and its deployment landed together')
      await store.addStrategyVersion(strategyVersion({ id: 'accounts' }))
      await store.addStrategyVersion(strategyVersion({ version: 2 }))
      assert.deepEqual((await store.listStrategyVersions('default')).map((v) => `${v.id} ${v.version}`), ['accounts 1', 'applications 1', 'applications 2'])
      assert.deepEqual((await store.listStrategyVersions('default', 'applications')).map((v) => v.version), [1, 2])
      assert.equal(await store.getStrategyVersionRecord('default', 'applications', 3), undefined)
    })

    withStore('a submission ends once: approved, rejected or withdrawn', async (store) => {
      const submitted = (version: number) => strategyVersion({ version, state: 'submitted', submittedBy: 'bob', submittedAtMs: t0 + 1 })
      for (const version of [1, 2, 3]) await store.addStrategyVersion(submitted(version))
      await store.addStrategyVersion(strategyVersion({ version: 4 }))
      const rejection = { outcome: 'rejected' as const, by: 'carol', atMs: t0 + 2, note: 'the backtest doubles the reviews' }
      assert.equal(await store.endStrategySubmission('default', 'applications', 1, rejection), true)
      assert.equal(await store.endStrategySubmission('default', 'applications', 1, { ...rejection, outcome: 'withdrawn', by: 'bob' }), false, 'it ended already')
      assert.equal(await store.approveStrategyVersion('default', 'applications', 1, { approvedBy: 'carol', atMs: t0 + 3, note: '' }), false, 'a rejected version is not approved')
      assert.deepEqual(await store.getStrategyVersionRecord('default', 'applications', 1), { ...submitted(1), state: 'rejected', rejectedBy: 'carol', rejectedAtMs: t0 + 2, rejectNote: 'the backtest doubles the reviews' })
      assert.equal(await store.endStrategySubmission('default', 'applications', 2, { outcome: 'withdrawn', by: 'bob', atMs: t0 + 4, note: '' }), true)
      assert.deepEqual(await store.getStrategyVersionRecord('default', 'applications', 2), { ...submitted(2), state: 'withdrawn', withdrawnBy: 'bob', withdrawnAtMs: t0 + 4 })
      await store.approveStrategyVersion('default', 'applications', 3, { approvedBy: 'carol', atMs: t0 + 5, note: '' })
      assert.equal(await store.endStrategySubmission('default', 'applications', 3, rejection), false, 'an approved version is not rejected')
      assert.equal(await store.endStrategySubmission('default', 'applications', 4, rejection), false, 'a draft is not rejected')
      assert.equal(await store.endStrategySubmission('default', 'applications', 9, rejection), false, 'no such version')
      assert.equal(await store.replaceStrategyDraft('default', 'applications', 2, { hash: 'e'.repeat(64), document: '{}', authors: ['bob'], updatedAtMs: t0 + 6 }), false, 'a withdrawn version stays frozen')
    })

    withStore('a version saved with saveStrategyVersion (a config file) reads as approved by config', async (store) => {
      await store.saveStrategyVersion({ tenantId: 'default', id: 'login', version: 2, hash: 'a'.repeat(64), document: '{}', savedAtMs: t0 })
      const record = await store.getStrategyVersionRecord('default', 'login', 2)
      assert.deepEqual([record?.state, record?.authors, record?.approvedBy, record?.approvedAtMs, record?.createdAtMs], ['approved', ['config'], 'config', t0, t0])
      await store.addStrategyVersion(strategyVersion({ id: 'login', version: 3 }))
      assert.deepEqual(await store.getStrategyVersion('default', 'login', 3), { tenantId: 'default', id: 'login', version: 3, hash: 'a'.repeat(64), document: '{"id":"applications","version":1}', savedAtMs: t0 })
    })

    withStore("a strategy's deployments form a chain: only one deployment follows another", async (store) => {
      await store.addStrategyVersion(strategyVersion({ state: 'approved', approvedBy: 'carol', approvedAtMs: t0 }))
      await store.addStrategyVersion(strategyVersion({ version: 2, state: 'submitted', submittedBy: 'bob', submittedAtMs: t0 }))
      const first = deployment({ challengers: [{ version: 2, share: 12.5 }], shadows: [3], kind: 'config', movedBy: 'config' })
      assert.equal(await store.addStrategyDeployment(first), true)
      assert.equal(await store.addStrategyDeployment(deployment()), false, 'a second first deployment')
      const second = deployment({ previousId: first.id, champion: 2 })
      assert.equal(await store.addStrategyDeployment(second), true)
      assert.equal(await store.addStrategyDeployment(deployment({ previousId: first.id, kind: 'rollback' })), false, 'from a state that is gone')
      assert.equal(await store.approveStrategyVersion('default', 'applications', 2, { approvedBy: 'carol', atMs: t0, note: '' }, deployment({ previousId: first.id, champion: 2 })), false, 'the deployment lost')
      assert.equal((await store.getStrategyVersionRecord('default', 'applications', 2))?.state, 'submitted', 'so the approval did not land')
      await store.addStrategyVersion(strategyVersion({ id: 'accounts', state: 'approved', approvedBy: 'carol', approvedAtMs: t0 }))
      const other = deployment({ strategyId: 'accounts' })
      assert.equal(await store.addStrategyDeployment(other), true, 'each strategy has its own chain')
      assert.deepEqual(await store.listStrategyDeployments('default', 'applications'), [first, second])
      assert.deepEqual(await store.listStrategyDeployments(null), [first, second, other])
    })

    withStore("a strategy is its tenant's: the same id in two tenants are two strategies, each with its own versions and chain", async (store) => {
      const acme = (overrides: Partial<StrategyVersionRecord> = {}) => strategyVersion({ tenantId: 'acme', document: '{"id":"applications","version":1,"acme":true}', ...overrides })
      assert.equal(await store.addStrategyVersion(strategyVersion({ state: 'submitted', submittedBy: 'bob', submittedAtMs: t0 })), true)
      assert.equal(await store.addStrategyVersion(acme({ state: 'submitted', submittedBy: 'bob', submittedAtMs: t0 })), true, 'the same id and number in another tenant')
      assert.deepEqual((await store.listStrategyVersions('acme')).map((v) => `${v.tenantId} ${v.id} ${v.version} ${v.document}`), ['acme applications 1 {"id":"applications","version":1,"acme":true}'])
      assert.equal(await store.listStrategyVersions('nobody').then((v) => v.length), 0)
      const theirs = deployment({ tenantId: 'acme' })
      assert.equal(await store.approveStrategyVersion('acme', 'applications', 1, { approvedBy: 'carol', atMs: t0 + 1, note: '' }, theirs), true)
      assert.equal((await store.getStrategyVersionRecord('default', 'applications', 1))?.state, 'submitted', "approving acme's did not touch the default tenant's")
      const ours = deployment()
      assert.equal(await store.approveStrategyVersion('default', 'applications', 1, { approvedBy: 'carol', atMs: t0 + 2, note: '' }, ours), true, 'each tenant has its own chain: both are first')
      assert.equal(await store.endStrategySubmission('acme', 'applications', 1, { outcome: 'rejected', by: 'dave', atMs: t0 + 3, note: 'no' }), false)
      assert.equal(await store.replaceStrategyDraft('acme', 'applications', 1, { hash: 'e'.repeat(64), document: '{}', authors: ['x'], updatedAtMs: t0 }), false)
      assert.deepEqual(await store.listStrategyDeployments('acme'), [theirs])
      assert.deepEqual(await store.listStrategyDeployments('default', 'applications'), [ours])
      assert.deepEqual(await store.listStrategyDeployments(null), [theirs, ours])
      await assert.rejects(store.addStrategyDeployment(deployment({ tenantId: 'nobody', previousId: null })), /FOREIGN KEY/, "a deployment names a version of its own tenant's strategy")
    })
  })
}
