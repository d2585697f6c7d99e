import { EvaluationError } from '@marcbachmann/cel-js'
import { CelRuntimeError } from './cel-errors.ts'
import { type SizeCharge, charactersPerUnit, charge, sizeCharge } from './evaluation-meter.ts'
import { compileRegex, type LinearRegex, RegexSyntaxError } from './linear-regex.ts'
import { atOffset, celContains, celEquals, checkRange, durationMilliseconds, intOfDouble, lowerAscii, mapLiteral, stringOfBytes, timeDifferenceInRange, timeDifferenceOutOfRange, trimSpace, upperAscii, utcOffsetMinutes } from './spec-fixes.ts'
import { Duration } from '@marcbachmann/cel-js/evaluator'
import { optionalEntriesOf } from './syntax-extensions.ts'

/**
 * Puts a cel-js parse tree on the cost budget, in place. cel-js evaluates a
 * node by calling `node.evaluate(evaluator, node, context)`, a method that
 * resolves the node's implementation on first use; giving each node an own
 * `evaluate` that charges the meter and then runs that implementation meters
 * the interpreter without changing what it computes. A node costs 1; an
 * operand whose size the operation's work grows with is charged by its size
 * (`sizeCharge`), and a function's result by what it allocated.
 *
 * Some functions are replaced:
 * - `string.matches(pattern)` runs on the linear-time engine (`linear-regex.ts`):
 *   JavaScript's backtracking RegExp can take minutes on 4 KiB of text;
 * - `list.join(separator)` is charged for the text it builds before building it
 *   (n elements × the separator can be far more than either operand);
 * - `duration(string)` refuses text longer than 64 characters, where cel-js's
 *   parser is quadratic;
 * - where cel-js disagrees with the CEL specification and the right answer is
 *   cheap (`spec-fixes.ts`).
 * Each replacement applies only to the values it was written for and leaves
 * anything else to cel-js.
 *
 * This relies on cel-js internals (`meta`, `args`, the comprehension node's
 * `iterable/init/step`, the evaluator's `tryEval`); `test/cel/cel-safety.test.ts`
 * fails if they change.
 */
export interface CelAstNode {
  op: string
  args: unknown
  readonly meta: { alternate?: CelAstNode; macro?: Record<string, unknown>; evaluate: Evaluate }
  evaluate: Evaluate
}

type Evaluator = { run(node: CelAstNode, context: unknown): unknown; tryEval(node: CelAstNode, context: unknown): unknown }
type Evaluate = (ev: Evaluator, node: CelAstNode, context: unknown) => unknown

export const isCelAstNode = (value: unknown): value is CelAstNode =>
  value !== null && typeof value === 'object' && typeof (value as CelAstNode).op === 'string' && 'args' in value && 'meta' in value

/** Binary operators whose work grows with their operands, and how. */
const binaryCharges: Record<string, [SizeCharge, SizeCharge]> = {
  '==': ['deep', 'deep'],
  '!=': ['deep', 'deep'],
  in: ['deep', 'membership'],
  '+': ['shallow', 'shallow'],
  '<': ['shallow', 'shallow'],
  '<=': ['shallow', 'shallow'],
  '>': ['shallow', 'shallow'],
  '>=': ['shallow', 'shallow'],
}

/** Time-zone conversions build an Intl formatter per call (~90 µs): charged as this many nodes. */
export const timeZoneCallCost = 1_000

/** Longest `duration('…')` text accepted; cel-js's parser slices the text per unit, quadratic in its length. */
export const maxDurationTextLength = 64

export function meterTree(root: CelAstNode): void {
  // each node has one parent that evaluates it (a macro's receiver is evaluated by its expansion only)
  const visited = new Set<CelAstNode>()
  const pending: Child[] = [[root, undefined]]
  while (pending.length > 0) {
    const [node, operandCharge] = pending.pop()!
    if (visited.has(node)) continue
    visited.add(node)
    node.evaluate = node === root ? atRoot(meteredEvaluate(node, operandCharge)) : meteredEvaluate(node, operandCharge)
    for (const child of childrenOf(node)) pending.push(child)
  }
}

/**
 * An operand of an operator or function whose checked type is an unresolved
 * type parameter (`T`: `optional.none().value()`; a list that is iterated or
 * indexed has dyn elements instead, `parse-fixes.ts`). cel-js would pick an
 * overload by that placeholder and answer wrongly (`string(0)` came back as
 * the int 0), so such expressions are refused.
 */
