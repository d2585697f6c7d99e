import { type Action, worstOf } from '../core/actions.ts'
import { type Reason, systemReasons } from '../core/reason.ts'
import type { ValueConverter } from '../cel/json-schema-to-cel.ts'
import { defaultCelLimits } from '../cel/cel-limits.ts'
import { type CompiledExpression, Meter } from '../cel/condition.ts'
import { unanswered } from '../cel/compile-to-slots.ts'
import type { EntityKind } from '../events/entities.ts'
import type { ModelUse } from '../models/serving/model-serving.ts'
import type { ServedModel } from '../models/serving/served-model.ts'
import { type CompiledNode, type CompiledOffer, type CompiledRule, end } from './compile-flow.ts'
import type { CompiledModel } from './compile-models.ts'
import { factorReasons } from './model-factor-reasons.ts'
import { round6, score } from './logistic-scorecard.ts'
import { defaultOnDependencyError, type StrategyDocument } from './strategy-document.ts'
import { gatherEvidence, topThree } from './rule-evidence.ts'
import { trafficBucket } from './traffic-bucket.ts'
import { celInt, type StrategySlots } from './strategy-slots.ts'

export interface StrategyInput {
  event: { id: string; type: string; occurredAt: string; data: Record<string, unknown> }
  features: Record<string, number>
  /** The event's entity keys (blind indexes): what a traffic split hashes to keep an applicant on one branch. */
  keys?: Partial<Record<EntityKind, readonly string[]>>
  /** Dependencies that failed for this event: their features are absent from `features`, never zeros. */
  failed?: readonly DependencyFailure[]
}

/** A dependency that could not give its values for an event (`decision-service.ts`), as a decision records it. */
export interface DependencyFailure {
  /** `features` (windows, calendars, expressions), `lists` (in_list look-ups), `graph`, or `model:<name>`. */
  dependency: string
  /** The first line of its error. */
  message: string
  /** The features it should have given. */
  features: readonly string[]
}

export interface StrategyOutcome {
  action: Action
  scores: Record<string, number>
  reasons: Reason[]
  offer?: { limitMinor: number; aprBps: number }
  /** Rules (and decision-table rows, score bands) that hit, in evaluation order. */
  hits: string[]
  /** The nodes of the flow the decision went through, in order. */
  path: string[]
  /** Rules (and models) that could not be evaluated, and how each was handled: the strategy's policy, failed closed (hit) or open (skip). */
  ruleErrors: { ruleId: string; message: string; handled: 'policy' | 'hit' | 'skip'; code?: string }[]
  /** The registry version behind each registry score, as the decision records it. */
  models: Record<string, ModelUse>
}

/** A validated, compiled strategy. Pure: the same input always gives the same outcome. */
export class Strategy {
  readonly document: StrategyDocument
  /** The document as written (canonical JSON): what is stored, hashed and recompiled by `explain`. */
  readonly source: string
  readonly hash: string
  private readonly nodes: CompiledNode[]
  private readonly offer: CompiledOffer | undefined
  private readonly toCelEvent: ValueConverter
  /** Each feature a CEL expression reads, and whether CEL sees it as a double. */
  private readonly celFeatureTypes: readonly (readonly [name: string, double: boolean])[]
  /** Whether a model comes from the registry (its hits are explained by its inputs). */
  private readonly scoresByRegistry: boolean
  /** The feature vector the conditions read. */
  private readonly slots: StrategySlots
  /** Int features CEL reads that have no slot: still checked on every decision, as converting them for CEL always has. */
  private readonly intFeaturesWithoutSlot: readonly string[]
  private readonly models: CompiledModel[]
  /** Features rules, offers and inline scorecards read: fixed by the document. */
  private readonly featuresReadByDocument: ReadonlySet<string>
  private featuresReadNow: { served: ServedModel[]; names: ReadonlySet<string> } = { served: [], names: new Set() }

