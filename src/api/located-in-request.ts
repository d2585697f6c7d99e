import { XiezhiError } from '../core/errors.ts'

/**
 * Services point into their own input (`/name`, `/entries/0/value`); a
 * client needs to know where that was in the request (`/params/name`,
 * `/body/entries/0/value`), as for the schema's own errors. `where` says,
 * for each top-level field, which part of the request carried it.
 */
export async function locatedInRequest<T>(where: Record<string, 'body' | 'params' | 'query'>, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    if (!(error instanceof XiezhiError)) throw error
    const issues = error.issues.map((issue) => {
      const field = issue.pointer.split('/')[1] ?? ''
      const part = Object.hasOwn(where, field) ? where[field] : undefined
      return part ? { ...issue, pointer: `/${part}${issue.pointer}` } : issue
    })
    throw new XiezhiError(error.kind, error.message, issues)
  }
}
