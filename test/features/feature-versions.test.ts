import assert from 'node:assert/strict'
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { parse, stringify } from 'yaml'
import { readConfig } from '../../src/app/config.ts'
import { defaultTenant, openEngine } from '../../src/app/open-engine.ts'
import { observedEvent } from '../../src/features/observed-event.ts'
import { exampleEvent, tempDataDir } from '../support/temp-engine.ts'

const shipped = new URL('../../config', import.meta.url).pathname

test('a new feature starts with its history; a changed one gets a new version', async () => {
  const data = tempDataDir('xiezhi-feature-versions-')
  const configDir = join(data.dir, 'config')
  cpSync(shipped, configDir, { recursive: true })
  const catalogueFile = join(configDir, 'features.yaml')
  const withFeature = (window: string) => {
    const doc = parse(readFileSync(join(shipped, 'features.yaml'), 'utf8')) as { features: object[] }
    doc.features.push({ name: 'loginsPerDeviceRecent', kind: 'count', entity: 'device', eventTypes: ['login'], window })
    writeFileSync(catalogueFile, stringify(doc))
  }
  const open = () => openEngine(readConfig({ XIEZHI_DATA_DIR: data.dir, XIEZHI_CONFIG_DIR: configDir }, { authDisabled: true }))
  const login = (i: number) => exampleEvent('login', { id: `fv-${i}`, occurredAt: new Date(Date.now() - (10 - i) * 60_000).toISOString(), data: { deviceId: 'dev-fv' } })
  try {
    let engine = await open()
    for (let i = 0; i < 5; i++) await engine.decisions.decide(defaultTenant, login(i))
    await engine.close()

    // the feature is declared after the events happened: at start its window is filled from the log
    withFeature('7d')
    engine = await open()
    const probe = engine.registry.accept(defaultTenant, login(9))
    const values = engine.features.read(observedEvent(probe, (kind, value) => engine.vault.blindIndex(kind, value)))
    assert.equal(values.loginsPerDeviceRecent, 5)
    assert.equal(engine.featureVersions.get('loginsPerDeviceRecent')?.version, 1)
    assert.equal(engine.featureVersions.get('loginsPerDevice10m')?.version, 1)
    await engine.close()

    // the same definition keeps its version; a changed window is version 2, and both are kept
    engine = await open()
    assert.equal(engine.featureVersions.get('loginsPerDeviceRecent')?.version, 1)
    await engine.close()
    withFeature('30d')
    engine = await open()
    assert.equal(engine.featureVersions.get('loginsPerDeviceRecent')?.version, 2)
    const versions = await engine.store.listFeatureVersions('loginsPerDeviceRecent')
    assert.deepEqual(
      versions.map((v) => [v.version, JSON.parse(v.definition).window]),
      [
        [1, '7d'],
        [2, '30d'],
      ],
    )
    await engine.close()
  } finally {
    data.remove()
  }
})
