/** A rate with its 95 % Wilson score interval: sound at small counts and at 0 or 100 %, where the normal interval is not. */
export interface Rate {
  count: number
  of: number
  rate: number | null
  low: number | null
  high: number | null
}

const z95 = 1.959963984540054

export function wilson(count: number, of: number): Rate {
  if (of === 0) return { count, of, rate: null, low: null, high: null }
  const p = count / of
  const z2 = z95 * z95
  const centre = (p + z2 / (2 * of)) / (1 + z2 / of)
  const half = (z95 / (1 + z2 / of)) * Math.sqrt((p * (1 - p)) / of + z2 / (4 * of * of))
  return { count, of, rate: round(p), low: round(Math.max(0, centre - half)), high: round(Math.min(1, centre + half)) }
}

/**
 * Pearson's χ² goodness of fit of observed counts to expected shares, and its
 * p-value: the sample-ratio check of a traffic split. A tiny p-value means the
 * arms did not get the traffic they were given, and their figures are not
 * comparable (a bug in assignment or in logging, not a result).
 */
export function chiSquareTest(observed: readonly number[], shares: readonly number[]): { chiSquare: number; degreesOfFreedom: number; pValue: number } {
  const total = observed.reduce((a, b) => a + b, 0)
  const shareSum = shares.reduce((a, b) => a + b, 0)
  let chiSquare = 0
  observed.forEach((o, i) => {
    const expected = (total * shares[i]!) / shareSum
    if (expected > 0) chiSquare += (o - expected) ** 2 / expected
  })
  const degreesOfFreedom = observed.length - 1
  return { chiSquare: round(chiSquare), degreesOfFreedom, pValue: degreesOfFreedom > 0 && total > 0 ? upperRegularizedGamma(degreesOfFreedom / 2, chiSquare / 2) : 1 }
}

/**
 * Q(a, x), the upper regularized incomplete gamma function: P(χ²_k > x) is
 * Q(k/2, x/2). Written here rather than taking a statistics package for one
 * function: the classic series for x < a + 1 and Lentz's continued fraction
 * otherwise (Numerical Recipes §6.2), checked against χ² tables in the tests.
 */
export function upperRegularizedGamma(a: number, x: number): number {
  if (x <= 0) return 1
  const logPrefix = a * Math.log(x) - x - logGamma(a)
  if (x < a + 1) {
    let term = 1 / a
    let sum = term
    for (let n = 1; n < 1000 && Math.abs(term) > Math.abs(sum) * 1e-15; n++) {
      term *= x / (a + n)
      sum += term
    }
    return Math.max(0, 1 - sum * Math.exp(logPrefix))
  }
  const tiny = 1e-300
  let b = x + 1 - a
  let c = 1 / tiny
  let d = 1 / b
  let h = d
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a)
    b += 2
    d = an * d + b
    if (Math.abs(d) < tiny) d = tiny
    c = b + an / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    const step = d * c
    h *= step
    if (Math.abs(step - 1) < 1e-15) break
  }
  return Math.min(1, Math.exp(logPrefix) * h)
}

/** ln Γ(a) by Lanczos (g = 7, n = 9), accurate to about 1e-15 for a > 0. */
function logGamma(a: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7]
  if (a < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * a)) - logGamma(1 - a)
  const x = a - 1
  let sum = c[0]!
  for (let i = 1; i < 9; i++) sum += c[i]! / (x + i)
  const t = x + 7.5
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(sum)
}

const round = (x: number) => Math.round(x * 1e6) / 1e6
