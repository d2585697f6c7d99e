import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildServer } from '../../src/api/build-server.ts'
import { readConfig } from '../../src/app/config.ts'
import { type Engine, openEngine } from '../../src/app/open-engine.ts'
import { startServer } from '../support/server-process.ts'
import { tempDataDir } from '../support/temp-engine.ts'

const data = tempDataDir()
let engine: Engine
let app: FastifyInstance
let auth: { authorization: string }
let keyId: string

before(async () => {
  engine = await openEngine(readConfig({ XIEZHI_DATA_DIR: data.dir, LOG_LEVEL: 'silent' }))
  app = (await buildServer(engine)).app
  const created = await engine.apiKeys.create('lists-test', 'default')
  auth = { authorization: `Bearer ${created.key}` }
  keyId = created.id
})
after(async () => {
  await app.close()
  await engine.close()
  data.remove()
})

const call = (method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown, headers: Record<string, string> = auth) =>
  app.inject({ method, url, headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) })
const inAWeek = () => new Date(Date.now() + 7 * 86_400_000).toISOString()

describe('lists over HTTP', () => {
  test('create, add, look up by value, remove, and the list remembers', async () => {
    const created = await call('POST', '/v1/lists', { name: 'fraud-phones', kind: 'black', entityKind: 'phone', description: 'confirmed fraud' })
    assert.equal(created.statusCode, 201, created.body)
    assert.equal(created.json().createdBy, `key:${keyId}`)

    const added = await call('POST', '/v1/lists/fraud-phones/entries', {
      entries: [
        { value: '13812341234', reason: 'confirmed fraud', source: 'case 4711' },
        { value: '13900001111', reason: 'mule', source: 'case 4712', expiresAt: inAWeek() },
      ],
    })
    assert.equal(added.statusCode, 201, added.body)
    const [first, second] = added.json().items
    assert.equal(first.maskedValue, '138****1234')
    assert.equal(first.addedBy, `key:${keyId}`)
    assert.equal(first.status, 'active')
    assert.equal(second.expiresAt !== null, true)
    assert.ok(!added.body.includes('13812341234'), 'the clear value is echoed back')

    const found = (await call('GET', '/v1/lists/fraud-phones/entries?value=13812341234')).json()
    assert.equal(found.onList, true)
    assert.deepEqual(found.items.map((e: { id: string }) => e.id), [first.id])
    const before = (await call('GET', `/v1/lists/fraud-phones/entries?value=13812341234&at=${encodeURIComponent(new Date(Date.parse(first.addedAt) - 1).toISOString())}`)).json()
    assert.equal(before.onList, false, 'on the list before it was added')
    assert.equal(before.items[0].status, 'pending')
    const nowhere = (await call('GET', '/v1/lists/fraud-phones/entries?value=13000000000')).json()
    assert.deepEqual([nowhere.onList, nowhere.items], [false, []])

    const removed = await call('DELETE', `/v1/lists/fraud-phones/entries/${first.id}`)
    assert.equal(removed.statusCode, 200, removed.body)
    assert.equal(removed.json().status, 'removed')
    assert.equal(removed.json().removedBy, `key:${keyId}`)
    const afterRemoval = (await call('GET', '/v1/lists/fraud-phones/entries?value=13812341234')).json()
    assert.equal(afterRemoval.onList, false)
    assert.equal(afterRemoval.items[0].status, 'removed')
    assert.equal(engine.lists.has('fraud-phones', engine.vault.blindIndex('phone', '13812341234'), Date.parse(first.addedAt)), true, 'the engine sees the past')

    const described = (await call('GET', '/v1/lists/fraud-phones')).json()
    assert.deepEqual([described.entries, described.activeEntries], [2, 1])
    const all = (await call('GET', '/v1/lists')).json()
    assert.deepEqual(all.items.map((l: { name: string }) => l.name), ['fraud-phones'])
    const page = (await call('GET', '/v1/lists/fraud-phones/entries?limit=1')).json()
    assert.equal(page.items.length, 1)
    const rest = (await call('GET', `/v1/lists/fraud-phones/entries?limit=1&cursor=${page.nextCursor}`)).json()
    assert.deepEqual([page.items[0].id, rest.items[0].id], [first.id, second.id])

    const openapi = (await app.inject('/openapi.json')).json()
    assert.ok(openapi.paths['/v1/lists/{name}/entries/{entryId}'].delete)
  })

  // one row per kind of bad request: status, problem type and the field it names
  const problems: { name: string; send: () => ReturnType<typeof call>; status: number; type: string; pointer?: string; code?: string }[] = [
    { name: 'a taken list name', send: () => call('POST', '/v1/lists', { name: 'fraud-phones', kind: 'grey', entityKind: 'phone' }), status: 409, type: 'conflict', pointer: '/body/name', code: 'already_exists' },
    { name: 'a bad list name', send: () => call('POST', '/v1/lists', { name: 'Fraud Phones', kind: 'black', entityKind: 'phone' }), status: 400, type: 'invalid-input', pointer: '/body/name' },
    { name: 'an unknown list kind', send: () => call('POST', '/v1/lists', { name: 'x', kind: 'blue', entityKind: 'phone' }), status: 400, type: 'invalid-input', pointer: '/body/kind' },
    { name: 'an unknown list', send: () => call('GET', '/v1/lists/no-such-list'), status: 404, type: 'not-found', pointer: '/params/name', code: 'unknown_list' },
    { name: 'adding to an unknown list', send: () => call('POST', '/v1/lists/no-such-list/entries', { entries: [{ value: '13800000000', reason: 'r', source: 's' }] }), status: 404, type: 'not-found', pointer: '/params/name', code: 'unknown_list' },
    { name: 'an expiry in the past', send: () => call('POST', '/v1/lists/fraud-phones/entries', { entries: [{ value: '13800000000', reason: 'r', source: 's', expiresAt: '2020-01-01T00:00:00Z' }] }), status: 400, type: 'invalid-input', pointer: '/body/entries/0/expiresAt', code: 'in_past' },
    { name: 'an expiry without a time zone', send: () => call('POST', '/v1/lists/fraud-phones/entries', { entries: [{ value: '13800000000', reason: 'r', source: 's', expiresAt: '2030-01-01T00:00:00' }] }), status: 400, type: 'invalid-input', pointer: '/body/entries/0/expiresAt', code: 'invalid_format' },
    { name: 'a value that is no phone number', send: () => call('POST', '/v1/lists/fraud-phones/entries', { entries: [{ value: 'call me', reason: 'r', source: 's' }] }), status: 400, type: 'invalid-input', pointer: '/body/entries/0/value', code: 'invalid_format' },
    { name: 'an entry without a reason', send: () => call('POST', '/v1/lists/fraud-phones/entries', { entries: [{ value: '13800000000', source: 's' }] }), status: 400, type: 'invalid-input', pointer: '/body/entries/0/reason', code: 'required' },
    { name: 'no entries', send: () => call('POST', '/v1/lists/fraud-phones/entries', { entries: [] }), status: 400, type: 'invalid-input', pointer: '/body/entries' },
    { name: 'a value already on the list', send: () => call('POST', '/v1/lists/fraud-phones/entries', { entries: [{ value: '13900001111', reason: 'r', source: 's' }] }), status: 409, type: 'conflict', pointer: '/body/entries/0/value', code: 'already_listed' },
    { name: 'an unknown entry', send: () => call('DELETE', '/v1/lists/fraud-phones/entries/nope'), status: 404, type: 'not-found', pointer: '/params/entryId', code: 'unknown_entry' },
    { name: 'a look-up of a value that cannot be listed', send: () => call('GET', '/v1/lists/fraud-phones/entries?value=abc'), status: 400, type: 'invalid-input', pointer: '/query/value', code: 'invalid_format' },
    { name: 'no API key', send: () => call('GET', '/v1/lists', undefined, {}), status: 401, type: 'unauthorized' },
  ]
  for (const row of problems) {
    test(`${row.name} → ${row.status} ${row.type}${row.code ? ` (${row.code})` : ''}`, async () => {
      const response = await row.send()
      assert.equal(response.statusCode, row.status, response.body)
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/)
      const problem = response.json()
      assert.equal(problem.type, `https://xiezhi.dev/problems/${row.type}`)
      if (row.pointer !== undefined) assert.equal(problem.errors[0].pointer, row.pointer)
      if (row.code !== undefined) assert.equal(problem.errors[0].code, row.code)
    })
  }

  test('removing an entry twice is a conflict that says when and by whom', async () => {
    const [entry] = (await call('POST', '/v1/lists/fraud-phones/entries', { entries: [{ value: '13700000000', reason: 'r', source: 's' }] })).json().items
    assert.equal((await call('DELETE', `/v1/lists/fraud-phones/entries/${entry.id}`)).statusCode, 200)
    const again = await call('DELETE', `/v1/lists/fraud-phones/entries/${entry.id}`)
    assert.equal(again.statusCode, 409)
    assert.equal(again.json().errors[0].code, 'already_removed')
    assert.match(again.json().errors[0].message, new RegExp(`key:${keyId}`))
  })
})

