import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { Engine } from '../../app/open-engine.ts'
import { XiezhiError } from '../../core/errors.ts'
import { compareArms } from '../../monitoring/arm-comparison.ts'
import { armComparisonRequest } from '../../monitoring/arm-comparison-request.ts'
import { decisionLogSource } from '../../monitoring/decision-log-source.ts'
import { defaultCapacity, maxMonitoredDays, scoreMonitorRequest } from '../../monitoring/monitoring-request.ts'
import { monitorScore } from '../../monitoring/score-monitor.ts'
import { Problem } from '../api-schemas.ts'

const When = (description: string) => Type.String({ minLength: 10, maxLength: 40, description: `${description}: YYYY-MM-DD (a Beijing day) or an ISO 8601 instant with its offset` })
const LabelKind = Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' })

const MonitoringQuery = Type.Object(
  {
    eventType: Type.String({ minLength: 1, maxLength: 128, description: 'The decision point, e.g. credit.application' }),
    score: Type.String({ minLength: 1, maxLength: 128, description: "A key of the decisions' scores, e.g. fraud" }),
    from: When('Start of the period (events that occurred at or after it)'),
    to: When(`End of the period, exclusive; at most ${maxMonitoredDays} days after from`),
    bucket: Type.Unsafe<'day' | 'week'>({ type: 'string', enum: ['day', 'week'], default: 'day', description: 'Local days, or ISO weeks starting on Monday' }),
    timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone of the buckets and of the capacity\'s days; Asia/Shanghai by default' })),
    label: Type.Optional({ ...LabelKind, description: 'The positive label kind; fraud by default' }),
    negatives: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_]*(,[a-z][a-z0-9_]*)*$', maxLength: 200, description: 'Label kinds that count as negatives, comma-separated; legitimate by default' })),
    maturityDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_650, description: 'Unlabelled events at least this many days old at the cut-off count as negatives; 30 by default' })),
    cutoff: Type.Optional(When('Labels known at or before this moment count; now by default')),
    capacity: Type.Optional(Type.String({ maxLength: 20, description: `Review capacity: a share of each day's decisions (5%) or decisions a day (200); ${defaultCapacity} by default` })),
    baselineFrom: Type.Optional(When('Start of the baseline window the PSI compares with; the first bucket by default')),
    baselineTo: Type.Optional(When('End of the baseline window, exclusive')),
    bins: Type.Optional(Type.Integer({ minimum: 2, maximum: 100, description: 'Quantile bins of the PSI, cut on the baseline; 10 by default' })),
    warning: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10, description: 'PSI above which a warning is raised; 0.1 by default' })),
    alert: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10, description: 'PSI above which an alert is raised; 0.25 by default' })),
    minVolume: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Buckets with fewer decisions raise no drift alert; 30 by default' })),
  },
  { additionalProperties: false },
)

/** Monitoring (监控): how scores separate as labels arrive, and whether they or their inputs drift. */
export function registerMonitoringRoutes(app: FastifyInstance, engine: Engine) {
  app.get<{ Querystring: Static<typeof MonitoringQuery> }>(
    '/v1/monitoring/scores',
    {
      schema: {
        summary: 'Monitor a score over time: AUC, KS, precision at capacity, PSI of the score and its inputs, drift alerts',
        description:
          'Reads the decisions of one event type over [from, to) and the labels known at the cut-off, and returns one entry per day or week with volume, labelled, positives, AUC, KS, precision and recall at the review capacity, the PSI of the score and of each input feature the decisions recorded against the baseline window, and drift alerts. Definitions: docs/monitoring.md.',
        tags: ['monitoring'],
        querystring: MonitoringQuery,
        response: { 400: Problem, 422: Problem },
      },
    },
    async (request) => {
      const { query } = request
      if (!engine.registry.find(request.tenantId, query.eventType)) {
        throw new XiezhiError('unknown_event_type', `No event type "${query.eventType}"`, [
          { pointer: '/query/eventType', code: 'unknown_event_type', message: 'names no built-in event type and none the tenant registered' },
        ])
      }
      let monitored: ReturnType<typeof scoreMonitorRequest>
      try {
        monitored = scoreMonitorRequest(query, engine.clock.nowMs())
      } catch (error) {
        if (!(error instanceof XiezhiError)) throw error
        throw new XiezhiError(error.kind, error.message, error.issues.map((issue) => ({ ...issue, pointer: `/query${issue.pointer}` })))
      }
      return monitorScore(decisionLogSource(engine.store, (sealed) => engine.vault.open(sealed), request.tenantId), monitored)
    },
  )

  app.get<{ Params: { strategyId: string }; Querystring: Static<typeof ArmQuery> }>(
    '/v1/monitoring/strategies/:strategyId/arms',
    {
      schema: {
        summary: 'Compare the versions of a live strategy: champion, challengers and shadows',
        description:
          "Per version that decided over [from, to): decisions, actions, approval / review / reject rates, fraud caught, and the bad rate at 30 days past due of the approvals whose loans are drawn and mature at the cut-off (loans name their application, repayments their loan), each with a 95 % Wilson interval, with the approvals not drawn or too recent counted apart; what shadow versions would have done and how often they agree; and a sample-ratio check of the split against the live deployment's shares. Definitions: docs/monitoring.md.",
        tags: ['monitoring'],
        params: Type.Object({ strategyId: Type.String({ minLength: 1, maxLength: 80 }) }),
        querystring: ArmQuery,
        response: { 200: ArmComparisonSchema, 400: Problem, 404: Problem },
      },
    },
    async (request) => {
      const live = engine.strategies.liveOf(request.tenantId, request.params.strategyId)
      if (!live) {
        throw new XiezhiError('not_found', `No strategy "${request.params.strategyId}" is in service`, [
          { pointer: '/strategyId', code: 'unknown_strategy', message: 'names no strategy of the tenant in service' },
        ])
      }
      const { deployment, champion } = live
      let compared: ReturnType<typeof armComparisonRequest>
      try {
        compared = armComparisonRequest(request.query, { strategyId: champion.id, eventType: champion.document.eventType, champion: deployment.champion, challengers: deployment.challengers }, engine.clock.nowMs())
      } catch (error) {
        if (!(error instanceof XiezhiError)) throw error
        throw new XiezhiError(error.kind, error.message, error.issues.map((issue) => ({ ...issue, pointer: `/query${issue.pointer}` })))
      }
      return compareArms(decisionLogSource(engine.store, (sealed) => engine.vault.open(sealed), request.tenantId), compared)
    },
  )
}

