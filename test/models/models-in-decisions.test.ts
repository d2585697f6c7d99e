/**
 * Registry models inside decisions: a strategy scores with the version its
 * alias points to, explains the score by its top TreeSHAP contributions as
 * reasons after the rule's, records the version, and `explain` replays each
 * decision with the version it recorded even after a promotion.
 */
import assert from 'node:assert/strict'
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { readConfig } from '../../src/app/config.ts'
import { type Engine, defaultTenant, openEngine, openRecords } from '../../src/app/open-engine.ts'
import type { Decision } from '../../src/decisions/decision.ts'
import { explainDecision } from '../../src/decisions/explain-decision.ts'
import { trainGbdtSync } from '../../src/models/gbdt/gbdt-trainer.ts'
import { serializeModel } from '../../src/models/gbdt/model-json.ts'
import { ModelRegistry } from '../../src/models/registry/model-registry.ts'
import { exampleEvent, tempDataDir } from '../support/temp-engine.ts'

const data = tempDataDir('xiezhi-models-in-decisions-')
const configDir = join(data.dir, 'config')
const nowMs = Date.parse('2026-11-27T12:00:00Z')
const clock = { nowMs: () => nowMs }
const config = () => readConfig({ XIEZHI_DATA_DIR: join(data.dir, 'data'), XIEZHI_CONFIG_DIR: configDir, LOG_LEVEL: 'silent' }, { authDisabled: true })

const strategy = (alias: string) => `
id: application-with-model
version: 1
eventType: credit.application
defaultAction: approve
onRuleError: review
models:
  - name: fraudTree
    kind: registry
    model: application-fraud
    alias: ${alias}
    reasons:
      top: 2
      factors:
        applicationsPerDevice24h: { code: DEVICE_APPLICATION_COUNT, zh: 同一设备24小时内申请次数多, en: Many applications from this device in 24 hours }
ruleSets:
  - id: model
    mode: serial
    rules:
      - id: tree-score-high
        when: scores.fraudTree >= 0.5
        action: review
        reason: { code: MODEL_SCORE_HIGH, zh: 模型评分高, en: The model score is high }
`

/** A small tree model over two catalogue features: risky once a device has applied `from` times in 24 h. */
function deviceModel(from: number, featureNames = ['applicationsPerDevice24h', 'applicationsPerIp1h']) {
  const rows = 400
  const device = Float64Array.from({ length: rows }, (_, i) => i % 6)
  const ip = Float64Array.from({ length: rows }, (_, i) => (i * 7) % 5)
  const labels = Float64Array.from(device, (d) => (d >= from ? 1 : 0))
  const { model } = trainGbdtSync({ features: [device, ip], labels, featureNames }, { rounds: 20, maxDepth: 2, learningRate: 0.3, seed: 1 })
  return JSON.parse(serializeModel(model)) as unknown
}

let engine: Engine
const decisions: Decision[] = []
const application = (n: number) =>
  exampleEvent('credit.application', {
    id: `evt-model-${n}`,
    occurredAt: new Date(nowMs - 3_600_000 + n * 60_000).toISOString(),
    data: { applicationId: `app-model-${n}`, userId: `u-model-${n}`, ip: `198.51.100.${n}` },
  })

before(async () => {
  mkdirSync(join(configDir, 'strategies'), { recursive: true })
  copyFileSync(new URL('../../config/features.yaml', import.meta.url).pathname, join(configDir, 'features.yaml'))
  writeFileSync(join(configDir, 'strategies', 'credit-application.yaml'), strategy('champion'))
  const records = await openRecords(config(), clock)
  try {
    const registry = new ModelRegistry({ store: records.store, clock })
    await registry.register(defaultTenant, 'application-fraud', { model: deviceModel(2) }, 'alice')
    const promotion = await registry.requestPromotion(defaultTenant, 'application-fraud', { alias: 'champion', version: 1 }, 'alice')
    await registry.approvePromotion(defaultTenant, 'application-fraud', promotion.id, 'bob')
  } finally {
    await records.close()
  }
  engine = await openEngine(config(), { clock })
})
after(async () => {
  await engine?.close()
  data.remove()
})

