import { SeededDraws } from '../../src/models/gbdt/sampling.ts'
import type { TrainingData } from '../../src/models/gbdt/training-data.ts'

/** Seeded made-up data for the GBDT tests: `label(row, draw)` gives each row's label from its uniform [0, 1) features. */
export function synthetic(rows: number, featureCount: number, seed: number, label: (x: number[], draw: () => number) => number): TrainingData {
  const draws = new SeededDraws(seed)
  const draw = () => draws.float()
  const features = Array.from({ length: featureCount }, () => new Float64Array(rows))
  const labels = new Float64Array(rows)
  for (let i = 0; i < rows; i++) {
    const x = features.map((column) => (column[i] = draw()))
    labels[i] = label(x, draw)
  }
  return { features, labels }
}

/** The XOR of two thresholds (with a little label noise): no single feature says anything alone. */
export const xor = (rows: number, seed: number) => synthetic(rows, 4, seed, (x, draw) => (((x[0]! > 0.5) !== (x[1]! > 0.5)) !== draw() < 0.02 ? 1 : 0))

export const rowOf = (data: TrainingData, i: number) => Float64Array.from(data.features, (column) => column[i]!)
