/**
 * The two losses: binary log-loss on the logit (margin) and squared error.
 * Each gives the gradient and hessian of the loss per row at the current
 * margin, already multiplied by the row's weight, and the constant margin
 * the boosting starts from: by default the weighted mean (as LightGBM's
 * boost_from_average and XGBoost 2's estimated base_score), or one given
 * (XGBoost 1.x starts every model at base_score 0.5, margin 0).
 */
export type ObjectiveName = 'binary' | 'regression'

export const sigmoid = (margin: number) => 1 / (1 + Math.exp(-margin))

/** The smallest hessian a row gives under log-loss, so a leaf of confident rows keeps a finite weight. */
const minHessian = 1e-16

export function computeGradients(objective: ObjectiveName, labels: Float64Array, weights: Float64Array, margins: Float64Array, gradients: Float64Array, hessians: Float64Array): void {
  const n = labels.length
  if (objective === 'binary') {
    for (let i = 0; i < n; i++) {
      const p = sigmoid(margins[i]!)
      const w = weights[i]!
      gradients[i] = (p - labels[i]!) * w
      hessians[i] = Math.max(p * (1 - p), minHessian) * w
    }
  } else {
    for (let i = 0; i < n; i++) {
      const w = weights[i]!
      gradients[i] = (margins[i]! - labels[i]!) * w
      hessians[i] = w
    }
  }
}

/** The margin boosting starts from: the given one, or for 'prior' the labels' weighted log-odds (binary) or mean (regression). */
export function startingMargin(objective: ObjectiveName, baseScore: 'prior' | number, labels: Float64Array, weights: Float64Array): number {
  return baseScore === 'prior' ? initialMargin(objective, labels, weights) : baseScore
}

export function initialMargin(objective: ObjectiveName, labels: Float64Array, weights: Float64Array): number {
  let sum = 0
  let total = 0
  for (let i = 0; i < labels.length; i++) {
    sum += labels[i]! * weights[i]!
    total += weights[i]!
  }
  if (total === 0) return 0
  const mean = sum / total
  if (objective === 'regression') return mean
  const p = Math.min(Math.max(mean, 1e-15), 1 - 1e-15)
  return Math.log(p / (1 - p))
}

/** The margin as the user reads it: a probability for `binary`, the value for `regression`. */
export const transformMargin = (objective: ObjectiveName, margin: number) => (objective === 'binary' ? sigmoid(margin) : margin)
