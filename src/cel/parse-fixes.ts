import { EvaluationError, Optional } from '@marcbachmann/cel-js'
import { UnsignedInt } from '@marcbachmann/cel-js/evaluator'
import { isIntAndDouble, orderAsDoubles } from './spec-fixes.ts'
import { optionalEntriesOf } from './syntax-extensions.ts'

/**
 * Corrections to a freshly parsed cel-js tree, made before it is checked or
 * evaluated, where cel-js's parser or checker disagrees with the CEL
 * specification and the tree itself can carry the right answer (found by the
 * conformance suite, docs/reference/cel-conformance.md):
 *
 * - a bytes literal's non-ASCII characters are UTF-8 encoded (`b'ÿ'` is
 *   `b'\303\277'`); cel-js keeps the low byte of each UTF-16 unit;
 * - `has(e.f)` accepts any operand `e` (a literal, a call, an optional),
 *   where cel-js's macro requires a variable at the root of the path;
 * - an operand that is selected from, indexed or iterated (`{}.?key.field`,
 *   `optional.none()[0]`, `[].all(e, e > 0)`) has its unbound type
 *   parameters checked as `dyn`: cel-js leaves `[]`, `{}` and
 *   `optional.none()` typed `list<T>`, `map<K, V>`, `optional<T>`, and
 *   then can neither index into a `T` nor order it.
 *
 * - an int or uint ordered against a double compares as doubles (cel-go's
 *   `dyn(2^63 - 1) < 2^63.0` is false), where cel-js compares exactly;
 * - a uint index into a list (`[7, 8, 9][dyn(0u)]`) is a position;
 * - a list of optionals and nulls is a list of the optional type;
 * - `duration + timestamp` is typed a timestamp (cel-js declares it a duration);
 * - selecting a field of an optional's value fails when the value is neither a
 *   map nor a message (`optional.of(0).field`), where cel-js gives none;
 * - when a tree is checked only at evaluation (the runtime environment; the
 *   conformance suite's `disable_check` cases), an operand of `&&`/`||` that
 *   fails that check (an undeclared name, a string) is an error *value*
 *   that the other operand may absorb: `x || true` is true. Strategies are
 *   checked when saved, where such an expression is still refused. So is
 *   `==` between operands of different types (`1.0 == 1`), left to CEL
 *   equality at evaluation.
 *
 * `CelEnvironment.parse` (cel-environment.ts) applies them to every tree, so
 * the checker and the evaluator see the same corrected tree. They rely on
 * cel-js internals (`meta`, `setMeta`, the `has` macro object, the checker's
 * `check`/`getType`/`createError`, the evaluator's `run`/`debugType`);
 * `test/cel/parse-fixes.test.ts` fails if those change.
 */

interface AstNode {
  op: string
  args: unknown
  input: string
  start: number
  end: number
  checkedType?: TypeDecl & { name: string }
  clone(op: { name: string; check: unknown; evaluate: unknown }, args: unknown): AstNode
  readonly meta: { evaluate?: unknown; alternate?: AstNode; macro?: HasMacro & Record<string, unknown>; check?: (checker: Checker, node: AstNode, scope: unknown) => TypeDecl }
  setMeta(key: string, value: unknown): AstNode
}

interface TypeDecl {
  kind: string
  name?: string
  hasPlaceholderType: boolean
  templated(registry: unknown, bindings: { get(name: string): TypeDecl }): TypeDecl
}

interface Checker {
  check(node: AstNode, scope: unknown): TypeDecl
  getType(name: string): TypeDecl
  registry: unknown
  createError(code: string, message: string, node: AstNode): Error
}

interface FieldType {
  name: string
  kind: string
  fieldLazy(value: unknown, field: string, node: AstNode, ev: Evaluator): unknown
}

interface Evaluator {
  run(node: AstNode, scope: unknown): unknown
  debugType(value: unknown): FieldType
}

interface HasMacro {
  args: AstNode[]
  typeCheck(checker: Checker, macro: HasMacro, scope: unknown): TypeDecl
  evaluate(ev: Evaluator, macro: HasMacro, scope: unknown): unknown
}

const isAstNode = (value: unknown): value is AstNode => value !== null && typeof value === 'object' && typeof (value as AstNode).op === 'string' && 'meta' in value

/** Applies every correction to the tree, in place. */
export function fixParsedTree(root: unknown): void {
  forEachParsedNode<AstNode>(root, fixNode)
}

