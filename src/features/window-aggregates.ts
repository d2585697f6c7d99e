/**
 * The aggregates a window feature can take, and their definitions computed
 * from scratch: the reference the running aggregates of `entity-log.ts`
 * must equal, and what a read before the newest entry (a late event) uses.
 */
export const windowAggregates = ['count', 'distinct_count', 'sum', 'avg', 'min', 'max', 'stddev', 'first_seen', 'last', 'time_since_last', 'geo_velocity'] as const
export type WindowAggregate = (typeof windowAggregates)[number]

/** The value of an aggregate over no entries: 0, or −1 for the times, where 0 would mean "just now". */
export const emptyValue = (aggregate: WindowAggregate): number => (aggregate === 'first_seen' || aggregate === 'time_since_last' ? -1 : 0)

const numberOf = (value: number | string): number => (typeof value === 'number' ? value : 0)

/** An aggregate computed from scratch over entries in time order, read at `t`. */
export function aggregateOf(aggregate: WindowAggregate, times: readonly number[], values: readonly (number | string)[], t: number): number {
  const n = times.length
  if (n === 0) return emptyValue(aggregate)
  const numbers = values.filter((v): v is number => typeof v === 'number')
  switch (aggregate) {
    case 'count':
      return n
    case 'distinct_count':
      return new Set(values.map(String)).size
    case 'sum':
      return numbers.reduce((a, b) => a + b, 0)
    case 'avg':
      return numbers.length === 0 ? 0 : numbers.reduce((a, b) => a + b, 0) / numbers.length
    case 'stddev': {
      if (numbers.length === 0) return 0
      const mean = numbers.reduce((a, b) => a + b, 0) / numbers.length
      return Math.sqrt(numbers.reduce((a, b) => a + (b - mean) ** 2, 0) / numbers.length)
    }
    case 'min':
      return numbers.length === 0 ? 0 : Math.min(...numbers)
    case 'max':
      return numbers.length === 0 ? 0 : Math.max(...numbers)
    case 'first_seen':
      return (t - times[0]!) / 1000
    case 'last':
      return numberOf(values[n - 1]!)
    case 'time_since_last':
      return (t - times[n - 1]!) / 1000
    case 'geo_velocity':
      // needs the places, not one number per entry: computed by the log itself
      return 0
  }
}
