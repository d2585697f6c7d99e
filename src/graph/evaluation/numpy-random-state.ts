/**
 * NumPy's legacy `RandomState` (MT19937), as far as scikit-learn's
 * splitters use it: seeding from an integer, 32-bit draws, doubles, bounded
 * integers by masked rejection (`random_interval`) and the Fisher–Yates
 * shuffle behind `permutation`. With it `train_test_split(…, random_state=2)`
 * is reproduced draw for draw (`stratified-split.ts`).
 */
export class NumpyRandomState {
  private readonly mt = new Uint32Array(624)
  private index = 624

  constructor(seed: number) {
    // init_genrand, as mt19937_seed
    const mt = this.mt
    mt[0] = seed >>> 0
    for (let i = 1; i < 624; i++) {
      const previous = mt[i - 1]! ^ (mt[i - 1]! >>> 30)
      // 1812433253 · previous + i, in 32 bits (split to stay exact in doubles)
      mt[i] = ((((previous & 0xffff0000) >>> 16) * 1812433253) << 16) + (previous & 0x0000ffff) * 1812433253 + i
    }
  }

  /** genrand_int32. */
  nextUint32(): number {
    const mt = this.mt
    if (this.index >= 624) {
      for (let k = 0; k < 624; k++) {
        const y = (mt[k]! & 0x80000000) | (mt[(k + 1) % 624]! & 0x7fffffff)
        mt[k] = mt[(k + 397) % 624]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0)
      }
      this.index = 0
    }
    let y = mt[this.index++]!
    y ^= y >>> 11
    y ^= (y << 7) & 0x9d2c5680
    y ^= (y << 15) & 0xefc60000
    y ^= y >>> 18
    return y >>> 0
  }

  /** random_sample(): 53 bits from two draws. */
  nextDouble(): number {
    const a = this.nextUint32() >>> 5
    const b = this.nextUint32() >>> 6
    return (a * 67108864 + b) / 9007199254740992
  }

  /** random_interval(max): a uniform integer in [0, max], masked rejection on 32-bit draws (max < 2³²). */
  interval(max: number): number {
    if (max === 0) return 0
    let mask = max
    mask |= mask >>> 1
    mask |= mask >>> 2
    mask |= mask >>> 4
    mask |= mask >>> 8
    mask |= mask >>> 16
    mask >>>= 0
    for (;;) {
      const value = (this.nextUint32() & mask) >>> 0
      if (value <= max) return value
    }
  }

  /** shuffle(x) in place: for i from n−1 down to 1, swap x[i] with x[random_interval(i)]. */
  shuffle<T>(items: T[] | Int32Array): void {
    for (let i = items.length - 1; i >= 1; i--) {
      const j = this.interval(i)
      const t = items[i]!
      items[i] = items[j]!
      items[j] = t
    }
  }

  /** permutation(n): 0 … n−1 shuffled. */
  permutation(n: number): Int32Array {
    const items = new Int32Array(n)
    for (let i = 0; i < n; i++) items[i] = i
    this.shuffle(items)
    return items
  }

  /** choice(n, size, replace=False) as legacy NumPy draws it: permutation(n)[:size]. */
  choiceWithoutReplacement(n: number, size: number): Int32Array {
    return this.permutation(n).slice(0, size)
  }
}