const ArmQuery = Type.Object(
  {
    from: When('Start of the period (events that occurred at or after it)'),
    to: When('End of the period, exclusive'),
    cutoff: Type.Optional(When('Labels known at or before this moment count; now by default')),
    fraudLabel: Type.Optional({ ...LabelKind, description: 'The label kind of fraud caught; fraud by default' }),
    badLabels: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_]*(,[a-z][a-z0-9_]*)*$', maxLength: 200, description: 'Label kinds that make a loan bad (about its application, drawdown or a repayment), comma-separated; default,charge_off by default' })),
    daysPastDue: Type.Optional(Type.Integer({ minimum: 1, maximum: 3_650, description: 'Days past due that make a loan bad; 30 by default' })),
  },
  { additionalProperties: false },
)

const RateSchema = Type.Object(
  {
    count: Type.Integer(),
    of: Type.Integer(),
    rate: Type.Union([Type.Number(), Type.Null()]),
    low: Type.Union([Type.Number(), Type.Null()], { description: 'Lower end of the 95 % Wilson interval' }),
    high: Type.Union([Type.Number(), Type.Null()], { description: 'Upper end of the 95 % Wilson interval' }),
  },
  { description: 'count of of, with its 95 % Wilson interval; rate, low and high are null when of is 0' },
)
const armFigures = {
  version: Type.Integer(),
  decisions: Type.Integer(),
  actions: Type.Object({ approve: Type.Integer(), step_up: Type.Integer(), review: Type.Integer(), reject: Type.Integer() }),
  approvalRate: RateSchema,
  reviewRate: RateSchema,
  rejectRate: RateSchema,
  fraudCaught: { ...RateSchema, description: 'Of the events labelled fraudLabel by the cut-off, those not approved' },
  badRate: { ...RateSchema, description: 'Of the approvals drawn and mature at the cut-off, those whose loans reached daysPastDue or got a bad label' },
  approvals: Type.Object(
    {
      notDrawn: Type.Integer({ description: 'Approvals no loan named by the cut-off' }),
      immature: Type.Integer({ description: 'Drawn, but the first due date plus daysPastDue is after the cut-off: left out of the bad rate' }),
      matured: Type.Integer({ description: "The bad rate's of" }),
    },
    { description: 'What became of the approvals by the cut-off' },
  ),
}
const ArmComparisonSchema = Type.Object({
  strategyId: Type.String(),
  eventType: Type.String(),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  cutoff: Type.String({ format: 'date-time' }),
  bad: Type.Object({ daysPastDue: Type.Integer(), labels: Type.Array(Type.String()) }, { description: 'What makes a loan bad' }),
  arms: Type.Array(Type.Object({ ...armFigures, arm: Type.Unsafe<'champion' | 'challenger' | 'only'>({ type: 'string', enum: ['champion', 'challenger', 'only'] }) })),
  shadows: Type.Array(Type.Object({ ...armFigures, agreement: { ...RateSchema, description: 'Share of events where the shadow would have taken the action taken' } })),
  sampleRatio: Type.Optional(
    Type.Object(
      {
        expected: Type.Record(Type.String(), Type.Number(), { description: 'Share (percent) by version' }),
        observed: Type.Record(Type.String(), Type.Integer(), { description: 'Decisions by version' }),
        chiSquare: Type.Number(),
        pValue: Type.Number(),
        mismatch: Type.Boolean({ description: 'pValue below 0.001' }),
      },
      { description: 'Pearson χ² of the arms’ decisions against the live shares; present while challengers run' },
    ),
  ),
})
