import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { Engine } from '../../app/open-engine.ts'
import { parseDayOrInstant, parseDayOrInstantThrough } from '../../core/day-or-instant.ts'
import { type FieldIssue, invalidInput, notFound } from '../../core/errors.ts'
import type { Decision } from '../../decisions/decision.ts'
import { type EntityKind, entityKinds } from '../../events/entities.ts'
import { casesOfRings } from '../../cases/ring-cases.ts'
import { listRings, type RingSort, ringSorts } from '../../graph/ring-list.ts'
import { Problem } from '../api-schemas.ts'
import { locatedInRequest } from '../located-in-request.ts'

const Kind = Type.Unsafe<EntityKind>({ type: 'string', enum: [...entityKinds] })
/** What a neighbourhood request may say, in the query string of a GET or the body of a POST. */
const neighbourhoodFields = {
  kind: Type.Optional(Kind),
  key: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{22}$', description: 'The blind index, as a case lists its entities (entityKeys), with kind' })),
  node: Type.Optional(Type.Integer({ minimum: 0, description: 'A node id from an earlier answer, instead of kind and key' })),
  decision: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "A decision id: start from its event's user (or, without one, its first entity)" })),
  hops: Type.Optional(Type.Integer({ minimum: 1, maximum: 3 })),
  maxNodes: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_000 })),
  maxEdges: Type.Optional(Type.Integer({ minimum: 1, maximum: 20_000 })),
  maxEdgesPerNode: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  from: Type.Optional(Type.String({ maxLength: 40, description: 'Only edges last seen at or after: YYYY-MM-DD (the start of a Beijing day) or an ISO 8601 instant' })),
  to: Type.Optional(Type.String({ maxLength: 40, description: 'Only edges first seen at or before: YYYY-MM-DD (the whole Beijing day included) or an ISO 8601 instant' })),
  kinds: Type.Optional(Type.Array(Kind, { description: 'Only nodes of these kinds beyond the centre (repeat the parameter)' })),
  edgeTypes: Type.Optional(
    Type.Array(Type.String({ maxLength: 40 }), {
      maxItems: 55,
      description: 'Only edges of these types, the kinds of their ends joined by "-": user-device, user-phone, user-contacts, user-ip, user-bank_card, user-address, … (repeat the parameter); the search follows no other edge',
    }),
  ),
}
/** GET: a start that is no personal data (a node, a decision, a blind index); a clear value goes in a POST's body, out of URLs and access logs. */
const NeighbourhoodQuery = Type.Object(neighbourhoodFields, { additionalProperties: false })
const NeighbourhoodBody = Type.Object(
  {
    ...neighbourhoodFields,
    value: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'The clear value (a phone number, a device id, …), with kind: only its blind index is looked up' })),
  },
  { additionalProperties: false },
)
type NeighbourhoodInput = Static<typeof NeighbourhoodBody>
const RingsQuery = Type.Object(
  {
    minUsers: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'Fewest users (3)' })),
    minRisk: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'A ring whose risk reaches this is listed (0.5) …' })),
    minCohesion: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: '… and, unless cohesive=false, one whose cohesion reaches this (0.5)' })),
    cohesive: Type.Optional(Type.Boolean({ description: 'List cohesive rings below minRisk too (true)' })),
    sort: Type.Optional(Type.Unsafe<RingSort>({ type: 'string', enum: [...ringSorts], description: 'risk by default' })),
    order: Type.Optional(Type.Unsafe<'asc' | 'desc'>({ type: 'string', enum: ['asc', 'desc'], description: 'desc by default' })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: '50 by default' })),
  },
  { additionalProperties: false },
)

