/**
 * The neighbourhood route as an investigator meets it over HTTP (the real
 * server, `app.inject`): a `to` given as a day includes that whole Beijing
 * day; bad input is a 400 naming the offending fields under `/query/…` (or
 * `/body/…`); a clear value is looked up only through a POST body, never a
 * URL, and answers as its blind index does.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildServer } from '../../src/api/build-server.ts'
import { readConfig } from '../../src/app/config.ts'
import { type Engine, defaultTenant, openEngine } from '../../src/app/open-engine.ts'
import type { Decision } from '../../src/decisions/decision.ts'
import { exampleEvent, tempDataDir } from '../support/temp-engine.ts'

const data = tempDataDir('xiezhi-graph-input-')
// 20:00 in Beijing on 27 November; the events are that afternoon (Beijing), 26 November 22:00 UTC onwards
const nowMs = Date.parse('2026-11-27T12:00:00Z')
const sharedPhone = '13900007777'
let engine: Engine
let app: FastifyInstance
let firstDecision = ''

before(async () => {
  engine = await openEngine(readConfig({ XIEZHI_DATA_DIR: join(data.dir, 'data'), LOG_LEVEL: 'silent' }, { authDisabled: true }), { clock: { nowMs: () => nowMs } })
  app = (await buildServer(engine)).app
  for (let n = 1; n <= 3; n++) {
    const event = exampleEvent('credit.application', {
      id: `evt-input-${n}`,
      occurredAt: new Date(Date.parse('2026-11-27T06:00:00Z') + n * 60_000).toISOString(),
      data: { applicationId: `app-input-${n}`, userId: `input-u${n}`, deviceId: 'dev-input', phone: sharedPhone, idNumber: `11010119900307${String(n).padStart(4, '0')}`, ip: `203.0.113.${n}`, bankCard: `62220202001122${String(n).padStart(5, '0')}`, contacts: [], address: `地址 ${n}` },
    })
    const decision = JSON.parse((await engine.decisions.decide(defaultTenant, event)).body) as Decision
    firstDecision ||= decision.decisionId
  }
})
after(async () => {
  await app?.close()
  await engine?.close()
  data.remove()
})

const phoneKey = () => engine.vault.blindIndex('phone', sharedPhone)
const get = (search: string) => app.inject({ url: `/v1/graph/neighbourhood?${search}` })
const post = (body: unknown) => app.inject({ method: 'POST', url: '/v1/graph/neighbourhood', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) })
/** The refusal's issues as `pointer code`, in order. */
const issuesOf = (reply: { statusCode: number; body: string; json: () => unknown }) => {
  assert.equal(reply.statusCode, 400, reply.body)
  return (reply.json() as { errors: { pointer: string; code: string }[] }).errors.map((e) => `${e.pointer} ${e.code}`)
}

describe('the period', () => {
  test('to as a day includes that whole Beijing day', async () => {
    const sameDay = await get(`kind=phone&key=${phoneKey()}&hops=1&from=2026-11-27&to=2026-11-27`)
    assert.equal(sameDay.statusCode, 200, sameDay.body)
    const body = sameDay.json() as { nodes: { kind: string }[]; window: { from: string; to: string } }
    assert.equal(body.nodes.filter((n) => n.kind === 'user').length, 3, 'the three users of that afternoon')
    assert.deepEqual(body.window, { from: '2026-11-26T16:00:00.000Z', to: '2026-11-27T15:59:59.999Z' })
    // the day before holds none of it: the phone alone
    const dayBefore = (await get(`kind=phone&key=${phoneKey()}&hops=1&from=2026-11-26&to=2026-11-26`)).json() as { nodes: unknown[] }
    assert.equal(dayBefore.nodes.length, 1)
    // an instant stays an instant: up to 14:00 in Beijing, before the first event
    const beforeEvents = (await get(`kind=phone&key=${phoneKey()}&hops=1&to=2026-11-27T14:00:00%2B08:00`)).json() as { nodes: unknown[] }
    assert.equal(beforeEvents.nodes.length, 1)
  })

  test('from after to names from; a bad time names its field', async () => {
    assert.deepEqual(issuesOf(await get(`kind=phone&key=${phoneKey()}&from=2026-11-28&to=2026-11-27`)), ['/query/from invalid_range'])
    assert.deepEqual(issuesOf(await get(`kind=phone&key=${phoneKey()}&from=2026-11-31&to=yesterday`)), ['/query/from invalid_date', '/query/to invalid_date'])
  })
})

