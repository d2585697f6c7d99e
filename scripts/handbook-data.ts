/**
 * The Fraud Detection Handbook's data as the feature library sees it, shared
 * by `npm run eval:features` (the features against the book's own values)
 * and `npm run eval:handbook` (models trained on them, the book's protocol):
 * the transactions file as typed columns, the declaration in
 * `examples/fraud-detection-handbook/` (event type and features, checked as
 * a tenant's would be), the book's 15 inputs, and the backfill of those
 * inputs through `FeatureEngine.observeColumns` in TRANSACTION_ID order.
 */
import { createReadStream, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TransformOptions } from 'node:stream'
import { type ZlibOptions, createGunzip } from 'node:zlib'
import { Value } from '@sinclair/typebox/value'
import { parse as parseYaml } from 'yaml'
import { EventTypeDefinitionBody } from '../src/api/api-schemas.ts'
import { XiezhiError } from '../src/core/errors.ts'
import type { EntityPaths } from '../src/events/entities.ts'
import { EventTypeRegistry } from '../src/events/event-type-registry.ts'
import { declareFeatures } from '../src/features/declare-features.ts'
import type { FeatureDefinition } from '../src/features/feature-definition.ts'
import type { EventColumns } from '../src/features/event-columns.ts'
import { FeatureEngine } from '../src/features/feature-engine.ts'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const defaultDataDir = resolve(repoRoot, '../shared/data/fraud-detection-handbook-simulated')
export const exampleDir = join(repoRoot, 'examples/fraud-detection-handbook')
export const transactionsFile = 'transactions.csv.gz'
export const tenantId = 'handbook'
export const eventType = 'card.transaction'
/** Transactions per observeColumns call: large enough that each card's and terminal's log serves many events while in cache, small enough to bound memory. */
const batchSize = 1 << 18

// ---------------------------------------------------------------------------
// Loading the transactions
// ---------------------------------------------------------------------------

/** The transactions file as columns, in file order. */
export interface Transactions {
  count: number
  transactionId: Int32Array
  occurredAtMs: Float64Array
  customerId: Int32Array
  terminalId: Int32Array
  amountMinor: Int32Array
  fraud: Uint8Array
}

const transactionColumns = 'TRANSACTION_ID,TX_DATETIME,CUSTOMER_ID,TERMINAL_ID,TX_AMOUNT,TX_TIME_SECONDS,TX_TIME_DAYS,TX_FRAUD,TX_FRAUD_SCENARIO'
/** TX_TIME_SECONDS counts from here; the parsed TX_DATETIME is checked against it on every row. */
const simulationStartMs = Date.UTC(2018, 3, 1)
const COMMA = 44
const NEWLINE = 10
const CR = 13

/**
 * Parses the transactions CSV straight from the gunzipped bytes into typed
 * columns, without making a string per field. A hand-written splitter rather
 * than csv-parse: measured on this 2-core machine, csv-parse (sync API) takes
 * 3.2 s for the 1.75 M rows and turning its strings into numbers another
 * 0.5 s, while this parser, fed by the streamed gunzip below, loads the file
 * in about 0.3 s; the issue's budget for the whole backfill is 3 s. It can
 * afford to be small because the file is simple: no quotes, no embedded
 * commas, nine numeric columns. It is still strict: any other shape is an
 * error naming the line, and the parsed time is checked against
 * TX_TIME_SECONDS on every row.
 */
export class TransactionParser {
  private capacity = 1 << 16
  private columns: Transactions = TransactionParser.allocate(this.capacity)
  private count = 0
  private line = 1
  private headerSeen = false
  private carry: Buffer | undefined
  // the day of the previous row: rows come in time order, so Date.UTC runs once a day
  private dayKey = -1
  private dayMs = 0
  private p = 0
  private buf: Buffer = Buffer.alloc(0)

  private static allocate(capacity: number): Transactions {
    return {
      count: 0,
      transactionId: new Int32Array(capacity),
      occurredAtMs: new Float64Array(capacity),
      customerId: new Int32Array(capacity),
      terminalId: new Int32Array(capacity),
      amountMinor: new Int32Array(capacity),
      fraud: new Uint8Array(capacity),
    }
  }

