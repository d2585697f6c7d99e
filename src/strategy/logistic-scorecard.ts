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

/**
 * A score and its contributions by feature: `contributions[i]` is that of
 * `terms.features[i]` (a feature given twice counts twice in the score and
 * shows its last contribution). An array, not a record: a decision scores on
 * every call and most never show the contributions.
 */
export interface Score {
  value: number
  contributions: number[]
}

/** A scorecard's distinct features in the order they first appear, and where each input's contribution goes: fixed by the document. */
export interface ScorecardTerms {
  features: readonly string[]
  positions: readonly number[]
}

export function scorecardTerms(model: LogisticScorecard): ScorecardTerms {
  const features: string[] = []
  const positions = model.inputs.map((input) => {
    const known = features.indexOf(input.feature)
    return known >= 0 ? known : features.push(input.feature) - 1
  })
  return { features, positions }
}

export function score(model: LogisticScorecard, terms: ScorecardTerms, features: Record<string, number>): Score {
  let logit = model.intercept
  // a plain array: a typed one costs a buffer apiece, and a decision makes one per scorecard
  const contributions: number[] = new Array(terms.features.length)
  const { inputs } = model
  for (let j = 0; j < inputs.length; j++) {
    const input = inputs[j]!
    const raw = features[input.feature] ?? 0
    const x = input.cap === undefined ? raw : Math.min(raw, input.cap)
    const contribution = input.weight * x
    contributions[terms.positions[j]!] = round6(contribution)
    logit += contribution
  }
  return { value: round6(1 / (1 + Math.exp(-logit))), contributions }
}

/** Scores are stored and compared as text in replies; six decimals keep them stable and readable. */
export const round6 = (x: number) => Math.round(x * 1e6) / 1e6
