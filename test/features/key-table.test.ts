import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { KeyTable } from '../../src/features/key-table.ts'

// few short texts (many collide in the low bits of the hash and share probe runs), some long and non-Latin ones, some either side of the length a slot holds
const text = fc.oneof(fc.constantFrom('a', 'b', 'ab', 'ba', '', 'é', '北京', 'a'.repeat(40), 'a'.repeat(24), 'a'.repeat(25), '北'.repeat(23)), fc.string({ maxLength: 3 }), fc.string({ unit: 'binary', maxLength: 30 }))
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

test('a key table shrinks after a burst of keys is forgotten, keeping every live id and text, and grows again', () => {
  // rounds of a burst (many keys held), then most of them forgotten: the reference is a map of live texts to ids
  const round = fc.record({ burst: fc.integer({ min: 0, max: 3_000 }), keepOneIn: fc.integer({ min: 1, max: 200 }), prefix: fc.constantFrom('k', 'kk', '北', 'card-') })
  fc.assert(
    fc.property(fc.array(round, { minLength: 1, maxLength: 6 }), (rounds) => {
      const table = new KeyTable('t')
      const live = new Map<string, number>()
      let serial = 0
      for (const { burst, keepOneIn, prefix } of rounds) {
        const made: [string, number][] = []
        for (let i = 0; i < burst; i++) {
          const text = `${prefix}${serial++}`
          const id = table.hold(text)
          table.acquire(id)
          made.push([text, id])
          live.set(text, id)
        }
        table.releaseHeld()
        const peak = table.capacity
        // forget all but one in `keepOneIn` of this burst, and every other key of the earlier ones
        made.forEach(([text, id], i) => {
          if (i % keepOneIn === 0) return
          table.release(id)
          live.delete(text)
        })
        let turn = 0
        for (const [text, id] of [...live]) {
          if (turn++ % 2 === 0 || made.some(([t]) => t === text)) continue
          table.release(id)
          live.delete(text)
        }
        const now = table.capacity
        assert.equal(now.live, live.size)
        // an eighth or less of the peak index used: it shrank, to less than eight slots a key (it shrinks at an eighth used)
        if (peak.slots > 16 && live.size * 8 <= peak.slots) assert.ok(now.slots === 16 || now.slots < 8 * live.size, `${now.slots} slots for ${live.size} keys`)
        assert.ok(now.slots * 3 >= live.size * 4, 'never fuller than three quarters')
        for (const [text, id] of live) {
          assert.equal(table.idOf(text), id)
          assert.equal(table.text(id), text)
        }
        const ids = new Set(live.values())
        assert.equal(ids.size, live.size, 'one id per live key')
      }
      // a snapshot of the shrunk table restores to the same ids
      const restored = new KeyTable('t')
      restored.load(table.toColumns())
      for (const [text, id] of live) assert.equal(restored.idOf(text), id)
      // new keys get ids again, the lowest free first, and the old ones are still found
      const fresh = table.hold('fresh-key')
      assert.equal(table.text(fresh), 'fresh-key')
      assert.ok(![...live.values()].includes(fresh))
      for (const [text, id] of live) assert.equal(table.idOf(text), id)
    }),
    { numRuns: 60 },
  )
})

for (const [size, keyOf] of [
  // a blind index's length: kept in its slot
  ['short', (i: number) => `blind-index-${i.toString(36).padStart(8, '0')}`],
  // longer than a slot holds: kept in the array of texts
  ['long', (i: number) => `a text longer than a slot holds ${i.toString(36).padStart(8, '0')}`],
] as const) {
  test(`100,000 ${size} keys held then forgotten leave a table of its first size, its memory given back`, () => {
    const table = new KeyTable('keys')
    const ids = Array.from({ length: 100_000 }, (_, i) => {
      const id = table.hold(keyOf(i))
      table.acquire(id)
      return id
    })
    table.releaseHeld()
    const peak = table.capacity
    const kept = ids.filter((_, i) => i % 1000 === 0)
    for (const [i, id] of ids.entries()) if (i % 1000 !== 0) table.release(id)
    const after = table.capacity
    assert.equal(after.live, kept.length)
    // the hash index and the texts shrink to what the 100 keys need; the per-id arrays keep room up to the highest live id (ids are stable)
    assert.ok(after.slots * 100 < peak.slots, `${JSON.stringify(peak)} at the peak, ${JSON.stringify(after)} after`)
    if (size === 'long') assert.ok(after.chars * 100 < peak.chars, `${JSON.stringify(peak)} at the peak, ${JSON.stringify(after)} after`)
    else assert.equal(peak.chars, 1024, 'short keys take no room in the array of texts')
    assert.equal(after.ids, peak.ids)
    for (const [i, id] of ids.entries()) if (i % 1000 === 0) assert.equal(table.text(id), keyOf(i))
    for (const id of kept) table.release(id)
    assert.deepEqual(table.capacity, { slots: 16, chars: 1024, ids: 64, live: 0 })
  })
}
