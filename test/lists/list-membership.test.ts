import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import fc from 'fast-check'
import { entityKinds } from '../../src/events/entities.ts'
import { PersonalDataVault } from '../../src/events/personal-data-vault.ts'
import { type ListDefinition, type ListEntry, listKinds } from '../../src/lists/list.ts'
import { ListMembership } from '../../src/lists/list-membership.ts'
import { ListService } from '../../src/lists/list-service.ts'
import { SqliteRecordStore } from '../../src/store/sqlite/sqlite-record-store.ts'
import { tempDataDir } from '../support/temp-engine.ts'

const t0 = Date.parse('2027-03-01T00:00:00Z')
const hour = 3_600_000
const day = 24 * hour

const list = (name: string, overrides: Partial<ListDefinition> = {}): ListDefinition => ({
  tenantId: 'default',
  name,
  kind: 'black',
  entityKind: 'phone',
  description: '',
  createdBy: 'test',
  createdAtMs: t0,
  ...overrides,
})
let n = 0
const entry = (listName: string, entityKey: string, addedAtMs: number, overrides: Partial<ListEntry> = {}): ListEntry => ({
  id: `e-${String(++n).padStart(6, '0')}`,
  tenantId: 'default',
  listName,
  entityKey,
  maskedValue: '***',
  reason: 'r',
  source: 's',
  addedBy: 'test',
  addedAtMs,
  expiresAtMs: null,
  removedAtMs: null,
  removedBy: null,
  ...overrides,
})

describe('ListMembership: on the list from addedAt until expiry or removal, whichever is first', () => {
  const membership = new ListMembership()
  membership.define(list('fraud-phones'))
  membership.define(list('trusted-devices', { kind: 'white', entityKind: 'device' }))
  membership.define(list('fraud-phones', { tenantId: 'acme' }))
  membership.record(entry('fraud-phones', 'forever', t0))
  membership.record(entry('fraud-phones', 'expiring', t0, { expiresAtMs: t0 + 7 * day }))
  const removed = entry('fraud-phones', 'removed', t0)
  membership.record(removed)
  membership.record({ ...removed, removedAtMs: t0 + 2 * day, removedBy: 'someone' })
  // removed before it expired, and expired before it was removed
  membership.record(entry('fraud-phones', 'removed-early', t0, { expiresAtMs: t0 + 9 * day, removedAtMs: t0 + day }))
  membership.record(entry('fraud-phones', 'expired-first', t0, { expiresAtMs: t0 + day, removedAtMs: t0 + 9 * day }))
  // listed, removed, listed again later: two spans
  membership.record(entry('fraud-phones', 'relisted', t0, { removedAtMs: t0 + day }))
  membership.record(entry('fraud-phones', 'relisted', t0 + 3 * day))
  membership.record(entry('trusted-devices', 'device-1', t0 + hour))

  // one row per question: list, key, time → answer
  const rows: [string, string, number, boolean, string][] = [
    ['fraud-phones', 'forever', t0 - 1, false, 'not before it was added'],
    ['fraud-phones', 'forever', t0, true, 'from the instant it was added'],
    ['fraud-phones', 'forever', t0 + 3650 * day, true, 'no expiry: for good'],
    ['fraud-phones', 'expiring', t0 + 7 * day - 1, true, 'up to the last millisecond before expiry'],
    ['fraud-phones', 'expiring', t0 + 7 * day, false, 'not at the instant of expiry'],
    ['fraud-phones', 'removed', t0 + day, true, 'before its removal, the past stays as it was'],
    ['fraud-phones', 'removed', t0 + 2 * day, false, 'not from the instant of removal'],
    ['fraud-phones', 'removed-early', t0 + 5 * day, false, 'removal before expiry ends it'],
    ['fraud-phones', 'expired-first', t0 + 5 * day, false, 'expiry before removal ends it'],
    ['fraud-phones', 'expired-first', t0 + day - 1, true, 'before both'],
    ['fraud-phones', 'relisted', t0 + 2 * day, false, 'between two spans'],
    ['fraud-phones', 'relisted', t0 + 12 * hour, true, 'in the first span'],
    ['fraud-phones', 'relisted', t0 + 4 * day, true, 'in the second span'],
    ['fraud-phones', 'unknown-key', t0 + day, false, 'a key never listed'],
    ['no-such-list', 'forever', t0 + day, false, 'a list that does not exist'],
    ['trusted-devices', 'forever', t0 + day, false, 'lists do not share entries'],
    ['trusted-devices', 'device-1', t0 + day, true, 'the other list has its own'],
  ]
  for (const [name, key, atMs, expected, why] of rows) {
    test(`${name} ${key} at t0${atMs >= t0 ? '+' : ''}${atMs - t0} ms → ${expected}: ${why}`, () => {
      assert.equal(membership.has(name, key, atMs), expected)
    })
  }

  test('tenants do not see each other’s lists', () => {
    assert.equal(membership.has('fraud-phones', 'forever', t0 + day, 'acme'), false)
    assert.deepEqual(membership.listsOf(undefined, 'acme').map((l) => l.tenantId), ['acme'])
  })

  test('listsOf: by list kind, by entity kind, or all, by name', () => {
    assert.deepEqual(membership.listsOf('black').map((l) => l.name), ['fraud-phones'])
    assert.deepEqual(membership.listsOf('white').map((l) => l.name), ['trusted-devices'])
    assert.deepEqual(membership.listsOf('grey'), [])
    assert.deepEqual(membership.listsOf('device').map((l) => l.name), ['trusted-devices'])
    assert.deepEqual(membership.listsOf('phone').map((l) => l.name), ['fraud-phones'])
    assert.deepEqual(membership.listsOf().map((l) => l.name), ['fraud-phones', 'trusted-devices'])
    // the argument is unambiguous only while no list kind is also an entity kind
    assert.deepEqual(listKinds.filter((k) => (entityKinds as readonly string[]).includes(k)), [])
  })

  test('counts: every entry ever recorded, and the keys on the list at a moment', () => {
    assert.deepEqual(membership.counts('fraud-phones', t0 + 4 * day), { entries: 7, active: 3 })
    assert.deepEqual(membership.counts('fraud-phones', t0 - 1), { entries: 7, active: 0 })
  })

  test('an entry of a list that was never defined is a bug, not a silent no', () => {
    assert.throws(() => membership.record(entry('undefined-list', 'k', t0)), /not defined/)
  })
})

