/**
 * The small world the backtest tests share (each test file builds its own):
 * 30 simulated days of a lender with many fraud rings and label events,
 * decided by the engine with the shipped strategies into a data directory
 * on tmpfs where there is one.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { parseDayOrInstant } from '../../src/core/day-or-instant.ts'
import type { GroundTruth } from '../../src/simulation/world.ts'
import { defaultWorldConfig } from '../../src/simulation/world-config.ts'
import { tempDataDir } from '../support/temp-engine.ts'
import { decideSimulatedHistory } from './decided-history.ts'

export const day = (text: string) => parseDayOrInstant(text)!

/** The simulated period, and a backtest window inside it that leaves the windows a week to warm up. */
export const world = { start: '2026-01-01', days: 30, end: '2026-01-31', from: '2026-01-08', to: '2026-01-29' }

// many fraud rings, few logins and no machines: labels and rule hits in a small, quick history
const config = {
  ...defaultWorldConfig,
  customers: { ...defaultWorldConfig.customers, loginsPerDay: 0.1, smeShare: 0, strayClicksPerCustomer: 0.5 },
  fraudRings: { applicationShare: 0.3, members: [5, 25] as [number, number] },
  fakeTraffic: { ...defaultWorldConfig.fakeTraffic, burstsPerDayPer10kCustomers: 0.2 },
}

export interface BacktestWorld {
  dir: string
  truths: GroundTruth[]
  events: number
  seconds: number
  remove(): void
}

export async function buildBacktestWorld(): Promise<BacktestWorld> {
  const data = existsSync('/dev/shm') ? shmDataDir() : tempDataDir('xiezhi-backtest-')
  const truths: GroundTruth[] = []
  try {
    const { events, seconds } = await decideSimulatedHistory(
      data.dir,
      { seed: 11, days: world.days, customers: 600, start: world.start, labelEvents: true, config },
      { onTruth: (truth) => truths.push(truth) },
    )
    return { ...data, truths, events, seconds }
  } catch (error) {
    data.remove()
    throw error
  }
}

function shmDataDir() {
  const dir = mkdtempSync('/dev/shm/xiezhi-backtest-')
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}
