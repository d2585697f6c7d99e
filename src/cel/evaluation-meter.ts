import { CelRuntimeError } from './cel-errors.ts'

/**
 * The cost budget of one evaluation. Every node the interpreter evaluates
 * costs 1 unit; operations whose work grows with their operands also pay for
 * the operands (see `sizeCharge`); a `matches` pays text × program. Values
 * are only built by such operations, so the budget bounds memory as well as
 * time. Deterministic: the same expression over the same data always costs the
 * same, so a replayed decision fails (or not) exactly as the original did.
 *
 * Evaluation is synchronous, so the meter in force is ambient: `withMeter`
 * sets it for the duration of one evaluation, and `charge` anywhere below
 * (interpreter wrappers, closures, Xiezhi's own functions) draws from it.
 */
export class Meter {
  spent = 0
  private exceeded: CelRuntimeError | undefined
  // made on first use: most evaluations (closures over scalars) never measure an object
  private shallow: Map<object, number> | undefined
  private deep: Map<object, number> | undefined
  private depths: Map<object, number> | undefined

  constructor(readonly limit: number) {}

  /** Entries of maps already counted in this evaluation. */
  get shallowSizes(): Map<object, number> {
    if (this.shallow === undefined) this.shallow = new Map()
    return this.shallow
  }

  /** Deep sizes already measured in this evaluation. */
  get deepSizes(): Map<object, number> {
    if (this.deep === undefined) this.deep = new Map()
    return this.deep
  }

  /** Depths of first-element chains already measured in this evaluation. */
  get typeDepths(): Map<object, number> {
    if (this.depths === undefined) this.depths = new Map()
    return this.depths
  }

  /** The error, built once: a shared meter fails every later evaluation too, and a stack trace apiece would cost more than the work. */
  fail(): never {
    this.exceeded ??= new CelRuntimeError({ code: 'cel_cost_exceeded', message: `the evaluation exceeded its cost budget of ${this.limit} units (docs/reference/cel-safety.md)` })
    throw this.exceeded
  }
}

let active: Meter | undefined

/** Spends `units` of the active budget; throws `cel_cost_exceeded` when it runs out. Free outside `withMeter`. */
export function charge(units: number): void {
  const meter = active
  if (meter === undefined) return
  meter.spent += units
  if (meter.spent > meter.limit) meter.fail()
}

export function withMeter<T>(meter: Meter, run: () => T): T {
  const outer = active
  active = meter
  try {
    return run()
  } finally {
    active = outer
  }
}

/** Characters of a string per cost unit: scanning, comparing or copying text is ~1 ns a character, a node ~50 ns. */
export const charactersPerUnit = 16

/** Units per key of a map (a JSON object) whose keys are listed: V8 lists a large object's keys at ~300 ns each. */
export const unitsPerMapKey = 4

const textCost = (length: number) => Math.ceil(length / charactersPerUnit)

/** How an operation's work grows with an operand. */
export type SizeCharge =
  /** Strings by length, lists and maps by their number of entries (concatenation, comparison, string functions). */
  | 'shallow'
  /** Everything inside, nested lists and maps included (equality). */
  | 'deep'
  /** Lists by their elements, maps not at all (the right operand of `in`: a list is scanned, a map looked up). */
  | 'membership'
  /** Strings by length (code points are counted), maps by entries (their keys are listed), lists free (`size()`). */
  | 'size'
  /** Maps by entries (their keys are listed), lists free: each iteration is charged as it runs (a comprehension's range). */
  | 'range'
  /** Only the type deduction every operand of an operator or function may get (see `typeDeductionCost`). */
  | 'type'

export function sizeCharge(kind: SizeCharge, value: unknown): number {
  if (typeof value === 'string') return kind === 'range' || kind === 'type' ? 0 : textCost(value.length)
  if (value === null || typeof value !== 'object') return 0
  const deduction = typeDeductionCost(value)
  switch (kind) {
    case 'shallow':
      return deduction + shallowSize(value)
    case 'deep':
      return deduction + deepSize(value)
    case 'membership':
      return deduction + (Array.isArray(value) || value instanceof Set ? deepSize(value) : 0)
    case 'size':
    case 'range':
      return deduction + (Array.isArray(value) || value instanceof Set || value instanceof Map ? 0 : shallowSize(value))
    case 'type':
      return deduction
  }
}

