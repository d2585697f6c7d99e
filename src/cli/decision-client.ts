import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { toProblem } from '../api/present-problem.ts'
import { readConfig } from '../app/config.ts'
import { type Engine, defaultTenant, openEngine } from '../app/open-engine.ts'

/** Where the CLI sends events: the engine in this process, or a running server over HTTP. */
export interface DecisionClient {
  decide(event: unknown): Promise<{ status: number; body: string }>
  close(): Promise<void>
}

export async function openClient(options: { server?: string; apiKey?: string }): Promise<DecisionClient> {
  if (options.server) return httpClient(options.server, options.apiKey ?? readBootstrapKey())
  const engine = await openEngine(readConfig(process.env))
  return inProcessClient(engine)
}

function inProcessClient(engine: Engine): DecisionClient {
  return {
    async decide(event) {
      try {
        const result = await engine.decisions.decide(defaultTenant, event)
        return { status: 200, body: result.body }
      } catch (error) {
        const problem = toProblem(error)
        return { status: problem.status, body: JSON.stringify(problem) }
      }
    },
    close: () => engine.close(),
  }
}

function httpClient(server: string, apiKey: string | undefined): DecisionClient {
  const url = new URL('/v1/events', server).toString()
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (apiKey) headers.authorization = `Bearer ${apiKey}`
  return {
    async decide(event) {
      const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(event) })
      return { status: response.status, body: await response.text() }
    },
    close: async () => {},
  }
}

/** XIEZHI_API_KEY, or the key `serve` wrote on first start. */
export function readBootstrapKey(): string | undefined {
  if (process.env.XIEZHI_API_KEY) return process.env.XIEZHI_API_KEY
  try {
    return readFileSync(join(readConfig(process.env).dataDir, 'bootstrap-api-key'), 'utf8').trim()
  } catch {
    return undefined
  }
}
