/**
 * Compiles a parsed CEL expression into plain JavaScript closures (no `eval`,
 * no `Function`). cel-js interprets its tree on every call; a rule set runs
 * dozens of conditions per decision, and closures are an order of magnitude
 * faster. Nothing on npm does this for cel-js, hence this file.
 *
 * Only constructs whose CEL semantics are certain are compiled: literals,
 * variables, field selection, comparisons, logic, the conditional, integer and
 * double arithmetic, `in`, `has()`, `size()` and a few string methods. Anything
 * else makes the whole expression run on cel-js; and whenever a compiled
 * closure meets a value it was not written for (a missing field, a type mix,
 * an overflow), it hands the call back to cel-js too. So the answer is always
 * cel-js's; closures only make the common case fast.
 * `test/strategy/compile-to-closure.test.ts` and the fuzz test
 * (`test/cel/cel-fuzz.test.ts`) check this differentially.
 *
 * Closures draw on the same cost budget as the interpreter
 * (`evaluation-meter.ts`) where their work grows with the data: scanning a
 * list for `in`, counting, searching or joining text. Every other closure is
 * constant-time, and each runs at most once per evaluation (no loops).
 */
import { CelRuntimeError } from './cel-errors.ts'
import { charactersPerUnit, charge } from './evaluation-meter.ts'
import { optionalEntriesOf } from './syntax-extensions.ts'

type Closure = (context: Record<string, unknown>) => unknown

interface AstNode {
  op: string
  args: unknown
}

/** Thrown inside closures to hand the evaluation back to the interpreter. */
const HAND_BACK = Symbol('hand back to cel-js')

/** Thrown while compiling when a construct is left to cel-js: a constant, since most expressions with macros meet one and a stack trace apiece costs. */
const NOT_COMPILABLE = Symbol('not compilable')

const INT_MIN = -(2n ** 63n)
const INT_MAX = 2n ** 63n - 1n

/**
 * Variables whose value the caller builds itself as a plain object of
 * primitives (a strategy's `features` and `scores`): selecting a field of one
 * needs no check for foreign objects, only that the field is there. Set for
 * the length of one (synchronous) compilation.
 */
let trustedRecords: ReadonlySet<string> = new Set()

/** A fast evaluator for `ast` that agrees with `interpret`, or undefined when nothing would be gained. */
export function compileToClosure(ast: unknown, interpret: Closure, trusted: ReadonlySet<string> = new Set()): Closure | undefined {
  let compiled: Closure
  const outer = trustedRecords
  trustedRecords = trusted
  try {
    compiled = compileNode(ast as AstNode)
  } catch (error) {
    if (error === NOT_COMPILABLE) return undefined
    throw error
  } finally {
    trustedRecords = outer
  }
  return (context) => {
    try {
      return compiled(context)
    } catch (error) {
      // a spent budget stays spent: the interpreter would fail on its first step
      if (error instanceof CelRuntimeError) throw error
      return interpret(context)
    }
  }
}

const handBack = (): never => {
  throw HAND_BACK
}