export function operandOfUnknownType(root: CelAstNode): CelAstNode | undefined {
  const visited = new Set<CelAstNode>()
  const pending = [root]
  while (pending.length > 0) {
    const node = pending.pop()!
    if (visited.has(node)) continue
    visited.add(node)
    // the body of a comprehension over the literal [] never runs
    const iterable = node.op === 'comprehension' ? (node.args as { iterable: CelAstNode }).iterable : undefined
    if (iterable?.op === 'list' && (iterable.args as unknown[]).length === 0) continue
    for (const [child, kind] of childrenOf(node)) {
      if (kind !== undefined && kind !== 'range' && (child as { checkedType?: { kind?: string } }).checkedType?.kind === 'param') return child
      pending.push(child)
    }
  }
  return undefined
}

type Child = [CelAstNode, SizeCharge | undefined]

function addChild(out: Child[], value: unknown, kind?: SizeCharge): void {
  if (isCelAstNode(value)) out.push([value, kind])
  else if (Array.isArray(value)) for (const item of value) addChild(out, item, kind)
}

/** The children a node evaluates, each with how it is charged as an operand of `node`. */
function childrenOf(node: CelAstNode): Child[] {
  const out: Child[] = []
  const { alternate, macro } = node.meta
  // a macro runs its expansion (a comprehension) or its own evaluate, never the call as written
  if (alternate) addChild(out, alternate)
  if (macro) for (const value of Object.values(macro)) addChild(out, value)
  if (alternate || macro) return out
  const args = node.args
  switch (node.op) {
    case 'value':
    case 'id':
    case 'accuValue':
    case 'accuInc':
      break
    case 'comprehension': {
      const { iterable, init, step } = args as Record<string, unknown>
      addChild(out, iterable, 'range')
      addChild(out, init)
      addChild(out, step)
      break
    }
    case 'call': {
      const [name, operands] = args as [string, unknown[]]
      addChild(out, operands, name === 'size' ? 'size' : 'shallow')
      break
    }
    case 'rcall': {
      const [name, receiver, operands] = args as [string, unknown, unknown[]]
      addChild(out, receiver, name === 'size' ? 'size' : 'shallow')
      addChild(out, operands, 'shallow')
      break
    }
    case 'map':
      for (const entry of args as unknown[][]) addChild(out, entry)
      break
    case '.':
    case '.?':
    case '[]':
    case '[?]':
    case 'list':
    case 'accuPush':
      // reading a field or an element, or building a list: no work that grows with the operand
      addChild(out, args)
      break
    case '?:': {
      const [condition, then, otherwise] = args as unknown[]
      addChild(out, condition, 'type')
      addChild(out, then)
      addChild(out, otherwise)
      break
    }
    default: {
      // operators: the operands' sizes where the work grows with them, and their type deduction
      const kinds = binaryCharges[node.op]
      if (Array.isArray(args)) {
        addChild(out, args[0], kinds?.[0] ?? 'type')
        addChild(out, args[1], kinds?.[1] ?? 'type')
      } else addChild(out, args, 'type')
    }
  }
  return out
}

/**
 * What cel-js would run for this node. Resolved at the first call, when
 * type-checking (which may still change it) has run: cel-js checks the whole
 * tree before evaluating any of it.
 */
function original(node: CelAstNode): Evaluate {
  let resolved: Evaluate | undefined
  return (ev, n, context) => {
    if (resolved === undefined) resolved = resolve(node)
    return resolved(ev, n, context)
  }
}

function resolve(node: CelAstNode): Evaluate {
  const { alternate, macro, evaluate } = node.meta
  if (alternate) return (e, _, c) => alternate.evaluate(e, alternate, c)
  if (macro) return (e, _, c) => (macro.evaluate as Evaluate)(e, macro as unknown as CelAstNode, c)
  return evaluate
}

function meteredEvaluate(node: CelAstNode, operandCharge: SizeCharge | undefined): Evaluate {
  const cost = nodeCost(node)
  // a function's result is memory it allocated (a split, a substring, a converted value): paid for by size
  const allocates = (node.op === 'call' || node.op === 'rcall') && !node.meta.alternate && !node.meta.macro
  const replaced = replacement(node)
  if (operandCharge === undefined && !allocates) {
    if (replaced) {
      return (ev, n, context) => {
        charge(cost)
        return replaced(ev, n, context)
      }
    }
    // the common case, one closure: charge, then cel-js's own implementation (resolved at the first call)
    let resolved: Evaluate | undefined
    return (ev, n, context) => {
      charge(cost)
      if (resolved === undefined) resolved = resolve(node)
      return resolved(ev, n, context)
    }
  }
  const run = replaced ?? original(node)
  return (ev, n, context) => {
    charge(cost)
    const value = run(ev, n, context)
    // numbers and booleans cost nothing to read or pass on
    if (typeof value === 'object' || typeof value === 'string') {
      if (allocates) charge(sizeCharge('shallow', value))
      if (operandCharge !== undefined) charge(sizeCharge(operandCharge, value))
    }
    return value
  }
}

