/**
 * The auditor: replays several simulated days of a lender through the real
 * engine and checks invariants after every event. The world is seeded; a
 * failure names the seed, and
 *
 *   XIEZHI_AUDIT_SEED=<seed> node --import tsx --test test/simulation/audit.test.ts
 *
 * replays exactly the same world. Without the variable each run audits a
 * new random world.
 */
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { test } from 'node:test'
import type { Engine } from '../../src/app/open-engine.ts'
import type { Decision } from '../../src/decisions/decision.ts'
import type { DecisionQuery, StoredDecision } from '../../src/decisions/record-store.ts'
import type { EntityKind } from '../../src/events/entities.ts'
import type { FeatureKind } from '../../src/features/feature-definition.ts'
import { type SimulationOptions, simulate } from '../../src/simulation/simulation.ts'
import { type GroundTruth, type SimulatedEvent, scenarioNames } from '../../src/simulation/world.ts'
import { type WorldConfig, defaultWorldConfig } from '../../src/simulation/world-config.ts'
import { FeatureOracle } from '../support/feature-oracle.ts'
import { openTestEngine, tempDataDir } from '../support/temp-engine.ts'

const seed = Number(process.env.XIEZHI_AUDIT_SEED ?? randomInt(0, 2 ** 31 - 1))
const replay = `XIEZHI_AUDIT_SEED=${seed} node --import tsx --test test/simulation/audit.test.ts`

const tenant = 'default'
const dayMs = 86_400_000
const days = 5
const customers = 500
/** Beijing midnight of 2026-01-01, as an instant, so the end of the period is plain arithmetic. */
const start = '2025-12-31T16:00:00.000Z'
const startMs = Date.parse(start)
const endMs = startMs + days * dayMs
/** Share of events after which an earlier, already decided event is sent again. */
const resendShare = 0.03

/**
 * Every scenario is raised far above its real-world rate so that a few
 * hundred customers over a few days see each of them at least once
 * (each expects at least 3 incidents).
 */
const config: WorldConfig = {
  ...defaultWorldConfig,
  credit: { ...defaultWorldConfig.credit, defaultRate: 0.15 },
  fraudRings: { ...defaultWorldConfig.fraudRings, applicationShare: 0.15 },
  intermediaries: { ...defaultWorldConfig.intermediaries, applicationShare: 0.3 },
  accountTakeover: { borrowersPerMonth: 0.3 },
  scamVictims: { ...defaultWorldConfig.scamVictims, borrowersPerMonth: 0.3 },
  debtAvoidanceAgents: { ...defaultWorldConfig.debtAvoidanceAgents, per10kCustomers: 500 },
  fakeTraffic: { ...defaultWorldConfig.fakeTraffic, burstsPerDayPer10kCustomers: 20 },
}

test(`the auditor: ${days} simulated days of ${customers} customers through the engine, checked after every event (XIEZHI_AUDIT_SEED=${seed})`, async (t) => {
  t.diagnostic(`XIEZHI_AUDIT_SEED=${seed}`)
  const data = tempDataDir('xiezhi-audit-')
  // the lender posts each event as it happens: the engine's clock follows the stream
  let nowMs = startMs
  let engine: Engine | undefined
  try {
    await withSeed(async () => {
      engine = await openTestEngine(data.dir, { clock: { nowMs: () => nowMs } })
      const report = await audit(engine, (atMs) => {
        nowMs = atMs
      })
      t.diagnostic(report)
    })
  } finally {
    await engine?.close()
    data.remove()
  }
})

test(`the simulator is a function of its seed (XIEZHI_AUDIT_SEED=${seed})`, async () => {
  await withSeed(async () => {
    const options: SimulationOptions = { seed, days: 2, customers: 80, start, labelEvents: true, config }
    const run = (opts: SimulationOptions) => {
      const truths: GroundTruth[] = []
      const events = [...simulate(opts, (truth) => truths.push(truth))]
      return { events, truths }
    }
    const first = run(options)
    const second = run(options)
    assert.ok(first.events.length > 100, `a small world still has events (${first.events.length})`)
    assert.ok(first.truths.length > 0, 'a small world still has ground truth')
    assert.deepEqual(second.events, first.events, 'the same seed and options give the same events')
    assert.deepEqual(second.truths, first.truths, 'the same seed and options give the same ground truth')
    const other = run({ ...options, seed: seed + 1 })
    // ids name the seed; the events themselves must differ
    assert.notDeepEqual(
      other.events.map((e) => ({ ...e, id: '' })),
      first.events.map((e) => ({ ...e, id: '' })),
      `seed ${seed + 1} gives other events than seed ${seed}`,
    )
  })
})

