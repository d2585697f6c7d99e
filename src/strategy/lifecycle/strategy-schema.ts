import { type TSchema, Type } from '@sinclair/typebox'
import { actions } from '../../core/actions.ts'
import { entityKinds } from '../../events/entities.ts'
import { aliasPattern, modelNamePattern } from '../../models/registry/model-records.ts'
import { stages } from '../strategy-document.ts'
import { strategyIdPattern } from './strategy-records.ts'

/**
 * The JSON Schema of a strategy document (`strategy-document.ts`), for
 * editors and tooling: `GET /v1/strategies/schema`, `xiezhi strategies
 * schema`, and `docs/reference/strategy.schema.json` (generated from this;
 * a test keeps them equal). It checks the shape: fields, types, patterns,
 * enums. `compileStrategy` stays the authority on what only the catalogue
 * knows: CEL types, feature, score and node references, shares adding up.
 */

const literals = (values: readonly string[], description?: string) => Type.Unsafe<string>({ type: 'string', enum: [...values], ...(description ? { description } : {}) })
const ActionSchema = literals(actions, 'approve < step_up < review < reject')
const Cel = (description: string) => Type.String({ minLength: 1, description })
const Id = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$', description: 'Letters, digits, _ . -' })
const RuleId = Type.String({ minLength: 1, description: 'Unique among the rules, rows and bands of the strategy' })

const Reason = Type.Object(
  {
    code: Type.String({ pattern: '^[A-Z][A-Z0-9_]{2,63}$', description: 'UPPER_SNAKE_CASE, documented in docs/reference/reason-codes.md' }),
    zh: Type.String({ minLength: 1 }),
    en: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
)

const Next = Type.Union(
  [
    Type.String({ description: 'A node id, or end' }),
    Type.Object({ hit: Type.Optional(Type.String()), miss: Type.Optional(Type.String()) }, { additionalProperties: false, description: 'Where to go on a hit and on no hit' }),
  ],
  { description: 'Where the flow goes after this node: by default the node below it, then the end' },
)

const Offer = Type.Object(
  { limitMinor: Cel('CEL, int: the limit in minor units'), aprBps: Cel('CEL, int: the price in basis points') },
  { additionalProperties: false, description: 'credit.application only: made when the action is approve' },
)

const Rule = Type.Object({ id: RuleId, when: Cel('CEL, bool'), action: ActionSchema, reason: Reason }, { additionalProperties: false })
const RuleSetFields = {
  id: Id,
  mode: literals(['serial', 'parallel'], 'serial: the first rule that hits; parallel: every rule, worst action wins'),
  rules: Type.Array(Rule, { minItems: 1 }),
}
const RuleSet = Type.Object(RuleSetFields, { additionalProperties: false })

const Cell = Type.Union([Type.String(), Type.Number(), Type.Boolean()], { description: '- (any), >= 3, [1..5], (0..1], in ["a", "b"], or a value for equality' })

const flowNodes: TSchema[] = [
  Type.Object({ ...RuleSetFields, type: Type.Literal('ruleSet'), next: Type.Optional(Next) }, { additionalProperties: false, title: 'ruleSet' }),
  Type.Object(
    {
      id: Id,
      type: Type.Literal('decisionTable'),
      hitPolicy: literals(['first', 'priority', 'collect']),
      inputs: Type.Array(Type.Object({ name: Type.Optional(Type.String()), expression: Cel('CEL: the column') }, { additionalProperties: false }), { minItems: 1 }),
      rows: Type.Array(
        Type.Object(
          { id: Type.Optional(RuleId), when: Type.Array(Cell, { description: 'One cell per input column' }), action: ActionSchema, reason: Reason },
          { additionalProperties: false },
        ),
        { minItems: 1 },
      ),
      next: Type.Optional(Next),
    },
    { additionalProperties: false, title: 'decisionTable' },
  ),
  Type.Object(
    {
      id: Id,
      type: Type.Literal('modelThreshold'),
      score: Type.String({ description: "One of the strategy's models" }),
      bands: Type.Array(
        Type.Object({ id: Type.Optional(RuleId), when: Type.Union([Type.String(), Type.Number()], { description: 'A decision-table cell over the score' }), action: ActionSchema, reason: Reason }, { additionalProperties: false }),
        { minItems: 1 },
      ),
      next: Type.Optional(Next),
    },
    { additionalProperties: false, title: 'modelThreshold' },
  ),
  Type.Object(
    {
      id: Id,
      type: Type.Literal('split'),
      by: literals(entityKinds, "The applicant's entity the split hashes"),
      branches: Type.Array(
        Type.Object({ share: Type.Number({ exclusiveMinimum: 0, maximum: 100, description: 'A percentage, two decimals at most; the shares add up to 100' }), next: Type.String() }, { additionalProperties: false }),
        { minItems: 2 },
      ),
    },
    { additionalProperties: false, title: 'split' },
  ),
  Type.Object(
    { id: Id, type: Type.Literal('output'), action: Type.Optional(ActionSchema), reason: Type.Optional(Reason), offer: Type.Optional(Offer) },
    { additionalProperties: false, title: 'output' },
  ),
]

const Logistic = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z][A-Za-z0-9]*$', description: 'The score in CEL: scores.<name>' }),
    kind: Type.Optional(Type.Literal('logistic')),
    intercept: Type.Number(),
    inputs: Type.Array(Type.Object({ feature: Type.String(), weight: Type.Number(), cap: Type.Optional(Type.Number()) }, { additionalProperties: false })),
  },
  { additionalProperties: false, title: 'logistic scorecard' },
)

