/**
 * Random CEL conditions over random (often hostile) events, through the path a
 * strategy takes: the typed checking environment built from the event's JSON
 * Schema, `compileExpression`, the strategy's value converter, `evaluate`.
 *
 * Asserted for every one of at least 100,000 expressions and contexts:
 * - compiling never throws: an expression compiles or is refused with a code;
 * - evaluating ends with a value or a typed error (cel-js's ParseError,
 *   TypeError, EvaluationError, or Xiezhi's CelRuntimeError), never another
 *   exception, and within 3 s (the cost budget stops it within milliseconds);
 * - where the expression runs as closures, the metered cel-js interpreter
 *   gives the same answer (value for value, or an error for an error).
 *
 * The runs are split between worker threads, one per core (two at most), each
 * with its own seed. The seed is random per run and printed;
 * `XIEZHI_FUZZ_SEED=<seed>` replays a run (a failure prints the exact command
 * for its shard, with fast-check's shrunk counterexample), `XIEZHI_FUZZ_RUNS`
 * changes the count, `XIEZHI_FUZZ_WORKERS` the number of threads.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { availableParallelism } from 'node:os'
import { inspect } from 'node:util'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { Duration, UnsignedInt } from '@marcbachmann/cel-js/evaluator'
import fc from 'fast-check'
import { createCelEnvironment } from '../../src/cel/cel-environment.ts'
import { celLimits } from '../../src/cel/cel-limits.ts'
import { type CelRuntimeError, isTypedCelError } from '../../src/cel/cel-errors.ts'
import { compileExpression, interpreterOf } from '../../src/cel/condition.ts'
import { celSchemaOf, celValueConverter, type JsonSchema } from '../../src/cel/json-schema-to-cel.ts'

const runs = Number(process.env.XIEZHI_FUZZ_RUNS ?? 100_000)
/**
 * The strategies' limits, except a smaller evaluation budget: what is fuzzed is
 * that every evaluation stops with a typed error when the budget runs out, and
 * a default budget spent in full costs ~15 ms, which 100,000 runs cannot
 * afford. `cel-safety.test.ts` runs the worst cases with the default budget.
 */
const limits = celLimits({ evaluation: { maxCost: 20_000 } })
const seed = Number(process.env.XIEZHI_FUZZ_SEED ?? (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0)

// ---------------------------------------------------------------------------
// The strategy's environments, built as compile-strategy.ts builds them
// ---------------------------------------------------------------------------

const dataSchema: JsonSchema = {
  type: 'object',
  properties: {
    amountMinor: { type: 'integer' },
    rate: { type: 'number' },
    name: { type: 'string' },
    note: { type: 'string' },
    flag: { type: 'boolean' },
    tags: { type: 'array', items: { type: 'string' } },
    counts: { type: 'array', items: { type: 'integer' } },
    items: { type: 'array', items: { type: 'object', properties: { sku: { type: 'string' }, price: { type: 'integer' }, qty: { type: 'integer' } } } },
    meta: { type: 'object' },
    blob: {},
  },
}
const eventSchema: JsonSchema = { type: 'object', properties: { id: { type: 'string' }, type: { type: 'string' }, occurredAt: { type: 'string' }, data: dataSchema } }
const intFeatures = ['count7d', 'count30d', 'amountSumMinor30d']
const doubleFeatures = ['avgAmount']
const scoreNames = ['fraud', 'credit']

const checking = createCelEnvironment()
checking.registerVariable({ name: 'event', schema: celSchemaOf(eventSchema) as Record<string, never> })
checking.registerVariable({ name: 'features', schema: Object.fromEntries([...intFeatures.map((n) => [n, 'int']), ...doubleFeatures.map((n) => [n, 'double'])]) })
checking.registerVariable({ name: 'scores', schema: Object.fromEntries(scoreNames.map((n) => [n, 'double'])) })
const runtime = createCelEnvironment().registerVariable('event', 'map').registerVariable('features', 'map').registerVariable('scores', 'map')
const toCelEvent = celValueConverter(eventSchema)

// ---------------------------------------------------------------------------
// Expressions: a typed grammar (most of them type-check), and edge cases
// ---------------------------------------------------------------------------

const pick = <T>(...values: T[]) => fc.constantFrom(...values)
const binary = (left: fc.Arbitrary<string>, ops: string[], right: fc.Arbitrary<string>) => fc.tuple(left, pick(...ops), right).map(([l, op, r]) => `(${l} ${op} ${r})`)
const call = (template: (...args: string[]) => string, ...args: fc.Arbitrary<string>[]) => fc.tuple(...args).map((values) => template(...values))

const intLiteral = fc.oneof(fc.integer({ min: -5, max: 100 }).map(String), fc.bigInt({ min: -(2n ** 63n) + 1n, max: 2n ** 63n - 1n }).map(String), pick('0', '-1', '9223372036854775807', '0x7fffffffffffffff'))
const doubleLiteral = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (Number.isInteger(d) ? d.toFixed(1) : String(d))), pick('0.0', '1e308', '-1.5', '2.5e-10'), fc.tuple(fc.nat(999), pick('', 'e2', 'E-1')).map(([n, e]) => `.${n}${e}`))
const stringLiteral = fc
  .oneof(fc.string({ maxLength: 8 }), fc.string({ unit: 'grapheme', maxLength: 6 }), pick('', 'a', 'ab', ',', 'é', '😀', '\\n', 'ABC', ' x '))
  .map((s) => JSON.stringify(s))
