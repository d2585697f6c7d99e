/**
 * A logistic scorecard: probability = σ(intercept + Σ weight·min(feature, cap)).
 * Enough for score thresholds until the models work brings trees; each score
 * is explained by the contribution of every input.
 */
export interface ScorecardInput {
  feature: string
  weight: number
  cap?: number
}

export interface LogisticScorecard {
  name: string
  intercept: number
  inputs: ScorecardInput[]
}

export interface Score {
  value: number
  contributions: Record<string, number>
}

export function score(model: LogisticScorecard, features: Record<string, number>): Score {
  let logit = model.intercept
  const contributions: Record<string, number> = {}
  for (const input of model.inputs) {
    const raw = features[input.feature] ?? 0
    const x = input.cap === undefined ? raw : Math.min(raw, input.cap)
    const contribution = input.weight * x
    contributions[input.feature] = round6(contribution)
    logit += contribution
  }
  return { value: round6(1 / (1 + Math.exp(-logit))), contributions }
}

/** Scores are stored and compared as text in replies; six decimals keep them stable and readable. */
export const round6 = (x: number) => Math.round(x * 1e6) / 1e6
