import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { Engine } from '../../app/open-engine.ts'
import { parseDayOrInstant } from '../../core/day-or-instant.ts'
import { invalidInput } from '../../core/errors.ts'
import { type EntityKind, entityKinds } from '../../events/entities.ts'
import { suspectRings } from '../../graph/rings.ts'
import { Problem } from '../api-schemas.ts'
import { locatedInRequest } from '../located-in-request.ts'

const Kind = Type.Unsafe<EntityKind>({ type: 'string', enum: [...entityKinds] })
const NeighbourhoodQuery = Type.Object(
  {
    kind: Type.Optional(Kind),
    value: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'The clear value (a phone number, a device id, …): only its blind index is looked up' })),
    node: Type.Optional(Type.Integer({ minimum: 0, description: 'A node id from an earlier answer, instead of kind and value' })),
    hops: Type.Optional(Type.Integer({ minimum: 1, maximum: 3 })),
    maxNodes: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_000 })),
    maxEdges: Type.Optional(Type.Integer({ minimum: 1, maximum: 20_000 })),
    maxEdgesPerNode: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    from: Type.Optional(Type.String({ maxLength: 40, description: 'Only edges seen at or after: YYYY-MM-DD (a Beijing day) or an ISO 8601 instant' })),
    to: Type.Optional(Type.String({ maxLength: 40 })),
    kinds: Type.Optional(Type.Array(Kind, { description: 'Only nodes of these kinds beyond the centre (repeat the parameter)' })),
  },
  { additionalProperties: false },
)
const RingsQuery = Type.Object(
  {
    minUsers: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    minRisk: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    minCohesion: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  },
  { additionalProperties: false },
)

/** The relationship graph (关系图谱) for investigators: a capped k-hop neighbourhood, and suspect rings. Definitions: docs/graph.md. */
export function registerGraphRoutes(app: FastifyInstance, engine: Engine) {
  app.get<{ Querystring: Static<typeof NeighbourhoodQuery> }>(
    '/v1/graph/neighbourhood',
    {
      schema: {
        summary: 'The k-hop neighbourhood of an entity, capped, with labels and rings',
        tags: ['graph'],
        querystring: NeighbourhoodQuery,
        response: { 400: Problem, 404: Problem },
      },
    },
    async (request) => {
      const { kind, value, node, from, to, ...caps } = request.query
      if (node === undefined && (kind === undefined || value === undefined)) {
        throw invalidInput('Say where to start', [{ pointer: '/query/kind', code: 'required', message: 'give kind and value, or node' }])
      }
      const instant = (name: string, text: string | undefined) => {
        if (text === undefined) return undefined
        const ms = parseDayOrInstant(text)
        if (ms === undefined) throw invalidInput(`${name} is not a time`, [{ pointer: `/query/${name}`, code: 'invalid_date', message: 'give YYYY-MM-DD (a Beijing day) or an ISO 8601 instant' }])
        return ms
      }
      const fromMs = instant('from', from)
      const toMs = instant('to', to)
      const start = node !== undefined ? { node } : { kind: kind!, key: engine.vault.blindIndex(kind!, value!) }
      return locatedInRequest(Object.fromEntries(Object.keys(NeighbourhoodQuery.properties).map((k) => [k, 'query' as const])), async () =>
        engine.graph.explore({ ...start, ...caps, ...(fromMs === undefined ? {} : { fromMs }), ...(toMs === undefined ? {} : { toMs }) }),
      )
    },
  )

  app.get<{ Querystring: Static<typeof RingsQuery> }>(
    '/v1/graph/rings',
    { schema: { summary: 'Suspect rings from the last computation, riskiest first', tags: ['graph'], querystring: RingsQuery, response: { 400: Problem } } },
    async (request) => {
      const { limit, ...thresholds } = request.query
      const rings = suspectRings(engine.graph.rings, thresholds)
      const { computedAtMs } = engine.graph.rings
      return { computedAt: Number.isFinite(computedAtMs) && computedAtMs > 0 ? new Date(computedAtMs).toISOString() : null, total: rings.length, items: rings.slice(0, limit) }
    },
  )
}
