/**
 * Stage is part of the decision point: an event's stage is its own
 * `data.stage` where its type has the field, else the stage its event type
 * declares; strategies are keyed by event type, product and stage, routing
 * picks the most specific, a strategy for a stage no event of its type can
 * reach is refused, and two live strategies for the same point are refused
 * with a pointer.
 */
import assert from 'node:assert/strict'
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { readConfig } from '../../src/app/config.ts'
import { openEngine } from '../../src/app/open-engine.ts'
import type { Decision } from '../../src/decisions/decision.ts'
import type { XiezhiError } from '../../src/core/errors.ts'
import { EventTypeRegistry } from '../../src/events/event-type-registry.ts'
import { compileStrategy } from '../../src/strategy/compile-strategy.ts'
import { decisionPointKey, stageOfEvent, strategyFor } from '../../src/strategy/decision-point.ts'
import type { StrategyDeployment } from '../../src/strategy/lifecycle/deployment.ts'
import { StrategyBook } from '../../src/strategy/strategy-book.ts'
import { exampleEvent, tempDataDir } from '../support/temp-engine.ts'

const registry = new EventTypeRegistry(() => Date.now())
// a lender's own event type that spans stages: each event names its stage
registry.register({
  tenantId: 'default',
  type: 'customer.contact',
  description: 'A customer contacts the lender',
  schema: { type: 'object', properties: { userId: { type: 'string' }, product: { type: 'string' }, stage: { enum: ['pre_loan', 'in_loan', 'post_loan'] } }, required: ['userId'] },
  entities: { user: '/userId' },
})
const catalogue = { features: [], eventType: (t: string) => registry.find('default', t) }
const reason = (code: string) => ({ code, zh: `中文 ${code}`, en: `English ${code}` })
const strategy = (id: string, point: { eventType: string; product?: string; stage?: string }, code = id.toUpperCase().replaceAll('-', '_')) => ({
  id,
  version: 1,
  ...point,
  defaultAction: 'approve',
  flow: [{ id: 'all', type: 'ruleSet', mode: 'serial', rules: [{ id: 'every-one', when: 'true', action: 'review', reason: reason(code) }] }],
})
const issuesOf = (doc: object) => {
  try {
    compileStrategy(doc, catalogue)
    return []
  } catch (error) {
    return (error as XiezhiError).issues.map((i) => `${i.pointer} ${i.code}: ${i.message}`)
  }
}

describe("an event's stage", () => {
  test('is the stage its built-in event type declares', () => {
    assert.equal(stageOfEvent('credit.application', {}), 'pre_loan')
    assert.equal(stageOfEvent('loan.drawdown', {}), 'in_loan')
    assert.equal(stageOfEvent('loan.repayment', {}), 'post_loan')
    assert.equal(stageOfEvent('login', {}), 'login')
    assert.equal(stageOfEvent('marketing.click', {}), 'marketing')
    assert.equal(stageOfEvent('complaint', {}), undefined, 'complaints come at any stage: without data.stage, none')
    assert.equal(stageOfEvent('complaint', { stage: 'post_loan' }), 'post_loan')
    assert.equal(registry.find('default', 'credit.application')?.stage, 'pre_loan', 'the event type lists its stage')
  })

  test('is its own data.stage when it carries one; an unknown value is no stage', () => {
    assert.equal(stageOfEvent('customer.contact', { stage: 'in_loan' }), 'in_loan')
    assert.equal(stageOfEvent('customer.contact', { stage: 'someday' }), undefined)
    assert.equal(stageOfEvent('customer.contact', {}), undefined)
  })
})

describe('routing by event type, product and stage', () => {
  const compiled = (doc: object) => compileStrategy(doc, catalogue)
  const points = new Map(
    [
      strategy('any-contact', { eventType: 'customer.contact' }),
      strategy('in-loan-contact', { eventType: 'customer.contact', stage: 'in_loan' }),
      strategy('cash-contact', { eventType: 'customer.contact', product: 'cash' }),
      strategy('cash-post-loan', { eventType: 'customer.contact', product: 'cash', stage: 'post_loan' }),
    ].map((doc) => {
      const s = compiled(doc)
      return [decisionPointKey(s.document.eventType, s.document.product, s.document.stage), s.id] as const
    }),
  )
  const routed = (data: Record<string, unknown>) => strategyFor(points, 'customer.contact', data)

  test('the most specific strategy decides: product and stage, product, stage, then the event type', () => {
    assert.equal(routed({ product: 'cash', stage: 'post_loan' }), 'cash-post-loan')
    assert.equal(routed({ product: 'cash', stage: 'in_loan' }), 'cash-contact', 'the product comes before the stage')
    assert.equal(routed({ product: 'card', stage: 'in_loan' }), 'in-loan-contact')
    assert.equal(routed({ product: 'card', stage: 'post_loan' }), 'any-contact')
    assert.equal(routed({}), 'any-contact')
  })

  test('a strategy without a stage keeps deciding as before; one naming its type\'s own stage decides the same events', () => {
    const legacy = new Map([[decisionPointKey('credit.application'), 'legacy']])
    assert.equal(strategyFor(legacy, 'credit.application', { product: 'cash' }), 'legacy')
    const staged = compiled(strategy('staged', { eventType: 'credit.application', stage: 'pre_loan' }))
    const withStage = new Map([[decisionPointKey('credit.application', undefined, staged.document.stage), 'staged']])
    assert.equal(strategyFor(withStage, 'credit.application', { product: 'cash' }), 'staged')
  })
})

