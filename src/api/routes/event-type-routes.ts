import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { Engine } from '../../app/open-engine.ts'
import { notFound } from '../../core/errors.ts'
import type { EntityPaths } from '../../events/entities.ts'
import { EventTypeDefinitionBody, Problem } from '../api-schemas.ts'

const TypeName = Type.Object({ type: Type.String({ minLength: 1, maxLength: 128 }) })

export function registerEventTypeRoutes(app: FastifyInstance, engine: Engine) {
  app.get('/v1/event-types', { schema: { summary: 'List the event types this tenant can send', tags: ['event types'] } }, async (request) => ({
    items: engine.registry.list(request.tenantId),
  }))

  app.get<{ Params: Static<typeof TypeName> }>(
    '/v1/event-types/:type',
    { schema: { summary: 'Get one event type with its JSON Schema and entity paths', tags: ['event types'], params: TypeName, response: { 404: Problem } } },
    async (request) => {
      const found = engine.registry.find(request.tenantId, request.params.type)
      if (!found) throw notFound(`Event type "${request.params.type}" does not exist`)
      return found
    },
  )

  app.post<{ Body: Static<typeof EventTypeDefinitionBody> }>(
    '/v1/event-types',
    {
      schema: {
        summary: "Register (or replace) one of the tenant's own event types",
        description: 'The JSON Schema describes `data`; entities say where the keys features are kept by sit in it.',
        tags: ['event types'],
        body: EventTypeDefinitionBody,
        response: { 400: Problem },
      },
    },
    async (request, reply) => {
      const definition = { tenantId: request.tenantId, ...request.body, entities: request.body.entities as EntityPaths }
      const registered = engine.registry.register(definition)
      await engine.store.saveEventType(definition)
      return reply.code(201).send(registered)
    },
  )
}