  /** Parses every complete line in `chunk`; a trailing partial line waits for the next chunk. */
  push(chunk: Buffer): void {
    let start = 0
    if (this.carry) {
      const nl = chunk.indexOf(NEWLINE)
      if (nl === -1) {
        this.carry = Buffer.concat([this.carry, chunk])
        return
      }
      this.lines(Buffer.concat([this.carry, chunk.subarray(0, nl + 1)]), 0, this.carry.length + nl + 1)
      this.carry = undefined
      start = nl + 1
    }
    const last = chunk.lastIndexOf(NEWLINE)
    if (last < start) {
      if (start < chunk.length) this.carry = Buffer.from(chunk.subarray(start))
      return
    }
    this.lines(chunk, start, last + 1)
    if (last + 1 < chunk.length) this.carry = Buffer.from(chunk.subarray(last + 1))
  }

  /** The columns, after the last chunk (a final line without a newline is parsed too). */
  finish(): Transactions {
    if (this.carry && this.carry.length > 0) {
      const tail = Buffer.concat([this.carry, Buffer.from([NEWLINE])])
      this.carry = undefined
      this.lines(tail, 0, tail.length)
    }
    if (!this.headerSeen) throw new Error(`${transactionsFile}: empty`)
    const c = this.columns
    const n = this.count
    return {
      count: n,
      transactionId: c.transactionId.subarray(0, n),
      occurredAtMs: c.occurredAtMs.subarray(0, n),
      customerId: c.customerId.subarray(0, n),
      terminalId: c.terminalId.subarray(0, n),
      amountMinor: c.amountMinor.subarray(0, n),
      fraud: c.fraud.subarray(0, n),
    }
  }

  /** Lines in buf[from, to), where `to` is just past a newline. */
  private lines(buf: Buffer, from: number, to: number) {
    this.buf = buf
    this.p = from
    if (!this.headerSeen) {
      const nl = buf.indexOf(NEWLINE, from)
      const header = buf.toString('latin1', from, nl).replace(/\r$/, '')
      if (header !== transactionColumns) throw new Error(`${transactionsFile}: expected the columns ${transactionColumns}, found ${header.slice(0, 200)}`)
      this.headerSeen = true
      this.line++
      this.p = nl + 1
    }
    let c = this.columns
    while (this.p < to) {
      if (buf[this.p] === NEWLINE || buf[this.p] === CR) {
        // a blank line (only at the end of a file in practice)
        this.p = buf.indexOf(NEWLINE, this.p) + 1
        this.line++
        continue
      }
      if (this.count === this.capacity) c = this.grow()
      const i = this.count
      c.transactionId[i] = this.uint()
      const at = this.dateTime()
      c.occurredAtMs[i] = at
      c.customerId[i] = this.uint()
      c.terminalId[i] = this.uint()
      c.amountMinor[i] = this.cents()
      const seconds = this.uint()
      if (at !== simulationStartMs + seconds * 1000) this.fail(`TX_DATETIME and TX_TIME_SECONDS (${seconds}) disagree`)
      this.uint() // TX_TIME_DAYS
      const fraud = this.uint()
      if (fraud > 1) this.fail('TX_FRAUD must be 0 or 1')
      c.fraud[i] = fraud
      this.uint(true) // TX_FRAUD_SCENARIO, the last field
      this.count++
      this.line++
    }
  }

  private grow(): Transactions {
    const next = TransactionParser.allocate(this.capacity * 2)
    const c = this.columns
    next.transactionId.set(c.transactionId)
    next.occurredAtMs.set(c.occurredAtMs)
    next.customerId.set(c.customerId)
    next.terminalId.set(c.terminalId)
    next.amountMinor.set(c.amountMinor)
    next.fraud.set(c.fraud)
    this.columns = next
    this.capacity *= 2
    return next
  }

  /** A non-negative integer and its separator (a comma, or the end of the line when `last`). */
  private uint(last = false): number {
    const buf = this.buf
    let p = this.p
    let value = 0
    let digits = 0
    for (;;) {
      const d = buf[p++]! - 48
      if (d >= 0 && d <= 9) {
        value = value * 10 + d
        digits++
        continue
      }
      break
    }
    const separator = buf[p - 1]
    if (last && separator === CR && buf[p] === NEWLINE) p++
    else if (separator !== (last ? NEWLINE : COMMA)) this.fail(`expected an unsigned integer followed by ${last ? 'the end of the line' : 'a comma'}`)
    // nine digits at most, so that every value fits the Int32Array columns
    if (digits === 0 || digits > 9) this.fail('expected an unsigned integer of at most nine digits')
    this.p = p
    return value
  }

