/**
 * CEL syntax that cel-js's parser does not read, rewritten before it parses
 * (found by the conformance suite, docs/reference/cel-conformance.md):
 *
 * - raw bytes literals, `br'\d'` (and `bR`, `Br`, `BR`);
 * - doubles without a leading digit, `.99`, `.5e3`;
 * - backtick-quoted field names, ``m.`content-type` ``, ``has(m.`a/b`)``;
 * - optional list and map entries, `[?x]`, `{?k: v}`.
 *
 * The source is read token by token as CEL's grammar defines its tokens
 * (strings with every prefix and quote form, comments, numbers, identifiers),
 * so nothing inside a string literal or a comment is ever touched. Each
 * rewrite keeps the text's length, so every position cel-js reports stays
 * that of the source as written, and leaves a *mark*: what the node cel-js
 * builds at that position really is. `syntax-extensions.ts` puts the marks
 * into the parsed tree:
 *
 * | written      | cel-js parses   | mark                                   |
 * |--------------|-----------------|----------------------------------------|
 * | `br'\d'`     | ` r'\d'`        | the value is the bytes of `\d`         |
 * | `.5e3`       | ` 000`          | the value is the double 500            |
 * | `` .`a-b` `` | `.____`         | the field is named `a-b`               |
 * | `[?x]`       | `[!x]`          | the element is an optional entry       |
 *
 * Anything the reader does not recognise, or where cel-js's own reading of
 * a string would differ from CEL's (a raw string with a backslash before its
 * closing quote), leaves the whole text as written: cel-js then reports the
 * error it always did. A rewrite is made only where the written form is valid
 * CEL; invalid forms (`x.99`, ``x.`a`()``, `.5u`) stay as written and fail
 * to parse, as in CEL.
 */

export type SourceMark =
  | { kind: 'double'; pos: number; end: number; value: number }
  | { kind: 'bytes'; pos: number; end: number; value: Uint8Array }
  | { kind: 'field'; pos: number; end: number; value: string }
  | { kind: 'optionalEntry'; pos: number }

export interface RewrittenSource {
  /** The text cel-js parses: as long as the source, equal to it outside the rewrites. */
  text: string
  /** One per rewrite, in source order. Empty when the text is the source. */
  marks: SourceMark[]
}

