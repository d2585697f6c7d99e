/**
 * The review desk under a backlog: `npm run bench -- review-desk` (table) or
 * `npm run -s bench -- review-desk --json` (one JSON line on stdout).
 *
 * 1. A backlog: 100,000 open cases (`--cases`) written through
 *    `store.cases.open`, as the desk opens them: four queues, risk mostly
 *    low, amounts from 500 to 500,000 yuan, opened over the last three days
 *    (so many are past their SLA), 2 % waiting for a reviewer's call-back.
 *    Written once on tmpfs where there is one (fsync there is free) and kept
 *    under $TMPDIR, named after the options (`--rebuild` writes it again);
 *    each run works on a copy on the ordinary disk, where commits fsync.
 * 2. The server (`xiezhi serve`, authentication on) in its own process on
 *    that copy; the load comes from this process over HTTP, with workbench
 *    sessions.
 * 3. The queue view: `--list-requests` requests each, one at a time, of the
 *    first page of open cases, a queue and risk filter, the past-SLA filter,
 *    the 20th page (by cursor), and the summary counts.
 * 4. Claiming: `--reviewers` reviewers (20) claim at once, each
 *    `--claims` times (50) as fast as the answers come: the latency of each
 *    claim, p50 / p99 / max, the server's CPU time per claim, and whether
 *    any case went to two reviewers.
 *
 * The machine may be shared: the run says how many cores the server, this
 * process and everything else used meanwhile.
 */
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { readConfig } from '../src/app/config.ts'
import { defaultTenant, openEngine } from '../src/app/open-engine.ts'
import { casePriority, slaMinutes } from '../src/cases/case-priority.ts'
import type { ReviewCase } from '../src/cases/review-case.ts'
import { startServer } from '../test/support/server-process.ts'
import { CpuMeter } from './cpu-usage.ts'
import { percentiles, round } from './stats.ts'

