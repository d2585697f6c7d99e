import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { FeatureColumns } from '../../src/graph/evaluation/feature-columns.ts'
import type { SffsdData } from '../../src/graph/evaluation/s-ffsd-data.ts'
import { type LabelAccess, graphFeatures } from '../../src/graph/evaluation/s-ffsd-graph-features.ts'
import { sffsdWorld, syntheticSffsd } from './s-ffsd-fixtures.ts'

const rows = 160

const world = fc.record(sffsdWorld(rows))

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
        const data = syntheticSffsd(codes, labels)
        const access = accessFor(kind, data, inTrain)
        const base = featuresOf(data, access)
        // every test row's label flipped (fraud ↔ legitimate): nothing changes
        const flipped = syntheticSffsd(
          codes,
          labels.map((l, i) => (access.train[i] === 1 || l === 2 ? l : 1 - l)),
        )
        assert.deepEqual(featuresOf(flipped, access), base)
        // one training row's label flipped: its own features do not change
        if (access.train[row] !== 1) return
        const own = syntheticSffsd(
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
