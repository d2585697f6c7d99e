/**
 * Fuzzes POST /v1/events in process (`app.inject`) with malformed payloads:
 * arbitrary JSON, valid events with one field broken, raw bodies, content
 * types and sizes. Properties:
 *   - never a 5xx;
 *   - every answer other than 200 is application/problem+json whose `errors`
 *     list is non-empty and names pointer, code and message;
 *   - nothing already accepted changes: a set of accepted events is re-posted
 *     between fuzz cases and must replay byte for byte, and at the end
 *     GET /v1/decisions/:id still returns the bytes first returned;
 *   - an accepted event id with another body is always a 409, also when the
 *     bodies race each other for a new id (exactly one body wins);
 *   - the same body with keys in another order or spacing is a replay.
 *
 * The seed is printed; XIEZHI_FUZZ_SEED=<seed> replays a run.
 */
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import fc from 'fast-check'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { buildServer } from '../../src/api/build-server.ts'
import { readConfig } from '../../src/app/config.ts'
import { type Engine, openEngine } from '../../src/app/open-engine.ts'
import type { EventInput } from '../../src/events/event.ts'
import { exampleEvents, makeEvents } from '../support/server-process.ts'

const seed = seedFromEnv('XIEZHI_FUZZ_SEED')
const keptCount = 28
const runs = { arbitraryJson: 1_000, brokenField: 3_000, rawBody: 1_500, conflict: 400, concurrent: 300, reordered: 300 }

interface Kept {
  event: EventInput
  payload: string
  decisionId: string
  body: Buffer
}

interface RawRequest {
  /** `@ID@` stands for a fresh event id, filled in when the case runs. */
  body: string | Uint8Array
  contentType: string | undefined
  contentLength?: number
}

let engine: Engine
let app: FastifyInstance
let dataDir: string
let bodyLimit: number
const kept: Kept[] = []
const statuses = new Map<number, number>()
let fuzzCases = 0
let burstRequests = 0
let freshIds = 0

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'xiezhi-fuzz-'))
  engine = await openEngine(readConfig({ ...process.env, XIEZHI_DATA_DIR: dataDir }, { authDisabled: true }))
  app = (await buildServer(engine)).app
  bodyLimit = engine.config.bodyLimitBytes
  console.log(`fuzz-events: seed ${seed} (replay with XIEZHI_FUZZ_SEED=${seed})`)
  for (const event of makeEvents(keptCount, { prefix: 'kept' })) {
    const payload = JSON.stringify(event)
    const response = await post(payload)
    assert.equal(response.statusCode, 200, response.payload)
    kept.push({ event, payload, decisionId: (response.json() as { decisionId: string }).decisionId, body: response.rawPayload })
  }
})

after(async () => {
  await app?.close()
  await engine?.close()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

test('arbitrary JSON values are answered with problems, never a 5xx', async () => {
  await fuzz(runs.arbitraryJson, 0, fc.jsonValue({ maxDepth: 6 }), (value) => post(JSON.stringify(value)))
})

test('valid events with one field broken are answered without a 5xx', async () => {
  await fuzz(runs.brokenField, 1, brokenEvent(), ({ example, mutation }) => post(serialize(applyMutation(freshEvent(example), mutation))))
})

test('raw bodies, content types and sizes are answered without a 5xx', async () => {
  await fuzz(runs.rawBody, 2, rawRequest(), (request) => {
    const body = typeof request.body === 'string' ? request.body.replaceAll('@ID@', nextId()) : Buffer.from(request.body)
    const headers: Record<string, string> = {}
    if (request.contentType !== undefined) headers['content-type'] = request.contentType
    if (request.contentLength !== undefined) headers['content-length'] = String(request.contentLength)
    return app.inject({ method: 'POST', url: '/v1/events', payload: body, headers })
  })
})

test('an accepted event id with another body is always a 409', async () => {
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: keptCount - 1 }), changedBody(), async (index, change) => {
      const original = kept[index]!
      const response = await post(JSON.stringify(applyChange(original.event, change)))
      count(response)
      assert.equal(response.statusCode, 409, response.payload)
      assertProblem(response)
      const issues = (response.json() as { errors: { pointer: string; code: string }[] }).errors
      assert.ok(issues.some((issue) => issue.pointer === '/id' && issue.code === 'idempotency_conflict'), response.payload)
    }),
    { numRuns: runs.conflict, seed: seed + 3 },
  )
})

