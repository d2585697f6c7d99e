import type { ListLookup } from '../features/feature-engine.ts'

/**
 * A failure of one named dependency of a decision, raised from inside
 * another's computation: a list look-up fails inside the features, and the
 * decision says `lists`, not `features`.
 */
export class DependencyError extends Error {
  constructor(
    readonly dependency: string,
    cause: unknown,
  ) {
    super(String((cause as Error)?.message ?? cause), { cause })
    this.name = 'DependencyError'
  }
}

/** List look-ups whose failures say `lists`: the feature engine calls them while computing `in_list` features. */
export function namedListLookup(lists: ListLookup): ListLookup {
  return {
    has(listName, key, atMs) {
      try {
        return lists.has(listName, key, atMs)
      } catch (error) {
        throw new DependencyError('lists', error)
      }
    },
  }
}
