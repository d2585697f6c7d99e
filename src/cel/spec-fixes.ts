import { EvaluationError, Optional } from '@marcbachmann/cel-js'
import { Duration, UnsignedInt } from '@marcbachmann/cel-js/evaluator'

/**
 * Where cel-js answers differently from the CEL specification and the right
 * answer is cheap to give, Xiezhi's layer gives it (found by the conformance
 * suite, docs/reference/cel-conformance.md):
 *
 * - int arithmetic that leaves the int64 range fails (`-(-2^63)`, `-2^63 / -1`),
 *   as do timestamps outside years 1–9999 and durations beyond ±10,000 years,
 *   and the difference of two timestamps beyond ±292 years (`timeDifferenceInRange`);
 * - `int(double)` fails outside (-2^63, 2^63) instead of returning a larger int;
 * - `duration.getMilliseconds()` is the millisecond component, not the total;
 * - time zones may be UTC offsets (`'+08:00'`, `'-02:30'`), not only IANA names;
 * - `lowerAscii()`/`upperAscii()` change ASCII letters only, and `trim()`
 *   removes Unicode white space as CEL (Go) defines it;
 * - `string(bytes)` fails on invalid UTF-8 instead of inserting U+FFFD;
 * - `==`, `!=` and `in` compare numbers by value across int, uint and double,
 *   also inside lists and maps (`[1, 2u] == [1.0, 2]`, `dyn(3u) in [3]`), and
 *   values of different types are unequal rather than an error;
 * - an int or uint ordered against a double compares as doubles (`orderAsDoubles`);
 * - a map literal keeps int and bool keys as they are (a JS Map), where cel-js
 *   makes them object property names (strings), and fails on a key that is
 *   not an int, uint, bool or string, or that appears twice.
 *
 * Each fix applies only to the values it was written for; anything else runs
 * cel-js's own function (`metered-ast.ts` wires them in).
 */

const INT_MIN = -(2n ** 63n)
const INT_MAX = 2n ** 63n - 1n
/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z, CEL's timestamp range. */
const TIMESTAMP_MIN_MS = -62_135_596_800_000
const TIMESTAMP_MAX_MS = 253_402_300_799_999
/** CEL's duration range: about ±10,000 years, in seconds. */
const DURATION_MAX_SECONDS = 315_576_000_000n

/** The result of arithmetic or a conversion, checked against CEL's ranges; throws when outside. */
export function checkRange(value: unknown): unknown {
  if (typeof value === 'bigint') {
    if (value < INT_MIN || value > INT_MAX) throw new EvaluationError({ code: 'numeric_overflow', message: `integer overflow: ${value}` })
  } else if (value instanceof Date) {
    const ms = value.getTime()
    if (!(ms >= TIMESTAMP_MIN_MS && ms <= TIMESTAMP_MAX_MS)) throw new EvaluationError({ code: 'timestamp_out_of_range', message: 'timestamp out of range (years 1 to 9999)' })
  } else if (value instanceof Duration) {
    const seconds = value.seconds
    if (seconds > DURATION_MAX_SECONDS || seconds < -DURATION_MAX_SECONDS) throw new EvaluationError({ code: 'duration_out_of_range', message: 'duration out of range (±10000 years)' })
  }
  return value
}

/** 2^63 − 1 nanoseconds, about 292 years: the range of a Go time.Duration, which cel-go gives timestamp − timestamp. */
const TIME_DIFFERENCE_MAX_NANOS = 2n ** 63n - 1n

/** Whether a duration could be a timestamp difference: within ±(2^63 − 1) ns. */
export function timeDifferenceInRange(d: Duration): boolean {
  const nanos = d.seconds * 1_000_000_000n + BigInt(d.nanos)
  return nanos <= TIME_DIFFERENCE_MAX_NANOS && nanos >= -TIME_DIFFERENCE_MAX_NANOS
}

export const timeDifferenceOutOfRange = () => new EvaluationError({ code: 'duration_out_of_range', message: 'timestamp difference out of range (±292 years)' })

/** `int(double)`: truncation, failing outside the open range (-2^63, 2^63) as cel-go does. */
export function intOfDouble(value: number): bigint {
  if (!Number.isFinite(value) || value <= -(2 ** 63) || value >= 2 ** 63) throw new EvaluationError({ code: 'numeric_overflow', message: 'int() type error: integer overflow' })
  return BigInt(Math.trunc(value))
}

export const durationMilliseconds = (d: Duration): bigint => BigInt(Math.trunc(d.nanos / 1_000_000))

/** `'+08:00'`, `'-02:30'`, `'02:00'`: the offset in minutes, or undefined for anything else (an IANA name). */
export function utcOffsetMinutes(zone: string): number | undefined {
  const m = /^([+-]?)(\d{2}):(\d{2})$/.exec(zone)
  if (!m) return undefined
  const minutes = Number(m[2]) * 60 + Number(m[3])
  return m[1] === '-' ? -minutes : minutes
}

