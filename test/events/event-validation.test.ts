import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { describe, test } from 'node:test'
import { XiezhiError } from '../../src/core/errors.ts'
import { builtinEventTypes } from '../../src/events/builtin-event-types.ts'
import { EventTypeRegistry } from '../../src/events/event-type-registry.ts'
import { exampleEvent } from '../support/temp-engine.ts'

const now = Date.parse('2026-11-27T12:00:00Z')
const registry = () => new EventTypeRegistry(() => now)

const issuesOf = (body: unknown, r = registry()) => {
  try {
    r.accept('default', body)
    return []
  } catch (error) {
    assert.ok(error instanceof XiezhiError)
    return error.issues.map((i) => `${i.pointer} ${i.code}`)
  }
}

describe('every built-in type has a valid example', () => {
  test('examples/events holds one file per type, and each is accepted', () => {
    const files = readdirSync(new URL('../../examples/events', import.meta.url)).sort()
    assert.deepEqual(files, builtinEventTypes.map((t) => `${t.type}.json`).sort())
    for (const t of builtinEventTypes) assert.deepEqual(issuesOf(exampleEvent(t.type)), [], t.type)
  })

  test('entities are extracted per type, contacts and equipment included', () => {
    const accepted = registry().accept('default', exampleEvent('credit.application'))
    assert.deepEqual(
      accepted.entities.map((e) => e.kind),
      ['user', 'id_number', 'phone', 'device', 'ip', 'bank_card', 'address', 'contacts', 'contacts'],
    )
    const kinds = (type: string) => registry().accept('default', exampleEvent(type)).entities.map((e) => `${e.kind}:${e.value}`)
    assert.deepEqual(kinds('equipment.telemetry'), ['equipment:eq-cnc-0042', 'user:u-20001'])
    // an anonymous click has no user
    assert.deepEqual(kinds('marketing.click'), ['device:dev-a1b2c3', 'ip:203.0.113.7'])
  })
})

describe('bad input names every offending field', () => {
  // one row per mistake: what was sent, and the pointer and code of each problem
  const table: { name: string; body: unknown; issues: string[] }[] = [
    { name: 'not an object', body: [1, 2], issues: [' invalid_type'] },
    { name: 'empty envelope', body: {}, issues: ['/id required', '/type required', '/occurredAt required', '/data required'] },
    {
      name: 'wrong envelope types',
      body: { id: 7, type: 'login', occurredAt: 'yesterday', data: [], extra: 1 },
      issues: ['/id invalid_format', '/occurredAt invalid_format', '/data invalid_type', '/extra unknown_field'],
    },
    {
      name: 'timestamp far in the future',
      body: exampleEvent('login', { occurredAt: '2026-11-27T12:06:00Z' }),
      issues: ['/occurredAt in_future'],
    },
    {
      name: 'float money, missing and unknown fields',
      body: exampleEvent('credit.application', { data: { amountMinor: 100.5, userId: undefined, favouriteColour: 'red' } }),
      issues: ['/data/userId required', '/data/favouriteColour unknown_field', '/data/amountMinor invalid_type'],
    },
    {
      name: 'values out of their domain',
      body: exampleEvent('loan.repayment', { data: { status: 'forgotten', daysPastDue: -1, currency: 'yuan' } }),
      issues: ['/data/currency invalid_pattern', '/data/status invalid_value', '/data/daysPastDue invalid_minimum'],
    },
    {
      name: 'a date that does not exist',
      body: exampleEvent('login', { occurredAt: '2026-02-30T00:00:00Z' }),
      issues: ['/occurredAt invalid_format'],
    },
    { name: 'hour 24', body: exampleEvent('login', { occurredAt: '2026-11-01T24:00:00+08:00' }), issues: ['/occurredAt invalid_format'] },
    { name: 'bad ip reported once', body: exampleEvent('login', { data: { ip: 'not-an-ip' } }), issues: ['/data/ip invalid_value'] },
    { name: 'a click with only its required fields', body: exampleEvent('marketing.click', { data: { city: undefined, geo: undefined } }), issues: [] },
    {
      name: 'a click without its campaign, from an empty city',
      body: exampleEvent('marketing.click', { data: { campaignId: undefined, city: '' } }),
      issues: ['/data/campaignId required', '/data/city invalid_minLength'],
    },
    { name: 'equipment at fault, idle all period', body: exampleEvent('equipment.telemetry', { data: { status: 'fault', runMinutes: 0, outputUnits: 0 } }), issues: [] },
    {
      name: 'equipment minutes as a float, an unknown status',
      body: exampleEvent('equipment.telemetry', { data: { runMinutes: 52.5, status: 'broken' } }),
      issues: ['/data/runMinutes invalid_type', '/data/status invalid_value'],
    },
    { name: 'the newer labels', body: exampleEvent('label', { data: { label: 'fake_traffic' } }), issues: [] },
  ]
  for (const row of table) test(row.name, () => assert.deepEqual(issuesOf(row.body), row.issues))

  test('an unknown type is its own problem', () => {
    try {
      registry().accept('default', { id: 'x', type: 'loan.teleport', occurredAt: '2026-11-27T11:00:00Z', data: {} })
      assert.fail('accepted')
    } catch (error) {
      assert.equal((error as XiezhiError).kind, 'unknown_event_type')
      assert.deepEqual((error as XiezhiError).issues.map((i) => i.pointer), ['/type'])
    }
  })
})

describe('tenants register their own event types', () => {
  const payout = {
    tenantId: 'acme',
    type: 'merchant.payout',
    description: 'A payout to a merchant',
    schema: { type: 'object', required: ['merchantId', 'amountMinor'], properties: { merchantId: { type: 'string' }, amountMinor: { type: 'integer' }, deviceId: { type: 'string' } } },
    entities: { device: '/deviceId' },
  }

  test('a registered type validates and extracts like a built-in one, for its tenant only', () => {
    const r = registry()
    r.register(payout)
    const body = { id: 'p1', type: 'merchant.payout', occurredAt: '2026-11-27T11:00:00Z', data: { merchantId: 'm1', amountMinor: 10, deviceId: 'd1' } }
    assert.deepEqual(r.accept('acme', body).entities, [{ kind: 'device', value: 'd1' }])
    assert.throws(() => r.accept('other-tenant', body), (e: XiezhiError) => e.kind === 'unknown_event_type')
    assert.throws(() => r.accept('acme', { ...body, data: { merchantId: 'm1' } }), (e: XiezhiError) => e.issues[0]!.pointer === '/data/amountMinor')
  })

  test('a schema that is not JSON Schema is refused', () => {
    assert.throws(
      () => registry().register({ ...payout, schema: { type: 'nonsense' } }),
      (e: XiezhiError) => e.issues.map((i) => `${i.pointer} ${i.code}`).join() === '/schema invalid_schema',
    )
  })

  test('a bad definition is refused with every problem named', () => {
    try {
      registry().register({ ...payout, type: 'credit.application', schema: { type: 'nonsense' }, entities: { planet: '/x', device: 'deviceId' } as never })
      assert.fail('accepted')
    } catch (error) {
      assert.deepEqual((error as XiezhiError).issues.map((i) => `${i.pointer} ${i.code}`), ['/type reserved', '/entities/planet unknown_entity_kind', '/entities/device invalid_pointer'])
    }
  })
})