describe('ListMembership against a naive recomputation, through the store and after a restart', () => {
  const dirs: ReturnType<typeof tempDataDir>[] = []
  after(() => {
    for (const d of dirs) d.remove()
  })
  const vault = new PersonalDataVault(Buffer.alloc(32, 1), Buffer.alloc(32, 2))

  // a change happens at a time after the one before; questions are asked about any time, past or future
  const change = fc.oneof(
    fc.record({ op: fc.constant('add' as const), value: fc.integer({ min: 0, max: 5 }), advance: fc.integer({ min: 0, max: 3 * hour }), expiresIn: fc.option(fc.integer({ min: 1, max: 2 * day }), { nil: undefined }) }),
    fc.record({ op: fc.constant('remove' as const), pick: fc.nat(), advance: fc.integer({ min: 0, max: 3 * hour }) }),
  )

  test('has(list, key, t) equals a scan of every recorded span, for past and future t, before and after reloading', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(change, { minLength: 1, maxLength: 25 }), fc.array(fc.integer({ min: -hour, max: 4 * day }), { minLength: 5, maxLength: 20 }), async (changes, offsets) => {
        const dir = tempDataDir()
        dirs.push(dir)
        const store = await SqliteRecordStore.open(join(dir.dir, 'lists.sqlite'))
        let now = t0
        const clock = { nowMs: () => now }
        const membership = new ListMembership()
        const service = new ListService({ store, membership, vault, clock })
        await service.createList('default', { name: 'black-phones', kind: 'black', entityKind: 'phone' }, 'test')
        // the oracle: every entry as recorded, scanned in full for each question
        const spans: { key: string; id: string; from: number; until: number; removed: boolean }[] = []
        const phone = (i: number) => `1380013800${i}`
        try {
          for (const c of changes) {
            now += c.advance
            if (c.op === 'add') {
              const key = vault.blindIndex('phone', phone(c.value))
              const listed = spans.some((s) => s.key === key && now >= s.from && now < s.until)
              const adding = service.addEntries('default', 'black-phones', [{ value: phone(c.value), reason: 'r', source: 's', ...(c.expiresIn ? { expiresAtMs: now + c.expiresIn } : {}) }], 'test')
              if (listed) await assert.rejects(adding, /already/)
              else {
                const [added] = await adding
                spans.push({ key, id: added!.id, from: now, until: c.expiresIn ? now + c.expiresIn : Number.POSITIVE_INFINITY, removed: false })
              }
            } else if (spans.length > 0) {
              const target = spans[c.pick % spans.length]!
              const removing = service.removeEntry('default', 'black-phones', target.id, 'test')
              if (target.removed) await assert.rejects(removing, /removed already/)
              else {
                await removing
                target.removed = true
                target.until = Math.min(target.until, now)
              }
            }
          }
          const reloaded = await ListMembership.load(store, 3)
          for (const offset of offsets) {
            const atMs = t0 + offset
            for (let i = 0; i <= 5; i++) {
              const key = vault.blindIndex('phone', phone(i))
              const expected = spans.some((s) => s.key === key && atMs >= s.from && atMs < s.until)
              assert.equal(membership.has('black-phones', key, atMs), expected, `phone ${i} at t0+${offset}`)
              assert.equal(reloaded.has('black-phones', key, atMs), expected, `phone ${i} at t0+${offset}, reloaded`)
            }
          }
        } finally {
          await store.close()
        }
      }),
      { numRuns: 40, seed: 20270301 },
    )
  })
})
