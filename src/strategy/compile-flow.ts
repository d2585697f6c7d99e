import { type Action, actions, isAction } from '../core/actions.ts'
import type { LocalizedMessage } from '../core/reason.ts'
import type { CompiledExpression, References } from '../cel/condition.ts'
import { isEntityKind, type EntityKind } from '../events/entities.ts'
import { bucketCount } from './traffic-bucket.ts'
import { endOfFlow, type OfferDocument } from './strategy-document.ts'
import { type EvidencePlan, evidencePlan } from './rule-evidence.ts'
import { cellCondition } from './table-cell.ts'

type Fail = (pointer: string, code: string, message: string) => void
type Compile = (pointer: string, source: unknown, type: string) => CompiledExpression | undefined

/** A rule, a decision-table row or a score band: it hits when every condition holds. */
export interface CompiledRule {
  id: string
  conditions: CompiledExpression[]
  action: Action
  reason: { code: string } & LocalizedMessage
  /** What its conditions read, for the reason's evidence. */
  references: References
  evidence: EvidencePlan
  /**
   * When a condition cannot be evaluated: `policy`, the strategy's
   * `onRuleError`; `hit`, fail closed (a blacklist rule acts as if it held);
   * `skip`, fail open (as if it did not hold).
   */
  onError: 'policy' | 'hit' | 'skip'
}

/** Where a node goes: a node's index, or -1 for the end of the flow. */
export type Target = number
export const end: Target = -1

/**
 * `first`: the first rule that hits; `all`: every rule that hits, worst
 * action wins; `priority`: the hit with the most severe action.
 */
export type HitPolicy = 'first' | 'all' | 'priority'

export type CompiledNode =
  | { kind: 'rules'; id: string; policy: HitPolicy; rules: CompiledRule[]; onHit: Target; onMiss: Target }
  | { kind: 'split'; id: string; by: EntityKind; upperBuckets: number[]; targets: Target[] }
  | { kind: 'output'; id: string; action?: Action; reason?: { code: string } & LocalizedMessage; offer?: CompiledOffer }

export interface CompiledOffer {
  limitMinor: CompiledExpression
  aprBps: CompiledExpression
}

const tablePolicies = { first: 'first', priority: 'priority', collect: 'all' } as const

/**
 * Checks and compiles a strategy's flow: `flow` (nodes of any type) or the
 * `ruleSets` shorthand (a straight line). Every node, rule, row and cell is
 * checked; targets must exist and the flow must not loop. Problems go to
 * `fail` with pointers into the document.
 */
