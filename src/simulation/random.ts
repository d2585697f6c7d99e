import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus'

/**
 * A seeded source of randomness for the simulator. Each part of the world
 * draws from its own stream, named after it, so that changing one scenario's
 * settings leaves the draws of every other scenario as they were.
 */
export class Random {
  private readonly generator: ReturnType<typeof xoroshiro128plus>

  constructor(seed: number, stream: string) {
    this.generator = xoroshiro128plus((seed ^ fnv1a(stream)) | 0)
    // the first outputs of a freshly seeded xoroshiro are weakly mixed
    for (let i = 0; i < 8; i++) this.generator.next()
  }

  /** Uniform in [0, 1). */
  float(): number {
    return (this.generator.next() >>> 0) / 4_294_967_296
  }

  /** Uniform integer in [low, high], both included. */
  int(low: number, high: number): number {
    return low + Math.floor(this.float() * (high - low + 1))
  }

  chance(probability: number): boolean {
    return this.float() < probability
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.float() * items.length)]!
  }

  /** Index drawn in proportion to `weights` (cumulative weights, ascending). */
  weighted(cumulative: readonly number[]): number {
    const target = this.float() * cumulative[cumulative.length - 1]!
    let index = 0
    while (cumulative[index]! <= target) index++
    return index
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    return Math.sqrt(-2 * Math.log(1 - this.float())) * Math.cos(2 * Math.PI * this.float())
  }

  /** Log-normal with the given median and spread (sigma of the log). */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal())
  }

  /** Exponential waiting time with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.float())
  }

  /** 16 lowercase hex digits. */
  hex16(): string {
    return (this.generator.next() >>> 0).toString(16).padStart(8, '0') + (this.generator.next() >>> 0).toString(16).padStart(8, '0')
  }

  digits(length: number): string {
    let text = ''
    for (let i = 0; i < length; i++) text += this.int(0, 9)
    return text
  }
}

export const cumulative = (weights: readonly number[]): number[] => {
  let sum = 0
  return weights.map((w) => (sum += w))
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193)
  return hash >>> 0
}