const regexLiteral = fc
  .oneof(
    pick('a*a*b', '(a+)+b', '(a|a)*c', '^[a-z]+@[a-z]+\\\\.com$', '\\\\d{3,}', '(?i)abc', '.*', '^$', '[^a-c]', '\\\\bx\\\\b', 'é+', '\\\\p{Greek}', '(', '\\\\1', '(?=a)', '[z-a]', 'a{1001}', 'a{2,3}?'),
    fc
      .array(fc.tuple(pick('a', 'b', '.', '[ab]', '[^a]', '\\\\d', '\\\\w', '\\\\s', 'é', '(a|b)', '(ab)', '^', '$'), pick('', '', '*', '+', '?', '{2}', '{1,3}', '*?')), { maxLength: 6 })
      .map((parts) => parts.map(([atom, quantifier]) => (atom === '^' || atom === '$' ? atom : atom + quantifier)).join('')),
    fc.array(pick('a', 'b', '.', '*', '+', '?', '|', '(', ')', '[ab]', '\\\\d', '^', '$', '{2}'), { maxLength: 8 }).map((parts) => parts.join('')),
  )
  .map((p) => `'${p}'`)

// ⟨x⟩ and ⟨y⟩ are the iteration variables of a comprehension over ints and over strings: a comprehension
// binds them in its body (`bind`); any left unbound outside become literals (`unbind`)
const intLeaf = fc.oneof(intLiteral, pick('event.data.amountMinor', 'features.count7d', 'features.count30d', 'features.amountSumMinor30d', '⟨x⟩', '⟨x⟩', 'size(event.data.name)', 'event.data.items[0].price'))
const doubleLeaf = fc.oneof(doubleLiteral, pick('event.data.rate', 'features.avgAmount', 'scores.fraud', 'scores.credit'))
const stringLeaf = fc.oneof(stringLiteral, pick('event.data.name', 'event.data.note', 'event.id', 'event.type', '⟨y⟩', '⟨y⟩', 'event.data.items[0].sku'))
const bind = (body: string, variable: 'x' | 'y') => body.replaceAll(`⟨${variable}⟩`, variable)
const unbind = (source: string) => source.replaceAll('⟨x⟩', '7').replaceAll('⟨y⟩', "'y'")
const boolLeaves = ['true', 'false', 'event.data.flag', 'has(event.data.name)', 'has(event.data.meta.k)', 'has(event.data.items)', 'has(event.data.meta.`k-1`)']
const boolLeaf = pick(...boolLeaves)
const listIntLeaf = pick('event.data.counts', 'event.data.items.map(i, i.price)', '[1, 2, 3]', '[]', 'event.data.items.map(i, i.qty)')
const listStringLeaf = pick('event.data.tags', 'event.data.items.map(i, i.sku)', "['a', 'b']", "event.data.name.split(',')")
const dynLeaf = pick('event.data.meta', 'event.data.blob', 'event.data.meta.k', 'event.data.blob[0]', 'dyn(event.data.items)', 'event.data', 'event.data.meta.`k-1`', 'event.data.meta.?`a b`.orValue(0)')

