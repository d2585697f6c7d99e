/**
 * Reading Google's cel-spec "simple" conformance files (text-format protobuf of
 * `cel.expr.conformance.test.SimpleTestFile`) and turning their expected
 * `cel.expr.Value`s into the JavaScript values @marcbachmann/cel-js produces.
 *
 * Three layers, each usable on its own:
 *  1. a generic text-format parser (`parseTextproto`) that knows nothing of the schema;
 *  2. a schema reader (`readSimpleTestFile`) for the SimpleTestFile / Section / Test messages;
 *  3. value helpers: `toCelValue` (cel.expr.Value -> JS), `toCelTypeName`
 *     (cel.expr.Type -> cel-js type string), `celValuesEqual` and `formatCelValue`.
 *
 * Only the subset of text format the suite uses is supported; anything else is an
 * error rather than a silent guess, so a new upstream construct shows up loudly.
 */
import { Environment, Optional } from '@marcbachmann/cel-js'
import { Duration, UnsignedInt } from '@marcbachmann/cel-js/evaluator'

// ---------------------------------------------------------------------------
// 1. Generic text format
// ---------------------------------------------------------------------------

/** A scalar as written: text-format strings are byte sequences, everything else is a bare word. */
export type TextScalar = { kind: 'bytes'; bytes: Uint8Array } | { kind: 'word'; text: string }

export interface TextField {
  /** Field name, or the bracketed name of an extension / `Any` type URL (without brackets). */
  name: string
  value: TextScalar | TextMessage
}

export interface TextMessage {
  kind: 'message'
  fields: TextField[]
}

type Token =
  | { kind: 'punct'; text: string; offset: number }
  | { kind: 'word'; text: string; offset: number }
  | { kind: 'bracketed'; text: string; offset: number }
  | { kind: 'bytes'; bytes: Uint8Array; offset: number }

export class TextprotoSyntaxError extends Error {
  constructor(source: string, offset: number, problem: string) {
    const before = source.slice(0, offset)
    const line = before.split('\n').length
    const column = offset - before.lastIndexOf('\n')
    super(`textproto ${line}:${column}: ${problem}`)
    this.name = 'TextprotoSyntaxError'
  }
}

const punctuation = new Set(['{', '}', '<', '>', ':', ',', ';'])
// Bare words cover identifiers, enum names and numbers alike (`-1.5e+3`, `-inf`, `NullValue.NULL_VALUE`).
const wordChar = /[A-Za-z0-9_.+-]/

function tokenize(source: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < source.length) {
    const c = source[i] as string
    if (/\s/.test(c)) {
      i++
    } else if (c === '#') {
      const end = source.indexOf('\n', i)
      i = end === -1 ? source.length : end
    } else if (punctuation.has(c)) {
      tokens.push({ kind: 'punct', text: c, offset: i })
      i++
    } else if (c === '[') {
      // `[type.googleapis.com/...]` names an Any payload; list values (`[a, b]`) are not used by the suite.
      const end = source.indexOf(']', i)
      if (end === -1) throw new TextprotoSyntaxError(source, i, 'unterminated [')
      tokens.push({ kind: 'bracketed', text: source.slice(i + 1, end).trim(), offset: i })
      i = end + 1
    } else if (c === '"' || c === "'") {
      const { bytes, end } = readQuoted(source, i)
      tokens.push({ kind: 'bytes', bytes, offset: i })
      i = end
    } else if (wordChar.test(c)) {
      let end = i
      while (end < source.length && wordChar.test(source[end] as string)) end++
      tokens.push({ kind: 'word', text: source.slice(i, end), offset: i })
      i = end
    } else {
      throw new TextprotoSyntaxError(source, i, `unexpected character ${JSON.stringify(c)}`)
    }
  }
  return tokens
}

const simpleEscapes: Record<string, number> = {
  a: 0x07,
  b: 0x08,
  f: 0x0c,
  n: 0x0a,
  r: 0x0d,
  t: 0x09,
  v: 0x0b,
  '\\': 0x5c,
  "'": 0x27,
  '"': 0x22,
  '?': 0x3f,
}

const utf8 = new TextEncoder()

/**
 * Reads one quoted literal starting at `start` into raw bytes. Octal and `\x` escapes
 * are single bytes (so bytes fields can hold invalid UTF-8); `\u`/`\U` and literal
 * characters are UTF-8 encoded, as protobuf's own text parser does.
 */