// Only sources containing one of these can need a rewrite: the common case costs one scan.
const mayNeedRewrite = /[`?]|\.\d|[bB][rR]['"]/

export function rewriteSource(source: string): RewrittenSource {
  if (!mayNeedRewrite.test(source)) return { text: source, marks: [] }
  const tokens = tokenize(source)
  if (tokens === undefined) return { text: source, marks: [] }
  return rewrite(source, tokens)
}

type TokenKind =
  | 'ident' // identifiers, and the keywords true/false/null/in
  | 'escapedIdent'
  | 'number'
  | 'leadingDotDouble'
  | 'string'
  | 'bytes'
  | 'punct'

interface Token {
  kind: TokenKind
  start: number
  end: number
  /** The punctuation itself, for `punct`; the identifier, for `ident`. */
  text: string
  /** For `bytes`: whether raw (`br'...'`). For strings, bytes: the content between the quotes. */
  raw?: boolean
  content?: string
}

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9'
const isHexDigit = (c: string | undefined) => c !== undefined && /^[0-9a-fA-F]$/.test(c)
const isIdentStart = (c: string | undefined) => c !== undefined && /^[A-Za-z_]$/.test(c)
const isIdentPart = (c: string | undefined) => c !== undefined && /^[A-Za-z0-9_]$/.test(c)
/** CEL's escaped identifier characters: letters, digits, `_`, `.`, `-`, `/` and space. */
const isEscapedIdentPart = (c: string) => /^[A-Za-z0-9_./ -]$/.test(c)

const twoCharPuncts = new Set(['==', '!=', '<=', '>=', '&&', '||'])
const oneCharPuncts = new Set(['<', '>', '!', '?', ':', '.', ',', '[', ']', '{', '}', '(', ')', '+', '-', '*', '/', '%'])
const stringPrefixes = new Set(['r', 'R', 'b', 'B', 'br', 'bR', 'Br', 'BR'])

/** The source's tokens by CEL's lexical grammar, or undefined when it is not made of them. */
export function tokenize(source: string): Token[] | undefined {
  const tokens: Token[] = []
  let i = 0
  const n = source.length
  while (i < n) {
    const c = source[i]!
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
      i++
      continue
    }
    if (c === '/' && source[i + 1] === '/') {
      while (i < n && source[i] !== '\n') i++
      continue
    }
    const start = i
    if (isIdentStart(c)) {
      while (isIdentPart(source[i])) i++
      const word = source.slice(start, i)
      const quote = source[i]
      if ((quote === '"' || quote === "'") && stringPrefixes.has(word)) {
        const literal = readString(source, i, /[rR]/.test(word))
        if (literal === undefined) return undefined
        const bytes = word[0] === 'b' || word[0] === 'B'
        tokens.push({ kind: bytes ? 'bytes' : 'string', start, end: literal.end, text: '', raw: /[rR]/.test(word), content: literal.content })
        i = literal.end
        continue
      }
      tokens.push({ kind: 'ident', start, end: i, text: word })
      continue
    }
    if (c === '"' || c === "'") {
      const literal = readString(source, i, false)
      if (literal === undefined) return undefined
      tokens.push({ kind: 'string', start, end: literal.end, text: '', content: literal.content })
      i = literal.end
      continue
    }
    if (isDigit(c)) {
      i = readNumber(source, i)
      tokens.push({ kind: 'number', start, end: i, text: source.slice(start, i) })
      continue
    }
    if (c === '.' && isDigit(source[i + 1])) {
      i = readDigitsAndExponent(source, i + 1)
      tokens.push({ kind: 'leadingDotDouble', start, end: i, text: source.slice(start, i) })
      continue
    }
    if (c === '`') {
      let j = i + 1
      while (j < n && source[j] !== '`' && isEscapedIdentPart(source[j]!)) j++
      if (source[j] !== '`' || j === i + 1) return undefined
      tokens.push({ kind: 'escapedIdent', start, end: j + 1, text: source.slice(i + 1, j) })
      i = j + 1
      continue
    }
    const two = source.slice(i, i + 2)
    if (twoCharPuncts.has(two)) {
      tokens.push({ kind: 'punct', start, end: i + 2, text: two })
      i += 2
      continue
    }
    if (oneCharPuncts.has(c)) {
      tokens.push({ kind: 'punct', start, end: i + 1, text: c })
      i++
      continue
    }
    return undefined
  }
  return tokens
}

/**
 * A string literal's end and content, opening quote at `at`. Escapes are
 * skipped, not decoded (cel-js validates them). Undefined when unterminated,
 * or when cel-js would end it elsewhere: cel-js skips the character after a
 * backslash in raw strings too (`r'\'` is a whole raw string in CEL, not to
 * cel-js).
 */
function readString(source: string, at: number, raw: boolean): { end: number; content: string } | undefined {
  const q = source[at]!
  const triple = source[at + 1] === q && source[at + 2] === q
  const open = triple ? 3 : 1
  const close = (escapes: boolean): number | undefined => {
    for (let i = at + open; i < source.length; i++) {
      const c = source[i]!
      if (c === '\\' && escapes) i++
      else if (!triple && (c === '\n' || c === '\r')) return undefined
      else if (c === q && (!triple || (source[i + 1] === q && source[i + 2] === q))) return i
    }
    return undefined
  }
  const end = close(!raw)
  if (end === undefined || (raw && close(true) !== end)) return undefined
  return { end: end + open, content: source.slice(at + open, end) }
}

/** CEL's NUM_INT, NUM_UINT and NUM_FLOAT forms starting with a digit; the longest match, as the grammar's lexer takes. */
function readNumber(source: string, at: number): number {
  if (source[at] === '0' && (source[at + 1] === 'x' || source[at + 1] === 'X') && isHexDigit(source[at + 2])) {
    let i = at + 2
    while (isHexDigit(source[i])) i++
    return source[i] === 'u' || source[i] === 'U' ? i + 1 : i
  }
  let i = at
  while (isDigit(source[i])) i++
  let isDouble = false
  if (source[i] === '.' && isDigit(source[i + 1])) {
    i++
    while (isDigit(source[i])) i++
    isDouble = true
  }
  const afterExponent = readExponent(source, i)
  if (afterExponent !== i) return afterExponent
  if (!isDouble && (source[i] === 'u' || source[i] === 'U')) return i + 1
  return i
}

