/**
 * What happens next in the simulated world: a binary min-heap of pending
 * happenings ordered by time, then by when they were scheduled, so that the
 * world runs in time order and ties replay the same way every time.
 * (A heap of a few hundred thousand entries is all this needs; no library
 * offers one worth a dependency.)
 */
interface Pending<Tag> {
  at: number
  order: number
  run: () => void
  tag: Tag
}

export class EventQueue<Tag> {
  private readonly heap: Pending<Tag>[] = []
  private scheduled = 0

  get size(): number {
    return this.heap.length
  }

  push(at: number, run: () => void, tag: Tag): void {
    const heap = this.heap
    const item = { at, order: this.scheduled++, run, tag }
    let index = heap.length
    heap.push(item)
    while (index > 0) {
      const parent = (index - 1) >> 1
      if (!before(item, heap[parent]!)) break
      heap[index] = heap[parent]!
      index = parent
    }
    heap[index] = item
  }

  peekAt(): number {
    return this.heap.length > 0 ? this.heap[0]!.at : Number.POSITIVE_INFINITY
  }

  pop(): Pending<Tag> | undefined {
    const heap = this.heap
    const top = heap[0]
    const last = heap.pop()
    if (heap.length === 0 || last === undefined) return top
    let index = 0
    for (;;) {
      const left = 2 * index + 1
      if (left >= heap.length) break
      const right = left + 1
      const child = right < heap.length && before(heap[right]!, heap[left]!) ? right : left
      if (!before(heap[child]!, last)) break
      heap[index] = heap[child]!
      index = child
    }
    heap[index] = last
    return top
  }
}

const before = <Tag>(a: Pending<Tag>, b: Pending<Tag>) => a.at < b.at || (a.at === b.at && a.order < b.order)