function readQuoted(source: string, start: number): { bytes: Uint8Array; end: number } {
  const quote = source[start]
  const out: number[] = []
  let i = start + 1
  const pushCodePoint = (cp: number) => out.push(...utf8.encode(String.fromCodePoint(cp)))
  while (true) {
    const c = source[i]
    if (c === undefined || c === '\n') throw new TextprotoSyntaxError(source, start, 'unterminated string')
    if (c === quote) return { bytes: Uint8Array.from(out), end: i + 1 }
    if (c !== '\\') {
      const cp = source.codePointAt(i) as number
      pushCodePoint(cp)
      i += cp > 0xffff ? 2 : 1
      continue
    }
    const e = source[i + 1] ?? ''
    const simple = simpleEscapes[e]
    if (simple !== undefined) {
      out.push(simple)
      i += 2
    } else if (/[0-7]/.test(e)) {
      const digits = /^[0-7]{1,3}/.exec(source.slice(i + 1))?.[0] as string
      out.push(Number.parseInt(digits, 8) & 0xff)
      i += 1 + digits.length
    } else if (e === 'x' || e === 'X') {
      const digits = /^[0-9a-fA-F]{1,2}/.exec(source.slice(i + 2))?.[0]
      if (!digits) throw new TextprotoSyntaxError(source, i, 'bad \\x escape')
      out.push(Number.parseInt(digits, 16))
      i += 2 + digits.length
    } else if (e === 'u' || e === 'U') {
      const width = e === 'u' ? 4 : 8
      const digits = source.slice(i + 2, i + 2 + width)
      if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(digits)) {
        throw new TextprotoSyntaxError(source, i, `bad \\${e} escape`)
      }
      let cp = Number.parseInt(digits, 16)
      i += 2 + width
      // A \u high surrogate followed by a \u low surrogate spells one code point.
      const low = /^\\u(d[c-f][0-9a-f]{2})/i.exec(source.slice(i))?.[1]
      if (cp >= 0xd800 && cp <= 0xdbff && low) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (Number.parseInt(low, 16) - 0xdc00)
        i += 6
      }
      pushCodePoint(cp)
    } else {
      throw new TextprotoSyntaxError(source, i, `unknown escape \\${e}`)
    }
  }
}

