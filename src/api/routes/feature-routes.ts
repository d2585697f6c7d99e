import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { Engine } from '../../app/open-engine.ts'
import { notFound } from '../../core/errors.ts'
import { entityKinds } from '../../events/entities.ts'
import { describeFeature } from '../../features/feature-catalogue.ts'
import { observedEvent } from '../../features/observed-event.ts'
import { Problem } from '../api-schemas.ts'

const FeatureName = Type.Object({ name: Type.String({ minLength: 1, maxLength: 80 }) })
const EntityQuery = Type.Object(
  {
    entityType: Type.Unsafe<string>({ type: 'string', enum: [...entityKinds] }),
    entityValue: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { additionalProperties: false },
)

/** The feature catalogue: definitions, who reads them, current values per entity, and dry runs. */
export function registerFeatureRoutes(app: FastifyInstance, engine: Engine) {
  const describe = (name: string) => {
    const definition = engine.features.definitions.find((d) => d.name === name)
    if (!definition) throw notFound(`Feature "${name}" does not exist`)
    return describeFeature(definition, engine.strategies.all(), engine.featureVersions.get(name))
  }

  app.get('/v1/features', { schema: { summary: 'List the feature catalogue', tags: ['features'] } }, async () => ({
    items: engine.features.definitions.map((d) => describeFeature(d, engine.strategies.all(), engine.featureVersions.get(d.name))),
  }))

  app.get<{ Querystring: Static<typeof EntityQuery> }>(
    '/v1/features/values',
    {
      schema: {
        summary: "An entity's current feature values",
        description: 'The window features kept per this entity, as of now; nothing is recorded.',
        tags: ['features'],
        querystring: EntityQuery,
        response: { 400: Problem },
      },
    },
    async (request) => {
      const { entityType, entityValue } = request.query
      const key = engine.vault.blindIndex(entityType as (typeof entityKinds)[number], entityValue)
      return { entityType, asOf: new Date(engine.clock.nowMs()).toISOString(), values: engine.features.valuesOf(entityType as (typeof entityKinds)[number], key, engine.clock.nowMs()) }
    },
  )

  app.get<{ Params: Static<typeof FeatureName> }>(
    '/v1/features/:name/versions',
    { schema: { summary: "A feature's recorded versions, oldest first", tags: ['features'], params: FeatureName, response: { 404: Problem } } },
    async (request) => {
      describe(request.params.name)
      const versions = await engine.store.listFeatureVersions(request.params.name)
      return { items: versions.map((v) => ({ version: v.version, since: new Date(v.savedAtMs).toISOString(), definition: JSON.parse(v.definition) })) }
    },
  )

  app.get<{ Params: Static<typeof FeatureName> }>(
    '/v1/features/:name',
    { schema: { summary: 'Describe one feature', tags: ['features'], params: FeatureName, response: { 404: Problem } } },
    async (request) => describe(request.params.name),
  )

  app.post(
    '/v1/features/dry-run',
    {
      schema: {
        summary: 'The features of a hypothetical event, without recording it',
        description: 'Validates the event like POST /v1/events and computes every feature as of its time; no decision is made, nothing is stored and no window changes.',
        tags: ['features'],
        response: { 400: Problem, 422: Problem },
      },
    },
    async (request) => {
      const event = engine.registry.accept(request.tenantId, request.body)
      return { eventId: event.id, eventType: event.type, features: engine.features.read(observedEvent(event, (kind, value) => engine.vault.blindIndex(kind, value))) }
    },
  )
}