export function compileFlow(doc: Record<string, unknown>, scoreNames: ReadonlySet<string>, compile: Compile, fail: Fail): CompiledNode[] {
  const fromRuleSets = doc.flow === undefined
  if (!fromRuleSets && doc.ruleSets !== undefined) fail('/ruleSets', 'not_allowed', 'give either flow or ruleSets, not both')
  const list = fromRuleSets ? doc.ruleSets : doc.flow
  const base = fromRuleSets ? '/ruleSets' : '/flow'
  if (!Array.isArray(list) || list.length === 0) {
    fail(base, 'required', fromRuleSets ? 'ruleSets must be a list of at least one rule set (or give a flow)' : 'flow must be a list of at least one node')
    return []
  }
  const nodes = list as Record<string, unknown>[]
  const indexOf = new Map<string, number>()
  nodes.forEach((node, i) => {
    if (typeof node?.id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/.test(node.id)) fail(`${base}/${i}/id`, 'invalid_format', 'a node needs an id: letters, digits, _ . -')
    else if (node.id === endOfFlow) fail(`${base}/${i}/id`, 'invalid_value', `"${endOfFlow}" names the end of the flow; give the node another id`)
    else if (indexOf.has(node.id)) fail(`${base}/${i}/id`, 'duplicate', `node "${node.id}" is declared twice`)
    else indexOf.set(node.id, i)
  })
  const target = (pointer: string, name: unknown, fallback: Target): Target => {
    if (name === undefined) return fallback
    if (name === endOfFlow) return end
    const index = typeof name === 'string' ? indexOf.get(name) : undefined
    if (index === undefined) fail(pointer, 'unknown_node', `no node "${String(name)}" (or "${endOfFlow}")`)
    return index ?? end
  }
  const ruleIds = new Set<string>()
  const compiled = nodes.map((node, i): CompiledNode => {
    const at = `${base}/${i}`
    const below = i + 1 < nodes.length ? i + 1 : end
    const type = fromRuleSets ? 'ruleSet' : node?.type
    const next = (): { onHit: Target; onMiss: Target } => {
      const n = node?.next
      if (n === undefined || typeof n === 'string') {
        const t = target(`${at}/next`, n, below)
        return { onHit: t, onMiss: t }
      }
      if (typeof n !== 'object' || n === null || Array.isArray(n)) {
        fail(`${at}/next`, 'invalid_type', 'next must be a node id or { hit, miss }')
        return { onHit: below, onMiss: below }
      }
      const branches = n as Record<string, unknown>
      for (const key of Object.keys(branches)) if (key !== 'hit' && key !== 'miss') fail(`${at}/next/${key}`, 'unknown_field', 'next has hit and miss only')
      return { onHit: target(`${at}/next/hit`, branches.hit, below), onMiss: target(`${at}/next/miss`, branches.miss, below) }
    }
    const id = String(node?.id)
    switch (type) {
      case 'ruleSet': {
        if (node?.mode !== 'serial' && node?.mode !== 'parallel') fail(`${at}/mode`, 'invalid_value', 'mode must be serial or parallel')
        if (!Array.isArray(node?.rules) || node.rules.length === 0) fail(`${at}/rules`, 'required', 'a rule set needs at least one rule')
        const rules = (Array.isArray(node?.rules) ? (node.rules as Record<string, unknown>[]) : []).flatMap((rule, j) => {
          const where = `${at}/rules/${j}`
          const ruleId = checkRuleId(rule?.id, `${where}/id`, ruleIds, fail)
          const when = compile(`${where}/when`, rule?.when, 'bool')
          return outcomeOf(rule, where, ruleId, when ? [when] : undefined, fail)
        })
        return { kind: 'rules', id, policy: node?.mode === 'serial' ? 'first' : 'all', rules, ...next() }
      }
      case 'decisionTable':
        return { kind: 'rules', id, ...decisionTable(node, at, ruleIds, compile, fail), ...next() }
      case 'modelThreshold': {
        if (typeof node?.score !== 'string' || !scoreNames.has(node.score)) fail(`${at}/score`, 'unknown_score', `score must be one of the strategy's models: ${[...scoreNames].join(', ') || 'none declared'}`)
        if (!Array.isArray(node?.bands) || node.bands.length === 0) fail(`${at}/bands`, 'required', 'give at least one band')
        const rules = (Array.isArray(node?.bands) ? (node.bands as Record<string, unknown>[]) : []).flatMap((band, j) => {
          const where = `${at}/bands/${j}`
          const bandId = checkRuleId(band?.id ?? `${id}#${j + 1}`, `${where}/id`, ruleIds, fail)
          const source = typeof band?.when === 'string' || typeof band?.when === 'number' ? cellCondition(`scores.${String(node?.score)}`, band.when) : undefined
          const when = compile(`${where}/when`, source, 'bool')
          return outcomeOf(band, where, bandId, when ? [when] : undefined, fail)
        })
        return { kind: 'rules', id, policy: 'first', rules, ...next() }
      }
      case 'split':
        return split(node, at, id, target, fail)
      case 'output': {
        if (node?.action !== undefined && !isAction(node.action)) fail(`${at}/action`, 'invalid_value', `action must be one of ${actions.join(', ')}`)
        const reason = node?.reason === undefined ? undefined : checkReason(node.reason, `${at}/reason`, fail)
        const offer = node?.offer === undefined ? undefined : compileOffer(node.offer, `${at}/offer`, doc.eventType, compile, fail)
        if (node?.next !== undefined) fail(`${at}/next`, 'not_allowed', 'an output ends the flow')
        return { kind: 'output', id, ...(isAction(node?.action) ? { action: node.action } : {}), ...(reason ? { reason } : {}), ...(offer ? { offer } : {}) }
      }
      default:
        fail(`${at}/type`, 'invalid_value', 'type must be ruleSet, decisionTable, modelThreshold, split or output')
        return { kind: 'output', id }
    }
  })
  checkAcyclic(compiled, base, fail)
  return compiled
}