/** Parses a whole text-format document into an untyped message tree. */
export function parseTextproto(source: string): TextMessage {
  const tokens = tokenize(source)
  let pos = 0

  const peek = (): Token | undefined => tokens[pos]
  const isPunct = (token: Token | undefined, text: string) => token?.kind === 'punct' && token.text === text
  const fail = (problem: string): never => {
    throw new TextprotoSyntaxError(source, peek()?.offset ?? source.length, problem)
  }

  function parseMessage(closing: string | undefined): TextMessage {
    const fields: TextField[] = []
    while (true) {
      const token = peek()
      if (token === undefined) {
        if (closing !== undefined) fail(`missing ${closing}`)
        return { kind: 'message', fields }
      }
      if (isPunct(token, closing ?? '')) {
        pos++
        return { kind: 'message', fields }
      }
      fields.push(parseField())
    }
  }

  function parseField(): TextField {
    const nameToken = peek()
    if (nameToken?.kind !== 'word' && nameToken?.kind !== 'bracketed') return fail('expected a field name')
    pos++
    const hasColon = isPunct(peek(), ':')
    if (hasColon) pos++
    const value = parseValue(hasColon)
    // Field separators are optional in text format.
    if (isPunct(peek(), ',') || isPunct(peek(), ';')) pos++
    return { name: nameToken.text, value }
  }

  function parseValue(afterColon: boolean): TextScalar | TextMessage {
    const token = peek()
    if (isPunct(token, '{')) {
      pos++
      return parseMessage('}')
    }
    if (isPunct(token, '<')) {
      pos++
      return parseMessage('>')
    }
    // Scalars need the colon; only message values may omit it.
    if (!afterColon) return fail('expected { after field name')
    if (token?.kind === 'word') {
      pos++
      return { kind: 'word', text: token.text }
    }
    if (token?.kind === 'bytes') return { kind: 'bytes', bytes: readAdjacentStrings() }
    return fail('expected a value')
  }

  // "ab" "cd" is one string in text format, as in C.
  function readAdjacentStrings(): Uint8Array {
    const parts: Uint8Array[] = []
    for (let token = peek(); token?.kind === 'bytes'; token = peek()) {
      parts.push(token.bytes)
      pos++
    }
    return concatBytes(parts)
  }

  return parseMessage(undefined)
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

// --- typed access to the untyped tree ---------------------------------------

export function fieldsNamed(message: TextMessage, name: string): Array<TextScalar | TextMessage> {
  return message.fields.filter((f) => f.name === name).map((f) => f.value)
}

export function messagesNamed(message: TextMessage, name: string): TextMessage[] {
  return fieldsNamed(message, name).map((value) => {
    if (value.kind !== 'message') throw new Error(`field ${name} is not a message`)
    return value
  })
}

/** The last occurrence wins for singular fields, as in protobuf. */
function lastField(message: TextMessage, name: string): TextScalar | TextMessage | undefined {
  return fieldsNamed(message, name).at(-1)
}

export function messageField(message: TextMessage, name: string): TextMessage | undefined {
  return messagesNamed(message, name).at(-1)
}

function scalarField(message: TextMessage, name: string): TextScalar | undefined {
  const value = lastField(message, name)
  if (value?.kind === 'message') throw new Error(`field ${name} is a message, expected a scalar`)
  return value
}

const utf8Decoder = new TextDecoder('utf-8')

export function stringField(message: TextMessage, name: string): string | undefined {
  const value = scalarField(message, name)
  if (value === undefined) return undefined
  if (value.kind !== 'bytes') throw new Error(`field ${name} is not a string`)
  return utf8Decoder.decode(value.bytes)
}

export function wordField(message: TextMessage, name: string): string | undefined {
  const value = scalarField(message, name)
  if (value === undefined) return undefined
  if (value.kind !== 'word') throw new Error(`field ${name} is not a bare word`)
  return value.text
}

function boolField(message: TextMessage, name: string): boolean {
  const word = wordField(message, name)
  if (word === undefined) return false
  if (word === 'true' || word === 't' || word === '1') return true
  if (word === 'false' || word === 'f' || word === '0') return false
  throw new Error(`field ${name}: ${word} is not a bool`)
}

// ---------------------------------------------------------------------------
// 2. The SimpleTestFile schema (simple.proto)
// ---------------------------------------------------------------------------

export type Expectation =
  /** `value` (or no matcher at all, which means `true`): a `cel.expr.Value`. */
  | { kind: 'value'; value: TextMessage }
  /** `typed_result`: the checker's deduced `cel.expr.Type`, plus an optional value. */
  | { kind: 'typed'; deducedType: TextMessage | undefined; value: TextMessage | undefined }
  /** `eval_error` / `any_eval_errors`: some evaluation error; messages are implementation-specific. */
  | { kind: 'error'; messages: string[] }
  /** `unknown` / `any_unknowns`: partial evaluation, which cel-js does not have. */
  | { kind: 'unknown' }

export interface SimpleTest {
  name: string
  description: string
  expr: string
  disableMacros: boolean
  disableCheck: boolean
  checkOnly: boolean
  container: string
  /** `cel.expr.Decl` messages. */
  typeEnv: TextMessage[]
  /** Variable name -> `cel.expr.ExprValue`. */
  bindings: Array<{ name: string; value: TextMessage }>
  expectation: Expectation
  /** The raw message, for skip rules that look at content. */
  raw: TextMessage
}

export interface SimpleTestSection {
  name: string
  description: string
  tests: SimpleTest[]
}

export interface SimpleTestFile {
  name: string
  description: string
  sections: SimpleTestSection[]
}

export function readSimpleTestFile(source: string): SimpleTestFile {
  const root = parseTextproto(source)
  return {
    name: stringField(root, 'name') ?? '',
    description: stringField(root, 'description') ?? '',
    sections: messagesNamed(root, 'section').map(readSection),
  }
}

function readSection(section: TextMessage): SimpleTestSection {
  return {
    name: stringField(section, 'name') ?? '',
    description: stringField(section, 'description') ?? '',
    tests: messagesNamed(section, 'test').map(readTest),
  }
}

function readTest(test: TextMessage): SimpleTest {
  return {
    name: stringField(test, 'name') ?? '',
    description: stringField(test, 'description') ?? '',
    expr: stringField(test, 'expr') ?? '',
    disableMacros: boolField(test, 'disable_macros'),
    disableCheck: boolField(test, 'disable_check'),
    checkOnly: boolField(test, 'check_only'),
    container: stringField(test, 'container') ?? '',
    typeEnv: messagesNamed(test, 'type_env'),
    bindings: messagesNamed(test, 'bindings').map((entry) => ({
      name: stringField(entry, 'key') ?? '',
      value: messageField(entry, 'value') ?? emptyMessage,
    })),
    expectation: readExpectation(test),
    raw: test,
  }
}

const emptyMessage: TextMessage = { kind: 'message', fields: [] }

function readExpectation(test: TextMessage): Expectation {
  const value = messageField(test, 'value')
  if (value) return { kind: 'value', value }
  const typed = messageField(test, 'typed_result')
  if (typed) {
    return { kind: 'typed', deducedType: messageField(typed, 'deduced_type'), value: messageField(typed, 'result') }
  }
  const evalError = messageField(test, 'eval_error')
  if (evalError) return { kind: 'error', messages: errorMessages(evalError) }
  const anyErrors = messageField(test, 'any_eval_errors')
  if (anyErrors) return { kind: 'error', messages: messagesNamed(anyErrors, 'errors').flatMap(errorMessages) }
  if (messageField(test, 'unknown') || messageField(test, 'any_unknowns')) return { kind: 'unknown' }
  // simple.proto: "An unspecified result defaults to a matcher for the true boolean value."
  return {
    kind: 'value',
    value: { kind: 'message', fields: [{ name: 'bool_value', value: { kind: 'word', text: 'true' } }] },
  }
}

/** `cel.expr.ErrorSet` -> its `google.rpc.Status` messages. */
function errorMessages(errorSet: TextMessage): string[] {
  return messagesNamed(errorSet, 'errors').map((status) => stringField(status, 'message') ?? '')
}

// ---------------------------------------------------------------------------
// 3. Values and types
// ---------------------------------------------------------------------------

/** Thrown when an expectation needs something cel-js has no JS representation for (protobuf messages, enums). */
export class UnsupportedValueError extends Error {
  constructor(what: string) {
    super(`no cel-js representation for ${what}`)
    this.name = 'UnsupportedValueError'
  }
}

/**
 * A CEL type value (`type(1)`, `int`). cel-js does not export its Type class, so
 * expected type values carry only the name and are compared by name.
 */
export class CelTypeName {
  constructor(readonly name: string) {}
}

/** What cel-js returns for `int`, `type(x)`, ...: an instance of an unexported class with a `name`. */
interface CelJsType {
  readonly name: string
}

// The class is reached through a value because cel-js does not export it.
const CelJsTypeClass = (new Environment().evaluate('int') as object).constructor as new () => CelJsType

// cel-js names the null type `null`; CEL calls it `null_type`. Same type, different spelling.
const celJsTypeNames: Record<string, string> = { null_type: 'null' }

const wellKnownAny = {
  duration: 'type.googleapis.com/google.protobuf.Duration',
  timestamp: 'type.googleapis.com/google.protobuf.Timestamp',
}

/** Converts a `cel.expr.Value` into the JS value cel-js would return for it. */
export function toCelValue(value: TextMessage): unknown {
  const [field, ...rest] = value.fields
  if (!field || rest.length > 0) throw new Error('cel.expr.Value must set exactly one kind')
  const { name } = field
  switch (name) {
    case 'null_value':
      return null
    case 'bool_value':
      return wordOf(field) === 'true'
    case 'int64_value':
      return BigInt(wordOf(field))
    case 'uint64_value':
      return new UnsignedInt(BigInt(wordOf(field)))
    case 'double_value':
      return parseDouble(wordOf(field))
    case 'string_value':
      return utf8Decoder.decode(bytesOf(field))
    case 'bytes_value':
      return bytesOf(field)
    case 'list_value':
      return messagesNamed(messageOf(field), 'values').map(toCelValue)
    case 'map_value':
      return toCelMap(messageOf(field))
    case 'type_value': {
      const typeName = utf8Decoder.decode(bytesOf(field))
      return new CelTypeName(celJsTypeNames[typeName] ?? typeName)
    }
    case 'object_value':
      return fromAny(messageOf(field))
    default:
      throw new UnsupportedValueError(name)
  }
}

function toCelMap(mapValue: TextMessage): Map<unknown, unknown> {
  const entries = messagesNamed(mapValue, 'entries').map((entry): [unknown, unknown] => [
    toCelValue(messageField(entry, 'key') ?? emptyMessage),
    toCelValue(messageField(entry, 'value') ?? emptyMessage),
  ])
  return new Map(entries)
}

/** `google.protobuf.Any` in expanded form; only the two well-known types cel-js models natively. */
function fromAny(any: TextMessage): unknown {
  const [payload] = any.fields
  const typeUrl = payload?.name ?? '(empty Any)'
  if (payload?.value.kind === 'message') {
    const seconds = BigInt(wordField(payload.value, 'seconds') ?? '0')
    const nanos = Number(wordField(payload.value, 'nanos') ?? '0')
    if (typeUrl === wellKnownAny.duration) return new Duration(seconds, nanos)
    if (typeUrl === wellKnownAny.timestamp) return new Date(Number(seconds) * 1000 + Math.trunc(nanos / 1e6))
  }
  throw new UnsupportedValueError(`protobuf message ${typeUrl}`)
}

/** `cel.expr.ExprValue` (a binding): a value, or an error/unknown we cannot bind. */
export function exprValueToCel(exprValue: TextMessage): unknown {
  const value = messageField(exprValue, 'value')
  if (!value) throw new UnsupportedValueError('an error or unknown binding')
  return toCelValue(value)
}

function parseDouble(text: string): number {
  // Text format allows a C-style `f` suffix on float literals (but `inf` ends in f too).
  const lower = text.toLowerCase().replace(/^([-+]?[0-9.]+(e[-+]?[0-9]+)?)f$/, '$1')
  if (lower === 'inf' || lower === 'infinity') return Number.POSITIVE_INFINITY
  if (lower === '-inf' || lower === '-infinity') return Number.NEGATIVE_INFINITY
  if (lower === 'nan') return Number.NaN
  const n = Number(lower)
  if (Number.isNaN(n)) throw new Error(`not a double: ${text}`)
  return n
}

function wordOf(field: TextField): string {
  if (field.value.kind !== 'word') throw new Error(`${field.name} should be a bare word`)
  return field.value.text
}

function bytesOf(field: TextField): Uint8Array {
  if (field.value.kind !== 'bytes') throw new Error(`${field.name} should be a quoted string`)
  return field.value.bytes
}

function messageOf(field: TextField): TextMessage {
  if (field.value.kind !== 'message') throw new Error(`${field.name} should be a message`)
  return field.value
}

const primitiveTypes: Record<string, string> = {
  BOOL: 'bool',
  INT64: 'int',
  UINT64: 'uint',
  DOUBLE: 'double',
  STRING: 'string',
  BYTES: 'bytes',
}

const wellKnownTypes: Record<string, string> = {
  TIMESTAMP: 'google.protobuf.Timestamp',
  DURATION: 'google.protobuf.Duration',
}

/**
 * Converts a `cel.expr.Type` into a cel-js type string (`list<int>`, `map<string, dyn>`).
 * Protobuf wrappers, messages other than Timestamp/Duration, `Any` and type
 * parameters have no cel-js counterpart and raise UnsupportedValueError.
 */
export function toCelTypeName(type: TextMessage): string {
  const [field] = type.fields
  if (!field) throw new Error('cel.expr.Type must set a kind')
  switch (field.name) {
    case 'dyn':
      return 'dyn'
    case 'null':
      return 'null'
    case 'primitive':
      return lookup(primitiveTypes, wordOf(field), 'primitive')
    case 'well_known':
      return lookup(wellKnownTypes, wordOf(field), 'well-known type')
    case 'message_type': {
      const name = utf8Decoder.decode(bytesOf(field))
      if (Object.values(wellKnownTypes).includes(name)) return name
      throw new UnsupportedValueError(`protobuf message type ${name}`)
    }
    case 'list_type':
      return `list<${toCelTypeName(messageField(messageOf(field), 'elem_type') ?? emptyMessage)}>`
    case 'map_type': {
      const map = messageOf(field)
      const key = toCelTypeName(messageField(map, 'key_type') ?? emptyMessage)
      return `map<${key}, ${toCelTypeName(messageField(map, 'value_type') ?? emptyMessage)}>`
    }
    case 'type':
      return 'type'
    case 'abstract_type': {
      const abstract = messageOf(field)
      const params = messagesNamed(abstract, 'parameter_types').map(toCelTypeName)
      if (stringField(abstract, 'name') === 'optional_type' && params.length === 1) return `optional<${params[0]}>`
      throw new UnsupportedValueError(`abstract type ${stringField(abstract, 'name')}`)
    }
    default:
      throw new UnsupportedValueError(`${field.name} type`)
  }
}

function lookup(table: Record<string, string>, key: string, what: string): string {
  const found = table[key]
  if (found === undefined) throw new UnsupportedValueError(`${what} ${key}`)
  return found
}

// --- equality ------------------------------------------------------------------

/**
 * Compares an expected value (from `toCelValue`) with what cel-js returned.
 *
 * It follows CEL value equality (NaN matches NaN here, as simple.proto asks; -0 == 0;
 * maps ignore order) but, like the conformance harnesses, also requires the runtime
 * types to match: int 1, uint 1u and double 1.0 are different results.
 * A cel-js map comes back as a plain object whose keys are necessarily strings, so
 * it only matches an expected map whose keys are all strings.
 */
export function celValuesEqual(expected: unknown, actual: unknown): boolean {
  if (typeof expected === 'number') return typeof actual === 'number' && numbersEqual(expected, actual)
  if (typeof expected !== 'object' || expected === null) return expected === actual
  if (expected instanceof UnsignedInt) return actual instanceof UnsignedInt && expected.valueOf() === actual.valueOf()
  if (expected instanceof Uint8Array) return actual instanceof Uint8Array && bytesEqual(expected, actual)
  if (expected instanceof Date) return actual instanceof Date && expected.getTime() === actual.getTime()
  if (expected instanceof Duration) {
    return actual instanceof Duration && expected.seconds === actual.seconds && expected.nanos === actual.nanos
  }
  if (expected instanceof CelTypeName) return actual instanceof CelJsTypeClass && actual.name === expected.name
  if (Array.isArray(expected)) return listsEqual(expected, actual)
  if (expected instanceof Map) return mapsEqual(expected, actual)
  throw new Error(`celValuesEqual: unexpected expected value ${String(expected)}`)
}

function numbersEqual(a: number, b: number): boolean {
  return (Number.isNaN(a) && Number.isNaN(b)) || a === b
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i])
}