/** The timestamp accessors, for a time at a fixed UTC offset. */
export function atOffset(name: string, t: Date, offsetMinutes: number): bigint | undefined {
  const d = new Date(t.getTime() + offsetMinutes * 60_000)
  switch (name) {
    case 'getFullYear':
      return BigInt(d.getUTCFullYear())
    case 'getMonth':
      return BigInt(d.getUTCMonth())
    case 'getDate':
      return BigInt(d.getUTCDate())
    case 'getDayOfMonth':
      return BigInt(d.getUTCDate() - 1)
    case 'getDayOfWeek':
      return BigInt(d.getUTCDay())
    case 'getDayOfYear':
      return BigInt(Math.round((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000))
    case 'getHours':
      return BigInt(d.getUTCHours())
    case 'getMinutes':
      return BigInt(d.getUTCMinutes())
    case 'getSeconds':
      return BigInt(d.getUTCSeconds())
    case 'getMilliseconds':
      return BigInt(d.getUTCMilliseconds())
    default:
      return undefined
  }
}

export const lowerAscii = (s: string) => s.replace(/[A-Z]+/g, (m) => m.toLowerCase())
export const upperAscii = (s: string) => s.replace(/[a-z]+/g, (m) => m.toUpperCase())

/** Go's unicode.IsSpace, which CEL's trim() uses: JavaScript's set lacks U+0085 and has U+FEFF. */
const isGoSpace = (c: number) =>
  (c >= 9 && c <= 13) || c === 32 || c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000

/** Every such space is one UTF-16 unit, so the ends can be scanned unit by unit (linear, no regular expression). */
export function trimSpace(s: string): string {
  let start = 0
  let end = s.length
  while (start < end && isGoSpace(s.charCodeAt(start))) start++
  while (end > start && isGoSpace(s.charCodeAt(end - 1))) end--
  return s.slice(start, end)
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

export function stringOfBytes(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes)
  } catch {
    throw new EvaluationError({ code: 'invalid_utf8', message: 'string() of bytes that are not valid UTF-8' })
  }
}

/** Property names cel-js's own map literals drop (an object would not keep them as plain keys). */
const unsafePropertyNames = new Set(['__proto__', 'constructor', 'prototype'])

/**
 * A map literal's value. String keys give a plain object, as cel-js builds
 * (JSON-like, what the closures read fast); int or bool keys give a Map, so
 * that they stay ints and bools when the map is iterated or compared. uint
 * keys keep cel-js's object (a Map would look an UnsignedInt up by identity).
 */
export function mapLiteral(entries: [unknown, unknown][]): Record<string, unknown> | Map<unknown, unknown> {
  const seen = new Set<unknown>()
  let typedKeys = false
  let uintKeys = false
  for (const [key] of entries) {
    const identity = mapKeyIdentity(key)
    if (seen.has(identity)) throw new EvaluationError({ code: 'duplicate_map_key', message: `map literal has the key ${String(key)} twice` })
    seen.add(identity)
    if (typeof key === 'bigint' || typeof key === 'boolean' || (typeof key === 'string' && unsafePropertyNames.has(key))) typedKeys = true
    else if (key instanceof UnsignedInt) uintKeys = true
  }
  if (typedKeys && !uintKeys) return new Map(entries)
  const object: Record<string, unknown> = {}
  for (const [key, value] of entries) if (!unsafePropertyNames.has(String(key))) object[String(key)] = value
  return object
}

/** Keys equal under CEL equality (1 and 1u) share an identity; a key of another type fails. */
function mapKeyIdentity(key: unknown): unknown {
  if (typeof key === 'string' || typeof key === 'boolean' || typeof key === 'bigint') return key
  if (key instanceof UnsignedInt) return key.valueOf()
  throw new EvaluationError({ code: 'invalid_map_key', message: `a map key must be an int, uint, bool or string, not ${key === null ? 'null' : typeof key === 'number' ? 'a double' : typeof key}` })
}

// ---------------------------------------------------------------------------
// Equality
// ---------------------------------------------------------------------------

/**
 * CEL's equality (the specification's, which cel-js follows except across
 * numeric types in lists, maps and uints): numbers by value whatever their
 * type, lists element by element, maps key by key, other values of different
 * types unequal. Undefined for a value of a type this does not know (a
 * registered message): cel-js then decides.
 */
