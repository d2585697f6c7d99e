/**
 * Runs Google's cel-spec "simple" conformance suite against Xiezhi's CEL dialect
 * (`createCelEnvironment()`), one node:test per suite file.
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
import { createCelEnvironment } from '../../src/strategy/cel/cel-environment.ts'
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
  fileRule('macros2', 'two-variable comprehensions extension (all(i, v, ...), transformList, ...) is not enabled'),
  fileRule('math_ext', 'math extension library (math.greatest, math.ceil, bit operations, ...) is not enabled'),
  sectionRule('comparisons', 'eq_wrapper', 'equality of protobuf wrapper types on message fields'),
  contentRule('protobuf messages', 'builds, binds or expects protobuf messages or enums; Xiezhi contexts are JSON', usesProtobufMessages),
  contentRule('container', 'resolves names inside a container (namespace); Xiezhi sets no container', (t) => t.container !== ''),
  contentRule('dotted variable name', 'declares a qualified variable such as `a.b`; Xiezhi variables are plain identifiers', (t) =>
    t.bindings.some((b) => b.name.includes('.')) || declaredNames(t).some((name) => name.includes('.')),
  ),
  contentRule('custom function declaration', 'declares host functions (fn, tuple, sort) the suite gives only as signatures', (t) =>
    t.typeEnv.some((decl) => messageField(decl, 'function') !== undefined),
  ),
  contentRule('string extension function', 'calls charAt/replace/format/reverse/strings.quote, which the environment does not provide', (t) =>
    /\.(charAt|replace|format|reverse)\(|\bstrings\.quote\(/.test(t.expr),
  ),
]

// Message names from the suite's test protos and google.protobuf types other than Timestamp/Duration.
const protobufNames = /\b(TestAllTypes|NestedTestAllTypes|TestRequired|GlobalEnum|NestedEnum|google\.protobuf\.(?!Timestamp\b|Duration\b)[A-Z]\w*)/
const wellKnownTypeUrls = new Set([
  'type.googleapis.com/google.protobuf.Duration',
  'type.googleapis.com/google.protobuf.Timestamp',
])

function usesProtobufMessages(t: SimpleTest): boolean {
  return protobufNames.test(t.expr) || protobufNames.test(t.container) || containsMessagePayload(t.raw)
}

/** True when any `object_value` payload or declared `message_type` is a message cel-js cannot model. */
function containsMessagePayload(message: TextMessage): boolean {
  return message.fields.some(({ name, value }) => {
    if (name === 'message_type' && value.kind === 'bytes') return protobufNames.test(new TextDecoder().decode(value.bytes))
    if (name.startsWith('type.googleapis.com/') && !wellKnownTypeUrls.has(name)) return true
    return value.kind === 'message' && containsMessagePayload(value)
  })
}

function declaredNames(t: SimpleTest): string[] {
  return t.typeEnv.map((decl) => stringField(decl, 'name') ?? '')
}

/** Applicable cases where cel-js disagrees with the spec, keyed `file/section/test`. */
const knownDisagreements: Record<string, string> = {}

// ---------------------------------------------------------------------------
// Running one case
// ---------------------------------------------------------------------------

type Outcome =
  | { kind: 'value'; value: unknown }
  | { kind: 'type'; deducedType: string }
  | { kind: 'error'; phase: 'parse' | 'check' | 'eval'; error: unknown }

interface Result {
  outcome: Outcome
  /** Undefined when the case passed; otherwise what differed. */
  mismatch: string | undefined
}

// One base environment; each case clones it so its variable declarations stay private.
const baseEnvironment: Environment = createCelEnvironment()

function runCase(t: SimpleTest): Result {
  try {
    const { outcome, deducedType } = evaluateCase(t)
    return { outcome, mismatch: mismatchOf(t, outcome, deducedType) }
  } catch (error) {
    // A harness problem (e.g. an expectation we cannot convert) is a failure, never a pass.
    return { outcome: { kind: 'error', phase: 'parse', error }, mismatch: `harness: ${describeError(error)}` }
  }
}

/** Parse, then check unless `disable_check`, then evaluate unless `check_only` — the conformance pipeline. */
function evaluateCase(t: SimpleTest): { outcome: Outcome; deducedType?: string } {
  const env = environmentFor(t)
  const context = contextFor(t)
  let program: ReturnType<Environment['parse']>
  try {
    program = env.parse(t.expr)
  } catch (error) {
    return { outcome: { kind: 'error', phase: 'parse', error } }
  }
  let deducedType: string | undefined
  if (!t.disableCheck) {
    const checked = program.check()
    if (!checked.valid) return { outcome: { kind: 'error', phase: 'check', error: checked.error } }
    deducedType = normalizeDeducedType(checked.type ?? '')
  }
  if (t.checkOnly) return { outcome: { kind: 'type', deducedType: deducedType ?? '' } }
  try {
    return { outcome: { kind: 'value', value: program(context) }, deducedType }
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

// cel-js raises its own TypeError at evaluation when the implicit runtime check fails.
function isCelError(error: unknown): boolean {
  return error instanceof EvaluationError || error instanceof CelTypeError
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

function checkFile(fileName: string): void {
  const stem = fileName.replace(/\.textproto$/, '')
  const file = readSimpleTestFile(readFileSync(`${suiteDir}/${fileName}`, 'utf8'))
  const unexpectedFailures: string[] = []
  const unexpectedPasses: string[] = []
  totals.files++
  for (const c of casesOf(stem, file)) {
    totals.cases++
    const rule = skipRules.find((r) => r.applies(c))
    if (rule) {
      ruleUses.set(rule, (ruleUses.get(rule) ?? 0) + 1)
      totals.skipped++
      continue
    }
    const key = `${c.file}/${c.section}/${c.test.name}`
    const { mismatch } = runCase(c.test)
    totals.applicable++
    if (mismatch === undefined) totals.passed++
    if (key in knownDisagreements) {
      seenKnown.add(key)
      totals.known++
      if (mismatch === undefined) unexpectedPasses.push(`  ${key}: now passes, remove it from knownDisagreements`)
    } else if (mismatch !== undefined) {
      unexpectedFailures.push(`  ${key}\n      expr: ${c.test.expr}\n      ${mismatch}`)
    }
  }
  const problems = [...unexpectedFailures, ...unexpectedPasses]
  assert.equal(problems.length, 0, `${fileName}: ${problems.length} case(s) disagree with the tables:\n${problems.join('\n')}`)
}

for (const fileName of suiteFiles()) {
  test(`CEL conformance: ${fileName}`, () => checkFile(fileName))
}

test('CEL conformance: rule tables have no dead entries', () => {
  const deadRules = skipRules.filter((rule) => ruleUses.get(rule) === 0).map((rule) => rule.scope)
  const deadKnown = Object.keys(knownDisagreements).filter((key) => !seenKnown.has(key))
  assert.deepEqual({ deadRules, deadKnown }, { deadRules: [], deadKnown: [] }, 'remove entries that match no case')
})

after(() => {
  const { files, cases, applicable, passed, skipped, known } = totals
  console.log(
    `CEL conformance: ${files} files, ${cases} cases: ${applicable} applicable, ${passed} passed, ` +
      `${skipped} skipped by rule, ${known} known disagreements`,
  )
})
