import { type Static, type TSchema, Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { parse } from 'yaml'
import { invalidInput } from '../core/errors.ts'

/**
 * The rates that shape the simulated lender. Defaults follow the source
 * articles and common consumer-credit figures; a YAML file given with
 * `xiezhi simulate --config` overrides any of them. Shares are fractions
 * (0.01 = 1 %); counts per month scale with the number of days simulated.
 */
const Share = (description: string) => Type.Number({ minimum: 0, maximum: 1, description })
const PerMonth = (description: string) => Type.Number({ minimum: 0, maximum: 1_000, description })
const Between = (low: number, high: number, description: string) =>
  Type.Tuple([Type.Integer({ minimum: low, maximum: high }), Type.Integer({ minimum: low, maximum: high })], { description: `${description} [least, most]` })

const section = <T extends Record<string, TSchema>>(properties: T) => Type.Object(properties, { additionalProperties: false })

export const WorldConfigSchema = section({
  customers: section({
    onBookShare: Share('customers who already have a loan when the period starts (their repayments fall inside it)'),
    applyShare: Share('customers who apply for credit after registering'),
    drawdownShare: Share('applicants who draw money down'),
    repeatDrawdownsPerMonth: PerMonth('further drawdowns per borrower per month'),
    loginsPerDay: Type.Number({ minimum: 0, maximum: 50, description: 'mean logins per customer per day' }),
    newDeviceShare: Share('logins from a device the customer has not used before (a new phone)'),
    householdShare: Share('arriving customers who share a home (address, network, often a device) with another customer'),
    complaintsPerMonth: PerMonth('genuine complaints per customer per month'),
    arriveByClickShare: Share('customers who arrive through a marketing click'),
    strayClicksPerCustomer: Type.Number({ minimum: 0, maximum: 100, description: 'clicks by people who never register, per customer' }),
    smeShare: Share('customers who are small businesses with production equipment'),
  }),
  credit: section({
    defaultRate: Share('drawn loans that reach 30 days past due (mean over the population)'),
    aprBps: Type.Integer({ minimum: 0, maximum: 10_000, description: 'annual interest rate in basis points' }),
  }),
  fraudRings: section({
    applicationShare: Share('applications that come from fraud rings (团伙)'),
    members: Between(2, 500, 'identities per ring'),
  }),
  intermediaries: section({
    applicationShare: Share('applications submitted by intermediaries (中介代办)'),
    clients: Between(2, 1_000, 'people each intermediary applies for'),
  }),
  accountTakeover: section({
    borrowersPerMonth: Share('borrowers whose account is taken over (冒用) per month'),
  }),
  scamVictims: section({
    borrowersPerMonth: Share('borrowers deceived into borrowing by telecom scammers (被骗借款) per month'),
    overTenThousandShare: Share('victims who lose more than 10,000 RMB'),
  }),
  debtAvoidanceAgents: section({
    per10kCustomers: PerMonth('agents (债闹) active per 10,000 customers per month'),
    clients: Between(2, 1_000, 'borrowers each agent files complaints for'),
  }),
  fakeTraffic: section({
    burstsPerDayPer10kCustomers: Type.Number({ minimum: 0, maximum: 10_000, description: 'click-farm bursts per day per 10,000 customers' }),
    clicks: Between(2, 10_000, 'clicks per burst'),
  }),
  equipment: section({
    readingEveryHours: Type.Integer({ minimum: 1, maximum: 24, description: 'hours between two telemetry readings of a machine' }),
    machines: Between(1, 100, 'machines per small business'),
  }),
})

export type WorldConfig = Static<typeof WorldConfigSchema>

export const defaultWorldConfig: WorldConfig = {
  customers: {
    onBookShare: 0.4,
    applyShare: 0.7,
    drawdownShare: 0.8,
    repeatDrawdownsPerMonth: 0.3,
    loginsPerDay: 0.4,
    newDeviceShare: 0.01,
    householdShare: 0.06,
    complaintsPerMonth: 0.002,
    arriveByClickShare: 0.5,
    strayClicksPerCustomer: 2,
    smeShare: 0.01,
  },
  credit: { defaultRate: 0.05, aprBps: 1_800 },
  fraudRings: { applicationShare: 0.007, members: [5, 25] },
  intermediaries: { applicationShare: 0.005, clients: [8, 40] },
  accountTakeover: { borrowersPerMonth: 0.002 },
  scamVictims: { borrowersPerMonth: 0.004, overTenThousandShare: 0.51 },
  debtAvoidanceAgents: { per10kCustomers: 2, clients: [5, 20] },
  fakeTraffic: { burstsPerDayPer10kCustomers: 2, clicks: [15, 80] },
  equipment: { readingEveryHours: 6, machines: [1, 3] },
}

/** Reads a YAML override of the defaults; throws naming every offending field. */
export function parseWorldConfig(yamlText: string): WorldConfig {
  let overrides: unknown
  try {
    overrides = parse(yamlText) ?? {}
  } catch (error) {
    throw invalidInput('The simulation config is not YAML', [{ pointer: '', code: 'invalid_yaml', message: (error as Error).message }])
  }
  const merged = mergeDefaults(defaultWorldConfig, overrides)
  const issues = [...Value.Errors(WorldConfigSchema, merged)].map((e) => ({ pointer: e.path, code: 'invalid_value', message: e.message }))
  for (const [name, range] of ranges(merged as WorldConfig)) {
    if (Array.isArray(range) && typeof range[0] === 'number' && typeof range[1] === 'number' && range[0] > range[1])
      issues.push({ pointer: `/${name}`, code: 'invalid_range', message: 'the least is above the most' })
  }
  if (issues.length > 0) throw invalidInput('The simulation config has errors', issues)
  return merged as WorldConfig
}

function mergeDefaults(defaults: unknown, overrides: unknown): unknown {
  if (!isPlainObject(defaults) || !isPlainObject(overrides)) return overrides === undefined ? defaults : overrides
  const merged: Record<string, unknown> = { ...defaults }
  for (const [key, value] of Object.entries(overrides)) merged[key] = mergeDefaults(defaults[key], value)
  return merged
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** The `[least, most]` pairs, read defensively: the config may not have passed the schema. */
function ranges(config: WorldConfig): [string, unknown][] {
  return [
    ['fraudRings/members', config.fraudRings?.members],
    ['intermediaries/clients', config.intermediaries?.clients],
    ['debtAvoidanceAgents/clients', config.debtAvoidanceAgents?.clients],
    ['fakeTraffic/clicks', config.fakeTraffic?.clicks],
    ['equipment/machines', config.equipment?.machines],
  ]
}