describe('lists through a real server process', () => {
  test('what is added over the socket survives a restart, point in time', async () => {
    const dir = tempDataDir()
    let server = await startServer({ dataDir: dir.dir })
    try {
      const send = async (method: string, path: string, body?: unknown) => {
        const response = await fetch(`${server.url}${path}`, {
          method,
          ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
        })
        return { status: response.status, body: (await response.json()) as Record<string, unknown> & { items: Record<string, string>[] } }
      }
      assert.equal((await send('POST', '/v1/lists', { name: 'mule-devices', kind: 'grey', entityKind: 'device' })).status, 201)
      const added = await send('POST', '/v1/lists/mule-devices/entries', {
        entries: [
          { value: 'dev-0001', reason: 'mule ring', source: 'case 9' },
          { value: 'dev-0002', reason: 'mule ring', source: 'case 9' },
        ],
      })
      assert.equal(added.status, 201)
      assert.equal(added.body.items[0]!.addedBy, 'anonymous')
      const [kept, dropped] = added.body.items as { id: string; addedAt: string }[]
      assert.equal((await send('DELETE', `/v1/lists/mule-devices/entries/${dropped!.id}`)).status, 200)

      await server.stop()
      server = await startServer({ dataDir: dir.dir })
      const listed = await send('GET', '/v1/lists/mule-devices/entries?value=dev-0001')
      assert.equal(listed.body.onList, true)
      assert.deepEqual(listed.body.items.map((e) => e.id), [kept!.id])
      assert.equal((await send('GET', '/v1/lists/mule-devices/entries?value=dev-0002')).body.onList, false)
      const atAddition = await send('GET', `/v1/lists/mule-devices/entries?value=dev-0002&at=${encodeURIComponent(dropped!.addedAt)}`)
      assert.equal(atAddition.body.onList, true, 'the removed entry still answers for the time it was listed')
      assert.deepEqual([(await send('GET', '/v1/lists/mule-devices')).body.activeEntries], [1])
    } finally {
      await server.stop()
      dir.remove()
    }
  })
})