  /** TX_AMOUNT as integer cents without going through a float: "146.00" → 14600, "57.1" → 5710, "1.005" → 101 (half up). */
  private cents(): number {
    const buf = this.buf
    let p = this.p
    let cents = 0
    let digits = 0
    let d = buf[p++]! - 48
    for (; d >= 0 && d <= 9; d = buf[p++]! - 48) {
      cents = cents * 10 + d
      digits++
    }
    cents *= 100
    if (d === 46 - 48 /* '.' */) {
      let decimals = 0
      for (d = buf[p++]! - 48; d >= 0 && d <= 9; d = buf[p++]! - 48) {
        decimals++
        if (decimals === 1) cents += d * 10
        else if (decimals === 2) cents += d
        else if (decimals === 3 && d >= 5) cents++
      }
      digits += decimals
    }
    if (d !== COMMA - 48 || digits === 0 || cents > 0x7fffffff) this.fail('expected an amount such as 57.16')
    this.p = p
    return cents
  }

  /** `YYYY-MM-DD HH:MM:SS`, read as UTC (the book's times carry no zone). */
  private dateTime(): number {
    // no closures in here: tsx names every function it creates (`__name`), which costs more than the parse
    const b = this.buf
    const p = this.p
    if (b[p + 4] !== 45 || b[p + 7] !== 45 || b[p + 10] !== 32 || b[p + 13] !== 58 || b[p + 16] !== 58 || b[p + 19] !== COMMA) this.fail('expected TX_DATETIME as YYYY-MM-DD HH:MM:SS')
    const year = (b[p]! - 48) * 1000 + (b[p + 1]! - 48) * 100 + (b[p + 2]! - 48) * 10 + (b[p + 3]! - 48)
    const month = (b[p + 5]! - 48) * 10 + (b[p + 6]! - 48)
    const day = (b[p + 8]! - 48) * 10 + (b[p + 9]! - 48)
    const hour = (b[p + 11]! - 48) * 10 + (b[p + 12]! - 48)
    const minute = (b[p + 14]! - 48) * 10 + (b[p + 15]! - 48)
    const second = (b[p + 17]! - 48) * 10 + (b[p + 18]! - 48)
    let bad = false
    for (let k = 0; k < 19; k++) if (k !== 4 && k !== 7 && k !== 10 && k !== 13 && k !== 16 && (b[p + k]! - 48) >>> 0 > 9) bad = true
    if (bad) this.fail('expected TX_DATETIME as YYYY-MM-DD HH:MM:SS')
    const key = year * 10_000 + month * 100 + day
    if (key !== this.dayKey) {
      const ms = Date.UTC(year, month - 1, day)
      const check = new Date(ms)
      if (month < 1 || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) this.fail('TX_DATETIME is not a real date')
      this.dayKey = key
      this.dayMs = ms
    }
    if (hour > 23 || minute > 59 || second > 59) this.fail('TX_DATETIME is not a real time')
    this.p = p + 20
    return this.dayMs + ((hour * 60 + minute) * 60 + second) * 1000
  }

  private fail(message: string): never {
    throw new Error(`${transactionsFile}, line ${this.line}: ${message}`)
  }
}

/** Streams the gunzipped file through the parser: decompression runs on libuv's pool while this thread parses. */
export async function loadTransactions(file: string): Promise<Transactions> {
  const parser = new TransactionParser()
  // 1 MB pieces, and up to 16 MB decompressed ahead of the parser (zlib passes stream options on; its types omit them)
  const gunzipOptions: ZlibOptions & TransformOptions = { chunkSize: 1 << 20, readableHighWaterMark: 16 << 20 }
  const stream = createReadStream(file, { highWaterMark: 1 << 20 }).pipe(createGunzip(gunzipOptions))
  for await (const chunk of stream as AsyncIterable<Buffer>) parser.push(chunk)
  return parser.finish()
}

// ---------------------------------------------------------------------------
// The book's 15 inputs
// ---------------------------------------------------------------------------

