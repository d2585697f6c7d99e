import type { CelCompileCode } from './cel-errors.ts'
import type { CelCompileLimits } from './cel-limits.ts'
import { compileRegex, RegexSyntaxError } from './linear-regex.ts'
import { type CelAstNode, isCelAstNode } from './metered-ast.ts'

/**
 * The bounds an expression must keep when it is compiled, so that what a
 * strategy author saves cannot be made expensive by its size or shape (what
 * the data can do to it is the evaluation budget's business). Each refusal
 * has a code and says which limit, how far over, and what to do instead.
 */
export interface BoundViolation {
  ok: false
  code: CelCompileCode
  message: string
}

const violation = (refusal: { code: CelCompileCode; message: string }): BoundViolation => ({ ok: false, ...refusal })

export function checkSourceLength(source: string, limits: CelCompileLimits): BoundViolation | undefined {
  if (source.length <= limits.maxSourceLength) return undefined
  return violation({ code: 'cel_too_long', message: `the expression is ${source.length} characters long; at most ${limits.maxSourceLength} are allowed (split it into several rules or a derived feature)` })
}

/** cel-js's own parse limits (a backstop behind ours) reported with our codes. */
export function parseLimitViolation(error: { code?: string; message: string }): BoundViolation | undefined {
  if (error.code !== 'limit_exceeded') return undefined
  const first = error.message.split('\n')[0]!
  if (/maxDepth/.test(first)) return violation({ code: 'cel_too_deep', message: `the expression nests too deeply (${first})` })
  if (/maxListElements|maxMapEntries/.test(first)) return violation({ code: 'cel_literal_too_large', message: `a literal is too large (${first})` })
  return violation({ code: 'cel_too_complex', message: `the expression is too large (${first})` })
}

const INT_MAX = 2n ** 63n - 1n
const INT_MIN_MAGNITUDE = 2n ** 63n

/** Operators whose chains (`a && b && c`, `!!x`) read as one level. */
const chainClass: Record<string, string> = { '||': 'or', '&&': 'and', '+': 'add', '-': 'add', '*': 'mul', '/': 'mul', '%': 'mul', '!_': 'not', '-_': 'negate' }

const comprehensionMacros = new Set(['all', 'exists', 'exists_one', 'map', 'filter'])

/** The tree as written: macros are not expanded, so a limit means what the author sees. */
function childrenAsWritten(node: CelAstNode): CelAstNode[] {
  const args = node.args
  switch (node.op) {
    case 'value':
    case 'id':
      return []
    case '.':
    case '.?':
      return [(args as [CelAstNode])[0]]
    case 'call':
      return (args as [string, CelAstNode[]])[1]
    case 'rcall': {
      const [, receiver, operands] = args as [string, CelAstNode, CelAstNode[]]
      return [receiver, ...operands]
    }
    case 'map':
      return (args as CelAstNode[][]).flat()
    default:
      if (Array.isArray(args)) return args.filter(isCelAstNode)
      return isCelAstNode(args) ? [args] : []
  }
}

export function checkTreeBounds(root: CelAstNode, limits: CelCompileLimits): BoundViolation | undefined {
  // count first (iteratively), so that the recursive walk below only ever sees a bounded tree
  let nodes = 0
  const pending = [root]
  while (pending.length > 0) {
    const node = pending.pop()!
    if (++nodes > limits.maxNodes) {
      return violation({ code: 'cel_too_complex', message: `the expression has more than ${limits.maxNodes} operators, operands and literals; split it into several rules or a derived feature` })
    }
    pending.push(...childrenAsWritten(node))
  }
  let found: BoundViolation | undefined
  const visit = (node: CelAstNode, parent: CelAstNode | undefined, depth: number, nesting: number): void => {
    if (found) return
    if (depth > limits.maxDepth) {
      found = violation({ code: 'cel_too_deep', message: `the expression nests more than ${limits.maxDepth} levels deep; name parts of it as derived features or split the rule` })
      return
    }
    found = literalViolation(node, parent, limits) ?? regexViolation(node, limits)
    if (found) return
    const isComprehension = node.op === 'rcall' && comprehensionMacros.has((node.args as [string])[0]) && node.meta.alternate !== undefined
    if (isComprehension && nesting >= limits.maxComprehensionNesting) {
      found = violation({ code: 'cel_nested_comprehension', message: `comprehensions (all, exists, exists_one, map, filter) are nested more than ${limits.maxComprehensionNesting} deep; their cost multiplies with every level (compute the inner part as a feature instead)` })
      return
    }
    const receiver = node.op === 'rcall' ? (node.args as [string, CelAstNode])[1] : undefined
    for (const child of childrenAsWritten(node)) {
      // a comprehension's body runs once per element: a comprehension inside it multiplies
      const inBody = isComprehension && child !== receiver
      const sameChain = chainClass[node.op] !== undefined && chainClass[node.op] === chainClass[child.op]
      visit(child, node, sameChain ? depth : depth + 1, inBody ? nesting + 1 : nesting)
    }
  }
  visit(root, undefined, 1, 0)
  return found
}

function literalViolation(node: CelAstNode, parent: CelAstNode | undefined, limits: CelCompileLimits): BoundViolation | undefined {
  if (node.op === 'value') {
    const value = node.args
    if ((typeof value === 'string' || value instanceof Uint8Array) && value.length > limits.maxStringLiteralLength) {
      return violation({ code: 'cel_literal_too_large', message: `a ${typeof value === 'string' ? 'string' : 'bytes'} literal has ${value.length} characters; at most ${limits.maxStringLiteralLength} are allowed (long lists of values belong in a list (名单))` })
    }
    if (typeof value === 'bigint' && value > INT_MAX && !(parent?.op === '-_' && value === INT_MIN_MAGNITUDE)) {
      return violation({ code: 'cel_literal_out_of_range', message: `the integer literal ${value} is outside the int range (-2^63 … 2^63-1); write it as a double or uint (${value}u)` })
    }
  }
  if (node.op === 'list' && (node.args as unknown[]).length > limits.maxListLiteralElements) {
    return violation({ code: 'cel_literal_too_large', message: `a list literal has ${(node.args as unknown[]).length} elements; at most ${limits.maxListLiteralElements} are allowed (long lists of values belong in a list (名单))` })
  }
  if (node.op === 'map' && (node.args as unknown[]).length > limits.maxMapLiteralEntries) {
    return violation({ code: 'cel_literal_too_large', message: `a map literal has ${(node.args as unknown[]).length} entries; at most ${limits.maxMapLiteralEntries} are allowed` })
  }
  return undefined
}

/** A literal `matches` pattern must be RE2 and small; a pattern computed at run time is checked when it runs. */
function regexViolation(node: CelAstNode, limits: CelCompileLimits): BoundViolation | undefined {
  if (node.op !== 'rcall') return undefined
  const [name, , operands] = node.args as [string, CelAstNode, CelAstNode[]]
  if (name !== 'matches' || operands.length !== 1 || operands[0]!.op !== 'value' || typeof operands[0]!.args !== 'string') return undefined
  try {
    compileRegex(operands[0]!.args, limits.maxRegexInstructions)
    return undefined
  } catch (error) {
    if (!(error instanceof RegexSyntaxError)) throw error
    return violation({ code: 'cel_invalid_regex', message: `${error.message} (matches() takes RE2 syntax: no backreferences or lookaround)` })
  }
}
