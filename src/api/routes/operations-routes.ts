import type { FastifyInstance } from 'fastify'
import { defaultTenant, type Engine } from '../../app/open-engine.ts'
import type { DecisionMetrics } from '../decision-metrics.ts'

/** Liveness, readiness, metrics and the OpenAPI document: what operators and load balancers call. */
export function registerOperationsRoutes(app: FastifyInstance, engine: Engine, metrics: DecisionMetrics) {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }))

  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const failure = engine.commit.failed
    if (failure) return reply.code(503).send({ status: 'unavailable', reason: 'the decision log cannot be written' })
    // answered without credentials: it names the default tenant's strategies (the operator's config files) and only counts other tenants'
    const others = engine.strategies.all().length - engine.strategies.all(defaultTenant).length
    return {
      status: 'ready',
      strategies: engine.strategies.all(defaultTenant).map((s) => ({ id: s.id, version: s.version, eventType: s.document.eventType })),
      otherTenants: { tenants: engine.strategies.tenants().filter((t) => t !== defaultTenant).length, strategies: others },
    }
  })

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    // every tenant's feature state together
    metrics.featureEntities.set(engine.tenants.all().reduce((sum, { features }) => sum + features.stats().entities, 0))
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics())
  })

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}
