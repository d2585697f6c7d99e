import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { BinLookup } from '../../src/models/scorecard/bins.ts'
import { type BinningSettings, binVariable } from '../../src/models/scorecard/binning.ts'
import { xorshiftDraws } from './scorecard-fixtures.ts'

const settings = (overrides: Partial<BinningSettings> = {}): BinningSettings => ({
  method: 'monotone',
  fineBins: 20,
  maxBins: 6,
  minBinShare: 0.05,
  minBinBads: 1,
  rareCategoryShare: 0.05,
  minIvGain: 0.001,
  direction: undefined,
  woeSmoothing: 0.5,
  ...overrides,
})

/** Seeded rows: x uniform on [0, 100) with a few NaN, bad with probability `risk(x)`. */
function numericRows(rows: number, seed: number, risk: (x: number) => number, missingShare = 0.05) {
  const draw = xorshiftDraws(seed)
  const values = new Float64Array(rows)
  const labels = new Float64Array(rows)
  for (let i = 0; i < rows; i++) {
    const x = Math.floor(draw() * 1000) / 10
    values[i] = draw() < missingShare ? Number.NaN : x
    labels[i] = draw() < risk(x) ? 1 : 0
  }
  return { values, labels }
}

const rates = (goods: number[], bads: number[]) => goods.map((g, i) => bads[i]! / (g + bads[i]!))

describe('monotone binning', () => {
  test('bad rates strictly rise or fall over the value bins, for any risk curve (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.integer({ min: 50, max: 2000 }),
        fc.double({ min: -0.9, max: 0.9, noNaN: true }),
        fc.double({ min: 0, max: 12, noNaN: true }),
        fc.integer({ min: 2, max: 10 }),
        (seed, rows, slope, wiggle, maxBins) => {
          // a trend plus a wave: rarely monotone before binning
          const risk = (x: number) => Math.min(0.95, Math.max(0.02, 0.3 + (slope * (x - 50)) / 100 + 0.15 * Math.sin(wiggle * x)))
          const { values, labels } = numericRows(rows, seed, risk)
          const binning = binVariable({ name: 'x', values }, labels, settings({ maxBins, fineBins: Math.max(20, maxBins) }))
          const ranges = binning.bins.length - 1
          const r = rates(binning.goods, binning.bads).slice(0, ranges)
          for (let i = 1; i < r.length; i++) assert.ok(binning.direction! * (r[i]! - r[i - 1]!) > 0, `bad rates ${r} are not monotone (direction ${binning.direction})`)
          assert.ok(ranges <= maxBins)
          const minCount = Math.ceil(0.05 * rows)
          if (ranges > 1) for (let b = 0; b < ranges; b++) assert.ok(binning.goods[b]! + binning.bads[b]! >= minCount && binning.bads[b]! >= 1, `bin ${b} too small`)
          // the missing bin holds exactly the NaNs; every row is counted once
          const missing = values.filter(Number.isNaN).length
          assert.equal(binning.goods.at(-1)! + binning.bads.at(-1)!, missing)
          assert.equal(
            binning.goods.reduce((a, b) => a + b, 0) + binning.bads.reduce((a, b) => a + b, 0),
            rows,
          )
        },
      ),
      { numRuns: 150 },
    )
  })

  test('the direction follows the correlation: rising risk gives rising bad rates', () => {
    const rising = numericRows(4000, 7, (x) => 0.05 + x / 200)
    const falling = numericRows(4000, 7, (x) => 0.55 - x / 200)
    assert.equal(binVariable({ name: 'x', values: rising.values }, rising.labels, settings()).direction, 1)
    assert.equal(binVariable({ name: 'x', values: falling.values }, falling.labels, settings()).direction, -1)
  })

  test('a direction given against the data leaves one bin (nothing is monotone that way)', () => {
    const { values, labels } = numericRows(4000, 3, (x) => 0.05 + x / 200)
    const binning = binVariable({ name: 'x', values }, labels, settings({ direction: -1 }))
    assert.equal(binning.bins.length, 2)
    assert.deepEqual(binning.bins[0], { kind: 'range', lower: Number.NEGATIVE_INFINITY, upper: Number.POSITIVE_INFINITY })
  })

  test('bins are (lower, upper] with data values as bounds, from −∞ to +∞, and the lookup agrees with the counts', () => {
    const { values, labels } = numericRows(3000, 11, (x) => 0.05 + x / 200)
    const binning = binVariable({ name: 'x', values }, labels, settings())
    const lookup = new BinLookup('numeric', binning.bins)
    const ranges = binning.bins.slice(0, -1) as { kind: 'range'; lower: number; upper: number }[]
    assert.equal(ranges[0]!.lower, Number.NEGATIVE_INFINITY)
    assert.equal(ranges.at(-1)!.upper, Number.POSITIVE_INFINITY)
    for (let b = 1; b < ranges.length; b++) assert.equal(ranges[b]!.lower, ranges[b - 1]!.upper)
    const upper = ranges[0]!.upper
    assert.equal(lookup.numeric(upper), 0)
    assert.equal(lookup.numeric(upper + 1e-9), 1)
    assert.equal(lookup.numeric(Number.NaN), binning.bins.length - 1)
    assert.equal(lookup.numeric(Number.POSITIVE_INFINITY), ranges.length - 1)
  })
})