/** The relationship graph (关系图谱) for investigators: a capped k-hop neighbourhood, and suspect rings. Definitions: docs/graph.md. */
export function registerGraphRoutes(app: FastifyInstance, engine: Engine) {
  app.get<{ Querystring: Static<typeof NeighbourhoodQuery> }>(
    '/v1/graph/neighbourhood',
    {
      schema: {
        summary: 'The k-hop neighbourhood of a node, a decision or a blind index, capped, with labels and rings',
        description: 'To start from a clear value (a phone number, an id number, …), POST it in the body instead: a URL is kept by proxies and access logs. Definitions: docs/graph.md.',
        tags: ['graph'],
        querystring: NeighbourhoodQuery,
        response: { 400: Problem, 404: Problem },
      },
    },
    async (request) => neighbourhood(engine, request.tenantId, request.query, 'query'),
  )

  app.post<{ Body: NeighbourhoodInput }>(
    '/v1/graph/neighbourhood',
    {
      schema: {
        summary: 'The same neighbourhood, the start given in the body: the way to look up a clear value (kind and value)',
        tags: ['graph'],
        body: NeighbourhoodBody,
        response: { 400: Problem, 404: Problem },
      },
    },
    async (request) => neighbourhood(engine, request.tenantId, request.body, 'body'),
  )

  app.get<{ Params: { id: number } }>(
    '/v1/graph/nodes/:id',
    {
      schema: {
        summary: "A node of the graph with its newest decisions and the cases that name it (a decision's case, or a ring case with it among its members)",
        tags: ['graph'],
        params: Type.Object({ id: Type.Integer({ minimum: 0 }) }),
        response: { 404: Problem },
      },
    },
    async (request) => {
      const { id } = request.params
      const { graph } = engine.tenants.read(request.tenantId)
      if (id >= graph.graph.nodes.count) throw notFound(`No graph node ${id}`)
      const key = graph.graph.nodes.key(id)
      const page = await engine.store.listDecisions({ tenantId: request.tenantId, entityKey: key, limit: 10 })
      const decisions = page.items.map((d) => {
        const reply = JSON.parse(d.response) as Decision
        return { decisionId: d.decisionId, eventId: d.eventId, eventType: d.eventType, action: d.action, decidedAt: reply.decidedAt }
      })
      const cases = await engine.store.cases.casesOfEntity(request.tenantId, key, decisions.map((d) => d.decisionId), 20)
      return {
        node: graph.describe(id),
        decisions,
        moreDecisions: page.nextCursor !== undefined,
        cases: cases.map((c) => ({ id: c.id, kind: c.kind, status: c.status, risk: c.risk, queue: c.queue, createdAtMs: c.createdAtMs, disposition: c.disposition })),
      }
    },
  )

  app.get<{ Querystring: Static<typeof RingsQuery> }>(
    '/v1/graph/rings',
    {
      schema: {
        summary: 'Suspect rings from the last computation, riskiest first, a page at a time',
        description:
          "Each ring with its figures, members by kind, labelled users, when its first user was first seen and its last joined, a node to open it at in the graph, and its ring case if it has one. Counts and ids only: no key, no value. Pages are of one computation (computedAt): page on with offset while computedAt stays the same.",
        tags: ['graph'],
        querystring: RingsQuery,
        response: { 400: Problem },
      },
    },
    async (request) => {
      // the page's rings' users, gathered in the same pass as their counts: they find each ring's case
      const users = new Map<number, string[]>()
      const { graph } = engine.tenants.read(request.tenantId)
      const list = await locatedInRequest(Object.fromEntries(Object.keys(RingsQuery.properties).map((k) => [k, 'query' as const])), async () => listRings(graph.graph, graph.rings, request.query, users))
      const cases = await casesOfRings(engine.store.cases, request.tenantId, users)
      return {
        ...list,
        items: list.items.map((ring) => {
          const found = cases.get(ring.id)
          return { ...ring, case: found ? { id: found.id, status: found.status, disposition: found.disposition, risk: found.risk } : null }
        }),
      }
    },
  )
}