/** How a handbook column is computed from the features, and how it is compared. */
export interface HandbookColumn {
  column: string
  feature: string
  /** exact: counts and flags; otherwise within `tolerance`. */
  exact: boolean
  derive: (value: number) => number
  /** Per card: the columns a same-second tie of one card changes. */
  card: boolean
}

const asIs = (v: number) => v
const fromMinor = (v: number) => v / 100

/** The book's 15 inputs in its own order (TX_AMOUNT first, as in chapter 3.4). */
export const handbookColumns: HandbookColumn[] = [
  { column: 'TX_AMOUNT', feature: 'transactionAmountMinor', exact: false, derive: fromMinor, card: false },
  { column: 'TX_DURING_WEEKEND', feature: 'duringWeekendUtc', exact: true, derive: asIs, card: false },
  { column: 'TX_DURING_NIGHT', feature: 'duringNightUtc', exact: true, derive: asIs, card: false },
  ...[1, 7, 30].flatMap((n) => [
    { column: `CUSTOMER_ID_NB_TX_${n}DAY_WINDOW`, feature: `transactionsPerCard${n}d`, exact: true, derive: asIs, card: true },
    { column: `CUSTOMER_ID_AVG_AMOUNT_${n}DAY_WINDOW`, feature: `amountAvgMinorPerCard${n}d`, exact: false, derive: fromMinor, card: true },
  ]),
  ...[1, 7, 30].flatMap((n) => [
    { column: `TERMINAL_ID_NB_TX_${n}DAY_WINDOW`, feature: `transactionsPerTerminal${n}dDelayed7d`, exact: true, derive: asIs, card: false },
    { column: `TERMINAL_ID_RISK_${n}DAY_WINDOW`, feature: `fraudRatePerTerminal${n}dDelayed7d`, exact: false, derive: asIs, card: false },
  ]),
]

// ---------------------------------------------------------------------------
// The declaration: event type and features, checked as a tenant's would be
// ---------------------------------------------------------------------------

export interface Declaration {
  registry: EventTypeRegistry
  definitions: FeatureDefinition[]
}

/** Registers event-type.json as `POST /v1/event-types` would, then reads features.yaml against it as the server reads its catalogue. */
export function loadDeclaration(dir = exampleDir): Declaration {
  const typeFile = join(dir, 'event-type.json')
  const featuresFile = join(dir, 'features.yaml')
  const body = JSON.parse(readFileSync(typeFile, 'utf8')) as unknown
  // the route's body schema first (with its defaults), then the registry's own checks
  const withDefaults = Value.Default(EventTypeDefinitionBody, structuredClone(body))
  if (!Value.Check(EventTypeDefinitionBody, withDefaults)) {
    const issues = [...Value.Errors(EventTypeDefinitionBody, withDefaults)].map((e) => `\n  ${e.path || '/'}: ${e.message}`).join('')
    throw new Error(`${typeFile}: not a valid POST /v1/event-types body${issues}`)
  }
  const registry = new EventTypeRegistry(() => Date.now())
  inFile(typeFile, () => registry.register({ tenantId, ...withDefaults, entities: withDefaults.entities as EntityPaths }))
  const known = new Set(registry.list(tenantId).map((t) => t.type))
  const document = parseYaml(readFileSync(featuresFile, 'utf8')) as { features?: unknown } | null
  // as the server reads config/features.yaml (app/load-definitions.ts): parse, then type-check and compile the CEL
  const definitions = inFile(featuresFile, () => declareFeatures(document?.features, known, (type) => registry.find(tenantId, type)?.schema))
  const missing = handbookColumns.filter((c) => !definitions.some((d) => d.name === c.feature))
  if (missing.length > 0) throw new Error(`${featuresFile}: no feature ${missing.map((c) => `${c.feature} (for ${c.column})`).join(', ')}`)
  return { registry, definitions }
}

export function inFile<T>(file: string, read: () => T): T {
  try {
    return read()
  } catch (error) {
    if (!(error instanceof XiezhiError)) throw error
    throw new Error(`${file}: ${error.message}${error.issues.map((i) => `\n  ${i.pointer || '/'}: ${i.message} (${i.code})`).join('')}`)
  }
}
// ---------------------------------------------------------------------------
// The backfill
// ---------------------------------------------------------------------------

