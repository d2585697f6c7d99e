import type { Logger } from 'pino'
import type { Action } from '../core/actions.ts'
import { simulate } from '../simulation/simulation.ts'
import { type WorldConfig, defaultWorldConfig } from '../simulation/world-config.ts'
import { type Engine, defaultTenant } from './open-engine.ts'

export interface DemoOptions {
  /** Events per second fed to the engine. */
  rate: number
  /** Days of simulated history, ending now. */
  days: number
  customers: number
  seed: number
}

export const defaultDemoOptions: DemoOptions = { rate: 100, days: 7, customers: 3_000, seed: 1 }

/**
 * The demo world has more of every kind of attack than a real lender, and
 * fewer routine logins and stray clicks, so that the review desk has work
 * within the first minute.
 */
export const demoWorldConfig: WorldConfig = {
  ...defaultWorldConfig,
  customers: { ...defaultWorldConfig.customers, loginsPerDay: 0.15, strayClicksPerCustomer: 0.5 },
  fraudRings: { ...defaultWorldConfig.fraudRings, applicationShare: 0.04 },
  intermediaries: { ...defaultWorldConfig.intermediaries, applicationShare: 0.03 },
  accountTakeover: { borrowersPerMonth: 0.02 },
  scamVictims: { ...defaultWorldConfig.scamVictims, borrowersPerMonth: 0.03 },
  debtAvoidanceAgents: { ...defaultWorldConfig.debtAvoidanceAgents, per10kCustomers: 15 },
}

/**
 * Feeds simulated traffic into a serving engine in the background: the
 * last `days` of a lending population, up to now, at `rate` events per
 * second, with the delayed labels. Each start gets its own event ids, so a
 * restart on the same data directory adds a new population rather than
 * colliding with the last one.
 */
export function startDemoTraffic(engine: Engine, logger: Logger, options: DemoOptions): { stop(): Promise<void> } {
  const startedAtMs = engine.clock.nowMs()
  const events = simulate({
    seed: options.seed,
    days: options.days,
    customers: options.customers,
    start: new Date(startedAtMs - options.days * 86_400_000).toISOString(),
    idPrefix: `demo-${Math.floor(startedAtMs / 1000)}-`,
    labelEvents: true,
    config: demoWorldConfig,
  })
  let stopped = false
  const actions: Partial<Record<Action, number>> = {}
  let sent = 0
  const report = setInterval(() => logger.info({ decided: sent, actions }, 'demo traffic'), 30_000)
  report.unref()
  const play = async (began: number) => {
    for (const event of events) {
      if (stopped) return
      const wait = began + (sent * 1000) / options.rate - performance.now()
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
      if (stopped) return
      try {
        const { body } = await engine.decisions.decide(defaultTenant, event)
        const action = (JSON.parse(body) as { action: Action }).action
        actions[action] = (actions[action] ?? 0) + 1
      } catch (error) {
        logger.warn({ err: error, eventId: event.id }, 'demo event refused')
      }
      sent++
    }
    logger.info({ decided: sent, actions }, 'demo traffic finished: the simulated period has caught up with now')
  }
  const run = (async () => {
    const began = performance.now()
    try {
      await play(began)
    } catch (error) {
      // bad options or a broken simulation end the demo, never the server
      logger.error({ err: error }, 'demo traffic stopped')
    } finally {
      clearInterval(report)
    }
  })()
  logger.info({ ...options, from: new Date(startedAtMs - options.days * 86_400_000).toISOString() }, 'demo traffic started')
  return {
    async stop() {
      stopped = true
      clearInterval(report)
      await run
    },
  }
}