const { bool } = fc.letrec<{ bool: string; int: string; double: string; string: string; listInt: string; listString: string; dyn: string }>((tie) => {
  const options = { depthSize: 'small' as const, withCrossShrink: true, maxDepth: 3 }
  const conditional = (of: fc.Arbitrary<string>) => fc.tuple(tie('bool'), of, of).map(([c, a, b]) => `(${c} ? ${a} : ${b})`)
  return {
    bool: fc.oneof(
      options,
      { weight: 3, arbitrary: boolLeaf },
      binary(tie('int'), ['<', '<=', '>', '>=', '==', '!='], tie('int')),
      binary(tie('double'), ['<', '>', '==', '!='], tie('double')),
      binary(tie('int'), ['<', '>='], tie('double')),
      binary(tie('string'), ['==', '!=', '<', '>'], tie('string')),
      binary(tie('bool'), ['&&', '||'], tie('bool')),
      tie('bool').map((b) => `!${b}`),
      call((s, f, t) => `${s}.${f}(${t})`, tie('string'), pick('startsWith', 'endsWith', 'contains'), tie('string')),
      call((s, p) => `${s}.matches(${p})`, tie('string'), regexLiteral),
      call((s, p) => `${s}.matches(${p})`, tie('string'), tie('string')),
      call((a, l) => `(${a} in ${l})`, tie('int'), tie('listInt')),
      call((a, l) => `(${a} in ${l})`, tie('string'), tie('listString')),
      call((a) => `(${a} in event.data.meta)`, tie('string')),
      call((l, m, b) => `${l}.${m}(x, ${bind(b, 'x')})`, tie('listInt'), pick('all', 'exists', 'exists_one'), tie('bool')),
      call((l, m, b) => `${l}.${m}(y, ${bind(b, 'y')})`, tie('listString'), pick('all', 'exists', 'exists_one'), tie('bool')),
      call((a, b) => `(${a} == ${b})`, tie('dyn'), tie('dyn')),
      conditional(tie('bool')),
    ),
    int: fc.oneof(
      options,
      { weight: 8, arbitrary: intLeaf },
      binary(tie('int'), ['+', '-', '*', '/', '%'], tie('int')),
      tie('int').map((i) => `-${i}`),
      call((s) => `size(${s})`, tie('string')),
      call((l) => `${l}.size()`, tie('listInt')),
      call((d) => `int(${d})`, tie('double')),
      call((s) => `int(${s})`, tie('string')),
      call((s, t) => `${s}.indexOf(${t})`, tie('string'), tie('string')),
      call((l, i) => `${l}[${i}]`, tie('listInt'), tie('int')),
      conditional(tie('int')),
    ),
    double: fc.oneof(options, { weight: 4, arbitrary: doubleLeaf }, binary(tie('double'), ['+', '-', '*', '/'], tie('double')), call((i) => `double(${i})`, tie('int')), conditional(tie('double'))),
    string: fc.oneof(
      options,
      { weight: 8, arbitrary: stringLeaf },
      binary(tie('string'), ['+'], tie('string')),
      call((s, f) => `${s}.${f}()`, tie('string'), pick('lowerAscii', 'upperAscii', 'trim', 'reverse')),
      call((s, i) => `${s}.substring(${i})`, tie('string'), tie('int')),
      call((s, i) => `${s}.charAt(${i})`, tie('string'), tie('int')),
      call((s, a, b) => `${s}.replace(${a}, ${b})`, tie('string'), tie('string'), tie('string')),
      call((i) => `string(${i})`, tie('int')),
      call((d) => `string(${d})`, tie('double')),
      call((l, s) => `${l}.join(${s})`, tie('listString'), tie('string')),
      conditional(tie('string')),
    ),
    listInt: fc.oneof(
      options,
      { weight: 4, arbitrary: listIntLeaf },
      binary(tie('listInt'), ['+'], tie('listInt')),
      call((l, b) => `${l}.filter(x, ${bind(b, 'x')})`, tie('listInt'), tie('bool')),
      call((l, i) => `${l}.map(x, ${bind(i, 'x')})`, tie('listInt'), tie('int')),
      call((a, b) => `[${a}, ${b}]`, tie('int'), tie('int')),
      call((a, b) => `[?optional.of(${a}), ?optional.none(), ${b}]`, tie('int'), tie('int')),
    ),
    listString: fc.oneof(
      options,
      { weight: 4, arbitrary: listStringLeaf },
      call((s, t) => `${s}.split(${t})`, tie('string'), tie('string')),
      call((l, s) => `${l}.map(y, ${bind(s, 'y')})`, tie('listString'), tie('string')),
      call((l, b) => `${l}.filter(y, ${bind(b, 'y')})`, tie('listString'), tie('bool')),
    ),
    dyn: fc.oneof(options, { weight: 4, arbitrary: dynLeaf }, tie('listInt'), tie('string'), tie('int'), call((l) => `dyn(${l})`, tie('listString'))),
  }
})