describe('optimal binning', () => {
  test('finds a step in the risk, and keeps every bin above the least share', () => {
    const { values, labels } = numericRows(5000, 5, (x) => (x < 30 ? 0.4 : x < 70 ? 0.1 : 0.25))
    const binning = binVariable({ name: 'x', values }, labels, settings({ method: 'optimal', maxBins: 3 }))
    const uppers = binning.bins.slice(0, -1).map((b) => (b.kind === 'range' ? b.upper : Number.NaN))
    assert.equal(uppers.length, 3)
    assert.ok(Math.abs(uppers[0]! - 30) <= 5 && Math.abs(uppers[1]! - 70) <= 5, `cuts at ${uppers}`)
    // not forced to be monotone: high, low, middle
    const r = rates(binning.goods, binning.bads)
    assert.ok(r[0]! > r[2]! && r[2]! > r[1]!)
  })

  test('constraints hold for any data (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 }), fc.integer({ min: 40, max: 1500 }), fc.integer({ min: 2, max: 8 }), (seed, rows, maxBins) => {
        const { values, labels } = numericRows(rows, seed, (x) => 0.2 + 0.15 * Math.sin(x / 9))
        const binning = binVariable({ name: 'x', values }, labels, settings({ method: 'optimal', maxBins, minBinShare: 0.1, minBinBads: 2 }))
        const ranges = binning.bins.length - 1
        assert.ok(ranges <= maxBins)
        if (ranges > 1) for (let b = 0; b < ranges; b++) assert.ok(binning.goods[b]! + binning.bads[b]! >= Math.ceil(0.1 * rows) && binning.bads[b]! >= 2)
      }),
      { numRuns: 100 },
    )
  })
})

describe('categorical binning', () => {
  // 5 common categories with different bad rates, 3 rare ones, some missing
  const categories: (string | null)[] = []
  const labels: number[] = []
  const add = (category: string | null, goods: number, bads: number) => {
    for (let i = 0; i < goods + bads; i++) {
      categories.push(category)
      labels.push(i < goods ? 0 : 1)
    }
  }
  add('A', 180, 20)
  add('B', 150, 50)
  add('C', 120, 80)
  add('D', 170, 30)
  add('E', 160, 40)
  add('r1', 5, 1)
  add('r2', 4, 2)
  add('r3', 3, 0)
  add(null, 30, 10)
  add('', 5, 0)
  const binned = binVariable({ name: 'c', values: categories }, Float64Array.from(labels), settings({ maxBins: 4 }))

  test('rare categories are pooled into the one "other" bin; missing (null or empty) has its own', () => {
    const other = binned.bins.filter((b) => b.kind === 'categories' && b.other)
    assert.equal(other.length, 1)
    for (const rare of ['r1', 'r2', 'r3']) assert.ok(other[0]!.kind === 'categories' && other[0]!.categories.includes(rare))
    assert.deepEqual(binned.bins.at(-1), { kind: 'missing' })
    assert.equal(binned.goods.at(-1)! + binned.bads.at(-1)!, 45)
  })

  test('at most maxBins bins, ordered by bad rate, each category in exactly one', () => {
    assert.ok(binned.bins.length - 1 <= 4)
    const r = rates(binned.goods, binned.bads).slice(0, -1)
    for (let i = 1; i < r.length; i++) assert.ok(r[i]! >= r[i - 1]!)
    const all = binned.bins.flatMap((b) => (b.kind === 'categories' ? b.categories : []))
    assert.deepEqual([...all].sort(), ['A', 'B', 'C', 'D', 'E', 'r1', 'r2', 'r3'])
  })

  test('an unseen category goes to the other bin', () => {
    const lookup = new BinLookup('categorical', binned.bins)
    const otherIndex = binned.bins.findIndex((b) => b.kind === 'categories' && b.other)
    assert.equal(lookup.categorical('never seen'), otherIndex)
    assert.equal(lookup.categorical('r2'), otherIndex)
    assert.equal(lookup.categorical(null), binned.bins.length - 1)
    assert.equal(lookup.categorical(''), binned.bins.length - 1)
  })
})