interface Seen {
  /** The event as the simulator wrote it (what is sent again later). */
  event: SimulatedEvent
  body: string
  decision: Decision
}

/** Runs the whole world through the engine; returns a one-line summary of what was audited. */
async function audit(engine: Engine, setClock: (atMs: number) => void): Promise<string> {
  const seen = new Map<string, Seen>()
  const truths: GroundTruth[] = []
  const truthsFor = new Map<string, GroundTruth[]>()
  const lateTruths: GroundTruth[] = []
  const events = simulate({ seed, days, customers, start, labelEvents: true, config }, (truth) => {
    // the truth of an event comes before the event: one about an event already out is late
    if (seen.has(truth.eventId)) lateTruths.push(truth)
    truths.push(truth)
    const list = truthsFor.get(truth.eventId)
    if (list) list.push(truth)
    else truthsFor.set(truth.eventId, [truth])
  })
  const oracle = new FeatureOracle(engine.features.definitions, (type) => engine.registry.find(tenant, type)?.entities ?? {})
  const kindOf = new Map(engine.features.definitions.map((d) => [d.name, d.kind]))
  const nonZero = new Map<FeatureKind, number>()
  const order: string[] = []
  const decisionIds = new Set<string>()
  const reviews = new Set<string>()
  const labels: SimulatedEvent[] = []
  const pick = seededRandom(seed)
  let previousAtMs = Number.NEGATIVE_INFINITY
  let lastSweepHour = Math.floor(startMs / 3_600_000)
  let resent = 0
  let featureChecks = 0
  let lastReviews: string[] = []
  let lastReviewAuditDay = 0

  for (const event of events) {
    const where = `event #${order.length + 1} ${event.id} (${event.type} at ${event.occurredAt})`
    const atMs = Date.parse(event.occurredAt)

    // the stream: ids are new, time never runs backwards, nothing falls outside the period
    assert.ok(!seen.has(event.id), `${where}: the simulator emitted the id ${event.id} twice`)
    if (atMs < previousAtMs) assert.fail(`${where}: out of time order, after an event at ${new Date(previousAtMs).toISOString()}`)
    assert.ok(atMs >= startMs && atMs < endMs, `${where}: outside the simulated period ${start} + ${days} days`)
    previousAtMs = atMs
    assert.deepEqual(lateTruths, [], `${where}: ground truth arrived after the event it is about`)
    setClock(atMs)
    // the engine drops idle windows on a timer; do it each simulated hour, as a long-running server would
    const hour = Math.floor(atMs / 3_600_000)
    if (hour !== lastSweepHour) {
      engine.features.sweep(atMs)
      lastSweepHour = hour
    }

    // 2. features: the oracle's value, from the raw events decided before this one
    const expected = oracle.valuesFor(event)
    // every feature of the catalogue, read without adding (also those no strategy reads)
    const read = engine.features.read(observedBy(engine, event))
    for (const definition of engine.features.definitions) {
      const name = definition.name
      if (read[name] !== expected[name]) {
        assert.fail(`${where}: feature ${name} reads ${read[name]} in the engine but the oracle computes ${expected[name]}\n${explain(oracle, definition.entity!, event)}`)
      }
      if (expected[name]! > 0) nonZero.set(kindOf.get(name)!, (nonZero.get(kindOf.get(name)!) ?? 0) + 1)
      featureChecks++
    }

    // 1. decided exactly once
    const result = await decide(engine, event, where)
    assert.equal(result.status, 'created', `${where}: a new event must be decided, not replayed`)
    const decision = JSON.parse(result.body) as Decision
    assert.equal(decision.eventId, event.id, `${where}: the decision is for event ${decision.eventId}`)
    assert.equal(decision.eventType, event.type, `${where}: the decision names type ${decision.eventType}`)
    assert.ok(!decisionIds.has(decision.decisionId), `${where}: decision id ${decision.decisionId} was given out before`)
    decisionIds.add(decision.decisionId)
    const stored = await engine.store.getDecision(tenant, decision.decisionId)
    assert.ok(stored, `${where}: decision ${decision.decisionId} was answered but is not in the store`)
    assert.equal(stored.response, result.body, `${where}: the stored reply differs from the one returned`)
    assert.equal(stored.eventId, event.id, `${where}: the stored decision is for event ${stored.eventId}`)
    assert.equal(stored.action, decision.action, `${where}: the stored action differs from the one returned`)

    // 2. the features in the reply: exactly those the strategy reads, each equal to the oracle's value
    const strategy = engine.strategies.for('default', event.type, event.data)?.champion
    const wanted = engine.features.definitions.map((d) => d.name).filter((name) => strategy?.featuresRead.has(name))
    assert.deepEqual(Object.keys(decision.features), wanted, `${where}: the reply lists other features than its strategy reads`)
    for (const name of wanted) {
      if (decision.features[name] !== expected[name]) {
        const definition = engine.features.definitions.find((d) => d.name === name)!
        assert.fail(`${where}: feature ${name} is ${decision.features[name]} in the decision but the oracle computes ${expected[name]}\n${explain(oracle, definition.entity!, event)}`)
      }
    }

    // 3. every review is accounted for: the newest reviews the store lists are the newest ones decided
    // (after every event), and all the reviews it lists are all those decided (each simulated day and at the end)
    if (decision.action === 'review') {
      reviews.add(decision.decisionId)
      lastReviews = [decision.decisionId, lastReviews[0]].filter((id) => id !== undefined)
    }
    const newest = await engine.store.listDecisions({ tenantId: tenant, action: 'review', limit: 2 })
    assert.deepEqual(newest.items.map((d) => d.decisionId), lastReviews, `${where}: the newest reviews in the store are not the newest reviews decided`)
    const day = Math.floor((atMs - startMs) / dayMs)
    if (day !== lastReviewAuditDay) {
      await reviewsAccountedFor(engine, reviews, where)
      lastReviewAuditDay = day
    }

    // 4. labels join to decisions and to the ground truth they come from
    if (event.type === 'label') {
      labels.push(event)
      const subject = String(event.data.subjectEventId)
      assert.ok(seen.has(subject), `${where}: labels event ${subject}, which was not decided before it`)
      const truth = (truthsFor.get(subject) ?? []).find((g) => g.label === event.data.label && g.knownAtMs === atMs)
      assert.ok(truth, `${where}: no ground truth says ${subject} is "${event.data.label}" known at ${event.occurredAt}: ${JSON.stringify(truthsFor.get(subject) ?? [])}`)
      assert.equal(event.data.userId, truth.userId, `${where}: the label names another customer than its ground truth`)
      assert.equal(event.data.daysPastDue, truth.daysPastDue, `${where}: the label gives other days past due than its ground truth`)
    }

    oracle.record(event)
    seen.set(event.id, { event, body: result.body, decision })
    order.push(event.id)

    // 1. an already decided event, sent again (keys in another order), gives the same bytes and no new decision
    if (order.length > 1 && pick() < resendShare) {
      const earlier = seen.get(order[Math.floor(pick() * (order.length - 1))]!)!
      const again = await decide(engine, reversedKeys(earlier.event), `${where}: resending ${earlier.event.id}`)
      assert.equal(again.status, 'replayed', `${where}: resending ${earlier.event.id} was not marked as a replay`)
      assert.equal(again.body, earlier.body, `${where}: resending ${earlier.event.id} returned other bytes`)
      resent++
    }
  }

  // the world was not empty: every scenario left ground truth, every feature kind was seen non-zero
  const byScenario = new Map<string, number>()
  for (const truth of truths) byScenario.set(truth.scenario, (byScenario.get(truth.scenario) ?? 0) + 1)
  const missing = scenarioNames.filter((name) => name !== 'genuine' && !byScenario.has(name))
  assert.deepEqual(missing, [], `scenarios without any ground truth: ${missing.join(', ')} (of ${JSON.stringify(Object.fromEntries(byScenario))})`)
  for (const kind of ['count', 'distinct_count', 'sum', 'max'] as const) {
    assert.ok((nonZero.get(kind) ?? 0) > 0, `no ${kind} feature was ever above zero: the feature check audited nothing`)
  }
  assert.ok(labels.length > 0, 'the stream holds no label events')
  assert.ok(resent > 0, 'no event was sent twice')

  // 4. every truth is about an event of the stream, of its type and time; every truth known within the period came as a label
  for (const truth of truths) {
    const subject = seen.get(truth.eventId)
    assert.ok(subject, `ground truth about ${truth.eventId}, which never appeared in the stream: ${JSON.stringify(truth)}`)
    assert.equal(subject.event.type, truth.eventType, `ground truth about ${truth.eventId} gives another event type`)
    assert.equal(Date.parse(subject.event.occurredAt), truth.occurredAtMs, `ground truth about ${truth.eventId} gives another time`)
    if (truth.knownAtMs !== null && truth.knownAtMs < endMs) {
      const label = labels.find((l) => l.data.subjectEventId === truth.eventId && l.data.label === truth.label)
      assert.ok(label, `ground truth known at ${new Date(truth.knownAtMs).toISOString()}, within the period, never came as a label: ${JSON.stringify(truth)}`)
    }
  }

  // 1. the store holds exactly one decision per event
  await engine.commit.drain()
  const all = await listAll(engine, { tenantId: tenant })
  assert.equal(all.length, order.length, `the store holds ${all.length} decisions for ${order.length} events`)
  assert.deepEqual(all.map((d) => d.eventId).reverse(), order, 'the store does not hold one decision per event, in the order decided')
  assert.deepEqual(new Set(all.map((d) => d.decisionId)), decisionIds, 'the stored decision ids are not the ones returned')

  // 3. the reviews the store lists are exactly the reviews decided
  await reviewsAccountedFor(engine, reviews, 'at the end')
  assert.ok(reviews.size > 0, 'no event was sent to review: the review accounting audited nothing')

  // the oracle does not model the per-key capacity: no window may have reached it
  assert.equal(engine.features.stats().saturated, 0, 'a feature window reached its capacity; the oracle would disagree')

  const actions = new Map<string, number>()
  for (const { decision } of seen.values()) actions.set(decision.action, (actions.get(decision.action) ?? 0) + 1)
  return (
    `audited ${order.length} events (${labels.length} labels, ${resent} resent), ${featureChecks} feature values, ` +
    `${truths.length} truths ${JSON.stringify(Object.fromEntries(byScenario))}, actions ${JSON.stringify(Object.fromEntries(actions))}`
  )
}

