/**
 * ONNX in the model registry: uploaded as `{ "format": "onnx", "base64": … }`
 * (the API, `xiezhi models register file.onnx`), kept converted as a
 * `xiezhi-gbdt` document of kind `imported-onnx`; and the SQLite migration
 * that lets the store keep that kind, run over a database that already
 * holds versions, promotions and alias moves.
 */
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import Database from 'better-sqlite3'
import { Kysely, Migrator, SqliteDialect } from 'kysely'
import { buildServer } from '../../src/api/build-server.ts'
import { readConfig } from '../../src/app/config.ts'
import { openEngine } from '../../src/app/open-engine.ts'
import { XiezhiError } from '../../src/core/errors.ts'
import { loadModel } from '../../src/models/gbdt/model-json.ts'
import { onnxImportedModelOf } from '../../src/models/import/onnx-model.ts'
import { readModelArtifact } from '../../src/models/registry/model-artifact.ts'
import { ModelRegistry } from '../../src/models/registry/model-registry.ts'
import { sqliteMigrations } from '../../src/store/sqlite/sqlite-migrations.ts'
import { SqliteRecordStore } from '../../src/store/sqlite/sqlite-record-store.ts'
import { cliRunner } from '../support/cli-process.ts'
import { tempDataDir } from '../support/temp-engine.ts'
import { onnxFixture } from './onnx-reference.ts'

const binary = onnxFixture('sklearn_onnx_treecl2_binary.onnx')
const upload = (bytes: Uint8Array) => ({ format: 'onnx', base64: Buffer.from(bytes).toString('base64') })

function refusal(work: () => unknown): string {
  try {
    work()
  } catch (error) {
    assert.ok(error instanceof XiezhiError, String(error))
    return error.issues.map((i) => `${i.pointer} ${i.code}`).join(', ')
  }
  assert.fail('not refused')
}

describe('readModelArtifact with ONNX', () => {
  test('base64 in JSON, or the bytes themselves: kept converted, with its provenance, as imported-onnx', () => {
    const read = readModelArtifact(upload(binary))
    assert.equal(read.kind, 'imported-onnx')
    assert.equal(read.features.length, 20)
    const stored = JSON.parse(read.artifact) as { format: string; training: { importedFrom: { library: string } } }
    assert.deepEqual([stored.format, stored.training.importedFrom.library], ['xiezhi-gbdt', 'onnx'])
    assert.ok(onnxImportedModelOf(loadModel(read.artifact)))
    assert.equal(readModelArtifact(binary).hash, read.hash)
    // the stored document read again is the same artifact of the same kind
    const again = readModelArtifact(read.artifact, 'imported-onnx')
    assert.deepEqual([again.kind, again.hash], ['imported-onnx', read.hash])
  })

  test('feature names come from the metadata, as for XGBoost files without names', () => {
    const names = Array.from({ length: 20 }, (_, i) => `x${i}`)
    assert.deepEqual(readModelArtifact(upload(binary), undefined, { featureNames: names }).features, names)
  })

  test('refusals point into the upload', () => {
    assert.equal(refusal(() => readModelArtifact({ format: 'onnx', base64: 'not base64!' })), '/model/base64 invalid_base64')
    assert.equal(refusal(() => readModelArtifact({ format: 'onnx' })), '/model/base64 invalid_base64')
    assert.equal(refusal(() => readModelArtifact(upload(binary), 'imported-xgboost')), '/kind kind_mismatch')
    assert.equal(refusal(() => readModelArtifact(upload(onnxFixture('sklearn_onnx_treecl_3class.onnx')))).split(', ')[0], '/model/graph/node/0/classlabels_int64s unsupported_model')
  })
})

