/**
 * The node table's own hash table over key bytes: every (kind, key) gets
 * one node whatever the key's characters, found again by the same string
 * made afresh, and a table rebuilt from its columns finds the same nodes —
 * at sizes where the table and the key bytes have grown many times.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { NodeTable } from '../../src/graph/node-table.ts'

test('each (kind, key) is one node, found again, with its key and times, also after a restore', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.oneof(fc.string({ maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 4 }))), { maxLength: 200 }), (pairs) => {
      const table = new NodeTable()
      const naive = new Map<string, number>()
      pairs.forEach(([kind, key], at) => {
        const node = table.intern(kind, key, at)
        const id = `${kind}\u0001${key}`
        if (!naive.has(id)) naive.set(id, naive.size)
        assert.equal(node, naive.get(id))
      })
      const restored = NodeTable.fromColumns(table.toColumns())
      for (const [id, node] of naive) {
        const [kind, key] = [Number(id.slice(0, id.indexOf('\u0001'))), id.slice(id.indexOf('\u0001') + 1)]
        assert.equal(table.find(kind, key), node)
        assert.equal(restored.find(kind, key), node)
        assert.equal(table.key(node), key)
        assert.equal(restored.kind(node), table.kind(node))
      }
      assert.equal(table.find(4, 'never seen'), -1)
      assert.deepEqual(restored.toColumns(), table.toColumns())
    }),
    { numRuns: 200 },
  )
})

test('200,000 keys: every one found by a fresh string, times kept, the same table after a restore', () => {
  const table = new NodeTable()
  const keyOf = (i: number) => (i % 97 === 0 ? `用户-${i}-€` : `k${i.toString(36)}-${(i * 7919) % 1000}`)
  for (let i = 0; i < 200_000; i++) assert.equal(table.intern(i % 8, keyOf(i), 1_000 + i), i)
  // seen again later, and named once by a label (which does not move the times)
  for (let i = 0; i < 200_000; i += 3) assert.equal(table.intern(i % 8, keyOf(i), 500_000 + i), i)
  assert.equal(table.intern(1, keyOf(1), 9_999_999, false), 1)
  assert.equal(table.count, 200_000)
  const restored = NodeTable.fromColumns(table.toColumns())
  for (let i = 0; i < 200_000; i += 1) {
    assert.equal(restored.find(i % 8, `${keyOf(i)}`), i)
    assert.equal(table.find((i + 1) % 8, keyOf(i)), -1)
  }
  assert.equal(restored.key(97 * 5), keyOf(97 * 5))
  assert.deepEqual([table.firstSeenMs[3], table.lastSeenMs[3], table.lastSeenMs[1]], [1_003, 500_003, 1_001])
  assert.deepEqual(restored.toColumns(), table.toColumns())
})

test('offsets that do not match the key bytes are refused', () => {
  const table = new NodeTable()
  table.intern(0, 'a', 1)
  table.intern(0, 'bc', 1)
  const columns = table.toColumns()
  assert.throws(() => NodeTable.fromColumns({ ...columns, keyBytes: columns.keyBytes.subarray(0, 2) }), /node keys: the offsets do not match the keys/)
})