const decide = async (n: number) => {
  const reply = await engine.decisions.decide(defaultTenant, application(n))
  const decision = JSON.parse(reply.body) as Decision
  decisions.push(decision)
  return decision
}

describe('a strategy with a registry model', () => {
  test('scores with the champion, records its version, and gives the top contributions as reasons after the rule', async () => {
    const first = await decide(1)
    assert.equal(first.action, 'approve')
    assert.deepEqual(first.models, { fraudTree: { model: 'application-fraud', alias: 'champion', version: 1 } })
    assert.ok(first.scores.fraudTree! < 0.5)
    assert.ok('applicationsPerDevice24h' in first.features && 'applicationsPerIp1h' in first.features, 'the model inputs are recorded')
    await decide(2)
    const third = await decide(3)
    assert.equal(third.features.applicationsPerDevice24h, 2)
    assert.equal(third.action, 'review')
    assert.deepEqual(
      third.reasons.map((r) => r.code),
      ['MODEL_SCORE_HIGH', 'DEVICE_APPLICATION_COUNT'],
      'the rule, then the one input that raised the score (the other input lowers or leaves it)',
    )
    const factor = third.reasons[1]!
    assert.equal(factor.ruleId, 'tree-score-high')
    assert.equal(factor.message.en, 'Many applications from this device in 24 hours')
    assert.equal(factor.evidence.model, 'application-fraud')
    assert.equal(factor.evidence.version, 1)
    assert.equal(factor.evidence.value, 2)
    assert.ok((factor.evidence.contribution as number) > 0)
  })

  test('a promotion moves the next decision to the new version; explain replays each decision with the version it recorded', async () => {
    const registry = new ModelRegistry({ store: engine.store, clock, aliasWatcher: engine.models })
    await registry.register(defaultTenant, 'application-fraud', { model: deviceModel(4) }, 'alice')
    const promotion = await registry.requestPromotion(defaultTenant, 'application-fraud', { alias: 'champion', version: 2 }, 'alice')
    await registry.approvePromotion(defaultTenant, 'application-fraud', promotion.id, 'bob')
    const fourth = await decide(4)
    assert.equal(fourth.features.applicationsPerDevice24h, 3)
    assert.equal(fourth.models?.fraudTree?.version, 2)
    assert.equal(fourth.action, 'approve', 'version 2 waits for a fourth application from the device')

    for (const decision of decisions) {
      const explanation = await explainDecision(engine, defaultTenant, decision.decisionId)
      assert.equal(explanation.reproduced, true, explanation.differences.join('; '))
      assert.deepEqual(explanation.replayed.models, decision.models)
    }
  })

  test('a version reading a feature the catalogue lacks cannot become the alias a strategy reads', async () => {
    const registry = new ModelRegistry({ store: engine.store, clock, aliasWatcher: engine.models })
    await registry.register(defaultTenant, 'application-fraud', { model: deviceModel(2, ['applicationsPerDevice24h', 'notInTheCatalogue']) }, 'alice')
    const promotion = await registry.requestPromotion(defaultTenant, 'application-fraud', { alias: 'champion', version: 3 }, 'alice')
    await assert.rejects(registry.approvePromotion(defaultTenant, 'application-fraud', promotion.id, 'bob'), (error: Error & { issues: { code: string; message: string }[] }) => {
      assert.equal(error.issues[0]!.code, 'model_reads_unknown_features')
      assert.match(error.issues[0]!.message, /notInTheCatalogue/)
      return true
    })
    assert.equal((await decide(5)).models?.fraudTree?.version, 2, 'the alias did not move')
  })
})

test('a strategy naming an alias the registry does not have is refused at start, pointing at the alias', async () => {
  await engine.close()
  writeFileSync(join(configDir, 'strategies', 'credit-application.yaml'), strategy('challenger'))
  await assert.rejects(openEngine(config(), { clock }), (error: Error & { issues: { pointer: string; code: string }[] }) => {
    assert.match(error.message, /credit-application\.yaml/)
    assert.deepEqual(
      error.issues.map((i) => [i.pointer, i.code]),
      [['/models/0/alias', 'unknown_model_alias']],
    )
    return true
  })
  writeFileSync(join(configDir, 'strategies', 'credit-application.yaml'), strategy('champion'))
  engine = await openEngine(config(), { clock })
})
