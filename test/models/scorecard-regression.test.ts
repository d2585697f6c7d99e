import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { erfc, fitLogistic } from '../../src/models/scorecard/logistic-regression.ts'

const options = { l2: 0, maxIterations: 100, tolerance: 1e-12 }
const logit = (p: number) => Math.log(p / (1 - p))
const close = (actual: number, expected: number, tolerance: number) => assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} ≠ ${expected}`)

/** A 2×2 table as rows: x = 0 has 30 bads of 100, x = 1 has 60 bads of 80. */
function twoByTwo() {
  const x: number[] = []
  const y: number[] = []
  const add = (value: number, bads: number, goods: number) => {
    for (let i = 0; i < bads + goods; i++) {
      x.push(value)
      y.push(i < bads ? 1 : 0)
    }
  }
  add(0, 30, 70)
  add(1, 60, 20)
  return { columns: [Float64Array.from(x)], labels: Float64Array.from(y) }
}

describe('logistic regression', () => {
  test('one binary covariate: the closed form (the fit reproduces each group rate; SE from the cell counts)', () => {
    const { columns, labels } = twoByTwo()
    const fit = fitLogistic(columns, labels, options)
    assert.ok(fit.converged)
    close(fit.intercept, logit(0.3), 1e-10)
    close(fit.coefficients[0]!, logit(0.75) - logit(0.3), 1e-10) // the log odds ratio, ln(3 / (3/7)) = ln 7
    close(fit.coefficients[0]!, Math.log(7), 1e-10)
    // Woolf: SE(ln OR) = √(1/30 + 1/70 + 1/60 + 1/20); SE(intercept) = √(1/30 + 1/70)
    close(fit.standardErrors[0]!, Math.sqrt(1 / 30 + 1 / 70 + 1 / 60 + 1 / 20), 1e-8)
    close(fit.interceptStandardError, Math.sqrt(1 / 30 + 1 / 70), 1e-8)
    const z = Math.log(7) / fit.standardErrors[0]!
    close(fit.pValues[1]!, erfc(z / Math.SQRT2), 1e-15)
    // the log-likelihood of the saturated fit
    const ll = 30 * Math.log(0.3) + 70 * Math.log(0.7) + 60 * Math.log(0.75) + 20 * Math.log(0.25)
    close(fit.logLikelihood, ll, 1e-9)
  })

  test('erfc matches known values (two-sided p of z = 1.96 is 0.05)', () => {
    close(erfc(0), 1, 1e-7)
    close(erfc(1.96 / Math.SQRT2), 0.04999579, 1e-7)
    close(erfc(3 / Math.SQRT2), 0.0026997960632601866, 1e-8)
    close(erfc(-1), 2 - 0.15729920705028513, 1e-7)
  })

  test('the gradient of the (penalised) log-likelihood is ~0 at the result, with and without L2 (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.integer({ min: 30, max: 400 }),
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom(0, 0.1, 5),
        (seed, rows, k, l2) => {
          let state = seed
          const draw = () => {
            state = (state * 1103515245 + 12345) % 2147483648
            return state / 2147483648
          }
          const columns = Array.from({ length: k }, () => Float64Array.from({ length: rows }, () => draw() * 4 - 2))
          const labels = Float64Array.from({ length: rows }, (_, i) => {
            const m = 0.5 * columns[0]![i]! - 0.3 + (k > 1 ? columns[1]![i]! : 0)
            return draw() < 1 / (1 + Math.exp(-m)) ? 1 : 0
          })
          if (labels.every((y) => y === labels[0])) return
          const fit = fitLogistic(columns, labels, { ...options, l2: l2 === 0 ? 1e-6 : l2 })
          assert.ok(fit.converged, 'converged')
          for (const g of fit.gradient) assert.ok(Math.abs(g) < 1e-7, `gradient ${[...fit.gradient]}`)
          // recompute the gradient independently from the coefficients
          for (let j = 0; j <= k; j++) {
            let g = 0
            for (let i = 0; i < rows; i++) {
              let m = fit.intercept
              for (let c = 0; c < k; c++) m += fit.coefficients[c]! * columns[c]![i]!
              g += (labels[i]! - 1 / (1 + Math.exp(-m))) * (j === 0 ? 1 : columns[j - 1]![i]!)
            }
            if (j > 0) g -= (l2 === 0 ? 1e-6 : l2) * fit.coefficients[j - 1]!
            assert.ok(Math.abs(g) < 1e-6, `recomputed gradient ${g} for ${j}`)
          }
        },
      ),
      { numRuns: 60 },
    )
  })

  test('L2 shrinks the coefficients towards 0', () => {
    const { columns, labels } = twoByTwo()
    const free = fitLogistic(columns, labels, options)
    const shrunk = fitLogistic(columns, labels, { ...options, l2: 20 })
    assert.ok(Math.abs(shrunk.coefficients[0]!) < Math.abs(free.coefficients[0]!) - 0.1)
  })
})