async function reviewsAccountedFor(engine: Engine, reviews: Set<string>, where: string) {
  const listed = await listAll(engine, { tenantId: tenant, action: 'review' })
  assert.equal(listed.length, reviews.size, `${where}: the store lists ${listed.length} reviews, ${reviews.size} were decided`)
  assert.deepEqual(new Set(listed.map((d) => d.decisionId)), reviews, `${where}: the reviews the store lists are not the reviews decided`)
  assert.ok(
    listed.every((d) => d.action === 'review'),
    `${where}: the store lists a decision that is not a review among the reviews`,
  )
}

/** Decides one event; a rejection of a simulated event is a finding, reported with the event. */
async function decide(engine: Engine, event: SimulatedEvent, where: string) {
  try {
    return await engine.decisions.decide(tenant, structuredClone(event))
  } catch (error) {
    const issues = (error as { issues?: unknown }).issues
    assert.fail(`${where}: the engine rejected the event: ${(error as Error).message} ${JSON.stringify(issues ?? [])}\n${JSON.stringify(event)}`)
  }
}

/** The event as the feature engine would see it (blind-indexed entities), for a dry-run read of every feature. */
function observedBy(engine: Engine, event: SimulatedEvent) {
  const accepted = engine.registry.accept(tenant, structuredClone(event))
  const keys: Partial<Record<EntityKind, string[]>> = {}
  for (const entity of accepted.entities) {
    const index = engine.vault.blindIndex(entity.kind, entity.value)
    const list = keys[entity.kind]
    if (list) list.push(index)
    else keys[entity.kind] = [index]
  }
  return { type: accepted.type, occurredAtMs: accepted.occurredAtMs, data: accepted.data, keys }
}