describe('the start', () => {
  test('two starts are refused, naming both', async () => {
    assert.deepEqual(issuesOf(await get(`node=1&decision=${firstDecision}`)), ['/query/node mutually_exclusive', '/query/decision mutually_exclusive'])
    const both = (await get(`node=1&decision=${firstDecision}`)).json() as { errors: { message: string }[] }
    assert.match(both.errors[0]!.message, /node and decision were given/)
    // kind with a node does not quietly lose the kind
    assert.deepEqual(issuesOf(await get('node=0&kind=phone')), ['/query/node mutually_exclusive', '/query/kind mutually_exclusive'])
    assert.deepEqual(issuesOf(await get(`decision=${firstDecision}&kind=phone&key=${phoneKey()}`)), [
      '/query/decision mutually_exclusive',
      '/query/kind mutually_exclusive',
      '/query/key mutually_exclusive',
    ])
  })

  test('no start, a key without its kind, a kind without its key', async () => {
    assert.deepEqual(issuesOf(await get('hops=2')), ['/query/kind required'])
    assert.deepEqual(issuesOf(await get(`key=${phoneKey()}`)), ['/query/kind required'])
    assert.deepEqual(issuesOf(await get('kind=phone')), ['/query/key required'])
  })

  test('an unknown parameter is named', async () => {
    const reply = await get(`kind=phone&key=${phoneKey()}&foo=1`)
    assert.deepEqual(issuesOf(reply), ['/query/foo unknown_field'])
    assert.match((reply.json() as { errors: { message: string }[] }).errors[0]!.message, /"foo"/)
  })
})

describe('a clear value travels in a body, never in a URL', () => {
  test('POST with kind and value answers as GET with its blind index', async () => {
    const byValue = await post({ kind: 'phone', value: sharedPhone, hops: 1, from: '2026-11-27', to: '2026-11-27' })
    assert.equal(byValue.statusCode, 200, byValue.body)
    const byKey = await get(`kind=phone&key=${phoneKey()}&hops=1&from=2026-11-27&to=2026-11-27`)
    assert.deepEqual(byValue.json(), byKey.json())
    assert.ok(!byValue.body.includes(sharedPhone), 'the answer holds no value')
    // every start a GET takes, a POST takes too
    assert.equal((await post({ decision: firstDecision, hops: 1 })).statusCode, 200)
  })

  test('the OpenAPI document offers the POST with value, and the GET without it', async () => {
    const path = (await app.inject('/openapi.json')).json().paths['/v1/graph/neighbourhood']
    assert.ok(path.post.requestBody.content['application/json'].schema.properties.value)
    const parameters = (path.get.parameters as { name: string }[]).map((p) => p.name)
    assert.ok(parameters.includes('key') && parameters.includes('from'))
    assert.ok(!parameters.includes('value'))
  })

  test('GET refuses a value, naming it', async () => {
    assert.deepEqual(issuesOf(await get(`kind=phone&value=${sharedPhone}`)), ['/query/value unknown_field'])
  })

  test('the body’s errors point into the body', async () => {
    assert.deepEqual(issuesOf(await post({ kind: 'phone', value: sharedPhone, key: phoneKey() })), [
      '/body/kind mutually_exclusive',
      '/body/key mutually_exclusive',
      '/body/value mutually_exclusive',
    ])
    assert.deepEqual(issuesOf(await post({ value: sharedPhone })), ['/body/kind required'])
    assert.deepEqual(issuesOf(await post({ kind: 'phone' })), ['/body/value required'])
    assert.deepEqual(issuesOf(await post({ kind: 'phone', value: sharedPhone, from: '2026-11-28', to: '2026-11-27' })), ['/body/from invalid_range'])
    assert.deepEqual(issuesOf(await post({ kind: 'phone', value: sharedPhone, colour: 'red' })), ['/body/colour unknown_field'])
    assert.deepEqual(issuesOf(await post({ kind: 'phone', value: sharedPhone, hops: 9 })), ['/body/hops invalid_maximum'])
    // the graph's own checks, located in the body
    assert.deepEqual(issuesOf(await post({ kind: 'phone', value: sharedPhone, edgeTypes: ['user-car'] })), ['/body/edgeTypes/0 unknown_edge_type'])
    assert.equal((await post({ kind: 'phone', value: '13900000000' })).statusCode, 404)
  })
})