export function compileOffer(raw: unknown, at: string, eventType: unknown, compile: Compile, fail: Fail): CompiledOffer | undefined {
  if (eventType !== 'credit.application') fail(at, 'not_allowed', 'only credit.application strategies make an offer')
  const offer = raw as OfferDocument | undefined
  const limitMinor = compile(`${at}/limitMinor`, offer?.limitMinor, 'int')
  const aprBps = compile(`${at}/aprBps`, offer?.aprBps, 'int')
  return limitMinor && aprBps ? { limitMinor, aprBps } : undefined
}

function decisionTable(node: Record<string, unknown>, at: string, ruleIds: Set<string>, compile: Compile, fail: Fail): { policy: HitPolicy; rules: CompiledRule[] } {
  const policy = tablePolicies[node?.hitPolicy as keyof typeof tablePolicies]
  if (!policy) fail(`${at}/hitPolicy`, 'invalid_value', 'hitPolicy must be first, priority or collect')
  const inputs = Array.isArray(node?.inputs) ? (node.inputs as Record<string, unknown>[]) : []
  if (inputs.length === 0) fail(`${at}/inputs`, 'required', 'a decision table needs at least one input column')
  const columns = inputs.map((input, c) => {
    // a column is checked alone first, so a broken column is reported once, not in every cell
    const column = compile(`${at}/inputs/${c}/expression`, input?.expression, 'dyn')
    return column ? column.source : undefined
  })
  const rows = Array.isArray(node?.rows) ? (node.rows as Record<string, unknown>[]) : []
  if (rows.length === 0) fail(`${at}/rows`, 'required', 'a decision table needs at least one row')
  const rules = rows.flatMap((row, r) => {
    const where = `${at}/rows/${r}`
    const rowId = checkRuleId(row?.id ?? `${String(node.id)}#${r + 1}`, `${where}/id`, ruleIds, fail)
    const cells = Array.isArray(row?.when) ? (row.when as unknown[]) : []
    if (cells.length !== inputs.length) {
      fail(`${where}/when`, 'invalid_value', `a row needs one cell per input column (${inputs.length}), got ${cells.length}`)
      return []
    }
    const conditions: CompiledExpression[] = []
    let broken = false
    cells.forEach((cell, c) => {
      const column = columns[c]
      if (typeof cell !== 'string' && typeof cell !== 'number' && typeof cell !== 'boolean') {
        broken = true
        fail(`${where}/when/${c}`, 'invalid_type', 'a cell is text, a number or true/false')
      } else if (column === undefined) broken = true
      else {
        const source = cellCondition(column, cell)
        const compiled = source === undefined ? undefined : compile(`${where}/when/${c}`, source, 'bool')
        if (compiled) conditions.push(compiled)
        else if (source !== undefined) broken = true
      }
    })
    return outcomeOf(row, where, rowId, broken ? undefined : conditions, fail)
  })
  return { policy: policy ?? 'first', rules }
}

function split(node: Record<string, unknown>, at: string, id: string, target: (pointer: string, name: unknown, fallback: Target) => Target, fail: Fail): CompiledNode {
  if (!isEntityKind(node?.by)) fail(`${at}/by`, 'invalid_value', 'by must be an entity kind that names the applicant, such as user or id_number')
  const branches = Array.isArray(node?.branches) ? (node.branches as Record<string, unknown>[]) : []
  if (branches.length < 2) fail(`${at}/branches`, 'required', 'a split needs at least two branches')
  let upper = 0
  const upperBuckets: number[] = []
  const targets = branches.map((branch, b) => {
    const share = branch?.share
    const buckets = typeof share === 'number' ? Math.round(share * 100) : Number.NaN
    if (!(buckets > 0) || Math.abs((share as number) * 100 - buckets) > 1e-9) fail(`${at}/branches/${b}/share`, 'invalid_value', 'share is a percentage above 0 with at most two decimals')
    upper += Math.max(buckets, 0) || 0
    upperBuckets.push(upper)
    if (branch?.next === undefined) fail(`${at}/branches/${b}/next`, 'required', 'a branch needs next: a node id or end')
    return target(`${at}/branches/${b}/next`, branch?.next, end)
  })
  if (branches.length >= 2 && upper !== bucketCount) fail(`${at}/branches`, 'invalid_value', `shares must add up to 100, not ${upper / 100}`)
  if (node?.next !== undefined) fail(`${at}/next`, 'not_allowed', 'a split goes on through its branches')
  return { kind: 'split', id, by: node?.by as EntityKind, upperBuckets, targets }
}

