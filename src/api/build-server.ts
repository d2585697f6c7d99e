import fastifySwagger from '@fastify/swagger'
import scalarReference from '@scalar/fastify-api-reference'
import fastifyCookie from '@fastify/cookie'
import type { WorkbenchUser } from '../access/workbench-users.ts'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify'
import pino from 'pino'
import type { Engine } from '../app/open-engine.ts'
import { defaultTenant } from '../app/open-engine.ts'
import { XiezhiError } from '../core/errors.ts'
import { type DecisionMetrics, createMetrics } from './decision-metrics.ts'
import { sendProblem } from './present-problem.ts'
import { registerBacktestRoutes } from './routes/backtest-routes.ts'
import { registerDecisionRoutes } from './routes/decision-routes.ts'
import { registerEventRoutes } from './routes/event-routes.ts'
import { registerEventTypeRoutes } from './routes/event-type-routes.ts'
import { registerFeatureRoutes } from './routes/feature-routes.ts'
import { registerListRoutes } from './routes/list-routes.ts'
import { registerModelRoutes } from './routes/model-routes.ts'
import { registerMonitoringRoutes } from './routes/monitoring-routes.ts'
import { registerCaseRoutes } from './routes/case-routes.ts'
import { registerGraphRoutes } from './routes/graph-routes.ts'
import { registerSessionRoutes, sessionCookie } from './routes/session-routes.ts'
import { registerOperationsRoutes } from './routes/operations-routes.ts'
import { registerStrategyRoutes } from './routes/strategy-routes.ts'
import { registerDashboardRoutes } from './routes/dashboard-routes.ts'
import { registerWebRoutes } from './routes/web-routes.ts'

declare module 'fastify' {
  interface FastifyRequest {
    tenantId: string
    /** Who is asking, as recorded on every change: `user:<name>` for a workbench session, `key:<id>` for an API key, `anonymous` with XIEZHI_AUTH=off. */
    actor: string
    /** The signed-in workbench user, whose roles limit what it may do; null for API keys and with XIEZHI_AUTH=off. */
    user: WorkbenchUser | null
  }
}

export interface ServerOptions {
  logger?: pino.Logger
}

/** The HTTP edge: parses, authenticates, calls the domain, presents. No decision logic lives here. */
export async function buildServer(engine: Engine, options: ServerOptions = {}): Promise<{ app: FastifyInstance; metrics: DecisionMetrics }> {
  const logger = options.logger ?? createLogger(engine.config.logLevel)
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // one log line per request would cost more than the decision; errors are logged by the error handler
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: engine.config.bodyLimitBytes,
    return503OnClosing: true,
    ajv: { customOptions: { coerceTypes: 'array', useDefaults: true, removeAdditional: false } },
  })
  const metrics = createMetrics()
  app.decorateRequest('tenantId', '')
  app.decorateRequest('actor', '')
  app.decorateRequest('user', null)
  await app.register(fastifyCookie)

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Xiezhi decision API', version: '0.1.0', description: 'Real-time risk decisions with reasons for lenders.' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key from `xiezhi keys create`' } } },
      security: [{ apiKey: [] }],
    },
  })
  await app.register(scalarReference, { routePrefix: '/docs', configuration: { url: '/openapi.json' } })

  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/v1/')) return
    // signing in needs no credentials; a workbench session is a cookie, an API client a bearer key
    if (request.method === 'POST' && request.url.split('?')[0] === '/v1/session') {
      request.tenantId = defaultTenant
      request.actor = 'anonymous'
      return
    }
    const session = request.cookies[sessionCookie]
    const user = session && !request.headers.authorization ? await engine.users.session(session) : undefined
    if (user) {
      request.tenantId = user.tenantId
      request.actor = `user:${user.username}`
      request.user = user
      return
    }
    if (engine.config.authDisabled) {
      request.tenantId = defaultTenant
      request.actor = 'anonymous'
      return
    }
    const identity = await authenticate(engine, request)
    // a key with an owner acts as that user (their roles; their name in four-eyes checks): a disabled owner's keys stop
    const owner = identity?.owner ? await engine.users.active(identity.owner) : undefined
    if (!identity || (identity.owner !== null && owner?.tenantId !== identity.tenantId)) {
      metrics.rejected.inc({ status: '401' })
      const problem = identity ? `The key's owner ${identity.owner} is disabled or gone` : 'Send a valid API key as "Authorization: Bearer <key>"'
      return sendProblem(reply.header('www-authenticate', 'Bearer'), new XiezhiError('unauthorized', problem))
    }
    request.tenantId = identity.tenantId
    request.actor = owner ? `user:${owner.username}` : `key:${identity.keyId}`
    if (owner) request.user = owner
  })

  app.setErrorHandler((error, request, reply) => {
    const status = (error as { statusCode?: number }).statusCode
    if (!(error instanceof XiezhiError) && (status === undefined || status >= 500)) request.log.error({ err: error }, 'request failed')
    metrics.rejected.inc({ status: String(reply.statusCode >= 400 ? reply.statusCode : status ?? 500) })
    return sendProblem(reply, error)
  })
  app.setNotFoundHandler((request, reply) => sendProblem(reply, new XiezhiError('not_found', `No route for ${request.method} ${request.url.split('?')[0]}`)))

  registerEventRoutes(app, engine, metrics)
  registerDecisionRoutes(app, engine)
  registerEventTypeRoutes(app, engine)
  registerFeatureRoutes(app, engine)
  registerListRoutes(app, engine)
  registerModelRoutes(app, engine)
  registerMonitoringRoutes(app, engine)
  registerBacktestRoutes(app, engine, { concurrency: engine.config.backtestConcurrency, pageSize: engine.config.backtestPageSize })
  registerStrategyRoutes(app, engine)
  registerSessionRoutes(app, engine)
  registerCaseRoutes(app, engine)
  registerGraphRoutes(app, engine)
  registerOperationsRoutes(app, engine, metrics)
  registerDashboardRoutes(app, engine)
  registerWebRoutes(app, engine)
  return { app, metrics }
}

/** Logs carry ids, codes and timings; headers that hold credentials are redacted. */
export function createLogger(level: string): pino.Logger {
  return pino({ level, redact: { paths: ['req.headers.authorization', 'req.headers["x-api-key"]', '*.apiKey', '*.key'], censor: '[redacted]' } })
}

function authenticate(engine: Engine, request: FastifyRequest) {
  const header = request.headers.authorization
  const presented = header?.startsWith('Bearer ') ? header.slice(7).trim() : (request.headers['x-api-key'] as string | undefined)
  return presented ? engine.apiKeys.verify(presented) : Promise.resolve(undefined)
}