  constructor(parts: {
    document: StrategyDocument
    source: string
    hash: string
    models: CompiledModel[]
    nodes: CompiledNode[]
    offer: CompiledOffer | undefined
    toCelEvent: ValueConverter
    /** Features CEL sees as doubles; the rest are ints (BigInt). */
    doubleFeatures: ReadonlySet<string>
    /** The slots the nodes' and offers' expressions were compiled against. */
    slots: StrategySlots
  }) {
    this.document = parts.document
    this.source = parts.source
    this.hash = parts.hash
    this.nodes = parts.nodes
    this.offer = parts.offer
    this.toCelEvent = parts.toCelEvent
    this.models = parts.models
    const offers = [parts.offer, ...parts.nodes.map((node) => (node.kind === 'output' ? node.offer : undefined))].filter((o) => o !== undefined)
    const expressions: CompiledExpression[] = [
      ...parts.nodes.flatMap((node) => (node.kind === 'rules' ? node.rules.flatMap((rule) => rule.conditions) : [])),
      ...offers.flatMap((offer) => [offer.limitMinor, offer.aprBps]),
    ]
    this.featuresReadByDocument = new Set([
      ...parts.models.flatMap((model) => (model.kind === 'logistic' ? model.scorecard.inputs.map((input) => input.feature) : [])),
      ...expressions.flatMap((e) => e.references.features),
    ])
    this.celFeatureTypes = [...new Set(expressions.flatMap((e) => e.references.features))].map((name) => [name, parts.doubleFeatures.has(name)] as const)
    this.slots = parts.slots
    this.scoresByRegistry = parts.models.some((model) => model.kind === 'registry')
    // every feature read gets a slot, so that filling them checks each value as the conversion for CEL does
    this.intFeaturesWithoutSlot = this.celFeatureTypes.filter(([name, double]) => !this.slots.slotOf(['features', name]) && !double).map(([name]) => name)
  }

  /** The records CEL sees: the event with its ints as BigInt, and the features read. */
  private readonly recordContext = (input: StrategyInput, scores: Record<string, number>): Record<string, unknown> => ({
    event: this.toCelEvent(input.event),
    features: this.celFeatures(input.features),
    scores,
  })

  /**
   * Every feature a model, rule or offer of this strategy reads: what a
   * decision records as used. A registry model's inputs are its current
   * version's, so the set changes when an alias moves.
   */
  get featuresRead(): ReadonlySet<string> {
    const served = this.models.flatMap((model) => (model.kind === 'registry' ? [model.slot.served] : []))
    if (served.some((model, i) => model !== this.featuresReadNow.served[i])) {
      this.featuresReadNow = { served, names: new Set([...this.featuresReadByDocument, ...served.flatMap((model) => model.features)]) }
    }
    return served.length === 0 ? this.featuresReadByDocument : this.featuresReadNow.names
  }

  get id() {
    return this.document.id
  }

  /** The features CEL reads, typed as CEL wants them: ints as BigInt, the rest as numbers. Only those its expressions read are converted. */
  private celFeatures(values: Record<string, number>): Record<string, bigint | number> {
    const out: Record<string, bigint | number> = {}
    for (const [name, double] of this.celFeatureTypes) {
      const value = values[name]
      if (value !== undefined) out[name] = double ? value : celInt(value)
    }
    return out
  }

  get version() {
    return this.document.version
  }

  /** Rules, decision-table rows and score bands. */
  get ruleCount() {
    return this.nodes.reduce((n, node) => n + (node.kind === 'rules' ? node.rules.length : 0), 0)
  }

