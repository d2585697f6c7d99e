import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { parse as parseYaml } from 'yaml'
import { systemReasons } from '../../src/core/reason.ts'
import { defaultWorldConfig } from '../../src/simulation/world-config.ts'

/** Codes are a contract: a code the software emits must be documented in docs/reference/. */
const root = new URL('../..', import.meta.url).pathname
const read = (path: string) => readFileSync(join(root, path), 'utf8')
const documented = (page: string) => new Set([...read(page).matchAll(/`([A-Za-z0-9_<>.-]+)`/g)].map((m) => m[1]!))

const sourceFiles = (dir: string): string[] =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  )

test('every error kind and field code in src/ is documented in docs/reference/problems.md', () => {
  const docs = documented('docs/reference/problems.md')
  const source = sourceFiles('src').map(read).join('\n')
  const kinds = [...read('src/core/errors.ts').matchAll(/\| '([a-z_]+)'/g)].map((m) => m[1]!.replaceAll('_', '-'))
  const fieldCodes = [
    ...source.matchAll(/code: '([a-z_]+)'/g),
    ...source.matchAll(/fail\([^,]+, '([a-z_]+)'/g),
  ].map((m) => m[1]!)
  const missing = [...new Set([...kinds, ...fieldCodes])].filter((code) => !docs.has(code))
  assert.ok(kinds.length >= 8 && fieldCodes.length >= 15, 'the scan found the codes')
  assert.deepEqual(missing, [])
})

test('every reason code of the platform and the shipped strategies is documented in docs/reference/reason-codes.md', () => {
  const docs = documented('docs/reference/reason-codes.md')
  const strategyCodes = readdirSync(join(root, 'config/strategies')).flatMap((file) => {
    const doc = parseYaml(read(join('config/strategies', file))) as { ruleSets: { rules: { reason: { code: string } }[] }[] }
    return doc.ruleSets.flatMap((set) => set.rules.map((rule) => rule.reason.code))
  })
  const missing = [...Object.keys(systemReasons), ...strategyCodes].filter((code) => !docs.has(code))
  assert.ok(strategyCodes.length >= 15)
  assert.deepEqual(missing, [])
})

test('every setting of the simulated world is documented in docs/simulation.md', () => {
  const docs = documented('docs/simulation.md')
  const keys = Object.entries(defaultWorldConfig).flatMap(([section, settings]) => Object.keys(settings).map((key) => `${section}.${key}`))
  assert.ok(keys.length >= 20)
  assert.deepEqual(
    keys.filter((key) => !docs.has(key)),
    [],
  )
})
