import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { FeatureColumns } from '../../src/graph/evaluation/feature-columns.ts'
import type { SffsdData } from '../../src/graph/evaluation/s-ffsd-data.ts'
import { type LabelAccess, graphFeatures } from '../../src/graph/evaluation/s-ffsd-graph-features.ts'

const rows = 160

function dataset(codes: number[][], labels: number[]): SffsdData {
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

const world = fc.record({
  codes: fc.array(fc.tuple(fc.integer({ min: 0, max: 11 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })), { minLength: rows, maxLength: rows }),
  labels: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: rows, maxLength: rows }),
  inTrain: fc.array(fc.boolean(), { minLength: rows, maxLength: rows }),
  row: fc.integer({ min: 0, max: rows - 1 }),
})

function accessFor(kind: 'random' | 'temporal', data: SffsdData, inTrain: boolean[]): LabelAccess {
  const train = Uint8Array.from({ length: rows }, (_, i) => (kind === 'temporal' ? i < 120 : inTrain[i]) && data.label[i] !== 2 ? 1 : 0)
  if (kind === 'random') return { kind, train, fold: Int8Array.from({ length: rows }, (_, i) => (train[i] ? i % 5 : -1)), folds: 5 }
  return { kind, train, knownBeforeTime: Float64Array.from({ length: rows }, (_, i) => (i < 120 ? i * 10 - ((i * 7) % 40) : 1200)) }
}

const featuresOf = (data: SffsdData, access: LabelAccess) => graphFeatures(data, access, new FeatureColumns(rows)).columns

for (const kind of ['random', 'temporal'] as const) {
  test(`${kind} split: no feature reads a test label, and no row reads its own`, () => {
    fc.assert(
      fc.property(world, ({ codes, labels, inTrain, row }) => {
        const data = dataset(codes, labels)
        const access = accessFor(kind, data, inTrain)
        const base = featuresOf(data, access)
        // every test row's label flipped (fraud ↔ legitimate): nothing changes
        const flipped = dataset(
          codes,
          labels.map((l, i) => (access.train[i] === 1 || l === 2 ? l : 1 - l)),
        )
        assert.deepEqual(featuresOf(flipped, access), base)
        // one training row's label flipped: its own features do not change
        if (access.train[row] !== 1) return
        const own = dataset(
          codes,
          labels.map((l, i) => (i === row ? 1 - l : l)),
        )
        const changed = featuresOf(own, access)
        for (let k = 0; k < base.length; k++) assert.ok(Object.is(changed[k]![row], base[k]![row]), `feature ${k} of row ${row}`)
      }),
      { numRuns: 60 },
    )
  })
}
