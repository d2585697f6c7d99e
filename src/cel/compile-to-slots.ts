/**
 * Compiles a CEL expression over a typed vector of slots: the caller resolves
 * each select chain it can (`features.x`, `scores.y`, `event.data.z`) to an
 * index and a CEL type at compile time, fills an array per evaluation, and
 * the closures read it by index. Ints sit in the array as JavaScript numbers
 * (safe integers only), so comparing a count with `20` costs a number
 * comparison, not a BigInt one, and no record is built or searched.
 *
 * Every node's CEL type is known here from the slots and the literals, and
 * only constructs whose answer on those types is certain are compiled:
 * comparisons, equality of like types, logic, the conditional, int and
 * double arithmetic, and `has()` of an event field. Anything else leaves the expression to
 * `compile-to-closure.ts` (over records). A closure meeting a value it was
 * not written for — an empty slot (missing or not representable), an int
 * result beyond 2^53, a division by zero — returns `unanswered` and the
 * caller evaluates the record way, which is the answer by definition; the
 * meter is put back as it was, so nothing is charged twice.
 * `test/strategy/strategy-slots.test.ts` checks agreement differentially.
 */
import { charactersPerUnit, type Meter } from './evaluation-meter.ts'

/** CEL types a slot may hold: ints as safe-integer numbers, doubles as numbers, strings, bools. */
export type SlotType = 'int' | 'double' | 'bool' | 'string'

/** Resolves a select chain (`['features', 'x']`) to its slot, or undefined when it has none. */
export interface SlotLayout {
  slotOf(path: readonly string[]): { index: number; type: SlotType } | undefined
  /** The slot of `has(path)`: a bool, whether the field is there. */
  presenceOf(path: readonly string[]): { index: number } | undefined
}

/** An expression over slots: its value as CEL represents it (ints as BigInt), or `unanswered`. */
export type SlotEvaluator = (slots: readonly unknown[], meter: Meter) => unknown

/** The slot closure could not answer: evaluate over records instead. */
export const unanswered: unique symbol = Symbol('unanswered')

type Run = (slots: readonly unknown[], meter: Meter) => unknown

interface Typed {
  run: Run
  type: SlotType
  /** Set for a slot read, so that a comparison with a literal reads the array itself. */
  slot?: number
  /** Set for a literal. */
  constant?: number | string | boolean
}

interface AstNode {
  op: string
  args: unknown
}

/** Thrown inside closures when a value is not what the closure was compiled for. */
const HAND_BACK = Symbol('hand back to the record closures')
/** Thrown while compiling when a construct is left to the record closures. */
const NOT_COMPILABLE = Symbol('not compilable over slots')

const handBack = (): never => {
  throw HAND_BACK
}

/** An evaluator over `layout`'s slots that agrees with the record evaluation, or undefined when the expression reads or does something slots cannot give. */
export function compileToSlots(ast: unknown, layout: SlotLayout): SlotEvaluator | undefined {
  let root: Typed
  try {
    root = compileNode(ast as AstNode, layout)
  } catch (error) {
    if (error === NOT_COMPILABLE) return undefined
    throw error
  }
  const { run, type } = root
  return (slots, meter) => {
    const spent = meter.spent
    try {
      const value = run(slots, meter)
      return type === 'int' ? BigInt(value as number) : value
    } catch {
      // the record evaluation charges afresh, and runs out of budget (or not) exactly as it always would
      meter.spent = spent
      return unanswered
    }
  }
}

const isNumeric = (type: SlotType) => type === 'int' || type === 'double'

