/**
 * Points scaling (the standard one, Siddiqi ch. 6):
 *
 *   Score  = Offset + Factor · ln(odds of good)
 *   Factor = PDO / ln 2
 *   Offset = baseScore − Factor · ln(baseOdds)
 *
 * so the score is `baseScore` at odds `baseOdds`:1 (good:bad), and doubling
 * the odds adds `pdo` points. The regression gives ln(odds of bad) =
 * β₀ + Σ β_j·WOE_j, hence ln(odds of good) = −β₀ − Σ β_j·WOE_j and
 *
 *   points of bin i of variable j = −Factor · β_j · WOE_ij
 *   intercept points             = Offset − Factor · β₀
 *
 * (with `intercept: 'distributed'`, each of the m variables' bins also gets
 * the intercept points / m). Each bin's points are rounded to an integer; the
 * score is the sum of the rounded points.
 */
export interface Scaling {
  baseScore: number
  baseOdds: number
  pdo: number
}

export const factorOf = (s: Scaling) => s.pdo / Math.LN2
export const offsetOf = (s: Scaling) => s.baseScore - factorOf(s) * Math.log(s.baseOdds)

/** The (unrounded) score of odds good:bad. */
export const scoreOfOdds = (s: Scaling, oddsGood: number) => offsetOf(s) + factorOf(s) * Math.log(oddsGood)

/** The odds good:bad a score stands for. */
export const oddsOfScore = (s: Scaling, score: number) => Math.exp((score - offsetOf(s)) / factorOf(s))

/** The probability of bad a score stands for. */
export const probabilityOfBad = (s: Scaling, score: number) => 1 / (1 + oddsOfScore(s, score))