export function celEquals(a: unknown, b: unknown): boolean | undefined {
  if (a === b) return true
  switch (typeof a) {
    case 'bigint':
    case 'number':
      return numericEquals(a, b)
    case 'object':
      break
    default:
      return false
  }
  if (a === null || typeof b !== 'object' || b === null) return a instanceof UnsignedInt ? numericEquals(a, b) : false
  if (a instanceof UnsignedInt) return numericEquals(a, b)
  if (Array.isArray(a)) return Array.isArray(b) ? listsEqual(a, b) : isOtherKnownKind(b) ? false : undefined
  if (a instanceof Uint8Array) return b instanceof Uint8Array && a.length === b.length && a.every((byte, i) => byte === b[i])
  if (a instanceof Date) return b instanceof Date && a.getTime() === b.getTime()
  if (a instanceof Duration) return b instanceof Duration && a.seconds === b.seconds && a.nanos === b.nanos
  if (a instanceof Optional) return b instanceof Optional && (a.hasValue() && b.hasValue() ? celEquals(a.value(), b.value()) : a.hasValue() === b.hasValue())
  if (isMapValue(a)) return isMapValue(b) ? mapsEqual(a, b) : isOtherKnownKind(b) ? false : undefined
  return undefined
}

/**
 * `element in collection`: in a list by CEL equality, in a map by key as
 * cel-js looks keys up; undefined for anything else (cel-js decides).
 */
export function celContains(element: unknown, collection: unknown): boolean | undefined {
  if (Array.isArray(collection)) {
    for (const item of collection) {
      const equal = celEquals(element, item)
      if (equal === undefined) return undefined
      if (equal) return true
    }
    return false
  }
  if (collection instanceof Map) return collection.get(element) !== undefined
  if (collection !== null && typeof collection === 'object' && isPlainObject(collection)) {
    const record = collection as Record<PropertyKey, unknown>
    return Object.hasOwn(record, element as PropertyKey) && record[element as PropertyKey] !== undefined
  }
  return undefined
}

function numericEquals(a: bigint | number | UnsignedInt, b: unknown): boolean {
  const x = a instanceof UnsignedInt ? (a.valueOf() as bigint) : a
  const y = b instanceof UnsignedInt ? (b.valueOf() as bigint) : b
  if (typeof y !== 'bigint' && typeof y !== 'number') return false
  if (typeof x === typeof y) return x === y
  // an int and a double: equal when the double is that integer exactly (NaN and fractions never are)
  const [int, double] = typeof x === 'bigint' ? [x, y as number] : [y as bigint, x as number]
  return Number.isInteger(double) && BigInt(double) === int
}

function listsEqual(a: unknown[], b: unknown[]): boolean | undefined {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    const equal = celEquals(a[i], b[i])
    if (equal !== true) return equal
  }
  return true
}

const isPlainObject = (value: object) => Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null
const isMapValue = (value: object): value is Map<unknown, unknown> | Record<string, unknown> => value instanceof Map || isPlainObject(value)

/** Primitive-like values and lists: never equal to a map or a list of another kind. */
const isOtherKnownKind = (value: object) =>
  value instanceof UnsignedInt || value instanceof Uint8Array || value instanceof Date || value instanceof Duration || value instanceof Optional || Array.isArray(value) || isMapValue(value)

/** An object's keys are strings; a Map literal's keys are ints, bools or strings (`mapLiteral`). */
function mapsEqual(a: Map<unknown, unknown> | Record<string, unknown>, b: Map<unknown, unknown> | Record<string, unknown>): boolean | undefined {
  const entriesOf = (m: typeof a) => (m instanceof Map ? [...m] : Object.entries(m).filter(([, v]) => v !== undefined))
  const left = entriesOf(a)
  if (left.length !== entriesOf(b).length) return false
  for (const [key, value] of left) {
    const other = b instanceof Map ? b.get(key) : typeof key === 'string' && Object.hasOwn(b, key) ? b[key] : undefined
    if (other === undefined) return false
    const equal = celEquals(value, other)
    if (equal !== true) return equal
  }
  return true
}

// ---------------------------------------------------------------------------
// Ordering across int and double
// ---------------------------------------------------------------------------

const isInteger = (v: unknown): v is bigint | UnsignedInt => typeof v === 'bigint' || v instanceof UnsignedInt

/** An int or uint on one side, a double on the other. */
export const isIntAndDouble = (a: unknown, b: unknown): boolean => (typeof a === 'number' && isInteger(b)) || (isInteger(a) && typeof b === 'number')

const asDouble = (v: unknown): number => (typeof v === 'number' ? v : Number(v instanceof UnsignedInt ? v.valueOf() : (v as bigint)))

/**
 * cel-go's ordering of an int (or uint) against a double: the integer as a
 * double (rounded to nearest), then compared. Beyond 2^53 that is not the
 * exact order: 2^63 − 1 and 2^63.0 compare equal.
 */
export function orderAsDoubles(op: '<' | '<=' | '>' | '>=', a: unknown, b: unknown): boolean {
  const x = asDouble(a)
  const y = asDouble(b)
  return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y
}