describe('the registry keeps imported-onnx versions', () => {
  const data = tempDataDir('xiezhi-onnx-registry-')
  after(() => data.remove())

  test('a database made before the kind existed is migrated: its versions, promotions and alias moves kept, foreign keys enforced', async () => {
    const file = join(data.dir, 'old.sqlite')
    // the schema as it was before 0006, with a version, a promotion and an alias move in it
    const sqlite = new Database(file)
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: sqlite }) })
    const { error } = await new Migrator({ db, provider: { getMigrations: async () => sqliteMigrations } }).migrateTo('0005-backtests')
    assert.equal(error, undefined)
    sqlite.prepare("insert into model_versions values ('default', 'old', 1, 'imported-lightgbm', 'h1', '{}', '{}', 'alice', 1)").run()
    sqlite.prepare("insert into model_promotions (id, tenant_id, name, alias, version, requested_by, requested_at, note, status) values ('p1', 'default', 'old', 'champion', 1, 'alice', 2, '', 'pending')").run()
    sqlite.prepare("insert into model_alias_moves (id, tenant_id, name, alias, previous_move_id, to_version, kind, moved_by, moved_at, note) values ('m1', 'default', 'old', 'champion', '', 1, 'promotion', 'bob', 3, '')").run()
    assert.throws(() => sqlite.prepare("insert into model_versions values ('default', 'old', 2, 'imported-onnx', 'h2', '{}', '{}', 'alice', 4)").run(), /CHECK constraint failed/)
    await db.destroy()

    const store = await SqliteRecordStore.open(file)
    try {
      const registry = new ModelRegistry({ store, clock: { nowMs: () => 10 } })
      const detail = await registry.model('default', 'old')
      assert.deepEqual(
        [detail.versions.map((v) => v.kind), detail.promotions.map((p) => p.id), detail.history.map((m) => m.id)],
        [['imported-lightgbm'], ['p1'], ['m1']],
      )
      const { version } = await registry.register('default', 'old', { model: upload(binary) }, 'alice')
      assert.deepEqual([version.version, version.kind], [2, 'imported-onnx'])
      const stored = await registry.version('default', 'old', 2)
      assert.ok(onnxImportedModelOf(loadModel(stored.artifact)))
    } finally {
      await store.close()
    }
    const after = new Database(file)
    try {
      assert.equal(after.pragma('foreign_keys', { simple: true }), 1)
      assert.deepEqual(after.pragma('foreign_key_check'), [])
      assert.throws(() => after.prepare("insert into model_promotions (id, tenant_id, name, alias, version, requested_by, requested_at, note, status) values ('p2', 'default', 'old', 'x', 9, 'a', 1, '', 'pending')").run(), /FOREIGN KEY/)
    } finally {
      after.close()
    }
  })

  test('xiezhi models register NAME model.onnx', async () => {
    const dir = join(data.dir, 'cli')
    mkdirSync(dir)
    const file = join(data.dir, 'credit.onnx')
    writeFileSync(file, binary)
    const registered = await cliRunner(dir)('models', 'register', 'credit-onnx', file, '--by', 'alice', '--json')
    assert.equal(registered.code, 0, registered.stderr)
    assert.deepEqual([JSON.parse(registered.stdout).version, JSON.parse(registered.stdout).kind], [1, 'imported-onnx'])
  })

  test('POST /v1/models/{name}/versions with { model: { format: "onnx", base64 } }', async () => {
    const engine = await openEngine(readConfig({ XIEZHI_DATA_DIR: join(data.dir, 'http'), LOG_LEVEL: 'silent' }, { authDisabled: true }))
    const { app } = await buildServer(engine)
    try {
      const post = (body: unknown) => app.inject({ method: 'POST', url: '/v1/models/fraud-onnx/versions', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) })
      const created = await post({ model: upload(binary), kind: 'imported-onnx' })
      assert.equal(created.statusCode, 201, created.body)
      assert.deepEqual([created.json().version, created.json().kind, created.json().metadata.features.length], [1, 'imported-onnx', 20])
      const refused = await post({ model: upload(onnxFixture('onnx_tree_ensemble_single_tree.onnx')) })
      assert.equal(refused.statusCode, 400)
      assert.match(refused.body, /\/model\/graph\/node\/0\/n_targets/)
    } finally {
      await app.close()
      await engine.close()
    }
  })
})
