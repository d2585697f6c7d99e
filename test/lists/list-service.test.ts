import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { XiezhiError } from '../../src/core/errors.ts'
import { PersonalDataVault } from '../../src/events/personal-data-vault.ts'
import { ListMembership } from '../../src/lists/list-membership.ts'
import { ListService } from '../../src/lists/list-service.ts'
import { maskEntityValue } from '../../src/lists/mask-entity-value.ts'
import { SqliteRecordStore } from '../../src/store/sqlite/sqlite-record-store.ts'
import { tempDataDir } from '../support/temp-engine.ts'

const t0 = Date.parse('2027-03-01T00:00:00Z')
const day = 86_400_000
const data = tempDataDir()
const vault = new PersonalDataVault(Buffer.alloc(32, 7), Buffer.alloc(32, 8))
let now = t0
const clock = { nowMs: () => now }
let store: SqliteRecordStore
let membership: ListMembership
let lists: ListService

before(async () => {
  store = await SqliteRecordStore.open(join(data.dir, 'xiezhi.sqlite'))
  membership = new ListMembership()
  lists = new ListService({ store, membership, vault, clock })
  await lists.createList('default', { name: 'fraud-phones', kind: 'black', entityKind: 'phone', description: 'confirmed fraud' }, 'alice')
})
after(async () => {
  await store.close()
  data.remove()
})

/** The error a promise rejects with, to look at its kind and issues. */
async function failure(work: Promise<unknown>): Promise<XiezhiError> {
  try {
    await work
  } catch (error) {
    assert.ok(error instanceof XiezhiError, String(error))
    return error
  }
  assert.fail('expected an error')
}
const issues = (error: XiezhiError) => error.issues.map((i) => `${i.pointer} ${i.code}`)
const entry = (value: string, extra: { expiresAtMs?: number } = {}) => ({ value, reason: 'confirmed fraud', source: 'case 4711', ...extra })

describe('creating lists', () => {
  test('a taken name is a conflict naming the field; the first list stands', async () => {
    const error = await failure(lists.createList('default', { name: 'fraud-phones', kind: 'white', entityKind: 'device' }, 'bob'))
    assert.equal(error.kind, 'conflict')
    assert.deepEqual(issues(error), ['/name already_exists'])
    assert.equal(lists.list('default', 'fraud-phones').kind, 'black')
    assert.equal(lists.list('default', 'fraud-phones').createdBy, 'alice')
  })

  test('every invalid field is named at once', async () => {
    const error = await failure(lists.createList('default', { name: 'Fraud Phones', kind: 'blue' as 'black', entityKind: 'planet' as 'phone' }, 'bob'))
    assert.equal(error.kind, 'invalid_input')
    assert.deepEqual(issues(error), ['/name invalid_format', '/kind invalid_value', '/entityKind unknown_entity_kind'])
  })

  test('another tenant may use the same name', async () => {
    await lists.createList('acme', { name: 'fraud-phones', kind: 'grey', entityKind: 'phone' }, 'carol')
    assert.equal(lists.list('acme', 'fraud-phones').kind, 'grey')
    assert.equal(lists.list('default', 'fraud-phones').kind, 'black')
  })
})