  decide(input: StrategyInput): StrategyOutcome {
    const scores: Record<string, number> = {}
    const contributions: Record<string, { features: readonly string[]; values: readonly number[] }> = {}
    const ruleErrors: StrategyOutcome['ruleErrors'] = []
    // most strategies have no registry model: one empty map serves them all
    const served: Map<string, ServedUse> = this.scoresByRegistry ? new Map() : noRegistryModels
    const models: Record<string, ModelUse> = {}
    // only a degraded decision pays for this: the features no failed dependency gave
    const unavailable = input.failed !== undefined && input.failed.length > 0 ? unavailableFeatures(input.failed) : undefined
    let failedModels: DependencyFailure[] | undefined
    for (const model of this.models) {
      // a model never scores over a failed dependency's values: a missing input is not a zero, nor a tree's learned "missing"
      if (unavailable !== undefined && this.scoresWithout(model, unavailable, ruleErrors)) continue
      if (model.kind === 'logistic') {
        const result = score(model.scorecard, model.terms, input.features)
        scores[model.name] = result.value
        contributions[model.name] = { features: model.terms.features, values: result.contributions }
        continue
      }
      // the version is read once: a promotion landing mid-decision cannot mix two versions
      const version = model.slot.served
      served.set(model.name, { model, version })
      models[model.name] = { model: model.slot.model, alias: model.slot.alias, version: version.version }
      try {
        scores[model.name] = round6(version.score(input.features))
      } catch (error) {
        // rules reading the missing score fail too, and the degraded-mode policy decides
        const failure = errorOf(error)
        ruleErrors.push({ ruleId: `model:${model.name}`, ...failure, handled: 'policy' })
        failedModels ??= []
        failedModels.push({ dependency: `model:${model.name}`, message: failure.message, features: [] })
      }
    }
    for (const name of this.intFeaturesWithoutSlot) if (input.features[name] !== undefined) celInt(input.features[name])
    const walk = new FlowWalk(this.document.defaultAction, ruleErrors, input, scores, contributions, served, this.slots.fill(input, scores), this.recordContext)
    let offer = this.offer
    for (let at = 0; at !== end; ) {
      const node = this.nodes[at]!
      walk.path.push(node.id)
      if (node.kind === 'rules') {
        at = runRules(node, walk) ? node.onHit : node.onMiss
      } else if (node.kind === 'split') {
        const applicant = input.keys?.[node.by]?.[0]
        // without the applicant's key there is nothing stable to hash: the first branch, as for an unsplit flow
        const bucket = applicant === undefined ? 0 : trafficBucket(`${this.id}/${node.id}`, applicant)
        at = node.targets[node.upperBuckets.findIndex((upper) => bucket < upper)]!
      } else {
        if (node.action) walk.action = node.action
        if (node.reason) walk.reasons.push({ code: node.reason.code, message: { zh: node.reason.zh, en: node.reason.en }, evidence: {}, ruleSetId: node.id })
        offer = node.offer ?? offer
        at = end
      }
    }
    const { action, reasons, hits, path } = walk
    if (ruleErrors.length > 0) {
      // a degraded decision says so, whatever the policy made of it
      const byPolicy = ruleErrors.some((e) => e.handled === 'policy')
      if (byPolicy && this.document.onRuleError !== 'ignore') walk.action = hits.length === 0 ? this.document.onRuleError : worstOf(action, this.document.onRuleError)
      reasons.push({
        code: 'RULE_ERROR',
        message: systemReasons.RULE_ERROR,
        evidence: { rules: ruleErrors.map((e) => e.ruleId), handled: ruleErrors.map((e) => (e.handled === 'policy' ? this.document.onRuleError : e.handled === 'hit' ? 'fail_closed' : 'fail_open')) },
      })
    }
    if (unavailable !== undefined || failedModels !== undefined) this.degrade(walk, [...(input.failed ?? []), ...(failedModels ?? [])])
    const outcome: StrategyOutcome = { action: walk.action, scores, reasons, hits, path, ruleErrors, models }
    if (outcome.action === 'approve' && offer) this.makeOffer(outcome, walk, offer)
    return outcome
  }

  /**
   * A decision made without a dependency: it takes at least the strategy's
   * `onDependencyError` action and says which dependencies failed. `fail`
   * refuses the event before deciding (`decision-service.ts`); a shadow, a
   * backtest or a replay meeting it takes review.
   */
  private degrade(walk: FlowWalk, failed: readonly DependencyFailure[]) {
    const policy = this.document.onDependencyError ?? defaultOnDependencyError
    walk.action = worstOf(walk.action, policy === 'fail' ? 'review' : policy)
    walk.reasons.push({
      code: 'DEGRADED',
      message: systemReasons.DEGRADED,
      evidence: { dependencies: failed.map((f) => f.dependency), errors: failed.map((f) => f.message), policy },
    })
  }

  /** Whether `model` reads a feature no failed dependency gave; if so it is not scored, and says why. */
  private scoresWithout(model: CompiledModel, unavailable: ReadonlyMap<string, string>, ruleErrors: StrategyOutcome['ruleErrors']): boolean {
    const inputs = model.kind === 'logistic' ? model.terms.features : model.slot.served.features
    const missing = inputs.find((feature) => unavailable.has(feature))
    if (missing === undefined) return false
    ruleErrors.push({ ruleId: `model:${model.name}`, message: `reads ${missing}, which the failed ${unavailable.get(missing)} dependency did not give`, code: 'dependency_failed', handled: 'policy' })
    return true
  }

  private makeOffer(outcome: StrategyOutcome, walk: FlowWalk, offer: CompiledOffer) {
    try {
      const limitMinor = toSafeInteger(walk.evaluate(offer.limitMinor))
      const aprBps = toSafeInteger(walk.evaluate(offer.aprBps))
      if (limitMinor < 0 || aprBps < 0) throw new Error('limit and price must not be negative')
      outcome.offer = { limitMinor, aprBps }
    } catch (error) {
      outcome.action = 'review'
      outcome.reasons.push({ code: 'OFFER_ERROR', message: systemReasons.OFFER_ERROR, evidence: { error: (error as Error).message.split('\n')[0] } })
    }
  }
}


/** Each feature a failed dependency should have given, and that dependency. */
function unavailableFeatures(failed: readonly DependencyFailure[]): Map<string, string> {
  const unavailable = new Map<string, string>()
  for (const failure of failed) for (const feature of failure.features) unavailable.set(feature, failure.dependency)
  return unavailable
}

