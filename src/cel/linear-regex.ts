/**
 * `string.matches(pattern)` in linear time. CEL specifies RE2 syntax, whose
 * point is that matching never backtracks; JavaScript's RegExp backtracks, so
 * `'a'.repeat(4096).matches('a*a*b')` takes 25 s on it. Here a pattern is
 * parsed (RE2 syntax: no backreferences, no lookaround), compiled to a
 * Thompson NFA and run as a Pike VM: time O(text × program), memory O(program).
 *
 * Semantics follow RE2 where they matter for a boolean search: the match may
 * be anywhere (CEL's `matches` is a search); `\d \s \w \b` are ASCII; `.`
 * excludes `\n` unless `(?s)`; `^`/`$` are text anchors unless `(?m)`;
 * flags `i m s U` (U only changes which match is reported, not whether one
 * exists); `\pN`, `\p{Greek}`, POSIX `[[:alpha:]]` classes; `\Q…\E`; counted
 * repetition up to 1000. Case folding (`(?i)`) uses the code point's simple
 * lower/upper case, which is RE2's folding for all but a few special letters.
 */

/** A malformed or unsupported pattern: the message says what and where. */
export class RegexSyntaxError extends Error {
  constructor(pattern: string, problem: string) {
    super(`invalid regular expression ${JSON.stringify(pattern)}: ${problem}`)
    this.name = 'RegexSyntaxError'
  }
}

type CharTest = (cp: number) => boolean

type Node =
  | { kind: 'empty' }
  | { kind: 'char'; test: CharTest }
  | { kind: 'concat'; items: Node[] }
  | { kind: 'alt'; items: Node[] }
  | { kind: 'repeat'; item: Node; min: number; max: number }
  | { kind: 'assert'; what: Assertion }

type Assertion = 'text_start' | 'text_end' | 'line_start' | 'line_end' | 'word_boundary' | 'not_word_boundary'

interface Flags {
  i: boolean
  m: boolean
  s: boolean
}

const maxRepeat = 1000

// ---------------------------------------------------------------------------
// Character classes
// ---------------------------------------------------------------------------

type Range = readonly [number, number]

const cp = (c: string) => c.codePointAt(0)!
const range = (from: string, to: string = from): Range => [cp(from), cp(to)]

const perlClasses: Record<string, Range[]> = {
  d: [range('0', '9')],
  s: [range('\t', '\n'), range('\f', '\r'), range(' ')],
  w: [range('0', '9'), range('A', 'Z'), range('_'), range('a', 'z')],
}

const posixClasses: Record<string, Range[]> = {
  alnum: [range('0', '9'), range('A', 'Z'), range('a', 'z')],
  alpha: [range('A', 'Z'), range('a', 'z')],
  ascii: [[0, 0x7f]],
  blank: [range('\t'), range(' ')],
  cntrl: [[0, 0x1f], [0x7f, 0x7f]],
  digit: [range('0', '9')],
  graph: [range('!', '~')],
  lower: [range('a', 'z')],
  print: [range(' ', '~')],
  punct: [range('!', '/'), range(':', '@'), range('[', '`'), range('{', '~')],
  space: [range('\t', '\r'), range(' ')],
  upper: [range('A', 'Z')],
  word: perlClasses.w!,
  xdigit: [range('0', '9'), range('A', 'F'), range('a', 'f')],
}

const inRanges = (ranges: readonly Range[], c: number) => ranges.some(([lo, hi]) => c >= lo && c <= hi)

/** `\p{Name}` through JavaScript's Unicode property escapes: general categories, then scripts. */
function unicodeProperty(name: string, pattern: string): CharTest {
  if (name === 'Any') return () => true
  for (const source of [`^\\p{${name}}$`, `^\\p{Script=${name}}$`]) {
    if (!/^[A-Za-z_]+$/.test(name)) break
    try {
      const re = new RegExp(source, 'u')
      // a property test builds a string per call; remember answers (bounded) for the code points seen
      const known = new Map<number, boolean>()
      return (c) => {
        let answer = known.get(c)
        if (answer === undefined) {
          answer = re.test(String.fromCodePoint(c))
          if (known.size < 4096) known.set(c, answer)
        }
        return answer
      }
    } catch {
      // not this kind of property; try the next
    }
  }
  throw new RegexSyntaxError(pattern, `unknown Unicode class \\p{${name}}`)
}

