import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { promisify } from 'node:util'
import { type EvalReport, TransactionParser, defaultDataDir, evaluate, handbookColumns, loadDeclaration, parseReference } from '../../scripts/eval-features.ts'

const run = promisify(execFile)
const script = new URL('../../scripts/eval-features.ts', import.meta.url).pathname
const haveData = existsSync(join(defaultDataDir, 'transactions.csv.gz'))

const header = 'TRANSACTION_ID,TX_DATETIME,CUSTOMER_ID,TERMINAL_ID,TX_AMOUNT,TX_TIME_SECONDS,TX_TIME_DAYS,TX_FRAUD,TX_FRAUD_SCENARIO'
const sample = [
  header,
  '0,2018-04-01 00:00:31,596,3156,57.16,31,0,0,0',
  '1,2018-04-01 00:02:10,4961,3412,81.5,130,0,0,0',
  '2,2018-04-02 00:07:56,2,1365,146.00,86876,1,1,1',
  '3,2018-05-01 23:59:59,4128,8737,0.00,2678399,30,0,0',
  '',
].join('\n')

describe('the handbook transactions parser', () => {
  test('reads every column, amounts in cents without floats, times as UTC', () => {
    const parser = new TransactionParser()
    parser.push(Buffer.from(sample))
    const tx = parser.finish()
    assert.equal(tx.count, 4)
    assert.deepEqual([...tx.transactionId], [0, 1, 2, 3])
    assert.deepEqual([...tx.customerId], [596, 4961, 2, 4128])
    assert.deepEqual([...tx.terminalId], [3156, 3412, 1365, 8737])
    assert.deepEqual([...tx.amountMinor], [5716, 8150, 14600, 0])
    assert.deepEqual([...tx.fraud], [0, 0, 1, 0])
    assert.deepEqual([...tx.occurredAtMs].map((ms) => new Date(ms).toISOString()), [
      '2018-04-01T00:00:31.000Z',
      '2018-04-01T00:02:10.000Z',
      '2018-04-02T00:07:56.000Z',
      '2018-05-01T23:59:59.000Z',
    ])
  })

  test('gives the same columns however the bytes are split into chunks, with CRLF or without a final newline', () => {
    const whole = new TransactionParser()
    whole.push(Buffer.from(sample))
    const expected = whole.finish()
    for (const text of [sample, sample.replaceAll('\n', '\r\n'), sample.trimEnd()]) {
      const bytes = Buffer.from(text)
      for (let cut = 1; cut < bytes.length; cut += 3) {
        for (const size of [1, 7, bytes.length]) {
          const parser = new TransactionParser()
          parser.push(bytes.subarray(0, cut))
          for (let at = cut; at < bytes.length; at += size) parser.push(bytes.subarray(at, at + size))
          assert.deepEqual(parser.finish(), expected, `cut at ${cut}, then chunks of ${size}`)
        }
      }
    }
  })

  test('names the line of anything malformed', () => {
    const bad = (line: string) => () => {
      const parser = new TransactionParser()
      parser.push(Buffer.from(`${header}\n0,2018-04-01 00:00:31,596,3156,57.16,31,0,0,0\n${line}\n`))
      parser.finish()
    }
    assert.throws(bad('1,2018-04-01 00:02:10,4961,3412,81.51,131,0,0,0'), /line 3: TX_DATETIME and TX_TIME_SECONDS \(131\) disagree/)
    assert.throws(bad('1,2018-02-30 00:02:10,4961,3412,81.51,130,0,0,0'), /line 3: TX_DATETIME is not a real date/)
    assert.throws(bad('1,2018-04-01 00:02:10,x,3412,81.51,130,0,0,0'), /line 3: expected an unsigned integer/)
    assert.throws(bad('1,2018-04-01 00:02:10,4961,3412,81.51,130,0,2,0'), /line 3: TX_FRAUD must be 0 or 1/)
    assert.throws(bad('1,2018-04-01 00:02:10,4961,3412,-81.51,130,0,0,0'), /line 3: expected an amount/)
    assert.throws(bad('1,2018-04-01 00:02:10,4961,3412,81.51,130,0,0'), /line 3/)
    assert.throws(() => new TransactionParser().push(Buffer.from('a,b\n1,2\n')), /expected the columns/)
  })
})

