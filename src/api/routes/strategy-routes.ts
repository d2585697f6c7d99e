import { type Static, type TSchema, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { Engine } from '../../app/open-engine.ts'
import { XiezhiError } from '../../core/errors.ts'
import { StrategyLifecycle } from '../../strategy/lifecycle/strategy-lifecycle.ts'
import { strategyIdPattern } from '../../strategy/lifecycle/strategy-records.ts'
import { strategyJsonSchema } from '../../strategy/lifecycle/strategy-schema.ts'
import { deploymentView, detailView, documentView, summaryView, versionView } from '../../strategy/lifecycle/strategy-views.ts'
import { documentAsYaml } from '../../strategy/lifecycle/strategy-yaml.ts'
import { Problem } from '../api-schemas.ts'
import { locatedInRequest } from '../located-in-request.ts'
import { requireRole } from './session-routes.ts'

/** A strategy document is a few KB; a large decision table may be far more than an event. */
export const strategyBodyLimitBytes = 1024 * 1024

const Id = Type.String({ pattern: strategyIdPattern, description: 'Lower-case letters, digits, . and -' })
const VersionNumber = Type.Integer({ minimum: 1 })
const Instant = Type.String({ format: 'date-time' })
const NullableInstant = Type.Union([Instant, Type.Null()])
const NullableString = Type.Union([Type.String(), Type.Null()])
const Note = Type.String({ maxLength: 500 })
const Document = Type.Record(Type.String(), Type.Unknown(), { description: 'A strategy document (docs/reference/strategies.md; JSON Schema: GET /v1/strategies/schema)' })
const enumOf = (values: string[], description?: string) => Type.Unsafe<string>({ type: 'string', enum: values, ...(description ? { description } : {}) })

const StrategyParams = Type.Object({ id: Id })
const VersionParams = Type.Object({ id: Id, version: VersionNumber })
const DocumentBody = Type.Object({ document: Document }, { additionalProperties: false })
const Challenger = Type.Object({ version: VersionNumber, share: Type.Number({ exclusiveMinimum: 0, maximum: 99.99, description: 'Percentage of the traffic, two decimals at most' }) }, { additionalProperties: false })
const DeploymentBody = Type.Object(
  {
    champion: VersionNumber,
    challengers: Type.Optional(Type.Array(Challenger, { maxItems: 20, description: 'By a stable hash of the applicant; the shares add up to less than 100, the champion takes the rest' })),
    shadows: Type.Optional(Type.Array(VersionNumber, { maxItems: 20, description: 'Versions that decide every event without effect' })),
    note: Type.Optional(Note),
  },
  { additionalProperties: false },
)
const VersionQuery = Type.Object({ format: Type.Optional(enumOf(['json', 'yaml'], 'yaml: the document alone, as a file for config/strategies or xiezhi strategies import')) })
const DiffQuery = Type.Object({ from: VersionNumber, to: VersionNumber })

const VersionState = enumOf(['draft', 'submitted', 'approved', 'rejected', 'withdrawn', 'live', 'retired'], 'live and retired follow from the deployments')
const VersionView = Type.Object({
  id: Type.String(),
  version: Type.Integer(),
  state: VersionState,
  role: Type.Union([enumOf(['champion', 'challenger', 'shadow']), Type.Null()]),
  hash: Type.String({ description: "sha256 of the document's canonical JSON: what a backtest names" }),
  authors: Type.Array(Type.String(), { description: 'Who saved the document, the author first' }),
  createdAt: Instant,
  updatedAt: Instant,
  submittedBy: NullableString,
  submittedAt: NullableInstant,
  submitNote: Type.String(),
  backtestId: NullableString,
  approvedBy: NullableString,
  approvedAt: NullableInstant,
  approveNote: Type.String(),
  rejectedBy: NullableString,
  rejectedAt: NullableInstant,
  rejectNote: Type.String({ description: "The approver's reason for rejecting it" }),
  withdrawnBy: NullableString,
  withdrawnAt: NullableInstant,
  withdrawNote: Type.String(),
})
const DeploymentView = Type.Object({
  id: Type.String(),
  strategyId: Type.String(),
  kind: enumOf(['config', 'publish', 'rollback']),
  champion: Type.Integer(),
  challengers: Type.Array(Type.Object({ version: Type.Integer(), share: Type.Number() })),
  shadows: Type.Array(Type.Integer()),
  previousId: NullableString,
  movedBy: Type.String(),
  movedAt: Instant,
  note: Type.String(),
})
const Change = Type.Object({
  op: enumOf(['added', 'removed', 'changed', 'reordered']),
  path: Type.String({ description: 'A JSON pointer whose array items are named by their id where they have one' }),
  from: Type.Optional(Type.Unknown()),
  to: Type.Optional(Type.Unknown()),
})
const Diff = Type.Object({ changes: Type.Array(Change), lines: Type.Array(Type.String({ description: '+ added, - removed, ~ changed, ↕ reordered' })) })
const DiffView = Type.Object({ id: Type.String(), from: Type.Integer(), to: Type.Integer(), ...Diff.properties })
const Review = Type.Object(
  {
    against: Type.Union([Type.Integer(), Type.Null()], { description: 'The live champion the diff starts from' }),
    diff: Type.Union([Diff, Type.Null()]),
    backtest: Type.Union([Type.Record(Type.String(), Type.Unknown(), { description: 'The cited backtest: period, status and the headline figures of its report' }), Type.Null()]),
  },
  { description: 'For a submitted version: what its approver looks at' },
)
const DocumentView = Type.Composite([VersionView, Type.Object({ document: Document, review: Type.Optional(Review) })])
const Arms = Type.Object({ champion: Type.Integer(), challengers: Type.Array(Type.Object({ version: Type.Integer(), share: Type.Number() })), shadows: Type.Array(Type.Integer()), deploymentId: Type.String(), deployedAt: Instant })
const Tenant = Type.String({ description: "The strategy's tenant: the caller's (its API key's; the default tenant for workbench users)" })
const SummaryView = Type.Object({
  tenantId: Tenant,
  id: Type.String(),
  eventType: Type.String(),
  product: Type.Optional(Type.String()),
  stage: Type.Optional(Type.String({ description: 'The stage the strategy decides at (its decision point: event type, product, stage)' })),
  live: Type.Union([Arms, Type.Null()]),
  versions: Type.Record(Type.String(), Type.Array(Type.Integer()), { description: 'Version numbers by state' }),
})
const DetailView = Type.Object({
  tenantId: Tenant,
  id: Type.String(),
  eventType: Type.String(),
  product: Type.Optional(Type.String()),
  stage: Type.Optional(Type.String({ description: 'The stage the strategy decides at (its decision point: event type, product, stage)' })),
  versions: Type.Array(VersionView),
  live: Type.Union([DeploymentView, Type.Null()]),
  rollbackTo: Type.Union([DeploymentView, Type.Null()], { description: 'The deployment a rollback would return to' }),
  deployments: Type.Array(DeploymentView, { description: 'Every deployment, oldest first; never deleted' }),
})

/** Where each field of the service's input travels in a request. */
const located = { id: 'params', version: 'params', document: 'body', backtestId: 'body', note: 'body', deploy: 'body', champion: 'body', challengers: 'body', shadows: 'body', from: 'query', to: 'query' } as const

/** An optional JSON body (fastify refuses a missing one against a body schema): an object with these fields only. */
function optionalBody(body: unknown, fields: string[]): Record<string, unknown> {
  if (body === undefined || body === null) return {}
  if (typeof body !== 'object' || Array.isArray(body)) throw new XiezhiError('invalid_input', 'The body must be an object', [{ pointer: '/body', code: 'invalid_type', message: `must be an object with ${fields.join(', ')}` }])
  const unknown = Object.keys(body).filter((key) => !fields.includes(key))
  if (unknown.length > 0) throw new XiezhiError('invalid_input', 'The body is invalid', unknown.map((key) => ({ pointer: `/body/${key}`, code: 'unknown_field', message: `only ${fields.join(', ')}` })))
  return body as Record<string, unknown>
}

const tagged = (summary: string, more: { description?: string; params?: TSchema; querystring?: TSchema; body?: TSchema; response: Record<number, unknown> }) => ({ schema: { summary, tags: ['strategies'], ...more } })

/**
 * The strategy lifecycle: drafts, submission (with a backtest), approval by
 * another key, deployments (champion, challengers, shadows), rollback, diff.
 * Every route acts for the caller's tenant (`request.tenantId`: its API
 * key's): another tenant's strategies answer 404 as if they did not exist.
 * A deployment is checked, then served, by the engine's strategy book before
 * the next decision.
 */
export function registerStrategyRoutes(app: FastifyInstance, engine: Engine) {
  const lifecycle = new StrategyLifecycle({ store: engine.store, clock: engine.clock, catalogue: engine.catalogueOf, watcher: engine.strategies, requireBacktest: engine.config.requireBacktest })
  const schema = strategyJsonSchema()

  app.get('/v1/strategies', tagged("List the caller's tenant's strategies: decision point, what runs, versions by state", { response: { 200: Type.Object({ items: Type.Array(SummaryView) }) } }), async (request) => ({
    items: (await lifecycle.strategies(request.tenantId)).map(summaryView),
  }))

  app.get('/v1/strategies/schema', tagged('The JSON Schema of a strategy document', {
    description: 'For editors and tooling. The server also type-checks every CEL expression and every reference when it compiles a document.',
    response: { 200: Type.Record(Type.String(), Type.Unknown()) },
  }), async () => schema)

  app.get<{ Params: Static<typeof StrategyParams> }>(
    '/v1/strategies/:id',
    tagged('A strategy: its versions with their states, what runs, and every deployment', { params: StrategyParams, response: { 200: DetailView, 404: Problem } }),
    async (request) => detailView(await locatedInRequest(located, () => lifecycle.strategy(request.tenantId, request.params.id))),
  )

  app.post<{ Params: Static<typeof StrategyParams>; Body: Static<typeof DocumentBody> }>(
    '/v1/strategies/:id/drafts',
    {
      bodyLimit: strategyBodyLimitBytes,
      ...tagged('Write a draft: the next version of the strategy (or its first)', {
        description:
          "The document's version is set to the next number (or must be it) and its id to the strategy's. It is compiled against the catalogue: every problem is answered with a pointer under /body/document.",
        params: StrategyParams,
        body: DocumentBody,
        response: { 201: VersionView, 400: Problem, 403: Problem, 409: Problem },
      }),
    },
    async (request, reply) => {
      requireRole(request, 'analyst')
      const record = await locatedInRequest(located, () => lifecycle.createDraft(request.tenantId, request.params.id, request.body, request.actor))
      return reply.code(201).send(versionView({ record, state: 'draft', role: null }))
    },
  )

  app.get<{ Params: Static<typeof VersionParams>; Querystring: Static<typeof VersionQuery> }>(
    '/v1/strategies/:id/versions/:version',
    tagged('One version with its document; for a submitted one, the diff against the live champion and the cited backtest', {
      params: VersionParams,
      querystring: VersionQuery,
      response: { 200: { content: { 'application/json': { schema: DocumentView }, 'application/yaml': { schema: Type.String() } } }, 404: Problem },
    }),
    async (request, reply) => {
      const { id, version } = request.params
      const status = await locatedInRequest(located, () => lifecycle.version(request.tenantId, id, version))
      if (request.query.format === 'yaml') {
        const by = status.record.approvedBy ? `, approved by ${status.record.approvedBy}` : ''
        return reply.type('application/yaml').send(documentAsYaml(status.record.document, `${id} version ${version} (${status.state}${by})`))
      }
      const review = status.state === 'submitted' ? await lifecycle.review(request.tenantId, id, version) : undefined
      return reply.type('application/json').send(documentView(status, review))
    },
  )

  app.put<{ Params: Static<typeof VersionParams>; Body: Static<typeof DocumentBody> }>(
    '/v1/strategies/:id/versions/:version',
    {
      bodyLimit: strategyBodyLimitBytes,
      ...tagged('Replace a draft', { description: 'Only while it is a draft (409 not_a_draft after).', params: VersionParams, body: DocumentBody, response: { 200: VersionView, 400: Problem, 403: Problem, 404: Problem, 409: Problem } }),
    },
    async (request) => {
      requireRole(request, 'analyst')
      const record = await locatedInRequest(located, () => lifecycle.replaceDraft(request.tenantId, request.params.id, request.params.version, request.body, request.actor))
      return versionView({ record, state: 'draft', role: null })
    },
  )

  app.post<{ Params: Static<typeof VersionParams>; Body: unknown }>(
    '/v1/strategies/:id/versions/:version/submit',
    tagged('Submit a draft for approval: its document is frozen', {
      description:
        'The body is optional: { "backtestId": "…", "note": "…" }. A backtest, if cited, must be finished and of this very document (strategy, version and hash): backtest_not_done, backtest_mismatch.',
      params: VersionParams,
      response: { 200: VersionView, 400: Problem, 403: Problem, 404: Problem, 409: Problem },
    }),
    async (request) => {
      requireRole(request, 'analyst')
      const body = optionalBody(request.body, ['backtestId', 'note'])
      const record = await locatedInRequest(located, () => lifecycle.submit(request.tenantId, request.params.id, request.params.version, body, request.actor))
      return versionView({ record, state: 'submitted', role: null })
    },
  )

  app.post<{ Params: Static<typeof VersionParams>; Body: unknown }>(
    '/v1/strategies/:id/versions/:version/approve',
    tagged('Approve a submitted version and, unless deploy is false, make it the champion', {
      description:
        'The body is optional: { "deploy": true, "note": "…" }. The approver must be neither an author nor the submitter (409 same_actor); with XIEZHI_AUTH=off every caller is "anonymous", so approvals over HTTP are refused. The other arms of the current deployment stay.',
      params: VersionParams,
      response: { 200: Type.Object({ version: VersionView, deployment: Type.Union([DeploymentView, Type.Null()]) }), 400: Problem, 403: Problem, 404: Problem, 409: Problem },
    }),
    async (request) => {
      requireRole(request, 'approver')
      const body = optionalBody(request.body, ['deploy', 'note'])
      const { version, deployment } = await locatedInRequest(located, () => lifecycle.approve(request.tenantId, request.params.id, request.params.version, body, request.actor))
      return { version: versionView({ record: version, state: deployment ? 'live' : 'approved', role: deployment ? 'champion' : null }), deployment: deployment && deploymentView(deployment) }
    },
  )

  app.post<{ Params: Static<typeof VersionParams>; Body: unknown }>(
    '/v1/strategies/:id/versions/:version/reject',
    tagged('Reject a submitted version, saying why', {
      description:
        'The body is { "note": "why" } (required: the author reads it). By an approver (or admin) who is neither an author nor the submitter (409 same_actor: they withdraw instead). Final: the version can no longer be approved (409 already_rejected); its author writes a new draft from it.',
      params: VersionParams,
      response: { 200: VersionView, 400: Problem, 403: Problem, 404: Problem, 409: Problem },
    }),
    async (request) => {
      requireRole(request, 'approver')
      const body = optionalBody(request.body, ['note'])
      const record = await locatedInRequest(located, () => lifecycle.reject(request.tenantId, request.params.id, request.params.version, body, request.actor))
      return versionView({ record, state: 'rejected', role: null })
    },
  )

  app.post<{ Params: Static<typeof VersionParams>; Body: unknown }>(
    '/v1/strategies/:id/versions/:version/withdraw',
    tagged('Withdraw a submitted version: by one of its authors or its submitter', {
      description:
        'The body is optional: { "note": "…" }. Anyone else is refused (403 not_an_author). Final: the version can no longer be approved (409 already_withdrawn); write a new draft from it.',
      params: VersionParams,
      response: { 200: VersionView, 400: Problem, 403: Problem, 404: Problem, 409: Problem },
    }),
    async (request) => {
      const body = optionalBody(request.body, ['note'])
      const record = await locatedInRequest(located, () => lifecycle.withdraw(request.tenantId, request.params.id, request.params.version, body, request.actor))
      return versionView({ record, state: 'withdrawn', role: null })
    },
  )

  app.post<{ Params: Static<typeof StrategyParams>; Body: Static<typeof DeploymentBody> }>(
    '/v1/strategies/:id/deployments',
    tagged('Change what runs: the champion, challengers with their shares, shadows', {
      description: 'Every version named must be approved. If another change lands first, 409 deployment_moved and nothing changes.',
      params: StrategyParams,
      body: DeploymentBody,
      response: { 201: DeploymentView, 400: Problem, 403: Problem, 404: Problem, 409: Problem },
    }),
    async (request, reply) => {
      requireRole(request, 'approver')
      const deployment = await locatedInRequest(located, () => lifecycle.deploy(request.tenantId, request.params.id, request.body, request.actor))
      return reply.code(201).send(deploymentView(deployment))
    },
  )

  app.post<{ Params: Static<typeof StrategyParams>; Body: unknown }>(
    '/v1/strategies/:id/rollback',
    tagged('Go back to the deployment before the current one', {
      description: 'One step; a second rollback goes one further. The body is optional: { "note": "why" }.',
      params: StrategyParams,
      response: { 201: DeploymentView, 400: Problem, 403: Problem, 404: Problem, 409: Problem },
    }),
    async (request, reply) => {
      requireRole(request, 'approver')
      const { note } = optionalBody(request.body, ['note'])
      const deployment = await locatedInRequest(located, () => lifecycle.rollback(request.tenantId, request.params.id, request.actor, note as string | undefined))
      return reply.code(201).send(deploymentView(deployment))
    },
  )

  app.get<{ Params: Static<typeof StrategyParams>; Querystring: Static<typeof DiffQuery> }>(
    '/v1/strategies/:id/diff',
    tagged('A readable diff between two versions', {
      description: 'One line per changed leaf, array items named by their id (/flow/hard-rules/rules/device-burst/when).',
      params: StrategyParams,
      querystring: DiffQuery,
      response: { 200: DiffView, 400: Problem, 404: Problem },
    }),
    async (request) => {
      const { from, to } = request.query
      return { id: request.params.id, from, to, ...(await locatedInRequest(located, () => lifecycle.diff(request.tenantId, request.params.id, from, to))) }
    },
  )
}