/** The code point a one-code-point string holds, or -1 (case mappings such as ß → SS are not simple folds). */
const single = (s: string) => {
  const c = s.codePointAt(0)!
  return s.length === (c > 0xffff ? 2 : 1) ? c : -1
}

/** Case-insensitive: the code point, or its simple lower or upper case, passes. */
function folded(test: CharTest): CharTest {
  return (c) => {
    if (test(c)) return true
    if (c < 128) {
      const other = c >= 65 && c <= 90 ? c + 32 : c >= 97 && c <= 122 ? c - 32 : -1
      return other !== -1 && test(other)
    }
    const s = String.fromCodePoint(c)
    const lower = single(s.toLowerCase())
    const upper = single(s.toUpperCase())
    return (lower !== -1 && lower !== c && test(lower)) || (upper !== -1 && upper !== c && test(upper))
  }
}

// ---------------------------------------------------------------------------
// Parser (RE2 syntax)
// ---------------------------------------------------------------------------

class Parser {
  private pos = 0
  private readonly chars: string[]

  constructor(private readonly pattern: string) {
    this.chars = [...pattern]
  }

  parse(): Node {
    const node = this.alternation({ i: false, m: false, s: false }, 0)
    if (this.pos < this.chars.length) this.fail(`unexpected ${this.chars[this.pos]}`)
    return node
  }

  private fail(problem: string): never {
    throw new RegexSyntaxError(this.pattern, problem)
  }

  private peek(offset = 0) {
    return this.chars[this.pos + offset]
  }

  private alternation(flags: Flags, depth: number): Node {
    if (depth > 100) this.fail('groups nested more than 100 deep')
    const branches: Node[] = []
    // flags set by `(?i)` inside a group last until the group ends, across `|`
    const scoped = { ...flags }
    for (;;) {
      branches.push(this.concatenation(scoped, depth))
      if (this.peek() !== '|') break
      this.pos++
    }
    return branches.length === 1 ? branches[0]! : { kind: 'alt', items: branches }
  }

  private concatenation(flags: Flags, depth: number): Node {
    const items: Node[] = []
    for (;;) {
      const c = this.peek()
      if (c === undefined || c === '|' || c === ')') break
      if (c === '*' || c === '+' || c === '?') this.fail(`missing argument to repetition operator ${c}`)
      if (c === '(' && this.peek(1) === '?' && this.flagGroup(flags)) continue
      if (c === '\\' && this.peek(1) === 'Q') {
        const quoted = this.quoted(flags)
        // a repetition after \Q…\E applies to its last character, as in RE2
        if (quoted.length > 0) quoted.push(this.repetitions(quoted.pop()!))
        items.push(...quoted)
        continue
      }
      const atom = this.atom(flags, depth)
      items.push(this.repetitions(atom))
    }
    if (items.length === 0) return { kind: 'empty' }
    return items.length === 1 ? items[0]! : { kind: 'concat', items }
  }

  /** `(?i)`, `(?-s)`…: changes the flags for the rest of the group; false when this is `(?i:…)` or a named group. */
  private flagGroup(flags: Flags): boolean {
    let end = this.pos + 2
    while (end < this.chars.length && /[imsU-]/.test(this.chars[end]!)) end++
    if (this.chars[end] !== ')') return false
    this.applyFlags(flags, this.chars.slice(this.pos + 2, end).join(''))
    this.pos = end + 1
    return true
  }

  private applyFlags(flags: Flags, spec: string) {
    if (spec === '' || spec.endsWith('-') || spec.split('-').length > 2) this.fail(`invalid flags (?${spec})`)
    let on = true
    for (const f of spec) {
      if (f === '-') on = false
      else if (f === 'i' || f === 'm' || f === 's') flags[f] = on
      // U (ungreedy) changes which match is reported, not whether there is one
    }
  }

  private quoted(flags: Flags): Node[] {
    this.pos += 2
    const items: Node[] = []
    while (this.pos < this.chars.length && !(this.peek() === '\\' && this.peek(1) === 'E')) items.push(this.literal(cp(this.chars[this.pos++]!), flags))
    if (this.pos < this.chars.length) this.pos += 2
    return items
  }

