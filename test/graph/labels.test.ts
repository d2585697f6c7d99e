/**
 * What a label marks in the graph: the person and what they own (an
 * option), once per subject and kind, until it is withdrawn — and what it
 * seeded in the propagated risk goes with it, in the hourly restart too.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import type { XiezhiError } from '../../src/core/errors.ts'
import type { EntityKind } from '../../src/events/entities.ts'
import { builtinEventTypes } from '../../src/events/builtin-event-types.ts'
import { EventTypeRegistry } from '../../src/events/event-type-registry.ts'
import type { GraphEvent } from '../../src/graph/graph-event.ts'
import { graphOptions } from '../../src/graph/graph-options.ts'
import { GraphService } from '../../src/graph/graph-service.ts'
import { LinkGraph } from '../../src/graph/link-graph.ts'
import { labelKinds, labelsOfMask } from '../../src/graph/node-labels.ts'
import { kindIndex } from '../../src/graph/node-table.ts'
import { day, event, label, t0 } from './graph-fixtures.ts'

const hour = 3_600_000
const nodeOf = (service: GraphService, kind: EntityKind, key: string) => service.graph.nodes.find(kindIndex(kind), key)

/** Two applicants sharing a device, each with their own phone; u3 a neighbour of the device. */
function world(service: GraphService, atMs = t0): void {
  service.add(event(atMs, { user: ['u1'], device: ['d1'], phone: ['p1'], ip: ['i1'] }, 'credit.application'))
  service.add(event(atMs, { user: ['u2'], device: ['d1'], phone: ['p2'], ip: ['i1'] }, 'credit.application'))
  service.add(event(atMs, { user: ['u3'], device: ['d1'] }, 'login'))
}

test('a label of a kind already standing on the same subject counts and pushes nothing more', () => {
  const once = new GraphService()
  const twice = new GraphService()
  for (const service of [once, twice]) world(service)
  once.add(label(t0 + day, { user: ['u1'], device: ['d1'], phone: ['p1'] }, 'fraud', 'e1'))
  // the same fraud about the same event, from another source (another label event)
  for (let i = 0; i < 2; i++) twice.add(label(t0 + day + i, { user: ['u1'], device: ['d1'], phone: ['p1'] }, 'fraud', 'e1'))
  const u1 = nodeOf(twice, 'user', 'u1')
  assert.equal(twice.graph.labels.riskLabels[u1], 1)
  assert.equal(twice.propagation.seedMass[u1], 1)
  assert.deepEqual(twice.propagation.toColumns(), once.propagation.toColumns())
  const probe = event(t0 + 2 * day, { user: ['u3'], device: ['d1'] })
  assert.deepEqual(twice.measure(probe), once.measure(probe))
  // another kind about the same event, and the same kind about another event, are labels of their own
  twice.add(label(t0 + 2 * day, { user: ['u1'] }, 'intermediary', 'e1'))
  twice.add(label(t0 + 2 * day, { user: ['u1'] }, 'fraud', 'e7'))
  assert.equal(twice.graph.labels.riskLabels[u1], 3)
  assert.equal(twice.propagation.seedMass[u1], 3)
})

test('a withdrawal takes the label off the nodes it marked, and its risk: decisions before see it, decisions after do not', () => {
  const service = new GraphService()
  world(service)
  const probe = (atMs: number) => service.measure(event(atMs, { user: ['u3'], device: ['d1'] }))
  const clean = probe(t0 + day)
  service.observe(label(t0 + day, { user: ['u1'], device: ['d1'], phone: ['p1'], ip: ['i1'] }, 'fraud', 'e1'))
  const labelled = probe(t0 + 2 * day)
  assert.equal(labelled.riskUsers2h30d, 1)
  assert.equal(labelled.riskNodes2h30d, 2, 'u1 and d1: not the IP')
  assert.ok(labelled.propagatedRisk > 0.01)
  // the review overturns it
  service.observe(label(t0 + 2 * day, { user: ['u1'], device: ['d1'], phone: ['p1'], ip: ['i1'] }, 'fraud', 'e1', true))
  const withdrawn = probe(t0 + 3 * day)
  assert.equal(withdrawn.riskUsers2h30d, 0)
  assert.equal(withdrawn.riskNodes2h30d, 0)
  // the push of the negative mass leaves at most the push's error (ε · degree) behind
  for (let node = 0; node < service.graph.nodes.count; node++) {
    assert.ok(Math.abs(service.propagation.score(node)) <= 1e-4 * Math.max(1, service.graph.degree(node)), `node ${node}: ${service.propagation.score(node)}`)
    assert.equal(service.graph.labels.masks[node], 0)
    assert.equal(service.graph.labels.riskLabels[node], 0)
    assert.ok(Number.isNaN(service.graph.labels.firstRiskMs[node]))
  }
  assert.deepEqual({ ...withdrawn, propagatedRisk: 0 }, { ...clean, propagatedRisk: 0 })
  assert.equal(service.propagation.seeds().nodes.length, 0, 'the hourly restart starts from no seed')
  // a withdrawal of what no longer stands changes nothing; the label given again counts again
  const before = service.snapshot()
  service.add(label(t0 + 3 * day, { user: ['u1'] }, 'fraud', 'e1', true))
  assert.deepEqual(service.snapshot().graph.labels.masks, before.graph.labels.masks)
  assert.deepEqual(service.snapshot().propagation, before.propagation)
  service.add(label(t0 + 4 * day, { user: ['u1'], device: ['d1'] }, 'fraud', 'e1'))
  assert.equal(probe(t0 + 5 * day).riskUsers2h30d, 1)
})

