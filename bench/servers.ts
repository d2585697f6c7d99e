/**
 * The servers under test, each in its own child process: the load generator
 * (autocannon, in this process) must not share an event loop with the server,
 * or the bench would measure their contention instead of the server.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { stopChild, trackChild } from './resources.ts'

const repoRoot = new URL('..', import.meta.url).pathname
export const loopback = '127.0.0.1'

export interface RunningServer {
  name: string
  url: string
  pid: number
  stop(): Promise<void>
}

/** Asks the OS for a free loopback port; the tiny race until the child binds it is acceptable for a bench. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, loopback, () => {
      const address = probe.address()
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

/**
 * The real service, started exactly as `npm start` does, with API keys off, a
 * fresh data dir and the bench config. `nodeArgs` go before the entry point
 * (e.g. `--cpu-prof`).
 */
export async function startXiezhi(options: { dataDir: string; configDir: string; nodeArgs?: string[] }): Promise<RunningServer> {
  const port = await freePort()
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      XIEZHI_AUTH: 'off',
      XIEZHI_DATA_DIR: options.dataDir,
      XIEZHI_CONFIG_DIR: options.configDir,
      HOST: loopback,
      PORT: String(port),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return await supervise('xiezhi', child, `http://${loopback}:${port}`, '/readyz')
}

/** The baseline: fastify answering a small JSON POST, same runtime (node + tsx), no logging. */
export async function startHello(): Promise<RunningServer> {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/hello-server.ts'], {
    cwd: repoRoot,
    env: { ...process.env, HOST: loopback, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return await supervise('hello', child, `http://${loopback}:${port}`, '/ready')
}

/**
 * Keeps the tail of the child's output (shown if it fails), waits until
 * `readyPath` answers 200, and fails fast if the child exits first.
 */
async function supervise(name: string, child: ChildProcess, url: string, readyPath: string): Promise<RunningServer> {
  trackChild(child)
  const tail: string[] = []
  const keep = (chunk: Buffer) => {
    tail.push(...chunk.toString().split('\n').filter(Boolean))
    tail.splice(0, Math.max(0, tail.length - 40))
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  let exited: string | undefined
  child.once('exit', (code, signal) => (exited = `exited with ${signal ?? `code ${code}`}`))
  const deadline = Date.now() + 60_000
  for (;;) {
    if (exited) throw new Error(`${name} server ${exited} before it was ready:\n${tail.join('\n')}`)
    if (Date.now() > deadline) {
      await stopChild(child)
      throw new Error(`${name} server was not ready after 60 s:\n${tail.join('\n')}`)
    }
    try {
      const response = await fetch(`${url}${readyPath}`)
      await response.arrayBuffer()
      if (response.ok) break
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    name,
    url,
    pid: child.pid ?? -1,
    async stop() {
      await stopChild(child)
      // a server that dies during the load would have made the figures meaningless: say so
      if (child.exitCode !== null && child.exitCode !== 0) throw new Error(`${name} server ${exited}:\n${tail.join('\n')}`)
    },
  }
}