describe('a stage no event reaches is refused, with a pointer', () => {
  test('a built-in type declares its stage: another one would never decide', () => {
    assert.deepEqual(issuesOf(strategy('wrong-stage', { eventType: 'credit.application', stage: 'post_loan' })), [
      '/stage stage_never_reached: credit.application events are pre_loan: a strategy for post_loan would never decide one',
    ])
    assert.deepEqual(issuesOf(strategy('label-stage', { eventType: 'label', stage: 'post_loan' })).map((i) => i.split(':')[0]), ['/stage stage_never_reached'], 'labels have no stage')
  })

  test('a type whose events name their stage takes any stage', () => {
    assert.deepEqual(issuesOf(strategy('contact', { eventType: 'customer.contact', stage: 'post_loan' })), [])
    assert.deepEqual(issuesOf(strategy('complaint-in-loan', { eventType: 'complaint', stage: 'in_loan' })), [], 'a complaint names its stage')
  })
})

describe('two live strategies for one point', () => {
  const documents = new Map<string, string>(
    [
      strategy('contact-in-loan', { eventType: 'customer.contact', stage: 'in_loan' }),
      strategy('contact-post-loan', { eventType: 'customer.contact', stage: 'post_loan' }),
      strategy('contact-in-loan-again', { eventType: 'customer.contact', stage: 'in_loan' }),
    ].map((doc) => [doc.id, JSON.stringify(doc)]),
  )
  const deployment = (strategyId: string): StrategyDeployment => ({
    id: `d-${strategyId}`,
    tenantId: 'default',
    strategyId,
    champion: 1,
    challengers: [],
    shadows: [],
    kind: 'publish',
    previousId: null,
    movedBy: 'test',
    movedAtMs: 0,
    note: '',
  })
  const deploy = (book: StrategyBook, id: string) => book.deployed(deployment(id), new Map([[1, documents.get(id)!]]))

  test('the same event type at two stages: both run, each deciding its own stage', async () => {
    const book = new StrategyBook((_, doc) => compileStrategy(doc, catalogue))
    await deploy(book, 'contact-in-loan')
    await deploy(book, 'contact-post-loan')
    assert.equal(book.for('default', 'customer.contact', { userId: 'u', stage: 'in_loan' })?.champion.id, 'contact-in-loan')
    assert.equal(book.for('default', 'customer.contact', { userId: 'u', stage: 'post_loan' })?.champion.id, 'contact-post-loan')
    assert.equal(book.for('default', 'customer.contact', { userId: 'u', stage: 'pre_loan' }), undefined, 'no strategy for this stage: NO_STRATEGY')
  })

  test('a second strategy for the same event type, product and stage is refused, pointing at its champion', async () => {
    const book = new StrategyBook((_, doc) => compileStrategy(doc, catalogue))
    await deploy(book, 'contact-in-loan')
    await assert.rejects(deploy(book, 'contact-in-loan-again'), (error: XiezhiError) => {
      assert.equal(error.kind, 'conflict')
      assert.deepEqual(
        error.issues.map((i) => `${i.pointer} ${i.code}: ${i.message}`),
        ['/champion decision_point_taken: strategy "contact-in-loan" already decides customer.contact@in_loan'],
      )
      return true
    })
  })
})

describe('through the engine: complaints decided per stage from the config folder', () => {
  const data = tempDataDir('xiezhi-stage-')
  const configDir = join(data.dir, 'config')
  const open = () => openEngine(readConfig({ XIEZHI_DATA_DIR: join(data.dir, 'data'), XIEZHI_CONFIG_DIR: configDir, LOG_LEVEL: 'silent' }, { authDisabled: true }))
  const complaintStrategy = (id: string, stage?: string) => ({ ...strategy(id, { eventType: 'complaint', ...(stage ? { stage } : {}) }), models: [] })
  after(() => data.remove())

  test('each complaint is decided by the strategy of its stage, else by the one without a stage', async () => {
    mkdirSync(join(configDir, 'strategies'), { recursive: true })
    copyFileSync(new URL('../../config/features.yaml', import.meta.url).pathname, join(configDir, 'features.yaml'))
    writeFileSync(join(configDir, 'strategies', 'complaint.json'), JSON.stringify(complaintStrategy('complaint-any')))
    writeFileSync(join(configDir, 'strategies', 'complaint-in-loan.json'), JSON.stringify(complaintStrategy('complaint-in-loan', 'in_loan')))
    writeFileSync(join(configDir, 'strategies', 'complaint-post-loan.json'), JSON.stringify(complaintStrategy('complaint-post-loan', 'post_loan')))
    const engine = await open()
    try {
      const decided = async (id: string, stage?: string) => {
        const event = exampleEvent('complaint', { id, occurredAt: new Date(Date.now() - 60_000).toISOString(), ...(stage ? { data: { stage } } : {}) })
        return (JSON.parse((await engine.decisions.decide('default', event)).body) as Decision).strategy?.id
      }
      assert.equal(await decided('c-1', 'in_loan'), 'complaint-in-loan')
      assert.equal(await decided('c-2', 'post_loan'), 'complaint-post-loan')
      assert.equal(await decided('c-3', 'pre_loan'), 'complaint-any')
      assert.equal(await decided('c-4'), 'complaint-any')
    } finally {
      await engine.close()
    }
  })

  test('two files for the same event type, product and stage stop the start, naming both', async () => {
    writeFileSync(join(configDir, 'strategies', 'complaint-in-loan-2.json'), JSON.stringify(complaintStrategy('complaint-in-loan-two', 'in_loan')))
    await assert.rejects(open(), (error: XiezhiError) => {
      assert.equal(error.kind, 'invalid_configuration')
      assert.match(error.message, /strategy "complaint-in-loan" and "complaint-in-loan-two" both decide complaint@in_loan/)
      return true
    })
  })
})