test('concurrent posts of one new id: one body wins, every other body gets a 409', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...exampleEvents), fc.array(fc.option(changedBody(), { nil: undefined }), { minLength: 2, maxLength: 8 }), async (example, variants) => {
      const base = freshEvent(example)
      const bodies = variants.map((change) => JSON.stringify(change ? applyChange(base, change) : base))
      // all in flight at once: the later ones arrive while the first is still being committed
      const responses = await Promise.all(bodies.map((body) => post(body)))
      burstRequests += responses.length
      responses.forEach(count)
      assertOneWinner(bodies, responses)
    }),
    { numRuns: runs.concurrent, seed: seed + 5 },
  )
})

test('an accepted event re-sent with its keys in another order or spacing replays', async () => {
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: keptCount - 1 }), fc.infiniteStream(fc.double({ noNaN: true })), fc.boolean(), async (index, noise, pretty) => {
      const original = kept[index]!
      const shuffled = shuffleKeys(original.event, () => noise.next().value as number)
      const response = await post(JSON.stringify(shuffled, null, pretty ? 2 : undefined))
      count(response)
      assertReplay(original, response)
    }),
    { numRuns: runs.reordered, seed: seed + 4 },
  )
})

// runs last: node:test runs a file's top-level tests in order
test('nothing accepted was altered by the fuzzing', async () => {
  for (const original of kept) {
    assertReplay(original, await post(original.payload))
    const stored = await app.inject({ method: 'GET', url: `/v1/decisions/${original.decisionId}` })
    assert.equal(stored.statusCode, 200, stored.payload)
    assert.ok(stored.rawPayload.equals(original.body), `GET /v1/decisions/${original.decisionId} returned other bytes`)
  }
  const histogram = [...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}: ${n}`).join(', ')
  console.log(
    `fuzz-events: ${fuzzCases} malformed-input cases (each followed by a replay of one of ${keptCount} accepted events), ` +
      `${runs.conflict} id conflicts, ${runs.concurrent} concurrent bursts (${burstRequests} requests), ${runs.reordered} reordered replays; ` +
      `statuses ${histogram}; seed ${seed}`,
  )
})

// ---------------------------------------------------------------------------
// Running and checking
// ---------------------------------------------------------------------------

/**
 * Each case sends one fuzz request, checks its answer, then re-posts an
 * accepted event: any damage the case did to stored state shows at once.
 */
async function fuzz<T>(numRuns: number, seedOffset: number, arbitrary: fc.Arbitrary<T>, send: (value: T) => Promise<LightMyRequestResponse>) {
  await fc.assert(
    fc.asyncProperty(arbitrary, fc.nat({ max: keptCount - 1 }), async (value, keptIndex) => {
      fuzzCases++
      const response = await send(value)
      count(response)
      assertWellFormed(response)
      const original = kept[keptIndex]!
      assertReplay(original, await post(original.payload))
    }),
    { numRuns, seed: seed + seedOffset },
  )
}

function post(payload: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: '/v1/events', payload, headers: { 'content-type': 'application/json' } })
}

function count(response: LightMyRequestResponse) {
  statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1)
}

function assertWellFormed(response: LightMyRequestResponse) {
  assert.ok(response.statusCode < 500, `answered ${response.statusCode}: ${response.payload.slice(0, 500)}`)
  if (response.statusCode !== 200) return assertProblem(response)
  assert.match(String(response.headers['content-type']), /^application\/json\b/)
  assert.equal(typeof (response.json() as { decisionId?: unknown }).decisionId, 'string')
}

function assertProblem(response: LightMyRequestResponse) {
  const context = `${response.statusCode} ${response.payload.slice(0, 500)}`
  assert.match(String(response.headers['content-type']), /^application\/problem\+json\b/, context)
  const problem = JSON.parse(response.payload) as Record<string, unknown>
  assert.equal(problem.status, response.statusCode, context)
  for (const key of ['type', 'title', 'detail']) assert.equal(typeof problem[key], 'string', context)
  assert.ok(Array.isArray(problem.errors) && problem.errors.length > 0, `no errors listed: ${context}`)
  for (const issue of problem.errors as Record<string, unknown>[]) {
    assert.ok(typeof issue.pointer === 'string' && (issue.pointer === '' || issue.pointer.startsWith('/')), `pointer: ${context}`)
    assert.ok(typeof issue.code === 'string' && issue.code.length > 0, `code: ${context}`)
    assert.ok(typeof issue.message === 'string' && issue.message.length > 0, `message: ${context}`)
  }
}

function assertReplay(original: Kept, response: LightMyRequestResponse) {
  assert.equal(response.statusCode, 200, `re-post of ${original.event.id}: ${response.payload.slice(0, 500)}`)
  assert.equal(response.headers['idempotent-replay'], 'true', `re-post of ${original.event.id} was not a replay`)
  assert.ok(response.rawPayload.equals(original.body), `re-post of ${original.event.id} returned other bytes`)
}

/** Bodies that are the same JSON (whatever the key order) are one body to the server; exactly one body wins the id. */
function assertOneWinner(bodies: string[], responses: LightMyRequestResponse[]) {
  const keys = bodies.map((body) => canonical(JSON.parse(body)))
  const winners = new Set(keys.filter((_, i) => responses[i]!.statusCode === 200))
  assert.equal(winners.size, 1, `bodies answered 200: ${winners.size}; statuses ${responses.map((r) => r.statusCode)}`)
  const created = responses.filter((r) => r.statusCode === 200 && r.headers['idempotent-replay'] === undefined)
  assert.equal(created.length, 1, 'exactly one answer creates the decision; the others replay it')
  responses.forEach((response, i) => {
    if (winners.has(keys[i]!)) {
      assert.equal(response.statusCode, 200, response.payload)
      assert.ok(response.rawPayload.equals(created[0]!.rawPayload), 'every answer for the winning body has the same bytes')
    } else {
      assert.equal(response.statusCode, 409, response.payload)
      assertProblem(response)
    }
  })
}

const canonical = (value: unknown): string => JSON.stringify(sortKeys(value))
const sortKeys = (value: unknown): unknown =>
  Array.isArray(value) ? value.map(sortKeys) : isPlainObject(value) ? Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortKeys(value[key])])) : value

const nextId = () => `fuzz-${freshIds++}`

/** Ids are taken when a case runs, not when it is generated, so shrinking never replays an earlier case's id. */
function freshEvent(example: EventInput): EventInput {
  return { ...structuredClone(example), id: nextId(), occurredAt: new Date().toISOString() }
}

// ---------------------------------------------------------------------------
// Broken events: one field removed, retyped, added, or given an extreme value
// ---------------------------------------------------------------------------

type Path = (string | number)[]
type Mutation =
  | { op: 'remove'; path: Path }
  | { op: 'set'; path: Path; value: unknown }
  | { op: 'add'; path: Path; key: string; value: unknown }

/** Stands for JSON nested `depth` levels deep; written out as text, since JSON.stringify overflows the stack on it. */
class Deep {
  constructor(
    readonly depth: number,
    readonly arrays: boolean,
  ) {}
}

function brokenEvent() {
  return fc.constantFrom(...exampleEvents).chain((example) => {
    const paths = pathsOf(example)
    const containers = [[], ...paths.filter((path) => isPlainObject(valueAt(example, path)))]
    const mutation: fc.Arbitrary<Mutation> = fc.oneof(
      fc.constantFrom(...paths).map((path): Mutation => ({ op: 'remove', path })),
      fc.record({ op: fc.constant('set' as const), path: fc.constantFrom(...paths), value: badValue() }),
      fc.record({ op: fc.constant('add' as const), path: fc.constantFrom(...containers), key: unknownKey(), value: badValue() }),
    )
    return fc.record({ example: fc.constant(example), mutation })
  })
}

function badValue(): fc.Arbitrary<unknown> {
  return fc.oneof(
    // a value of the wrong type
    fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.string(), fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }), fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 })),
    // numbers at the edges: money is an integer, never a float, and bounded
    fc.constantFrom(1e308, -1e308, -0, 1.5, 0.1, -1, 2 ** 53, 2 ** 53 + 2, 5e-324, 1_000_000_000_001, 1e21, -2_147_483_649),
    // strings: huge, weird unicode, lone surrogates
    fc.tuple(fc.integer({ min: 129, max: 70_000 }), fc.constantFrom('x', '9', 'é', '𝄞', '\u0000', '"')).map(([n, unit]) => unit.repeat(n)),
    fc.constantFrom('\u202e\u202dRTL', 'zero\u200bwidth', '\ufeffbom', 'e\u0301', 'nul\u0000byte', '🀄️👨‍👩‍👧', '\ud800', '\udfff', '\uffff', '', ' ', '\n'),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => `a${String.fromCharCode(unit)}b`),
    // timestamps: in the future, far away, not quite RFC 3339, impossible dates
    fc.integer({ min: -10 * 365 * 86_400_000, max: 10 * 365 * 86_400_000 }).map((ms) => new Date(Date.now() + ms).toISOString()),
    fc.integer({ min: 4 * 60_000, max: 6 * 60_000 }).map((ms) => new Date(Date.now() + ms).toISOString()),
    fc.constantFrom('2026-02-30T00:00:00Z', '2026-11-27T24:00:00Z', '2026-11-27', '2026-11-27T08:05:00', '2026-11-27 08:05:00Z', '2026-11-27T08:05:00+25:00', '+275760-09-13T00:00:00.000Z', '-000001-01-01T00:00:00Z', 'now'),
    // deep nesting
    fc.tuple(fc.integer({ min: 100, max: 40_000 }), fc.boolean()).map(([depth, arrays]) => new Deep(depth, arrays)),
  )
}

function unknownKey(): fc.Arbitrary<string> {
  return fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', '', '~', '/', '~1', 'ID', ' id', 'data\u0000'))
}

/** Every path into the event, the envelope's and data's fields and their nested ones, but not the root. */
function pathsOf(value: unknown, prefix: Path = []): Path[] {
  const children: [string | number, unknown][] = Array.isArray(value) ? value.map((item, i) => [i, item]) : isPlainObject(value) ? Object.entries(value) : []
  return children.flatMap(([key, child]) => [[...prefix, key], ...pathsOf(child, [...prefix, key])])
}

function valueAt(root: unknown, path: Path): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string | number, unknown> | undefined)?.[key], root)
}

function applyMutation(event: EventInput, mutation: Mutation): unknown {
  const parent = valueAt(event, mutation.path.slice(0, -1)) as Record<string | number, unknown>
  const last = mutation.path[mutation.path.length - 1]!
  switch (mutation.op) {
    case 'remove':
      if (Array.isArray(parent)) parent.splice(Number(last), 1)
      else delete parent[last]
      break
    case 'set':
      parent[last] = mutation.value
      break
    case 'add':
      // defineProperty, so that "__proto__" becomes a field as it would in parsed JSON, not the prototype
      Object.defineProperty(valueAt(event, mutation.path), mutation.key, { value: mutation.value, enumerable: true, writable: true, configurable: true })
      break
  }
  return event
}

function serialize(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) => (v instanceof Deep ? `@@deep:${v.depth}:${v.arrays}@@` : v))
  return text.replace(/"@@deep:(\d+):(true|false)@@"/g, (_match, depth: string, arrays: string) => nested(Number(depth), arrays === 'true'))
}

function nested(depth: number, arrays: boolean): string {
  const [open, close] = arrays ? ['[', ']'] : ['{"a":', '}']
  return `${open.repeat(depth)}1${close.repeat(depth)}`
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value)

// ---------------------------------------------------------------------------
// Raw bodies: not JSON, cut short, odd number literals, other content types, sizes
// ---------------------------------------------------------------------------

function rawRequest(): fc.Arbitrary<RawRequest> {
  const jsonType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json;charset=UTF-8')
  const validText = fc.constantFrom(...exampleEvents).map((example) => JSON.stringify({ ...example, id: '@ID@', occurredAt: new Date().toISOString() }))
  return fc.oneof(
    fc.record({ body: fc.string({ unit: 'binary', maxLength: 300 }), contentType: jsonType }),
    fc.record({ body: fc.uint8Array({ maxLength: 300 }), contentType: jsonType }),
    fc.record({ body: fc.tuple(validText, fc.nat()).map(([text, cut]) => text.slice(0, cut % text.length)), contentType: jsonType }),
    fc.record({ body: fc.tuple(validText, fc.constantFrom('\ufeff', ' ', '[', '{}', 'x', '\u0000')).chain(([text, extra]) => fc.constantFrom(extra + text, text + extra, text + text)), contentType: jsonType }),
    fc.record({ body: oddNumberLiteral(), contentType: jsonType }),
    fc.record({ body: validText, contentType: otherContentType() }),
    fc.record({ body: fc.tuple(validText, fc.integer({ min: bodyLimit - 64, max: bodyLimit * 2 }), fc.boolean()).map(([text, size, asField]) => padTo(text, size, asField)), contentType: jsonType }),
    fc.record({ body: validText, contentType: jsonType, contentLength: fc.integer({ min: 0, max: 2_000 }) }),
  )
}

/** A valid credit application whose amount is a number literal JSON.stringify would never write. */
function oddNumberLiteral(): fc.Arbitrary<string> {
  const example = exampleEvents.find((e) => e.type === 'credit.application')!
  const text = JSON.stringify({ ...example, id: '@ID@', occurredAt: new Date().toISOString(), data: { ...example.data, amountMinor: '@N@' } })
  const literals = ['1e999', '-1e999', '-0', '1.0', '1.5', '1E2', '0x10', 'NaN', 'Infinity', '01', '1.', '.5', '+1', '1e308', '-0.0', '9007199254740993', '1_000', '2000000.0000000001']
  return fc.constantFrom(...literals).map((literal) => text.replace('"@N@"', literal))
}

function otherContentType(): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    fc.constantFrom(
      undefined, '', 'text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=xyz',
      'application/xml', 'application/problem+json', 'application/json-patch+json', 'application/jsonl', 'application/*', '*/*', 'json',
      'application/json; charset=utf-16', 'application/json; charset=latin1', 'application/json;', 'application/json; charset', ';', 'application/octet-stream',
    ),
    fc.stringMatching(/^[!-~][ -~]{0,40}$/),
  )
}

/** Pads a valid body to `size` bytes, with whitespace (still valid JSON) or an unknown field. */
function padTo(text: string, size: number, asField: boolean): string {
  const room = Math.max(0, size - Buffer.byteLength(text))
  return asField ? `${text.slice(0, -1)},"padding":"${'p'.repeat(room)}"}` : text + ' '.repeat(room)
}

// ---------------------------------------------------------------------------
// Same id, another (valid) body; same body, another key order
// ---------------------------------------------------------------------------

/** A change that keeps an event valid but makes it another body; data rather than a function, so a failure report shows it. */
type Change = { field: 'userId'; suffix: string } | { field: 'occurredAt'; earlierMs: number } | { field: 'type'; to: string }

function changedBody(): fc.Arbitrary<Change> {
  return fc.oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 64 }).map((suffix): Change => ({ field: 'userId', suffix })),
    fc.integer({ min: 1, max: 86_400_000 }).map((earlierMs): Change => ({ field: 'occurredAt', earlierMs })),
    fc.constantFrom(...exampleEvents.map((e) => e.type)).map((to): Change => ({ field: 'type', to })),
  )
}

function applyChange(event: EventInput, change: Change): EventInput {
  switch (change.field) {
    case 'userId':
      return { ...event, data: { ...event.data, userId: `${String(event.data.userId)}-${change.suffix}` } }
    case 'occurredAt':
      return { ...event, occurredAt: new Date(Date.parse(event.occurredAt) - change.earlierMs).toISOString() }
    case 'type': {
      // another type needs that type's data; to the same type, change the user instead
      const other = exampleEvents.find((e) => e.type === change.to && e.type !== event.type)
      return other ? { ...event, type: other.type, data: other.data } : applyChange(event, { field: 'userId', suffix: 'x' })
    }
  }
}

function shuffleKeys(value: unknown, random: () => number): unknown {
  if (Array.isArray(value)) return value.map((item) => shuffleKeys(item, random))
  if (!isPlainObject(value)) return value
  const entries = Object.entries(value).map(([key, child]) => [key, shuffleKeys(child, random), random()] as const)
  return Object.fromEntries(entries.sort((a, b) => a[2] - b[2]).map(([key, child]) => [key, child]))
}

function seedFromEnv(name: string): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return randomInt(1, 2 ** 31)
  const value = Number(raw)
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, not "${raw}"`)
  return value
}
