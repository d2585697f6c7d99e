import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus'
import type { ChangedDecision } from './backtest-report.ts'

export const defaultSampleSize = 20

/**
 * A uniform sample of the events whose action changed (reservoir sampling,
 * Algorithm R) from a seeded generator: the same log, draft and seed give
 * the same sample. An item is made only when it enters the sample, so a
 * long run with many changes builds few.
 */
export class ChangedSample {
  private readonly items: ChangedDecision[] = []
  private seen = 0
  private readonly random: ReturnType<typeof xoroshiro128plus>

  constructor(
    readonly size: number,
    seed: number,
  ) {
    this.random = xoroshiro128plus(seed | 0)
  }

  offer(make: () => ChangedDecision): void {
    this.seen++
    if (this.items.length < this.size) {
      this.items.push(make())
      return
    }
    const slot = Math.floor(((this.random.next() >>> 0) / 4_294_967_296) * this.seen)
    if (slot < this.size) this.items[slot] = make()
  }

  /** In the order the events happened. */
  sample(): ChangedDecision[] {
    return [...this.items].sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : 0))
  }
}
