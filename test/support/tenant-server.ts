import { after, before } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildServer } from '../../src/api/build-server.ts'
import { readConfig } from '../../src/app/config.ts'
import { type Engine, openEngine } from '../../src/app/open-engine.ts'
import { tempDataDir } from './temp-engine.ts'

/** The API keys of a three-tenant test: an author and an approver for the default tenant and for acme, and zeta's one. */
export type Who = 'bankAuthor' | 'bankApprover' | 'acmeAuthor' | 'acmeApprover' | 'zeta'
const tenants: Record<Who, string> = { bankAuthor: 'default', bankApprover: 'default', acmeAuthor: 'acme', acmeApprover: 'acme', zeta: 'zeta' }

/**
 * A real server with authentication on, over a temporary data directory,
 * and an API key per `Who`; opened before the file's tests and closed after
 * them (the caller's `before`/`after` hooks). `restart` stops it and opens it
 * again over the same directory.
 */
export function tenantServer(prefix: string) {
  const data = tempDataDir(prefix)
  const keys = {} as Record<Who, { authorization: string; actor: string }>
  const server = {
    engine: undefined as unknown as Engine,
    app: undefined as unknown as FastifyInstance,
    keys,
    async restart() {
      await stop()
      await start()
    },
    call: (as: Who, method: 'GET' | 'POST', url: string, body?: unknown) =>
      server.app.inject({
        method,
        url,
        headers: { authorization: keys[as].authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
      }),
    codes: (reply: { json(): { errors: { pointer: string; code: string }[] } }) => reply.json().errors.map((e) => `${e.pointer} ${e.code}`),
  }
  async function start() {
    server.engine = await openEngine(readConfig({ XIEZHI_DATA_DIR: data.dir, LOG_LEVEL: 'silent' }))
    server.app = (await buildServer(server.engine)).app
  }
  async function stop() {
    await server.app.close()
    await server.engine.close()
  }
  before(async () => {
    await start()
    for (const who of Object.keys(tenants) as Who[]) {
      const created = await server.engine.apiKeys.create(who, tenants[who])
      keys[who] = { authorization: `Bearer ${created.key}`, actor: `key:${created.id}` }
    }
  })
  after(async () => {
    await stop()
    data.remove()
  })
  return server
}
