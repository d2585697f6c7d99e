import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { KeyTable } from '../../src/features/key-table.ts'

// few short texts (many collide in the low bits of the hash and share probe runs), some long and non-Latin ones
const text = fc.oneof(fc.constantFrom('a', 'b', 'ab', 'ba', '', 'é', '北京', 'a'.repeat(40)), fc.string({ maxLength: 3 }), fc.string({ unit: 'binary', maxLength: 30 }))
const step = fc.oneof(
  fc.record({ hold: fc.oneof(text, fc.array(text, { minLength: 1, maxLength: 3 })), keep: fc.boolean() }),
  fc.record({ drop: fc.nat() }),
)

test('a key table gives one id per string, exactly, reuses forgotten ids and keeps every text through growth, compaction and a snapshot', () => {
  fc.assert(
    fc.property(fc.array(step, { maxLength: 400 }), (steps) => {
      const table = new KeyTable('t')
      // the reference: each kept hold, its id and the text (or texts) it stands for
      const kept: { id: number; value: string | string[] }[] = []
      for (const s of steps) {
        if ('hold' in s) {
          const id = table.hold(s.hold)
          const single = typeof s.hold === 'string' ? s.hold : s.hold.length === 1 ? s.hold[0]! : undefined
          if (single !== undefined) {
            assert.equal(table.text(id), single)
            assert.equal(table.idOf(single), id)
          } else assert.deepEqual((table.membersOf(id) ?? []).map((m) => table.text(m)), s.hold)
          for (const other of kept) if (JSON.stringify(other.value) === JSON.stringify(single ?? s.hold)) assert.equal(other.id, id)
          if (s.keep) {
            table.acquire(id)
            kept.push({ id, value: single ?? (s.hold as string[]) })
          }
          table.releaseHeld()
        } else if (kept.length > 0) {
          const [gone] = kept.splice(s.drop % kept.length, 1)
          table.release(gone!.id)
        }
        for (const { id, value } of kept) {
          if (typeof value === 'string') {
            assert.equal(table.idOf(value), id)
            assert.equal(table.text(id), value)
          } else assert.deepEqual(table.membersOf(id)!.map((m) => table.text(m)), value)
        }
      }
      const live = new Set(kept.flatMap(({ value }) => (typeof value === 'string' ? [value] : [...value, `\u0001${value.join('\u0001')}`])))
      for (const t of ['a', 'b', 'ab', '', '北京', 'zz-never']) if (!live.has(t)) assert.equal(table.find(t), undefined)
      const restored = new KeyTable('t')
      restored.load(table.toColumns())
      for (const { id, value } of kept) if (typeof value === 'string') assert.equal(restored.idOf(value), id)
    }),
    { numRuns: 300 },
  )
})

test('a key table holds 100,000 keys, forgets them one by one and finds the rest after each forgetting', () => {
  const table = new KeyTable('keys')
  const keys = Array.from({ length: 100_000 }, (_, i) => `key-${i.toString(36)}`)
  const ids = keys.map((key) => {
    const id = table.hold(key)
    table.acquire(id)
    return id
  })
  table.releaseHeld()
  for (let i = 0; i < keys.length; i += 2) table.release(ids[i]!)
  for (let i = 0; i < keys.length; i++) assert.equal(table.find(keys[i]!), i % 2 === 0 ? undefined : ids[i])
  // the forgotten ids come back for new keys, and the old texts are gone
  const again = table.hold('new')
  assert.equal(ids.includes(again), true)
  assert.equal(table.text(again), 'new')
})
