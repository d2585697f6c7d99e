import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { FeatureColumns } from '../../src/graph/evaluation/feature-columns.ts'
import type { SffsdData } from '../../src/graph/evaluation/s-ffsd-data.ts'
import { platformGraphFeatures } from '../../src/graph/evaluation/s-ffsd-platform-graph.ts'
import { graphFeatureNames } from '../../src/graph/graph-measures.ts'
import { sffsdWorld, syntheticSffsd } from './s-ffsd-fixtures.ts'

const rows = 120

const world = fc.record({
  ...sffsdWorld(rows),
  // multiples of 10, as the times are: a label is often known at the very time of a later transaction
  delay: fc.integer({ min: 0, max: 30 }).map((d) => d * 10),
})

const featuresOf = (data: SffsdData, labelFrom: Uint8Array, knownAt: Float64Array) => platformGraphFeatures(data, labelFrom, knownAt, new FeatureColumns(rows)).columns

test('GraphService measures on S-FFSD: a label is read only by transactions after it is known, and never a test label', () => {
  fc.assert(
    fc.property(world, ({ codes, labels: drawn, inTrain, delay, row }) => {
      // the row whose label is flipped below is a labelled training row
      const labels = drawn.map((l, i) => (i === row ? l % 2 : l))
      const data = syntheticSffsd(codes, labels)
      const labelFrom = Uint8Array.from(inTrain, (t, i) => ((t || i === row) && labels[i] !== 2 ? 1 : 0))
      const knownAt = Float64Array.from(data.time, (t) => t + delay)
      const base = featuresOf(data, labelFrom, knownAt)
      assert.equal(base.length, graphFeatureNames.length)
      // every label outside labelFrom flipped: nothing changes
      const flipped = syntheticSffsd(
        codes,
        labels.map((l, i) => (labelFrom[i] === 1 || l === 2 ? l : 1 - l)),
      )
      assert.deepEqual(featuresOf(flipped, labelFrom, knownAt), base)
      // one label flipped: no transaction up to the time it is known moves (its own included)
      const changed = featuresOf(
        syntheticSffsd(
          codes,
          labels.map((l, i) => (i === row ? 1 - l : l)),
        ),
        labelFrom,
        knownAt,
      )
      for (let i = 0; i < rows && data.time[i]! <= knownAt[row]!; i++)
        for (let k = 0; k < base.length; k++) assert.ok(Object.is(changed[k]![i], base[k]![i]), `${graphFeatureNames[k]} of row ${i}`)
    }),
    { numRuns: 40 },
  )
})

test('GraphService measures on S-FFSD: a known fraud label reaches the next transaction of the same card', () => {
  // card 0 pays twice, 100 time units apart; its first transaction is fraud, known 10 units later
  const codes = Array.from({ length: rows }, (_, i) => [i === 0 || i === 10 ? 0 : 1 + (i % 11), i % 5, i % 3, i % 3])
  const labels = Array.from({ length: rows }, (_, i) => (i === 0 ? 1 : 0))
  const data = syntheticSffsd(codes, labels)
  const labelFrom = new Uint8Array(rows).fill(1)
  const columns = featuresOf(data, labelFrom, Float64Array.from(data.time, (t) => t + 10))
  const riskNodes = columns[graphFeatureNames.indexOf('riskNodes2h30d')]!
  const propagated = columns[graphFeatureNames.indexOf('propagatedRisk')]!
  assert.equal(riskNodes[0], 0)
  assert.ok(riskNodes[10]! >= 1, `riskNodes2h30d of the card's second transaction: ${riskNodes[10]}`)
  assert.ok(propagated[10]! > 0)
  // without the label, nothing is risky
  const none = featuresOf(data, new Uint8Array(rows), Float64Array.from(data.time))
  assert.equal(none[graphFeatureNames.indexOf('riskNodes2h30d')]![10], 0)
})
