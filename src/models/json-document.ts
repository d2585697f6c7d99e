import type { Static, TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import type { FieldIssue } from '../core/errors.ts'

/**
 * A model document from JSON text (or an already parsed value), checked
 * against its schema: text that is not JSON is `invalid_json`, a document
 * that breaks the schema `invalid_model`, with up to 20 problems named by
 * JSON pointer. `refused` makes the error the caller throws.
 */
export function checkedDocument<T extends TSchema>(input: string | unknown, schema: T, refused: (issues: FieldIssue[]) => Error): Static<T> {
  let value: unknown = input
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input)
    } catch (error) {
      throw refused([{ pointer: '', code: 'invalid_json', message: (error as Error).message }])
    }
  }
  const issues: FieldIssue[] = [...Value.Errors(schema, value)].slice(0, 20).map((e) => ({ pointer: e.path, code: 'invalid_model', message: e.message }))
  if (issues.length > 0) throw refused(issues)
  return value as Static<T>
}
