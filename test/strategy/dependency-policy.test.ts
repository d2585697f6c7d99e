/**
 * A strategy's `onDependencyError`: checked when compiled, applied as the
 * least severe action of a decision made without a failed dependency, and
 * never letting a rule or model read a missing value as zero.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { XiezhiError } from '../../src/core/errors.ts'
import { EventTypeRegistry } from '../../src/events/event-type-registry.ts'
import { parseFeatureDefinitions } from '../../src/features/feature-definition.ts'
import { compileStrategy } from '../../src/strategy/compile-strategy.ts'

const registry = new EventTypeRegistry(() => Date.now())
const features = parseFeatureDefinitions(
  [{ name: 'loginsPerDevice1h', kind: 'count', entity: 'device', eventTypes: ['login'], window: '1h' }],
  new Set(registry.list('default').map((t) => t.type)),
)
const catalogue = { features, eventType: (t: string) => registry.find('default', t) }
const reason = (code: string) => ({ code, zh: `中文 ${code}`, en: `English ${code}` })
const login = (policy?: string) =>
  compileStrategy(
    {
      id: 'login-policy',
      version: 1,
      eventType: 'login',
      ...(policy === undefined ? {} : { onDependencyError: policy }),
      models: [{ name: 'takeover', intercept: -3, inputs: [{ feature: 'loginsPerDevice1h', weight: 0.4 }] }],
      ruleSets: [
        {
          id: 'r',
          mode: 'parallel',
          rules: [
            { id: 'quiet-device', when: 'features.loginsPerDevice1h == 0', onError: 'skip', action: 'step_up', reason: reason('QUIET_DEVICE') },
            { id: 'failed-login', when: '!event.data.success', action: 'step_up', reason: reason('FAILED_LOGIN') },
          ],
        },
      ],
    },
    catalogue,
  )
const event = (success: boolean) => ({ id: 'e', type: 'login', occurredAt: '2026-11-27T00:00:00Z', data: { userId: 'u', deviceId: 'd', ip: '203.0.113.1', success } })
const failed = [{ dependency: 'features', message: 'disk gone', features: ['loginsPerDevice1h'] }]

test('onDependencyError must be fail or an action', () => {
  assert.throws(
    () => login('shrug'),
    (error: XiezhiError) => error.issues.some((i) => i.pointer === '/onDependencyError' && i.code === 'invalid_value'),
  )
  assert.equal(login().document.onDependencyError, 'review', 'review unless told')
})

test('a missing value is not a zero: the rule reading it fails, the model does not score', () => {
  const healthy = login('approve').decide({ event: event(true), features: { loginsPerDevice1h: 0 } })
  assert.deepEqual([healthy.action, healthy.hits], ['step_up', ['quiet-device']], 'with the value, a zero count hits')
  const degraded = login('approve').decide({ event: event(true), features: {}, failed })
  assert.deepEqual(degraded.hits, [], 'without it, the rule does not hit as if the count were zero')
  assert.deepEqual(degraded.scores, {})
  assert.deepEqual(
    degraded.ruleErrors.map((e) => [e.ruleId, e.handled]),
    [['model:takeover', 'policy'], ['quiet-device', 'skip']],
  )
})

test('the policy is the least severe action: approve lets the rules that could run decide; review and reject raise it', () => {
  const decide = (policy: string, success: boolean) => login(policy).decide({ event: event(success), features: {}, failed })
  // the model's missing score applies onRuleError (review) as before; with onRuleError ignore only the dependency policy acts
  const ignoring = (policy: string, success: boolean) =>
    compileStrategy({ ...JSON.parse(login(policy).source), onRuleError: 'ignore' }, catalogue).decide({ event: event(success), features: {}, failed })
  assert.equal(ignoring('approve', true).action, 'approve')
  assert.equal(ignoring('approve', false).action, 'step_up')
  assert.equal(ignoring('review', true).action, 'review')
  assert.equal(ignoring('reject', true).action, 'reject')
  const degraded = decide('reject', false)
  assert.equal(degraded.action, 'reject')
  assert.deepEqual(degraded.reasons.at(-1), {
    code: 'DEGRADED',
    message: { zh: '依赖服务失败，按降级策略决策', en: 'A dependency failed; decided under the degraded-mode policy' },
    evidence: { dependencies: ['features'], errors: ['disk gone'], policy: 'reject' },
  })
})

test('fail refuses the event before deciding; a shadow or replay meeting it takes review', () => {
  assert.equal(compileStrategy({ ...JSON.parse(login('fail').source), onRuleError: 'ignore' }, catalogue).decide({ event: event(true), features: {}, failed }).action, 'review')
})

test('without a failed dependency nothing changes', () => {
  const outcome = login('reject').decide({ event: event(true), features: { loginsPerDevice1h: 3 } })
  assert.equal(outcome.action, 'approve')
  assert.ok(!outcome.reasons.some((r) => r.code === 'DEGRADED'))
})
