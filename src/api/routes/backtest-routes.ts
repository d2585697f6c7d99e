import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { strategyCatalogue } from '../../app/load-definitions.ts'
import type { Engine } from '../../app/open-engine.ts'
import { BacktestJobs, unknownBacktest } from '../../backtest/backtest-jobs.ts'
import { backtestRequest, defaultBlocking, maxBacktestDays, maxSampleSize } from '../../backtest/backtest-request.ts'
import { actions } from '../../core/actions.ts'
import { XiezhiError } from '../../core/errors.ts'
import { ModelRegistry } from '../../models/registry/model-registry.ts'
import type { ModelSlots, ModelUse } from '../../models/serving/model-serving.ts'
import { pinnedModelSlots } from '../../models/serving/model-serving.ts'
import { compileStrategy } from '../../strategy/compile-strategy.ts'
import { strategyIdPattern } from '../../strategy/lifecycle/strategy-records.ts'
import { Problem } from '../api-schemas.ts'
import { locatedInRequest } from '../located-in-request.ts'

const When = (description: string) => Type.String({ minLength: 10, maxLength: 40, description: `${description}: YYYY-MM-DD (a Beijing day) or an ISO 8601 instant with its offset` })
const LabelKind = Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' })

const NewBacktest = Type.Object(
  {
    strategy: Type.Record(Type.String(), Type.Unknown(), { description: 'The draft strategy document, as in config/strategies (JSON)' }),
    from: When('Start of the period (events that occurred at or after it)'),
    to: When(`End of the period, exclusive; at most ${maxBacktestDays} days after from`),
    sample: Type.Optional(Type.Integer({ minimum: 0, maximum: maxSampleSize, description: 'Changed decisions in the sample; 20 by default' })),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 4_294_967_295, description: 'Seed of the sample; 1 by default' })),
    blocking: Type.Optional(Type.Array(Type.Unsafe<string>({ type: 'string', enum: [...actions] }), { minItems: 1, maxItems: 4, description: `Actions that count as blocking in the confusion matrices; ${defaultBlocking.join(', ')} by default` })),
    label: Type.Optional({ ...LabelKind, description: 'The positive label kind; fraud by default' }),
    negatives: Type.Optional(Type.Array(LabelKind, { maxItems: 20, description: 'Label kinds that count as negatives; legitimate by default' })),
    maturityDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_650, description: 'Unlabelled events at least this many days old at the cut-off count as negatives; 30 by default' })),
    cutoff: Type.Optional(When('Labels known at or before this moment count; now by default')),
  },
  { additionalProperties: false },
)

const BacktestParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })
const BacktestListQuery = Type.Object({ strategyId: Type.String({ pattern: strategyIdPattern, description: 'The strategy whose backtests to list (every version)' }) })

const Progress = Type.Object({
  phase: Type.Unsafe<string>({ type: 'string', enum: ['replay', 'labels'], description: 'replay: the events of the period, through the features and the draft; then labels: the label events known now' }),
  done: Type.Integer({ description: 'Logged events of the period (any type, warm-up included) the replay has gone past, by their positions in the log: an estimate' }),
  total: Type.Integer({ description: 'Every logged event of the period (any type, warm-up included), counted when the backtest started' }),
  decided: Type.Integer({ description: 'Events the draft decided so far' }),
})

const BacktestView = Type.Object({
  id: Type.String(),
  status: Type.Unsafe<string>({
    type: 'string',
    enum: ['queued', 'running', 'done', 'failed', 'cancelled'],
    description: 'queued → running → done, failed or cancelled. A server that stops leaves queued and running backtests so; at its next start it resumes them (a running one starts over)',
  }),
  strategy: Type.Object({ id: Type.String(), version: Type.Integer(), hash: Type.String({ description: "sha256 of the draft's canonical JSON" }) }),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  requestedBy: Type.String(),
  requestedAt: Type.String({ format: 'date-time' }),
  position: Type.Optional(Type.Integer({ minimum: 1, description: "While queued: its place in the server's queue (every tenant's backtests, in the order asked for); 1 starts next" })),
  startedAt: Type.Optional(Type.String({ format: 'date-time', description: 'When it last started' })),
  attempts: Type.Integer({ minimum: 0, description: 'How many times it has started: more than 1 when a restart interrupted it and it started over' }),
  finishedAt: Type.Optional(Type.String({ format: 'date-time' })),
  progress: Type.Optional(Progress),
  report: Type.Optional(Type.Unknown({ description: 'When done: the report (docs/backtests.md)' })),
  error: Type.Optional(Type.String({ description: 'When failed: why' })),
  cancelledBy: Type.Optional(Type.String({ description: 'When cancelled: who' })),
})

/**
 * Backtests (回测): a draft strategy replayed over the decision log in the
 * background while the server goes on deciding; the report is kept for the
 * submission that cites the backtest's id.
 */