/** Every node of a tree as parsed (macros' arguments and alternates included), each once; `Node` is the caller's view of cel-js's nodes. */
export function forEachParsedNode<Node>(root: unknown, visit: (node: Node) => void): void {
  const pending: unknown[] = [root]
  const visited = new Set<AstNode>()
  while (pending.length > 0) {
    const value = pending.pop()
    if (Array.isArray(value)) {
      pending.push(...value)
      continue
    }
    if (!isAstNode(value) || visited.has(value)) continue
    visited.add(value)
    visit(value as unknown as Node)
    const { alternate, macro } = value.meta
    if (alternate) pending.push(alternate)
    if (macro) pending.push(...Object.values(macro))
    if (value.op === 'comprehension') pending.push(...Object.values(value.args as object))
    else pending.push(value.args)
  }
}

function fixNode(node: AstNode): void {
  if (node.op === 'value' && node.args instanceof Uint8Array) node.args = bytesLiteral(node)
  else if (node.op === 'call' && (node.args as [string])[0] === 'has' && node.meta.macro) fixHas(node.meta.macro)
  else if (node.op === '.' || node.op === '.?' || node.op === '[]' || node.op === '[?]') {
    unbindTypeParameters((node.args as [AstNode])[0])
    if (node.op === '.') selectOnOptionalNeedsFields(node)
    else if (node.op === '[]' || node.op === '[?]') uintIndexIntoList(node)
  } else if (node.op === '<' || node.op === '<=' || node.op === '>' || node.op === '>=') orderingAcrossIntAndDouble(node)
  else if (node.op === 'list') nullTakesOptionalType(node)
  else if (node.op === 'comprehension') unbindTypeParameters((node.args as { iterable: AstNode }).iterable)
  else if (node.op === '+') durationPlusTimestamp(node)
  else if (node.op === '&&' || node.op === '||') operandCheckErrorsAtRuntime(node)
  else if (node.op === '==' || node.op === '!=') equalityOfAnyTypesAtRuntime(node)
}

/** The node's operator implementation, which cel-js's checker picks and the evaluation calls as `node.handle(left, right, node, evaluator)`. */
type Handle = (left: unknown, right: unknown, node: AstNode, ev: Evaluator) => unknown

/**
 * An int or uint ordered against a double compares as doubles, as cel-go
 * does (`dyn(2^63 - 1) < 2^63.0` is false: the int is 2^63 as a double);
 * cel-js compares the exact values. Only nodes whose operands can be such a
 * mix (a double and an integer, or dyn) get the wrapper: `int < int` keeps
 * cel-js's own, unwrapped.
 */
function orderingAcrossIntAndDouble(node: AstNode): void {
  const check = node.meta.check!
  const [left, right] = node.args as [AstNode, AstNode]
  const op = node.op as '<' | '<=' | '>' | '>='
  node.setMeta('check', (checker: Checker, n: AstNode, scope: unknown) => {
    const type = check(checker, n, scope)
    if (mayMixIntAndDouble(left.checkedType, right.checkedType)) {
      const handle = (n as AstNode & { handle: Handle }).handle
      ;(n as AstNode & { handle: Handle }).handle = (l, r, a, ev) => (isIntAndDouble(l, r) ? orderAsDoubles(op, l, r) : handle(l, r, a, ev))
    }
    return type
  })
}

const numericTypes = new Set(['int', 'uint', 'double'])

function mayMixIntAndDouble(left: TypeDecl | undefined, right: TypeDecl | undefined): boolean {
  const kind = (t: TypeDecl | undefined) => (t === undefined || t.kind === 'dyn' ? 'dyn' : numericTypes.has(t.name!) ? t.name! : 'other')
  const l = kind(left)
  const r = kind(right)
  if (l === 'other' || r === 'other') return false
  return l === 'dyn' || r === 'dyn' || (l === 'double') !== (r === 'double')
}

/**
 * `[7, 8, 9][dyn(0u)]`: a uint index into a list is that position, as in the
 * spec; cel-js looks an UnsignedInt up as a key and fails. The checker lets
 * only an int or a dyn index through, so only a dyn index gets the wrapper.
 */
function uintIndexIntoList(node: AstNode): void {
  const check = node.meta.check!
  const index = (node.args as [AstNode, AstNode])[1]
  node.setMeta('check', (checker: Checker, n: AstNode, scope: unknown) => {
    const type = check(checker, n, scope)
    if (index.checkedType?.kind === 'dyn') {
      const handle = (n as AstNode & { handle: Handle }).handle
      ;(n as AstNode & { handle: Handle }).handle = (l, r, a, ev) => handle(l, r instanceof UnsignedInt && Array.isArray(l) ? r.valueOf() : r, a, ev)
    }
    return type
  })
}

/**
 * `[optional.of(1), null]` is a `list<optional<int>>`: null may stand for an
 * optional (the spec's legacy nullable types), where cel-js unifies the two
 * to dyn. Applies only when every element is such an optional or null.
 */
