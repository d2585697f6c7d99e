import { Environment, type EnvironmentOptions, EvaluationError, type ParseResult } from '@marcbachmann/cel-js'
import type { Duration, UnsignedInt } from '@marcbachmann/cel-js/evaluator'
import { charactersPerUnit, charge } from './evaluation-meter.ts'
import { registerOptionalFunctions } from './optional-functions.ts'
import { fixParsedTree } from './parse-fixes.ts'
import { rewriteSource } from './source-rewrite.ts'
import { applySourceMarks } from './syntax-extensions.ts'

/**
 * The CEL dialect every condition in Xiezhi is written in. One place sets the
 * options so that strategies, the conformance suite and `explain` agree.
 *
 * The parse limits here are a backstop: `compileExpression` applies Xiezhi's
 * own, stricter bounds (`cel-limits.ts`) first and reports them with codes.
 */
export const celOptions = {
  unlistedVariablesAreDyn: false,
  homogeneousAggregateLiterals: false,
  enableOptionalTypes: true,
  limits: { maxAstNodes: 2_000, maxDepth: 64, maxListElements: 1_000, maxMapEntries: 1_000, maxCallArguments: 32 },
} as const

const INT_MAX = 2n ** 63n - 1n
const TIMESTAMP = 'google.protobuf.Timestamp'
const DURATION = 'google.protobuf.Duration'

// cel-js's Environment takes the environment it clones as a second, undeclared constructor argument
const EnvironmentWithParent = Environment as unknown as new (opts?: EnvironmentOptions, parent?: Environment) => Environment

/**
 * cel-js's Environment, reading the CEL syntax cel-js's parser lacks
 * (`source-rewrite.ts`, `syntax-extensions.ts`), with every parsed tree
 * corrected where cel-js's parser or checker disagrees with the specification
 * (`parse-fixes.ts`) before it is checked or evaluated. Clones stay of this class.
 */
class CelEnvironment extends EnvironmentWithParent {
  override clone(opts?: EnvironmentOptions): Environment {
    return new CelEnvironment(opts, this)
  }

  override parse(expression: string): ParseResult {
    const { text, marks } = rewriteSource(expression)
    if (marks.length === 0) return this.#parseAndFix(expression)
    try {
      return reportingSource(this.#parseAndFix(text, (ast) => applySourceMarks(ast, marks, expression)), text, expression)
    } catch (error) {
      throw withSourceAsWritten(error, text, expression)
    }
  }

  #parseAndFix(text: string, applyMarks?: (ast: unknown) => void): ParseResult {
    const parsed = super.parse(text)
    // the marks first: the fixes read field names and list entries as written
    applyMarks?.(parsed.ast)
    fixParsedTree(parsed.ast)
    const check = parsed.check
    parsed.check = () => {
      const result = check()
      if (result.valid && result.type) result.type = unboundParametersAsDyn(result.type)
      return result
    }
    return parsed
  }

  override check(expression: string): ReturnType<Environment['check']> {
    try {
      return this.parse(expression).check()
    } catch (error) {
      return { valid: false, error: error as Error } as ReturnType<Environment['check']>
    }
  }

  override evaluate(expression: string, context?: Record<string, unknown>): unknown {
    return this.parse(expression)(context)
  }
}

/**
 * A parse of rewritten text (`source-rewrite.ts`) whose errors quote the
 * source as written: cel-js quotes the line it parsed, which is as long as
 * the written one and differs only where rewritten.
 */
function reportingSource(parsed: ParseResult, text: string, source: string): ParseResult {
  const run = ((context?: Record<string, unknown>) => {
    try {
      return parsed(context)
    } catch (error) {
      throw withSourceAsWritten(error, text, source)
    }
  }) as ParseResult
  run.ast = parsed.ast
  run.check = () => {
    const result = parsed.check()
    if (!result.valid && result.error) withSourceAsWritten(result.error, text, source)
    return result
  }
  return run
}

/** The error, its quoted line (`>    2 | …`) replaced by that line of the source as written. */
function withSourceAsWritten(error: unknown, text: string, source: string): unknown {
  if (!(error instanceof Error)) return error
  const quoted = /\n> +(\d+) \| /.exec(error.message)
  if (!quoted) return error
  const line = Number(quoted[1]) - 1
  const writtenLine = source.split('\n')[line]
  const parsedLine = text.split('\n')[line]
  const at = quoted.index + quoted[0].length
  if (writtenLine !== undefined && error.message.startsWith(parsedLine ?? '', at)) {
    error.message = error.message.slice(0, at) + writtenLine + error.message.slice(at + writtenLine.length)
  }
  return error
}

/**
 * The checked type with its unbound type parameters (`list<T>` of `[]`) named
 * `dyn`, as the specification reports them; cel-js's short names for
 * `list<dyn>` and `map<dyn, dyn>` are kept.
 */
function unboundParametersAsDyn(type: string): string {
  const named = type.replace(/\b[A-Z]\b/g, 'dyn')
  return named === 'list<dyn>' ? 'list' : named === 'map<dyn, dyn>' ? 'map' : named
}

let base: Environment | undefined