export function registerBacktestRoutes(app: FastifyInstance, engine: Engine, options: { concurrency?: number; pageSize?: number } = {}) {
  const registry = new ModelRegistry({ store: engine.store, clock: engine.clock })
  const jobs = new BacktestJobs({
    store: engine.store,
    vault: engine.vault,
    definitions: engine.catalogue.features,
    lists: engine.lists,
    clock: engine.clock,
    concurrency: options.concurrency ?? 1,
    ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
    recompile: async (tenantId, document, uses) => compileStrategy(document, strategyCatalogue(engine.catalogue.features, engine.registry, tenantId, await pinnedDraftModels(registry, tenantId, uses))),
    onError: (error, id) => app.log.error({ err: error, backtestId: id }, 'backtest failed'),
  })
  // the queued and interrupted backtests of the last run, once the server is ready
  app.addHook('onReady', async () => {
    const resumed = await jobs.resume()
    if (resumed > 0) app.log.info({ resumed }, 'backtests resumed')
  })
  app.addHook('onClose', () => jobs.stop())

  app.post<{ Body: Static<typeof NewBacktest> }>(
    '/v1/backtests',
    {
      schema: {
        summary: 'Backtest a draft strategy over a period of the decision log, in the background',
        description:
          "Compiles the draft, then replays [from, to) of the decision log through it with features recomputed point in time, and compares each decision with the live one and with the labels known at the cut-off. Answers 202 at once; GET /v1/backtests/{id} shows the place in the queue, progress and, when done, the report. The request is stored: XIEZHI_BACKTEST_CONCURRENCY backtests run at once (1 by default), the others wait their turn, and a server that stops resumes the queued and interrupted ones at its next start (an interrupted one starts over). Registry models are pinned at the versions their aliases point to now. Definitions: docs/backtests.md.",
        tags: ['backtests'],
        body: NewBacktest,
        response: { 202: BacktestView, 400: Problem, 409: Problem },
      },
    },
    async (request, reply) => {
      const { strategy, ...input } = request.body
      const checked = await locatedInRequest(Object.fromEntries(Object.keys(NewBacktest.properties).map((key) => [key, 'body' as const])), async () =>
        backtestRequest(input, engine.clock.nowMs()),
      )
      const uses: Record<string, ModelUse> = {}
      const models = frozenSlots(engine.models.slotsOf(request.tenantId), uses)
      const draft = compiledDraft(() => compileStrategy(strategy, strategyCatalogue(engine.catalogue.features, engine.registry, request.tenantId, models)))
      const view = await jobs.submit(request.tenantId, request.actor, draft, checked, uses)
      return reply.code(202).header('location', `/v1/backtests/${view.id}`).send(view)
    },
  )

  app.get<{ Querystring: Static<typeof BacktestListQuery> }>(
    '/v1/backtests',
    {
      schema: {
        summary: "A strategy's backtests, newest first, without their reports",
        description: 'Every backtest of any version of the strategy the tenant ran, with its period, status and who asked when; GET /v1/backtests/{id} has the report.',
        tags: ['backtests'],
        querystring: BacktestListQuery,
        response: { 200: Type.Object({ items: Type.Array(BacktestView) }), 400: Problem },
      },
    },
    async (request) => ({ items: await jobs.list(request.tenantId, request.query.strategyId) }),
  )

  app.get<{ Params: Static<typeof BacktestParams> }>(
    '/v1/backtests/:id',
    {
      schema: {
        summary: 'A backtest: its status, progress while it runs, and the report once done',
        tags: ['backtests'],
        params: BacktestParams,
        response: { 200: BacktestView, 404: Problem },
      },
    },
    async (request) => {
      const view = await jobs.view(request.tenantId, request.params.id)
      if (!view) throw unknownBacktest(request.params.id)
      return view
    },
  )

  app.post<{ Params: Static<typeof BacktestParams> }>(
    '/v1/backtests/:id/cancel',
    {
      schema: {
        summary: 'Cancel a queued or running backtest',
        description: 'A queued backtest leaves the queue; a running one stops at its next page of the log. Recorded as cancelled, with who cancelled it. 409 when it has ended already (done, failed or cancelled), naming the state.',
        tags: ['backtests'],
        params: BacktestParams,
        response: { 200: BacktestView, 404: Problem, 409: Problem },
      },
    },
    async (request) => jobs.cancel(request.tenantId, request.params.id, request.actor),
  )
}

/** The registry models a stored draft scored with, at the versions recorded: one gone since fails the backtest, naming it. */
async function pinnedDraftModels(registry: ModelRegistry, tenantId: string, uses: Readonly<Record<string, ModelUse>>): Promise<ModelSlots> {
  for (const use of Object.values(uses)) {
    try {
      await registry.version(tenantId, use.model, use.version)
    } catch (error) {
      if (error instanceof XiezhiError && error.kind === 'not_found') throw new Error(`the registry model "${use.model}" version ${use.version} (alias ${use.alias}) the draft scored with no longer exists`)
      throw error
    }
  }
  return pinnedModelSlots(registry, tenantId, uses)
}

/** A draft's compile errors, pointing into the request body's `strategy`. */
function compiledDraft<T>(compile: () => T): T {
  try {
    return compile()
  } catch (error) {
    if (!(error instanceof XiezhiError)) throw error
    throw new XiezhiError(error.kind === 'unknown_event_type' ? 'invalid_input' : error.kind, error.message, error.issues.map((issue) => ({ ...issue, pointer: `/body/strategy${issue.pointer}` })))
  }
}

/** Registry models at the versions their aliases point to now, held for the whole backtest even if an alias moves meanwhile; each one read is noted in `uses`, for a restart. */
function frozenSlots(slots: ModelSlots, uses: Record<string, ModelUse>): ModelSlots {
  return (model, alias) => {
    const slot = slots(model, alias)
    if (slot) uses[`${model}@${alias}`] = { model: slot.model, alias: slot.alias, version: slot.served.version }
    return slot && { model: slot.model, alias: slot.alias, served: slot.served }
  }
}