/**
 * cel-js's quantifiers (all, exists) and logical operators catch a failing
 * operand (`evaluator.tryEval`) and go on, as CEL's error semantics ask. A
 * spent budget must not be caught: every later step would fail again, at one
 * throw per remaining element (~2 µs each, 100,000 elements in a long list).
 * So the evaluator's tryEval lets `cel_cost_exceeded` through; the outcome is
 * the same error, reached at once.
 */
function tryEvalLettingBudgetThrough(this: Evaluator, node: CelAstNode, context: unknown): unknown {
  try {
    const result = this.run(node, context)
    return result instanceof Promise ? result.catch((error: unknown) => error) : result
  } catch (error) {
    if (error instanceof CelRuntimeError && error.code === 'cel_cost_exceeded') throw error
    return error
  }
}

function atRoot(run: Evaluate): Evaluate {
  return (ev, n, context) => {
    if (ev.tryEval !== tryEvalLettingBudgetThrough) ev.tryEval = tryEvalLettingBudgetThrough
    return run(ev, n, context)
  }
}

function nodeCost(node: CelAstNode): number {
  if (node.op !== 'rcall' || node.meta.alternate || node.meta.macro) return 1
  const [name, , operands] = node.args as [string, unknown, unknown[]]
  return name.startsWith('get') && operands.length === 1 ? timeZoneCallCost : 1
}

/**
 * Xiezhi's implementation where cel-js's is unbounded (matches, join, duration)
 * or disagrees with the specification (`spec-fixes.ts`); undefined elsewhere.
 */
function replacement(node: CelAstNode): Evaluate | undefined {
  if (node.meta.alternate || node.meta.macro) return undefined
  if (node.op === 'rcall') {
    const [name, receiver, operands] = node.args as [string, CelAstNode, CelAstNode[]]
    if (name === 'matches' && operands.length === 1) return matches(node, receiver, operands[0]!)
    if (name === 'join' && operands.length <= 1) return join(node, receiver, operands[0])
    if (operands.length === 0) {
      if (name === 'lowerAscii') return onReceiver(node, receiver, (v) => (typeof v === 'string' ? lowerAscii(v) : undefined))
      if (name === 'upperAscii') return onReceiver(node, receiver, (v) => (typeof v === 'string' ? upperAscii(v) : undefined))
      if (name === 'trim') return onReceiver(node, receiver, (v) => (typeof v === 'string' ? trimSpace(v) : undefined))
      if (name === 'getMilliseconds') return onReceiver(node, receiver, (v) => (v instanceof Duration ? durationMilliseconds(v) : undefined))
    }
    if (operands.length === 1 && name.startsWith('get')) return timeAtOffset(node, name, receiver, operands[0]!)
  }
  if (node.op === 'call') {
    const [name, operands] = node.args as [string, CelAstNode[]]
    if (name === 'duration' && operands.length === 1) return withRangeCheck(duration(node, operands[0]!))
    if (name === 'timestamp' && operands.length === 1) return withRangeCheck(original(node))
    if (name === 'int' && operands.length === 1) return onReceiver(node, operands[0]!, (v) => (typeof v === 'number' ? intOfDouble(v) : undefined))
    if (name === 'string' && operands.length === 1) return onReceiver(node, operands[0]!, (v) => (v instanceof Uint8Array ? stringOfBytes(v) : undefined))
  }
  if (node.op === '-') return timeDifference(node, original(node))
  if (node.op === '-_' || node.op === '/' || node.op === '+' || node.op === '*') return withRangeCheck(original(node))
  if (node.op === '==' || node.op === '!=') return equality(node, node.op === '!=')
  if (node.op === 'in') return membership(node)
  // a map with optional entries (`{?k: v}`) evaluates as syntax-extensions.ts sets it to
  if (node.op === 'map' && !optionalEntriesOf(node)) {
    const entries = node.args as [CelAstNode, CelAstNode][]
    return (ev, _, context) => mapLiteral(entries.map(([key, value]) => [ev.run(key, context), ev.run(value, context)]))
  }
  return undefined
}

/** Runs `fix` on the operand's value; when it does not apply (undefined), cel-js runs (evaluating the operand again). */
function onReceiver(node: CelAstNode, operand: CelAstNode, fix: (value: unknown) => unknown): Evaluate {
  const fallback = original(node)
  return (ev, n, context) => fix(ev.run(operand, context)) ?? fallback(ev, n, context)
}

function withRangeCheck(run: Evaluate): Evaluate {
  return (ev, n, context) => checkRange(run(ev, n, context))
}