test('a bit another standing label set stays when one label is withdrawn; the first risk time is that of the labels left', () => {
  const service = new GraphService()
  world(service)
  service.add(label(t0 + day, { user: ['u1'], device: ['d1'] }, 'fraud', 'e1'))
  service.add(label(t0 + 2 * day, { user: ['u2'], device: ['d1'] }, 'fraud', 'e2'))
  service.add(label(t0 + 2 * day, { user: ['u2'], device: ['d1'] }, 'scam_victim', 'e2'))
  const d1 = nodeOf(service, 'device', 'd1')
  assert.equal(service.graph.labels.riskLabels[d1], 2)
  assert.equal(service.graph.labels.firstRiskMs[d1], t0 + day)
  service.add(label(t0 + 3 * day, { user: ['u1'], device: ['d1'] }, 'fraud', 'e1', true))
  assert.equal(service.graph.labels.riskLabels[d1], 1)
  assert.deepEqual(labelsOfMask(service.graph.labels.masks[d1]!), ['fraud', 'scam_victim'])
  assert.equal(service.graph.labels.firstRiskMs[d1], t0 + 2 * day)
  assert.equal(service.graph.labels.masks[nodeOf(service, 'user', 'u1')], 0)
  service.add(label(t0 + 4 * day, { user: ['u2'], device: ['d1'] }, 'scam_victim', 'e2', true))
  assert.deepEqual(labelsOfMask(service.graph.labels.masks[d1]!), ['fraud'])
  assert.equal(service.propagation.seedMass[nodeOf(service, 'user', 'u2')], 1)
  assert.equal(service.propagation.seedMass[nodeOf(service, 'user', 'u1')], 0)
})

test('a clearance (the review desk closing a case as legitimate) withdraws the fraud label standing on the same event, not other kinds or events', () => {
  const service = new GraphService()
  world(service)
  service.add(label(t0 + day, { user: ['u1'], device: ['d1'] }, 'fraud', 'e1'))
  service.add(label(t0 + day, { user: ['u1'], device: ['d1'] }, 'intermediary', 'e1'))
  service.add(label(t0 + day, { user: ['u2'], device: ['d1'] }, 'fraud', 'e2'))
  const u1 = nodeOf(service, 'user', 'u1')
  assert.equal(service.propagation.seedMass[u1], 2)
  service.add(label(t0 + 2 * day, { user: ['u1'], device: ['d1'] }, 'legitimate', 'e1'))
  assert.deepEqual(labelsOfMask(service.graph.labels.masks[u1]!), ['legitimate', 'intermediary'])
  assert.equal(service.graph.labels.riskLabels[u1], 1)
  assert.equal(service.propagation.seedMass[u1], 1)
  assert.deepEqual(labelsOfMask(service.graph.labels.masks[nodeOf(service, 'user', 'u2')]!), ['fraud'], "another event's fraud stands")
  // the latest word decides: fraud found again later stands again
  service.add(label(t0 + 3 * day, { user: ['u1'], device: ['d1'] }, 'fraud', 'e1'))
  assert.equal(service.graph.labels.riskLabels[u1], 2)
  assert.equal(service.propagation.seedMass[u1], 2)
})

