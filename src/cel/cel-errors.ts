import { TypeError as CelTypeError, EvaluationError, ParseError } from '@marcbachmann/cel-js'

/**
 * Why an expression was refused when it was compiled (where an author saves a
 * strategy or a feature). `cel_type_error` covers syntax and types; the rest
 * are the bounds of docs/reference/cel-safety.md.
 */
export type CelCompileCode =
  | 'cel_type_error'
  | 'cel_too_long'
  | 'cel_too_complex'
  | 'cel_too_deep'
  | 'cel_literal_too_large'
  | 'cel_literal_out_of_range'
  | 'cel_nested_comprehension'
  | 'cel_invalid_regex'

/** Why an evaluation stopped without an answer, beyond the errors CEL itself defines. */
export type CelRuntimeCode =
  /** The evaluation spent its cost budget (time and memory). */
  | 'cel_cost_exceeded'
  /** A value nested deeper than the evaluator's stack allows. */
  | 'cel_value_too_deep'
  /** An argument the host cannot handle (an unknown time zone, malformed JSON in `bytes.json()`). */
  | 'cel_invalid_argument'

/**
 * An evaluation error raised by Xiezhi's CEL layer rather than by cel-js. The
 * strategy layer treats it like any failed rule (`RULE_ERROR`, then the
 * degraded-mode policy).
 */
export class CelRuntimeError extends Error {
  readonly code: CelRuntimeCode

  constructor(error: { code: CelRuntimeCode; message: string; cause?: unknown }) {
    super(error.message, error.cause === undefined ? undefined : { cause: error.cause })
    this.name = 'CelRuntimeError'
    this.code = error.code
  }
}

/** The errors an evaluation may end with: cel-js's own, or ours. Anything else is a bug. */
export function isTypedCelError(error: unknown): error is Error {
  return error instanceof EvaluationError || error instanceof CelTypeError || error instanceof ParseError || error instanceof CelRuntimeError
}

/**
 * Turns what the JavaScript host throws from inside cel-js into a typed error:
 * a stack overflow on deeply nested data, an Intl RangeError for a time zone
 * such as '+08:00', a NaN date turned into a BigInt, a SyntaxError from
 * `bytes.json()`. Returns undefined for anything else, which stays a bug.
 */
export function typedHostError(error: unknown): CelRuntimeError | undefined {
  if (error instanceof RangeError) {
    if (/call stack/i.test(error.message)) return new CelRuntimeError({ code: 'cel_value_too_deep', message: 'a value is nested too deeply to evaluate', cause: error })
    if (/invalid (string|array|typed array) length|allocation failed/i.test(error.message)) {
      return new CelRuntimeError({ code: 'cel_cost_exceeded', message: `a value grew beyond what the host allows: ${error.message}`, cause: error })
    }
    return new CelRuntimeError({ code: 'cel_invalid_argument', message: error.message, cause: error })
  }
  if (error instanceof SyntaxError) return new CelRuntimeError({ code: 'cel_invalid_argument', message: error.message, cause: error })
  return undefined
}
