import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { Engine } from '../../app/open-engine.ts'
import { XiezhiError } from '../../core/errors.ts'
import { aliasPattern, modelKinds, modelNamePattern } from '../../models/registry/model-records.ts'
import { ModelRegistry } from '../../models/registry/model-registry.ts'
import { artifactView, detailView, moveView, promotionView, summaryView, versionView } from '../../models/registry/model-views.ts'
import { Problem } from '../api-schemas.ts'
import { locatedInRequest } from '../located-in-request.ts'

/** A model upload may be far larger than an event: a 300-tree model is a few MB of JSON. */
export const modelBodyLimitBytes = 64 * 1024 * 1024

const Name = Type.String({ pattern: modelNamePattern, description: 'Lower-case letters, digits, _ and -, starting with a letter' })
const Alias = Type.String({ pattern: aliasPattern, description: 'champion, challenger, or any other name of the same form' })
const Instant = Type.String({ format: 'date-time' })
const Note = Type.String({ maxLength: 500 })

const ModelParams = Type.Object({ name: Name })
const VersionParams = Type.Object({ name: Name, version: Type.Integer({ minimum: 1 }) })
const PromotionParams = Type.Object({ name: Name, promotionId: Type.String({ minLength: 1, maxLength: 64 }) })
const AliasParams = Type.Object({ name: Name, alias: Alias })

const NewVersionBody = Type.Object(
  {
    model: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.String({ minLength: 1 })], {
      description: "The model: a xiezhi-gbdt or xiezhi-scorecard document, XGBoost's JSON model (object or text), LightGBM's text model (a string), or an ONNX tree ensemble as { \"format\": \"onnx\", \"base64\": \"<the .onnx file>\" }",
    }),
    kind: Type.Optional(Type.Unsafe<(typeof modelKinds)[number]>({ type: 'string', enum: [...modelKinds], description: 'If given, the document must be of this kind' })),
    metadata: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'How the model was made: label, eventTypes, trainingWindow, cutoff, parameters, metrics, description, …; features are taken from the model',
      }),
    ),
  },
  { additionalProperties: false },
)

const PromotionBody = Type.Object({ alias: Alias, version: Type.Integer({ minimum: 1 }), note: Type.Optional(Note) }, { additionalProperties: false })

function rollbackNote(body: unknown): string {
  if (body === undefined || body === null) return ''
  if (typeof body !== 'object' || Array.isArray(body)) throw new XiezhiError('invalid_input', 'The body must be an object', [{ pointer: '/body', code: 'invalid_type', message: 'must be an object such as { "note": "why" }' }])
  const { note, ...rest } = body as Record<string, unknown>
  const issues = Object.keys(rest).map((key) => ({ pointer: `/body/${key}`, code: 'unknown_field', message: 'only note is allowed' }))
  if (note !== undefined && (typeof note !== 'string' || note.length > 500)) issues.push({ pointer: '/body/note', code: 'invalid_type', message: 'note must be a string of at most 500 characters' })
  if (issues.length > 0) throw new XiezhiError('invalid_input', 'The rollback is invalid', issues)
  return (note as string | undefined) ?? ''
}

const VersionView = Type.Object({
  name: Type.String(),
  version: Type.Integer(),
  kind: Type.String(),
  hash: Type.String({ description: 'sha256 of the stored artifact' }),
  metadata: Type.Record(Type.String(), Type.Unknown()),
  createdBy: Type.String(),
  createdAt: Instant,
})
const ArtifactView = Type.Composite([VersionView, Type.Object({ artifact: Type.Unknown({ description: 'The model document as stored' }) })])
const PromotionView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  alias: Type.String(),
  version: Type.Integer(),
  status: Type.Unsafe<string>({ type: 'string', enum: ['pending', 'approved'] }),
  note: Type.String(),
  requestedBy: Type.String(),
  requestedAt: Instant,
  approvedBy: Type.Union([Type.String(), Type.Null()]),
  approvedAt: Type.Union([Instant, Type.Null()]),
})
const MoveView = Type.Object({
  id: Type.String(),
  alias: Type.String(),
  kind: Type.Unsafe<string>({ type: 'string', enum: ['promotion', 'rollback'] }),
  fromVersion: Type.Union([Type.Integer(), Type.Null()]),
  toVersion: Type.Integer(),
  promotionId: Type.Union([Type.String(), Type.Null()]),
  movedBy: Type.String(),
  movedAt: Instant,
  note: Type.String(),
})
const AliasView = Type.Object({ alias: Type.String(), version: Type.Integer(), rollbackTo: Type.Union([Type.Integer(), Type.Null()]), movedBy: Type.String(), movedAt: Instant })
const SummaryView = Type.Object({ name: Type.String(), versions: Type.Integer(), latest: VersionView, aliases: Type.Record(Type.String(), Type.Integer()) })
const DetailView = Type.Object({
  name: Type.String(),
  versions: Type.Array(VersionView),
  aliases: Type.Array(AliasView),
  promotions: Type.Array(PromotionView),
  history: Type.Array(MoveView, { description: 'Every move of every alias, oldest first; never deleted' }),
})

