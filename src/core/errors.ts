/**
 * The few kinds of error the domain raises. Each maps to one HTTP status in
 * `api/present-problem.ts`; nothing else in the domain knows about HTTP.
 * Outcomes such as `reject` are data, not errors.
 */
export type ErrorKind =
  | 'invalid_input'
  | 'unknown_event_type'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'idempotency_conflict'
  | 'conflict'
  | 'not_found'
  | 'unauthorized'
  | 'forbidden'
  | 'invalid_configuration'
  /** A dependency of the decision failed and the strategy's degraded-mode policy is to refuse (`onDependencyError: fail`). */
  | 'dependency_unavailable'

/** One offending field: a JSON pointer into the input, a stable code and a sentence. */
export interface FieldIssue {
  pointer: string
  code: string
  message: string
}

export class XiezhiError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly issues: FieldIssue[] = [],
  ) {
    super(message)
    this.name = 'XiezhiError'
  }
}

export const invalidInput = (message: string, issues: FieldIssue[]) => new XiezhiError('invalid_input', message, issues)
export const notFound = (message: string) => new XiezhiError('not_found', message)

/** The caller is known but its role may not do this (a workbench user without the role). */
export const forbidden = (message: string, role: string) => new XiezhiError('forbidden', message, [{ pointer: '', code: 'role_required', message: `needs the ${role} role` }])
