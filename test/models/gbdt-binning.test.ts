import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { binColumns, binEdges, binOf, missingBin } from '../../src/models/gbdt/binning.ts'
import { SeededDraws } from '../../src/models/gbdt/sampling.ts'

describe('quantile bins', () => {
  test('few distinct values: one bin each, the bound halfway between neighbours; NaN in the missing bin', () => {
    const bins = binEdges(Float64Array.of(3, 1, Number.NaN, 2, 1, 3), 255, undefined)
    assert.deepEqual([...bins.upperBounds], [1.5, 2.5, Number.POSITIVE_INFINITY])
    assert.equal(bins.binCount, 4)
    assert.deepEqual([1, 1.5, 1.6, 2, 3, 99, Number.NaN].map((x) => binOf(bins, x)), [1, 1, 2, 2, 3, 3, missingBin])
  })

  test('many distinct values: at most maxBins bins of about equal counts', () => {
    const column = Float64Array.from({ length: 10_000 }, (_, i) => (i * 7919) % 10_000)
    const bins = binEdges(column, 16, undefined)
    assert.equal(bins.binCount, 17)
    const counts = new Array(17).fill(0)
    for (const x of column) counts[binOf(bins, x)]++
    for (let b = 1; b <= 16; b++) assert.ok(Math.abs(counts[b] - 625) <= 1, `bin ${b} holds ${counts[b]}`)
  })

  test('a heavy value keeps its own bin rather than being split across bins', () => {
    const column = Float64Array.from({ length: 1000 }, (_, i) => (i < 600 ? 0 : i))
    const bins = binEdges(column, 10, undefined)
    assert.equal(binOf(bins, 0), 1)
    assert.equal(binOf(bins, 600), 2)
  })

  test('bounds stay finite and ordered at the edges of floating point', () => {
    const bins = binEdges(Float64Array.of(Number.NEGATIVE_INFINITY, -Number.MAX_VALUE, 1, 1 + Number.EPSILON, Number.MAX_VALUE, Number.POSITIVE_INFINITY), 255, undefined)
    const bounds = [...bins.upperBounds].slice(0, -1)
    for (const b of bounds) assert.ok(Number.isFinite(b))
    for (let i = 1; i < bounds.length; i++) assert.ok(bounds[i]! > bounds[i - 1]!)
    assert.equal(binOf(bins, 1), 3)
    assert.equal(binOf(bins, 1 + Number.EPSILON), 4)
  })

  test('the bin matrix is one byte per cell, column by column', () => {
    const binned = binColumns([Float64Array.of(5, Number.NaN, 7), Float64Array.of(1, 1, 0)], 255, new SeededDraws(1))
    assert.deepEqual([...binned.bins], [1, 0, 2, 2, 2, 1])
  })
})