test('the hourly restart from every seed sees the withdrawal: before its capture, and after it (pushed again on the restart)', () => {
  const options = { rings: { everyMs: hour } }
  const runtime = { ringsOffThread: false }
  const withdrawn = new GraphService(options, runtime)
  const never = new GraphService(options, runtime)
  const events = (withLabel: boolean): GraphEvent[] => [
    label(t0 + 10, { user: ['u2'], device: ['d1'] }, 'fraud', 'e2'),
    ...(withLabel ? [label(t0 + 20, { user: ['u1'], device: ['d1'], phone: ['p1'] }, 'fraud', 'e1')] : []),
    // the hour: the restart is captured with e1's seed
    event(t0 + hour + 1, { user: ['u4'], device: ['d4'] }),
    ...(withLabel ? [label(t0 + hour + 2, { user: ['u1'], device: ['d1'], phone: ['p1'] }, 'fraud', 'e1', true)] : []),
    // the next: that restart applied, the withdrawal pushed again on it; a new capture, without e1
    event(t0 + 2 * hour + 1, { user: ['u5'], device: ['d4'] }),
    event(t0 + 3 * hour + 1, { user: ['u6'], device: ['d4'] }),
  ]
  world(withdrawn)
  world(never)
  const withdrawnEvents = events(true)
  const neverEvents = events(false)
  for (const e of withdrawnEvents.slice(0, 3)) withdrawn.observe(e)
  assert.ok(withdrawn.pendingHour, 'the hour captured')
  assert.deepEqual(withdrawn.propagation.seeds().nodes.length, 2, 'captured with both labels (none came since)')
  for (const e of withdrawnEvents.slice(3, 5)) withdrawn.observe(e)
  for (const e of neverEvents.slice(0, 3)) never.observe(e)
  assert.ok(withdrawn.lastPropagation && withdrawn.lastPropagation.repushed === 1, 'the withdrawal pushed again on the restart')
  for (let node = 0; node < withdrawn.graph.nodes.count; node++)
    assert.ok(Math.abs(withdrawn.propagation.score(node) - never.propagation.score(node)) <= 2e-4 * Math.max(1, withdrawn.graph.degree(node)), `node ${node}`)
  // a restart captured after the withdrawal starts from the labels left alone: the same numbers as a graph that never had it
  withdrawn.observe(withdrawnEvents[5]!)
  never.observe(neverEvents[3]!)
  assert.deepEqual(withdrawn.propagation.toColumns().estimate, never.propagation.toColumns().estimate)
  assert.deepEqual(withdrawn.propagation.seeds(), never.propagation.seeds())
})

test('charge_off and credit_risk are kept on the node (16-bit mask), not risk labels unless configured', () => {
  assert.deepEqual([...labelKinds], (builtinEventTypes.find((t) => t.type === 'label')!.schema.properties as { label: { enum: string[] } }).label.enum)
  const service = new GraphService()
  world(service)
  service.add(label(t0 + day, { user: ['u1'] }, 'charge_off', 'e1'))
  service.add(label(t0 + day, { user: ['u1'] }, 'credit_risk', 'e1'))
  service.add(label(t0 + day, { user: ['u1'] }, 'fake_traffic', 'e1'))
  const u1 = nodeOf(service, 'user', 'u1')
  assert.deepEqual(labelsOfMask(service.graph.labels.masks[u1]!), ['charge_off', 'credit_risk', 'fake_traffic'])
  assert.equal(service.graph.labels.isRisky(u1), false)
  const strict = new GraphService({ riskLabels: ['fraud', 'charge_off'] })
  world(strict)
  strict.add(label(t0 + day, { user: ['u1'] }, 'charge_off', 'e1'))
  assert.equal(strict.graph.labels.isRisky(nodeOf(strict, 'user', 'u1')), true)
  const restored = GraphService.restore(service.snapshot())
  assert.deepEqual(labelsOfMask(restored.graph.labels.masks[u1]!), ['charge_off', 'credit_risk', 'fake_traffic'])
})

test('the labelled kinds and risk labels are checked as graph options', () => {
  assert.deepEqual(graphOptions().labelledKinds, ['user', 'id_number', 'phone', 'device', 'bank_card'])
  assert.throws(
    () => graphOptions({ labelledKinds: ['user', 'router'], riskLabels: ['chargeoff'] }),
    (error: XiezhiError) => JSON.stringify(error.issues.map((i) => i.pointer)) === JSON.stringify(['/riskLabels/0', '/labelledKinds/1']),
  )
})