function listsEqual(expected: unknown[], actual: unknown): boolean {
  const items = actual instanceof Set ? [...actual] : actual
  if (!Array.isArray(items) || items.length !== expected.length) return false
  return expected.every((item, i) => celValuesEqual(item, items[i]))
}

function mapsEqual(expected: Map<unknown, unknown>, actual: unknown): boolean {
  const entries = mapEntries(actual)
  if (entries === undefined || entries.length !== expected.size) return false
  return [...expected].every(([key, value]) => {
    const match = entries.find(([actualKey]) => celValuesEqual(key, actualKey))
    return match !== undefined && celValuesEqual(value, match[1])
  })
}

/** Entries of a cel-js map result (a Map, or a plain object as map literals produce). */
function mapEntries(value: unknown): Array<[unknown, unknown]> | undefined {
  if (value instanceof Map) return [...value]
  if (typeof value !== 'object' || value === null) return undefined
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return undefined
  return Object.entries(value)
}

// --- formatting ----------------------------------------------------------------

/** Renders a value in CEL-like syntax, keeping the int/uint/double distinction visible. */
export function formatCelValue(value: unknown): string {
  switch (typeof value) {
    case 'bigint':
      return `${value}`
    case 'number':
      return formatDouble(value)
    case 'string':
      return JSON.stringify(value)
    case 'boolean':
      return `${value}`
    case 'undefined':
      return 'undefined'
    case 'object':
      return formatObject(value)
    default:
      return `<${typeof value}>`
  }
}

