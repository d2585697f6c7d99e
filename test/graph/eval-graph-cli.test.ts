/**
 * `npm run eval:graph -- --json` as a user runs it, on a small made-up
 * S-FFSD file (the real figures come from the command on the real data, not
 * from tests): exactly one JSON line whose `random` and `temporal` objects
 * hold the main auc, ap and f1, and the other rows beside them.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { after, test } from 'node:test'

const run = promisify(execFile)
const root = resolve(import.meta.dirname, '../..')

/** 1,600 transactions: two of 20 merchants take most of the fraud; 40 % unlabelled. */
function sffsdCsv(): string {
  let state = 7
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648
    return state / 2147483648
  }
  const lines = ['Time,Source,Target,Amount,Location,Type,Labels']
  for (let i = 0; i < 1_600; i++) {
    const target = Math.floor(next() * 20)
    const fraud = next() < (target < 2 ? 0.7 : 0.05)
    const label = next() < 0.4 ? 2 : fraud ? 1 : 0
    lines.push(`${i},S${Math.floor(next() * 400)},T${target},${(next() * 100).toFixed(2)},L${Math.floor(next() * 10)},TP${Math.floor(next() * 6)},${label}`)
  }
  return `${lines.join('\n')}\n`
}

const dir = mkdtempSync(join(tmpdir(), 'xiezhi-eval-graph-'))
after(() => rmSync(dir, { recursive: true, force: true }))
writeFileSync(join(dir, 'S-FFSD.csv'), sffsdCsv())

test('eval:graph --json prints one line: per split the graph row\'s auc, ap, f1, and the other rows beside them', async () => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/eval-graph.ts', '--json', '--seeds', '2', '--data', dir], { cwd: root })
  const lines = stdout.split('\n').filter((line) => line.length > 0)
  assert.equal(lines.length, 1)
  const result = JSON.parse(lines[0]!)
  assert.deepEqual(Object.keys(result).sort(), ['random', 'temporal'])
  for (const split of ['random', 'temporal']) {
    const figures = result[split]
    for (const key of ['auc', 'ap', 'f1']) {
      assert.equal(typeof figures[key], 'number', `${split}.${key}`)
      assert.ok(figures[key] >= 0 && figures[key] <= 1, `${split}.${key} = ${figures[key]}`)
      assert.equal(typeof figures.sd[key], 'number')
    }
    assert.equal(figures.seeds, 2)
    assert.equal(typeof figures.setting, 'string')
    assert.deepEqual(Object.keys(figures.rows).sort(), ['platform', 'tabular'])
    for (const row of Object.values(figures.rows) as Record<string, number>[]) for (const key of ['auc', 'ap', 'f1']) assert.equal(typeof row[key], 'number')
  }
  // the planted merchants make fraud findable
  assert.ok(result.random.auc > 0.6, `random AUC ${result.random.auc}`)
})

test('eval:graph refuses a bad flag value, naming the flag', async () => {
  await assert.rejects(run(process.execPath, ['--import', 'tsx', 'scripts/eval-graph.ts', '--json', '--seeds', '0', '--data', dir], { cwd: root }), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 1)
    assert.match(error.stderr, /--seeds/)
    return true
  })
})
