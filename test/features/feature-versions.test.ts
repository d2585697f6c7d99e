import assert from 'node:assert/strict'
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { parse, stringify } from 'yaml'
import { buildServer } from '../../src/api/build-server.ts'
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

test('a changed graph feature gets a new version, and the catalogue lists it with its type and versions', async () => {
  const data = tempDataDir('xiezhi-graph-feature-versions-')
  const configDir = join(data.dir, 'config')
  cpSync(shipped, configDir, { recursive: true })
  const withLabels = (labels: string[]) => {
    const doc = parse(readFileSync(join(shipped, 'features.yaml'), 'utf8')) as { features: { name: string; labels?: string[] }[] }
    doc.features.find((f) => f.name === 'fraudNodes2h30d')!.labels = labels
    writeFileSync(join(configDir, 'features.yaml'), stringify(doc))
  }
  const open = () => openEngine(readConfig({ XIEZHI_DATA_DIR: data.dir, XIEZHI_CONFIG_DIR: configDir }, { authDisabled: true }))
  try {
    let engine = await open()
    assert.equal(engine.featureVersions.get('fraudNodes2h30d')?.version, 1)
    assert.deepEqual(engine.graph.measureNames, engine.catalogue.features.filter((f) => f.kind === 'graph').map((f) => f.name))
    await engine.close()
    withLabels(['fraud', 'scam_victim'])
    engine = await open()
    assert.equal(engine.featureVersions.get('fraudNodes2h30d')?.version, 2)
    assert.equal(engine.featureVersions.get('riskNodes2h30d')?.version, 1, 'the others keep theirs')
    const versions = await engine.store.listFeatureVersions('fraudNodes2h30d')
    assert.deepEqual(
      versions.map((v) => [v.version, JSON.parse(v.definition).labels]),
      [
        [1, ['fraud']],
        [2, ['fraud', 'scam_victim']],
      ],
    )
    const { app } = await buildServer(engine)
    try {
      const described = (await app.inject({ url: '/v1/features/fraudNodes2h30d' })).json()
      assert.deepEqual(
        [described.kind, described.type, described.measure, described.hops, described.window, described.labels, described.version],
        ['graph', 'int', 'labelled_nodes', 2, '30d', ['fraud', 'scam_victim'], 2],
      )
      assert.equal((await app.inject({ url: '/v1/features/fraudNodes2h30d/versions' })).json().items.length, 2)
      assert.deepEqual((await app.inject({ url: '/v1/features/propagatedRisk' })).json().type, 'double')
    } finally {
      await app.close()
      await engine.close()
    }
  } finally {
    data.remove()
  }
})
