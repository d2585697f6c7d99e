import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { XiezhiError } from '../../src/core/errors.ts'
import { EventTypeRegistry } from '../../src/events/event-type-registry.ts'
import { bankCard, idNumber } from '../../src/simulation/identities.ts'
import { cities } from '../../src/simulation/places.ts'
import { Random } from '../../src/simulation/random.ts'
import { simulate } from '../../src/simulation/simulation.ts'
import { StrategyReportBuilder } from '../../src/simulation/strategy-report.ts'
import { type GroundTruth, type SimulatedEvent, scenarioOf } from '../../src/simulation/world.ts'
import { defaultWorldConfig, parseWorldConfig } from '../../src/simulation/world-config.ts'

const run = (options: Parameters<typeof simulate>[0]) => {
  const truths: GroundTruth[] = []
  const events = [...simulate(options, (t) => truths.push(t))]
  return { events, truths }
}

describe('identifiers check like real ones', () => {
  const random = new Random(1, 'test')
  test('id numbers carry region, birth date, sex digit and the ISO 7064 check character', () => {
    const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    for (let i = 0; i < 500; i++) {
      const male = i % 2 === 0
      const id = idNumber(random, cities[i % cities.length]!, 1990, male)
      assert.match(id, /^\d{17}[\dX]$/)
      assert.equal(id.slice(0, 6), cities[i % cities.length]!.regionCode)
      assert.equal(id.slice(6, 10), '1990')
      assert.equal(Number(id[16]) % 2 === 1, male)
      const sum = weights.reduce((s, w, k) => s + w * Number(id[k]), 0)
      assert.equal(id[17], '10X98765432'[sum % 11])
    }
  })
  test('bank card numbers pass the Luhn check', () => {
    for (let i = 0; i < 500; i++) {
      const card = bankCard(random)
      assert.match(card, /^62\d{17}$/)
      const sum = [...card].reverse().reduce((s, ch, k) => {
        const d = Number(ch) * (k % 2 === 1 ? 2 : 1)
        return s + (d > 9 ? d - 9 : d)
      }, 0)
      assert.equal(sum % 10, 0, card)
    }
  })
})

describe('a simulated month', () => {
  const options = { seed: 42, days: 30, customers: 10_000, labelEvents: true }
  const { events, truths } = run(options)
  const byId = new Map(events.map((e) => [e.id, e]))

  test('is the same for the same seed and different for another', () => {
    const again = run(options)
    assert.equal(JSON.stringify(again.events), JSON.stringify(events))
    assert.deepEqual(again.truths, truths)
    const other = run({ ...options, seed: 43 })
    assert.notEqual(JSON.stringify(other.events.slice(0, 100)), JSON.stringify(events.slice(0, 100)))
  })

  test('every event is valid, in time order, with its id once, money in whole fen', () => {
    const registry = new EventTypeRegistry(() => Date.parse('2026-11-27T00:00:00Z'))
    let previous = ''
    for (const event of events) {
      try {
        registry.accept('default', event)
      } catch (error) {
        assert.fail(`${event.id} ${event.type}: ${(error as XiezhiError).issues.map((i) => `${i.pointer} ${i.message}`).join('; ')}`)
      }
      assert.ok(event.occurredAt >= previous, `${event.id} is earlier than the event before it`)
      previous = event.occurredAt
      for (const [field, value] of Object.entries(event.data)) if (field.endsWith('Minor')) assert.ok(Number.isSafeInteger(value), `${event.id} ${field}`)
    }
    assert.equal(byId.size, events.length)
    assert.deepEqual(new Set(events.map((e) => e.type)), new Set(['account.registered', 'login', 'credit.application', 'loan.drawdown', 'loan.repayment', 'complaint', 'marketing.click', 'equipment.telemetry', 'label']))
    assert.ok(events.some((e) => e.type === 'loan.repayment' && e.data.status === 'missed'), 'missed repayments')
  })

  test('ground truth stays out of the events; label events follow their subject at the time the truth is known', () => {
    for (const event of events) assert.equal(JSON.stringify(event).includes('scenario'), false)
    const labels = events.filter((e) => e.type === 'label')
    assert.ok(labels.length > 0)
    for (const label of labels) {
      const subject = byId.get(label.data.subjectEventId as string)
      assert.ok(subject, `label ${label.id} names an event of the stream`)
      assert.ok(subject.occurredAt < label.occurredAt)
      assert.ok(truths.some((t) => t.eventId === subject.id && t.label === label.data.label && new Date(t.knownAtMs!).toISOString() === label.occurredAt))
    }
    const end = Date.parse('2026-01-30T16:00:00Z')
    assert.equal(labels.length, truths.filter((t) => t.knownAtMs !== null && t.knownAtMs < end).length)
    for (const truth of truths) assert.equal(byId.get(truth.eventId)?.type, truth.eventType)
  })

  test('every scenario happens, at about its configured rate', () => {
    const scenarios = new Set(truths.map((t) => t.scenario))
    for (const name of ['credit_default', 'fraud_ring', 'intermediary', 'account_takeover', 'scam_victim', 'debt_avoidance_agent', 'fake_marketing_traffic']) assert.ok(scenarios.has(name as never), name)
    const applications = events.filter((e) => e.type === 'credit.application')
    const labelled = (scenario: string, label: string) => new Set(truths.filter((t) => t.scenario === scenario && t.label === label && t.eventType === 'credit.application').map((t) => t.eventId))
    const share = (ids: Set<string>) => ids.size / applications.length
    const ringShare = share(labelled('fraud_ring', 'fraud'))
    assert.ok(ringShare > 0.002 && ringShare < 0.02, `fraud rings: ${ringShare} of applications`)
    // default: among genuine customers' applications, close to the configured 5 %
    const genuine = applications.filter((e) => scenarioOf(e) === 'genuine')
    const defaults = labelled('credit_default', 'default')
    const defaultShare = genuine.filter((e) => defaults.has(e.id)).length / genuine.length
    assert.ok(defaultShare > 0.035 && defaultShare < 0.065, `default: ${defaultShare}`)
  })

  test('scam drawdowns peak 16:00–18:00 Beijing time', () => {
    const hours = truths.filter((t) => t.scenario === 'scam_victim').map((t) => new Date(t.occurredAtMs + 8 * 3_600_000).getUTCHours())
    const peak = hours.filter((h) => h >= 16 && h < 18).length / hours.length
    assert.ok(peak > 0.3, `${peak} of scam drawdowns at 16–18`)
  })
})