  private literal(code: number, flags: Flags): Node {
    const test: CharTest = (c) => c === code
    return { kind: 'char', test: flags.i ? folded(test) : test }
  }

  private atom(flags: Flags, depth: number): Node {
    const c = this.chars[this.pos++]!
    switch (c) {
      case '.': {
        const dotAll = flags.s
        return { kind: 'char', test: dotAll ? () => true : (x) => x !== 10 }
      }
      case '^':
        return { kind: 'assert', what: flags.m ? 'line_start' : 'text_start' }
      case '$':
        return { kind: 'assert', what: flags.m ? 'line_end' : 'text_end' }
      case '[':
        return this.charClass(flags)
      case '(':
        return this.group(flags, depth)
      case '\\':
        return this.escape(flags)
      default:
        return this.literal(cp(c), flags)
    }
  }

  private group(flags: Flags, depth: number): Node {
    const inner = { ...flags }
    if (this.peek() === '?') {
      const next = this.peek(1)
      if (next === 'P' && this.peek(2) === '<') this.groupName(3)
      else if (next === '<' && this.peek(2) !== '=' && this.peek(2) !== '!') this.groupName(2)
      else if (next === '=' || next === '!' || next === '<') this.fail('lookaround assertions are not supported (RE2)')
      else {
        let end = this.pos + 1
        while (end < this.chars.length && /[imsU-]/.test(this.chars[end]!)) end++
        if (this.chars[end] !== ':') this.fail(`invalid group (?${this.chars.slice(this.pos + 1, end + 1).join('')}`)
        this.applyFlags(inner, this.chars.slice(this.pos + 1, end).join(''))
        this.pos = end + 1
      }
    }
    const node = this.alternation(inner, depth + 1)
    if (this.peek() !== ')') this.fail('missing closing )')
    this.pos++
    return node
  }

  private groupName(skip: number) {
    const start = this.pos + skip
    let end = start
    while (end < this.chars.length && /\w/.test(this.chars[end]!)) end++
    if (end === start || this.chars[end] !== '>') this.fail('invalid named group')
    this.pos = end + 1
  }

  private repetitions(atom: Node): Node {
    let node = atom
    let repeated = false
    for (;;) {
      const c = this.peek()
      let min: number
      let max: number
      if (c === '*') [min, max] = [0, Infinity]
      else if (c === '+') [min, max] = [1, Infinity]
      else if (c === '?') [min, max] = [0, 1]
      else if (c === '{') {
        const counted = this.countedRepeat()
        if (!counted) return node
        ;[min, max] = counted
      } else return node
      if (c !== '{') this.pos++
      if (repeated) this.fail(`bad repetition operator ${c}`)
      repeated = true
      if (this.peek() === '?') this.pos++ // lazy: same set of matches
      node = { kind: 'repeat', item: node, min, max }
    }
  }

