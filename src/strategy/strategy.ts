import { type Action, worstOf } from '../core/actions.ts'
import { type Reason, systemReasons } from '../core/reason.ts'
import type { ValueConverter } from '../cel/json-schema-to-cel.ts'
import type { CompiledExpression } from '../cel/condition.ts'
import type { ModelUse } from '../models/serving/model-serving.ts'
import type { ServedModel } from '../models/serving/served-model.ts'
import type { CompiledModel } from './compile-models.ts'
import { factorReasons } from './model-factor-reasons.ts'
import { round6, score } from './logistic-scorecard.ts'
import type { RuleDocument, StrategyDocument } from './strategy-document.ts'

export interface CompiledRule extends Omit<RuleDocument, 'when'> {
  when: CompiledExpression
}

export interface CompiledRuleSet {
  id: string
  mode: 'serial' | 'parallel'
  rules: CompiledRule[]
}

export interface StrategyInput {
  event: { id: string; type: string; occurredAt: string; data: Record<string, unknown> }
  features: Record<string, number>
}

export interface StrategyOutcome {
  action: Action
  scores: Record<string, number>
  reasons: Reason[]
  offer?: { limitMinor: number; aprBps: number }
  /** Rules that hit, in evaluation order: the path the decision took. */
  hits: string[]
  ruleErrors: { ruleId: string; message: string }[]
  /** The registry version behind each registry score, as the decision records it. */
  models: Record<string, ModelUse>
}

/** A validated, compiled strategy. Pure: the same input always gives the same outcome. */
export class Strategy {
  readonly document: StrategyDocument
  /** The document as written (canonical JSON): what is stored, hashed and recompiled by `explain`. */
  readonly source: string
  readonly hash: string
  private readonly ruleSets: CompiledRuleSet[]
  private readonly offer: { limitMinor: CompiledExpression; aprBps: CompiledExpression } | undefined
  private readonly toCelEvent: ValueConverter
  private readonly doubleFeatures: ReadonlySet<string>
  private readonly models: CompiledModel[]
  /** Features rules, offers and inline scorecards read: fixed by the document. */
  private readonly featuresReadByDocument: ReadonlySet<string>
  private featuresReadNow: { served: ServedModel[]; names: ReadonlySet<string> } = { served: [], names: new Set() }

  constructor(parts: {
    document: StrategyDocument
    source: string
    hash: string
    models: CompiledModel[]
    ruleSets: CompiledRuleSet[]
    offer: { limitMinor: CompiledExpression; aprBps: CompiledExpression } | undefined
    toCelEvent: ValueConverter
    /** Features CEL sees as doubles; the rest are ints (BigInt). */
    doubleFeatures: ReadonlySet<string>
  }) {
    this.document = parts.document
    this.source = parts.source
    this.hash = parts.hash
    this.ruleSets = parts.ruleSets
    this.offer = parts.offer
    this.toCelEvent = parts.toCelEvent
    this.doubleFeatures = parts.doubleFeatures
    this.models = parts.models
    const expressions = [...parts.ruleSets.flatMap((set) => set.rules.map((rule) => rule.when)), ...(parts.offer ? [parts.offer.limitMinor, parts.offer.aprBps] : [])]
    this.featuresReadByDocument = new Set([
      ...parts.models.flatMap((model) => (model.kind === 'logistic' ? model.scorecard.inputs.map((input) => input.feature) : [])),
      ...expressions.flatMap((e) => e.references.features),
    ])
  }

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

  private celFeatures(values: Record<string, number>): Record<string, bigint | number> {
    const out: Record<string, bigint | number> = {}
    for (const name in values) out[name] = this.doubleFeatures.has(name) ? values[name]! : BigInt(values[name]!)
    return out
  }

  get version() {
    return this.document.version
  }

  get ruleCount() {
    return this.ruleSets.reduce((n, set) => n + set.rules.length, 0)
  }

