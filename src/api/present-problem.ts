import type { FastifyReply } from 'fastify'
import { type ErrorKind, type FieldIssue, XiezhiError } from '../core/errors.ts'

/** One HTTP status per error kind: the only place the API maps errors to HTTP. */
const statusOf: Record<ErrorKind, number> = {
  invalid_input: 400,
  unknown_event_type: 422,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_conflict: 409,
  conflict: 409,
  not_found: 404,
  unauthorized: 401,
  forbidden: 403,
  invalid_configuration: 500,
  dependency_unavailable: 503,
}

const titleOf: Record<ErrorKind, string> = {
  invalid_input: 'The request is invalid',
  unknown_event_type: 'Unknown event type',
  payload_too_large: 'The request body is too large',
  unsupported_media_type: 'The request body must be JSON',
  idempotency_conflict: 'The event id was already used for another event',
  conflict: 'The request conflicts with what is already recorded',
  not_found: 'Not found',
  unauthorized: 'Authentication required',
  forbidden: 'Not allowed for this role',
  invalid_configuration: 'The server is misconfigured',
  dependency_unavailable: 'A dependency of the decision failed; the event was not decided',
}

/** RFC 9457 problem details, with every offending field under `errors`. */
export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  errors?: FieldIssue[]
}

export const problemTypeUri = (kind: string) => `https://xiezhi.dev/problems/${kind.replaceAll('_', '-')}`

export function toProblem(error: unknown): Problem {
  const known = asXiezhiError(error)
  if (known) {
    return {
      type: problemTypeUri(known.kind),
      title: titleOf[known.kind],
      status: statusOf[known.kind],
      detail: known.message,
      ...(known.issues.length > 0 ? { errors: known.issues } : {}),
    }
  }
  return { type: problemTypeUri('internal_error'), title: 'Internal error', status: 500, detail: 'The server could not complete the request; it has been logged.' }
}

export function sendProblem(reply: FastifyReply, error: unknown): FastifyReply {
  const problem = toProblem(error)
  return reply.code(problem.status).type('application/problem+json').send(JSON.stringify(problem))
}

const escapePointer = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1')

/** Fastify's own parsing errors become domain kinds, so clients see one error format. */
function asXiezhiError(error: unknown): XiezhiError | undefined {
  if (error instanceof XiezhiError) return error
  const code = (error as { code?: string })?.code
  switch (code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new XiezhiError('invalid_input', 'The body is not valid JSON', [
        { pointer: '', code: 'malformed_json', message: code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'the body is empty' : 'the body is not well-formed JSON' },
      ])
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new XiezhiError('payload_too_large', 'The request body exceeds the size limit', [
        { pointer: '', code: 'too_large', message: 'the body is larger than the server accepts' },
      ])
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new XiezhiError('unsupported_media_type', 'Send the event as application/json', [
        { pointer: '', code: 'unsupported_media_type', message: 'content-type must be application/json' },
      ])
    case 'FST_ERR_VALIDATION': {
      const validation = (error as { validation?: { instancePath: string; message?: string; keyword: string; params?: Record<string, unknown> }[]; validationContext?: string }).validation ?? []
      // fastify calls the query string `querystring`; problems name it `/query/…`, as the routes' own checks do
      const raw = (error as { validationContext?: string }).validationContext ?? 'body'
      const context = raw === 'querystring' ? 'query' : raw
      return new XiezhiError(
        'invalid_input',
        `The request ${context} is invalid`,
        validation.map((v) => {
          // a missing or an unknown field is named in the pointer, not left for the client to find in the message
          if (v.keyword === 'required') return { pointer: `/${context}${v.instancePath}/${escapePointer(String(v.params?.missingProperty))}`, code: 'required', message: v.message ?? 'is required' }
          if (v.keyword === 'additionalProperties') {
            const field = String(v.params?.additionalProperty)
            return { pointer: `/${context}${v.instancePath}/${escapePointer(field)}`, code: 'unknown_field', message: `unknown ${context === 'query' ? 'parameter' : 'field'} "${field.slice(0, 64)}"` }
          }
          return { pointer: `/${context}${v.instancePath}`, code: `invalid_${v.keyword}`, message: v.message ?? 'is invalid' }
        }),
      )
    }
    default: {
      // any other client error fastify raises (a wrong content-length, say) is the client's to fix
      const status = (error as { statusCode?: number })?.statusCode
      if (status !== undefined && status >= 400 && status < 500 && typeof (error as Error).message === 'string') {
        return new XiezhiError('invalid_input', (error as Error).message, [{ pointer: '', code: 'bad_request', message: (error as Error).message }])
      }
      return undefined
    }
  }
}
