import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildServer, createLogger } from '../api/build-server.ts'
import { readConfig } from '../app/config.ts'
import { type DemoOptions, startDemoTraffic } from '../app/demo-traffic.ts'
import { defaultTenant, openEngine } from '../app/open-engine.ts'

/**
 * Starts the HTTP service on the embedded default and stops cleanly on
 * SIGINT/SIGTERM; with `demo`, also feeds it simulated traffic.
 */
export async function serve(overrides: { port?: number; host?: string } = {}, demo?: DemoOptions) {
  const config = readConfig(process.env, overrides)
  const logger = createLogger(config.logLevel)
  const engine = await openEngine(config, {
    onFatal: (error) => {
      logger.fatal({ err: error }, 'the decision log could not be written; stopping so that a restart rebuilds state from it')
      process.exit(1)
    },
    onSnapshotError: (error) => logger.warn({ err: error }, 'the feature or graph snapshot could not be written; decisions go on, and a restart replays more of the decision log'),
  })
  const { events, ms, snapshot, tenants } = engine.rebuilt
  logger.info({ dataDir: config.dataDir, snapshot, replayedEvents: events, rebuildMs: ms, tenants }, snapshot === 'restored' ? 'feature state restored from its snapshot and the decision log after it' : 'feature state rebuilt from the decision log')
  const graph = engine.graphRebuilt
  logger.info(
    { graphSnapshot: graph.snapshot, graphAddedEvents: graph.events, graphRebuildMs: graph.ms, graphTenants: graph.tenants },
    graph.snapshot === 'restored' ? 'graph restored from its snapshot and the decision log after it' : 'graph rebuilt from the decision log',
  )
  await ensureBootstrapKey(engine, logger)
  await warnOfTenantsWithoutStrategies(engine, logger)
  const { app } = await buildServer(engine, { logger })
  const address = await app.listen({ port: config.port, host: config.host })
  logger.info({ address, docs: `${address}/docs` }, 'xiezhi is serving decisions')
  const demoTraffic = demo ? startDemoTraffic(engine, logger, demo) : undefined
  const stop = async (signal: string) => {
    logger.info({ signal }, 'stopping')
    await demoTraffic?.stop()
    await app.close()
    await engine.close()
    process.exit(0)
  }
  process.once('SIGINT', () => void stop('SIGINT'))
  process.once('SIGTERM', () => void stop('SIGTERM'))
}

/** A fresh install gets one key, written beside the data (owner-readable), so the quickstart works at once. */
async function ensureBootstrapKey(engine: Awaited<ReturnType<typeof openEngine>>, logger: ReturnType<typeof createLogger>) {
  if (engine.config.authDisabled) {
    logger.warn('XIEZHI_AUTH=off: the API accepts requests without a key; never run like this outside a laptop')
    return
  }
  const file = join(engine.config.dataDir, 'bootstrap-api-key')
  if ((await engine.apiKeys.list()).length > 0 || existsSync(file)) return
  const { key, id } = await engine.apiKeys.create('bootstrap', defaultTenant)
  writeFileSync(file, `${key}\n`, { mode: 0o600 })
  logger.info({ keyId: id, file }, 'created a first API key; read it from the file (it is not logged)')
}

/**
 * A tenant whose keys may send events but that has no live strategy of its own gets NO_STRATEGY (approved) for every
 * event: strategies are per tenant, with no fallback to the default tenant's. Said at start, because after the upgrade
 * to per-tenant strategies (migration 0013) that is what every tenant but the default one meets until it has its own.
 */
async function warnOfTenantsWithoutStrategies(engine: Awaited<ReturnType<typeof openEngine>>, logger: ReturnType<typeof createLogger>) {
  const withKeys = new Set((await engine.apiKeys.list()).filter((k) => k.revokedAtMs === null).map((k) => k.tenantId))
  for (const tenantId of withKeys) {
    if (engine.strategies.all(tenantId).length === 0) {
      logger.warn({ tenantId }, "this tenant's API keys are live but it has no live strategy: its events are approved with NO_STRATEGY until one of its own is deployed (docs/reference/strategies.md, Tenants)")
    }
  }
}
