import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { cliRunner } from '../support/cli-process.ts'
import { startServer } from '../support/server-process.ts'
import { tempDataDir } from '../support/temp-engine.ts'

const local = tempDataDir()
const remote = tempDataDir()
after(() => {
  local.remove()
  remote.remove()
})

// two data directories, one each: the two run side by side, each in order
describe('xiezhi lists', { concurrency: 2 }, () => {
  describe('in this process', { concurrency: 1 }, () => {
    const xiezhi = cliRunner(local.dir)

    test('create, add, show, check now and in the past, remove', async () => {
      const created = await xiezhi('lists', 'create', 'fraud-phones', '--kind', 'black', '--entity', 'phone', '--description', 'confirmed fraud', '--by', 'alice')
      assert.equal(created.code, 0, created.stderr)
      assert.match(created.stdout, /created black list fraud-phones of phone/)

      const file = join(local.dir, 'phones.txt')
      writeFileSync(file, '13900001111\n\n13900002222\n')
      const added = await xiezhi('lists', 'add', 'fraud-phones', '13812341234', '--file', file, '--reason', 'confirmed fraud', '--source', 'case 4711', '--by', 'alice', '--json')
      assert.equal(added.code, 0, added.stderr)
      const items = JSON.parse(added.stdout).items as { id: string; maskedValue: string; addedBy: string; addedAt: string }[]
      assert.deepEqual(items.map((e) => e.maskedValue), ['138****1234', '139****1111', '139****2222'])
      assert.equal(items[0]!.addedBy, 'alice')

      const shown = await xiezhi('lists', 'show', 'fraud-phones')
      assert.equal(shown.code, 0, shown.stderr)
      assert.match(shown.stdout, /fraud-phones: black list of phone, 3 active of 3 entries/)
      assert.match(shown.stdout, /138\*\*\*\*1234\s+active/)
      assert.ok(!shown.stdout.includes('13812341234'), 'show prints a clear value')
      assert.match((await xiezhi('lists', 'show')).stdout, /fraud-phones\s+black\s+phone\s+3 active/)

      const on = await xiezhi('lists', 'check', 'fraud-phones', '13812341234')
      assert.equal(on.code, 0, on.stderr)
      assert.match(on.stdout, /^on list fraud-phones/)
      const off = await xiezhi('lists', 'check', 'fraud-phones', '13000000000')
      assert.equal(off.code, 2, off.stderr)
      assert.match(off.stdout, /^not on list fraud-phones/)
      const beforeAdded = await xiezhi('lists', 'check', 'fraud-phones', '13812341234', '--at', new Date(Date.parse(items[0]!.addedAt) - 1).toISOString())
      assert.equal(beforeAdded.code, 2, 'on the list before it was added')

      const removed = await xiezhi('lists', 'remove', 'fraud-phones', items[0]!.id, '--by', 'bob')
      assert.equal(removed.code, 0, removed.stderr)
      assert.match(removed.stdout, /removed .* by bob/)
      assert.equal((await xiezhi('lists', 'check', 'fraud-phones', '13812341234')).code, 2)
      const then = await xiezhi('lists', 'check', 'fraud-phones', '13812341234', '--at', items[0]!.addedAt, '--json')
      assert.equal(then.code, 0, 'the removal changed the past')
      assert.equal(JSON.parse(then.stdout).items[0].removedBy, 'bob')
    })

    // one row per mistake: what is typed and what the CLI says
    const mistakes: [string, string[], RegExp][] = [
      ['an unknown list', ['lists', 'add', 'no-such-list', '13800000000', '--reason', 'r', '--source', 's'], /\/name: no list named "no-such-list" \(unknown_list\)/],
      ['a taken name', ['lists', 'create', 'fraud-phones', '--kind', 'grey', '--entity', 'phone'], /already_exists/],
      ['an unknown entity kind', ['lists', 'create', 'planets', '--kind', 'grey', '--entity', 'planet'], /\/entityKind: .* \(unknown_entity_kind\)/],
      ['an expiry that is no date', ['lists', 'add', 'fraud-phones', '13800000000', '--reason', 'r', '--source', 's', '--expires', 'soon'], /YYYY-MM-DD/],
      ['an expiry in the past', ['lists', 'add', 'fraud-phones', '13800000000', '--reason', 'r', '--source', 's', '--expires', '2020-01-01'], /\/entries\/0\/expiresAt: .* \(in_past\)/],
      ['a value already listed', ['lists', 'add', 'fraud-phones', '13900001111', '--reason', 'r', '--source', 's'], /already_listed/],
      ['an unknown entry', ['lists', 'remove', 'fraud-phones', 'nope'], /unknown_entry/],
    ]
    for (const [name, args, said] of mistakes) {
      test(`${name}: exit 1 and one clear message`, async () => {
        const result = await xiezhi(...args)
        assert.equal(result.code, 1, result.stdout)
        assert.match(result.stderr, said)
        assert.doesNotMatch(result.stderr, /\n\s+at /, 'a stack trace')
      })
    }
  })

  describe('with --server', { concurrency: 1 }, () => {
    test('goes through the running server, which records its API key as the author; local changes are refused meanwhile', async () => {
      const server = await startServer({ dataDir: remote.dir, env: { XIEZHI_AUTH: 'on' } })
      const xiezhi = cliRunner(remote.dir)
      try {
        const at = ['--server', server.url]
        assert.equal((await xiezhi('lists', 'create', 'mule-devices', '--kind', 'grey', '--entity', 'device', ...at)).code, 0)
        const added = await xiezhi('lists', 'add', 'mule-devices', 'dev-0001', '--reason', 'mule ring', '--source', 'case 9', '--expires', '2099-01-01', '--json', ...at)
        assert.equal(added.code, 0, added.stderr)
        const [entry] = JSON.parse(added.stdout).items
        assert.match(entry.addedBy, /^key:[0-9a-f]{12}$/)
        assert.equal(entry.expiresAt, '2098-12-31T16:00:00.000Z', 'a day is a Beijing day')
        assert.equal((await xiezhi('lists', 'check', 'mule-devices', 'dev-0001', ...at)).code, 0)
        // the server keeps the lists in memory: a change behind its back would go unseen
        const behind = await xiezhi('lists', 'add', 'mule-devices', 'dev-0002', '--reason', 'r', '--source', 's')
        assert.equal(behind.code, 1)
        assert.match(behind.stderr, /--server/)
        // reading the data directory is fine
        assert.equal((await xiezhi('lists', 'check', 'mule-devices', 'dev-0001')).code, 0)
        const missing = await xiezhi('lists', 'show', 'no-such-list', ...at)
        assert.equal(missing.code, 1)
        assert.match(missing.stderr, /\/params\/name: .* \(unknown_list\)/)
        assert.equal((await xiezhi('lists', 'remove', 'mule-devices', entry.id, ...at)).code, 0)
        assert.equal((await xiezhi('lists', 'check', 'mule-devices', 'dev-0001', ...at)).code, 2)
      } finally {
        await server.stop()
      }
    })
  })
})
