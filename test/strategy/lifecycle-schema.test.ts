/**
 * The JSON Schema of strategy documents: every shipped strategy and a flow
 * with every node type validate against it; typos do not; and the copy in
 * docs/reference/ is what the source generates.
 */
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { Ajv } from 'ajv'
import { parse as parseYaml } from 'yaml'
import { strategyJsonSchema } from '../../src/strategy/lifecycle/strategy-schema.ts'
import { applicationDraft, reason } from './lifecycle-fixtures.ts'

const root = new URL('../..', import.meta.url).pathname
const validate = new Ajv({ allErrors: true, strict: false }).compile(strategyJsonSchema())
const problems = (document: unknown) => (validate(document) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.keyword}`))

test('every strategy shipped in config/strategies validates', () => {
  const files = readdirSync(join(root, 'config/strategies')).filter((f) => /\.(ya?ml|json)$/.test(f))
  assert.ok(files.length >= 5)
  for (const file of files) assert.deepEqual(problems(parseYaml(readFileSync(join(root, 'config/strategies', file), 'utf8'))), [], file)
})

test('a flow with every node type validates; typos and wrong values do not', () => {
  const flow: Record<string, unknown> = {
    ...applicationDraft({ product: 'consumer-cash' }),
    id: 'flow-credit',
    version: 3,
    stage: 'pre_loan',
    models: [
      { name: 'fraud', kind: 'logistic', intercept: -6, inputs: [{ feature: 'applicationsPerDevice1h', weight: 2, cap: 5 }] },
      { name: 'gbdt', kind: 'registry', model: 'application-fraud', alias: 'champion', reasons: { top: 2, factors: { applicationsPerIp1h: reason('MANY_IPS') } } },
    ],
    offer: { limitMinor: '1000000', aprBps: '1800' },
  }
  ;(flow.flow as unknown[]).push(
    { id: 'bands', type: 'modelThreshold', score: 'fraud', bands: [{ when: '>= 0.8', action: 'reject', reason: reason('FRAUD_HIGH') }], next: 'limit-test' },
    { id: 'limit-test', type: 'split', by: 'user', branches: [{ share: 90, next: 'standard' }, { share: 10, next: 'generous' }] },
    { id: 'standard', type: 'output' },
    { id: 'generous', type: 'output', action: 'approve', reason: reason('GENEROUS_ARM'), offer: { limitMinor: '2000000', aprBps: '1200' } },
  )
  assert.deepEqual(problems(flow), [])
  assert.deepEqual(problems({ ...flow, defaultAction: 'allow' }), ['/defaultAction enum'])
  assert.deepEqual(problems({ ...flow, ruleSet: [] }), [' additionalProperties'])
  const { flow: _, ...neither } = flow
  assert.deepEqual(problems(neither), [' required', ' required', ' anyOf'])
})

test('docs/reference/strategy.schema.json is what the source generates (npx xiezhi strategies schema > docs/reference/strategy.schema.json)', () => {
  assert.deepEqual(JSON.parse(readFileSync(join(root, 'docs/reference/strategy.schema.json'), 'utf8')), strategyJsonSchema())
})
