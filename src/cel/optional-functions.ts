import { type Environment, EvaluationError, Optional, ParseError } from '@marcbachmann/cel-js'
import { Duration, UnsignedInt } from '@marcbachmann/cel-js/evaluator'
import { celEquals } from './spec-fixes.ts'

/**
 * The parts of CEL's optional types that cel-js lacks (found by the
 * conformance suite): `optional.ofNonZeroValue(x)`, the `optMap` and
 * `optFlatMap` macros, `==`/`!=` between optionals, and `type()` of an
 * optional (`optional_type`). cel-js has `optional.of/none`, `.?field`,
 * `[?key]`, `hasValue`, `value`, `or` and `orValue`.
 *
 * The macros are cel-js custom macros (a signature with `ast` arguments); they
 * bind their variable the way cel-js's own `cel.bind` does, through the
 * checker's and the evaluator's scope (`forkWithVariable`, `reuse`,
 * `setIterValue`), which `test/cel/optional-functions.test.ts` exercises.
 */
export function registerOptionalFunctions(env: Environment): void {
  env.registerFunction('OptionalNamespace.ofNonZeroValue(A): optional<A>', (_: unknown, value: unknown) => (isZeroValue(value) ? Optional.none() : Optional.of(value)))
  env.registerFunction('optional.optMap(ast, ast): optional<dyn>', (call: MacroCall) => optionalMacro(call, 'optMap'))
  env.registerFunction('optional.optFlatMap(ast, ast): optional<dyn>', (call: MacroCall) => optionalMacro(call, 'optFlatMap'))
  env.registerOperator('optional<A> == optional<A>', optionalsEqual)

  // cel-js's `type` values are instances of a class it does not export: optional_type is made from the class of type(1)
  const TypeValue = (env.evaluate('type(1)') as object).constructor as new (name: string) => object
  const optionalType = new TypeValue('optional_type')
  env.registerConstant('optional_type', 'type', optionalType)
  env.registerFunction('type(optional<dyn>): type', () => optionalType)
}

/** The zero value of each CEL type: what `optional.ofNonZeroValue` treats as absent. */
export function isZeroValue(value: unknown): boolean {
  switch (typeof value) {
    case 'bigint':
      return value === 0n
    case 'number':
      return value === 0
    case 'string':
      return value === ''
    case 'boolean':
      return value === false
  }
  if (value === null || value === undefined) return true
  if (value instanceof UnsignedInt) return value.valueOf() === 0n
  if (value instanceof Uint8Array || Array.isArray(value)) return value.length === 0
  if (value instanceof Map || value instanceof Set) return value.size === 0
  if (value instanceof Duration) return value.seconds === 0n && value.nanos === 0
  // a timestamp's zero value is protobuf's default, the Unix epoch
  if (value instanceof Date) return value.getTime() === 0
  if (value instanceof Optional) return !value.hasValue()
  if (Object.getPrototypeOf(value) === Object.prototype) return Object.keys(value as object).length === 0
  return false
}

// ---------------------------------------------------------------------------
// optMap / optFlatMap
// ---------------------------------------------------------------------------

interface AstNode {
  op: string
  args: unknown
}

interface MacroCall {
  args: AstNode[]
  receiver: AstNode
}

interface TypeDecl {
  kind: string
  valueType?: TypeDecl
}

interface Scope {
  forkWithVariable(name: string, type: TypeDecl): Scope
  reuse(parent: Scope): Scope
  setIterValue(value: unknown, ev: Evaluator): Scope
}

interface Checker {
  check(node: AstNode, scope: Scope): TypeDecl
  getType(name: string): TypeDecl
  registry: { getOptionalType(type: TypeDecl): TypeDecl }
  createError(code: string, message: string, node: AstNode): Error
}

interface Evaluator {
  run(node: AstNode, scope: Scope): unknown
}

interface OptionalMacro {
  kind: 'optMap' | 'optFlatMap'
  receiver: AstNode
  variable: string
  body: AstNode
  scope?: Scope
  async: false
  typeCheck(checker: Checker, macro: OptionalMacro, scope: Scope): TypeDecl
  evaluate(ev: Evaluator, macro: OptionalMacro, scope: Scope): unknown
}

/**
 * `opt.optMap(x, body)` is `optional.of(body)` with `x` bound to the value, or
 * none; `opt.optFlatMap(x, body)` is `body` (itself an optional), or none.
 */
function optionalMacro({ args, receiver }: MacroCall, kind: OptionalMacro['kind']): OptionalMacro {
  const [variable, body] = args as [AstNode, AstNode]
  if (variable.op !== 'id') throw new ParseError(`${kind}(var, expr): the first argument must be a variable name`)
  return { kind, receiver, variable: variable.args as string, body, async: false, typeCheck: checkOptionalMacro, evaluate: evaluateOptionalMacro }
}

function checkOptionalMacro(checker: Checker, macro: OptionalMacro, scope: Scope): TypeDecl {
  const dyn = checker.getType('dyn')
  const receiverType = checker.check(macro.receiver, scope)
  if (receiverType.kind !== 'optional' && receiverType.kind !== 'dyn') {
    throw checker.createError('optional_expected', `${macro.kind}() receiver must be optional`, macro.receiver)
  }
  // optional.none() is optional<T>: its value, never bound, is checked as dyn
  const valueType = receiverType.valueType && receiverType.valueType.kind !== 'param' ? receiverType.valueType : dyn
  macro.scope = scope.forkWithVariable(macro.variable, valueType)
  const bodyType = checker.check(macro.body, macro.scope)
  if (macro.kind === 'optMap') return checker.registry.getOptionalType(bodyType.kind === 'param' ? dyn : bodyType)
  if (bodyType.kind === 'optional') return bodyType
  if (bodyType.kind === 'dyn') return checker.getType('optional')
  throw checker.createError('optional_expected', 'optFlatMap(var, expr): expr must be optional', macro.body)
}

function evaluateOptionalMacro(ev: Evaluator, macro: OptionalMacro, scope: Scope): unknown {
  const receiver = ev.run(macro.receiver, scope)
  if (!(receiver instanceof Optional)) throw new EvaluationError(`${macro.kind}() receiver must be optional`)
  if (!receiver.hasValue()) return Optional.none()
  const result = ev.run(macro.body, macro.scope!.reuse(scope).setIterValue(receiver.value(), ev))
  if (macro.kind === 'optMap') return Optional.of(result)
  if (!(result instanceof Optional)) throw new EvaluationError('optFlatMap(var, expr): expr must be optional')
  return result
}

// ---------------------------------------------------------------------------
// Equality
// ---------------------------------------------------------------------------

/** Two optionals are equal when both are none, or both hold equal values (CEL equality, `spec-fixes.ts`). */
const optionalsEqual = (a: Optional, b: Optional): boolean => celEquals(a, b) ?? false