/** What no grammar would write: token soup, and expressions at and beyond every compile-time bound. */
const edgeExpression = fc.oneof(
  fc.array(pick('(', ')', '[', ']', '{', '}', '.', ',', ':', '?', '!', '-', '+', '*', '&&', '||', '==', 'in', 'x', 'event', 'data', '1', '"s"', "b'\\xff'", 'has', 'size', '.all', '.map', 'cel.bind', ' ', '.5', '[?', '{?', '.`a-b`', "br'x'", '`', "'.5'", '//'), { maxLength: 30 }).map((t) => t.join('')),
  fc.integer({ min: 1, max: 2_500 }).map((n) => `${'1 + '.repeat(n)}1 > 0`),
  fc.integer({ min: 1, max: 100 }).map((n) => `${'('.repeat(n)}true${')'.repeat(n)}`),
  fc.integer({ min: 1, max: 300 }).map((n) => `${'!'.repeat(n)}true`),
  fc.integer({ min: 1, max: 50 }).map((n) => `${'[x, '.repeat(n)}1${']'.repeat(n)} == []`),
  fc.integer({ min: 1, max: 1_500 }).map((n) => `event.data.name == "${'é'.repeat(n)}"`),
  fc.integer({ min: 1, max: 700 }).map((n) => `features.count7d in [${Array.from({ length: n }, (_, i) => i).join(', ')}]`),
  fc.integer({ min: 1, max: 4 }).map((n) => `${'event.data.counts.exists(x, '.repeat(n)}x > 0${')'.repeat(n)}`),
  pick('99999999999999999999 > 1', '-9223372036854775808 < 0', '9223372036854775808u > 1u', "'a'.matches('(a')", 'cel.bind(a, event.data.note, cel.bind(b, a + a, cel.bind(c, b + b, size(c + c + c + c) > 0)))'),
)

// a bare leaf at the top would repeat itself thousands of times
const expression = fc.oneof({ weight: 19, arbitrary: bool.filter((e) => !boolLeaves.includes(e)).map(unbind) }, { weight: 1, arbitrary: edgeExpression })

// ---------------------------------------------------------------------------
// Contexts: JSON events (numbers as JSON has them), mostly of the schema's shape
// ---------------------------------------------------------------------------

