import type { Environment } from '@marcbachmann/cel-js'
import { compileToClosure } from './compile-to-closure.ts'

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
  evaluate: (context: Record<string, unknown>) => unknown
  references: References
}

export interface CheckFailure {
  ok: false
  message: string
}

/**
 * Type-checks `source` in the typed environment (which knows every feature,
 * score and event field), then parses it once for evaluation in the runtime
 * environment, whose values are already CEL-typed.
 */
export function compileExpression(source: string, checking: Environment, runtime: Environment): CompiledExpression | CheckFailure {
  let checked: { valid: boolean; type?: string; error?: { message: string } }
  try {
    checked = checking.check(source) as typeof checked
  } catch (error) {
    return { ok: false, message: firstLine((error as Error).message) }
  }
  if (!checked.valid) return { ok: false, message: firstLine(checked.error?.message ?? 'invalid expression') }
  const parsed = runtime.parse(source)
  const interpret = (context: Record<string, unknown>) => parsed(context)
  return { source, type: String(checked.type), evaluate: compileToClosure(parsed.ast, interpret) ?? interpret, references: collectReferences(parsed.ast) }
}

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
