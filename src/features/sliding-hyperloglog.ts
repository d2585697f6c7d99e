/**
 * Approximate distinct counts over a sliding time window in bounded memory:
 * HyperLogLog (Flajolet et al., 2007) with 256 registers (a standard error of
 * about 6.5 %), each register keeping its "possible future maxima" (Chabchoub
 * & Hébrail, "Sliding HyperLogLog", 2010): the (time, rank) pairs that can
 * still be the register's maximum for some later window, times rising and
 * ranks falling. The maximum over a window is then the first pair still in
 * it, and the estimate for a window equals plain HyperLogLog over exactly the
 * values in that window (`estimateDistinct`). Written here because no npm
 * HyperLogLog forgets by time.
 */
const precision = 8
const registers = 1 << precision
const alpha = 0.7213 / (1 + 1.079 / registers)

export class SlidingHyperLogLog {
  /** Per register, its pairs flattened: time, rank, time, rank, … (times rising, ranks falling). */
  private pairs: (number[] | undefined)[] = new Array(registers)

  add(t: number, value: string): void {
    const hash = hash32(value)
    const register = hash >>> (32 - precision)
    const rank = rankOf(hash)
    let list = this.pairs[register]
    if (!list) {
      list = []
      this.pairs[register] = list
    }
    // a pair with a rank no higher than the new one can never again be a maximum
    while (list.length > 0 && list[list.length - 1]! <= rank) list.length -= 2
    list.push(t, rank)
  }

  /**
   * The estimate over values added after `from` (and `extra` values, as if
   * added now). Pairs at or before `from` are forgotten on the way: reads
   * only move forward (earlier reads are computed from the log's entries).
   */
  estimate(from: number, extra: readonly string[] = []): number {
    const ranks = new Uint8Array(registers)
    for (let r = 0; r < registers; r++) {
      const list = this.pairs[r]
      if (!list || list.length === 0) continue
      let drop = 0
      while (drop < list.length && list[drop]! <= from) drop += 2
      if (drop > 0) list.splice(0, drop)
      if (list.length > 0) ranks[r] = list[1]!
    }
    for (const value of extra) addTo(ranks, value)
    return estimateOf(ranks)
  }

  /** How many numbers `writeTo` writes. */
  get storedNumbers(): number {
    let n = registers
    for (const list of this.pairs) n += list?.length ?? 0
    return n
  }

  /** Its pairs, register by register, for a snapshot: for each register the number of pairs, then the pairs. */
  writeTo(out: { push(value: number): void }): void {
    for (let r = 0; r < registers; r++) {
      const list = this.pairs[r] ?? []
      out.push(list.length / 2)
      for (const value of list) out.push(value)
    }
  }

  static readFrom(source: { next(): number }): SlidingHyperLogLog {
    const sketch = new SlidingHyperLogLog()
    for (let r = 0; r < registers; r++) {
      const count = source.next()
      if (count === 0) continue
      const list: number[] = new Array(count * 2)
      for (let i = 0; i < count * 2; i++) list[i] = source.next()
      sketch.pairs[r] = list
    }
    return sketch
  }
}

/** Plain HyperLogLog over `values`: what a sliding sketch estimates for a window holding exactly these. */
export function estimateDistinct(values: readonly string[]): number {
  const ranks = new Uint8Array(registers)
  for (const value of values) addTo(ranks, value)
  return estimateOf(ranks)
}

function addTo(ranks: Uint8Array, value: string): void {
  const hash = hash32(value)
  const register = hash >>> (32 - precision)
  const rank = rankOf(hash)
  if (rank > ranks[register]!) ranks[register] = rank
}

/** Leading zeros of the bits after the register index, plus one. */
const rankOf = (hash: number): number => Math.min(Math.clz32(hash << precision), 32 - precision) + 1

/** The raw estimate, with linear counting for small sets (Flajolet et al.); rounded, since the platform counts whole things. */
function estimateOf(ranks: Uint8Array): number {
  let sum = 0
  let zeros = 0
  for (let r = 0; r < registers; r++) {
    sum += 2 ** -ranks[r]!
    if (ranks[r] === 0) zeros++
  }
  if (zeros === registers) return 0
  const raw = (alpha * registers * registers) / sum
  if (raw <= 2.5 * registers && zeros > 0) return Math.round(registers * Math.log(registers / zeros))
  return Math.round(raw)
}

/** FNV-1a over UTF-16 code units, then MurmurHash3's finaliser so that every bit depends on every input bit. */
function hash32(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}
