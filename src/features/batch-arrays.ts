/**
 * The typed arrays the offline batches (`observeBatch`, `observeColumns`) work in, kept from one group and batch to
 * the next (each at least as long as asked for, grown by doubling): a batch
 * of 65,536 events made several megabytes of them per group, which the
 * collector then had to reclaim. Only the engine's own bookkeeping: the rows
 * `observeBatch` returns are always a new array.
 */
export class BatchArrays {
  private readonly floats: Float64Array[] = []
  private readonly integers: Int32Array[] = []

  doubles(slot: number, length: number): Float64Array {
    const items = this.floats[slot]
    if (items && items.length >= length) return items
    const made = new Float64Array(Math.max(length, 2 * (items?.length ?? 0)))
    this.floats[slot] = made
    return made
  }

  ints(slot: number, length: number): Int32Array {
    const items = this.integers[slot]
    if (items && items.length >= length) return items
    const made = new Int32Array(Math.max(length, 2 * (items?.length ?? 0)))
    this.integers[slot] = made
    return made
  }

  /** Slot `slot` at twice its length, its first `kept` values kept. */
  grown(slot: number, kept: number): Int32Array {
    const items = this.integers[slot]!
    const made = new Int32Array(Math.max(16, 2 * items.length))
    made.set(items.subarray(0, kept))
    this.integers[slot] = made
    return made
  }
}
