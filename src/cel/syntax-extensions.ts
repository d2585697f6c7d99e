import { EvaluationError, Optional, ParseError } from '@marcbachmann/cel-js'
import { forEachParsedNode } from './parse-fixes.ts'
import type { SourceMark } from './source-rewrite.ts'
import { mapLiteral } from './spec-fixes.ts'

/**
 * Puts `source-rewrite.ts`'s marks into the tree cel-js parsed from the
 * rewritten text, so that the tree is the one CEL reads from the source as
 * written: the double `.5`, the raw bytes `br'…'`, the field ``.`a-b` ``, the
 * optional entries `[?x]` and `{?k: v}`. Each mark names the node by its
 * position (the rewrites keep the text's length), and each must be used
 * exactly once: one left over is a parse error, never a silent change.
 *
 * Optional entries are kept on the list or map node (`optionalEntriesOf`);
 * such a node is checked and evaluated here (an entry must be an optional,
 * and is left out when empty; a map's keys follow `mapLiteral`).
 * `metered-ast.ts` leaves such a map to this evaluation, and
 * `compile-to-closure.ts` leaves such a list to the interpreter.
 */

interface AstNode {
  op: string
  args: unknown
  pos: number
  end: number
  checkedType?: TypeDecl
  readonly meta: { alternate?: AstNode; macro?: Record<string, unknown>; check?: unknown }
  setMeta(key: string, value: unknown): AstNode
}

interface TypeDecl {
  kind: string
  name: string
  valueType?: TypeDecl
  unify(registry: unknown, other: TypeDecl): TypeDecl | null
}

interface Checker {
  check(node: AstNode, scope: unknown): TypeDecl
  getType(name: string): TypeDecl
  registry: { getListType(t: TypeDecl): TypeDecl; getMapType(k: TypeDecl, v: TypeDecl): TypeDecl }
  createError(code: string, message: string, node: AstNode): Error
}

interface Evaluator {
  run(node: AstNode, scope: unknown): unknown
}

const optionalEntries = new WeakMap<object, ReadonlySet<number>>()

/** The indexes of a list's elements or a map's entries written with `?`; undefined for a node without any. */
export const optionalEntriesOf = (node: object): ReadonlySet<number> | undefined => optionalEntries.get(node)

/** Applies the marks to the tree, in place; throws a ParseError when one finds no node. */
export function applySourceMarks(root: unknown, marks: readonly SourceMark[], source: string): void {
  if (marks.length === 0) return
  const pending = new Map<string, Exclude<SourceMark, { kind: 'optionalEntry' }>>()
  const entryMarks = new Set<number>()
  for (const mark of marks) {
    if (mark.kind === 'optionalEntry') entryMarks.add(mark.pos)
    else pending.set(`${mark.kind}@${mark.pos}:${mark.end}`, mark)
  }
  forEachParsedNode<AstNode>(root, (node) => {
    if (node.op === 'value') {
      const key = typeof node.args === 'bigint' ? `double@${node.pos}:${node.end}` : typeof node.args === 'string' ? `bytes@${node.pos}:${node.end}` : undefined
      const mark = key && pending.get(key)
      if (mark) {
        node.args = mark.value
        pending.delete(key)
      }
    } else if (node.op === '.' || node.op === '.?') {
      const key = `field@${node.pos}:${node.end}`
      const mark = pending.get(key)
      if (mark) {
        ;(node.args as [AstNode, string])[1] = mark.value as string
        pending.delete(key)
      }
    } else if (node.op === 'list' && entryMarks.size > 0) {
      const elements = node.args as AstNode[]
      markOptionalEntries(node, elements.length, (i) => elements[i]!, (i, e) => (elements[i] = e), entryMarks)
    } else if (node.op === 'map' && entryMarks.size > 0) {
      const entries = node.args as [AstNode, AstNode][]
      markOptionalEntries(node, entries.length, (i) => entries[i]![0], (i, e) => (entries[i]![0] = e), entryMarks)
    }
  })
  const left = [...pending.values(), ...[...entryMarks].map((pos) => ({ kind: 'optionalEntry', pos }))]
  if (left.length > 0) {
    const { kind, pos } = left[0]!
    throw new ParseError({ code: 'unexpected_token', message: `Unexpected syntax (${kind} at ${pos})`, node: { pos, start: pos, end: pos + 1, input: source } as never })
  }
}


/** Operators whose node starts where its first operand starts: the `!` standing for `?` is at the end of that chain. */
const leftmostFirst = new Set(['||', '&&', '==', '!=', '<', '<=', '>', '>=', 'in', '+', '-', '*', '/', '%', '?:'])

/**
 * `[?a || b]` parsed as `[!a || b]`: the `!` applies to the entry's leftmost
 * operand. Removing that `!` node leaves the entry as written without `?`
 * (`!` binds tighter than any operator it could sit under), and the entry is
 * recorded as optional.
 */
