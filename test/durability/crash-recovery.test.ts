/**
 * Crash test: a decision the client saw (a 200 with its body) must survive the
 * server being SIGKILLed at any moment, exactly once and byte for byte.
 *
 * Each trial drives the real server with concurrent POST /v1/events, kills it
 * at a random moment, restarts it on the same data directory (so state
 * accumulates and every restart rebuilds features from a longer log), and checks:
 *   - in the SQLite file: every acknowledged event has exactly its decision, no
 *     event has two, and the hash chain is unbroken;
 *   - over HTTP: GET /v1/decisions/:id and a re-post of each acknowledged event
 *     return the acknowledged bytes (the re-post marked `idempotent-replay`);
 *   - events in flight at the kill (sent, never answered), when retried, get
 *     exactly one decision: the committed one if it was committed, else a new one.
 *
 * A SIGKILL leaves the OS page cache intact, so this proves "acknowledged only
 * after commit", not that fsync reaches the disk (that needs a power cut).
 *
 * XIEZHI_CRASH_TRIALS (default 20) sets the number of trials; XIEZHI_CRASH_SEED
 * replays a printed seed (it fixes the kill moments and replay picks; the exact
 * interleaving of requests still depends on timing).
 */
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import Database from 'better-sqlite3'
import { chainHash } from '../../src/decisions/decision-service.ts'
import { makeEvent, type ServerProcess, startServer } from '../support/server-process.ts'

const trials = positiveIntFromEnv('XIEZHI_CRASH_TRIALS', 20)
const seed = positiveIntFromEnv('XIEZHI_CRASH_SEED', randomInt(1, 2 ** 31))
const inFlight = 32
/** The kill lands this long after the load starts: early enough to hit the first commits, late enough for hundreds. */
const killAfterMs = { min: 10, max: 600 }
/** Share of requests that re-post an event acknowledged in an earlier trial, so replays run under load and across crashes. */
const replayShare = 0.1
const genesisHash = '0'.repeat(64)
const tenantId = 'default'

interface Ack {
  eventId: string
  decisionId: string
  request: string
  response: Buffer
}

interface PostResult {
  status: number
  replayed: boolean
  body: Buffer
}

interface LoadResult {
  acks: Ack[]
  /** New events sent whose answer never arrived: committed or not, nobody knows yet. */
  inDoubt: Map<string, string>
  problems: string[]
  replays: number
}

interface StoredRow {
  decisionId: string
  response: string
}

interface DatabaseReport {
  rows: number
  byEvent: Map<string, StoredRow>
  duplicates: string[]
  chainBreaks: string[]
}

test(`acknowledged decisions survive SIGKILL (${trials} trials, seed ${seed})`, { timeout: 60_000 + trials * 15_000 }, async () => {
  // printed first, so that a hang or a timeout still shows how to replay the run
  console.log(`crash-recovery: seed ${seed}, ${trials} trials (replay with XIEZHI_CRASH_SEED=${seed})`)
  const started = performance.now()
  const dataDir = mkdtempSync(join(tmpdir(), 'xiezhi-crash-'))
  const databaseFile = join(dataDir, 'xiezhi.sqlite')
  const random = mulberry32(seed)
  const acked = new Map<string, Ack>()
  const totals = { underLoad: 0, inDoubt: 0, inDoubtCommitted: 0, replays: 0, loadMs: 0, restartMs: 0 }
  let server = await startServer({ dataDir })
  let passed = false
  try {
    for (let trial = 1; trial <= trials; trial++) {
      const context = `trial ${trial}, seed ${seed}, data dir ${dataDir}`
      const loadStart = performance.now()
      const load = await loadUntilKilled(server, trial, random, [...acked.values()])
      totals.loadMs += performance.now() - loadStart
      assert.deepEqual(load.problems, [], `${context}: unexpected answers under load`)
      for (const ack of load.acks) acked.set(ack.eventId, ack)

      // inspect the file as the crash left it, while the server restarts on it
      const restartStart = performance.now()
      const restarting = startServer({ dataDir })
      let report: DatabaseReport
      try {
        report = inspectDatabase(databaseFile)
      } finally {
        server = await restarting
      }
      totals.restartMs += performance.now() - restartStart
      assert.deepEqual(report.duplicates, [], `${context}: events with more than one decision`)
      assert.deepEqual(report.chainBreaks, [], `${context}: hash chain broken`)
      assert.deepEqual(missingFromFile(acked, report), [], `${context}: acknowledged decisions lost or altered in the file`)
      assert.deepEqual(await checkOverHttp(server, load.acks), [], `${context}: acknowledged decisions not served back`)

      const retried = await retryInDoubt(server, load.inDoubt, report)
      assert.deepEqual(retried.problems, [], `${context}: retries of in-flight events`)
      for (const ack of retried.acks) acked.set(ack.eventId, ack)
      totals.underLoad += load.acks.length
      totals.inDoubt += load.inDoubt.size
      totals.inDoubtCommitted += retried.committedBefore
      totals.replays += load.replays
    }
    const final = inspectDatabase(databaseFile)
    const lost = missingFromFile(acked, final)
    const seconds = (ms: number) => (ms / 1000).toFixed(1)
    console.log(
      `crash-recovery: trials ${trials}, acknowledged ${acked.size} (${totals.underLoad} under load, the rest retries), ` +
        `lost ${lost.length}, duplicates ${final.duplicates.length}, chain breaks ${final.chainBreaks.length}; ` +
        `in flight at the kill ${totals.inDoubt} (committed before it ${totals.inDoubtCommitted}), replays under load ${totals.replays}; ` +
        `${seconds(performance.now() - started)} s (load ${seconds(totals.loadMs)} s, restarts ${seconds(totals.restartMs)} s); seed ${seed}`,
    )
    assert.deepEqual(lost, [], `seed ${seed}: acknowledged decisions lost`)
    assert.deepEqual(final.duplicates, [], `seed ${seed}: duplicates`)
    assert.deepEqual(final.chainBreaks, [], `seed ${seed}: hash chain`)
    passed = true
  } finally {
    await server.stop('SIGTERM')
    // a failed run keeps its data directory for a post-mortem (its path is in the assertion messages)
    if (passed) rmSync(dataDir, { recursive: true, force: true })
  }
})

