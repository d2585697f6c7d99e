import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parse } from 'yaml'
import type { XiezhiError } from '../../src/core/errors.ts'
import { type FeatureDeclaration, declareFeatures } from '../../src/features/declare-features.ts'
import { FeatureEngine } from '../../src/features/feature-engine.ts'

const types = new Set(['login', 'card.transaction'])
const schemaOf = () => ({ type: 'object', properties: { amountMinor: { type: 'integer' } } })

const declared: FeatureDeclaration[] = [
  { name: 'loginsPerDevice10m', kind: 'count', entity: 'device', eventTypes: ['login'], window: '10m' },
  { name: 'amountAvgMinorPerCard7d', kind: 'avg', entity: 'bank_card', field: '/amountMinor', eventTypes: ['card.transaction'], window: '7d', includesEvent: true },
  { name: 'usersPerDevice24h', kind: 'distinct_count', entity: 'device', of: 'user', eventTypes: ['login'], window: '24h' },
  { name: 'deviceOnBlacklist', kind: 'in_list', entity: 'device', list: 'mule-devices', eventTypes: ['login'] },
  { name: 'busyDevice', kind: 'expression', expression: 'features.loginsPerDevice10m > 5 ? 1 : 0' },
]

test('features declared in TypeScript are the features the same YAML declares', () => {
  const yaml = `
features:
  - { name: loginsPerDevice10m, kind: count, entity: device, eventTypes: [login], window: 10m }
  - { name: amountAvgMinorPerCard7d, kind: avg, entity: bank_card, field: /amountMinor, eventTypes: [card.transaction], window: 7d, includesEvent: true }
  - { name: usersPerDevice24h, kind: distinct_count, entity: device, of: user, eventTypes: [login], window: 24h }
  - { name: deviceOnBlacklist, kind: in_list, entity: device, list: mule-devices, eventTypes: [login] }
  - { name: busyDevice, kind: expression, expression: "features.loginsPerDevice10m > 5 ? 1 : 0" }
`
  const fromCode = declareFeatures(declared, types, schemaOf)
  const fromYaml = declareFeatures((parse(yaml) as { features: unknown }).features, types, schemaOf)
  const comparable = (list: typeof fromCode) => list.map(({ filter, derive, ...rest }) => rest)
  assert.deepEqual(comparable(fromCode), comparable(fromYaml))
  // compiled and ready for the engine
  const engine = new FeatureEngine(fromCode)
  const values = engine.observe({ type: 'login', occurredAtMs: Date.parse('2026-03-02T00:00:00Z'), data: {}, keys: { device: ['d1'], user: ['u1'] } })
  assert.deepEqual(values, { loginsPerDevice10m: 0, amountAvgMinorPerCard7d: 0, usersPerDevice24h: 0, deviceOnBlacklist: 0, busyDevice: 0 })
})

test('what the types cannot see is named like any YAML mistake', () => {
  const refused = (list: FeatureDeclaration[]) => {
    try {
      declareFeatures(list, types, schemaOf)
    } catch (error) {
      return (error as XiezhiError).issues.map((i) => `${i.pointer} ${i.code}`)
    }
    assert.fail('accepted')
  }
  assert.deepEqual(refused([{ name: 'x1', kind: 'count', entity: 'device', eventTypes: ['logn'], window: '10m' }]), ['/features/0/eventTypes/0 unknown_event_type'])
  assert.deepEqual(refused([{ name: 'x2', kind: 'count', entity: 'device', eventTypes: ['login'], window: '10x' as '10m' }]), ['/features/0/window invalid_format'])
  assert.deepEqual(refused([{ name: 'x3', kind: 'count', entity: 'device', eventTypes: ['login'], window: '1h', where: 'event.data.amountMinor > "a"' }]), ['/features/0/where cel_type_error'])
})

test('the compiler refuses declarations that miss what their kind needs', () => {
  // each line below must fail to type-check (npm run typecheck fails if one of them compiles)
  // @ts-expect-error a sum needs a field
  const noField: FeatureDeclaration = { name: 'a', kind: 'sum', entity: 'user', eventTypes: ['login'], window: '1h' }
  // @ts-expect-error windows are durations such as 10m, 24h or 7d
  const badWindow: FeatureDeclaration = { name: 'b', kind: 'count', entity: 'user', eventTypes: ['login'], window: 'a week' }
  // @ts-expect-error an in_list feature names its list
  const noList: FeatureDeclaration = { name: 'c', kind: 'in_list', entity: 'device', eventTypes: ['login'] }
  assert.equal([noField, badWindow, noList].length, 3)
})
