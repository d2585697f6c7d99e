/**
 * The registry's rules, on the SQLite store: any supported kind is loaded
 * before it is kept; an alias moves only when someone other than the author
 * approves; a rollback goes back to the version the alias held before, and
 * the history keeps every move.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { XiezhiError } from '../../src/core/errors.ts'
import { trainGbdtSync } from '../../src/models/gbdt/gbdt-trainer.ts'
import { modelToJson } from '../../src/models/gbdt/model-json.ts'
import { aliasStates, ModelRegistry } from '../../src/models/registry/model-registry.ts'
import { scorecardToJson } from '../../src/models/scorecard/scorecard-json.ts'
import { Scorecard } from '../../src/models/scorecard/scorecard.ts'
import { SqliteRecordStore } from '../../src/store/sqlite/sqlite-record-store.ts'
import { fixtureText } from './import-fixtures.ts'
import { handCard } from './scorecard-fixtures.ts'
import { xor } from './synthetic-data.ts'
import { tempDataDir } from '../support/temp-engine.ts'

const data = tempDataDir('xiezhi-registry-')
let store: SqliteRecordStore
let nowMs = Date.parse('2026-04-01T00:00:00Z')
let registry: ModelRegistry
before(async () => {
  store = await SqliteRecordStore.open(join(data.dir, 'records.sqlite'))
  registry = new ModelRegistry({ store, clock: { nowMs: () => (nowMs += 1_000) } })
})
after(async () => {
  await store.close()
  data.remove()
})

/** A small trained model per seed: different seeds, different artifacts. */
const gbdt = (seed: number) => modelToJson(trainGbdtSync(xor(300, seed), { rounds: 5, maxDepth: 2, seed }).model)

/** Runs `work` and returns the field code of the XiezhiError it throws, with its kind. */
async function refusal(work: () => Promise<unknown>): Promise<string> {
  try {
    await work()
  } catch (error) {
    assert.ok(error instanceof XiezhiError, String(error))
    return `${error.kind} ${error.issues.map((i) => `${i.pointer} ${i.code}`).join(', ')}`
  }
  assert.fail('no refusal')
}