  /** `{n}`, `{n,}`, `{n,m}`; anything else after `{` is a literal brace (as in RE2). */
  private countedRepeat(): [number, number] | undefined {
    const rest = this.chars.slice(this.pos, this.pos + 16).join('')
    const m = /^\{(\d+)(,(\d*))?\}/.exec(rest)
    if (!m) return undefined
    const min = Number(m[1])
    const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3])
    if (min > maxRepeat || (max !== Infinity && max > maxRepeat) || max < min) this.fail(`bad repetition count ${m[0]}`)
    this.pos += [...m[0]].length
    return [min, max]
  }

  private escape(flags: Flags): Node {
    const c = this.chars[this.pos++]
    if (c === undefined) this.fail('trailing \\')
    switch (c) {
      case 'A':
        return { kind: 'assert', what: 'text_start' }
      case 'z':
        return { kind: 'assert', what: 'text_end' }
      case 'b':
        return { kind: 'assert', what: 'word_boundary' }
      case 'B':
        return { kind: 'assert', what: 'not_word_boundary' }
      case 'C':
        this.fail('\\C (any byte) is not supported')
    }
    const classTest = this.classEscape(c)
    if (classTest) return { kind: 'char', test: flags.i ? folded(classTest) : classTest }
    return this.literal(this.escapedCodePoint(c), flags)
  }

  /** `\d \D \s \S \w \W \pX \p{Name} \PX \P{Name}`, or undefined. */
  private classEscape(c: string): CharTest | undefined {
    if ('dswDSW'.includes(c)) {
      const ranges = perlClasses[c.toLowerCase()]!
      return c === c.toLowerCase() ? (x) => inRanges(ranges, x) : (x) => !inRanges(ranges, x)
    }
    if (c === 'p' || c === 'P') {
      let name: string
      if (this.peek() === '{') {
        const end = this.chars.indexOf('}', this.pos)
        if (end === -1) this.fail('missing } in \\p{…}')
        name = this.chars.slice(this.pos + 1, end).join('')
        this.pos = end + 1
      } else {
        name = this.chars[this.pos++] ?? this.fail('missing class name after \\p')
      }
      let negated = c === 'P'
      if (name.startsWith('^')) [negated, name] = [!negated, name.slice(1)]
      const test = unicodeProperty(name, this.pattern)
      return negated ? (x) => !test(x) : test
    }
    return undefined
  }

  /** A single-character escape: control characters, octal, hex, or escaped punctuation. */
  private escapedCodePoint(c: string): number {
    const controls: Record<string, number> = { a: 7, f: 12, t: 9, n: 10, r: 13, v: 11 }
    if (controls[c] !== undefined) return controls[c]!
    if (c >= '0' && c <= '7') {
      // \1…\7 alone would be a backreference, which RE2 does not have; \0 and \1x… are octal
      if (c !== '0' && !(this.peek()! >= '0' && this.peek()! <= '7')) this.fail(`backreference \\${c} is not supported`)
      let digits = c
      while (digits.length < 3 && this.peek()! >= '0' && this.peek()! <= '7') digits += this.chars[this.pos++]
      return Number.parseInt(digits, 8)
    }
    if (c === 'x') {
      let hex: string
      if (this.peek() === '{') {
        const end = this.chars.indexOf('}', this.pos)
        if (end === -1) this.fail('missing } in \\x{…}')
        hex = this.chars.slice(this.pos + 1, end).join('')
        this.pos = end + 1
      } else {
        hex = this.chars.slice(this.pos, this.pos + 2).join('')
        this.pos += 2
        if (hex.length !== 2) this.fail('\\x needs two hex digits')
      }
      const value = /^[0-9A-Fa-f]{1,6}$/.test(hex) ? Number.parseInt(hex, 16) : Number.NaN
      if (!(value <= 0x10ffff)) this.fail(`invalid hex escape \\x${hex}`)
      return value
    }
    const code = cp(c)
    if (code < 0x80 && !/[0-9A-Za-z]/.test(c)) return code
    return this.fail(`invalid escape \\${c}`)
  }

  private charClass(flags: Flags): Node {
    const ranges: Range[] = []
    const tests: CharTest[] = []
    let negated = false
    if (this.peek() === '^') {
      negated = true
      this.pos++
    }
    let first = true
    for (;;) {
      const c = this.peek()
      if (c === undefined) this.fail('missing closing ]')
      if (c === ']' && !first) break
      first = false
      if (c === '[' && this.peek(1) === ':') {
        const end = this.chars.indexOf(']', this.pos + 2)
        const spec = end > 0 ? this.chars.slice(this.pos, end + 1).join('') : ''
        const m = /^\[:(\^?)([a-z]+):\]$/.exec(spec)
        if (m && posixClasses[m[2]!]) {
          const set = posixClasses[m[2]!]!
          tests.push(m[1] ? (x) => !inRanges(set, x) : (x) => inRanges(set, x))
          this.pos = end + 1
          continue
        }
        if (m) this.fail(`unknown class [:${m[2]}:]`)
      }
      const low = this.classChar(tests)
      if (low === undefined) continue
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== undefined) {
        this.pos++
        const high = this.classChar(tests)
        if (high === undefined || high < low) this.fail('invalid character class range')
        ranges.push([low, high])
      } else ranges.push([low, low])
    }
    this.pos++
    let test: CharTest = (x) => inRanges(ranges, x) || tests.some((t) => t(x))
    if (flags.i) test = folded(test)
    return { kind: 'char', test: negated ? (x) => !test(x) : test }
  }

  /** One member of a class: a code point, or undefined when it was a class escape (added to `tests`). */
  private classChar(tests: CharTest[]): number | undefined {
    const c = this.chars[this.pos++]!
    if (c !== '\\') return cp(c)
    const e = this.chars[this.pos++]
    if (e === undefined) this.fail('trailing \\')
    const classTest = this.classEscape(e)
    if (classTest) {
      tests.push(classTest)
      return undefined
    }
    return this.escapedCodePoint(e)
  }
}

