import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { Engine } from '../../app/open-engine.ts'
import { entityKinds } from '../../events/entities.ts'
import { type ListKind, listKinds, listNamePattern } from '../../lists/list.ts'
import { ListService, maxEntriesPerAdd } from '../../lists/list-service.ts'
import { entryView, listView } from '../../lists/list-view.ts'
import { Problem } from '../api-schemas.ts'
import { locatedInRequest } from '../located-in-request.ts'

const Name = Type.String({ pattern: listNamePattern, description: 'Lower-case letters, digits, _ and -, starting with a letter' })
const Instant = Type.String({ format: 'date-time' })
const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()])

const ListParams = Type.Object({ name: Name })
const EntryParams = Type.Object({ name: Name, entryId: Type.String({ minLength: 1, maxLength: 64 }) })

const NewListBody = Type.Object(
  {
    name: Name,
    kind: Type.Unsafe<ListKind>({ type: 'string', enum: [...listKinds], description: 'black (deny), grey (look closer) or white (trust)' }),
    entityKind: Type.Unsafe<(typeof entityKinds)[number]>({ type: 'string', enum: [...entityKinds], description: 'The kind of value the list holds' }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
)

const NewEntriesBody = Type.Object(
  {
    entries: Type.Array(
      Type.Object(
        {
          value: Type.String({ minLength: 1, maxLength: 256, description: 'The clear value (a phone number, a device id, …): only its blind index and a masked form are kept' }),
          reason: Type.String({ minLength: 1, maxLength: 500 }),
          source: Type.String({ minLength: 1, maxLength: 200, description: 'Where the entry comes from: a case, a consortium, a regulator, …' }),
          expiresAt: Type.Optional(Type.String({ format: 'date-time', description: 'Off the list from this instant; later than now' })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: maxEntriesPerAdd },
    ),
  },
  { additionalProperties: false },
)

const EntriesQuery = Type.Object(
  {
    value: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: "A clear value: its entries, and whether it is on the list at 'at'" })),
    at: Type.Optional(Type.String({ format: 'date-time', description: 'The moment the statuses (and onList) are for; now by default' })),
    limit: Type.Integer({ minimum: 1, maximum: 1_000, default: 100 }),
    cursor: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
)

const ListView = Type.Object({
  name: Type.String(),
  kind: Type.String(),
  entityKind: Type.String(),
  description: Type.String(),
  createdBy: Type.String(),
  createdAt: Instant,
  entries: Type.Optional(Type.Integer({ description: 'Entries ever recorded' })),
  activeEntries: Type.Optional(Type.Integer({ description: 'Values on the list now' })),
})

const EntryView = Type.Object({
  id: Type.String(),
  list: Type.String(),
  maskedValue: Type.String({ description: 'e.g. 138****1234; the value itself is never stored' }),
  reason: Type.String(),
  source: Type.String(),
  addedBy: Type.String(),
  addedAt: Instant,
  expiresAt: Nullable(Instant),
  removedAt: Nullable(Instant),
  removedBy: Nullable(Type.String()),
  status: Type.Unsafe<string>({ type: 'string', enum: ['active', 'pending', 'expired', 'removed'] }),
})

/** Lists (名单): black, grey and white lists of entity values, with their history. */
export function registerListRoutes(app: FastifyInstance, engine: Engine) {
  const lists = new ListService({ store: engine.store, membership: engine.lists, vault: engine.vault, clock: engine.clock })
  const counted = (tenantId: string, name: string) => {
    const list = lists.list(tenantId, name)
    return listView(list, engine.lists.counts(name, engine.clock.nowMs(), tenantId))
  }

  app.get('/v1/lists', { schema: { summary: 'List the lists', tags: ['lists'], response: { 200: Type.Object({ items: Type.Array(ListView) }) } } }, async (request) => ({
    items: engine.lists.listsOf(undefined, request.tenantId).map((l) => counted(request.tenantId, l.name)),
  }))

  app.post<{ Body: Static<typeof NewListBody> }>(
    '/v1/lists',
    {
      schema: {
        summary: 'Create a list',
        description: 'A list holds values of one entity kind. Its name is taken for good.',
        tags: ['lists'],
        body: NewListBody,
        response: { 201: ListView, 400: Problem, 409: Problem },
      },
    },
    async (request, reply) => {
      const list = await locatedInRequest({ name: 'body', kind: 'body', entityKind: 'body', description: 'body' }, () =>
        lists.createList(request.tenantId, request.body, request.actor),
      )
      return reply.code(201).send(listView(list))
    },
  )

  app.get<{ Params: Static<typeof ListParams> }>(
    '/v1/lists/:name',
    { schema: { summary: 'Describe one list', tags: ['lists'], params: ListParams, response: { 200: ListView, 404: Problem } } },
    async (request) => locatedInRequest({ name: 'params' }, async () => counted(request.tenantId, request.params.name)),
  )

  app.post<{ Params: Static<typeof ListParams>; Body: Static<typeof NewEntriesBody> }>(
    '/v1/lists/:name/entries',
    {
      schema: {
        summary: 'Add entries to a list, all or none',
        description:
          'Each value is blind-indexed and masked; the clear value is not kept. An entry counts from now until it expires or is removed. A value already on the list is refused (409); to change an entry, remove it and add it again.',
        tags: ['lists'],
        params: ListParams,
        body: NewEntriesBody,
        response: { 201: Type.Object({ items: Type.Array(EntryView) }), 400: Problem, 404: Problem, 409: Problem },
      },
    },
    async (request, reply) => {
      const inputs = request.body.entries.map((e) => ({
        value: e.value,
        reason: e.reason,
        source: e.source,
        ...(e.expiresAt === undefined ? {} : { expiresAtMs: Date.parse(e.expiresAt) }),
      }))
      const added = await locatedInRequest({ name: 'params', entries: 'body' }, () => lists.addEntries(request.tenantId, request.params.name, inputs, request.actor))
      const nowMs = engine.clock.nowMs()
      return reply.code(201).send({ items: added.map((e) => entryView(e, nowMs)) })
    },
  )

  app.delete<{ Params: Static<typeof EntryParams> }>(
    '/v1/lists/:name/entries/:entryId',
    {
      schema: {
        summary: 'Remove an entry',
        description: 'Records who removed the entry and when; the entry is kept, so the list can still be asked about the time before.',
        tags: ['lists'],
        params: EntryParams,
        response: { 200: EntryView, 404: Problem, 409: Problem },
      },
    },
    async (request) => {
      const removed = await locatedInRequest({ name: 'params', entryId: 'params' }, () =>
        lists.removeEntry(request.tenantId, request.params.name, request.params.entryId, request.actor),
      )
      return entryView(removed, engine.clock.nowMs())
    },
  )

  app.get<{ Params: Static<typeof ListParams>; Querystring: Static<typeof EntriesQuery> }>(
    '/v1/lists/:name/entries',
    {
      schema: {
        summary: "A list's entries, or those of one value",
        description:
          'With `value`: every entry ever recorded for that value, and `onList`, whether it is on the list at `at`. Without: the entries in the order they were added, a page at a time.',
        tags: ['lists'],
        params: ListParams,
        querystring: EntriesQuery,
        response: {
          200: Type.Object({ asOf: Instant, onList: Type.Optional(Type.Boolean()), items: Type.Array(EntryView), nextCursor: Type.Optional(Type.String()) }),
          400: Problem,
          404: Problem,
        },
      },
    },
    async (request) => {
      const { value, at, limit, cursor } = request.query
      const atMs = at === undefined ? engine.clock.nowMs() : Date.parse(at)
      const asOf = new Date(atMs).toISOString()
      if (value !== undefined) {
        const found = await locatedInRequest({ name: 'params', value: 'query' }, () => lists.lookup(request.tenantId, request.params.name, value, atMs))
        return { asOf, onList: found.onList, items: found.entries.map((e) => entryView(e, atMs)) }
      }
      const page = await locatedInRequest({ name: 'params' }, () => lists.entries(request.tenantId, request.params.name, { limit, ...(cursor === undefined ? {} : { afterId: cursor }) }))
      return { asOf, items: page.items.map((e) => entryView(e, atMs)), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) }
    },
  )
}

