import type { ScorecardDefinition } from '../../src/models/scorecard/scorecard.ts'
import type { ScorecardData } from '../../src/models/scorecard/scorecard-data.ts'

/** A hand-made scorecard: three variables whose points are easy to follow. */
export const handCard = (): ScorecardDefinition => ({
  scaling: { baseScore: 600, baseOdds: 50, pdo: 20 },
  intercept: { coefficient: -1, placement: 'separate' },
  basePoints: 500,
  variables: [
    {
      name: 'age',
      type: 'numeric',
      coefficient: -1,
      description: { zh: '年龄', en: 'Age', reasonCode: 'AGE' },
      bins: [
        { kind: 'range', lower: Number.NEGATIVE_INFINITY, upper: 25, woe: -0.5, points: -10 },
        { kind: 'range', lower: 25, upper: 40, woe: 0.1, points: 5 },
        { kind: 'range', lower: 40, upper: Number.POSITIVE_INFINITY, woe: 0.6, points: 20 },
        { kind: 'missing', woe: -0.5, points: -10 },
      ],
    },
    {
      name: 'housing',
      type: 'categorical',
      coefficient: -0.8,
      description: { zh: '住房', en: 'Housing' },
      bins: [
        { kind: 'categories', categories: ['own'], other: false, woe: 0.4, points: 15 },
        { kind: 'categories', categories: ['rent', 'free'], other: true, woe: -0.3, points: -5 },
        { kind: 'missing', woe: -0.3, points: -5 },
      ],
    },
    {
      name: 'inquiries',
      type: 'numeric',
      coefficient: -0.9,
      bins: [
        { kind: 'range', lower: Number.NEGATIVE_INFINITY, upper: 0, woe: 0.3, points: 10 },
        { kind: 'range', lower: 0, upper: 3, woe: -0.1, points: 0 },
        { kind: 'range', lower: 3, upper: Number.POSITIVE_INFINITY, woe: -0.7, points: -15 },
        { kind: 'missing', woe: -0.1, points: 0 },
      ],
    },
  ],
})

/** Uniform draws in [0, 1) from a seeded xorshift32: enough for test data. */
export function xorshiftDraws(seed: number): () => number {
  let state = seed >>> 0 || 1
  return () => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return (state >>> 0) / 4_294_967_296
  }
}

/** Seeded applicants with a known risk: bad more likely when young, renting or with many inquiries. */
export function applicants(rows: number, seed: number): ScorecardData {
  const draw = xorshiftDraws(seed)
  const age = new Float64Array(rows)
  const inquiries = new Float64Array(rows)
  const housing: (string | null)[] = []
  const labels = new Float64Array(rows)
  for (let i = 0; i < rows; i++) {
    age[i] = draw() < 0.03 ? Number.NaN : 18 + Math.floor(draw() * 50)
    inquiries[i] = Math.floor(draw() * draw() * 8)
    const h = draw()
    housing.push(h < 0.5 ? 'own' : h < 0.85 ? 'rent' : h < 0.97 ? 'free' : null)
    const m = -1.2 - 0.04 * ((Number.isNaN(age[i]!) ? 30 : age[i]!) - 35) + (housing[i] === 'own' ? -0.6 : 0.3) + 0.3 * inquiries[i]!
    labels[i] = draw() < 1 / (1 + Math.exp(-m)) ? 1 : 0
  }
  return {
    variables: [
      { name: 'age', values: age },
      { name: 'housing', values: housing },
      { name: 'inquiries', values: inquiries },
      { name: 'noise', values: Float64Array.from({ length: rows }, () => draw()) },
    ],
    labels,
  }
}