const hugeNumber = pick(2 ** 53, 2 ** 53 + 2, 2 ** 63, -(2 ** 63), 1e300, -1e300, 9.2e18, Number.MAX_SAFE_INTEGER)
const jsonInteger = fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.maxSafeInteger(), hugeNumber)
const jsonNumber = fc.oneof(jsonInteger, fc.double({ noNaN: true, noDefaultInfinity: true }))
const longString = pick('a'.repeat(65_536), '😀'.repeat(16_000), 'ab,'.repeat(20_000), `${' '.repeat(30_000)}x`, 'é'.repeat(40_000))
const text = fc.oneof({ weight: 20, arbitrary: fc.string({ maxLength: 20 }) }, { weight: 9, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) }, { weight: 1, arbitrary: longString })
const deeplyNested = fc.tuple(fc.integer({ min: 1, max: 5_000 }), fc.boolean()).map(([depth, asList]) => {
  let value: unknown = 1
  for (let i = 0; i < depth; i++) value = asList ? [value] : { k: value }
  return value
})
const { json } = fc.letrec<{ json: unknown }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    jsonNumber,
    text,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('json'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(pick('k', 'name', '__proto__', 'constructor'), fc.string({ maxLength: 4 })), tie('json'), { maxKeys: 4, noNullPrototype: true }),
  ),
}))
/** Usually a value of the schema's type; sometimes anything (the converter and the rules must cope). */
const shaped = <T>(typed: fc.Arbitrary<T>) => fc.oneof({ weight: 9, arbitrary: typed }, { weight: 1, arbitrary: json })
// as JSON.parse makes them: plain objects (`__proto__` and `constructor` can still be keys)
const item = fc.record({ sku: shaped(text), price: shaped(jsonInteger), qty: shaped(jsonInteger) }, { requiredKeys: [], noNullPrototype: true })
const data = fc.record(
  {
    amountMinor: shaped(jsonInteger),
    rate: shaped(jsonNumber),
    name: shaped(text),
    note: shaped(text),
    flag: shaped(fc.boolean()),
    tags: shaped(fc.array(text, { maxLength: 8 })),
    counts: shaped(fc.oneof({ weight: 19, arbitrary: fc.array(jsonInteger, { maxLength: 20 }) }, { weight: 1, arbitrary: fc.constant(Array.from({ length: 5_000 }, (_, i) => i)) })),
    items: shaped(fc.array(item, { maxLength: 6 })),
    meta: shaped(fc.oneof({ weight: 9, arbitrary: fc.dictionary(fc.string({ maxLength: 3 }), json, { maxKeys: 6, noNullPrototype: true }) }, { weight: 1, arbitrary: deeplyNested })),
    blob: fc.oneof({ weight: 9, arbitrary: json }, { weight: 1, arbitrary: deeplyNested }),
  },
  { requiredKeys: [], noNullPrototype: true },
)
const integerValue = fc.oneof(fc.integer({ min: 0, max: 10_000 }), pick(2 ** 53, 1e300, -1))
const context = fc.record({
  data,
  features: fc.record(Object.fromEntries([...intFeatures.map((n) => [n, integerValue]), ...doubleFeatures.map((n) => [n, jsonNumber])])),
  scores: fc.record(Object.fromEntries(scoreNames.map((n) => [n, fc.double({ min: 0, max: 1, noNaN: true })]))),
})

/** As Strategy.decide builds it: the event through the schema's converter, int features as BigInt, double ones as numbers. */
function celContext(raw: { data: unknown; features: Record<string, number>; scores: Record<string, number> }) {
  const features: Record<string, bigint | number> = {}
  for (const [name, value] of Object.entries(raw.features)) features[name] = doubleFeatures.includes(name) ? value : BigInt(value)
  return { event: toCelEvent({ id: 'evt-1', type: 'fuzz.event', occurredAt: '2026-01-01T00:00:00Z', data: raw.data }), features, scores: raw.scores }
}

