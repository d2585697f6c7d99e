import type { TFunction } from 'i18next'
import { ApiError } from '../api/client.ts'

/** A problem as a reviewer reads it: the known field codes translated, else the API's own words. */
export function problemText(t: TFunction, error: unknown): string {
  if (error instanceof ApiError) {
    const code = error.code
    if (code && t(`problem.${code}`, { defaultValue: '' })) return t(`problem.${code}`)
    const details = error.issues.map((i) => `${i.pointer}: ${i.message}`).join('; ')
    return details ? `${error.detail} (${details})` : error.detail || error.title
  }
  return (error as Error).message
}
