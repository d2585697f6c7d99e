import { Type } from '@sinclair/typebox'
import { actions } from '../core/actions.ts'
import { builtinEventTypes } from '../events/builtin-event-types.ts'
import { entityKinds } from '../events/entities.ts'

/** Route schemas: they document the API (OpenAPI at /openapi.json) and validate query strings and params. */
const Action = Type.Unsafe<string>({ type: 'string', enum: [...actions] })

export const EventEnvelope = Type.Union(
  builtinEventTypes.map((t) =>
    Type.Object(
      {
        id: Type.String({ description: 'Idempotency key: unique per tenant', maxLength: 128 }),
        type: Type.Literal(t.type),
        occurredAt: Type.String({ format: 'date-time' }),
        data: t.schema,
      },
      { title: t.type, description: t.description },
    ),
  ),
  { description: 'An event of a built-in type, or of a type the tenant registered (see /v1/event-types).' },
)

export const Reason = Type.Object({
  code: Type.String(),
  message: Type.Object({ zh: Type.String(), en: Type.String() }),
  evidence: Type.Record(Type.String(), Type.Unknown()),
  ruleId: Type.Optional(Type.String()),
  ruleSetId: Type.Optional(Type.String()),
})

export const Decision = Type.Object(
  {
    decisionId: Type.String(),
    eventId: Type.String(),
    eventType: Type.String(),
    action: Action,
    offer: Type.Optional(Type.Object({ limitMinor: Type.Integer(), aprBps: Type.Integer() }, { description: 'Credit applications: limit in minor units, price as annual rate in basis points' })),
    scores: Type.Record(Type.String(), Type.Number()),
    models: Type.Optional(
      Type.Record(Type.String(), Type.Object({ model: Type.String(), alias: Type.String(), version: Type.Integer() }), {
        description: 'The registry model version behind each registry score',
      }),
    ),
    reasons: Type.Array(Reason),
    features: Type.Record(Type.String(), Type.Number()),
    strategy: Type.Union([Type.Object({ id: Type.String(), version: Type.Integer() }), Type.Null()]),
    decidedAt: Type.String({ format: 'date-time' }),
    latencyMs: Type.Number({ description: 'Time to decide, excluding the durable commit' }),
  },
  { $id: 'Decision' },
)

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ pointer: Type.String(), code: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details (application/problem+json)' },
)

export const DecisionListQuery = Type.Object(
  {
    entityType: Type.Optional(Type.Unsafe<string>({ type: 'string', enum: [...entityKinds] })),
    entityValue: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    action: Type.Optional(Action),
    eventType: Type.Optional(Type.String({ maxLength: 128 })),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Events that occurred at or after' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Events that occurred before' })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    cursor: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
)

export const EventTypeDefinitionBody = Type.Object(
  {
    type: Type.String({ minLength: 3, maxLength: 128 }),
    description: Type.String({ maxLength: 500, default: '' }),
    schema: Type.Object({}, { additionalProperties: true, description: 'JSON Schema (2020-12) of the event data' }),
    entities: Type.Record(Type.String(), Type.String(), { default: {}, description: 'entity kind → JSON pointer into data, e.g. {"device": "/deviceId"}' }),
  },
  { additionalProperties: false },
)