test('scam victims match the source articles: 77 % aged 20–40, men 1.4× women, 51 % lose over 10,000 RMB', () => {
  const report = new StrategyReportBuilder()
  const config = { ...defaultWorldConfig, scamVictims: { borrowersPerMonth: 0.1, overTenThousandShare: 0.51 } }
  for (const event of simulate({ seed: 5, days: 30, customers: 12_000, config }, (t) => report.addTruth(t))) report.observe(event, 'approve')
  const victims = report.build().scamVictims!
  assert.ok(victims.victims > 500, `${victims.victims} victims`)
  assert.ok(Math.abs(victims.aged20to40Share - 0.77) < 0.04, `aged 20–40: ${victims.aged20to40Share}`)
  assert.ok(Math.abs(victims.menPerWoman - 1.4) < 0.2, `men per woman: ${victims.menPerWoman}`)
  assert.ok(Math.abs(victims.lostOverTenThousandShare - 0.51) < 0.05, `over 10,000: ${victims.lostOverTenThousandShare}`)
})

test('the report scores decisions against the truth', () => {
  const report = new StrategyReportBuilder()
  const ring: GroundTruth = { eventId: 'e2', eventType: 'credit.application', occurredAtMs: 0, scenario: 'fraud_ring', label: 'fraud', knownAtMs: null }
  report.addTruth(ring)
  const event = (id: string, type = 'credit.application'): SimulatedEvent => ({ id, type, occurredAt: '2026-01-01T00:00:00.000Z', data: { userId: `u-${id}` } })
  report.observe(event('e1'), 'approve')
  report.observe(event('e2'), 'review')
  report.observe(event('e3'), 'reject')
  report.observe(event('e4'), 'approve')
  const built = report.build()
  const row = built.scenarios.find((s) => s.scenario === 'fraud_ring')!
  assert.deepEqual([row.labelled, row.caught, row.catchRate], [1, 1, 1])
  const point = built.decisionPoints.find((p) => p.eventType === 'credit.application')!
  assert.equal(point.approvalRate, 0.5)
  assert.equal(point.falsePositiveRate, 1 / 3)
})

describe('the world config', () => {
  const issues = (yaml: string) => {
    try {
      parseWorldConfig(yaml)
      return []
    } catch (error) {
      assert.ok(error instanceof XiezhiError)
      return error.issues.map((i) => `${i.pointer} ${i.code}`)
    }
  }
  test('overrides merge into the defaults', () => {
    const config = parseWorldConfig('fraudRings: { applicationShare: 0.02 }\ncredit: { defaultRate: 0.08 }\n')
    assert.equal(config.fraudRings.applicationShare, 0.02)
    assert.deepEqual(config.fraudRings.members, defaultWorldConfig.fraudRings.members)
    assert.equal(config.credit.defaultRate, 0.08)
    assert.equal(config.customers.applyShare, defaultWorldConfig.customers.applyShare)
  })
  test('every mistake is named by its field', () => {
    assert.deepEqual(issues('fraudRings: { applicationShare: 2 }'), ['/fraudRings/applicationShare invalid_value'])
    assert.deepEqual(issues('fraudRings: { members: [9, 3] }'), ['/fraudRings/members invalid_range'])
    assert.deepEqual(issues('credit: { defaultRat: 0.1 }').includes('/credit/defaultRat invalid_value'), true)
    assert.deepEqual(issues('customers: { loginsPerDay: "many" }').includes('/customers/loginsPerDay invalid_value'), true)
    assert.deepEqual(issues('fraudRings: [unclosed'), [' invalid_yaml'])
  })
})
