/**
 * `xiezhi strategies` in this process over a data directory: the same rules
 * as the API, the actor being `--by`; export gives YAML that imports back.
 */
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { after, describe, test } from 'node:test'
import { stringify as toYaml } from 'yaml'
import { cliRunner } from '../support/cli-process.ts'
import { tempDataDir } from '../support/temp-engine.ts'
import { applicationDraft } from './lifecycle-fixtures.ts'

describe('xiezhi strategies (in this process)', () => {
  const local = tempDataDir()
  after(() => local.remove())
  const xiezhi = cliRunner(local.dir)

  test('import, submit, the author cannot approve, another can; export, import again, diff, list', async () => {
    const file = `${local.dir}/applications.yaml`
    writeFileSync(file, toYaml({ id: 'applications', ...applicationDraft({ product: 'cli-test' }) }))
    const imported = await xiezhi('strategies', 'import', file, '--by', 'alice', '--json')
    assert.equal(imported.code, 0, imported.stderr)
    assert.deepEqual([JSON.parse(imported.stdout).version, JSON.parse(imported.stdout).state], [1, 'draft'])
    assert.equal((await xiezhi('strategies', 'submit', 'applications', '1', '--by', 'alice')).code, 0)
    const own = await xiezhi('strategies', 'approve', 'applications', '1', '--by', 'alice')
    assert.equal(own.code, 1)
    assert.match(own.stderr, /needs an approver other than its authors[\s\S]*\(same_actor\)/)
    const approved = await xiezhi('strategies', 'approve', 'applications', '1', '--by', 'bob')
    assert.equal(approved.code, 0, approved.stderr)
    assert.match(approved.stdout, /approved applications v1 by bob; runs: v1/)

    const exported = await xiezhi('strategies', 'export', 'applications')
    assert.equal(exported.code, 0, exported.stderr)
    assert.match(exported.stdout, /^# applications version 1 \(live, approved by bob\)\n\nid: applications\nversion: 1\n/)
    writeFileSync(file, exported.stdout.replace('>= 3', '>= 4'))
    const second = await xiezhi('strategies', 'import', file, '--renumber', '--by', 'carol')
    assert.equal(second.code, 0, second.stderr)
    assert.match(second.stdout, /drafted applications v2 .* by carol/)
    const diff = await xiezhi('strategies', 'diff', 'applications', '1', '2')
    assert.equal(diff.stdout, '~ /version: 1 → 2\n~ /flow/hard-rules/rules/device-burst/when: "features.applicationsPerDevice1h >= 3" → "features.applicationsPerDevice1h >= 4"\n')

    assert.equal((await xiezhi('strategies', 'submit', 'applications', '2', '--by', 'carol')).code, 0)
    const rejected = await xiezhi('strategies', 'reject', 'applications', '2', '--note', 'keep 3', '--by', 'bob')
    assert.equal(rejected.code, 0, rejected.stderr)
    assert.equal(rejected.stdout, 'rejected applications v2 by bob: keep 3\n')

    const listed = await xiezhi('strategies', 'list')
    assert.match(listed.stdout, /applications\s+credit.application\/cli-test\s+v1\s+rejected v2\s+live v1/)
  })

  test("--tenant works on that tenant's strategies only; with --server it is refused", async () => {
    const file = `${local.dir}/acme.yaml`
    writeFileSync(file, toYaml({ id: 'applications', ...applicationDraft({ product: 'cli-test', device: 7 }) }))
    const imported = await xiezhi('strategies', 'import', file, '--tenant', 'acme', '--by', 'erin', '--json')
    assert.equal(imported.code, 0, imported.stderr)
    assert.equal(JSON.parse(imported.stdout).version, 1, "acme's first version, beside the default tenant's")
    assert.equal((await xiezhi('strategies', 'submit', 'applications', '1', '--tenant', 'acme', '--by', 'erin')).code, 0)
    const theirs = await xiezhi('strategies', 'approve', 'applications', '2', '--tenant', 'acme', '--by', 'frank')
    assert.equal(theirs.code, 1, 'acme has no version 2: the default tenant\'s does not count')
    assert.match(theirs.stderr, /unknown_strategy_version/)
    const approved = await xiezhi('strategies', 'approve', 'applications', '1', '--tenant', 'acme', '--by', 'frank')
    assert.equal(approved.code, 0, approved.stderr)
    const listed = JSON.parse((await xiezhi('strategies', 'list', '--tenant', 'acme', '--json')).stdout) as { items: { tenantId: string; id: string; live: { champion: number } }[] }
    assert.deepEqual(listed.items.map((s) => `${s.tenantId} ${s.id} v${s.live.champion}`), ['acme applications v1'])
    assert.equal((await xiezhi('strategies', 'list', '--tenant', 'zeta')).stdout, 'no strategies\n')
    assert.match((await xiezhi('strategies', 'show', 'applications')).stdout, /rejected/, "the default tenant's still has its rejected v2")
    const mixed = await xiezhi('strategies', 'list', '--server', 'http://127.0.0.1:9', '--tenant', 'acme')
    assert.equal(mixed.code, 1)
    assert.match(mixed.stderr, /--tenant is for the data directory/)
  })
})