/** `==`/`!=` by CEL equality (`spec-fixes.ts`); cel-js's own for values it does not cover (evaluating the operands again). */
function equality(node: CelAstNode, negate: boolean): Evaluate {
  const [left, right] = node.args as [CelAstNode, CelAstNode]
  const fallback = original(node)
  return (ev, n, context) => {
    const equal = celEquals(ev.run(left, context), ev.run(right, context))
    if (equal === undefined) return fallback(ev, n, context)
    return negate ? !equal : equal
  }
}

/** `x in list` by CEL equality, `key in map` as cel-js looks keys up; anything else is cel-js's (evaluating the operands again). */
function membership(node: CelAstNode): Evaluate {
  const [left, right] = node.args as [CelAstNode, CelAstNode]
  const fallback = original(node)
  return (ev, n, context) => {
    const element = ev.run(left, context)
    const collection = ev.run(right, context)
    return celContains(element, collection) ?? fallback(ev, n, context)
  }
}

/**
 * A duration beyond ±292 years from `-` is an error when it is the difference
 * of two timestamps (cel-go's range for it); a difference of durations keeps
 * the ±10,000 years. The left operand is looked at again only on that rare path.
 */
function timeDifference(node: CelAstNode, run: Evaluate): Evaluate {
  const left = (node.args as [CelAstNode])[0]
  return (ev, n, context) => {
    const value = checkRange(run(ev, n, context))
    if (value instanceof Duration && !timeDifferenceInRange(value) && ev.run(left, context) instanceof Date) throw timeDifferenceOutOfRange()
    return value
  }
}

/** `t.getHours('+08:00')`: cel-js hands the zone to Intl, which knows IANA names only. */
function timeAtOffset(node: CelAstNode, name: string, receiver: CelAstNode, zoneNode: CelAstNode): Evaluate {
  const fallback = original(node)
  return (ev, n, context) => {
    const time = ev.run(receiver, context)
    const zone = ev.run(zoneNode, context)
    const offset = time instanceof Date && typeof zone === 'string' ? utcOffsetMinutes(zone) : undefined
    return (offset !== undefined ? atOffset(name, time as Date, offset) : undefined) ?? fallback(ev, n, context)
  }
}

function matches(node: CelAstNode, receiver: CelAstNode, patternNode: CelAstNode): Evaluate {
  const fallback = original(node)
  let cached: LinearRegex | undefined
  return (ev, n, context) => {
    const text = ev.run(receiver, context)
    const pattern = ev.run(patternNode, context)
    if (typeof text !== 'string' || typeof pattern !== 'string') return fallback(ev, n, context)
    if (cached?.source !== pattern) {
      charge(Math.ceil(pattern.length / charactersPerUnit))
      cached = regexFor(pattern, node)
    }
    charge(matchCost(text.length, cached.size))
    return cached.test(text)
  }
}

/** Pike VM steps cost ~10–50 ns each: two per unit. */
export const matchCost = (textLength: number, programSize: number) => Math.ceil((textLength + 1) * programSize / 2)

/** Patterns are RE2 and compile to at most this many instructions (the compile-time bound is stricter for literals). */
export const maxRuntimeRegexInstructions = 2_000

function regexFor(pattern: string, node: CelAstNode): LinearRegex {
  try {
    return compileRegex(pattern, maxRuntimeRegexInstructions)
  } catch (error) {
    if (!(error instanceof RegexSyntaxError)) throw error
    throw new EvaluationError({ code: 'invalid_regular_expression', message: error.message, node: node as never })
  }
}

function join(node: CelAstNode, receiver: CelAstNode, separatorNode: CelAstNode | undefined): Evaluate {
  const fallback = original(node)
  return (ev, n, context) => {
    const list = ev.run(receiver, context)
    const separator = separatorNode ? ev.run(separatorNode, context) : ''
    if (!Array.isArray(list) || typeof separator !== 'string' || !list.every((item) => typeof item === 'string')) return fallback(ev, n, context)
    let length = Math.max(0, list.length - 1) * separator.length
    for (const item of list) length += (item as string).length
    charge(Math.ceil(length / charactersPerUnit) + list.length)
    return list.join(separator)
  }
}

function duration(node: CelAstNode, text: CelAstNode): Evaluate {
  const fallback = original(node)
  return (ev, n, context) => {
    const value = ev.run(text, context)
    if (typeof value === 'string' && value.length > maxDurationTextLength) {
      throw new EvaluationError({ code: 'invalid_duration', message: `duration text longer than ${maxDurationTextLength} characters`, node: node as never })
    }
    return fallback(ev, n, context)
  }
}