function formatDouble(n: number): string {
  if (Object.is(n, -0)) return '-0.0'
  if (Number.isInteger(n)) return `${n}.0`
  return `${n}`
}

function formatObject(value: object | null): string {
  if (value === null) return 'null'
  if (value instanceof UnsignedInt) return `${value.valueOf()}u`
  if (value instanceof Uint8Array)
    return `b"${[...value].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('')}"`
  if (value instanceof Date) return `timestamp(${JSON.stringify(value.toISOString())})`
  if (value instanceof Duration) return `duration(${JSON.stringify(value.toString())})`
  if (value instanceof CelTypeName) return `type:${value.name}`
  if (value instanceof CelJsTypeClass) return `type:${value.name}`
  if (value instanceof Optional)
    return value.hasValue() ? `optional.of(${formatCelValue(value.value())})` : 'optional.none()'
  if (Array.isArray(value) || value instanceof Set) return `[${[...value].map(formatCelValue).join(', ')}]`
  const entries = mapEntries(value)
  if (entries) return `{${entries.map(([k, v]) => `${formatCelValue(k)}: ${formatCelValue(v)}`).join(', ')}}`
  if (value instanceof Error) return `error(${value.name}: ${value.message.split('\n')[0]})`
  return `<${value.constructor?.name ?? 'object'}>`
}
