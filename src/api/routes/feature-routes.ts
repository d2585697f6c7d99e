import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { Engine } from '../../app/open-engine.ts'
import { notFound } from '../../core/errors.ts'
import { entityKinds } from '../../events/entities.ts'
import { describeFeature } from '../../features/feature-catalogue.ts'
import { featureKinds } from '../../features/feature-definition.ts'
import { observedEvent } from '../../features/observed-event.ts'
import { currentPairValues } from '../../features/pair-values.ts'
import { entityGraphValues } from '../../graph/graph-feature-catalogue.ts'
import { Problem } from '../api-schemas.ts'
import { locatedInRequest } from '../located-in-request.ts'

const FeatureName = Type.Object({ name: Type.String({ minLength: 1, maxLength: 80 }) })
const EntityQuery = Type.Object(
  {
    entityType: Type.Unsafe<string>({ type: 'string', enum: [...entityKinds] }),
    entityValue: Type.String({ minLength: 1, maxLength: 256 }),
    pairedType: Type.Optional(Type.Unsafe<string>({ type: 'string', enum: [...entityKinds], description: 'With pairedValue: the features kept per pair of this entity and another (`pairedWith`), e.g. logins per user and device' })),
    pairedValue: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  },
  { additionalProperties: false },
)

const FeatureDescription = Type.Object(
  {
    name: Type.String(),
    kind: Type.Unsafe<string>({ type: 'string', enum: [...featureKinds], description: '`graph`: a measure of the relationship graph (`measure`, `hops`, `labels`, `of`, `entity`, `window`)' }),
    type: Type.Optional(Type.Unsafe<string>({ type: 'string', enum: ['int', 'double'], description: 'How a strategy sees it in CEL' })),
    measure: Type.Optional(Type.String({ description: 'graph: what is measured (docs/graph.md, "Measures for a decision")' })),
    hops: Type.Optional(Type.Integer({ description: 'graph neighbourhood measures: how far from the applicant' })),
    labels: Type.Optional(Type.Array(Type.String(), { description: 'graph labelled_nodes: the label kinds counted (absent: the risk labels)' })),
    entity: Type.Optional(Type.String()),
    pairedWith: Type.Optional(Type.String()),
    list: Type.Optional(Type.String()),
    eventTypes: Type.Array(Type.String(), { description: 'Events that feed it; empty for graph features, which read every event' }),
    window: Type.Optional(Type.String()),
    delay: Type.Optional(Type.String()),
    includesEvent: Type.Boolean(),
    field: Type.Optional(Type.String()),
    of: Type.Optional(Type.String()),
    approximate: Type.Optional(Type.Boolean()),
    timeZone: Type.Optional(Type.String()),
    where: Type.Optional(Type.String()),
    expression: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    version: Type.Optional(Type.Integer({ description: 'The version in force' })),
    since: Type.Optional(Type.String({ format: 'date-time', description: 'When the version in force was recorded' })),
    usedBy: Type.Array(Type.Object({ strategy: Type.String(), version: Type.Integer() }), { description: 'The strategies that read it' }),
  },
  { $id: 'FeatureDescription' },
)

/** The feature catalogue: definitions (the graph's included), who reads them, current values per entity, and dry runs. */
export function registerFeatureRoutes(app: FastifyInstance, engine: Engine) {
  // which strategies read a feature: the caller's tenant's only
  const describe = (tenantId: string, name: string) => {
    const definition = engine.catalogue.features.find((d) => d.name === name)
    if (definition) return describeFeature(definition, engine.strategies.all(tenantId), engine.featureVersions.get(name))
    throw notFound(`Feature "${name}" does not exist`)
  }

  app.get(
    '/v1/features',
    {
      schema: {
        summary: 'List the feature catalogue, graph features (kind `graph`) included, in declaration order',
        tags: ['features'],
        response: { 200: Type.Object({ items: Type.Array(FeatureDescription) }) },
      },
    },
    async (request) => ({
      items: engine.catalogue.features.map((d) => describeFeature(d, engine.strategies.all(request.tenantId), engine.featureVersions.get(d.name))),
    }),
  )

  // a POST: the entity's clear value (a phone, an id number) travels in the body, never in a URL that proxies and access logs keep
  app.post<{ Body: Static<typeof EntityQuery> }>(
    '/v1/features/values',
    {
      schema: {
        summary: "An entity's (or a pair's) current feature values",
        description:
          "The window features kept per this entity, and the graph's measures of an event naming only it (for a user, the user applying; otherwise a new applicant presenting it), as of now; nothing is recorded. With pairedType and pairedValue: the features kept per that pair of entities (`pairedWith`) instead. The values are in the body, so that no URL carries them.",
        tags: ['features'],
        body: EntityQuery,
        response: { 400: Problem },
      },
    },
    async (request) => {
      const { entityType, entityValue, pairedType, pairedValue } = request.body
      // the caller's tenant's state: another tenant's events never count here
      const { features, graph } = engine.tenants.read(request.tenantId)
      const nowMs = engine.clock.nowMs()
      const asOf = new Date(nowMs).toISOString()
      if (pairedType !== undefined || pairedValue !== undefined) {
        const values = await locatedInRequest({ pairedType: 'body', pairedValue: 'body' }, async () =>
          currentPairValues(features, (kind, value) => engine.vault.blindIndex(kind, value), { entityType, entityValue, pairedType, pairedValue }, nowMs),
        )
        return { entityType, pairedType, asOf, values }
      }
      const kind = entityType as (typeof entityKinds)[number]
      const key = engine.vault.blindIndex(kind, entityValue)
      return { entityType, asOf, values: { ...features.valuesOf(kind, key, nowMs), ...entityGraphValues(graph, kind, key, nowMs) } }
    },
  )

  app.get<{ Params: Static<typeof FeatureName> }>(
    '/v1/features/:name/versions',
    { schema: { summary: "A feature's recorded versions, oldest first", tags: ['features'], params: FeatureName, response: { 404: Problem } } },
    async (request) => {
      describe(request.tenantId, request.params.name)
      const versions = await engine.store.listFeatureVersions(request.params.name)
      return { items: versions.map((v) => ({ version: v.version, since: new Date(v.savedAtMs).toISOString(), definition: JSON.parse(v.definition) })) }
    },
  )

  app.get<{ Params: Static<typeof FeatureName> }>(
    '/v1/features/:name',
    { schema: { summary: 'Describe one feature', tags: ['features'], params: FeatureName, response: { 200: FeatureDescription, 404: Problem } } },
    async (request) => describe(request.tenantId, request.params.name),
  )

  app.post(
    '/v1/features/dry-run',
    {
      schema: {
        summary: 'The features of a hypothetical event, without recording it',
        description: "Validates the event like POST /v1/events and computes every feature, the graph's measures included, as of its time; no decision is made, nothing is stored, no window and no graph changes.",
        tags: ['features'],
        response: { 400: Problem, 422: Problem },
      },
    },
    async (request) => {
      const event = engine.registry.accept(request.tenantId, request.body)
      const observed = observedEvent(event, (kind, value) => engine.vault.blindIndex(kind, value))
      const { features, graph } = engine.tenants.read(event.tenantId)
      return { eventId: event.id, eventType: event.type, features: { ...features.read(observed), ...graph.measure(observed) } }
    },
  )
}
