/**
 * How large a CEL expression may be, and how much one evaluation may cost.
 * The values and the reasoning behind them are in docs/reference/cel-safety.md;
 * a change here is a change there.
 */
export interface CelCompileLimits {
  /** Characters of source (UTF-16 units), checked before parsing. */
  maxSourceLength: number
  /** Nodes of the parsed tree, as written (macros not expanded). */
  maxNodes: number
  /** Nesting depth; a chain of one operator (`a && b && c`, `x + y + z`) is one level. */
  maxDepth: number
  /** Characters of one string or bytes literal. */
  maxStringLiteralLength: number
  /** Elements of one list literal. */
  maxListLiteralElements: number
  /** Entries of one map literal. */
  maxMapLiteralEntries: number
  /** Comprehensions (all, exists, exists_one, map, filter) inside another's body. */
  maxComprehensionNesting: number
  /** Instructions a `matches` pattern compiles to (linear engine, RE2 syntax). */
  maxRegexInstructions: number
}

export interface CelEvaluationLimits {
  /** Cost units one evaluation may spend (see `evaluation-meter.ts` for what costs what). */
  maxCost: number
}

export interface CelLimits {
  compile: CelCompileLimits
  evaluation: CelEvaluationLimits
}

export const defaultCelLimits: CelLimits = Object.freeze({
  compile: Object.freeze({
    maxSourceLength: 4_096,
    maxNodes: 1_000,
    maxDepth: 32,
    maxStringLiteralLength: 1_024,
    maxListLiteralElements: 512,
    maxMapLiteralEntries: 128,
    maxComprehensionNesting: 2,
    maxRegexInstructions: 2_000,
  }),
  evaluation: Object.freeze({
    maxCost: 250_000,
  }),
})

/** The defaults with some values replaced (tests, or a deployment that measured its own). */
export function celLimits(overrides: { compile?: Partial<CelCompileLimits>; evaluation?: Partial<CelEvaluationLimits> } = {}): CelLimits {
  return {
    compile: { ...defaultCelLimits.compile, ...overrides.compile },
    evaluation: { ...defaultCelLimits.evaluation, ...overrides.evaluation },
  }
}