function markOptionalEntries(node: AstNode, count: number, entry: (i: number) => AstNode, setEntry: (i: number, e: AstNode) => void, marks: Set<number>): void {
  const optional = new Set<number>()
  for (let i = 0; i < count; i++) {
    let parent: AstNode | undefined
    let current = entry(i)
    while (!(current.op === '!_' && marks.has(current.pos)) && leftmostFirst.has(current.op) && !current.meta.alternate && !current.meta.macro) {
      parent = current
      current = (current.args as AstNode[])[0]!
    }
    if (current.op !== '!_' || !marks.has(current.pos)) continue
    marks.delete(current.pos)
    const operand = current.args as AstNode
    if (parent) (parent.args as AstNode[])[0] = operand
    else setEntry(i, operand)
    optional.add(i)
  }
  if (optional.size === 0) return
  optionalEntries.set(node, optional)
  if (node.op === 'list') node.setMeta('check', checkOptionalList).setMeta('evaluate', evaluateOptionalList)
  else node.setMeta('check', checkOptionalMap).setMeta('evaluate', (ev: Evaluator, n: AstNode, scope: unknown) => mapLiteral(presentEntries(ev, n, scope)))
}

/** An optional entry's type: `optional<T>` gives T; dyn stays dyn; anything else is an error. */
function entryValueType(checker: Checker, node: AstNode, type: TypeDecl): TypeDecl {
  if (type.kind === 'optional') return type.valueType!
  if (type.kind === 'dyn') return type
  throw checker.createError('type_error', `an optional entry (?) must be an optional, not ${type.name}`, node)
}

/** As cel-js's list check (elements unified, dyn when they differ), with an optional element counting as its value's type. */
function checkOptionalList(checker: Checker, node: AstNode, scope: unknown): TypeDecl {
  const elements = node.args as AstNode[]
  const optional = optionalEntries.get(node)!
  let elementType: TypeDecl | undefined
  for (let i = 0; i < elements.length; i++) {
    const written = checker.check(elements[i]!, scope)
    const type = optional.has(i) ? entryValueType(checker, elements[i]!, written) : written
    elementType = elementType === undefined ? type : (elementType.unify(checker.registry, type) ?? checker.getType('dyn'))
  }
  return checker.registry.getListType(elementType!)
}

function checkOptionalMap(checker: Checker, node: AstNode, scope: unknown): TypeDecl {
  const entries = node.args as [AstNode, AstNode][]
  const optional = optionalEntries.get(node)!
  let keyType: TypeDecl | undefined
  let valueType: TypeDecl | undefined
  const unify = (a: TypeDecl | undefined, b: TypeDecl) => (a === undefined ? b : (a.unify(checker.registry, b) ?? checker.getType('dyn')))
  for (let i = 0; i < entries.length; i++) {
    const [key, value] = entries[i]!
    keyType = unify(keyType, checker.check(key, scope))
    const written = checker.check(value, scope)
    valueType = unify(valueType, optional.has(i) ? entryValueType(checker, value, written) : written)
  }
  return checker.registry.getMapType(keyType!, valueType!)
}

/** The value an optional entry contributes: its optional's value, or undefined when it is empty. */
function presentValue(value: unknown, node: AstNode): unknown {
  if (!(value instanceof Optional)) throw new EvaluationError({ code: 'type_error', message: 'an optional entry (?) must be an optional', node: node as never })
  return value.hasValue() ? value.value() : undefined
}

function evaluateOptionalList(ev: Evaluator, node: AstNode, scope: unknown): unknown[] {
  const elements = node.args as AstNode[]
  const optional = optionalEntries.get(node)!
  const out: unknown[] = []
  for (let i = 0; i < elements.length; i++) {
    const value = ev.run(elements[i]!, scope)
    if (!optional.has(i)) out.push(value)
    else {
      const present = presentValue(value, elements[i]!)
      if (present !== undefined) out.push(present)
    }
  }
  return out
}

/** A map literal's entries, evaluated, without the optional entries that are empty. */
export function presentEntries(ev: Evaluator, node: AstNode, scope: unknown): [unknown, unknown][] {
  const entries = node.args as [AstNode, AstNode][]
  const optional = optionalEntries.get(node)
  const out: [unknown, unknown][] = []
  for (let i = 0; i < entries.length; i++) {
    const [keyNode, valueNode] = entries[i]!
    const key = ev.run(keyNode, scope)
    const value = ev.run(valueNode, scope)
    if (!optional?.has(i)) out.push([key, value])
    else {
      const present = presentValue(value, valueNode)
      if (present !== undefined) out.push([key, present])
    }
  }
  return out
}