/** The neighbourhood a request asks for; a refusal names every offending field under `/<part>/…`. */
async function neighbourhood(engine: Engine, tenantId: string, input: NeighbourhoodInput, part: 'query' | 'body') {
  const { kind, value, key, node, decision, from, to, ...caps } = input
  const fields = Object.keys(part === 'query' ? NeighbourhoodQuery.properties : NeighbourhoodBody.properties)
  const issues = [...startIssues(input, part), ...windowIssues(from, to, part)]
  if (issues.length > 0) throw invalidInput('The graph query has errors', issues)
  const fromMs = from === undefined ? undefined : parseDayOrInstant(from)
  const toMs = to === undefined ? undefined : parseDayOrInstantThrough(to)
  const start =
    node !== undefined ? { node } : decision !== undefined ? await decisionStart(engine, tenantId, decision) : { kind: kind!, key: key ?? engine.vault.blindIndex(kind!, value!) }
  return locatedInRequest(Object.fromEntries(fields.map((k) => [k, part])), async () =>
    engine.tenants.read(tenantId).graph.explore({ ...start, ...caps, ...(fromMs === undefined ? {} : { fromMs }), ...(toMs === undefined ? {} : { toMs }) }),
  )
}

/**
 * Exactly one start: a node, a decision, or an entity (its kind with its
 * key or, in a body, its value). Two starts are refused, naming each,
 * rather than one silently winning.
 */
function startIssues(input: NeighbourhoodInput, part: 'query' | 'body'): FieldIssue[] {
  const entity = part === 'body' ? 'kind with key or value' : 'kind with key'
  const given = (['node', 'decision', 'kind', 'key', 'value'] as const).filter((field) => input[field] !== undefined)
  const starts = new Set(given.map((field) => (field === 'node' || field === 'decision' ? field : 'entity')))
  if (starts.size === 0) return [{ pointer: `/${part}/kind`, code: 'required', message: `give one start: node, decision, or ${entity}` }]
  if (starts.size > 1 || (input.key !== undefined && input.value !== undefined)) {
    const message = `${given.slice(0, -1).join(', ')} and ${given.at(-1)} were given: give one start only (node, decision, or ${entity})`
    return given.map((field) => ({ pointer: `/${part}/${field}`, code: 'mutually_exclusive', message }))
  }
  if (!starts.has('entity')) return []
  if (input.kind === undefined) return [{ pointer: `/${part}/kind`, code: 'required', message: `the kind of entity the ${input.key !== undefined ? 'key' : 'value'} is` }]
  if (input.key === undefined && input.value === undefined) return [{ pointer: `/${part}/${part === 'body' ? 'value' : 'key'}`, code: 'required', message: `give the ${part === 'body' ? 'value or key' : 'key'} of the ${input.kind}` }]
  return []
}

/** `from` and `to`: days or instants, `from` not after `to` (a `to` day is included whole). */
function windowIssues(from: string | undefined, to: string | undefined, part: 'query' | 'body'): FieldIssue[] {
  const issues: FieldIssue[] = []
  const fromMs = from === undefined ? undefined : parseDayOrInstant(from)
  const toMs = to === undefined ? undefined : parseDayOrInstantThrough(to)
  const notTime = (field: string) => ({ pointer: `/${part}/${field}`, code: 'invalid_date', message: 'give YYYY-MM-DD (a Beijing day) or an ISO 8601 instant with its offset' })
  if (from !== undefined && fromMs === undefined) issues.push(notTime('from'))
  if (to !== undefined && toMs === undefined) issues.push(notTime('to'))
  if (fromMs !== undefined && toMs !== undefined && fromMs > toMs) issues.push({ pointer: `/${part}/from`, code: 'invalid_range', message: `from is after to (${to} ends at ${new Date(toMs).toISOString()})` })
  return issues
}

/** Where a decision's neighbourhood starts: its user, or, without one, its first entity. */
async function decisionStart(engine: Engine, tenantId: string, decisionId: string): Promise<{ kind: EntityKind; key: string }> {
  const stored = await engine.store.getDecision(tenantId, decisionId)
  if (!stored) throw notFound(`Decision "${decisionId}" does not exist`)
  const keys = stored.entityKeys as Partial<Record<EntityKind, string[]>>
  const kind = keys.user?.length ? 'user' : entityKinds.find((k) => (keys[k]?.length ?? 0) > 0)
  if (kind === undefined) throw notFound(`Decision "${decisionId}" names no entity`)
  return { kind, key: keys[kind]![0]! }
}