function readDigitsAndExponent(source: string, at: number): number {
  let i = at
  while (isDigit(source[i])) i++
  return readExponent(source, i)
}

/** `[eE][+-]?DIGIT+` at `at`: its end, or `at` when there is none. */
function readExponent(source: string, at: number): number {
  if (source[at] !== 'e' && source[at] !== 'E') return at
  let i = at + 1
  if (source[i] === '+' || source[i] === '-') i++
  if (!isDigit(source[i])) return at
  while (isDigit(source[i])) i++
  return i
}

/** A token after which an operand has ended: `[` then indexes and `{` builds a message, rather than starting a literal. */
function endsOperand(token: Token | undefined): boolean {
  if (token === undefined) return false
  if (token.kind === 'punct') return token.text === ')' || token.text === ']' || token.text === '}'
  if (token.kind === 'ident') return token.text !== 'in'
  return true
}

type Bracket = 'list' | 'index' | 'map' | 'message' | 'paren'

function rewrite(source: string, tokens: Token[]): RewrittenSource {
  const text = source.split('')
  const marks: SourceMark[] = []
  const open: Bracket[] = []
  for (let t = 0; t < tokens.length; t++) {
    const token = tokens[t]!
    const previous = tokens[t - 1]
    const next = tokens[t + 1]
    switch (token.kind) {
      case 'punct':
        if (token.text === '[') open.push(endsOperand(previous) ? 'index' : 'list')
        else if (token.text === '{') open.push(endsOperand(previous) ? 'message' : 'map')
        else if (token.text === '(') open.push('paren')
        else if (token.text === ']' || token.text === '}' || token.text === ')') open.pop()
        else if (token.text === '?' && startsEntry(previous, open.at(-1)) && source[token.end] !== '=') {
          // `[?e]` → `[!e]`: `!` applies to e's leftmost operand, where the mark finds it
          text[token.start] = '!'
          marks.push({ kind: 'optionalEntry', pos: token.start })
        }
        break
      case 'leadingDotDouble': {
        const value = Number(token.text)
        // after an operand (`x.5`) or before one (`.5u`, `.5.6`) it is a syntax error in CEL, and stays one
        if (endsOperand(previous) || !Number.isFinite(value) || isIdentPart(source[token.end]) || source[token.end] === '.') break
        // ` 000` parses as an int literal at the same place; the mark makes it the double
        text[token.start] = ' '
        for (let i = token.start + 1; i < token.end; i++) text[i] = '0'
        marks.push({ kind: 'double', pos: token.start + 1, end: token.end, value })
        break
      }
      case 'bytes':
        if (!token.raw) break
        // `br'…'` → ` r'…'`: cel-js reads a raw string there, and the mark makes it bytes
        text[token.start] = ' '
        marks.push({ kind: 'bytes', pos: token.start + 1, end: token.end, value: utf8.encode(token.content!) })
        break
      case 'escapedIdent': {
        // only a selected field (`.`, `.?`), not followed by a call or by more identifier text
        const selects = previous?.kind === 'punct' && (previous.text === '.' || (previous.text === '?' && tokens[t - 2]?.kind === 'punct' && tokens[t - 2]!.text === '.'))
        if (!selects || (next?.kind === 'punct' && next.text === '(') || isIdentPart(source[token.end])) break
        for (let i = token.start; i < token.end; i++) text[i] = '_'
        marks.push({ kind: 'field', pos: token.start, end: token.end, value: token.text })
        break
      }
    }
  }
  return marks.length === 0 ? { text: source, marks } : { text: text.join(''), marks }
}

const utf8 = new TextEncoder()

/** A `?` that opens a list element or a map entry: right after `[`/`{` of a literal, or after a `,` directly inside one. */
function startsEntry(previous: Token | undefined, innermost: Bracket | undefined): boolean {
  if (previous?.kind !== 'punct' || (innermost !== 'list' && innermost !== 'map')) return false
  return previous.text === ',' || previous.text === (innermost === 'list' ? '[' : '{')
}