function nullTakesOptionalType(node: AstNode): void {
  const check = node.meta.check
  if (!check) return
  node.setMeta('check', (checker: Checker, n: AstNode, scope: unknown) => {
    const type = check(checker, n, scope) as TypeDecl & { valueType?: TypeDecl }
    // a list with optional entries ([?x]) is typed by their values already (syntax-extensions.ts)
    if (type.valueType?.kind !== 'dyn' || optionalEntriesOf(n)) return type
    let optional: TypeDecl | undefined
    let sawNull = false
    for (const element of n.args as AstNode[]) {
      const elementType = element.checkedType
      if (elementType?.name === 'null') sawNull = true
      else if (elementType?.kind === 'optional' && (optional === undefined || optional === elementType)) optional = elementType
      else return type
    }
    return sawNull && optional ? (checker.registry as { getListType(t: TypeDecl): TypeDecl }).getListType(optional) : type
  })
}

const TIMESTAMP = 'google.protobuf.Timestamp'
const DURATION = 'google.protobuf.Duration'

/** cel-js registers `duration + timestamp` without a return type, so it is checked as a duration; it evaluates to a timestamp. */
function durationPlusTimestamp(node: AstNode): void {
  const check = node.meta.check!
  const [left, right] = node.args as [AstNode, AstNode]
  node.setMeta('check', (checker: Checker, n: AstNode, scope: unknown) => {
    const type = check(checker, n, scope) as TypeDecl & { name: string }
    return type.name === DURATION && left.checkedType?.name === DURATION && right.checkedType?.name === TIMESTAMP ? checker.getType(TIMESTAMP) : type
  })
}

/**
 * `opt.field` on an optional looks the field up in its value, and is none
 * when a map lacks it; a value that has no fields at all (null, an int) is an
 * error, as in the spec. Only a select whose operand is checked as an
 * optional gets this evaluation; every other select keeps cel-js's.
 */
function selectOnOptionalNeedsFields(node: AstNode): void {
  const check = node.meta.check!
  const [operand, field] = node.args as [AstNode, string]
  node.setMeta('check', (checker: Checker, n: AstNode, scope: unknown) => {
    const type = check(checker, n, scope)
    if (operand.checkedType?.kind !== 'optional') return type
    node.setMeta('evaluate', (ev: Evaluator, n: AstNode, scope: unknown) => {
      const value = ev.run(operand, scope)
      if (!(value instanceof Optional) || !value.hasValue()) return Optional.none()
      const inner = value.value()
      const innerType = ev.debugType(inner)
      if (innerType.kind !== 'map' && innerType.kind !== 'message') throw new EvaluationError(`No such key: ${field} (a ${innerType.name} has no fields)`, n as never)
      // as cel-js's optional select: a missing field (or one of another type) is none
      try {
        return Optional.of(innerType.fieldLazy(inner, field, n, ev))
      } catch (error) {
        if (error instanceof EvaluationError) return Optional.none()
        throw error
      }
    })
    return type
  })
}

/** Whether the checker runs at evaluation (cel-js's evaluation-time checker reports EvaluationErrors). */
const checksAtEvaluation = (checker: Checker) => checker.createError('check', 'probe', undefined as never) instanceof EvaluationError

/**
 * At evaluation-time checking only: an operand of `&&`/`||` that fails the
 * check is replaced by a node that raises that error when evaluated, and a
 * non-bool operand type is left to the evaluation (which cel-js's `&&`/`||`
 * already handle as the spec says: `'horses' && false` is false).
 */
function operandCheckErrorsAtRuntime(node: AstNode): void {
  const check = node.meta.check!
  node.setMeta('check', (checker: Checker, n: AstNode, scope: unknown) => {
    if (!checksAtEvaluation(checker)) return check(checker, n, scope)
    const operands = n.args as AstNode[]
    for (let i = 0; i < operands.length; i++) {
      try {
        checker.check(operands[i]!, scope)
      } catch (error) {
        operands[i] = raising(operands[i]!, error)
      }
    }
    try {
      return check(checker, n, scope)
    } catch {
      return checker.getType('bool')
    }
  })
}

/**
 * At evaluation-time checking only: `==`/`!=` between operands of different
 * types (`1.0 == 1`, `['one'] == [2, 3]`) is left to the evaluation, which
 * compares by CEL equality (`spec-fixes.ts`). Checked when saved, they are
 * still refused, as cel-go's checker refuses them.
 */
