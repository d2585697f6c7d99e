/**
 * `xiezhi models` in this process over a data directory: the same rules as
 * the API, the actor being `--by`.
 */
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { after, describe, test } from 'node:test'
import { cliRunner } from '../support/cli-process.ts'
import { tempDataDir } from '../support/temp-engine.ts'
import { fixtureText } from './import-fixtures.ts'

describe('xiezhi models (in this process)', () => {
  const local = tempDataDir()
  after(() => local.remove())
  const xiezhi = cliRunner(local.dir)

  test('register, promote, the author cannot approve, another can, rollback, show', async () => {
    const file = `${local.dir}/model.txt`
    writeFileSync(file, fixtureText('lightgbm/small_tree.model.txt'))
    const registered = await xiezhi('models', 'register', 'credit-b', file, '--by', 'alice', '--json')
    assert.equal(registered.code, 0, registered.stderr)
    assert.deepEqual([JSON.parse(registered.stdout).version, JSON.parse(registered.stdout).kind], [1, 'imported-lightgbm'])
    const promoted = await xiezhi('models', 'promote', 'credit-b', '--alias', 'champion', '--version', '1', '--by', 'alice', '--json')
    assert.equal(promoted.code, 0, promoted.stderr)
    const id = JSON.parse(promoted.stdout).id as string
    const own = await xiezhi('models', 'approve', 'credit-b', id, '--by', 'alice')
    assert.equal(own.code, 1)
    assert.match(own.stderr, /needs an approver other than its author[\s\S]*\(same_actor\)/)
    const approved = await xiezhi('models', 'approve', 'credit-b', id, '--by', 'bob')
    assert.equal(approved.code, 0, approved.stderr)
    assert.match(approved.stdout, /approved by bob: credit-b champion \(new\) → v1/)
    const shown = await xiezhi('models', 'show', 'credit-b')
    assert.match(shown.stdout, /alias champion → v1, moved .* by bob/)
    const rollback = await xiezhi('models', 'rollback', 'credit-b', 'champion', '--by', 'carol')
    assert.equal(rollback.code, 1)
    assert.match(rollback.stderr, /nothing_to_roll_back/)
    const listed = await xiezhi('models', 'list')
    assert.match(listed.stdout, /credit-b\s+1 versions\s+latest v1 imported-lightgbm\s+champion=v1/)
  })
})
