import type { Environment } from '@marcbachmann/cel-js'
import { type CelCompileCode, typedHostError } from './cel-errors.ts'
import { type CelLimits, defaultCelLimits } from './cel-limits.ts'
import { compileToClosure } from './compile-to-closure.ts'
import { compileToSlots, type SlotEvaluator, type SlotLayout } from './compile-to-slots.ts'
import { Meter, withMeter } from './evaluation-meter.ts'

export { Meter } from './evaluation-meter.ts'
import { checkSourceLength, checkTreeBounds, parseLimitViolation } from './expression-bounds.ts'
import { type CelAstNode, meterTree, operandOfUnknownType } from './metered-ast.ts'

/** What a compiled expression reads; used to attach evidence to a rule's reason. */
export interface References {
  features: string[]
  scores: string[]
  eventFields: string[][]
}

export interface CompiledExpression {
  source: string
  /** The CEL type the checker inferred, e.g. `bool` or `int`. */
  type: string
  /**
   * Evaluates within a cost budget: a fresh one of `limits.evaluation.maxCost`
   * units, or `budget` when given (one Meter shared by every rule of a decision
   * bounds the decision as a whole). Throws a typed error: cel-js's
   * EvaluationError/TypeError, or a CelRuntimeError (`cel_cost_exceeded`,
   * `cel_value_too_deep`, `cel_invalid_argument`).
   */
  evaluate: (context: Record<string, unknown>, budget?: Meter) => unknown
  /**
   * With `options.slots`, for an expression slots can answer: the value over
   * the caller's slot vector, or `unanswered` (then `evaluate` decides). Same
   * value and charges as `evaluate`; see `compile-to-slots.ts`.
   */
  evaluateSlots?: SlotEvaluator
  references: References
}

export interface CheckFailure {
  ok: false
  /** `cel_type_error` for syntax and types, otherwise the bound that was broken (docs/reference/cel-safety.md). */
  code: CelCompileCode
  message: string
}

export interface CompileOptions {
  limits?: CelLimits
  /** Only the conformance suite turns this off, for its `disable_check` cases; strategies are always checked. */
  typeCheck?: boolean
  /** Variables the caller always binds to a plain object of primitives it built itself (a strategy's `features`, `scores`): read without foreign-object checks. */
  trustedRecords?: ReadonlySet<string>
  /** Where the caller keeps the values select chains read (a strategy's feature vector): adds `evaluateSlots`. */
  slots?: SlotLayout
}

/**
 * Checks `source` against the bounds (length, size, depth, literals, nested
 * comprehensions, regular expressions), type-checks it in the typed
 * environment (which knows every feature, score and event field), then parses
 * it once for evaluation in the runtime environment, whose values are already
 * CEL-typed, and puts it on the cost budget.
 */
export function compileExpression(source: string, checking: Environment, runtime: Environment, options: CompileOptions = {}): CompiledExpression | CheckFailure {
  const limits = options.limits ?? defaultCelLimits
  const tooLong = checkSourceLength(source, limits.compile)
  if (tooLong) return tooLong
  let parsed: ReturnType<Environment['parse']>
  try {
    parsed = runtime.parse(source)
  } catch (error) {
    return parseLimitViolation(error as Error) ?? typeError((error as Error).message)
  }
  const ast = parsed.ast as unknown as CelAstNode
  const outOfBounds = checkTreeBounds(ast, limits.compile)
  if (outOfBounds) return outOfBounds
  let type = 'dyn'
  if (options.typeCheck !== false) {
    let checked: { valid: boolean; type?: string; error?: { message: string; code?: string } }
    let checkedAst: unknown
    try {
      const typed = checking.parse(source)
      checked = typed.check() as typeof checked
      checkedAst = typed.ast
    } catch (error) {
      return parseLimitViolation(error as Error) ?? typeError((error as Error).message)
    }
    if (!checked.valid) return (checked.error && parseLimitViolation(checked.error)) ?? typeError(checked.error?.message ?? 'invalid expression')
    if (operandOfUnknownType(checkedAst as CelAstNode)) {
      return typeError('an operand has no known type (it comes from an empty list literal such as []): give the list its type, e.g. dyn([]) or [0].filter(x, false)')
    }
    type = String(checked.type)
  }
  meterTree(ast)
  const interpret = (context: Record<string, unknown>) => parsed(context)
  const closure = compileToClosure(parsed.ast, interpret, options.trustedRecords)
  const maxCost = limits.evaluation.maxCost
  const bounded =
    (run: (context: Record<string, unknown>) => unknown) =>
    (context: Record<string, unknown>, budget?: Meter): unknown =>
      withMeter(budget ?? new Meter(maxCost), () => {
        try {
          return run(context)
        } catch (error) {
          throw typedHostError(error) ?? error
        }
      })
  const compiled: CompiledExpression = { source, type, evaluate: bounded(closure ?? interpret), references: collectReferences(parsed.ast) }
  const overSlots = options.slots && options.typeCheck !== false ? compileToSlots(parsed.ast, options.slots) : undefined
  if (overSlots) compiled.evaluateSlots = overSlots
  interpreters.set(compiled, { interpret: bounded(interpret), compiledToClosures: closure !== undefined })
  return compiled
}

const interpreters = new WeakMap<CompiledExpression, { interpret: CompiledExpression['evaluate']; compiledToClosures: boolean }>()

/**
 * The same expression run by the (metered) cel-js interpreter alone, and
 * whether `evaluate` runs closures: for the differential tests, which check
 * that closures always answer as the interpreter does.
 */
export function interpreterOf(compiled: CompiledExpression): { interpret: CompiledExpression['evaluate']; compiledToClosures: boolean } | undefined {
  return interpreters.get(compiled)
}

const typeError = (message: string): CheckFailure => ({ ok: false, code: 'cel_type_error', message: firstLine(message) })

const firstLine = (message: string) => message.split('\n')[0]!.trim()

interface AstNode {
  op: string
  args: unknown
}

function collectReferences(root: unknown): References {
  const features = new Set<string>()
  const scores = new Set<string>()
  const eventFields = new Map<string, string[]>()
  const visit = (node: unknown) => {
    if (!isNode(node)) return
    if (node.op === '.' || node.op === '.?') {
      const path = selectPath(node)
      if (path?.[0] === 'features' && path[1]) features.add(path[1])
      else if (path?.[0] === 'scores' && path[1]) scores.add(path[1])
      else if (path?.[0] === 'event' && path.length > 1) eventFields.set(path.join('.'), path.slice(1))
    }
    const args = node.args
    if (Array.isArray(args)) for (const arg of args) Array.isArray(arg) ? arg.forEach(visit) : visit(arg)
  }
  visit(root)
  return { features: [...features], scores: [...scores], eventFields: [...eventFields.values()] }
}

/** `event.data.amountMinor` → ['event', 'data', 'amountMinor']; undefined for anything but a plain select chain. */
function selectPath(node: AstNode): string[] | undefined {
  if (node.op === 'id' && typeof node.args === 'string') return [node.args]
  if ((node.op === '.' || node.op === '.?') && Array.isArray(node.args) && typeof node.args[1] === 'string') {
    const inner = isNode(node.args[0]) ? selectPath(node.args[0]) : undefined
    return inner ? [...inner, node.args[1]] : undefined
  }
  return undefined
}

const isNode = (value: unknown): value is AstNode => value !== null && typeof value === 'object' && 'op' in value