function compileNode(node: AstNode): Closure {
  switch (node.op) {
    case 'value':
      return literal(node.args)
    case 'id': {
      const name = node.args as string
      return (context) => (Object.hasOwn(context, name) ? context[name] : handBack())
    }
    case '.': {
      const [objectNode, field] = pair(node) as [AstNode, string]
      if (objectNode.op === 'id' && trustedRecords.has(objectNode.args as string)) return trustedSelect(objectNode.args as string, field)
      return select(compileNode(objectNode), field)
    }
    case '!_': {
      const operand = compileNode(node.args as AstNode)
      return (context) => {
        const value = operand(context)
        return typeof value === 'boolean' ? !value : handBack()
      }
    }
    case '-_': {
      const operand = compileNode(node.args as AstNode)
      return (context) => {
        const value = operand(context)
        if (typeof value === 'number') return -value
        // -(-2^63) overflows, and so does negating an out-of-range int from the data
        if (typeof value === 'bigint' && value > INT_MIN && value <= INT_MAX) return -value
        return handBack()
      }
    }
    case '&&':
    case '||':
      return logic(node.op, compileNode(pair(node)[0] as AstNode), compileNode(pair(node)[1] as AstNode))
    case '?:': {
      const [condition, then, otherwise] = (node.args as AstNode[]).map(compileNode) as [Closure, Closure, Closure]
      return (context) => {
        const value = condition(context)
        if (value === true) return then(context)
        if (value === false) return otherwise(context)
        return handBack()
      }
    }
    case '==':
    case '!=':
      return equality(node.op, compileNode(pair(node)[0] as AstNode), compileNode(pair(node)[1] as AstNode))
    case '<':
    case '<=':
    case '>':
    case '>=':
      return ordering(node.op, compileNode(pair(node)[0] as AstNode), compileNode(pair(node)[1] as AstNode))
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
      return arithmetic(node.op, compileNode(pair(node)[0] as AstNode), compileNode(pair(node)[1] as AstNode))
    case 'in':
      return membership(compileNode(pair(node)[0] as AstNode), compileNode(pair(node)[1] as AstNode))
    case 'list': {
      // optional entries (`[?x]`) are the interpreter's (syntax-extensions.ts)
      if (optionalEntriesOf(node)) throw NOT_COMPILABLE
      const items = (node.args as AstNode[]).map(compileNode)
      return (context) => items.map((item) => item(context))
    }
    case 'call':
      return call(node)
    case 'rcall':
      return receiverCall(node)
    default:
      throw NOT_COMPILABLE
  }
}

const pair = (node: AstNode) => node.args as [unknown, unknown]

function literal(value: unknown): Closure {
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean' || value === null) {
    return () => value
  }
  throw NOT_COMPILABLE
}

/** JSON objects from events; anything else (maps, messages, missing keys) is cel-js's business. */
const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype && !Object.hasOwn(value, 'constructor')

/** cel-js types an object by its `constructor`, so one with a key of that name is not a map to it: the interpreter decides. */
const foreign = (value: unknown) => value !== null && typeof value === 'object' && Object.hasOwn(value, 'constructor')

/** `record.field` of a trusted record: present, or handed back (cel-js then reports the missing key). */
function trustedSelect(variable: string, field: string): Closure {
  return (context) => {
    const record = context[variable] as Record<string, unknown> | undefined
    return record !== undefined && Object.hasOwn(record, field) ? record[field] : handBack()
  }
}

function select(object: Closure, field: string): Closure {
  return (context) => {
    const value = object(context)
    return isRecord(value) && Object.hasOwn(value, field) && value[field] !== undefined && !foreign(value[field]) ? value[field] : handBack()
  }
}

function logic(op: '&&' | '||', left: Closure, right: Closure): Closure {
  const decisive = op === '||'
  return (context) => {
    const l = left(context)
    if (typeof l !== 'boolean') return handBack()
    if (l === decisive) return l
    const r = right(context)
    return typeof r === 'boolean' ? r : handBack()
  }
}

function equality(op: '==' | '!=', left: Closure, right: Closure): Closure {
  return (context) => {
    const l = left(context)
    const r = right(context)
    const t = typeof l
    if (t !== typeof r || (t !== 'bigint' && t !== 'number' && t !== 'string' && t !== 'boolean')) return handBack()
    if (t === 'string') charge(textCost(l as string) + textCost(r as string))
    return op === '==' ? l === r : l !== r
  }
}

function ordering(op: '<' | '<=' | '>' | '>=', left: Closure, right: Closure): Closure {
  const compare =
    op === '<' ? (a: number | bigint, b: number | bigint) => a < b
    : op === '<=' ? (a: number | bigint, b: number | bigint) => a <= b
    : op === '>' ? (a: number | bigint, b: number | bigint) => a > b
    : (a: number | bigint, b: number | bigint) => a >= b
  return (context) => {
    const l = left(context)
    const r = right(context)
    if ((typeof l === 'bigint' || typeof l === 'number') && (typeof r === 'bigint' || typeof r === 'number')) {
      // an int against a double compares as doubles, as the interpreter does (spec-fixes.ts `orderAsDoubles`)
      return typeof l === typeof r ? compare(l, r) : compare(Number(l), Number(r))
    }
    return handBack()
  }
}