function compileNode(node: AstNode, layout: SlotLayout): Typed {
  switch (node.op) {
    case 'value':
      return literal(node.args)
    case '.':
      return slotRead(node, layout)
    case 'call':
      return presence(node, layout)
    case '!_': {
      const operand = compileNode(node.args as AstNode, layout)
      if (operand.type !== 'bool') throw NOT_COMPILABLE
      const run = operand.run
      return { type: 'bool', run: (s, m) => !run(s, m) }
    }
    case '-_': {
      const operand = compileNode(node.args as AstNode, layout)
      if (!isNumeric(operand.type)) throw NOT_COMPILABLE
      const run = operand.run
      // the negation of a safe integer is one
      return { type: operand.type, run: (s, m) => -(run(s, m) as number) }
    }
    case '&&':
    case '||': {
      const [left, right] = operands(node, layout)
      if (left.type !== 'bool' || right.type !== 'bool') throw NOT_COMPILABLE
      const l = left.run
      const r = right.run
      return { type: 'bool', run: node.op === '&&' ? (s, m) => l(s, m) === true && r(s, m) === true : (s, m) => l(s, m) === true || r(s, m) === true }
    }
    case '?:': {
      const [condition, then, otherwise] = (node.args as AstNode[]).map((n) => compileNode(n, layout)) as [Typed, Typed, Typed]
      if (condition.type !== 'bool' || then.type !== otherwise.type) throw NOT_COMPILABLE
      const c = condition.run
      const a = then.run
      const b = otherwise.run
      return { type: then.type, run: (s, m) => (c(s, m) === true ? a(s, m) : b(s, m)) }
    }
    case '==':
    case '!=':
      return equality(node.op, ...operands(node, layout))
    case '<':
    case '<=':
    case '>':
    case '>=':
      return ordering(node.op, ...operands(node, layout))
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
      return arithmetic(node.op, ...operands(node, layout))
    default:
      throw NOT_COMPILABLE
  }
}

function operands(node: AstNode, layout: SlotLayout): [Typed, Typed] {
  const [left, right] = node.args as [AstNode, AstNode]
  return [compileNode(left, layout), compileNode(right, layout)]
}

function literal(value: unknown): Typed {
  if (typeof value === 'bigint') {
    const n = Number(value)
    if (!Number.isSafeInteger(n)) throw NOT_COMPILABLE
    return { type: 'int', constant: n, run: () => n }
  }
  // cel-js parses a double literal as a number (an int is a BigInt, a uint its own class)
  if (typeof value === 'number') return { type: 'double', constant: value, run: () => value }
  if (typeof value === 'string') return { type: 'string', constant: value, run: () => value }
  if (typeof value === 'boolean') return { type: 'bool', constant: value, run: () => value }
  throw NOT_COMPILABLE
}

function slotRead(node: AstNode, layout: SlotLayout): Typed {
  const path = selectPath(node)
  const slot = path && layout.slotOf(path)
  if (!slot) throw NOT_COMPILABLE
  const i = slot.index
  // an empty slot is undefined: the record evaluation reports (or reads) what is there
  return { type: slot.type, slot: i, run: (s) => s[i] ?? handBack() }
}

/** `has(event.data.x)`: the layout works out whether the field is there when it fills the slots. */
function presence(node: AstNode, layout: SlotLayout): Typed {
  const [name, args] = node.args as [string, AstNode[]]
  if (name !== 'has' || args.length !== 1) throw NOT_COMPILABLE
  const path = args[0]!.op === '.' ? selectPath(args[0]!) : undefined
  const slot = path && layout.presenceOf(path)
  if (!slot) throw NOT_COMPILABLE
  const i = slot.index
  return { type: 'bool', run: (s) => s[i] ?? handBack() }
}

/** `event.data.amountMinor` → ['event', 'data', 'amountMinor']; undefined for anything but a plain select chain. */
function selectPath(node: AstNode): string[] | undefined {
  if (node.op === 'id' && typeof node.args === 'string') return [node.args]
  if (node.op === '.' && Array.isArray(node.args) && typeof node.args[1] === 'string') {
    const inner = selectPath(node.args[0] as AstNode)
    return inner ? [...inner, node.args[1]] : undefined
  }
  return undefined
}

type Compare = (a: number, b: number) => boolean
const comparisons: Record<'<' | '<=' | '>' | '>=', Compare> = { '<': (a, b) => a < b, '<=': (a, b) => a <= b, '>': (a, b) => a > b, '>=': (a, b) => a >= b }
const mirrored = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' } as const

/**
 * Ints and doubles are ordered by value against each other, as the record
 * closures order BigInt against number: a safe integer is exact as a double,
 * so comparing two numbers gives the same answer. Strings and bools are left
 * to the record path.
 */