function checkRuleId(id: unknown, pointer: string, ruleIds: Set<string>, fail: Fail): string {
  if (typeof id !== 'string' || id === '') fail(pointer, 'required', 'a rule needs an id')
  else if (ruleIds.has(id)) fail(pointer, 'duplicate', `rule "${id}" is declared twice`)
  else ruleIds.add(id)
  return String(id)
}

function checkReason(raw: unknown, at: string, fail: Fail): ({ code: string } & LocalizedMessage) | undefined {
  const reason = raw as Record<string, unknown> | undefined
  let ok = true
  if (typeof reason?.code !== 'string' || !/^[A-Z][A-Z0-9_]{2,63}$/.test(reason.code)) {
    ok = false
    fail(`${at}/code`, 'invalid_format', 'reason code must be UPPER_SNAKE_CASE')
  }
  for (const language of ['zh', 'en'] as const) {
    if (typeof reason?.[language] !== 'string' || reason[language] === '') {
      ok = false
      fail(`${at}/${language}`, 'required', `reason needs a ${language} message`)
    }
  }
  return ok ? { code: reason!.code as string, zh: reason!.zh as string, en: reason!.en as string } : undefined
}

/** A rule, row or band's action and reason; nothing when any part is broken (the problems are reported). */
function outcomeOf(raw: Record<string, unknown>, at: string, id: string, conditions: CompiledExpression[] | undefined, fail: Fail): CompiledRule[] {
  if (!isAction(raw?.action)) fail(`${at}/action`, 'invalid_value', `action must be one of ${actions.join(', ')}`)
  const reason = checkReason(raw?.reason, `${at}/reason`, fail)
  const onError = raw?.onError ?? 'policy'
  if (onError !== 'policy' && onError !== 'hit' && onError !== 'skip') fail(`${at}/onError`, 'invalid_value', 'onError must be hit (fail closed), skip (fail open) or policy (the strategy\'s onRuleError)')
  if (!conditions || !reason || !isAction(raw?.action)) return []
  const references = mergedReferences(conditions)
  return [{ id, conditions, action: raw.action, reason, references, evidence: evidencePlan(references), onError: onError as CompiledRule['onError'] }]
}

function mergedReferences(conditions: CompiledExpression[]): References {
  const paths = new Map(conditions.flatMap((c) => c.references.eventFields.map((p) => [p.join('.'), p] as const)))
  return {
    features: [...new Set(conditions.flatMap((c) => c.references.features))],
    scores: [...new Set(conditions.flatMap((c) => c.references.scores))],
    eventFields: [...paths.values()],
  }
}

/** A flow must end: every path from the first node reaches the end without visiting a node twice, and every node is on some path. */
function checkAcyclic(nodes: CompiledNode[], base: string, fail: Fail) {
  const state = new Uint8Array(nodes.length) // 0 unseen, 1 on the current path, 2 done
  const targetsOf = (node: CompiledNode): Target[] => (node.kind === 'rules' ? [node.onHit, node.onMiss] : node.kind === 'split' ? node.targets : [])
  const visit = (i: number): boolean => {
    if (state[i] === 1) {
      fail(`${base}/${i}`, 'flow_cycle', `the flow loops back to node "${nodes[i]!.id}"`)
      return false
    }
    if (state[i] === 2) return true
    state[i] = 1
    for (const t of targetsOf(nodes[i]!)) if (t !== end && !visit(t)) return false
    state[i] = 2
    return true
  }
  if (nodes.length === 0 || !visit(0)) return
  state.forEach((s, i) => {
    if (s === 0) fail(`${base}/${i}/id`, 'unreachable_node', `no path from the first node reaches "${nodes[i]!.id}"`)
  })
}