function equalityOfAnyTypesAtRuntime(node: AstNode): void {
  const check = node.meta.check!
  node.setMeta('check', (checker: Checker, n: AstNode, scope: unknown) => {
    try {
      return check(checker, n, scope)
    } catch (error) {
      const [left, right] = n.args as [AstNode, AstNode]
      // only a missing overload; an operand that fails its own check stays an error
      if (!checksAtEvaluation(checker) || !left.checkedType || !right.checkedType) throw error
      return checker.getType('bool')
    }
  })
}

/** A node that is checked as dyn and raises `error` when evaluated. */
function raising(node: AstNode, error: unknown): AstNode {
  const raise = () => {
    throw error instanceof EvaluationError ? error : new EvaluationError(String((error as Error)?.message ?? error), node as never)
  }
  return node.clone({ name: 'raise', check: (checker: Checker) => checker.getType('dyn'), evaluate: raise }, undefined)
}

/** Every type parameter as `dyn`, in the shape cel-js's `templated` asks for. */
const allDyn = (checker: Checker) => ({ get: () => checker.getType('dyn') })

/**
 * An operand that is selected from, indexed or iterated: cel-js types `[]`,
 * `{}` and `optional.none()` with unbound parameters (`list<T>`,
 * `map<K, V>`, `optional<T>`) and then refuses to look into them. The spec
 * treats an unbound parameter as `dyn` there.
 */
function unbindTypeParameters(operand: AstNode): void {
  const { alternate, macro, check } = operand.meta
  if (alternate || macro || !check) return
  operand.setMeta('check', (checker: Checker, node: AstNode, scope: unknown) => {
    const type = check(checker, node, scope)
    return type.hasPlaceholderType ? type.templated(checker.registry, allDyn(checker)) : type
  })
}

// ---------------------------------------------------------------------------
// Bytes literals
// ---------------------------------------------------------------------------

const simpleEscapes: Record<string, number> = { '\\': 0x5c, '?': 0x3f, '"': 0x22, "'": 0x27, '`': 0x60, a: 0x07, b: 0x08, f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09, v: 0x0b }
const utf8 = new TextEncoder()

/**
 * The literal's bytes, read again from its source text: escapes are bytes,
 * every other character its UTF-8 encoding. Only literals with a non-ASCII
 * character differ from cel-js's reading (which has validated the escapes).
 */
function bytesLiteral(node: AstNode): Uint8Array {
  const text = node.input.slice(node.start, node.end)
  const parsed = node.args as Uint8Array
  if (!/^[bB]/.test(text) || /^\p{ASCII}*$/u.test(text)) return parsed
  const quote = text.slice(1, 4) === "'''" || text.slice(1, 4) === '"""' ? 3 : 1
  const body = text.slice(1 + quote, text.length - quote)
  const out: number[] = []
  for (let i = 0; i < body.length; ) {
    if (body[i] !== '\\') {
      const point = body.codePointAt(i)!
      const char = String.fromCodePoint(point)
      out.push(...utf8.encode(char))
      i += char.length
      continue
    }
    const next = body[i + 1]!
    if (next in simpleEscapes) {
      out.push(simpleEscapes[next]!)
      i += 2
    } else if (next === 'x' || next === 'X') {
      out.push(Number.parseInt(body.slice(i + 2, i + 4), 16))
      i += 4
    } else {
      out.push(Number.parseInt(body.slice(i + 1, i + 4), 8))
      i += 4
    }
  }
  return Uint8Array.from(out)
}

// ---------------------------------------------------------------------------
// has()
// ---------------------------------------------------------------------------

/**
 * cel-js's `has` refuses a path that does not start at a variable. For those
 * (only), the operand is evaluated as any expression and the field looked up
 * in its value: a map's key, a message's field, or, for an optional, in its
 * value (none has no fields).
 */
function fixHas(macro: HasMacro): void {
  const select = macro.args[0]
  if (select?.op !== '.' || rootOf(select).op === 'id') return
  macro.typeCheck = (checker, _, scope) => {
    checker.check((select.args as [AstNode])[0], scope)
    return checker.getType('bool')
  }
  macro.evaluate = (ev, _, scope) => {
    const [operand, field] = select.args as [AstNode, string]
    return hasField(ev.run(operand, scope), field, select, ev)
  }
}

function rootOf(node: AstNode): AstNode {
  while (node.op === '.' || node.op === '.?') node = (node.args as [AstNode])[0]
  return node
}

function hasField(value: unknown, field: string, select: AstNode, ev: Evaluator): boolean {
  if (value instanceof Optional) return value.hasValue() && hasField(value.value(), field, select, ev)
  const type = ev.debugType(value)
  if (type.kind === 'map' || type.kind === 'message') return type.fieldLazy(value, field, select, ev) !== undefined
  throw new EvaluationError(`has(): a ${String(type)} has no fields`, select as never)
}
