import { existsSync, readFileSync, statSync } from 'node:fs'
import { basename } from 'node:path'
import { Command, InvalidArgumentError } from 'commander'
import { XiezhiError } from '../core/errors.ts'
import { type CreditTable, gbdtColumns, readCreditTable } from '../models/evaluation/credit-table.ts'
import { type CrossValidation, creditGbdtOptions, crossValidateCredit } from '../models/evaluation/cross-validation.ts'

interface CreditOptions {
  data: string
  target: string
  drop: string[]
  folds: number
  seed: number
  json?: boolean
}

const whole = (least: number) => (value: string) => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < least) throw new InvalidArgumentError(`must be a whole number ≥ ${least}`)
  return n
}

const names = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((s) => s.trim()).filter((s) => s !== '')]

/** `xiezhi eval`: the platform's models measured on published data (docs/evaluations.md). */
export function evalCommand(): Command {
  const command = new Command('eval').description('measure the models on published data (docs/evaluations.md)')
  command
    .command('credit')
    .description('stratified k-fold cross-validation of the GBDT and the scorecard on a credit CSV: AUC of each, on the same folds')
    .requiredOption('--data <file>', 'CSV with a header line, optionally gzipped; text columns are categories, empty cells missing')
    .requiredOption('--target <column>', 'the column to predict: 0 or 1 on every row (1 = bad)')
    .option('--drop <columns>', 'columns to leave out, comma-separated or repeated (ids, characteristics a lender may not score on)', names, [])
    .option('--folds <n>', 'folds', whole(2), 5)
    .option('--seed <n>', 'seed of the fold draw', whole(0), 0)
    .option('--json', 'print one JSON line: {"gbdt": {"auc", …}, "scorecard": {"auc", …}, …}')
    .action(async (options: CreditOptions) => {
      const table = readTable(options)
      let cv: CrossValidation
      try {
        cv = await crossValidateCredit(table, { folds: options.folds, seed: options.seed, gbdt: creditGbdtOptions, scorecard: {} }, options.json ? undefined : (line) => console.error(line))
      } catch (error) {
        if (error instanceof RangeError) throw new InvalidArgumentError(`--folds ${options.folds}: ${error.message}`)
        throw error
      }
      const gbdtFeatures = gbdtColumns(table).features.length
      if (options.json) console.log(JSON.stringify({ ...cv, file: options.data, target: options.target, inputs: table.columns.length, gbdtFeatures, leftOut: table.leftOut, gbdtParameters: creditGbdtOptions }))
      else console.log(report(options, table, cv, gbdtFeatures))
    })
  return command
}

/** The file as a table; a problem is said with the option it comes from. */
function readTable(options: CreditOptions): CreditTable {
  if (!existsSync(options.data) || !statSync(options.data).isFile()) throw new InvalidArgumentError(`--data ${options.data}: no such file`)
  try {
    return readCreditTable(readFileSync(options.data), options.target, options.drop)
  } catch (error) {
    if (!(error instanceof XiezhiError)) throw error
    const option = error.issues[0]?.pointer.slice(1) ?? 'data'
    const value = option === 'target' ? options.target : option === 'drop' ? options.drop.join(',') : options.data
    throw new InvalidArgumentError(`--${option} ${value}: ${error.message}`)
  }
}

function report(options: CreditOptions, table: CreditTable, cv: CrossValidation, gbdtFeatures: number): string {
  const f = (x: number) => x.toFixed(4)
  const text = table.columns.filter((c) => c.text).length
  const row = (name: string, m: CrossValidation['gbdt']) => `${name.padEnd(10)} ${m.aucs.map(f).join('  ')}   ${f(m.auc)} ± ${f(m.sd)}   ${m.fitSeconds.toFixed(2)}`
  return [
    `${basename(options.data)}: ${cv.rows.toLocaleString('en-US')} rows, ${cv.bads.toLocaleString('en-US')} with ${table.target} = 1; ${table.columns.length} input columns (${text} text), ${gbdtFeatures} GBDT features (text one-hot)`,
    ...table.leftOut.map((l) => `left out: ${l.column} — ${l.reason}`),
    '',
    `${cv.folds}-fold stratified cross-validation (seed ${cv.seed}), AUC on each held-out fold:`,
    `${''.padEnd(10)} ${cv.gbdt.aucs.map((_, k) => `fold ${k + 1}`.padEnd(6)).join('  ')}   mean ± sd         fit s (all folds)`,
    row('GBDT', cv.gbdt),
    row('scorecard', cv.scorecard),
    '',
    `GBDT ${JSON.stringify(creditGbdtOptions)}; scorecard: the library's defaults (docs/scorecards.md)`,
  ].join('\n')
}
