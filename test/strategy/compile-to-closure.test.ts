import assert from 'node:assert/strict'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { readConfig } from '../../src/app/config.ts'
import { loadDefinitions, readDocument } from '../../src/app/load-definitions.ts'
import { EventTypeRegistry } from '../../src/events/event-type-registry.ts'
import { createCelEnvironment } from '../../src/cel/cel-environment.ts'
import { compileToClosure } from '../../src/cel/compile-to-closure.ts'
import { celValuesEqual, exprValueToCel, formatCelValue, readSimpleTestFile } from '../conformance/cel-textproto.ts'

/**
 * Closures must always answer as cel-js does. Checked differentially: on every
 * expression of the CEL conformance suite the compiler accepts, and on the
 * shipped strategies' conditions over random events and features.
 */
type Outcome = { value: unknown } | { error: true }

const outcome = (run: () => unknown): Outcome => {
  try {
    return { value: run() }
  } catch {
    return { error: true }
  }
}

const sameValue = (a: unknown, b: unknown) => {
  try {
    return celValuesEqual(a, b)
  } catch {
    return formatCelValue(a) === formatCelValue(b) // values the suite's comparer does not know, such as types
  }
}

const agree = (a: Outcome, b: Outcome) => ('error' in a ? 'error' in b : !('error' in b) && sameValue(a.value, b.value))

const show = (o: Outcome) => ('error' in o ? 'error' : formatCelValue(o.value))

const suiteDir = process.env.CEL_CONFORMANCE_DIR ?? fileURLToPath(new URL('../../../shared/data/cel-conformance/', import.meta.url))

describe('closures agree with cel-js', () => {
  test('on every conformance-suite expression they compile', () => {
    assert.ok(existsSync(suiteDir), `CEL conformance data not found at ${suiteDir}`)
    let compiled = 0
    const disagreements: string[] = []
    for (const file of readdirSync(suiteDir).filter((f) => f.endsWith('.textproto'))) {
      const suite = readSimpleTestFile(readFileSync(join(suiteDir, file), 'utf8'))
      for (const section of suite.sections) {
        for (const t of section.tests) {
          let context: Record<string, unknown>
          let parsed: ((c: Record<string, unknown>) => unknown) & { ast: unknown }
          try {
            context = Object.fromEntries(t.bindings.map((b) => [b.name, exprValueToCel(b.value)]))
            const env = createCelEnvironment()
            for (const name of Object.keys(context)) env.registerVariable(name, 'dyn')
            // the platform type-checks every expression at load; ill-typed ones never reach a closure
            if (!(env.check(t.expr) as { valid: boolean }).valid) continue
            parsed = env.parse(t.expr) as typeof parsed
          } catch {
            continue // bindings of protobuf messages, or syntax cel-js rejects: nothing to compile
          }
          const interpret = (c: Record<string, unknown>) => parsed(c)
          const closure = compileToClosure(parsed.ast, interpret)
          if (!closure) continue
          compiled++
          const expected = outcome(() => interpret(context))
          const actual = outcome(() => closure(context))
          if (!agree(expected, actual)) disagreements.push(`${file}/${section.name}/${t.name}: ${t.expr} → cel-js ${show(expected)}, closure ${show(actual)}`)
        }
      }
    }
    console.log(`closures compiled for ${compiled} conformance expressions; disagreements: ${disagreements.length}`)
    assert.ok(compiled > 300, `only ${compiled} expressions compiled`)
    assert.deepEqual(disagreements, [])
  })

  test('on the shipped strategies over random events and features', () => {
    const registry = new EventTypeRegistry(() => Date.now())
    const { strategies } = loadDefinitions(readConfig({}).configDir, registry, 'default')
    const runtime = createCelEnvironment().registerVariable('event', 'map').registerVariable('features', 'map').registerVariable('scores', 'map')
    const sources = [...strategies.values()].flatMap((s) => {
      const doc = readDocument(join(readConfig({}).configDir, 'strategies', `${s.id}.yaml`)) as { ruleSets: { rules: { when: string }[] }[]; offer?: Record<string, string> }
      return [...doc.ruleSets.flatMap((set) => set.rules.map((r) => r.when)), ...Object.values(doc.offer ?? {})]
    })
    const pairs = sources.map((source) => {
      const parsed = runtime.parse(source)
      const interpret = (c: Record<string, unknown>) => parsed(c)
      return { source, interpret, closure: compileToClosure(parsed.ast, interpret) }
    })
    assert.ok(pairs.every((p) => p.closure), `not compiled: ${pairs.filter((p) => !p.closure).map((p) => p.source)}`)
    const number = fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: 0n, max: 20n }), fc.double(), fc.integer(), fc.constant(null), fc.string())
    const featureNames = [...new Set(sources.flatMap((s) => [...s.matchAll(/features\.(\w+)/g)].map((m) => m[1]!)))]
    const dataFields = [...new Set(sources.flatMap((s) => [...s.matchAll(/event\.data\.(\w+)/g)].map((m) => m[1]!)))]
    fc.assert(
      fc.property(
        fc.record(Object.fromEntries(featureNames.map((n) => [n, number]))),
        fc.dictionary(fc.constantFrom(...dataFields), fc.oneof(number, fc.boolean())),
        fc.record({ fraud: fc.oneof(fc.double({ min: 0, max: 1 }), fc.bigInt({ min: 0n, max: 1n })), scam: fc.double({ min: 0, max: 1 }) }),
        (features, data, scores) => {
          const context = { event: { id: 'e', type: 't', occurredAt: 'now', data }, features, scores }
          for (const p of pairs) {
            const expected = outcome(() => p.interpret(context))
            const actual = outcome(() => p.closure!(context))
            assert.ok(agree(expected, actual), `${p.source}: cel-js ${show(expected)}, closure ${show(actual)}`)
          }
        },
      ),
      { numRuns: 2_000, seed: Number(process.env.XIEZHI_FUZZ_SEED ?? 20261127) },
    )
  })
})