// ---------------------------------------------------------------------------
// The property
// ---------------------------------------------------------------------------

type Outcome = { value: unknown } | { error: unknown }

function outcome(run: () => unknown): Outcome {
  try {
    return { value: run() }
  } catch (error) {
    return { error }
  }
}

const show = (o: Outcome) => ('error' in o ? describe(o.error) : inspect(o.value, { depth: 3, maxArrayLength: 5, maxStringLength: 80 }))
const describe = (error: unknown) => (error instanceof Error ? `${error.name} (${(error as { code?: string }).code ?? 'no code'}): ${error.message.split('\n')[0]}` : String(error))
const costExceeded = (o: Outcome) => 'error' in o && (o.error as CelRuntimeError)?.code === 'cel_cost_exceeded'

/** CEL values as cel-js returns them, compared structurally (NaN equals NaN). */
function sameValue(a: unknown, b: unknown, depth = 0): boolean {
  if (a === b) return true
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b)
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || depth > 200) return false
  if (a instanceof UnsignedInt || b instanceof UnsignedInt) return a instanceof UnsignedInt && b instanceof UnsignedInt && a.valueOf() === b.valueOf()
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime()
  if (a instanceof Duration || b instanceof Duration) return a instanceof Duration && b instanceof Duration && String(a) === String(b)
  if (a instanceof Uint8Array || b instanceof Uint8Array) return a instanceof Uint8Array && b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i])
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i], depth + 1))
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], depth + 1))
}

interface Shard {
  runs: number
  seed: number
}

interface ShardResult {
  shard: Shard
  failure?: string
  seconds: number
  distinct: string[]
  refused: [string, number][]
  values: number
  errors: [string, number][]
  closures: number
  compared: number
  slowestMs: number
}

/** One fast-check run of `shard.runs` expressions from `shard.seed`: in a worker, or in the test's thread. */
function runShard(shard: Shard): ShardResult {
  const distinct = new Set<string>()
  const refused = new Map<string, number>()
  const errors = new Map<string, number>()
  const stats = { values: 0, closures: 0, compared: 0, slowestMs: 0 }
  const bump = (m: Map<string, number>, key: string) => m.set(key, (m.get(key) ?? 0) + 1)
  const started = performance.now()
  let failure: string | undefined
  try {
    fc.assert(
      fc.property(expression, context, (source, raw) => {
        distinct.add(source)
        let compiled: ReturnType<typeof compileExpression>
        try {
          compiled = compileExpression(source, checking, runtime, { limits })
        } catch (error) {
          assert.fail(`compiling threw instead of refusing: ${describe(error)}\n  source: ${source.slice(0, 300)}`)
        }
        if ('ok' in compiled) return void bump(refused, compiled.code)
        const values = celContext(raw as Parameters<typeof celContext>[0])
        const began = performance.now()
        const actual = outcome(() => compiled.evaluate(values))
        const ms = performance.now() - began
        stats.slowestMs = Math.max(stats.slowestMs, ms)
        // the budget stops an evaluation within milliseconds; seconds would mean a hang (with room for a loaded machine)
        assert.ok(ms < 3_000, `an evaluation took ${ms.toFixed(0)} ms\n  source: ${source}`)
        if ('error' in actual) {
          assert.ok(isTypedCelError(actual.error), `untyped error ${describe(actual.error)}\n  source: ${source}`)
          bump(errors, `${(actual.error as Error).name}:${(actual.error as { code?: string }).code}`)
        } else stats.values++
        const reference = interpreterOf(compiled)!
        if (!reference.compiledToClosures) return
        stats.closures++
        const expected = outcome(() => reference.interpret(values))
        if ('error' in expected) assert.ok(isTypedCelError(expected.error), `untyped interpreter error ${describe(expected.error)}\n  source: ${source}`)
        if (costExceeded(actual) || costExceeded(expected)) return // closures and the interpreter spend differently
        stats.compared++
        const agree = 'error' in expected ? 'error' in actual : 'value' in actual && sameValue(expected.value, actual.value)
        if (!agree) assert.fail(`closures and the interpreter disagree\n  source: ${source}\n  interpreter: ${show(expected)}\n  closures: ${show(actual)}`)
      }),
      { numRuns: shard.runs, seed: shard.seed },
    )
  } catch (error) {
    // fast-check's report has the shrunk counterexample, its seed and path; add the failure and how to replay the shard
    const cause = (error as Error).cause instanceof Error ? `\nFailure: ${((error as Error).cause as Error).message}` : ''
    failure = `${(error as Error).message}${cause}\nReplay: XIEZHI_FUZZ_SEED=${shard.seed} XIEZHI_FUZZ_RUNS=${shard.runs} XIEZHI_FUZZ_WORKERS=1 node --import tsx --test test/cel/cel-fuzz.test.ts`
  }
  return { shard, failure, seconds: (performance.now() - started) / 1000, distinct: [...distinct], refused: [...refused], errors: [...errors], ...stats }
}