test('the reference file is read into handbook column order, TX_AMOUNT left out', () => {
  const columns = handbookColumns.filter((c) => c.column !== 'TX_AMOUNT').map((c) => c.column)
  const reference = parseReference(`TRANSACTION_ID,${columns.join(',')}\n7,${columns.map((_, k) => (k === 3 ? '8.881784197e-15' : String(k))).join(',')}\n`)
  assert.equal(reference.count, 1)
  assert.equal(reference.transactionId[0], 7)
  const row = [...reference.values]
  assert.ok(Number.isNaN(row[0]))
  assert.deepEqual(row.slice(1), [0, 1, 2, 8.881784197e-15, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13])
})

test('the example declaration registers like a tenant event type and declares all 15 inputs', () => {
  const { registry, definitions } = loadDeclaration()
  const type = registry.find('handbook', 'card.transaction')
  assert.deepEqual(type?.entities, { bank_card: '/customerId', terminal: '/terminalId' })
  // the 15 inputs, and the weekday and hour the two flags are derived from
  assert.equal(definitions.length, 17)
  for (const column of handbookColumns) assert.ok(definitions.some((d) => d.name === column.feature), column.feature)
  // the label is only read through the 7-day delay
  for (const d of definitions.filter((d) => d.field === '/fraud')) assert.equal(d.delayMs, 7 * 86_400_000, d.name)
})

/**
 * The whole evaluation, once, as a user runs it: about 9 s on the 2-core
 * development machine (load 0.3 s, backfill of the 1.75 M transactions 7.3 s).
 */
test('npm run eval:features -- --json: every reference row matches but the one same-second pair the book reversed', { skip: haveData ? false : `no data in ${defaultDataDir}` }, async () => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', script, '--json'], { maxBuffer: 16 << 20 })
  const lines = stdout.split('\n')
  assert.equal(lines.length, 2, 'exactly one line, then the newline')
  assert.equal(lines[1], '')
  const report = JSON.parse(lines[0]!) as EvalReport
  for (const key of ['matchRate', 'rows', 'seconds', 'loadSeconds', 'computeSeconds']) assert.equal(typeof report[key as keyof EvalReport], 'number', key)

  assert.equal(report.loadedTransactions, 1_754_155)
  assert.equal(report.transactions, 1_754_155)
  assert.equal(report.rows, 201_295)
  assert.ok(report.matchRate >= 0.9999, `match rate ${report.matchRate}`)
  assert.equal(report.matchingRows, report.rows - 2)

  // the only differences: one card's two transactions in one second, which the book took in the other order
  assert.deepEqual(report.mismatchingTransactionIds, [1240489, 1240490])
  assert.deepEqual(report.pairsTheBookReversed, [[1240489, 1240490]])
  assert.equal(report.mismatchesAreSameSecondCardPairs, true)
  assert.deepEqual(report.unexplainedMismatchIds, [])
  assert.equal(report.sameSecondCardPairs, 4)
  assert.equal(report.pairsInTransactionIdOrder, 3)
  const [a, b] = report.firstMismatches
  assert.equal(a?.customerId, b?.customerId)
  assert.equal(a?.occurredAt, b?.occurredAt)
  for (const [column, count] of Object.entries(report.mismatchesByFeature)) assert.equal(count, column.startsWith('CUSTOMER_ID_') ? 2 : 0, column)

  // every window edge (where the half-open intervals decide) occurs among the compared rows
  for (const [edge, rows] of Object.entries(report.windowEdgeRows)) assert.ok(rows > 0, edge)
  assert.equal(report.saturatedWindows, 0)
  assert.ok(report.eventsValidated > 100)
})

/**
 * A range starts the backfill one horizon (37 days) before its first
 * compared day: the book's test week then gives the same answer as the whole
 * run, from 421,291 transactions instead of 1.75 M.
 */
test('--since/--until: the book’s test week alone, warmed up over the features’ horizon', { skip: haveData ? false : `no data in ${defaultDataDir}` }, async () => {
  const report = await evaluate({ sinceMs: Date.parse('2018-08-08T00:00:00Z'), untilMs: Date.parse('2018-08-15T00:00:00Z') })
  assert.equal(report.backfillFrom, '2018-07-02T00:00:00.000Z')
  assert.equal(report.transactions, 421_291)
  assert.equal(report.rows, 67_080)
  assert.deepEqual(report.mismatchingTransactionIds, [1240489, 1240490])
  assert.equal(report.mismatchesAreSameSecondCardPairs, true)
})