describe('model registry', () => {
  test('every supported kind is loaded, kept canonical and hashed; the same artifact twice is one version', async () => {
    const v1 = await registry.register('default', 'fraud-app', { model: gbdt(1), metadata: { label: 'fraud', features: ['ignored'] } }, 'alice')
    assert.deepEqual([v1.created, v1.version.version, v1.version.kind], [true, 1, 'gbdt'])
    assert.deepEqual(v1.version.metadata.features, ['f0', 'f1', 'f2', 'f3'], 'features come from the model')
    assert.equal(v1.version.metadata.label, 'fraud')
    // the same model as text is the same artifact
    const again = await registry.register('default', 'fraud-app', { model: JSON.stringify(gbdt(1)) }, 'bob')
    assert.deepEqual([again.created, again.version.version, again.version.createdBy], [false, 1, 'alice'])
    const card = await registry.register('default', 'credit-card', { model: scorecardToJson(new Scorecard(handCard())), kind: 'scorecard' }, 'alice')
    assert.equal(card.version.kind, 'scorecard')
    const xgb = await registry.register('default', 'imported', { model: JSON.parse(fixtureText('xgboost/gbtree_binary_logistic.model.json')) }, 'alice')
    assert.equal(xgb.version.kind, 'imported-xgboost')
    const lgb = await registry.register('default', 'imported', { model: fixtureText('lightgbm/binary_classification.model.txt') }, 'alice')
    assert.deepEqual([lgb.version.kind, lgb.version.version], ['imported-lightgbm', 2])
    // the stored import reads back as the same kind
    const stored = await registry.version('default', 'imported', 1)
    assert.equal((await registry.register('default', 'imported', { model: stored.artifact }, 'bob')).created, false)
    assert.match(stored.hash, /^[0-9a-f]{64}$/)
  })

  const refusals: [string, () => Promise<unknown>, string][] = [
    ['a broken tree names the field', () => registry.register('default', 'm', { model: { ...gbdt(2), baseScore: 'x' } }, 'a'), 'invalid_input /model/baseScore invalid_model'],
    ['a document of no known kind', () => registry.register('default', 'm', { model: { hello: 1 } }, 'a'), 'invalid_input /model unknown_model_format'],
    ['text that is not JSON', () => registry.register('default', 'm', { model: '{nope' }, 'a'), 'invalid_input /model invalid_json'],
    ['a kind that disagrees with the document', () => registry.register('default', 'm', { model: gbdt(2), kind: 'scorecard' }, 'a'), 'invalid_input /kind kind_mismatch'],
    ['a bad name', () => registry.register('default', 'Bad Name', { model: gbdt(2) }, 'a'), 'invalid_input /name invalid_format'],
    ['an unknown model', () => registry.model('default', 'nothing'), 'not_found /name unknown_model'],
    ['an unknown version', () => registry.version('default', 'fraud-app', 9), 'not_found /version unknown_model_version'],
    ['a promotion of an unknown version', () => registry.requestPromotion('default', 'fraud-app', { alias: 'champion', version: 9 }, 'a'), 'not_found /version unknown_model_version'],
    ['a bad alias', () => registry.requestPromotion('default', 'fraud-app', { alias: 'Champion!', version: 1 }, 'a'), 'invalid_input /alias invalid_format'],
    ['an unknown promotion', () => registry.approvePromotion('default', 'fraud-app', 'nope', 'a'), 'not_found /promotionId unknown_promotion'],
    ['a rollback of an alias never set', () => registry.rollback('default', 'fraud-app', 'shadow', 'a'), 'not_found /alias unknown_alias'],
  ]
  for (const [name, work, expected] of refusals) test(`refused: ${name}`, async () => assert.equal(await refusal(work), expected))

  test('the author cannot approve their own promotion; another actor can, once', async () => {
    const asked = await registry.requestPromotion('default', 'fraud-app', { alias: 'champion', version: 1, note: 'first model' }, 'key:author')
    assert.equal(asked.status, 'pending')
    assert.equal(await refusal(() => registry.approvePromotion('default', 'fraud-app', asked.id, 'key:author')), 'conflict /promotionId same_actor')
    assert.deepEqual((await registry.model('default', 'fraud-app')).aliases, [], 'a refused approval moves nothing')
    const { promotion, move } = await registry.approvePromotion('default', 'fraud-app', asked.id, 'key:approver')
    assert.deepEqual([promotion.status, promotion.approvedBy, move.fromVersion, move.toVersion], ['approved', 'key:approver', null, 1])
    assert.equal(await refusal(() => registry.approvePromotion('default', 'fraud-app', asked.id, 'key:third')), 'conflict /promotionId already_approved')
    assert.equal(await refusal(() => registry.requestPromotion('default', 'fraud-app', { alias: 'champion', version: 1 }, 'key:author')), 'conflict /version already_on_alias')
    assert.equal((await registry.resolve('default', 'fraud-app', 'champion')).version, 1)
  })

  test('rollback points the alias back at the version it held before; the history keeps every move', async () => {
    const v2 = (await registry.register('default', 'fraud-app', { model: gbdt(3) }, 'alice')).version.version
    const v3 = (await registry.register('default', 'fraud-app', { model: gbdt(4) }, 'alice')).version.version
    for (const version of [v2, v3]) {
      const asked = await registry.requestPromotion('default', 'fraud-app', { alias: 'champion', version }, 'alice')
      await registry.approvePromotion('default', 'fraud-app', asked.id, 'bob')
    }
    assert.equal((await registry.resolve('default', 'fraud-app', 'champion')).version, v3)
    const back = await registry.rollback('default', 'fraud-app', 'champion', 'carol', 'alerts after release')
    assert.deepEqual([back.kind, back.fromVersion, back.toVersion, back.movedBy], ['rollback', v3, v2, 'carol'])
    await registry.rollback('default', 'fraud-app', 'champion', 'carol')
    assert.equal((await registry.resolve('default', 'fraud-app', 'champion')).version, 1)
    assert.equal(await refusal(() => registry.rollback('default', 'fraud-app', 'champion', 'carol')), 'conflict /alias nothing_to_roll_back')
    const detail = await registry.model('default', 'fraud-app')
    assert.deepEqual(
      detail.history.map((m) => [m.kind, m.fromVersion, m.toVersion]),
      [['promotion', null, 1], ['promotion', 1, v2], ['promotion', v2, v3], ['rollback', v3, v2], ['rollback', v2, 1]],
    )
    assert.equal(detail.promotions.length, 3)
    // a challenger has its own chain
    const asked = await registry.requestPromotion('default', 'fraud-app', { alias: 'challenger', version: v3 }, 'alice')
    await registry.approvePromotion('default', 'fraud-app', asked.id, 'bob')
    assert.deepEqual(Object.fromEntries((await registry.models('default')).map((m) => [m.name, m.aliases])), { 'credit-card': {}, 'fraud-app': { challenger: v3, champion: 1 }, imported: {} })
  })

  test('alias states replay promotions as a stack that rollbacks pop', () => {
    const move = (alias: string, kind: 'promotion' | 'rollback', toVersion: number, i: number) => ({
      id: `m${i}`, tenantId: 't', name: 'n', alias, previousMoveId: null, fromVersion: null, toVersion, kind, promotionId: null, movedBy: 'x', movedAtMs: i, note: '',
    })
    const moves = [move('a', 'promotion', 1, 1), move('a', 'promotion', 2, 2), move('a', 'rollback', 1, 3), move('a', 'promotion', 3, 4), move('b', 'promotion', 5, 5)]
    assert.deepEqual(aliasStates(moves).map((s) => [s.alias, s.version, s.earlier]), [['a', 3, [1]], ['b', 5, []]])
  })
})
