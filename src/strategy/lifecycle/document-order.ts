/**
 * Stored documents are canonical JSON, keys sorted, so their hash names them.
 * People read them in the order authors write them: `id` and `version`
 * first, a rule's `when` before its `action` and `reason`. This puts the keys
 * of every object in that order (keys it does not know come after, as they
 * were), for the YAML export and the diff.
 */
const preferred = [
  'id', 'version', 'name', 'kind', 'eventType', 'product', 'stage', 'description', 'defaultAction', 'onRuleError', 'onDependencyError',
  'type', 'mode', 'hitPolicy', 'score', 'by', 'model', 'alias', 'feature', 'weight', 'cap', 'intercept', 'expression',
  'inputs', 'models', 'ruleSets', 'flow', 'rules', 'rows', 'bands', 'branches', 'share',
  'when', 'action', 'reason', 'code', 'zh', 'en', 'offer', 'limitMinor', 'aprBps', 'reasons', 'top', 'factors', 'next', 'hit', 'miss',
]
const rank = new Map(preferred.map((key, i) => [key, i]))

export function inAuthorsOrder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(inAuthorsOrder)
  if (value === null || typeof value !== 'object') return value
  const keys = Object.keys(value as Record<string, unknown>)
  const ordered = keys
    .map((key, i) => ({ key, i }))
    .sort((a, b) => (rank.get(a.key) ?? preferred.length + a.i) - (rank.get(b.key) ?? preferred.length + b.i))
  return Object.fromEntries(ordered.map(({ key }) => [key, inAuthorsOrder((value as Record<string, unknown>)[key])]))
}
