import fc from 'fast-check'
import type { SffsdData } from '../../src/graph/evaluation/s-ffsd-data.ts'

/** A small made-up S-FFSD: one transaction every 10 time units, codes per row (source, target, location, type) and labels (0, 1, 2 = unlabelled). */
export function syntheticSffsd(codes: number[][], labels: number[]): SffsdData {
  const rows = codes.length
  const column = (k: number) => Int32Array.from({ length: rows }, (_, i) => codes[i]![k]!)
  return {
    rows,
    time: Float64Array.from({ length: rows }, (_, i) => i * 10),
    amount: Float64Array.from({ length: rows }, (_, i) => (i * 37) % 101),
    source: column(0),
    target: column(1),
    location: column(2),
    type: column(3),
    label: Int32Array.from(labels),
    cardinality: { source: 12, target: 5, location: 3, type: 3 },
  }
}

/** Random worlds of `rows` transactions over 12 sources, 5 targets, 3 locations and 3 types; which rows train; one row to look at. */
export const sffsdWorld = (rows: number) => ({
  codes: fc.array(fc.tuple(fc.integer({ min: 0, max: 11 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })), { minLength: rows, maxLength: rows }),
  labels: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: rows, maxLength: rows }),
  inTrain: fc.array(fc.boolean(), { minLength: rows, maxLength: rows }),
  row: fc.integer({ min: 0, max: rows - 1 }),
})