/**
 * cel-js deduces the runtime type of a `dyn` operand by descending through
 * first elements (`[[[…]]]` is `list<list<list<…>>>`), spelling each level's
 * type name anew: quadratic in the depth, ~300 ns × depth² (5 s for 4,000
 * levels, which 64 KiB of JSON can nest). Charged as 4 × (depth + depth²).
 */
export function typeDeductionCost(value: object): number {
  const memo = active?.typeDepths
  let depth = memo?.get(value)
  if (depth === undefined) {
    depth = 0
    let current: unknown = value
    while (current !== null && typeof current === 'object') {
      const first = firstElement(current)
      if (first === noElement) break
      depth++
      current = first
    }
    memo?.set(value, depth)
  }
  return depth <= 1 ? 0 : 4 * (depth + depth * depth)
}

const noElement = Symbol('no element')

function firstElement(value: object): unknown {
  if (Array.isArray(value)) return value.length > 0 ? value[0] : noElement
  if (value instanceof Map || value instanceof Set) {
    for (const v of value.values()) return v
    return noElement
  }
  if (value instanceof Uint8Array || !isPlainObject(value)) return noElement
  for (const key in value) return (value as Record<string, unknown>)[key]
  return noElement
}

const isPlainObject = (value: object) => {
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function shallowSize(value: object): number {
  if (Array.isArray(value)) return value.length
  if (value instanceof Uint8Array) return textCost(value.length)
  if (value instanceof Map || value instanceof Set) return value.size
  if (!isPlainObject(value)) return 1
  const memo = active?.shallowSizes
  const known = memo?.get(value)
  if (known !== undefined) return known
  let count = 0
  for (const key in value) if (Object.hasOwn(value, key)) count++
  memo?.set(value, count * unitsPerMapKey)
  return count * unitsPerMapKey
}

/**
 * Entries and characters of everything reachable, each occurrence counted (as
 * an equality walks it), each object measured once per evaluation. Iterative:
 * hostile data may nest deeper than the stack.
 */
function deepSize(root: object): number {
  const memo = active?.deepSizes ?? new Map<object, number>()
  const known = memo.get(root)
  if (known !== undefined) return known
  const inProgress = new Set<object>()
  const stack: object[] = [root]
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!
    if (memo.has(top)) {
      stack.pop()
      continue
    }
    if (!inProgress.has(top)) {
      // first visit: measure the children first
      inProgress.add(top)
      forEachChild(top, (child) => {
        if (child !== null && typeof child === 'object' && !memo.has(child) && !inProgress.has(child)) stack.push(child)
      })
      continue
    }
    let total = 1 + (isPlainObject(top) && !Array.isArray(top) ? unitsPerMapKey * countKeys(top) : 0)
    forEachChild(top, (child) => {
      if (typeof child === 'string') total += textCost(child.length)
      else if (child !== null && typeof child === 'object') total += memo.get(child) ?? 1
      else total += 1
    })
    memo.set(top, total)
    inProgress.delete(top)
    stack.pop()
  }
  return memo.get(root)!
}

function countKeys(value: object): number {
  let count = 0
  for (const key in value) if (Object.hasOwn(value, key)) count++
  return count
}

function forEachChild(value: object, visit: (child: unknown) => void): void {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) visit(value[i])
  } else if (value instanceof Set) {
    for (const v of value) visit(v)
  } else if (value instanceof Map) {
    for (const [k, v] of value) {
      visit(k)
      visit(v)
    }
  } else if (!(value instanceof Uint8Array) && isPlainObject(value)) {
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue
      visit(key)
      visit((value as Record<string, unknown>)[key])
    }
  }
}
