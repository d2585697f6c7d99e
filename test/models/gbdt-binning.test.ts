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
    assert.ok(binned.bins instanceof Uint8Array)
    assert.deepEqual([...binned.bins], [1, 0, 2, 2, 2, 1])
  })

  test('fewer distinct values than maxBins: exact cut points, however many (beyond 255 too)', () => {
    const column = Float64Array.from({ length: 9000 }, (_, i) => (i * 7919) % 3000)
    const bins = binEdges(column, 65_535, undefined)
    assert.equal(bins.binCount, 3001)
    for (let v = 0; v < 2999; v++) assert.equal(bins.upperBounds[v], v + 0.5)
    for (const v of [0, 254, 255, 256, 2999]) assert.equal(binOf(bins, v), v + 1)
  })

  test('past the sample of 200,000 rows, a feature with fewer distinct values than bins still gets one bin per value', () => {
    // 300,000 rows: 0…9 everywhere, and 1,000 rows of rare values the sample would mostly miss
    const rows = 300_000
    const column = Float64Array.from({ length: rows }, (_, i) => (i % 300 === 0 ? 100 + (i / 300) : i % 10))
    const binned = binColumns([column, Float64Array.from({ length: rows }, (_, i) => i)], 4095, new SeededDraws(1))
    assert.equal(binned.featureBins[0]!.binCount, 1 + 10 + 1000)
    assert.equal(binned.featureBins[1]!.binCount, 1 + 4095, 'a feature with more distinct values keeps its bins from the sample')
    for (let v = 0; v < 1000; v++) assert.equal(binOf(binned.featureBins[0]!, 100 + v), 11 + v)
  })

  test('more than 255 bins: two bytes per cell, and only then', () => {
    const wide = Float64Array.from({ length: 1000 }, (_, i) => i)
    const narrow = Float64Array.from({ length: 1000 }, (_, i) => i % 255)
    const binned = binColumns([narrow, wide], 65_535, new SeededDraws(1))
    assert.ok(binned.bins instanceof Uint16Array)
    assert.equal(binned.featureBins[1]!.binCount, 1001)
    assert.equal(binned.bins[1000 + 999], 1000)
    assert.equal(binned.bins[254], 255)
    // many bins asked, few made: still one byte
    assert.ok(binColumns([narrow], 65_535, new SeededDraws(1)).bins instanceof Uint8Array)
    // 256 value bins and the missing bin do not fit in a byte
    const edge = Float64Array.from({ length: 256 }, (_, i) => i)
    assert.ok(binColumns([edge], 256, new SeededDraws(1)).bins instanceof Uint16Array)
    assert.ok(binColumns([edge], 255, new SeededDraws(1)).bins instanceof Uint8Array)
  })
})
