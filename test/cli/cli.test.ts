import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { promisify } from 'node:util'
import { cliEntry, cliRunner } from '../support/cli-process.ts'
import { exampleEvent, tempDataDir } from '../support/temp-engine.ts'

const run = promisify(execFile)
const data = tempDataDir()
after(() => data.remove())

const xiezhi = cliRunner(data.dir)

describe('xiezhi CLI', () => {
  test('decide an example event, then explain the stored decision', async () => {
    const decided = await xiezhi('decide', 'examples/events/loan.drawdown.json')
    assert.equal(decided.code, 0, decided.stderr)
    const decision = JSON.parse(decided.stdout)
    assert.equal(decision.action, 'review')
    const explained = await xiezhi('explain', decision.decisionId)
    assert.equal(explained.code, 0, explained.stderr)
    assert.match(explained.stdout, /strategy\s+loan-drawdown v2/)
    assert.match(explained.stdout, /SCREEN_SHARING_ACTIVE/)
    assert.match(explained.stdout, /same outcome from the record/)
  })

  test('replay an NDJSON file and sum up, with one line of JSON', async () => {
    const file = join(data.dir, 'events.ndjson')
    const lines = Array.from({ length: 30 }, (_, i) =>
      JSON.stringify(exampleEvent('login', { id: `cli-replay-${i}`, occurredAt: new Date(Date.now() - 60_000).toISOString(), data: { deviceId: 'dev-cli' } })),
    )
    writeFileSync(file, `${lines.join('\n')}\nnot json\n${JSON.stringify({ id: 'bad', type: 'login' })}\n`)
    const replayed = await xiezhi('replay', file, '--json', '--concurrency', '4')
    assert.equal(replayed.code, 0, replayed.stderr)
    const summary = JSON.parse(replayed.stdout)
    assert.equal(summary.events, 31)
    assert.equal(summary.unreadableLines, 1)
    assert.deepEqual(summary.problemsByStatus, { '400': 1 })
    assert.equal(Object.values(summary.decisionsByAction as Record<string, number>).reduce((a, b) => a + b, 0), 30)
    // thirty logins of one user within the hour trip USER_LOGIN_FLOOD from the eleventh on
    assert.ok(summary.decisionsByAction.step_up >= 1, JSON.stringify(summary))
  })

  test('keys: create prints a key once, list shows it without the secret, revoke ends it', async () => {
    const created = await xiezhi('keys', 'create', '--name', 'ci')
    const key = created.stdout.trim()
    assert.match(key, /^xz_[0-9a-f]{12}_[A-Za-z0-9_-]{32}$/)
    const id = key.split('_')[1]!
    const listed = await xiezhi('keys', 'list')
    assert.match(listed.stdout, new RegExp(`${id}\\s+default\\s+ci`))
    // the secret is everything after the id; base64url may itself contain '_'
    assert.ok(!listed.stdout.includes(key.slice(`xz_${id}_`.length)))
    assert.equal((await xiezhi('keys', 'revoke', id)).code, 0)
    assert.equal((await xiezhi('keys', 'revoke', id)).code, 1)
  })

  test('a broken strategy stops start-up with the file and the field named', async () => {
    const config = tempDataDir('xiezhi-config-')
    try {
      const { cpSync } = await import('node:fs')
      cpSync('config', config.dir, { recursive: true })
      writeFileSync(
        join(config.dir, 'strategies', 'login.yaml'),
        'id: login\nversion: 1\neventType: login\nruleSets:\n  - id: s\n    mode: serial\n    rules:\n      - id: r\n        when: features.nope > 1\n        action: reject\n        reason: { code: NOPE_CODE, zh: 不, en: no }\n',
      )
      const { code, stderr } = await run(process.execPath, ['--import', 'tsx', cliEntry, 'decide', 'examples/events/login.json'], {
        env: { ...process.env, XIEZHI_DATA_DIR: join(config.dir, 'data'), XIEZHI_CONFIG_DIR: config.dir },
      }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      )
      assert.equal(code, 1)
      assert.match(stderr, /login\.yaml/)
      assert.match(stderr, /\/ruleSets\/0\/rules\/0\/when: No such key: nope \(cel_type_error\)/)
    } finally {
      config.remove()
    }
  })
})
