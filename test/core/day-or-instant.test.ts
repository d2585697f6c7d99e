import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseDayOrInstant, parseDayOrInstantThrough } from '../../src/core/day-or-instant.ts'

test('a day as the end of a period includes the whole Beijing day; an instant stays itself', () => {
  assert.equal(parseDayOrInstant('2026-11-27'), Date.parse('2026-11-27T00:00:00+08:00'))
  assert.equal(parseDayOrInstantThrough('2026-11-27'), Date.parse('2026-11-28T00:00:00+08:00') - 1)
  assert.equal(new Date(parseDayOrInstantThrough('2026-12-31')!).toISOString(), '2026-12-31T15:59:59.999Z')
  assert.equal(parseDayOrInstantThrough('2028-02-29'), Date.parse('2028-03-01T00:00:00+08:00') - 1)
  assert.equal(parseDayOrInstantThrough('2026-11-27T10:00:00+08:00'), Date.parse('2026-11-27T02:00:00Z'))
  assert.equal(parseDayOrInstantThrough('2026-02-30'), undefined)
  assert.equal(parseDayOrInstantThrough('2026-11-27T10:00'), undefined)
})
