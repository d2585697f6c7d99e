import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus'

/**
 * The trainer's only source of randomness: row and column draws per tree and
 * the rows used to place the bin edges. Seeded, so the same seed and data
 * give the same model.
 */
export class SeededDraws {
  private readonly generator: ReturnType<typeof xoroshiro128plus>

  constructor(seed: number) {
    this.generator = xoroshiro128plus(seed | 0)
    // the first outputs of a freshly seeded xoroshiro are weakly mixed
    for (let i = 0; i < 8; i++) this.generator.next()
  }

  /** Uniform in [0, 1). */
  float(): number {
    return (this.generator.next() >>> 0) / 4_294_967_296
  }

  /** Each of `rows` kept with probability `share`, in ascending order (all of them when share is 1). */
  rows(rowCount: number, share: number): Uint32Array {
    if (share >= 1) return identity(rowCount)
    const kept = new Uint32Array(rowCount)
    let count = 0
    for (let i = 0; i < rowCount; i++) if (this.float() < share) kept[count++] = i
    // never an empty tree: keep one row if the draw took none
    if (count === 0) kept[count++] = Math.floor(this.float() * rowCount)
    return kept.slice(0, count)
  }

  /** `count` distinct indices out of `0…total−1`, ascending. */
  choose(total: number, count: number): Int32Array {
    const all = Int32Array.from({ length: total }, (_, i) => i)
    if (count >= total) return all
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(this.float() * (total - i))
      const t = all[i]!
      all[i] = all[j]!
      all[j] = t
    }
    return all.slice(0, count).sort()
  }
}

export const identity = (count: number) => {
  const rows = new Uint32Array(count)
  for (let i = 0; i < count; i++) rows[i] = i
  return rows
}
