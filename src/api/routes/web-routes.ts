import { existsSync } from 'node:fs'
import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { Engine } from '../../app/open-engine.ts'

/** Where `npm run build:web` (run by `npm ci` through `prepare`) puts the workbench. */
export const webDist = fileURLToPath(new URL('../../../web/dist/', import.meta.url))

/** Paths that belong to the API and its documentation: never answered with the workbench. */
const apiPaths = /^\/(v1|docs|openapi\.json|healthz|readyz|metrics)(\/|$|\?)/

/**
 * The workbench is a single page (React, built by Vite): its UI only calls the
 * public API, so the page itself is served to anyone; what it shows needs a
 * session. Scripts and styles come from this origin only.
 */
const pageHeaders = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-cache',
}

/**
 * Serves the built workbench (`web/dist`) at `/`: files as they are (hashed
 * assets cached for good), any other path that is not the API's gets
 * `index.html`, so a reload on `/cases/…` opens that screen. Also the
 * server's clock, which the workbench's SLA clocks and call-back times use.
 */
export function registerWebRoutes(app: FastifyInstance, engine: Engine, dist: string = webDist) {
  app.get(
    '/v1/clock',
    {
      schema: {
        summary: "The server's time",
        description: 'What SLA clocks and call-back times are measured against; the workbench shows time by it rather than by the browser\'s clock.',
        tags: ['workbench'],
        response: { 200: Type.Object({ now: Type.String({ format: 'date-time' }) }) },
      },
    },
    async () => ({ now: new Date(engine.clock.nowMs()).toISOString() }),
  )

  void app.register(fastifyStatic, { root: dist, serve: false })

  const sendPage = (reply: FastifyReply) => {
    if (!existsSync(`${dist}index.html`)) {
      return reply.code(503).type('text/plain; charset=utf-8').send('The workbench is not built: run `npm run build:web` (npm ci does it), then reload.\n')
    }
    return reply.headers(pageHeaders).sendFile('index.html', { cacheControl: false })
  }

  app.get('/', { schema: { hide: true } }, (_request, reply) => sendPage(reply))

  app.get<{ Params: { '*': string } }>('/*', { schema: { hide: true } }, (request, reply) => {
    const path = request.url.split('?')[0]!
    if (apiPaths.test(path)) return reply.callNotFound()
    const file = request.params['*']
    if (extname(file) === '') return sendPage(reply)
    if (file.split('/').includes('..') || !existsSync(dist + file)) return reply.callNotFound()
    // hashed bundles never change under their name; anything else is revalidated
    return file.startsWith('assets/') ? reply.sendFile(file, { maxAge: '365d', immutable: true }) : reply.sendFile(file, { maxAge: 0 })
  })
}
