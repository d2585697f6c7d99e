/**
 * Average precision as scikit-learn's `average_precision_score` computes it
 * (the handbook's "AP"): rows ranked by descending score, one threshold per
 * distinct score, and AP = Σ (Rₙ − Rₙ₋₁) · Pₙ over those thresholds — the
 * step-wise area under the precision–recall curve, no interpolation. Tied
 * scores enter together, so their order does not matter. NaN when there is
 * no positive.
 */
export function averagePrecision(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const order = Array.from({ length: labels.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!)
  let positives = 0
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) positives++
  if (positives === 0) return Number.NaN
  let truePositives = 0
  let ranked = 0
  let area = 0
  for (let k = 0; k < order.length; ) {
    const score = scores[order[k]!]!
    let groupPositives = 0
    for (; k < order.length && scores[order[k]!] === score; k++) {
      ranked++
      if (labels[order[k]!] === 1) groupPositives++
    }
    if (groupPositives === 0) continue
    truePositives += groupPositives
    area += (groupPositives / positives) * (truePositives / ranked)
  }
  return area
}
