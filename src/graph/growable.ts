/**
 * Typed arrays that grow by half again: the graph keeps every column in one
 * of these, so its memory is a few large buffers outside the JS heap, not
 * millions of small objects the garbage collector has to walk. Half again
 * rather than doubling: a column holds at most 1.5 times what it uses (1.2
 * on average over sizes, against 1.4 with doubling) for twice the copying
 * while growing, a memcpy that is small beside the work of adding the items.
 */
export type NumberArray = Int32Array | Uint32Array | Float64Array | Uint8Array | Uint16Array

/** `array` if it holds `needed` items, else a copy at least half as long again (new items: `fill`). */
export function ensureCapacity<T extends NumberArray>(array: T, needed: number, fill = 0): T {
  if (needed <= array.length) return array
  let length = Math.max(16, array.length)
  while (length < needed) length = Math.ceil(length * 1.5)
  const bigger = new (array.constructor as new (length: number) => T)(length)
  bigger.set(array)
  if (fill !== 0) bigger.fill(fill, array.length)
  return bigger
}

/** `array`, grown if need be, holding `values` from its start: a column restored from a snapshot. */
export function holding<T extends NumberArray>(array: T, values: ArrayLike<number>): T {
  const grown = ensureCapacity(array, values.length)
  grown.set(values)
  return grown
}

/** The first `length` items, e.g. for a snapshot: a copy, or with `copy` false a view over the array itself (valid until it changes or grows). */
export function prefix<T extends NumberArray>(array: T, length: number, copy: boolean): T {
  return (copy ? array.slice(0, length) : array.subarray(0, length)) as T
}
