/**
 * The real server (`xiezhi serve`) as a child process, for tests and benchmarks
 * that need a process boundary: real sockets, crashes, restarts. Also a source
 * of distinct valid events built from `examples/events/`.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import type { EventInput } from '../../src/events/event.ts'

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
const cliEntry = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))
const outputLinesKept = 60
const stopGraceMs = 10_000

export interface ServerProcess {
  /** e.g. `http://127.0.0.1:41234`, no trailing slash. */
  readonly url: string
  readonly pid: number
  /** The last lines the server printed (stdout and stderr), for failure messages. */
  output(): string
  /** Sends the signal and resolves once the process has exited (at once if it already has). */
  stop(signal?: 'SIGKILL' | 'SIGTERM'): Promise<ProcessExit>
}

export interface ProcessExit {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface StartServerOptions {
  dataDir: string
  /** Extra environment, e.g. `{ XIEZHI_AUTH: 'on' }` (the key is then in `${dataDir}/bootstrap-api-key`); HOST and PORT are chosen here. */
  env?: NodeJS.ProcessEnv
  /** More arguments for `serve`, e.g. `['--demo']`. */
  args?: string[]
  readyTimeoutMs?: number
}

/** Starts `xiezhi serve` (XIEZHI_AUTH=off unless `env` says otherwise) on a free port; resolves once /readyz answers 200. */
export async function startServer(options: StartServerOptions): Promise<ServerProcess> {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', cliEntry, 'serve', ...(options.args ?? [])], {
    cwd: repoRoot,
    env: serverEnv({ XIEZHI_AUTH: 'off', ...options.env, XIEZHI_DATA_DIR: options.dataDir, HOST: '127.0.0.1', PORT: String(port) }),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const server = track(child, `http://127.0.0.1:${port}`)
  try {
    await waitUntilReady(server, child, options.readyTimeoutMs ?? 30_000)
  } catch (error) {
    await server.stop('SIGKILL')
    throw error
  }
  return server
}

/**
 * The child must not believe it is a node:test worker (the runner sets
 * NODE_TEST_CONTEXT in test files' environments).
 */
function serverEnv(overrides: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...overrides }
  delete env.NODE_TEST_CONTEXT
  return env
}

/**
 * Asks the OS for a free port. Another process could take it before the server
 * binds; that is rare enough, and the server then fails loudly with EADDRINUSE.
 */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

const running = new Set<ChildProcess>()
let reapOnExit = false

function track(child: ChildProcess, url: string): ServerProcess {
  const lines: string[] = []
  // the pipes must always be drained: a full pipe would block the server's logger
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter((line) => line.length > 0))
    lines.splice(0, Math.max(0, lines.length - outputLinesKept))
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = new Promise<ProcessExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  running.add(child)
  void exited.then(() => running.delete(child))
  // a test that fails half-way must not leave servers behind
  if (!reapOnExit) {
    reapOnExit = true
    process.once('exit', () => {
      for (const survivor of running) survivor.kill('SIGKILL')
    })
  }
  return {
    url,
    pid: child.pid ?? -1,
    output: () => lines.join('\n'),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return exited
      child.kill(signal)
      // a graceful stop that hangs must not hang the test too
      const force = setTimeout(() => child.kill('SIGKILL'), stopGraceMs)
      const exit = await exited
      clearTimeout(force)
      return exit
    },
  }
}

async function waitUntilReady(server: ServerProcess, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the server exited before it was ready (${child.exitCode ?? child.signalCode}):\n${server.output()}`)
    }
    try {
      const response = await fetch(`${server.url}/readyz`, { signal: AbortSignal.timeout(1_000) })
      await response.arrayBuffer()
      if (response.status === 200) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`the server was not ready within ${timeoutMs} ms:\n${server.output()}`)
}

/** One example of every built-in event type, in file-name order. */
export const exampleEvents: readonly EventInput[] = readExamples()

function readExamples(): EventInput[] {
  const dir = new URL('../../examples/events/', import.meta.url)
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as EventInput)
}

export interface MakeEventOptions {
  /** Ids are `${prefix}-${index}`; the default is random per process, so runs on one data dir do not collide. */
  prefix?: string
  /** occurredAt; defaults to the moment the event is made. */
  nowMs?: number
  /** How many distinct users and devices the events spread over (so velocity features see repeats). */
  users?: number
  devices?: number
}

const processPrefix = `ev-${randomBytes(4).toString('hex')}`
/** Fields that identify the event's own application, loan, complaint or click; they follow the event id. */
const ownIdFields = ['applicationId', 'loanId', 'complaintId', 'clickId'] as const

/** The index-th event of a deterministic sequence that cycles through the example types. */
export function makeEvent(index: number, options: MakeEventOptions = {}): EventInput {
  const example = exampleEvents[index % exampleEvents.length]!
  const id = `${options.prefix ?? processPrefix}-${index}`
  const data: Record<string, unknown> = structuredClone(example.data)
  if ('userId' in data) data.userId = `u-${index % (options.users ?? 1_000)}`
  if ('deviceId' in data) data.deviceId = `dev-${index % (options.devices ?? 500)}`
  for (const field of ownIdFields) if (field in data) data[field] = id
  return { id, type: example.type, occurredAt: new Date(options.nowMs ?? Date.now()).toISOString(), data }
}

export function makeEvents(count: number, options: MakeEventOptions = {}): EventInput[] {
  const nowMs = options.nowMs ?? Date.now()
  return Array.from({ length: count }, (_, index) => makeEvent(index, { ...options, nowMs }))
}