/** Row indexes in TRANSACTION_ID order (the file's own order when it is already sorted). */
export function transactionIdOrder(tx: Transactions): Int32Array {
  const order = new Int32Array(tx.count)
  let sorted = true
  for (let i = 0; i < tx.count; i++) {
    order[i] = i
    if (i > 0 && tx.transactionId[i]! <= tx.transactionId[i - 1]!) sorted = false
  }
  if (!sorted) {
    order.sort((a, b) => tx.transactionId[a]! - tx.transactionId[b]!)
    for (let j = 1; j < tx.count; j++) {
      if (tx.transactionId[order[j]!] === tx.transactionId[order[j - 1]!]) throw new Error(`${transactionsFile}: TRANSACTION_ID ${tx.transactionId[order[j]!]} appears twice`)
    }
  }
  return order
}

/** The engine for the declared features; a card's or terminal's log keeps up to 100,000 entries (the busiest terminal's 37 days hold far fewer). */
export const handbookEngine = (declaration: Declaration) => new FeatureEngine(declaration.definitions, { maxEntriesPerKey: 100_000 })

/**
 * Backfills the declared features over the transactions in [`fromMs`,
 * `untilMs`), taken in `order` (TRANSACTION_ID order), through
 * `engine.observeColumns` in batches: `card.transaction` events as columns
 * (time, card, terminal, amount, label), keyed by the raw card and terminal
 * ids (the server would use blind indexes; any one-to-one key gives the same
 * values). For each row `i` of `tx` that is `wanted`, `take(i, inputs)`
 * receives the book's 15 inputs in `handbookColumns` order, amounts in
 * currency units; `inputs` is reused for the next row. Returns the number of
 * transactions backfilled.
 */
export function backfillInputs(
  engine: FeatureEngine,
  declaration: Declaration,
  tx: Transactions,
  order: Int32Array,
  range: { fromMs: number; untilMs: number },
  wanted: (row: number) => boolean,
  take: (row: number, inputs: Float64Array) => void,
): number {
  const width = handbookColumns.length
  const columnOf = handbookColumns.map((c) => declaration.definitions.findIndex((d) => d.name === c.feature))
  const declared = declaration.definitions.length
  const derive = handbookColumns.map((c) => c.derive)
  const inputs = new Float64Array(width)
  // one batch of columns, refilled from `tx` for every batch
  const times = new Float64Array(batchSize)
  const cards = new Int32Array(batchSize)
  const terminals = new Int32Array(batchSize)
  const amounts = new Float64Array(batchSize)
  const frauds = new Float64Array(batchSize)
  const wants = new Uint8Array(batchSize)
  const batchRows = new Int32Array(batchSize)
  const key = (code: number) => String(code)
  const columns: EventColumns = {
    count: 0,
    type: eventType,
    occurredAtMs: times,
    keys: { bank_card: { codes: cards, keyOf: key }, terminal: { codes: terminals, keyOf: key } },
    numbers: { '/amountMinor': amounts, '/fraud': frauds },
    eventAt: (b) => {
      const i = batchRows[b]!
      const data = { transactionId: tx.transactionId[i]!, customerId: tx.customerId[i]!, terminalId: tx.terminalId[i]!, amountMinor: tx.amountMinor[i]!, fraud: tx.fraud[i]! }
      return { type: eventType, occurredAtMs: times[b]!, data, keys: { bank_card: [key(data.customerId)], terminal: [key(data.terminalId)] } }
    },
  }
  let rows: Float64Array | undefined
  let backfilled = 0
  let n = 0
  const flush = () => {
    columns.count = n
    rows = engine.observeColumns(columns, wants, rows)
    for (let b = 0; b < n; b++) {
      if (wants[b] === 0) continue
      for (let k = 0; k < width; k++) inputs[k] = derive[k]!(rows[b * declared + columnOf[k]!]!)
      take(batchRows[b]!, inputs)
    }
    n = 0
  }
  for (let j = 0; j < tx.count; j++) {
    const i = order[j]!
    const at = tx.occurredAtMs[i]!
    if (at < range.fromMs || at >= range.untilMs) continue
    backfilled++
    times[n] = at
    cards[n] = tx.customerId[i]!
    terminals[n] = tx.terminalId[i]!
    amounts[n] = tx.amountMinor[i]!
    frauds[n] = tx.fraud[i]!
    wants[n] = wanted(i) ? 1 : 0
    batchRows[n] = i
    n++
    if (n === batchSize) flush()
  }
  flush()
  return backfilled
}