function arithmetic(op: '+' | '-' | '*' | '/' | '%', left: Closure, right: Closure): Closure {
  return (context) => {
    const l = left(context)
    const r = right(context)
    if (typeof l === 'bigint' && typeof r === 'bigint') {
      if ((op === '/' || op === '%') && r === 0n) return handBack()
      const result = op === '+' ? l + r : op === '-' ? l - r : op === '*' ? l * r : op === '/' ? l / r : l % r
      return result < INT_MIN || result > INT_MAX ? handBack() : result
    }
    if (typeof l === 'number' && typeof r === 'number' && op !== '%') {
      return op === '+' ? l + r : op === '-' ? l - r : op === '*' ? l * r : l / r
    }
    if (op === '+' && typeof l === 'string' && typeof r === 'string') {
      charge(textCost(l) + textCost(r))
      return l + r
    }
    return handBack()
  }
}

function membership(element: Closure, collection: Closure): Closure {
  return (context) => {
    const value = element(context)
    const within = collection(context)
    const t = typeof value
    if (Array.isArray(within) && (t === 'bigint' || t === 'string' || t === 'boolean')) {
      charge(within.length + (t === 'string' ? textCost(value as string) : 0))
      // a decisive answer needs every item to be of the same type; a mix is cel-js's to judge
      let found = false
      for (const item of within) {
        if (typeof item !== t) return handBack()
        if (item === value) found = true
      }
      return found
    }
    if (isRecord(within) && t === 'string') return Object.hasOwn(within, value as string)
    return handBack()
  }
}

function call(node: AstNode): Closure {
  const [name, args] = node.args as [string, AstNode[]]
  if (name === 'has' && args.length === 1 && args[0]!.op === '.') {
    const [objectNode, field] = args[0]!.args as [AstNode, string]
    const object = compileNode(objectNode)
    return (context) => {
      const value = object(context)
      return isRecord(value) && !foreign(value[field]) ? Object.hasOwn(value, field) && value[field] !== undefined : handBack()
    }
  }
  if (name === 'size' && args.length === 1) return size(compileNode(args[0]!))
  throw NOT_COMPILABLE
}

function receiverCall(node: AstNode): Closure {
  const [name, receiverNode, args] = node.args as [string, AstNode, AstNode[]]
  const receiver = compileNode(receiverNode)
  if (name === 'size' && args.length === 0) return size(receiver)
  if ((name === 'startsWith' || name === 'endsWith' || name === 'contains') && args.length === 1) {
    const argument = compileNode(args[0]!)
    return (context) => {
      const s = receiver(context)
      const a = argument(context)
      if (typeof s !== 'string' || typeof a !== 'string') return handBack()
      charge(textCost(s) + textCost(a))
      return name === 'startsWith' ? s.startsWith(a) : name === 'endsWith' ? s.endsWith(a) : s.includes(a)
    }
  }
  throw NOT_COMPILABLE
}

function size(operand: Closure): Closure {
  return (context) => {
    const value = operand(context)
    if (Array.isArray(value)) return BigInt(value.length)
    if (typeof value === 'string') {
      charge(textCost(value))
      return BigInt(codePoints(value))
    }
    if (isRecord(value)) {
      const keys = Object.keys(value)
      charge(keys.length)
      return BigInt(keys.length)
    }
    return handBack()
  }
}

const textCost = (s: string) => Math.ceil(s.length / charactersPerUnit)

/** CEL counts code points, not UTF-16 units: a string's length less its surrogate pairs (without copying it). */
function codePoints(s: string): number {
  let pairs = 0
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i)
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        pairs++
        i++
      }
    }
  }
  return s.length - pairs
}
