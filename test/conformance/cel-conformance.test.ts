/**
 * Runs Google's cel-spec "simple" conformance suite against Xiezhi's CEL layer,
 * one node:test per suite file: each case takes the path a strategy condition
 * takes (`compileExpression` over `createCelEnvironment()`: bounds, parse,
 * type-check, closures, cost budget; then `evaluate`). Each file's test prints
 * its passed / failed / skipped figures; `CEL_CONFORMANCE_VERBOSE=1` also prints
 * what every known disagreement answered.
 *
 * Every case either runs, or is skipped by a rule in `skipRules` (it tests
 * something Xiezhi does not use), or is listed in `knownDisagreements` (it applies,
 * and cel-js answers differently). A file's test fails when a case outside
 * `knownDisagreements` fails, when a listed case passes (so the list cannot go
 * stale), or when a list entry or rule matches nothing.
 *
 * See docs/reference/cel-conformance.md for the figures and the reasoning.
 */
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { after, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { TypeError as CelTypeError, type Environment, EvaluationError } from '@marcbachmann/cel-js'
import { Duration, UnsignedInt } from '@marcbachmann/cel-js/evaluator'
import { createCelEnvironment } from '../../src/cel/cel-environment.ts'
import { CelRuntimeError } from '../../src/cel/cel-errors.ts'
import { compileExpression } from '../../src/cel/condition.ts'
import {
  celValuesEqual,
  exprValueToCel,
  formatCelValue,
  messageField,
  type SimpleTest,
  type SimpleTestFile,
  readSimpleTestFile,
  stringField,
  type TextMessage,
  toCelTypeName,
  toCelValue,
} from './cel-textproto.ts'

// The suite lives outside the repository (see its README); CEL_CONFORMANCE_DIR overrides the location.
const suiteDir =
  process.env.CEL_CONFORMANCE_DIR ?? fileURLToPath(new URL('../../../shared/data/cel-conformance/', import.meta.url))

// ---------------------------------------------------------------------------
// Rule tables
// ---------------------------------------------------------------------------

/** Where a case sits: `file` is the file name without `.textproto`. */
interface CaseRef {
  file: string
  section: string
  test: SimpleTest
}

interface SkipRule {
  /** `file`, `file/section`, or `* (<what the predicate looks for>)`. */
  scope: string
  reason: string
  applies(c: CaseRef): boolean
}

const fileRule = (file: string, reason: string): SkipRule => ({
  scope: file,
  reason,
  applies: (c) => c.file === file,
})

const sectionRule = (file: string, section: string, reason: string): SkipRule => ({
  scope: `${file}/${section}`,
  reason,
  applies: (c) => c.file === file && c.section === section,
})

const contentRule = (what: string, reason: string, applies: (t: SimpleTest) => boolean): SkipRule => ({
  scope: `* (${what})`,
  reason,
  applies: (c) => applies(c.test),
})

/** Skipped: cases testing features Xiezhi does not use. The first matching rule is reported. */
const skipRules: SkipRule[] = [
  fileRule('dynamic', 'protobuf wrapper, Any, Struct/Value and message-field conversions; Xiezhi contexts are JSON'),
  fileRule(
    'macros2',
    'two-variable comprehensions extension (all(i, v, ...), transformList, ...): cel-js lacks it and Xiezhi does not add it (conditions iterate lists with all/exists/map/filter)',
  ),
  fileRule(
    'math_ext',
    'math extension library (math.greatest, math.ceil, bit operations, ...): cel-js lacks it and Xiezhi does not add it',
  ),
  sectionRule('comparisons', 'eq_wrapper', 'equality of protobuf wrapper types on message fields'),
  contentRule(
    'protobuf messages',
    'builds, binds or expects protobuf messages or enums; Xiezhi contexts are JSON',
    usesProtobufMessages,
  ),
  contentRule(
    'container',
    'resolves names inside a container (namespace); Xiezhi sets no container',
    (t) => t.container !== '',
  ),
  contentRule(
    'dotted variable name',
    'declares a qualified variable such as `a.b`; Xiezhi variables are plain identifiers',
    (t) => t.bindings.some((b) => b.name.includes('.')) || declaredNames(t).some((name) => name.includes('.')),
  ),
  contentRule(
    'custom function declaration',
    'declares host functions the suite gives only as signatures, with no implementation to evaluate (fn, and tuple/sort over abstract types such as tuple<T, U, V>, which cel-js cannot declare)',
    (t) => t.typeEnv.some((decl) => messageField(decl, 'function') !== undefined),
  ),
  contentRule(
    'string format',
    'calls string.format (cel-go strings extension), which Xiezhi does not provide: reasons are the strategy\'s zh/en messages, not text built in CEL',
    (t) => /\.format\(/.test(t.expr),
  ),
]

// Message names from the suite's test protos and google.protobuf types other than Timestamp/Duration.
const protobufNames =
  /\b(TestAllTypes|NestedTestAllTypes|TestRequired|GlobalEnum|NestedEnum|google\.protobuf\.(?!Timestamp\b|Duration\b)[A-Z]\w*)/
const wellKnownTypeUrls = new Set([
  'type.googleapis.com/google.protobuf.Duration',
  'type.googleapis.com/google.protobuf.Timestamp',
])

function usesProtobufMessages(t: SimpleTest): boolean {
  const protoContainer = t.container.startsWith('cel.expr.conformance.') || t.container === 'google.protobuf'
  return protoContainer || protobufNames.test(t.expr) || containsMessagePayload(t.raw)
}

/** True when any `object_value` payload or declared `message_type` is a message cel-js cannot model. */
function containsMessagePayload(message: TextMessage): boolean {
  return message.fields.some(({ name, value }) => {
    if (name === 'message_type' && value.kind === 'bytes')
      return protobufNames.test(new TextDecoder().decode(value.bytes))
    if (name.startsWith('type.googleapis.com/') && !wellKnownTypeUrls.has(name)) return true
    return value.kind === 'message' && containsMessagePayload(value)
  })
}

function declaredNames(t: SimpleTest): string[] {
  return t.typeEnv.map((decl) => stringField(decl, 'name') ?? '')
}

/** Why cel-js disagrees; one line each, shared by the cases below. */
const because = {
  timestampPrecision: 'timestamps are JS Dates: millisecond precision, so nanoseconds are lost',
} as const

/** Applicable cases where cel-js disagrees with the spec, keyed `file/section/test`. */
const knownDisagreements: Record<string, string> = {
  'timestamps/timestamp_conversions/toString_timestamp_nanos': because.timestampPrecision,
  'timestamps/timestamp_arithmetic/add_time_to_duration_nanos_positive': because.timestampPrecision,
  'timestamps/timestamp_range/add_duration_nanos_over': because.timestampPrecision,
}

// ---------------------------------------------------------------------------
// Running one case
// ---------------------------------------------------------------------------

type Outcome =
  | { kind: 'value'; value: unknown }
  | { kind: 'type'; deducedType: string }
  | { kind: 'error'; phase: 'compile' | 'eval'; error: unknown }

// One base environment; each case clones it so its variable declarations stay private.
const baseEnvironment: Environment = createCelEnvironment()

/** Runs one case; returns undefined when it passed, otherwise what differed. */
function runCase(t: SimpleTest): string | undefined {
  try {
    const { outcome, deducedType } = evaluateCase(t)
    return mismatchOf(t, outcome, deducedType)
  } catch (error) {
    // A harness problem (e.g. an expectation we cannot convert) is a failure, never a pass.
    return `harness: ${describeError(error)}`
  }
}

/**
 * The platform's own path, as a strategy condition takes it: `compileExpression`
 * (bounds, parse, type-check unless `disable_check`, closures, cost budget),
 * then `evaluate` unless `check_only`. The case's environment serves for both
 * checking and evaluation.
 */
function evaluateCase(t: SimpleTest): { outcome: Outcome; deducedType?: string } {
  const env = environmentFor(t)
  const context = contextFor(t)
  const compiled = compileExpression(t.expr, env, env, { typeCheck: !t.disableCheck })
  if ('ok' in compiled) return { outcome: { kind: 'error', phase: 'compile', error: new Error(`${compiled.code}: ${compiled.message}`) } }
  const deducedType = t.disableCheck ? undefined : normalizeDeducedType(compiled.type)
  if (t.checkOnly) return { outcome: { kind: 'type', deducedType: deducedType ?? '' } }
  try {
    return { outcome: { kind: 'value', value: compiled.evaluate(context) }, deducedType }
  } catch (error) {
    return { outcome: { kind: 'error', phase: 'eval', error }, deducedType }
  }
}

/**
 * Declares the case's variables: the `type_env` type when given, otherwise the
 * type of the bound value (or `dyn`).
 */
function environmentFor(t: SimpleTest): Environment {
  const env = baseEnvironment.clone()
  const declared = new Set<string>()
  for (const decl of t.typeEnv) {
    const ident = messageField(decl, 'ident')
    const name = stringField(decl, 'name') ?? ''
    if (!ident) continue
    env.registerVariable(name, toCelTypeName(messageField(ident, 'type') ?? emptyMessage))
    declared.add(name)
  }
  for (const binding of t.bindings) {
    if (declared.has(binding.name)) continue
    env.registerVariable(binding.name, typeOfValue(exprValueToCel(binding.value)))
  }
  return env
}

const emptyMessage: TextMessage = { kind: 'message', fields: [] }

function contextFor(t: SimpleTest): Record<string, unknown> {
  return Object.fromEntries(t.bindings.map((b) => [b.name, exprValueToCel(b.value)]))
}

function typeOfValue(value: unknown): string {
  switch (typeof value) {
    case 'bigint':
      return 'int'
    case 'number':
      return 'double'
    case 'string':
      return 'string'
    case 'boolean':
      return 'bool'
  }
  if (value instanceof UnsignedInt) return 'uint'
  if (value instanceof Uint8Array) return 'bytes'
  if (value instanceof Date) return 'google.protobuf.Timestamp'
  if (value instanceof Duration) return 'google.protobuf.Duration'
  return 'dyn'
}

// cel-js reports list<dyn> and map<dyn, dyn> by their short names.
function normalizeDeducedType(type: string): string {
  if (type === 'list') return 'list<dyn>'
  if (type === 'map') return 'map<dyn, dyn>'
  return type
}

function mismatchOf(t: SimpleTest, outcome: Outcome, deducedType: string | undefined): string | undefined {
  const expectation = t.expectation
  switch (expectation.kind) {
    case 'value':
      return valueMismatch(toCelValue(expectation.value), outcome)
    case 'typed': {
      const wanted = expectation.deducedType ? toCelTypeName(expectation.deducedType) : undefined
      const got = outcome.kind === 'type' ? outcome.deducedType : deducedType
      if (outcome.kind === 'error') return `expected type ${wanted}, got ${describeOutcome(outcome)}`
      if (wanted !== undefined && wanted !== got) return `expected type ${wanted}, got type ${got}`
      if (outcome.kind === 'value' && expectation.value) return valueMismatch(toCelValue(expectation.value), outcome)
      return undefined
    }
    case 'error':
      // Error texts are implementation-specific; the harnesses only require that evaluation fails.
      // A JavaScript exception (RangeError, ...) is a crash, not a CEL error, so it does not count.
      if (outcome.kind === 'error' && outcome.phase === 'eval' && isCelError(outcome.error)) return undefined
      return `expected an evaluation error, got ${describeOutcome(outcome)}`
    case 'unknown':
      return 'expected an unknown result (partial evaluation), which cel-js does not support'
  }
}

function valueMismatch(expected: unknown, outcome: Outcome): string | undefined {
  if (outcome.kind === 'value' && celValuesEqual(expected, outcome.value)) return undefined
  return `expected ${formatCelValue(expected)}, got ${describeOutcome(outcome)}`
}

function describeOutcome(outcome: Outcome): string {
  switch (outcome.kind) {
    case 'value':
      return formatCelValue(outcome.value)
    case 'type':
      return `type ${outcome.deducedType}`
    case 'error':
      return `${outcome.phase} error: ${describeError(outcome.error)}`
  }
}

// cel-js raises its own TypeError at evaluation when the implicit runtime check fails; Xiezhi's layer a CelRuntimeError.
function isCelError(error: unknown): boolean {
  return error instanceof EvaluationError || error instanceof CelTypeError || error instanceof CelRuntimeError
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  return `${error.name}: ${error.message.split('\n')[0]}`
}

// ---------------------------------------------------------------------------
// One node:test per file
// ---------------------------------------------------------------------------

const totals = { files: 0, cases: 0, applicable: 0, passed: 0, skipped: 0, known: 0 }
const ruleUses = new Map<SkipRule, number>(skipRules.map((rule) => [rule, 0]))
const seenKnown = new Set<string>()
/** Per file: passed, failed (every failure is a listed known disagreement, or the test fails), skipped by rule. */
const perFile = new Map<string, { cases: number; passed: number; failed: number; skipped: number; skipReasons: Map<string, number> }>()

function suiteFiles(): string[] {
  assert.ok(existsSync(suiteDir), `CEL conformance data not found at ${suiteDir} (set CEL_CONFORMANCE_DIR)`)
  return readdirSync(suiteDir)
    .filter((name) => name.endsWith('.textproto'))
    .sort()
}

function* casesOf(fileStem: string, file: SimpleTestFile): Generator<CaseRef> {
  for (const section of file.sections) {
    for (const t of section.tests) yield { file: fileStem, section: section.name, test: t }
  }
}

function checkFile(fileName: string): typeof figures {
  const stem = fileName.replace(/\.textproto$/, '')
  const file = readSimpleTestFile(readFileSync(`${suiteDir}/${fileName}`, 'utf8'))
  const unexpectedFailures: string[] = []
  const unexpectedPasses: string[] = []
  const figures = { cases: 0, passed: 0, failed: 0, skipped: 0, skipReasons: new Map<string, number>() }
  totals.files++
  for (const c of casesOf(stem, file)) {
    totals.cases++
    figures.cases++
    const rule = skipRules.find((r) => r.applies(c))
    if (rule) {
      ruleUses.set(rule, (ruleUses.get(rule) ?? 0) + 1)
      totals.skipped++
      figures.skipped++
      figures.skipReasons.set(rule.reason, (figures.skipReasons.get(rule.reason) ?? 0) + 1)
      continue
    }
    const key = `${c.file}/${c.section}/${c.test.name}`
    const mismatch = runCase(c.test)
    totals.applicable++
    if (mismatch === undefined) {
      totals.passed++
      figures.passed++
    } else figures.failed++
    if (key in knownDisagreements) {
      if (process.env.CEL_CONFORMANCE_VERBOSE && mismatch !== undefined) console.log(`${key} | ${c.test.expr} | ${mismatch}`)
      seenKnown.add(key)
      totals.known++
      if (mismatch === undefined) unexpectedPasses.push(`  ${key}: now passes, remove it from knownDisagreements`)
    } else if (mismatch !== undefined) {
      unexpectedFailures.push(`  ${key}\n      expr: ${c.test.expr}\n      ${mismatch}`)
    }
  }
  perFile.set(stem, figures)
  const problems = [...unexpectedFailures, ...unexpectedPasses]
  assert.equal(
    problems.length,
    0,
    `${fileName}: ${problems.length} case(s) disagree with the tables:\n${problems.join('\n')}`,
  )
  return figures
}

const describeFigures = (stem: string, f: { cases: number; passed: number; failed: number; skipped: number; skipReasons: Map<string, number> }) => {
  const reasons = [...f.skipReasons].map(([reason, n]) => `${n}: ${reason}`).join('; ')
  return `${stem}: ${f.cases} cases, ${f.passed} passed, ${f.failed} failed (known disagreements), ${f.skipped} skipped${reasons ? ` (${reasons})` : ''}`
}

for (const fileName of suiteFiles()) {
  test(`CEL conformance: ${fileName}`, (t) => {
    const figures = checkFile(fileName)
    // printed during `npm test`: what passes, what fails and what is skipped, and why
    t.diagnostic(describeFigures(fileName.replace(/\.textproto$/, ''), figures))
  })
}

test('CEL conformance: rule tables have no dead entries', (t) => {
  // Only meaningful after every file ran (not under --test-name-pattern).
  if (totals.files !== suiteFiles().length) return t.skip('not every suite file ran')
  const deadRules = skipRules.filter((rule) => ruleUses.get(rule) === 0).map((rule) => rule.scope)
  const deadKnown = Object.keys(knownDisagreements).filter((key) => !seenKnown.has(key))
  assert.deepEqual({ deadRules, deadKnown }, { deadRules: [], deadKnown: [] }, 'remove entries that match no case')
})

after(() => {
  const { files, cases, applicable, passed, skipped, known } = totals
  const lines = [...perFile].map(([stem, f]) => `  ${stem.padEnd(15)} ${String(f.passed).padStart(4)} passed ${String(f.failed).padStart(4)} failed ${String(f.skipped).padStart(4)} skipped`)
  console.log(
    `CEL conformance: ${files} files, ${cases} cases: ${applicable} applicable, ${passed} passed, ` +
      `${known} failed (known disagreements, each with its reason), ${skipped} skipped by rule (each with its reason)\n${lines.join('\n')}`,
  )
})
