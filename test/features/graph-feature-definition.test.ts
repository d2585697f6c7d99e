import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parse } from 'yaml'
import type { XiezhiError } from '../../src/core/errors.ts'
import { type FeatureDeclaration, declareFeatures } from '../../src/features/declare-features.ts'
import { featureDefinitionHash } from '../../src/features/feature-catalogue.ts'
import { FeatureEngine } from '../../src/features/feature-engine.ts'

const types = new Set(['login'])
const schemaOf = () => ({ type: 'object', properties: {} })
const login = { type: 'login', occurredAtMs: Date.parse('2026-03-02T00:00:00Z'), data: {}, keys: { device: ['d1'], user: ['u1'] } }

const refused = (list: unknown) => {
  try {
    declareFeatures(list, types, schemaOf)
  } catch (error) {
    return (error as XiezhiError).issues.map((i) => `${i.pointer} ${i.code}`)
  }
  assert.fail('accepted')
}

test('graph features declared in YAML are those declared in TypeScript, typed for CEL; the feature engine leaves them to the graph', () => {
  const declared: FeatureDeclaration[] = [
    { name: 'loginsPerDevice10m', kind: 'count', entity: 'device', eventTypes: ['login'], window: '10m' },
    { name: 'fraudUsers2h30d', kind: 'graph', measure: 'labelled_nodes', hops: 2, window: '30d', labels: ['fraud'], of: 'user' },
    { name: 'usersPerDevice7d', kind: 'graph', measure: 'shared_users', entity: 'device', window: '7d' },
    { name: 'ringRisk', kind: 'graph', measure: 'ring_risk' },
  ]
  const yaml = `
features:
  - { name: loginsPerDevice10m, kind: count, entity: device, eventTypes: [login], window: 10m }
  - { name: fraudUsers2h30d, kind: graph, measure: labelled_nodes, hops: 2, window: 30d, labels: [fraud], of: user }
  - { name: usersPerDevice7d, kind: graph, measure: shared_users, entity: device, window: 7d }
  - { name: ringRisk, kind: graph, measure: ring_risk }
`
  const fromCode = declareFeatures(declared, types, schemaOf)
  const fromYaml = declareFeatures((parse(yaml) as { features: unknown }).features, types, schemaOf)
  assert.deepEqual(fromCode, fromYaml)
  assert.deepEqual(
    fromCode.map((d) => [d.name, d.celType]),
    [
      ['loginsPerDevice10m', 'int'],
      ['fraudUsers2h30d', 'int'],
      ['usersPerDevice7d', 'int'],
      ['ringRisk', 'double'],
    ],
  )
  const engine = new FeatureEngine(fromCode)
  assert.deepEqual(engine.definitions.map((d) => d.name), ['loginsPerDevice10m'])
  assert.deepEqual(engine.observe(login), { loginsPerDevice10m: 0 })
})

test('a graph feature with a missing, unknown or misplaced field is refused, each field named', () => {
  const at = (fields: Record<string, unknown>) => refused([{ name: 'loginsPerDevice10m', kind: 'count', entity: 'device', eventTypes: ['login'], window: '10m' }, { name: 'g', kind: 'graph', ...fields }])
  assert.deepEqual(at({}), ['/features/1/name invalid_format', '/features/1/measure required'])
  assert.deepEqual(at({ measure: 'pagerank' }), ['/features/1/name invalid_format', '/features/1/measure invalid_value'])
  const named = (fields: Record<string, unknown>) => refused([{ name: 'graphFeature', kind: 'graph', ...fields }])
  assert.deepEqual(named({ measure: 'neighbourhood_nodes' }), ['/features/0/hops required', '/features/0/window required'])
  assert.deepEqual(named({ measure: 'labelled_nodes', hops: 4, window: '30 days' }), ['/features/0/hops out_of_range', '/features/0/window invalid_format'])
  assert.deepEqual(named({ measure: 'labelled_nodes', hops: 1.5, window: '30d', labels: ['fraud', 'robbery'], of: 'planet' }), [
    '/features/0/hops out_of_range',
    '/features/0/labels/1 invalid_value',
    '/features/0/of unknown_entity_kind',
  ])
  assert.deepEqual(named({ measure: 'labelled_nodes', hops: 2, window: '30d', labels: [] }), ['/features/0/labels invalid_type'])
  assert.deepEqual(named({ measure: 'neighbourhood_nodes', hops: 2, window: '30d', labels: ['fraud'] }), ['/features/0/labels not_allowed'])
  assert.deepEqual(named({ measure: 'shared_users' }), ['/features/0/entity required'])
  assert.deepEqual(named({ measure: 'shared_users', entity: 'user', hops: 2, of: 'user' }), ['/features/0/hops not_allowed', '/features/0/of not_allowed', '/features/0/entity invalid_value'])
  assert.deepEqual(named({ measure: 'ring_risk', window: '90d', entity: 'device' }), ['/features/0/window not_allowed', '/features/0/entity not_allowed'])
  assert.deepEqual(named({ measure: 'component_nodes', eventTypes: ['login'], where: 'true', includesEvent: true }), [
    '/features/0/where not_allowed',
    '/features/0/includesEvent not_allowed',
    '/features/0/eventTypes not_allowed',
  ])
})

test('an expression cannot read a graph feature: the graph measures after the feature engine has computed its features', () => {
  assert.deepEqual(
    refused([
      { name: 'ringRisk', kind: 'graph', measure: 'ring_risk' },
      { name: 'riskyRing', kind: 'expression', expression: 'features.ringRisk > 0.5 ? 1 : 0' },
    ]),
    ['/features/1/expression cel_type_error'],
  )
})

test("a graph feature's version changes with its measure, hops, window, labels, of and entity; not with its description", () => {
  const base = { name: 'g2h', kind: 'graph', measure: 'labelled_nodes', hops: 2, window: '30d' } as const
  const hashOf = (declaration: FeatureDeclaration) => featureDefinitionHash(declareFeatures([declaration], types, schemaOf)[0]!)
  const hashes = [
    hashOf(base),
    hashOf({ ...base, hops: 1 }),
    hashOf({ ...base, window: '7d' }),
    hashOf({ ...base, labels: ['fraud'] }),
    hashOf({ ...base, of: 'user' }),
    hashOf({ ...base, measure: 'neighbourhood_nodes' }),
    hashOf({ name: 'g2h', kind: 'graph', measure: 'shared_users', entity: 'device' }),
    hashOf({ name: 'g2h', kind: 'graph', measure: 'shared_users', entity: 'phone' }),
  ]
  assert.equal(new Set(hashes).size, hashes.length)
  assert.equal(hashOf({ ...base, description: 'said otherwise' }), hashes[0])
})
