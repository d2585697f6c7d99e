/**
 * What happens next in the simulated world: a binary min-heap of pending
 * happenings ordered by time, then by when they were scheduled, so that the
 * world runs in time order and ties replay the same way every time.
 *
 * Keys live in typed arrays beside the heap of happenings: comparisons then
 * read contiguous memory instead of chasing one object per entry, which
 * made the queue a tenth of the simulator's time with ~100k entries pending.
 * (No npm heap offers this layout with a stable tie-break.)
 */
export class EventQueue<Tag> {
  private at = new Float64Array(1 << 12)
  private order = new Float64Array(1 << 12)
  private runs: (() => void)[] = []
  private tags: Tag[] = []
  private length = 0
  private scheduled = 0

  push(at: number, run: () => void, tag: Tag): void {
    if (this.length === this.at.length) this.grow()
    const order = this.scheduled++
    let index = this.length++
    while (index > 0) {
      const parent = (index - 1) >> 1
      const parentAt = this.at[parent]!
      if (parentAt < at || (parentAt === at && this.order[parent]! < order)) break
      this.move(parent, index)
      index = parent
    }
    this.place(index, at, order, run, tag)
  }

  /** Removes the next happening; `undefined` when none is left. */
  pop(): { at: number; run: () => void; tag: Tag } | undefined {
    if (this.length === 0) return undefined
    const top = { at: this.at[0]!, run: this.runs[0]!, tag: this.tags[0]! }
    const last = --this.length
    const at = this.at[last]!
    const order = this.order[last]!
    const run = this.runs[last]!
    const tag = this.tags[last]!
    this.runs[last] = undefined as never
    let index = 0
    for (;;) {
      const left = 2 * index + 1
      if (left >= last) break
      const right = left + 1
      const child = right < last && this.before(right, left) ? right : left
      const childAt = this.at[child]!
      if (at < childAt || (at === childAt && order < this.order[child]!)) break
      this.move(child, index)
      index = child
    }
    if (last > 0) this.place(index, at, order, run, tag)
    return top
  }

  private before(a: number, b: number): boolean {
    const atA = this.at[a]!
    const atB = this.at[b]!
    return atA < atB || (atA === atB && this.order[a]! < this.order[b]!)
  }

  private move(from: number, to: number): void {
    this.at[to] = this.at[from]!
    this.order[to] = this.order[from]!
    this.runs[to] = this.runs[from]!
    this.tags[to] = this.tags[from]!
  }

  private place(index: number, at: number, order: number, run: () => void, tag: Tag): void {
    this.at[index] = at
    this.order[index] = order
    this.runs[index] = run
    this.tags[index] = tag
  }

  private grow(): void {
    const at = new Float64Array(this.at.length * 2)
    at.set(this.at)
    this.at = at
    const order = new Float64Array(this.order.length * 2)
    order.set(this.order)
    this.order = order
  }
}