function runInWorker(shard: Shard): Promise<ShardResult> {
  return new Promise((resolve, reject) => {
    // a worker starts without the tsx loader the test runs under: register it, then load this file
    const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}) })`
    const worker = new Worker(bootstrap, { eval: true, workerData: shard })
    worker.once('message', resolve)
    worker.once('error', reject)
    worker.once('exit', (code) => code !== 0 && reject(new Error(`fuzz worker exited with ${code}`)))
  })
}

/** Shards run in parallel, one per core (two on the 2-core CI machine); each has its own seed. */
const workers = Math.max(1, Number(process.env.XIEZHI_FUZZ_WORKERS ?? Math.min(2, availableParallelism())))

if (!isMainThread) parentPort!.postMessage(runShard(workerData as Shard))
else {
  test(`CEL fuzz: ${runs} random conditions over random events (seed ${seed})`, { timeout: 600_000 }, async (t) => {
    const shards = Array.from({ length: workers }, (_, i) => ({ runs: Math.floor(runs / workers) + (i < runs % workers ? 1 : 0), seed: (seed + i) >>> 0 }))
    const started = performance.now()
    const results = workers === 1 ? [runShard(shards[0]!)] : await Promise.all(shards.map(runInWorker))
    const failures = results.flatMap((r) => (r.failure ? [r.failure] : []))
    if (failures.length > 0) assert.fail(failures.join('\n\n'))
    const total = (entries: [string, number][][]) => {
      const sums = new Map<string, number>()
      for (const [key, n] of entries.flat()) sums.set(key, (sums.get(key) ?? 0) + n)
      return sums
    }
    const refused = total(results.map((r) => r.refused))
    const errors = total(results.map((r) => r.errors))
    const sum = (pick: (r: ShardResult) => number) => results.reduce((a, r) => a + pick(r), 0)
    const refusedCount = [...refused.values()].reduce((a, b) => a + b, 0)
    const compared = sum((r) => r.compared)
    t.diagnostic(
      `seeds ${shards.map((s) => s.seed).join(', ')} (${workers} worker${workers > 1 ? 's' : ''}): ${runs} expressions (${new Set(results.flatMap((r) => r.distinct)).size} distinct) in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
        `refused at compile time ${refusedCount} (${[...refused].map(([k, v]) => `${k} ${v}`).join(', ')}); ` +
        `evaluated ${runs - refusedCount}: ${sum((r) => r.values)} values, errors ${[...errors].map(([k, v]) => `${k} ${v}`).join(', ')}; ` +
        `closures ${sum((r) => r.closures)}, compared with the interpreter ${compared}; slowest evaluation ${Math.max(...results.map((r) => r.slowestMs)).toFixed(1)} ms`,
    )
    assert.ok(runs - refusedCount > runs / 2, 'most expressions should compile, or the fuzz tests little')
    assert.ok(compared > runs / 20, 'closures were compared too rarely')
  })
}
