import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Optional } from '@marcbachmann/cel-js'
import { Duration, UnsignedInt } from '@marcbachmann/cel-js/evaluator'
import { compileExpression } from '../../src/cel/condition.ts'
import { isZeroValue } from '../../src/cel/optional-functions.ts'
import { strategyEnvironments } from './worst-case.ts'

/** The optional-type functions Xiezhi adds to cel-js (`optional-functions.ts`), on a strategy condition's path. */
const { checking, runtime } = strategyEnvironments()
const context = { event: { id: 'e1', type: 't', occurredAt: '2026-01-01T00:00:00Z', data: { text: 'x', map: { k: 'v' } } }, features: { count: 3n }, scores: { fraud: 0.5 } }

function value(source: string): unknown {
  const compiled = compileExpression(source, checking, runtime)
  if ('ok' in compiled) assert.fail(`${source}: refused (${compiled.code}): ${compiled.message}`)
  return compiled.evaluate(context)
}

test('optional.ofNonZeroValue is none for each type’s zero value', () => {
  assert.equal(value('optional.ofNonZeroValue(0).hasValue()'), false)
  assert.equal(value("optional.ofNonZeroValue('').orValue('default')"), 'default')
  assert.equal(value('optional.ofNonZeroValue(42).value()'), 42n)
  assert.equal(value('optional.ofNonZeroValue(event.data.text).hasValue()'), true)
  for (const zero of [null, 0n, 0, -0, '', false, new UnsignedInt(0), new Uint8Array(), [], {}, new Map(), new Duration(0n, 0), new Date(0), Optional.none()]) {
    assert.equal(isZeroValue(zero), true, String(zero))
  }
  for (const nonZero of [1n, 0.5, 'a', true, new UnsignedInt(1), Uint8Array.of(0), [0n], { a: 0n }, new Duration(0n, 1), new Date(1), Optional.of(0n)]) {
    assert.equal(isZeroValue(nonZero), false, String(nonZero))
  }
})

test('optMap and optFlatMap bind the value, or stay none', () => {
  assert.equal(value('optional.of(42).optMap(y, y + 1).value()'), 43n)
  assert.equal(value('optional.none().optMap(y, y + 1).hasValue()'), false)
  assert.equal(value("event.data.map.?k.optMap(v, v + '!').value()"), 'v!')
  assert.equal(value("event.data.map.?missing.optMap(v, v + '!').orValue('none')"), 'none')
  assert.equal(value("{'key': {'subkey': 'subvalue'}}.?key.optFlatMap(k, k.?subkey).value()"), 'subvalue')
  assert.equal(value("{'key': {}}.?key.optFlatMap(k, k.?subkey).hasValue()"), false)
  // the variable is scoped to the macro
  assert.ok('ok' in compileExpression('optional.of(1).optMap(y, y).value() == y', checking, runtime))
})

test('optionals compare equal when both are none or both hold equal values', () => {
  assert.equal(value('optional.none() == optional.none()'), true)
  assert.equal(value('optional.of(1) == optional.of(1)'), true)
  assert.equal(value('optional.of(1) != optional.of(2)'), true)
  assert.equal(value('optional.of(1) == optional.none()'), false)
  assert.equal(value('optional.of([1, 2]) == optional.of([1, 2])'), true)
  assert.equal(value("event.data.map.?k == optional.of('v')"), true)
})

test('the type of an optional is optional_type', () => {
  assert.equal(value('type(optional.none()) == optional_type'), true)
  assert.equal(value('type(optional.of(1)) == optional_type'), true)
  assert.equal(value('type(1) == optional_type'), false)
})