// ---------------------------------------------------------------------------
// Program (Thompson NFA) and Pike VM
// ---------------------------------------------------------------------------

type Instruction =
  | { op: 'char'; test: CharTest; next: number }
  | { op: 'split'; next: number; alt: number }
  | { op: 'assert'; what: Assertion; next: number }
  | { op: 'match' }

/** A jump target not known yet: called with it once it is. */
type Hole = (target: number) => void

class ProgramTooLarge extends Error {}

/** Emits instructions for a tree; every construct emits at least one, so a fragment starts where it was emitted. */
class Compiler {
  readonly program: Instruction[] = []

  constructor(private readonly maxInstructions: number) {}

  emit(node: Node): Hole[] {
    if (this.program.length > this.maxInstructions) throw new ProgramTooLarge()
    switch (node.kind) {
      case 'empty':
        return [this.jump()]
      case 'char': {
        const ins: Instruction = { op: 'char', test: withAsciiTable(node.test), next: -1 }
        this.program.push(ins)
        return [
          (t) => {
            ins.next = t
          },
        ]
      }
      case 'assert': {
        const ins: Instruction = { op: 'assert', what: node.what, next: -1 }
        this.program.push(ins)
        return [
          (t) => {
            ins.next = t
          },
        ]
      }
      case 'concat': {
        let holes = this.emit(node.items[0]!)
        for (const item of node.items.slice(1)) holes = this.followedBy(holes, item)
        return holes
      }
      case 'alt': {
        const holes: Hole[] = []
        const last = node.items.length - 1
        for (const item of node.items.slice(0, last)) {
          const split = { op: 'split' as const, next: this.program.length + 1, alt: -1 }
          this.program.push(split)
          holes.push(...this.emit(item))
          split.alt = this.program.length
        }
        holes.push(...this.emit(node.items[last]!))
        return holes
      }
      case 'repeat':
        return this.repeat(node.item, node.min, node.max)
    }
  }

  /** Emits `node` after a fragment whose exits are `holes`. */
  private followedBy(holes: Hole[], node: Node): Hole[] {
    const start = this.program.length
    for (const h of holes) h(start)
    return this.emit(node)
  }

  /** An unconditional jump: a split whose two branches go to the same place. */
  private jump(): Hole {
    const ins = { op: 'split' as const, next: -1, alt: -1 }
    this.program.push(ins)
    return (t) => {
      ins.next = t
      ins.alt = t
    }
  }

  /** `x{2,4}` is `x x x? x?`, `x{2,}` is `x x x*`. */
  private repeat(item: Node, min: number, max: number): Hole[] {
    if (max === 0) return [this.jump()]
    let holes: Hole[] | undefined
    for (let i = 0; i < min; i++) holes = holes ? this.followedBy(holes, item) : this.emit(item)
    const optional = (): Hole[] => {
      const start = this.program.length
      for (const h of holes ?? []) h(start)
      const split = { op: 'split' as const, next: start + 1, alt: -1 }
      this.program.push(split)
      const body = this.emit(item)
      if (max === Infinity) {
        for (const h of body) h(start)
        return [
          (t) => {
            split.alt = t
          },
        ]
      }
      return [
        ...body,
        (t) => {
          split.alt = t
        },
      ]
    }
    if (max === Infinity) return optional()
    for (let i = min; i < max; i++) holes = optional()
    return holes!
  }
}

/** The same test, answered from a table for ASCII (the common case in a hot loop), filled as characters are met. */
function withAsciiTable(test: CharTest): CharTest {
  const table = new Int8Array(128).fill(-1)
  return (c) => {
    if (c >= 128) return test(c)
    let answer = table[c]!
    if (answer === -1) {
      answer = test(c) ? 1 : 0
      table[c] = answer
    }
    return answer === 1
  }
}