/** Keeps `inFlight` requests going until the server dies; the kill lands at a random moment. */
async function loadUntilKilled(server: ServerProcess, trial: number, random: () => number, earlier: Ack[]): Promise<LoadResult> {
  const result: LoadResult = { acks: [], inDoubt: new Map(), problems: [], replays: 0 }
  const delay = killAfterMs.min + Math.floor(random() * (killAfterMs.max - killAfterMs.min))
  const pickReplay = mulberry32(Math.floor(random() * 2 ** 31))
  let killed = false
  let dead = false
  let next = 0
  const newEvent = () => {
    const event = makeEvent(next++, { prefix: `crash-${trial}` })
    return { eventId: event.id, request: JSON.stringify(event) }
  }
  const worker = async () => {
    while (!dead) {
      const replay = earlier.length > 0 && pickReplay() < replayShare ? earlier[Math.floor(pickReplay() * earlier.length)] : undefined
      const { eventId, request } = replay ?? newEvent()
      if (!replay) result.inDoubt.set(eventId, request)
      let answer: PostResult
      try {
        answer = await postEvent(server.url, request)
      } catch (error) {
        if (!killed) result.problems.push(`${eventId}: request failed before the kill: ${String(error)}`)
        dead = true
        return
      }
      if (replay) {
        result.replays++
        result.problems.push(...replayProblems(replay, answer))
      } else {
        result.inDoubt.delete(eventId)
        const ack = toAck(eventId, request, answer)
        if (typeof ack === 'string') result.problems.push(ack)
        else result.acks.push(ack)
      }
    }
  }
  const workers = Array.from({ length: inFlight }, worker)
  await new Promise((resolve) => setTimeout(resolve, delay))
  killed = true
  const exit = await server.stop('SIGKILL')
  if (exit.signal !== 'SIGKILL') result.problems.push(`the server had already exited (${JSON.stringify(exit)}):\n${server.output()}`)
  await Promise.all(workers)
  return result
}

async function postEvent(url: string, body: string): Promise<PostResult> {
  const response = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(15_000),
  })
  // only a complete body counts as an acknowledgement; a cut-off one rejects here
  const bytes = Buffer.from(await response.arrayBuffer())
  return { status: response.status, replayed: response.headers.get('idempotent-replay') === 'true', body: bytes }
}

function toAck(eventId: string, request: string, answer: PostResult): Ack | string {
  if (answer.status !== 200 || answer.replayed) {
    return `${eventId}: a new event was answered ${answer.status}${answer.replayed ? ' (as a replay)' : ''}: ${answer.body.toString().slice(0, 300)}`
  }
  const decision = JSON.parse(answer.body.toString('utf8')) as { decisionId?: unknown; eventId?: unknown }
  if (typeof decision.decisionId !== 'string' || decision.eventId !== eventId) return `${eventId}: not its decision: ${answer.body.toString().slice(0, 300)}`
  return { eventId, decisionId: decision.decisionId, request, response: answer.body }
}

