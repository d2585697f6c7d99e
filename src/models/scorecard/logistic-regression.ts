/**
 * Logistic regression by Newton's method (iteratively reweighted least
 * squares) on Float64Array columns, with an optional L2 penalty on the
 * coefficients (never the intercept):
 *
 *   maximise Σ [y ln p + (1 − y) ln(1 − p)] − (l2 / 2) Σ β_j²,   p = σ(β₀ + Σ β_j x_j)
 *
 * Each step solves (XᵀWX + l2·I′) Δ = Xᵀ(y − p) − l2·β′ by Cholesky; a step
 * that lowers the objective is halved. Converged when no coefficient moves by
 * more than `tolerance`. Standard errors are the square roots of the
 * diagonal of the inverse Hessian at the optimum (with the penalty, an
 * approximation), z = β / SE and the two-sided Wald p-value.
 */
export interface LogisticOptions {
  l2: number
  maxIterations: number
  tolerance: number
}

export interface LogisticFit {
  intercept: number
  coefficients: Float64Array
  standardErrors: Float64Array
  /** Intercept first, then one per column. */
  pValues: Float64Array
  interceptStandardError: number
  interceptPValue: number
  logLikelihood: number
  iterations: number
  converged: boolean
  /** The penalised objective's gradient at the result: intercept first; ~0 at the optimum. */
  gradient: Float64Array
}

export const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)))

export function fitLogistic(columns: readonly Float64Array[], labels: Float64Array, options: LogisticOptions): LogisticFit {
  const n = labels.length
  const k = columns.length + 1
  const x = (row: number, j: number) => (j === 0 ? 1 : columns[j - 1]![row]!)
  let beta = new Float64Array(k)
  // start at the base rate
  const rate = Math.min(Math.max(labels.reduce((a, b) => a + b, 0) / n, 1e-6), 1 - 1e-6)
  beta[0] = Math.log(rate / (1 - rate))
  const margins = new Float64Array(n)
  const objective = (b: Float64Array) => {
    let sum = 0
    for (let i = 0; i < n; i++) {
      let m = b[0]!
      for (let j = 1; j < k; j++) m += b[j]! * x(i, j)
      margins[i] = m
      // ln σ(m) = −softplus(−m); stable for large |m|
      sum -= labels[i] === 1 ? softplus(-m) : softplus(m)
    }
    for (let j = 1; j < k; j++) sum -= (options.l2 / 2) * b[j]! ** 2
    return sum
  }
  let current = objective(beta)
  let iterations = 0
  let converged = false
  let hessian = new Float64Array(k * k)
  let gradient = new Float64Array(k)
  for (; iterations < options.maxIterations; iterations++) {
    ;({ hessian, gradient } = derivatives(columns, labels, margins, beta, options.l2))
    const step = solveCholesky(hessian, gradient, k)
    let scale = 1
    let next = beta
    let value = current
    for (let halvings = 0; halvings < 30; halvings++, scale /= 2) {
      next = beta.map((b, j) => b + scale * step[j]!)
      value = objective(next)
      if (value >= current - 1e-12 * Math.abs(current)) break
    }
    const moved = step.reduce((most, s) => Math.max(most, Math.abs(scale * s)), 0)
    beta = next
    current = value
    if (moved <= options.tolerance) {
      converged = true
      iterations++
      break
    }
  }
  objective(beta)
  ;({ hessian, gradient } = derivatives(columns, labels, margins, beta, options.l2))
  const covariance = invertCholesky(hessian, k)
  const errors = Float64Array.from({ length: k }, (_, j) => Math.sqrt(Math.max(covariance[j * k + j]!, 0)))
  const pValues = Float64Array.from({ length: k }, (_, j) => (errors[j]! > 0 ? erfc(Math.abs(beta[j]! / errors[j]!) / Math.SQRT2) : Number.NaN))
  return {
    intercept: beta[0]!,
    coefficients: beta.slice(1),
    standardErrors: errors.slice(1),
    pValues,
    interceptStandardError: errors[0]!,
    interceptPValue: pValues[0]!,
    logLikelihood: current,
    iterations,
    converged,
    gradient,
  }
}

const softplus = (m: number) => (m > 0 ? m + Math.log1p(Math.exp(-m)) : Math.log1p(Math.exp(m)))

/** The penalised log-likelihood's gradient and negated Hessian (XᵀWX + l2·I′) at `margins`. */
function derivatives(columns: readonly Float64Array[], labels: Float64Array, margins: Float64Array, beta: Float64Array, l2: number) {
  const k = columns.length + 1
  const hessian = new Float64Array(k * k)
  const gradient = new Float64Array(k)
  const xi = new Float64Array(k)
  xi[0] = 1
  for (let i = 0; i < labels.length; i++) {
    const p = sigmoid(margins[i]!)
    const w = p * (1 - p)
    const r = labels[i]! - p
    for (let j = 1; j < k; j++) xi[j] = columns[j - 1]![i]!
    for (let a = 0; a < k; a++) {
      gradient[a] += r * xi[a]!
      const wa = w * xi[a]!
      for (let b = 0; b <= a; b++) hessian[a * k + b] += wa * xi[b]!
    }
  }
  for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) hessian[b * k + a] = hessian[a * k + b]!
  for (let j = 1; j < k; j++) {
    hessian[j * k + j] += l2
    gradient[j] -= l2 * beta[j]!
  }
  return { hessian, gradient }
}

/** L with A = LLᵀ (row-major, lower triangle); a tiny ridge keeps a singular A usable. */
function cholesky(a: Float64Array, k: number): Float64Array {
  const l = new Float64Array(k * k)
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * k + j]!
      for (let m = 0; m < j; m++) sum -= l[i * k + m]! * l[j * k + m]!
      if (i === j) l[i * k + i] = Math.sqrt(Math.max(sum, 1e-12 * Math.max(1, a[i * k + i]!)))
      else l[i * k + j] = sum / l[j * k + j]!
    }
  }
  return l
}

function solveCholesky(a: Float64Array, b: Float64Array, k: number): Float64Array {
  const l = cholesky(a, k)
  const y = new Float64Array(k)
  for (let i = 0; i < k; i++) {
    let sum = b[i]!
    for (let m = 0; m < i; m++) sum -= l[i * k + m]! * y[m]!
    y[i] = sum / l[i * k + i]!
  }
  const x = new Float64Array(k)
  for (let i = k - 1; i >= 0; i--) {
    let sum = y[i]!
    for (let m = i + 1; m < k; m++) sum -= l[m * k + i]! * x[m]!
    x[i] = sum / l[i * k + i]!
  }
  return x
}

function invertCholesky(a: Float64Array, k: number): Float64Array {
  const inverse = new Float64Array(k * k)
  for (let j = 0; j < k; j++) {
    const unit = new Float64Array(k)
    unit[j] = 1
    const column = solveCholesky(a, unit, k)
    for (let i = 0; i < k; i++) inverse[i * k + j] = column[i]!
  }
  return inverse
}

/** The complementary error function (Numerical Recipes' erfcc: relative error below 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x)
  const t = 1 / (1 + z / 2)
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    )
  return x >= 0 ? r : 2 - r
}
