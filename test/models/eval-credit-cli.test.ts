/**
 * `xiezhi eval credit` as a user runs it, on a small made-up credit CSV:
 * one JSON line with both models' cross-validated AUC, and errors that name
 * the option and the column.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import type { XiezhiError } from '../../src/core/errors.ts'
import { readCreditTable } from '../../src/models/evaluation/credit-table.ts'
import { cliRunner } from '../support/cli-process.ts'

/** 240 applicants: risk rises with youth and with job c; a row id and a twin of the target ride along. */
function creditCsv(): string {
  let state = 12345
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648
    return state / 2147483648
  }
  const lines = ['id,age,income,job,status,bad']
  for (let i = 1; i <= 240; i++) {
    const age = 20 + Math.floor(next() * 50)
    const job = ['a', 'b', 'c'][Math.floor(next() * 3)]!
    const income = next() < 0.1 ? '' : String(Math.round(1000 + next() * 4000))
    const risk = 0.05 + (age < 30 ? 0.5 : 0) + (job === 'c' ? 0.35 : 0)
    const bad = next() < risk ? 1 : 0
    lines.push(`${i},${age},${income},${job},${bad ? 'bad' : 'good'},${bad}`)
  }
  return `${lines.join('\n')}\n`
}

describe('xiezhi eval credit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xiezhi-eval-credit-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'credit.csv')
  writeFileSync(file, creditCsv())
  const xiezhi = cliRunner(dir)

  test('--json prints one line with the GBDT and scorecard AUCs over 5 stratified folds; the row id and the twin are left out', async () => {
    const run = await xiezhi('eval', 'credit', '--data', file, '--target', 'bad', '--json')
    assert.equal(run.code, 0, run.stderr)
    const lines = run.stdout.trim().split('\n')
    assert.equal(lines.length, 1)
    const result = JSON.parse(lines[0]!)
    for (const model of ['gbdt', 'scorecard']) {
      assert.equal(typeof result[model].auc, 'number')
      assert.ok(result[model].auc > 0.55 && result[model].auc <= 1, `${model} AUC ${result[model].auc}`)
      assert.equal(result[model].aucs.length, 5)
    }
    assert.equal(result.rows, 240)
    assert.deepEqual(
      result.leftOut.map((l: { column: string }) => l.column),
      ['id', 'status'],
    )
  })

  test('refuses a target column the file does not have, naming the option and the column', async () => {
    const run = await xiezhi('eval', 'credit', '--data', file, '--target', 'default')
    assert.equal(run.code, 1)
    assert.match(run.stderr, /--target default: no column "default" in the file \(its columns: id, age, income, job, status, bad\)/)
    assert.equal(run.stdout, '')
  })

  test('the table refuses a target that is not 0/1, one class only, an unknown --drop column, and says which', () => {
    const bytes = Buffer.from(creditCsv())
    const problem = (target: string, drop: string[] = []) => {
      try {
        readCreditTable(bytes, target, drop)
      } catch (error) {
        const e = error as XiezhiError
        return `${e.issues[0]!.pointer} ${e.message}`
      }
      return 'accepted'
    }
    assert.equal(problem('job'), '/target the target column "job" must hold 0 and 1 only (1 = bad); it also holds "a", "b", "c"')
    assert.equal(problem('bad', ['salary']), '/drop no column "salary" in the file (its columns: id, age, income, job, status, bad)')
    assert.equal(problem('bad', ['bad']), '/drop "bad" is the target; it cannot also be dropped')
    assert.match(problem('bad'), /^accepted$/)
    const oneClass = Buffer.from('x,bad\n1,0\n2,0\n')
    assert.throws(() => readCreditTable(oneClass, 'bad'), /holds only 0s; both classes are needed/)
  })
})
