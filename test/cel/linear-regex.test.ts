import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { compileRegex, RegexSyntaxError } from '../../src/cel/linear-regex.ts'

/** `matches()` runs on Xiezhi's linear-time engine (RE2 syntax); checked against cases and against JavaScript's RegExp. */
describe('linear-time regular expressions', () => {
  test('RE2 semantics on cases that matter to conditions', () => {
    const cases: [string, string, boolean][] = [
      ['hubba', 'ubb', true],
      ['', 'foo|bar', false],
      ['cows', '', true],
      ['grey', 'gr(a|e)y', true],
      ['mañana', 'a+ñ+a+', true],
      ['\u{1F431}\u{1F600}\u{1F600}', '(a|\u{1F600}){2}', true],
      ['xabc', '^abc', false],
      ['ABC', '(?i)abc', true],
      ['a\nb', 'a.b', false],
      ['a\nb', '(?s)a.b', true],
      ['line1\nline2', '(?m)^line2$', true],
      ['line1\nline2', '^line2$', false],
      ['foo bar', '\\bbar\\b', true],
      ['foobar', '\\bbar', false],
      ['x1', '^[[:alpha:]]\\d$', true],
      ['αβγ', '^\\p{Greek}+$', true],
      ['a]', '^[]a]+$', true],
      ['a+b', 'a\\Q+\\Eb', true],
      ['\u00a0', '\\s', false], // RE2's \s is ASCII
      ['é', '\\w', false], // and so is \w
      ['13800138000', '^1[3-9]\\d{9}$', true],
      ['user@example.com', '^[\\w.+-]+@[\\w-]+\\.[\\w.]+$', true],
    ]
    for (const [text, pattern, expected] of cases) assert.equal(compileRegex(pattern).test(text), expected, `${JSON.stringify(text)} matches ${pattern}`)
  })

  test('what RE2 does not have is refused, with the reason', () => {
    for (const [pattern, reason] of [
      ['(a)\\1', /backreference/],
      ['(?=a)', /lookaround/],
      ['(?<!a)b', /lookaround/],
      ['a**', /repetition/],
      ['*a', /missing argument/],
      ['(a', /missing closing \)/],
      ['[a', /missing closing \]/],
      ['a{1001}', /repetition count/],
      ['[z-a]', /range/],
      ['\\pX', /Unicode class/],
    ] as const) {
      assert.throws(() => compileRegex(pattern), (e: unknown) => e instanceof RegexSyntaxError && reason.test(e.message), pattern)
    }
    assert.throws(() => compileRegex('((a{100}){100})', 2_000), /more than 2000 instructions/)
  })

  test('time is linear in the text where a backtracking engine explodes', () => {
    // JavaScript's RegExp takes ~25 s for a*a*b on 4,096 a's, and longer the more there are
    for (const pattern of ['a*a*b', '(a+)+b', '(a|a)*c', '(\\w+\\s?)*$!']) {
      const regex = compileRegex(pattern)
      const started = performance.now()
      assert.equal(regex.test('a'.repeat(65_536)), false)
      assert.ok(performance.now() - started < 2_000, `${pattern} on 64 KiB`)
    }
  })

  test('agrees with JavaScript RegExp where RE2 and JavaScript mean the same (random patterns)', () => {
    // ASCII text without \r or U+2028/9 (JavaScript's `.` excludes them, RE2's only \n); no \s (Unicode in JavaScript)
    const atom = fc.constantFrom('a', 'b', 'ab', '.', '[ab]', '[^a]', '\\d', '\\w', '(a|b)', '(ab|b)', '(a*)', '1', '_', '\\.', '[a-c1]')
    const quantifier = fc.constantFrom('', '', '*', '+', '?', '{2}', '{1,3}', '{0,2}', '*?', '+?')
    const piece = fc.oneof({ weight: 8, arbitrary: fc.tuple(atom, quantifier).map(([a, q]) => a + q) }, { weight: 1, arbitrary: fc.constantFrom('^', '$', '\\b', '\\B') })
    const pattern = fc.tuple(fc.array(piece, { maxLength: 5 }), fc.array(piece, { maxLength: 3 }), fc.boolean()).map(([a, b, alt]) => (alt ? `${a.join('')}|${b.join('')}` : a.join('')))
    const text = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '1', '_', '.', ' ', '\n'), maxLength: 12 })
    fc.assert(
      fc.property(pattern, text, fc.boolean(), (p, t, ignoreCase) => {
        const source = ignoreCase ? `(?i)${p}` : p
        assert.equal(compileRegex(source).test(t), new RegExp(p, ignoreCase ? 'i' : '').test(t), `${source} on ${JSON.stringify(t)}`)
      }),
      { numRuns: 5_000, seed: Number(process.env.XIEZHI_FUZZ_SEED ?? 20261127) },
    )
  })
})