const isWordChar = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95

/** A compiled pattern. `size` (the program length) is what a match costs per character of text. */
export interface LinearRegex {
  readonly source: string
  readonly size: number
  test(text: string): boolean
}

/**
 * Compiles an RE2 pattern. Throws RegexSyntaxError for syntax RE2 rejects or
 * this engine lacks, and when the program would exceed `maxInstructions`.
 */
export function compileRegex(pattern: string, maxInstructions = 5_000): LinearRegex {
  const key = `${maxInstructions}:${pattern}`
  const known = cache.get(key)
  if (known) return known
  const compiled = compileUncached(pattern, maxInstructions)
  if (cache.size >= cacheSize) cache.delete(cache.keys().next().value!)
  cache.set(key, compiled)
  return compiled
}

/** Compiled patterns are immutable and shared: the literal a strategy validates at load is the one its rules run. */
const cache = new Map<string, LinearRegex>()
const cacheSize = 512

function compileUncached(pattern: string, maxInstructions: number): LinearRegex {
  const tree = new Parser(pattern).parse()
  const compiler = new Compiler(maxInstructions)
  let holes: Hole[]
  try {
    holes = compiler.emit(tree)
    if (compiler.program.length > maxInstructions) throw new ProgramTooLarge()
  } catch (error) {
    if (error instanceof ProgramTooLarge) throw new RegexSyntaxError(pattern, `it compiles to more than ${maxInstructions} instructions`)
    throw error
  }
  const matchAt = compiler.program.length
  compiler.program.push({ op: 'match' })
  for (const h of holes) h(matchAt)
  const program = compiler.program
  return { source: pattern, size: program.length, test: (text) => search(program, text) }
}

/**
 * Pike VM: all threads advance together over the text, and a new one starts
 * at every position (a search, not a full match). Each instruction is added at
 * most once per position, so the time is O(text × program).
 */
function search(program: Instruction[], text: string): boolean {
  const n = program.length
  let current = new Int32Array(n)
  let following = new Int32Array(n)
  const seen = new Int32Array(n).fill(-1)
  const stack = new Int32Array(2 * n + 2)
  let generation = 0

  // adds pc and what it reaches without reading a character, between code points `before` and `after` (-1 at the ends); -1 on a match
  const add = (list: Int32Array, count: number, pc: number, before: number, after: number): number => {
    let top = 0
    stack[top++] = pc
    while (top > 0) {
      const at = stack[--top]!
      if (seen[at] === generation) continue
      seen[at] = generation
      const ins = program[at]!
      if (ins.op === 'match') return -1
      if (ins.op === 'char') list[count++] = at
      else if (ins.op === 'split') {
        stack[top++] = ins.alt
        stack[top++] = ins.next
      } else if (holds(ins.what, before, after)) stack[top++] = ins.next
    }
    return count
  }

  let position = 0
  let after = text.length > 0 ? text.codePointAt(0)! : -1
  let count = add(current, 0, 0, -1, after)
  if (count === -1) return true
  while (after !== -1) {
    const c = after
    position += c > 0xffff ? 2 : 1
    after = position < text.length ? text.codePointAt(position)! : -1
    generation++
    let next = 0
    for (let k = 0; k < count; k++) {
      const ins = program[current[k]!] as { test: CharTest; next: number }
      if (!ins.test(c)) continue
      next = add(following, next, ins.next, c, after)
      if (next === -1) return true
    }
    next = add(following, next, 0, c, after)
    if (next === -1) return true
    ;[current, following] = [following, current]
    count = next
  }
  return false
}

function holds(what: Assertion, before: number, after: number): boolean {
  switch (what) {
    case 'text_start':
      return before === -1
    case 'text_end':
      return after === -1
    case 'line_start':
      return before === -1 || before === 10
    case 'line_end':
      return after === -1 || after === 10
    case 'word_boundary':
      return isWordChar(before) !== isWordChar(after)
    case 'not_word_boundary':
      return isWordChar(before) === isWordChar(after)
  }
}
