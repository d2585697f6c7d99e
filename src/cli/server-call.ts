import { type ErrorKind, type FieldIssue, XiezhiError } from '../core/errors.ts'
import { readBootstrapKey } from './decision-client.ts'

/**
 * Calls a running server's API (`--server URL`) with the bootstrap key of the
 * data directory, if there is one. A problem the server answers with is
 * thrown as the error it stands for, so `main.ts` prints it like the same
 * error raised locally.
 */
export async function callServer<T>(server: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const key = readBootstrapKey()
  const response = await fetch(new URL(path, server), {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  if (!response.ok) throw serverProblem(response.status, text)
  return { status: response.status, body: JSON.parse(text) as T }
}

function serverProblem(status: number, body: string): XiezhiError {
  try {
    const problem = JSON.parse(body) as { type?: string; detail?: string; errors?: FieldIssue[] }
    const kind = (problem.type?.split('/').pop() ?? '').replaceAll('-', '_') as ErrorKind
    return new XiezhiError(kind, problem.detail ?? `the server answered ${status}`, problem.errors ?? [])
  } catch {
    return new XiezhiError('invalid_input', `the server answered ${status}: ${body.slice(0, 200)}`)
  }
}