  decide(input: StrategyInput): StrategyOutcome {
    const scores: Record<string, number> = {}
    const contributions: Record<string, Record<string, number>> = {}
    const ruleErrors: StrategyOutcome['ruleErrors'] = []
    const served = new Map<string, { model: CompiledModel & { kind: 'registry' }; version: ServedModel }>()
    const models: Record<string, ModelUse> = {}
    for (const model of this.models) {
      if (model.kind === 'logistic') {
        const result = score(model.scorecard, input.features)
        scores[model.name] = result.value
        contributions[model.name] = result.contributions
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
        ruleErrors.push({ ruleId: `model:${model.name}`, message: (error as Error).message.split('\n')[0]! })
      }
    }
    const context = {
      event: this.toCelEvent(input.event),
      features: this.celFeatures(input.features),
      scores,
    }
    let action: Action = this.document.defaultAction
    const reasons: Reason[] = []
    const hits: string[] = []
    const explained = new Set<string>()
    for (const set of this.ruleSets) {
      for (const rule of set.rules) {
        let hit: unknown
        try {
          hit = rule.when.evaluate(context)
        } catch (error) {
          ruleErrors.push({ ruleId: rule.id, message: (error as Error).message.split('\n')[0]! })
          continue
        }
        if (hit !== true) continue
        hits.push(rule.id)
        action = hits.length === 1 ? rule.action : worstOf(action, rule.action)
        reasons.push({
          code: rule.reason.code,
          message: { zh: rule.reason.zh, en: rule.reason.en },
          evidence: evidenceFor(rule.when, input, scores, contributions),
          ruleId: rule.id,
          ruleSetId: set.id,
        })
        // a registry score a hit rule read is explained once, by the inputs that raised it most (TreeSHAP for trees)
        for (const name of rule.when.references.scores) {
          const use = served.get(name)
          if (!use || explained.has(name) || scores[name] === undefined) continue
          explained.add(name)
          reasons.push(...factorReasons(use.model, use.version, input.features, { ruleId: rule.id, ruleSetId: set.id }))
        }
        if (set.mode === 'serial') break
      }
    }
    if (ruleErrors.length > 0 && this.document.onRuleError !== 'ignore') {
      action = hits.length === 0 ? this.document.onRuleError : worstOf(action, this.document.onRuleError)
      reasons.push({ code: 'RULE_ERROR', message: systemReasons.RULE_ERROR, evidence: { rules: ruleErrors.map((e) => e.ruleId) } })
    }
    const outcome: StrategyOutcome = { action, scores, reasons, hits, ruleErrors, models }
    if (action === 'approve' && this.offer) this.makeOffer(outcome, context)
    return outcome
  }

  private makeOffer(outcome: StrategyOutcome, context: Record<string, unknown>) {
    try {
      const limitMinor = toSafeInteger(this.offer!.limitMinor.evaluate(context))
      const aprBps = toSafeInteger(this.offer!.aprBps.evaluate(context))
      if (limitMinor < 0 || aprBps < 0) throw new Error('limit and price must not be negative')
      outcome.offer = { limitMinor, aprBps }
    } catch (error) {
      outcome.action = 'review'
      outcome.reasons.push({ code: 'OFFER_ERROR', message: systemReasons.OFFER_ERROR, evidence: { error: (error as Error).message.split('\n')[0] } })
    }
  }
}


function toSafeInteger(value: unknown): number {
  const n = typeof value === 'bigint' ? Number(value) : Number.NaN
  if (!Number.isSafeInteger(n)) throw new Error(`expected an integer, got ${String(value)}`)
  return n
}

/**
 * What a reason shows: the features and scores the rule read (with each
 * score's top contributions), and numeric or boolean event fields. Strings
 * are left out on purpose: they may be personal identifiers.
 */
function evidenceFor(
  when: CompiledExpression,
  input: StrategyInput,
  scores: Record<string, number>,
  contributions: Record<string, Record<string, number>>,
): Record<string, unknown> {
  const evidence: Record<string, unknown> = {}
  for (const name of when.references.features) evidence[`features.${name}`] = input.features[name]
  for (const name of when.references.scores) {
    evidence[`scores.${name}`] = scores[name]
    const top = Object.entries(contributions[name] ?? {})
      .filter(([, c]) => c !== 0)
      .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))
      .slice(0, 3)
    if (top.length > 0) evidence[`scores.${name}.topContributions`] = Object.fromEntries(top)
  }
  for (const path of when.references.eventFields) {
    let node: unknown = input.event
    for (const segment of path) node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined
    if (typeof node === 'number' || typeof node === 'boolean') evidence[`event.${path.join('.')}`] = node
  }
  return evidence
}
