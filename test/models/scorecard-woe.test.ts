import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { woeTable } from '../../src/models/scorecard/woe.ts'

const close = (actual: number, expected: number, tolerance = 1e-12) => assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} ≠ ${expected}`)

/**
 * Three bins: goods 40, 30, 30 (of 100) and bads 10, 20, 30 (of 60).
 * Without smoothing, bin 1: %good 0.40, %bad 1/6, WOE = ln(0.40 / (1/6)) = ln 2.4.
 */
describe('WOE = ln(%good / %bad) and IV, by hand', () => {
  const goods = [40, 30, 30]
  const bads = [10, 20, 30]

  test('with almost no smoothing: the textbook values', () => {
    const t = woeTable(goods, bads, 1e-12)
    close(t.woe[0]!, Math.log(2.4), 1e-9) // 0.8754687
    close(t.woe[1]!, Math.log(0.3 / (20 / 60)), 1e-9) // ln 0.9 = −0.1053605
    close(t.woe[2]!, Math.log(0.3 / 0.5), 1e-9) // ln 0.6 = −0.5108256
    close(t.ivParts[0]!, (0.4 - 1 / 6) * Math.log(2.4), 1e-9) // 0.2042760
    close(t.iv, 0.3099531806577024, 1e-9)
  })

  test('with smoothing 0.5: (goods + 0.5) / (100 + 1.5) against (bads + 0.5) / (60 + 1.5)', () => {
    const t = woeTable(goods, bads, 0.5)
    close(t.woe[0]!, 0.8489050932796459)
    close(t.woe[1]!, -0.10371982620036625)
    close(t.woe[2]!, -0.5010216236693698)
    close(t.ivParts[0]!, 0.1937906616882527)
    close(t.ivParts[1]!, 0.003406234029568674)
    close(t.ivParts[2]!, 0.09792084278531474)
    close(t.iv, 0.2951177385031361)
  })

  test('a bin with no bads (or no goods) gets a finite WOE, not an infinity', () => {
    const t = woeTable([50, 0], [0, 50], 0.5)
    close(t.woe[0]!, Math.log(50.5 / 0.5), 1e-12) // 4.6151205
    close(t.woe[1]!, -Math.log(50.5 / 0.5), 1e-12)
    assert.ok(Number.isFinite(t.iv))
  })

  test('an empty bin (no missing value in training) gets the lowest WOE and no IV, and does not change the others', () => {
    const withEmpty = woeTable([40, 30, 30, 0], [10, 20, 30, 0], 0.5)
    const without = woeTable(goods, bads, 0.5)
    assert.deepEqual([...withEmpty.woe.slice(0, 3)], [...without.woe])
    assert.equal(withEmpty.woe[3], without.woe[2])
    assert.equal(withEmpty.ivParts[3], 0)
    assert.equal(withEmpty.iv, without.iv)
  })

  test('a variable that says nothing has WOE 0 and IV 0', () => {
    const t = woeTable([20, 40], [10, 20], 0.5)
    close(t.woe[0]!, Math.log(20.5 / 61 / (10.5 / 31)), 1e-12)
    const none = woeTable([20, 40], [10, 20], 1e-12)
    close(none.woe[0]!, 0, 1e-9)
    close(none.iv, 0, 1e-12)
  })
})