function ordering(op: '<' | '<=' | '>' | '>=', left: Typed, right: Typed): Typed {
  if (!isNumeric(left.type) || !isNumeric(right.type)) throw NOT_COMPILABLE
  // a slot against a literal is the common condition (`features.x >= 20`): one closure reads and compares
  if (left.slot !== undefined && typeof right.constant === 'number') return slotAgainst(op, left.slot, right.constant)
  if (right.slot !== undefined && typeof left.constant === 'number') return slotAgainst(mirrored[op], right.slot, left.constant)
  const compare = comparisons[op]
  const l = left.run
  const r = right.run
  return { type: 'bool', run: (s, m) => compare(l(s, m) as number, r(s, m) as number) }
}

function slotAgainst(op: '<' | '<=' | '>' | '>=', i: number, c: number): Typed {
  // the read is written out in each: these run for most conditions of most strategies
  switch (op) {
    case '<':
      return { type: 'bool', run: (s) => ((s[i] ?? handBack()) as number) < c }
    case '<=':
      return { type: 'bool', run: (s) => ((s[i] ?? handBack()) as number) <= c }
    case '>':
      return { type: 'bool', run: (s) => ((s[i] ?? handBack()) as number) > c }
    case '>=':
      return { type: 'bool', run: (s) => ((s[i] ?? handBack()) as number) >= c }
  }
}

/** Values of one type only: the record closures leave an int compared with a double to cel-js. Text is charged as they charge it. */
function equality(op: '==' | '!=', left: Typed, right: Typed): Typed {
  if (left.type !== right.type) throw NOT_COMPILABLE
  const l = left.run
  const r = right.run
  const equal = op === '=='
  if (left.type === 'string') {
    return {
      type: 'bool',
      run: (s, m) => {
        const a = l(s, m) as string
        const b = r(s, m) as string
        charge(m, textCost(a) + textCost(b))
        return (a === b) === equal
      },
    }
  }
  return { type: 'bool', run: (s, m) => (l(s, m) === r(s, m)) === equal }
}

/**
 * Int arithmetic on safe integers stays exact while the result is a safe
 * integer (checked; beyond, the record path computes it in BigInt). Division
 * truncates: `l - l % r` is an exact multiple of `r`. Double arithmetic is
 * the record closures' (no `%`, which CEL has not for doubles). Mixed types
 * are left to the record path.
 */
function arithmetic(op: '+' | '-' | '*' | '/' | '%', left: Typed, right: Typed): Typed {
  if (left.type !== right.type || !isNumeric(left.type)) throw NOT_COMPILABLE
  const l = left.run
  const r = right.run
  if (left.type === 'double') {
    switch (op) {
      case '+':
        return { type: 'double', run: (s, m) => (l(s, m) as number) + (r(s, m) as number) }
      case '-':
        return { type: 'double', run: (s, m) => (l(s, m) as number) - (r(s, m) as number) }
      case '*':
        return { type: 'double', run: (s, m) => (l(s, m) as number) * (r(s, m) as number) }
      case '/':
        return { type: 'double', run: (s, m) => (l(s, m) as number) / (r(s, m) as number) }
      default:
        throw NOT_COMPILABLE
    }
  }
  const exact = (n: number) => (Number.isSafeInteger(n) ? n : handBack())
  switch (op) {
    case '+':
      return { type: 'int', run: (s, m) => exact((l(s, m) as number) + (r(s, m) as number)) }
    case '-':
      return { type: 'int', run: (s, m) => exact((l(s, m) as number) - (r(s, m) as number)) }
    case '*':
      return { type: 'int', run: (s, m) => exact((l(s, m) as number) * (r(s, m) as number)) }
    case '/':
      return {
        type: 'int',
        run: (s, m) => {
          const a = l(s, m) as number
          const b = r(s, m) as number
          return b === 0 ? handBack() : (a - (a % b)) / b
        },
      }
    case '%':
      return {
        type: 'int',
        run: (s, m) => {
          const a = l(s, m) as number
          const b = r(s, m) as number
          return b === 0 ? handBack() : a % b
        },
      }
  }
}

const textCost = (s: string) => Math.ceil(s.length / charactersPerUnit)

function charge(meter: Meter, units: number) {
  meter.spent += units
  if (meter.spent > meter.limit) meter.fail()
}