test('the label event schema: a withdrawal is a label with withdrawn true; anything else there is refused, naming the field', () => {
  const registry = new EventTypeRegistry(() => Date.parse('2026-11-27T12:00:00Z'))
  const body = (data: Record<string, unknown>) => ({ id: 'l1', type: 'label', occurredAt: '2026-11-27T11:00:00Z', data: { subjectEventId: 'e1', label: 'fraud', source: 'review-desk', ...data } })
  assert.equal(registry.accept('default', body({ withdrawn: true })).data.withdrawn, true)
  assert.equal(registry.accept('default', body({ label: 'charge_off' })).data.label, 'charge_off')
  for (const bad of [{ withdrawn: 'yes' }, { withdrawn: 1 }]) {
    assert.throws(
      () => registry.accept('default', body(bad)),
      (error: XiezhiError) => error.issues.some((i) => i.pointer === '/data/withdrawn'),
    )
  }
})

/** The labels standing after a sequence of label events, by brute force: per subject and kind, the nodes the first label marked, until withdrawn. */
function standingLabels(events: readonly GraphEvent[]): Map<string, { kind: string; atMs: number; names: string[] }> {
  const standing = new Map<string, { kind: string; atMs: number; names: string[] }>()
  for (const e of events) {
    if (e.type !== 'label') continue
    const kind = String(e.data.label)
    const key = `${kind}|${e.data.subjectEventId}`
    if (e.data.withdrawn === true) standing.delete(key)
    else {
      if (!standing.has(key)) {
        const names = Object.entries(e.keys).flatMap(([k, keys]) => (['user', 'device', 'phone'].includes(k) ? keys.map((key) => `${k}:${key}`) : []))
        standing.set(key, { kind, atMs: e.occurredAtMs, names })
      }
      // a clearance withdraws the fraud about its event
      if (kind === 'legitimate') standing.delete(`fraud|${e.data.subjectEventId}`)
    }
  }
  return standing
}

test('masks, risk counts and first risk times equal a brute force over random labels, repeats and withdrawals; a restore in between changes nothing', () => {
  const labelEvent = fc.record({
    gapMs: fc.integer({ min: 0, max: day }),
    subject: fc.integer({ min: 0, max: 6 }),
    kind: fc.constantFrom('fraud', 'intermediary', 'scam_victim', 'charge_off', 'legitimate'),
    withdrawn: fc.boolean(),
  })
  fc.assert(
    fc.property(fc.array(labelEvent, { maxLength: 60 }), fc.nat(), (items, cutAt) => {
      // a subject event always has the same keys, as the engine's labels inherit them
      let at = t0
      const events = items.map((item): GraphEvent => {
        at += item.gapMs
        const keys: GraphEvent['keys'] = { user: [`u${item.subject % 6}`], ip: [`i${item.subject % 3}`] }
        if (item.subject % 2 === 0) keys.device = [`d${item.subject % 4}`]
        if (item.subject % 3 === 0) keys.phone = [`p${item.subject}`]
        return label(at, keys, item.kind, `e${item.subject}`, item.withdrawn)
      })
      const straight = new LinkGraph(undefined, ['user', 'device', 'phone'])
      const cut = events.length === 0 ? 0 : cutAt % (events.length + 1)
      let restarted = new LinkGraph(undefined, ['user', 'device', 'phone'])
      events.forEach((e, i) => {
        if (i === cut) restarted = LinkGraph.fromColumns(restarted.toColumns(true, false), undefined, ['user', 'device', 'phone'])
        straight.add(e)
        restarted.add(e)
      })
      assert.deepEqual(restarted.toColumns(), straight.toColumns())
      const standing = [...standingLabels(events).values()]
      const risk = ['fraud', 'intermediary']
      for (let node = 0; node < straight.nodes.count; node++) {
        const name = `${straight.nodes.kind(node)}:${straight.nodes.key(node)}`
        const on = standing.filter((l) => l.names.includes(name))
        const kinds = labelKinds.filter((k) => on.some((l) => l.kind === k))
        const risky = on.filter((l) => risk.includes(l.kind))
        assert.deepEqual(labelsOfMask(straight.labels.masks[node]!), kinds, name)
        assert.equal(straight.labels.riskLabels[node], risky.length, name)
        assert.equal(straight.labels.firstRiskMs[node], risky.length === 0 ? Number.NaN : Math.min(...risky.map((l) => l.atMs)), name)
      }
    }),
    { numRuns: 300 },
  )
})