const { values: flags } = parseArgs({
  options: {
    cases: { type: 'string', default: '100000' },
    reviewers: { type: 'string', default: '20' },
    claims: { type: 'string', default: '50' },
    'list-requests': { type: 'string', default: '200' },
    rebuild: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
  strict: true,
})

const caseCount = Number(flags.cases)
const reviewerCount = Number(flags.reviewers)
const claimsEach = Number(flags.claims)
const listRequests = Number(flags['list-requests'])
const password = 'bench password 0123'
const log = (line: string) => process.stderr.write(`${line}\n`)
const queues = ['credit.application', 'loan.drawdown', 'login', 'account.registered'] as const
const reviewers = Array.from({ length: reviewerCount }, (_, i) => `r${String(i).padStart(2, '0')}`)

/** A seeded pseudo-random stream (mulberry32): the same backlog on every run. */
function random(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** The backlog's data directory, written once and reused. */
async function backlog(): Promise<string> {
  const dir = join(tmpdir(), `xiezhi-bench-review-desk-${caseCount}-${reviewerCount}`)
  if (existsSync(join(dir, 'ready')) && !flags.rebuild) return dir
  rmSync(dir, { recursive: true, force: true })
  const fast = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/xiezhi-bench-') : mkdtempSync(join(tmpdir(), 'xiezhi-bench-'))
  const started = performance.now()
  const engine = await openEngine(readConfig({ XIEZHI_DATA_DIR: fast, LOG_LEVEL: 'silent' }))
  for (const username of reviewers) await engine.users.add({ username, password, roles: ['reviewer'] })
  await engine.users.add({ username: 'lead', password, roles: ['admin'] })
  const next = random(7)
  const nowMs = Date.now()
  const open = (i: number) => {
    const queue = queues[Math.floor(next() * queues.length)]!
    const score = next() < 0.1 ? 0.6 + next() * 0.4 : next() < 0.33 ? 0.3 + next() * 0.3 : next() * 0.3
    const amountMinor = Math.round(50_000 + next() ** 3 * 50_000_000)
    const { risk, priority } = casePriority({ score }, amountMinor)
    const createdAtMs = nowMs - Math.floor(next() * 3 * 86_400_000)
    const waiting = next() < 0.02
    const id = `bench-case-${String(i).padStart(7, '0')}`
    const reviewCase: ReviewCase = {
      id,
      tenantId: defaultTenant,
      kind: 'decision',
      ring: null,
      decisionId: `bench-decision-${i}`,
      eventId: `bench-event-${i}`,
      eventType: queue,
      queue,
      risk,
      priority,
      status: 'open',
      assignee: waiting ? `user:${reviewers[i % reviewers.length]}` : null,
      createdAtMs,
      dueAtMs: createdAtMs + slaMinutes[risk] * 60_000,
      // call-backs: most later today or tomorrow, some already due
      callbackAtMs: waiting ? nowMs + Math.floor((next() - 0.2) * 86_400_000) : null,
      claimedAtMs: null,
      closedAtMs: null,
      disposition: null,
      resolution: null,
      amountMinor,
      entityKeys: {},
    }
    return engine.store.cases.open(reviewCase, { id: `${id}:opened`, caseId: id, kind: 'opened', actor: 'system', atMs: createdAtMs, data: { risk, priority } })
  }
  // many opens in flight: each is its own transaction, the store runs them one after another
  for (let i = 0; i < caseCount; i += 200) {
    await Promise.all(Array.from({ length: Math.min(200, caseCount - i) }, (_, k) => open(i + k)))
    if (i % 20_000 === 0 && i > 0) log(`  ${i} cases written`)
  }
  await engine.close()
  cpSync(fast, dir, { recursive: true })
  rmSync(fast, { recursive: true, force: true })
  rmSync(join(dir, 'engine.lock'), { force: true })
  // written last: a half-written backlog is never reused
  writeFileSync(join(dir, 'ready'), `${caseCount} open cases\n`)
  log(`backlog of ${caseCount} open cases written in ${round((performance.now() - started) / 1000, 1)} s`)
  return dir
}

async function signIn(url: string, username: string): Promise<string> {
  const reply = await fetch(`${url}/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) })
  if (reply.status !== 200) throw new Error(`sign-in of ${username} failed: ${reply.status} ${await reply.text()}`)
  const cookie = reply.headers.getSetCookie().find((c) => c.startsWith('xiezhi_session='))
  if (!cookie) throw new Error('no session cookie')
  return cookie.split(';')[0]!
}

interface Timing {
  p50: number
  p99: number
  max: number
  n: number
}

const timing = (samples: number[]): Timing => {
  const [p50, p99, max] = percentiles(samples, [50, 99, 100])
  return { p50: round(p50!, 2), p99: round(p99!, 2), max: round(max!, 2), n: samples.length }
}

async function timed(url: string, cookie: string, path: string, method = 'GET'): Promise<{ ms: number; status: number; body: string }> {
  const started = performance.now()
  const reply = await fetch(`${url}${path}`, { method, headers: { cookie } })
  const body = await reply.text()
  return { ms: performance.now() - started, status: reply.status, body }
}

const source = await backlog()
const work = mkdtempSync(join(tmpdir(), 'xiezhi-bench-desk-run-'))
cpSync(source, work, { recursive: true })
rmSync(join(work, 'ready'))
const server = await startServer({ dataDir: work, env: { XIEZHI_AUTH: 'on', LOG_LEVEL: 'warn' }, readyTimeoutMs: 120_000 })
try {
  const lead = await signIn(server.url, 'lead')
  const sessions = await Promise.all(reviewers.map((r) => signIn(server.url, r)))

  // the queue view, one request at a time
  const pageTwenty = async () => {
    let cursor: string | undefined
    for (let page = 1; page < 20; page++) {
      const reply = JSON.parse((await timed(server.url, lead, `/v1/cases?status=open&limit=50${cursor ? `&cursor=${cursor}` : ''}`)).body) as { nextCursor?: string }
      cursor = reply.nextCursor
    }
    return `/v1/cases?status=open&limit=50&cursor=${cursor}`
  }
  const views: Record<string, string> = {
    firstPage: '/v1/cases?status=open&limit=50',
    queueAndRisk: '/v1/cases?status=open&queue=loan.drawdown&risk=high&limit=50',
    breached: '/v1/cases?status=open&breached=true&limit=50',
    page20: await pageTwenty(),
    summary: '/v1/cases/summary',
  }
  const list: Record<string, Timing> = {}
  for (const [name, path] of Object.entries(views)) {
    for (let i = 0; i < 5; i++) await timed(server.url, lead, path)
    const samples: number[] = []
    for (let i = 0; i < listRequests; i++) {
      const reply = await timed(server.url, lead, path)
      if (reply.status !== 200) throw new Error(`${path}: ${reply.status} ${reply.body}`)
      samples.push(reply.ms)
    }
    list[name] = timing(samples)
    log(`  ${name}: p50 ${list[name]!.p50} ms, p99 ${list[name]!.p99} ms`)
  }

  // twenty reviewers claiming at once
  const cpu = new CpuMeter([server.pid, process.pid])
  const claimSamples: number[] = []
  const claimed = new Map<string, string>()
  let doubles = 0
  let empty = 0
  const started = performance.now()
  await Promise.all(
    sessions.map(async (cookie, r) => {
      for (let i = 0; i < claimsEach; i++) {
        const reply = await timed(server.url, cookie, '/v1/cases/claim', 'POST')
        claimSamples.push(reply.ms)
        if (reply.status === 204) {
          empty++
          continue
        }
        if (reply.status !== 200) throw new Error(`claim: ${reply.status} ${reply.body}`)
        const id = (JSON.parse(reply.body) as { id: string }).id
        if (claimed.has(id)) doubles++
        claimed.set(id, reviewers[r]!)
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  const usage = cpu.read()
  const serverCores = usage ? (usage.cores.get(server.pid) ?? 0) : undefined
  const claim = {
    reviewers: reviewerCount,
    ...timing(claimSamples),
    perSecond: round(claimSamples.length / seconds),
    // the server's CPU time per claim: a figure that other load on the machine barely moves
    serverCpuMs: serverCores === undefined ? null : round((serverCores * seconds * 1000) / claimSamples.length, 3),
    doubles,
    empty,
  }
  const result = {
    suite: 'review-desk',
    openCases: caseCount,
    list,
    claim,
    serverCores: serverCores === undefined ? null : round(serverCores, 2),
    benchCores: usage ? round(usage.cores.get(process.pid) ?? 0, 2) : null,
    otherCores: usage ? round(usage.otherCores, 2) : null,
  }
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`)
  } else {
    const row = (label: string, value: string) => `${label.padEnd(44)} ${value}`
    const ms = (t: Timing) => `p50 ${t.p50} ms   p99 ${t.p99} ms   max ${t.max} ms   (${t.n})`
    console.log(
      [
        `review desk, ${caseCount.toLocaleString('en')} open cases, over HTTP with workbench sessions`,
        row('queue view: first page of 50', ms(list.firstPage!)),
        row('queue view: a queue and a risk', ms(list.queueAndRisk!)),
        row('queue view: past their SLA', ms(list.breached!)),
        row('queue view: the 20th page (cursor)', ms(list.page20!)),
        row('queue counts (summary)', ms(list.summary!)),
        row(`claim next, ${reviewerCount} reviewers at once`, ms(claim)),
        row('  claims per second', `${claim.perSecond}   same case twice: ${doubles}   none left: ${empty}`),
        row('  server CPU per claim', `${claim.serverCpuMs ?? '—'} ms`),
        row('  cores: server / this bench / others', `${result.serverCores ?? '—'} / ${result.benchCores ?? '—'} / ${result.otherCores ?? '—'}`),
        row('target', `claim p99 under 50 ms: ${claim.p99 < 50 ? 'met' : 'NOT met'}`),
      ].join('\n'),
    )
  }
} finally {
  await server.stop()
  rmSync(work, { recursive: true, force: true })
}