function replayProblems(ack: Ack, answer: PostResult): string[] {
  if (answer.status === 200 && answer.replayed && answer.body.equals(ack.response)) return []
  return [`${ack.eventId}: re-post answered ${answer.status}, replay=${answer.replayed}, same bytes=${answer.body.equals(ack.response)}`]
}

/** Reads the decision log read-only, as written: per-event rows, duplicates and the hash chain. */
function inspectDatabase(file: string): DatabaseReport {
  const db = new Database(file, { readonly: true, fileMustExist: true })
  try {
    const report: DatabaseReport = { rows: 0, byEvent: new Map(), duplicates: [], chainBreaks: [] }
    let previous = genesisHash
    const rows = db
      .prepare('select seq, tenant_id, event_id, decision_id, response, body_hash, previous_hash, hash from decisions order by seq')
      .iterate() as IterableIterator<{ seq: number; tenant_id: string; event_id: string; decision_id: string; response: string; body_hash: string; previous_hash: string; hash: string }>
    for (const row of rows) {
      report.rows++
      if (row.previous_hash !== previous) report.chainBreaks.push(`seq ${row.seq}: previous_hash does not match the row before`)
      if (row.hash !== chainHash(row.previous_hash, row.response, row.body_hash)) report.chainBreaks.push(`seq ${row.seq}: hash does not cover its row`)
      previous = row.hash
      if (row.tenant_id !== tenantId) continue
      if (report.byEvent.has(row.event_id)) report.duplicates.push(`${row.event_id} (seq ${row.seq})`)
      report.byEvent.set(row.event_id, { decisionId: row.decision_id, response: row.response })
    }
    return report
  } finally {
    db.close()
  }
}

function missingFromFile(acked: Map<string, Ack>, report: DatabaseReport): string[] {
  const missing: string[] = []
  for (const ack of acked.values()) {
    const row = report.byEvent.get(ack.eventId)
    if (!row) missing.push(`${ack.eventId}: no decision stored`)
    else if (row.decisionId !== ack.decisionId || !Buffer.from(row.response, 'utf8').equals(ack.response)) {
      missing.push(`${ack.eventId}: stored decision ${row.decisionId} differs from acknowledged ${ack.decisionId}`)
    }
  }
  return missing
}

/** GET and re-post every acknowledgement of the trial; both must return its exact bytes. */
async function checkOverHttp(server: ServerProcess, acks: Ack[]): Promise<string[]> {
  return (
    await inPool(acks, async (ack) => {
      const stored = await fetch(`${server.url}/v1/decisions/${ack.decisionId}`, { signal: AbortSignal.timeout(15_000) })
      const storedBody = Buffer.from(await stored.arrayBuffer())
      const problems = replayProblems(ack, await postEvent(server.url, ack.request))
      if (stored.status !== 200 || !storedBody.equals(ack.response)) problems.push(`${ack.eventId}: GET decision answered ${stored.status}, same bytes=${storedBody.equals(ack.response)}`)
      return problems
    })
  ).flat()
}

/**
 * What a client does after a timeout: send the event again. It must get the
 * decision committed before the crash if there was one, else a new one.
 */
async function retryInDoubt(server: ServerProcess, inDoubt: Map<string, string>, report: DatabaseReport) {
  const outcome = { acks: [] as Ack[], problems: [] as string[], committedBefore: 0 }
  await inPool([...inDoubt], async ([eventId, request]) => {
    const answer = await postEvent(server.url, request)
    const committed = report.byEvent.get(eventId)
    if (committed) {
      outcome.committedBefore++
      if (!(answer.status === 200 && answer.replayed && answer.body.equals(Buffer.from(committed.response, 'utf8')))) {
        outcome.problems.push(`${eventId}: committed before the crash, but its retry answered ${answer.status}, replay=${answer.replayed}`)
      }
      return
    }
    const ack = toAck(eventId, request, answer)
    if (typeof ack === 'string') outcome.problems.push(ack)
    else outcome.acks.push(ack)
  })
  return outcome
}

/** Runs `check` over the items with `inFlight` requests at a time (a pool, so one slow answer does not stall a batch). */
async function inPool<T, R>(items: T[], check: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await check(items[index] as T)
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker))
  return results
}

/** A small seeded PRNG (mulberry32): the same seed gives the same kill moments. */
function mulberry32(seedValue: number): () => number {
  let state = seedValue >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let x = state
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296
  }
}

function positiveIntFromEnv(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, not "${raw}"`)
  return value
}
