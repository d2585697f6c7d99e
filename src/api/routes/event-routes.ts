import type { FastifyInstance } from 'fastify'
import type { Engine } from '../../app/open-engine.ts'
import { Decision, EventEnvelope, Problem } from '../api-schemas.ts'
import type { DecisionMetrics } from '../decision-metrics.ts'

export function registerEventRoutes(app: FastifyInstance, engine: Engine, metrics: DecisionMetrics) {
  app.post(
    '/v1/events',
    {
      schema: {
        summary: 'Send an event and receive its decision',
        description:
          'Validates the event, decides, and answers only after the decision is durable. The event id is the idempotency key: ' +
          'the same id with the same body returns the same response byte for byte (header `idempotent-replay: true`); ' +
          'the same id with another body is a 409 problem. When a dependency (features, lists, graph) fails the event is still decided, ' +
          'degraded (reason DEGRADED), unless its strategy says onDependencyError: fail: then a 503 problem and no decision.',
        tags: ['decisions'],
        body: EventEnvelope,
        response: { 200: Decision, 400: Problem, 401: Problem, 409: Problem, 413: Problem, 415: Problem, 422: Problem, 503: Problem },
      },
      // the domain validates events itself, so that tenant-registered types and every offending field are reported alike
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      const started = process.hrtime.bigint()
      const result = await engine.decisions.decide(request.tenantId, request.body)
      if (result.status === 'replayed') reply.header('idempotent-replay', 'true')
      else if (result.decision) {
        const { decision } = result
        metrics.latency.observe({ event_type: decision.eventType }, Number(process.hrtime.bigint() - started) / 1e9)
        metrics.decisions.inc({ event_type: decision.eventType, action: decision.action })
        for (const reason of decision.reasons) metrics.reasons.inc({ code: reason.code })
      }
      return reply.type('application/json').send(result.body)
    },
  )
}
