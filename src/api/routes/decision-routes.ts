import type { Static } from '@sinclair/typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { Engine } from '../../app/open-engine.ts'
import { invalidInput, notFound } from '../../core/errors.ts'
import { explainDecision } from '../../decisions/explain-decision.ts'
import type { Action } from '../../core/actions.ts'
import { Decision, DecisionListQuery, Problem } from '../api-schemas.ts'

const DecisionId = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })

export function registerDecisionRoutes(app: FastifyInstance, engine: Engine) {
  app.get<{ Params: Static<typeof DecisionId> }>(
    '/v1/decisions/:id',
    { schema: { summary: 'Get a decision', tags: ['decisions'], params: DecisionId, response: { 200: Decision, 404: Problem } } },
    async (request, reply) => {
      const stored = await engine.store.getDecision(request.tenantId, request.params.id)
      if (!stored) throw notFound(`Decision "${request.params.id}" does not exist`)
      return reply.type('application/json').send(stored.response)
    },
  )

  app.get<{ Params: Static<typeof DecisionId> }>(
    '/v1/decisions/:id/explanation',
    {
      schema: {
        summary: 'Re-run a stored decision from its record and show whether it reproduces',
        tags: ['decisions'],
        params: DecisionId,
        response: { 404: Problem },
      },
    },
    async (request) => explainDecision({ store: engine.store, vault: engine.vault, catalogue: engine.catalogueOf(request.tenantId), models: engine.models }, request.tenantId, request.params.id),
  )

  app.get<{ Querystring: Static<typeof DecisionListQuery> }>(
    '/v1/decisions',
    {
      schema: {
        summary: 'List decisions, newest first, by entity, time range, action or event type',
        tags: ['decisions'],
        querystring: DecisionListQuery,
        response: { 200: Type.Object({ items: Type.Array(Decision), nextCursor: Type.Optional(Type.String()) }), 400: Problem },
      },
    },
    async (request, reply) => {
      const q = request.query
      if ((q.entityType === undefined) !== (q.entityValue === undefined)) {
        throw invalidInput('entityType and entityValue go together', [
          { pointer: q.entityType ? '/query/entityValue' : '/query/entityType', code: 'required', message: 'give both entityType and entityValue' },
        ])
      }
      const page = await engine.store.listDecisions({
        tenantId: request.tenantId,
        limit: q.limit,
        ...(q.action ? { action: q.action as Action } : {}),
        ...(q.eventType ? { eventType: q.eventType } : {}),
        ...(q.entityType && q.entityValue ? { entityKey: engine.vault.blindIndex(q.entityType, q.entityValue) } : {}),
        ...(q.from ? { fromMs: Date.parse(q.from) } : {}),
        ...(q.to ? { toMs: Date.parse(q.to) } : {}),
        ...(q.cursor ? { cursor: q.cursor } : {}),
      })
      // stored responses are already JSON: splice them instead of parsing and re-serialising
      const body = `{"items":[${page.items.map((d) => d.response).join(',')}]${page.nextCursor ? `,"nextCursor":${JSON.stringify(page.nextCursor)}` : ''}}`
      return reply.type('application/json').send(body)
    },
  )
}
