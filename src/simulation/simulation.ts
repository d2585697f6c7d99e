import { invalidInput } from '../core/errors.ts'
import { parseDayOrInstant } from '../core/day-or-instant.ts'
import { dayMs } from './activity-cycle.ts'
import { Population } from './customers.ts'
import { startAccountTakeovers } from './scenarios/account-takeover.ts'
import { startDebtAvoidanceAgents } from './scenarios/debt-avoidance-agents.ts'
import { startFakeMarketingTraffic } from './scenarios/fake-marketing-traffic.ts'
import { startFraudRings } from './scenarios/fraud-rings.ts'
import { startIntermediaries } from './scenarios/intermediaries.ts'
import { startScamVictims } from './scenarios/scam-victims.ts'
import { type GroundTruth, type SimulatedEvent, World } from './world.ts'
import { type WorldConfig, defaultWorldConfig } from './world-config.ts'

export interface SimulationOptions {
  seed: number
  days: number
  customers: number
  /** First local (Beijing) day, YYYY-MM-DD, or an exact ISO 8601 instant. Default 2026-01-01. */
  start?: string
  /** Prefix of event ids; default `sim<seed>-`. */
  idPrefix?: string
  labelEvents?: boolean
  config?: WorldConfig
}

export const defaultStart = '2026-01-01'

/**
 * A lending population over a period: the same seed and options give the
 * same events, byte for byte. Events come out in time order; ground truth
 * goes to `onTruth`, never into the events.
 */
export function* simulate(options: SimulationOptions, onTruth: (truth: GroundTruth) => void = () => {}): Generator<SimulatedEvent> {
  const startMs = checkOptions(options)
  const world = new World(
    {
      seed: options.seed,
      startMs,
      endMs: startMs + options.days * dayMs,
      customers: options.customers,
      idPrefix: options.idPrefix ?? `sim${options.seed}-`,
      labelEvents: options.labelEvents ?? false,
      config: options.config ?? defaultWorldConfig,
    },
    onTruth,
  )
  const population = new Population(world)
  world.as('genuine', () => population.start())
  world.as('fraud_ring', () => startFraudRings(world, population))
  world.as('intermediary', () => startIntermediaries(world, population))
  world.as('account_takeover', () => startAccountTakeovers(world, population))
  world.as('scam_victim', () => startScamVictims(world, population))
  world.as('debt_avoidance_agent', () => startDebtAvoidanceAgents(world, population))
  world.as('fake_marketing_traffic', () => startFakeMarketingTraffic(world))
  for (;;) {
    const ready = world.step()
    if (ready.length === 0) return
    for (let i = 0; i < ready.length; i++) yield ready[i]!
  }
}

/** Checks the options, naming every mistake; returns the start instant. */
function checkOptions(options: SimulationOptions): number {
  const issues = []
  const startMs = parseDayOrInstant(options.start ?? defaultStart) ?? Number.NaN
  if (Number.isNaN(startMs))
    issues.push({ pointer: '/start', code: 'invalid_date', message: 'give YYYY-MM-DD (a Beijing day) or an ISO 8601 instant' })
  // the generators take 32 bits: a larger seed would silently repeat a smaller one's world
  if (!(Number.isInteger(options.seed) && options.seed >= 0 && options.seed < 2 ** 32))
    issues.push({ pointer: '/seed', code: 'out_of_range', message: 'the seed must be a whole number from 0 to 4294967295' })
  if (!(options.days > 0 && options.days <= 3_660)) issues.push({ pointer: '/days', code: 'out_of_range', message: 'days must be above 0 and at most 3660' })
  if (!(Number.isInteger(options.customers) && options.customers >= 0 && options.customers <= 50_000_000))
    issues.push({ pointer: '/customers', code: 'out_of_range', message: 'customers must be a whole number from 0 to 50,000,000' })
  if (issues.length > 0) throw invalidInput('The simulation options have errors', issues)
  return startMs
}
