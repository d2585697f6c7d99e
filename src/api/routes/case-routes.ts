import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { Engine } from '../../app/open-engine.ts'
import { type CallOutcome, callOutcomes, caseRisks, type Disposition, dispositions } from '../../cases/review-case.ts'
import { invalidInput } from '../../core/errors.ts'
import { type EntityKind, entityKinds } from '../../events/entities.ts'
import { Problem } from '../api-schemas.ts'
import { locatedInRequest } from '../located-in-request.ts'
import { requireRole } from './session-routes.ts'

const CaseParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })
/** Taking a ring case's member out (exclude) or back in (readmit). */
const MemberChangeBody = Type.Object(
  {
    kind: Type.String({ maxLength: 32, description: "The member's kind: user (closing as fraud labels users only)" }),
    key: Type.String({ minLength: 1, maxLength: 64, description: "The member's blind index, as the case lists it (entityKeys)" }),
    reason: Type.String({ maxLength: 2_000, description: 'Why the member is not part of the ring (exclude), or is after all (readmit)' }),
  },
  { additionalProperties: false },
)
const CaseListQuery = Type.Object(
  {
    status: Type.Optional(Type.Unsafe<'open' | 'claimed' | 'closed'>({ type: 'string', enum: ['open', 'claimed', 'closed'] })),
    queue: Type.Optional(Type.String({ maxLength: 128, description: 'A decision point, e.g. credit.application' })),
    risk: Type.Optional(Type.Unsafe<(typeof caseRisks)[number]>({ type: 'string', enum: [...caseRisks] })),
    assignee: Type.Optional(Type.String({ maxLength: 80 })),
    breached: Type.Optional(Type.Boolean({ description: 'Only cases still open or claimed past their SLA' })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
)
const CallBody = Type.Object(
  {
    outcome: Type.Unsafe<CallOutcome>({ type: 'string', enum: [...callOutcomes] }),
    notes: Type.Optional(Type.String({ maxLength: 2_000 })),
    callbackAt: Type.Optional(Type.String({ format: 'date-time', description: 'Call again at this time: the case goes back to the queue until then, first for you' })),
  },
  { additionalProperties: false },
)
const CloseBody = Type.Object(
  { disposition: Type.Unsafe<Disposition>({ type: 'string', enum: Object.keys(dispositions) }), notes: Type.Optional(Type.String({ maxLength: 2_000 })) },
  { additionalProperties: false },
)

/** The review desk (反诈劝阻): queues, claiming, phone verification, call-backs and dispositions. Definitions: docs/review-desk.md. */
export function registerCaseRoutes(app: FastifyInstance, engine: Engine) {
  const desk = engine.cases

  app.get<{ Querystring: Static<typeof CaseListQuery> }>(
    '/v1/cases',
    { schema: { summary: 'Cases by priority, then SLA', tags: ['review desk'], querystring: CaseListQuery, response: { 400: Problem } } },
    async (request) => {
      const { breached, ...query } = request.query
      return desk.list({ tenantId: request.tenantId, ...query, ...(breached ? { breachedAtMs: engine.clock.nowMs() } : {}) })
    },
  )

  app.get('/v1/cases/summary', { schema: { summary: 'Open, claimed, waiting for a call-back and past their SLA, per queue', tags: ['review desk'] } }, async (request) =>
    desk.counts(request.tenantId),
  )

  app.post<{ Querystring: { queue?: string[] } }>(
    '/v1/cases/claim',
    {
      schema: {
        summary: 'Claim the next case',
        description: 'Gives the caller the best case it may take now: its own due call-backs first, then by priority and SLA. No two reviewers get the same case. 204 when the queue is empty.',
        tags: ['review desk'],
        querystring: Type.Object({ queue: Type.Optional(Type.Array(Type.String({ maxLength: 128 }), { maxItems: 50, description: 'Only these queues (repeat the parameter); all when absent' })) }, { additionalProperties: false }),
        response: { 403: Problem },
      },
    },
    async (request, reply) => {
      requireRole(request, 'reviewer')
      const claimed = await desk.claimNext(request.tenantId, request.actor, request.query.queue)
      return claimed ? claimed : reply.code(204).send()
    },
  )

  app.get<{ Params: Static<typeof CaseParams> }>(
    '/v1/cases/:id',
    { schema: { summary: 'A case: its decision, reasons, features, the event (masked), history and related decisions; a ring case: the ring and its subgraph', tags: ['review desk'], params: CaseParams, response: { 404: Problem } } },
    async (request) => {
      const view = await desk.view(request.tenantId, request.params.id)
      // a ring case: its members' subgraph as the tenant's graph stands now (docs/graph.md)
      return view.case.kind === 'ring' ? { ...view, subgraph: engine.tenants.read(request.tenantId).graph.subgraph(view.case.entityKeys) } : view
    },
  )

  app.post<{ Params: Static<typeof CaseParams>; Body: Static<typeof CallBody> }>(
    '/v1/cases/:id/calls',
    { schema: { summary: 'Log a call attempt (电核), optionally scheduling a call-back', tags: ['review desk'], params: CaseParams, body: CallBody, response: { 400: Problem, 403: Problem, 409: Problem } } },
    async (request) => {
      requireRole(request, 'reviewer')
      const { outcome, notes, callbackAt } = request.body
      return locatedInRequest({ outcome: 'body', notes: 'body', callbackAt: 'body', caseId: 'params' }, () =>
        desk.logCall(request.tenantId, request.params.id, request.actor, { outcome, ...(notes === undefined ? {} : { notes }), ...(callbackAt === undefined ? {} : { callbackAtMs: Date.parse(callbackAt) }) }),
      )
    },
  )

  app.post<{ Params: Static<typeof CaseParams> }>(
    '/v1/cases/:id/release',
    { schema: { summary: 'Give a held case back to the queue', tags: ['review desk'], params: CaseParams, response: { 403: Problem, 409: Problem } } },
    async (request) => {
      requireRole(request, 'reviewer')
      return locatedInRequest({ caseId: 'params' }, () => desk.release(request.tenantId, request.params.id, request.actor))
    },
  )

  app.post<{ Params: Static<typeof CaseParams>; Body: Static<typeof CloseBody> }>(
    '/v1/cases/:id/close',
    {
      schema: {
        summary: 'Close a held case with a disposition',
        description: 'The disposition becomes a label event about the decided event (logged like any event) and resolves the held decision: approve for legitimate_approve, reject otherwise.',
        tags: ['review desk'],
        params: CaseParams,
        body: CloseBody,
        response: { 400: Problem, 403: Problem, 409: Problem },
      },
    },
    async (request) => {
      requireRole(request, 'reviewer')
      const { disposition, notes } = request.body
      return locatedInRequest({ disposition: 'body', notes: 'body', caseId: 'params' }, () =>
        desk.close(request.tenantId, request.params.id, request.actor, { disposition, ...(notes === undefined ? {} : { notes }) }),
      )
    },
  )

  app.post<{ Params: Static<typeof CaseParams>; Body: Static<typeof MemberChangeBody> }>(
    '/v1/cases/:id/members/exclude',
    {
      schema: {
        summary: 'Exclude a user from a held ring case (recorded)',
        description: 'The reviewer holding a ring case takes one member user out of it, saying why: closing the case as confirmed_fraud then labels every member user but the excluded. Recorded in the case history with who, when and why. Answers the excluded members.',
        tags: ['review desk'],
        params: CaseParams,
        body: MemberChangeBody,
        response: { 400: Problem, 403: Problem, 404: Problem, 409: Problem },
      },
    },
    async (request) => {
      requireRole(request, 'reviewer')
      const { kind, key, reason } = request.body
      return locatedInRequest({ kind: 'body', key: 'body', reason: 'body', caseId: 'params' }, async () => ({
        excluded: await desk.excludeMember(request.tenantId, request.params.id, request.actor, { kind, key, reason }),
      }))
    },
  )

  app.post<{ Params: Static<typeof CaseParams>; Body: Static<typeof MemberChangeBody> }>(
    '/v1/cases/:id/members/readmit',
    {
      schema: {
        summary: 'Undo the exclusion of a ring case member (recorded)',
        description: 'The reviewer holding a ring case takes an excluded user back into it, saying why: closing the case as confirmed_fraud then labels that user too. The exclusion and the readmission both stay in the case history. Answers the members still excluded.',
        tags: ['review desk'],
        params: CaseParams,
        body: MemberChangeBody,
        response: { 400: Problem, 403: Problem, 404: Problem, 409: Problem },
      },
    },
    async (request) => {
      requireRole(request, 'reviewer')
      const { kind, key, reason } = request.body
      return locatedInRequest({ kind: 'body', key: 'body', reason: 'body', caseId: 'params' }, async () => ({
        excluded: await desk.readmitMember(request.tenantId, request.params.id, request.actor, { kind, key, reason }),
      }))
    },
  )

  app.post<{ Params: Static<typeof CaseParams>; Body: { kind: EntityKind } }>(
    '/v1/cases/:id/reveal',
    {
      schema: {
        summary: 'Reveal one kind of personal data of the case (recorded)',
        description: 'Returns the clear values (e.g. the phone number to call) and records who revealed what, when, in the case history.',
        tags: ['review desk'],
        params: CaseParams,
        body: Type.Object({ kind: Type.Unsafe<EntityKind>({ type: 'string', enum: [...entityKinds] }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ values: Type.Array(Type.String()) }), 400: Problem, 403: Problem, 404: Problem },
      },
    },
    async (request) => {
      requireRole(request, 'reviewer')
      if (request.body.kind === 'user') throw invalidInput('Nothing to reveal', [{ pointer: '/body/kind', code: 'invalid_value', message: 'user ids are shown as they are' }])
      return { values: await locatedInRequest({ kind: 'body' }, () => desk.reveal(request.tenantId, request.params.id, request.actor, request.body.kind)) }
    },
  )
}