/** What a decision keeps of an evaluation error: its first line, and its code when it has one (`cel_cost_exceeded`, …). */
function errorOf(error: unknown): { message: string; code?: string } {
  const code = (error as { code?: unknown }).code
  return { message: String((error as Error).message).split('\n')[0]!, ...(typeof code === 'string' ? { code } : {}) }
}

/** A decision's CEL budget: four expressions' worth, shared by all its conditions and offers. */
const decisionCost = 4 * defaultCelLimits.evaluation.maxCost

/** Runs a rule set, decision table or score bands under its hit policy; whether anything hit. */
function runRules(node: CompiledNode & { kind: 'rules' }, walk: FlowWalk): boolean {
  let chosen: CompiledRule | undefined
  let hitAny = false
  for (const rule of node.rules) {
    let holds = true
    try {
      for (const condition of rule.conditions) {
        if (walk.evaluate(condition) !== true) {
          holds = false
          break
        }
      }
    } catch (error) {
      walk.ruleErrors.push({ ruleId: rule.id, ...errorOf(error), handled: rule.onError })
      if (rule.onError !== 'hit') continue
    }
    if (!holds) continue
    hitAny = true
    if (node.policy === 'priority') {
      if (!chosen || worstOf(chosen.action, rule.action) !== chosen.action) chosen = rule
      continue
    }
    walk.hit(rule, node.id)
    if (node.policy === 'first') break
  }
  if (chosen) walk.hit(chosen, node.id)
  return hitAny
}

/** A registry model and the version a decision scored with. */
type ServedUse = { model: CompiledModel & { kind: 'registry' }; version: ServedModel }

const noRegistryModels: Map<string, ServedUse> = new Map()

type RecordContext = (input: StrategyInput, scores: Record<string, number>) => Record<string, unknown>

/** One decision's walk through the flow: what it has gathered so far, and how its conditions are evaluated. */
class FlowWalk {
  reasons: Reason[] = []
  hits: string[] = []
  path: string[] = []
  /** CEL cost the whole decision may spend (docs/reference/cel-safety.md): a hostile event cannot hold a decision for long, however many rules read it. */
  readonly budget = new Meter(decisionCost)
  /** The records CEL sees, built only when a condition cannot be answered from the slots. */
  private context: Record<string, unknown> | undefined
  private tops: Record<string, Record<string, number> | undefined> | undefined
  private explained: Set<string> | undefined

  constructor(
    public action: Action,
    readonly ruleErrors: StrategyOutcome['ruleErrors'],
    private readonly input: StrategyInput,
    private readonly scores: Record<string, number>,
    private readonly contributions: Record<string, { features: readonly string[]; values: readonly number[] }>,
    private readonly served: ReadonlyMap<string, ServedUse>,
    private readonly slots: readonly unknown[],
    private readonly recordContext: RecordContext,
  ) {}

  evaluate(expression: CompiledExpression): unknown {
    if (expression.evaluateSlots !== undefined) {
      const value = expression.evaluateSlots(this.slots, this.budget)
      if (value !== unanswered) return value
    }
    this.context ??= this.recordContext(this.input, this.scores)
    return expression.evaluate(this.context, this.budget)
  }

  /** The first hit sets the action (a whitelist rule may approve below the default); later hits can only make it worse. */
  hit(rule: CompiledRule, nodeId: string) {
    this.hits.push(rule.id)
    this.action = this.hits.length === 1 ? rule.action : worstOf(this.action, rule.action)
    this.reasons.push({ code: rule.reason.code, message: { zh: rule.reason.zh, en: rule.reason.en }, evidence: gatherEvidence(rule.evidence, this.input, this.scores, this), ruleId: rule.id, ruleSetId: nodeId })
    // a registry score a hit read is explained once, by the inputs that raised it most (TreeSHAP for trees)
    for (const name of rule.references.scores) {
      const use = this.served.get(name)
      if (!use || this.explained?.has(name) || this.scores[name] === undefined) continue
      this.explained ??= new Set()
      this.explained.add(name)
      this.reasons.push(...factorReasons(use.model, use.version, this.input.features, { ruleId: rule.id, ruleSetId: nodeId }))
    }
  }

  /** An inline scorecard's top contributions, worked out once per decision. */
  topContributions(score: string): Record<string, number> | undefined {
    this.tops ??= {}
    const tops = this.tops
    if (!Object.hasOwn(tops, score)) {
      const scored = Object.hasOwn(this.contributions, score) ? this.contributions[score] : undefined
      tops[score] = scored && topThree(scored.features, scored.values)
    }
    return tops[score]
  }
}

function toSafeInteger(value: unknown): number {
  const n = typeof value === 'bigint' ? Number(value) : Number.NaN
  if (!Number.isSafeInteger(n)) throw new Error(`expected an integer, got ${String(value)}`)
  return n
}