/** For a failure message: the entity values the feature is kept by, as the oracle sees them. */
function explain(oracle: FeatureOracle, entity: EntityKind, event: SimulatedEvent): string {
  return `  ${entity} values of the event: ${JSON.stringify(oracle.entitiesOf(event).get(entity) ?? [])}; event: ${JSON.stringify(event)}`
}

async function listAll(engine: Engine, query: Omit<DecisionQuery, 'limit'>): Promise<StoredDecision[]> {
  const items: StoredDecision[] = []
  let cursor: string | undefined
  do {
    const page = await engine.store.listDecisions({ ...query, limit: 1_000, ...(cursor ? { cursor } : {}) })
    items.push(...page.items)
    cursor = page.nextCursor
  } while (cursor)
  return items
}

const reversedKeys = (event: SimulatedEvent): SimulatedEvent =>
  Object.fromEntries(Object.entries(structuredClone(event)).reverse()) as unknown as SimulatedEvent

/** mulberry32: which events are resent depends on the seed only. */
function seededRandom(from: number): () => number {
  let state = from >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let x = Math.imul(state ^ (state >>> 15), 1 | state)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** Any failure inside names the seed that replays it, once, in front of its message. */
async function withSeed(run: () => Promise<void>): Promise<void> {
  try {
    await run()
  } catch (error) {
    if (!(error instanceof Error)) throw new Error(`${replay}\n${String(error)}`)
    const frames = error.stack?.split('\n').filter((line) => line.startsWith('    at ')) ?? []
    error.message = `${replay}\n${error.message}`
    error.stack = [`${error.name}: ${error.message}`, ...frames].join('\n')
    throw error
  }
}
