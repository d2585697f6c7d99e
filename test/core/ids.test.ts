import assert from 'node:assert/strict'
import { test } from 'node:test'
import { uuidv7 } from '../../src/core/ids.ts'

test('UUIDv7: version 7, RFC variant, the time in the first 48 bits, sortable by time', () => {
  const at = Date.parse('2026-11-27T12:00:00Z')
  const id = uuidv7(at)
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  assert.equal(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16), at)
  assert.ok(uuidv7(at) < uuidv7(at + 1))
  assert.equal(new Set(Array.from({ length: 10_000 }, () => uuidv7(at))).size, 10_000)
})