/** A fresh environment of the dialect, to register variables in. */
export function createCelEnvironment(): Environment {
  if (!base) {
    base = new CelEnvironment(celOptions)
    registerMissingStandardFunctions(base)
    registerStringExtensions(base)
    registerOptionalFunctions(base)
  }
  return base.clone()
}

/**
 * Standard-library overloads cel-js lacks (found by the conformance suite):
 * ordering of bytes, int(uint), int/string of a timestamp, string of a
 * duration, and the identity conversions of timestamps and durations.
 */
function registerMissingStandardFunctions(env: Environment) {
  const compareBytes = (a: Uint8Array, b: Uint8Array) => {
    const n = Math.min(a.length, b.length)
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
    return a.length - b.length
  }
  env.registerOperator('bytes < bytes', (a: Uint8Array, b: Uint8Array) => compareBytes(a, b) < 0)
  env.registerOperator('bytes <= bytes', (a: Uint8Array, b: Uint8Array) => compareBytes(a, b) <= 0)
  env.registerOperator('bytes > bytes', (a: Uint8Array, b: Uint8Array) => compareBytes(a, b) > 0)
  env.registerOperator('bytes >= bytes', (a: Uint8Array, b: Uint8Array) => compareBytes(a, b) >= 0)

  env.registerFunction('int(uint): int', (u: UnsignedInt) => {
    const value = u.valueOf() as bigint
    if (value > INT_MAX) throw new EvaluationError({ code: 'numeric_overflow', message: 'int() type error: integer overflow' })
    return value
  })
  env.registerFunction(`int(${TIMESTAMP}): int`, (t: Date) => BigInt(Math.floor(t.getTime() / 1000)))
  // RFC 3339 as cel-go writes it: no fraction when it is zero, no trailing zeros otherwise
  env.registerFunction(`string(${TIMESTAMP}): string`, (t: Date) => t.toISOString().replace(/\.(\d*?)0*Z$/, (_, digits: string) => (digits ? `.${digits}Z` : 'Z')))
  env.registerFunction(`string(${DURATION}): string`, (d: Duration) => d.toString())
  env.registerFunction(`timestamp(${TIMESTAMP}): ${TIMESTAMP}`, (t: Date) => t)
  env.registerFunction(`duration(${DURATION}): ${DURATION}`, (d: Duration) => d)
}

class StringsNamespace {}

/**
 * Functions of cel-go's strings extension that cel-js does not have:
 * `charAt`, `replace`, `reverse` and `strings.quote`. Positions count code
 * points, as CEL does. `replace` pays for the text it builds before building it.
 */
function registerStringExtensions(env: Environment) {
  env.registerFunction('string.charAt(int): string', (s: string, index: bigint) => {
    const points = [...s]
    if (index < 0n || index > BigInt(points.length)) throw new EvaluationError({ code: 'index_out_of_range', message: `charAt(${index}): index out of range` })
    return points[Number(index)] ?? ''
  })
  env.registerFunction('string.replace(string, string): string', (s: string, from: string, to: string) => replace(s, from, to, -1))
  env.registerFunction('string.replace(string, string, int): string', (s: string, from: string, to: string, n: bigint) => replace(s, from, to, n < 0n ? -1 : Number(n)))
  env.registerFunction('string.reverse(): string', (s: string) => [...s].reverse().join(''))
  env.registerType('StringsNamespace', StringsNamespace)
  env.registerConstant('strings', 'StringsNamespace', new StringsNamespace())
  env.registerFunction('StringsNamespace.quote(string): string', (_: StringsNamespace, s: string) => quote(s))
}

/** Replaces the first `limit` occurrences (all when negative); an empty `from` matches before every code point and at the end, as in Go. */
function replace(s: string, from: string, to: string, limit: number): string {
  const positions: number[] = []
  if (from === '') {
    for (let i = 0; i <= s.length && (limit < 0 || positions.length < limit); ) {
      positions.push(i)
      const unit = s.codePointAt(i)
      i += unit !== undefined && unit > 0xffff ? 2 : 1
    }
  } else {
    for (let i = s.indexOf(from); i !== -1 && (limit < 0 || positions.length < limit); i = s.indexOf(from, i + from.length)) positions.push(i)
  }
  charge(Math.ceil((s.length + positions.length * (to.length - from.length)) / charactersPerUnit) + positions.length)
  let out = ''
  let last = 0
  for (const at of positions) {
    out += s.slice(last, at) + to
    last = at + from.length
  }
  return out + s.slice(last)
}

const quoteEscapes: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '\\': '\\\\', '"': '\\"' }

/** cel-go's strings.quote: double quotes, C escapes for control characters, backslash and quote; invalid UTF-16 becomes U+FFFD. */
function quote(s: string): string {
  let out = '"'
  for (const c of s) {
    const unit = c.charCodeAt(0)
    // a lone surrogate (c is then one UTF-16 unit) is not text: U+FFFD, as Go does for invalid UTF-8
    out += c.length === 1 && unit >= 0xd800 && unit <= 0xdfff ? '\uFFFD' : (quoteEscapes[c] ?? c)
  }
  return `${out}"`
}