/** The model registry: versions, aliases, promotions (author ≠ approver) and rollbacks. */
export function registerModelRoutes(app: FastifyInstance, engine: Engine) {
  // a move of an alias a strategy reads is checked and then served by the engine
  const registry = new ModelRegistry({ store: engine.store, clock: engine.clock, aliasWatcher: engine.models })

  app.get('/v1/models', { schema: { summary: 'List the models', tags: ['models'], response: { 200: Type.Object({ items: Type.Array(SummaryView) }) } } }, async (request) => ({
    items: (await registry.models(request.tenantId)).map(summaryView),
  }))

  app.get<{ Params: Static<typeof ModelParams> }>(
    '/v1/models/:name',
    { schema: { summary: 'A model: its versions, aliases, promotions and the history of its aliases', tags: ['models'], params: ModelParams, response: { 200: DetailView, 404: Problem } } },
    async (request) => detailView(await locatedInRequest({ name: 'params' }, () => registry.model(request.tenantId, request.params.name))),
  )

  app.post<{ Params: Static<typeof ModelParams>; Body: Static<typeof NewVersionBody> }>(
    '/v1/models/:name/versions',
    {
      bodyLimit: modelBodyLimitBytes,
      schema: {
        summary: 'Register a model version',
        description:
          'The model is loaded with the loader of its kind (gbdt, scorecard, imported-xgboost, imported-lightgbm, imported-onnx) and kept as canonical JSON with its sha256; versions are numbered 1, 2, … per model and never change. Registering an artifact the model already has returns that version (200) instead of a new one (201).',
        tags: ['models'],
        params: ModelParams,
        body: NewVersionBody,
        response: { 200: VersionView, 201: VersionView, 400: Problem },
      },
    },
    async (request, reply) => {
      const { model, kind, metadata } = request.body
      const { version, created } = await locatedInRequest({ name: 'params', model: 'body', kind: 'body', metadata: 'body' }, () =>
        registry.register(request.tenantId, request.params.name, { model, ...(kind ? { kind } : {}), ...(metadata ? { metadata } : {}) }, request.actor),
      )
      return reply.code(created ? 201 : 200).send(versionView(version))
    },
  )

  app.get<{ Params: Static<typeof VersionParams> }>(
    '/v1/models/:name/versions/:version',
    { schema: { summary: 'One version with its artifact', tags: ['models'], params: VersionParams, response: { 200: ArtifactView, 404: Problem } } },
    async (request) => artifactView(await locatedInRequest({ name: 'params', version: 'params' }, () => registry.version(request.tenantId, request.params.name, request.params.version))),
  )

  app.post<{ Params: Static<typeof ModelParams>; Body: Static<typeof PromotionBody> }>(
    '/v1/models/:name/promotions',
    {
      schema: {
        summary: 'Ask for an alias to point at a version',
        description: 'Nothing moves until a different user or API key approves the request.',
        tags: ['models'],
        params: ModelParams,
        body: PromotionBody,
        response: { 201: PromotionView, 400: Problem, 404: Problem, 409: Problem },
      },
    },
    async (request, reply) => {
      const promotion = await locatedInRequest({ name: 'params', alias: 'body', version: 'body', note: 'body' }, () =>
        registry.requestPromotion(request.tenantId, request.params.name, request.body, request.actor),
      )
      return reply.code(201).send(promotionView(promotion))
    },
  )

  app.post<{ Params: Static<typeof PromotionParams> }>(
    '/v1/models/:name/promotions/:promotionId/approve',
    {
      schema: {
        summary: 'Approve a promotion: the alias moves',
        description: 'The approver must differ from the author (409 same_actor). With XIEZHI_AUTH=off every caller is "anonymous", so approvals over HTTP are refused.',
        tags: ['models'],
        params: PromotionParams,
        response: { 200: Type.Object({ promotion: PromotionView, move: MoveView }), 404: Problem, 409: Problem },
      },
    },
    async (request) => {
      const { promotion, move } = await locatedInRequest({ name: 'params', promotionId: 'params', version: 'params', alias: 'params' }, () =>
        registry.approvePromotion(request.tenantId, request.params.name, request.params.promotionId, request.actor),
      )
      return { promotion: promotionView(promotion), move: moveView(move) }
    },
  )

  app.post<{ Params: Static<typeof AliasParams>; Body: unknown }>(
    '/v1/models/:name/aliases/:alias/rollback',
    {
      schema: {
        summary: 'Point an alias back at the version it held before',
        description:
          'Goes back one promotion (again for a second rollback). The move is recorded with who made it; the history is never deleted. The body is optional: `{ "note": "why" }`.',
        tags: ['models'],
        params: AliasParams,
        response: { 200: MoveView, 404: Problem, 409: Problem },
      },
    },
    async (request) => {
      // an optional body: fastify would refuse a missing one against a body schema
      const note = rollbackNote(request.body)
      const move = await locatedInRequest({ name: 'params', alias: 'params', note: 'body' }, () =>
        registry.rollback(request.tenantId, request.params.name, request.params.alias, request.actor, note),
      )
      return moveView(move)
    },
  )
}

