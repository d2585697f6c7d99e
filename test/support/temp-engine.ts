import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readConfig } from '../../src/app/config.ts'
import { type Engine, type EngineOptions, openEngine } from '../../src/app/open-engine.ts'

/** A fresh data directory that removes itself; tests never share state through it. */
export function tempDataDir(prefix = 'xiezhi-test-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** The engine on the embedded default, with the shipped config, over a given data directory. */
export function openTestEngine(dataDir: string, options: EngineOptions = {}): Promise<Engine> {
  return openEngine(readConfig({ XIEZHI_DATA_DIR: dataDir }, { authDisabled: true }), options)
}

const examples = join(new URL('../../examples/events', import.meta.url).pathname)

/** The example event of a type, with overrides for its envelope and data. */
export function exampleEvent(type: string, overrides: { id?: string; occurredAt?: string; data?: Record<string, unknown> } = {}) {
  const event = JSON.parse(readFileSync(join(examples, `${type}.json`), 'utf8')) as { id: string; type: string; occurredAt: string; data: Record<string, unknown> }
  return { ...event, ...overrides, data: { ...event.data, ...overrides.data } }
}
