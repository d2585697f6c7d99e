import { createHash } from 'node:crypto'
import stringify from 'safe-stable-stringify'
import { type Action, actions, isAction } from '../core/actions.ts'
import { type FieldIssue, invalidInput } from '../core/errors.ts'
import type { EventTypeDefinition } from '../events/event-type-registry.ts'
import type { FeatureDefinition } from '../features/feature-definition.ts'
import { featureCelType } from '../features/feature-expressions.ts'
import { celSchemaOf, celValueConverter } from '../cel/json-schema-to-cel.ts'
import { createCelEnvironment } from '../cel/cel-environment.ts'
import { type CompiledExpression, compileExpression } from '../cel/condition.ts'
import type { ModelSlots } from '../models/serving/model-serving.ts'
import { compileModels } from './compile-models.ts'
import { compileFlow, compileOffer } from './compile-flow.ts'
import { defaultOnDependencyError, type Stage, type StrategyDocument, stages } from './strategy-document.ts'
import { Strategy } from './strategy.ts'
import { StrategySlots } from './strategy-slots.ts'

export interface StrategyCatalogue {
  features: FeatureDefinition[]
  eventType: (type: string) => EventTypeDefinition | undefined
  /** Registry models by alias; without it a strategy may hold inline scorecards only. */
  models?: ModelSlots
}

/**
 * Validates a strategy document against the feature catalogue and the event
 * schemas, type-checks every CEL expression, and returns a ready strategy.
 * Every problem is reported with a JSON pointer into the document.
 */
export function compileStrategy(raw: unknown, catalogue: StrategyCatalogue): Strategy {
  const issues: FieldIssue[] = []
  const fail = (pointer: string, code: string, message: string) => issues.push({ pointer, code, message })
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw invalidInput('A strategy must be an object', [{ pointer: '', code: 'invalid_type', message: 'must be an object' }])
  }
  const doc = raw as Record<string, unknown>
  if (typeof doc.id !== 'string' || !/^[a-z][a-z0-9.-]{1,79}$/.test(doc.id)) fail('/id', 'invalid_format', 'id must be lower-case letters, digits, dots and dashes')
  if (!Number.isInteger(doc.version) || (doc.version as number) < 1) fail('/version', 'invalid_value', 'version must be a positive integer')
  const eventType = typeof doc.eventType === 'string' ? catalogue.eventType(doc.eventType) : undefined
  if (!eventType) fail('/eventType', 'unknown_event_type', `"${String(doc.eventType)}" is not an event type`)
  const defaultAction = doc.defaultAction ?? 'approve'
  if (!isAction(defaultAction)) fail('/defaultAction', 'invalid_value', `defaultAction must be one of ${actions.join(', ')}`)
  if (doc.product !== undefined && (typeof doc.product !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(doc.product))) {
    fail('/product', 'invalid_format', 'product must be a product code: letters, digits, _ . -')
  }
  if (doc.stage !== undefined && !(stages as readonly unknown[]).includes(doc.stage)) fail('/stage', 'invalid_value', `stage must be one of ${stages.join(', ')}`)
  else if (doc.stage !== undefined && eventType) {
    const problem = stageProblem(eventType, doc.stage as Stage)
    if (problem) fail('/stage', 'stage_never_reached', problem)
  }
  const onRuleError = doc.onRuleError ?? 'review'
  if (onRuleError !== 'ignore' && !isAction(onRuleError)) fail('/onRuleError', 'invalid_value', `onRuleError must be ignore or one of ${actions.join(', ')}`)
  const onDependencyError = doc.onDependencyError ?? defaultOnDependencyError
  if (onDependencyError !== 'fail' && !isAction(onDependencyError)) {
    fail('/onDependencyError', 'invalid_value', `onDependencyError must be fail or one of ${actions.join(', ')}`)
  }

  const featureNames = new Set(catalogue.features.map((f) => f.name))
  const { models, scoreNames } = compileModels(doc.models, featureNames, catalogue.models, fail)

  // the checking environment knows the exact shape of event, features and scores
  const checking = createCelEnvironment()
  const eventSchema = { type: 'object', properties: { id: { type: 'string' }, type: { type: 'string' }, occurredAt: { type: 'string' }, data: eventType?.schema ?? {} } }
  checking.registerVariable({ name: 'event', schema: celSchemaOf(eventSchema) as Record<string, never> })
  const schemaOf = (type: string) => catalogue.eventType(type)?.schema
  const featureTypes = new Map(catalogue.features.map((f) => [f.name, f.celType ?? featureCelType(f, schemaOf)] as const))
  checking.registerVariable({ name: 'features', schema: Object.fromEntries(featureTypes) })
  checking.registerVariable({ name: 'scores', schema: Object.fromEntries([...scoreNames].map((name) => [name, 'double'])) })
  const runtime = createCelEnvironment().registerVariable('event', 'map').registerVariable('features', 'map').registerVariable('scores', 'map')
  // the strategy builds `features` and `scores` itself, as plain records of numbers
  const trustedRecords = new Set(['features', 'scores'])
  const slots = new StrategySlots(featureTypes, scoreNames, celSchemaOf(eventSchema))
  const compile = (pointer: string, source: unknown, type: string): CompiledExpression | undefined => {
    if (typeof source !== 'string' || source.trim() === '') return void fail(pointer, 'required', 'a CEL expression is required')
    const result = compileExpression(source, checking, runtime, { trustedRecords, slots })
    if ('ok' in result) return void fail(pointer, result.code, result.message)
    if (type !== 'dyn' && result.type !== type && result.type !== 'dyn') return void fail(pointer, 'cel_type_error', `must evaluate to ${type}, not ${result.type}`)
    return result
  }

  const nodes = compileFlow(doc, scoreNames, compile, fail)
  const offer = doc.offer === undefined ? undefined : compileOffer(doc.offer, '/offer', doc.eventType, compile, fail)

  if (issues.length > 0) throw invalidInput(`Strategy "${String(doc.id)}" version ${String(doc.version)} is invalid`, issues)
  const document = doc as unknown as StrategyDocument
  return new Strategy({
    document: {
      ...document,
      defaultAction: defaultAction as Action,
      onRuleError: onRuleError as Action | 'ignore',
      onDependencyError: onDependencyError as Action | 'fail',
      models: document.models ?? [],
    },
    source: stringify(doc) ?? '',
    hash: createHash('sha256').update(stringify(doc) ?? '').digest('hex'),
    models,
    nodes,
    offer,
    toCelEvent: celValueConverter(eventSchema),
    doubleFeatures: new Set([...featureTypes].filter(([, type]) => type === 'double').map(([name]) => name)),
    slots,
  })
}

/**
 * Why a strategy for `stage` would never decide an event of its type: the
 * type declares another stage and its events cannot name their own
 * (`data.stage`), so no event would ever reach it.
 */
function stageProblem(eventType: EventTypeDefinition, stage: Stage): string | undefined {
  const declared = eventType.stage
  if (declared === stage) return undefined
  const properties = (eventType.schema as { properties?: Record<string, unknown> }).properties
  if (properties !== undefined && Object.hasOwn(properties, 'stage')) return undefined
  return declared === undefined
    ? `${eventType.type} events have no stage (their schema has no stage field): a strategy for ${stage} would never decide one; leave stage out`
    : `${eventType.type} events are ${declared}: a strategy for ${stage} would never decide one`
}
