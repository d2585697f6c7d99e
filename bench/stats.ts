/** Percentiles over recorded samples (nearest-rank on a sorted copy): exact, and cheap at bench sizes. */
export function percentiles(samples: ArrayLike<number>, wanted: readonly number[]): number[] {
  const sorted = Float64Array.from(samples).sort()
  if (sorted.length === 0) return wanted.map(() => Number.NaN)
  return wanted.map((p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!)
}

export function median(values: readonly number[]): number {
  return percentiles(values, [50])[0]!
}

/** A growable list of float samples without boxing each number. */
export class Samples {
  private data = new Float64Array(1 << 16)
  length = 0

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2)
      bigger.set(this.data)
      this.data = bigger
    }
    this.data[this.length++] = value
  }

  values(): Float64Array {
    return this.data.subarray(0, this.length)
  }
}

export const round = (value: number, digits = 0): number => {
  const f = 10 ** digits
  return Math.round(value * f) / f
}