const Factor = Type.Object({ code: Reason.properties.code, zh: Type.String({ minLength: 1 }), en: Type.String({ minLength: 1 }) }, { additionalProperties: false })
const RegistryModel = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z][A-Za-z0-9]*$', description: 'The score in CEL: scores.<name>' }),
    kind: Type.Literal('registry'),
    model: Type.String({ pattern: modelNamePattern, description: 'A registry model' }),
    alias: Type.String({ pattern: aliasPattern, description: 'champion, challenger, …' }),
    reasons: Type.Optional(
      Type.Object({ top: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })), factors: Type.Optional(Type.Record(Type.String(), Factor)) }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false, title: 'registry model' },
)

export const strategySchemaId = 'https://xiezhi.dev/schemas/strategy.schema.json'

export const StrategySchema = Type.Object(
  {
    id: Type.String({ pattern: strategyIdPattern, description: 'Lower-case letters, digits, . and -' }),
    version: Type.Integer({ minimum: 1, description: 'A version never changes: edit, then raise it' }),
    eventType: Type.String({ minLength: 1, description: 'A built-in event type or one the tenant registered' }),
    product: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$', description: 'Only events whose data.product is this' })),
    stage: Type.Optional(literals(stages, "Only events at this stage (data.stage, else the event type's stage)")),
    description: Type.Optional(Type.String()),
    defaultAction: Type.Optional(ActionSchema),
    onRuleError: Type.Optional(literals([...actions, 'ignore'], 'What a rule that cannot be evaluated does')),
    onDependencyError: Type.Optional(literals([...actions, 'fail'], 'The least severe action when features, graph, lists or a model fail (review unless told); fail: refuse the event')),
    models: Type.Optional(Type.Array(Type.Union([Logistic, RegistryModel]))),
    ruleSets: Type.Optional(Type.Array(RuleSet, { minItems: 1, description: 'A straight line of rule sets; or give flow' })),
    flow: Type.Optional(Type.Array(Type.Union(flowNodes), { minItems: 1, description: 'The nodes; the first starts' })),
    offer: Type.Optional(Offer),
  },
  {
    $id: strategySchemaId,
    title: 'Xiezhi strategy',
    description: 'A strategy document (docs/reference/strategies.md). The server also type-checks every CEL expression and every reference when it compiles the document.',
    additionalProperties: false,
    anyOf: [{ required: ['ruleSets'] }, { required: ['flow'] }],
  },
)

/** The schema as a plain JSON document (TypeBox's own markers dropped), with `$schema`. */
export function strategyJsonSchema(): Record<string, unknown> {
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...(JSON.parse(JSON.stringify(StrategySchema)) as Record<string, unknown>) }
}