describe('adding and removing entries', () => {
  test('the store keeps the blind index and a masked form, never the clear value', async () => {
    const phone = '13912345678'
    const [added] = await lists.addEntries('default', 'fraud-phones', [entry(phone)], 'alice')
    assert.equal(added!.maskedValue, '139****5678')
    assert.equal(added!.entityKey, vault.blindIndex('phone', phone))
    assert.equal(added!.addedBy, 'alice')
    assert.equal(added!.addedAtMs, now)
    assert.equal(membership.has('fraud-phones', vault.blindIndex('phone', phone), now), true)
    const files = readdirSync(data.dir).map((f) => readFileSync(join(data.dir, f)).toString('latin1'))
    assert.ok(files.join('').includes(added!.entityKey), 'the scan reads what the store wrote')
    assert.ok(!files.some((bytes) => bytes.includes(phone)), 'the clear value is in a database file')
  })

  test('every invalid entry is named, and none of the batch is added', async () => {
    const before = (await store.listEntries({ tenantId: 'default', listName: 'fraud-phones' })).length
    const error = await failure(
      lists.addEntries(
        'default',
        'fraud-phones',
        [
          entry('13800000001'),
          entry('not-a-phone'),
          entry(' 13800000002'),
          entry('13800000003', { expiresAtMs: now }),
          { value: '13800000004', reason: '', source: 'x' },
          entry('13800000001'),
        ],
        'alice',
      ),
    )
    assert.equal(error.kind, 'invalid_input')
    assert.deepEqual(issues(error), [
      '/entries/1/value invalid_format',
      '/entries/2/value invalid_format',
      '/entries/3/expiresAt in_past',
      '/entries/4/reason required',
      '/entries/5/value duplicate',
    ])
    assert.equal((await store.listEntries({ tenantId: 'default', listName: 'fraud-phones' })).length, before)
    assert.equal(membership.has('fraud-phones', vault.blindIndex('phone', '13800000001'), now), false)
  })

  test('an unknown list is not found, naming the list', async () => {
    const error = await failure(lists.addEntries('default', 'no-such-list', [entry('13800000001')], 'alice'))
    assert.equal(error.kind, 'not_found')
    assert.deepEqual(issues(error), ['/name unknown_list'])
    // another tenant's list of the same name is not this tenant's
    assert.equal((await failure(lists.addEntries('other', 'fraud-phones', [entry('13800000001')], 'x'))).kind, 'not_found')
  })

  test('a value on the list now is refused; once it has expired it can be listed again', async () => {
    const phone = '13700000001'
    await lists.addEntries('default', 'fraud-phones', [entry(phone, { expiresAtMs: now + day })], 'alice')
    const error = await failure(lists.addEntries('default', 'fraud-phones', [entry('13700000002'), entry(phone)], 'bob'))
    assert.equal(error.kind, 'conflict')
    assert.deepEqual(issues(error), ['/entries/1/value already_listed'])
    assert.equal(membership.has('fraud-phones', vault.blindIndex('phone', '13700000002'), now), false, 'all or none')
    now += day
    await lists.addEntries('default', 'fraud-phones', [entry(phone)], 'bob')
    const found = await lists.lookup('default', 'fraud-phones', phone, now)
    assert.equal(found.onList, true)
    assert.deepEqual(found.entries.map((e) => e.addedBy), ['alice', 'bob'])
  })

  test('two adds of the same value at once: one wins, the other is told it is listed', async () => {
    const results = await Promise.allSettled([
      lists.addEntries('default', 'fraud-phones', [entry('13600000001')], 'alice'),
      lists.addEntries('default', 'fraud-phones', [entry('13600000001')], 'bob'),
    ])
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected'])
    assert.equal((await lists.lookup('default', 'fraud-phones', '13600000001', now)).entries.length, 1)
  })

  test('a removal is recorded on the entry; the past stays as it was, and the value can be listed again', async () => {
    const phone = '13500000001'
    const [added] = await lists.addEntries('default', 'fraud-phones', [entry(phone)], 'alice')
    const addedAt = now
    const key = vault.blindIndex('phone', phone)
    now += 1_000
    const answerBefore = membership.has('fraud-phones', key, addedAt + 500)
    const removed = await lists.removeEntry('default', 'fraud-phones', added!.id, 'bob')
    assert.equal(removed.removedAtMs, now)
    assert.equal(removed.removedBy, 'bob')
    assert.equal(membership.has('fraud-phones', key, addedAt + 500), answerBefore, 'an answer about the past changed')
    assert.equal(answerBefore, true)
    assert.equal(membership.has('fraud-phones', key, now), false)
    const again = await failure(lists.removeEntry('default', 'fraud-phones', added!.id, 'carol'))
    assert.equal(again.kind, 'conflict')
    assert.deepEqual(issues(again), ['/entryId already_removed'])
    assert.match(again.issues[0]!.message, /by bob/)
    const missing = await failure(lists.removeEntry('default', 'fraud-phones', 'no-such-entry', 'carol'))
    assert.equal(missing.kind, 'not_found')
    assert.deepEqual(issues(missing), ['/entryId unknown_entry'])
    // the entry is kept: the look-up shows it with its removal
    const found = await lists.lookup('default', 'fraud-phones', phone, now)
    assert.equal(found.onList, false)
    assert.deepEqual(found.entries.map((e) => [e.id, e.removedBy]), [[added!.id, 'bob']])
    await lists.addEntries('default', 'fraud-phones', [entry(phone)], 'carol')
    assert.equal(membership.has('fraud-phones', key, now), true)
  })

  test('entries come a page at a time, in the order they were added', async () => {
    const all = await store.listEntries({ tenantId: 'default', listName: 'fraud-phones' })
    const first = await lists.entries('default', 'fraud-phones', { limit: 2 })
    assert.deepEqual(first.items.map((e) => e.id), all.slice(0, 2).map((e) => e.id))
    assert.ok(first.nextCursor)
    const rest = await lists.entries('default', 'fraud-phones', { limit: 1_000, afterId: first.nextCursor })
    assert.deepEqual([...first.items, ...rest.items].map((e) => e.id), all.map((e) => e.id))
    assert.equal(rest.nextCursor, undefined)
  })

  test('a restart loads the same answers from the store', async () => {
    const reloaded = await ListMembership.load(store)
    for (const phone of ['13912345678', '13700000001', '13500000001', '13800000001']) {
      const key = vault.blindIndex('phone', phone)
      for (const atMs of [t0 - 1, t0, t0 + day - 1, t0 + day, now, now + 10 * day]) {
        assert.equal(reloaded.has('fraud-phones', key, atMs), membership.has('fraud-phones', key, atMs), `${phone} at ${atMs - t0}`)
      }
    }
    assert.deepEqual(reloaded.counts('fraud-phones', now), membership.counts('fraud-phones', now))
  })
})

describe('masked forms', () => {
  // one row per kind: the value and what people see
  const rows: [Parameters<typeof maskEntityValue>[0], string, string][] = [
    ['phone', '13812341234', '138****1234'],
    ['contacts', '+8613812341234', '+86*******1234'],
    ['id_number', '110101199003071234', '110***********1234'],
    ['bank_card', '6222021234567890123', '***************0123'],
    ['ip', '10.1.2.3', '10.1.*.*'],
    ['ip', '2001:db8::1', '2001:*'],
    ['address', '北京市朝阳区建国路88号', '北京市朝********'],
    ['device', 'dev-abcdef123456', 'de************56'],
    ['user', 'u-1', '***'],
    ['user', 'abcd', '****'],
  ]
  for (const [kind, value, masked] of rows) {
    test(`${kind} ${value} → ${masked}`, () => {
      assert.equal(maskEntityValue(kind, value), masked)
    })
  }

  test('at least four characters and a third of any value stay hidden', () => {
    for (const length of [1, 2, 5, 8, 11, 18, 40]) {
      const value = 'x'.repeat(length)
      for (const kind of ['phone', 'id_number', 'bank_card', 'address', 'device'] as const) {
        const stars = [...maskEntityValue(kind, value)].filter((c) => c === '*').length
        assert.ok(stars >= Math.min(length, Math.max(4, Math.ceil(length / 3))), `${kind} of ${length}: ${maskEntityValue(kind, value)}`)
      }
    }
  })
})
