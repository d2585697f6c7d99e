import type { ProblemIssue } from './types.ts'

/** An RFC 9457 problem the API answered with (docs/reference/problems.md). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly issues: ProblemIssue[],
  ) {
    super(detail || title)
  }
  get code(): string | undefined {
    return this.issues[0]?.code
  }
}

type Listener = () => void
const unauthorizedListeners = new Set<Listener>()

/** Called when a request is refused for want of a live session (it expired, or was signed out elsewhere). */
export function onUnauthorized(listener: Listener): () => void {
  unauthorizedListeners.add(listener)
  return () => unauthorizedListeners.delete(listener)
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: { accept: 'application/json' } }
  if (body !== undefined) {
    init.headers = { ...init.headers, 'content-type': 'application/json' }
    init.body = JSON.stringify(body)
  }
  const response = await fetch(path, init)
  if (response.status === 204) return undefined as T
  const text = await response.text()
  const parsed = text ? safeJson(text) : undefined
  if (!response.ok) {
    const problem = (parsed ?? {}) as { title?: string; detail?: string; errors?: ProblemIssue[] }
    if (response.status === 401 && !(method === 'POST' && path === '/v1/session')) for (const listener of unauthorizedListeners) listener()
    throw new ApiError(response.status, problem.title ?? response.statusText, problem.detail ?? text, problem.errors ?? [])
  }
  return parsed as T
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** A query string of the defined, non-empty values. */
export function query(params: Record<string, string | number | boolean | undefined | null | string[]>): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue
    if (Array.isArray(value)) for (const v of value) search.append(key, v)
    else search.set(key, String(value))
  }
  const text = search.toString()
  return text ? `?${text}` : ''
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body),
  put: <T>(path: string, body?: unknown) => request<T>('PUT', path, body),
  delete: <T>(path: string) => request<T>('DELETE', path),
}

/**
 * The server's time, as `/v1/clock` tells it: SLA clocks and call-back times
 * are the server's, whatever the reviewer's computer says.
 */
let offsetMs = 0
const clockListeners = new Set<Listener>()

export function serverNow(): number {
  return Date.now() + offsetMs
}

export function onServerClock(listener: Listener): () => void {
  clockListeners.add(listener)
  return () => clockListeners.delete(listener)
}

export async function syncServerClock(): Promise<void> {
  const sent = Date.now()
  const { now } = await api.get<{ now: string }>('/v1/clock')
  const received = Date.now()
  offsetMs = Date.parse(now) - (sent + received) / 2
  for (const listener of clockListeners) listener()
}
