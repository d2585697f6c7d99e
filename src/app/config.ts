import { resolve } from 'node:path'
import { defaultRingCaseOptions } from '../cases/ring-cases.ts'
import { type FieldIssue, invalidInput } from '../core/errors.ts'

/** Everything the process is told from outside, read once at start and passed down as an object. */
export interface XiezhiConfig {
  dataDir: string
  configDir: string
  host: string
  port: number
  bodyLimitBytes: number
  logLevel: string
  /** Start the server without API keys: for local trials only. */
  authDisabled: boolean
  /** How often feature state and the graph are snapshotted while serving (300 s by default; 0: only on a clean stop); a restart replays the decision log from the snapshot on. */
  featureSnapshotSeconds: number
  /** How long a workbench sign-in lasts. */
  sessionHours: number
  /** A ring of the graph whose risk reaches this opens a ring case (0.4: two labelled users in a ring of three cross it). */
  ringCaseMinRisk: number
  /** An unlabelled ring of four users or more whose cohesion reaches this opens a ring case too (0.5). */
  ringCaseMinCohesion: number
  /** Strategy versions are submitted, and approved, only with a finished backtest of their document (off by default). */
  requireBacktest: boolean
  /** Backtests the server runs at once; the others wait in its queue. Each takes a share of the thread that decides. */
  backtestConcurrency: number
  /** Decisions a background backtest reads per page of the log, each page followed by a turn of the event loop: smaller pages keep decisions' waits short, larger ones finish backtests sooner. */
  backtestPageSize: number
}

export const defaultPort = 8710

export function readConfig(env: NodeJS.ProcessEnv, overrides: Partial<XiezhiConfig> = {}): XiezhiConfig {
  const issues: FieldIssue[] = []
  const int = (name: string, fallback: number, min: number, max: number) => {
    const raw = env[name]
    if (raw === undefined || raw === '') return fallback
    const value = Number(raw)
    if (!Number.isInteger(value) || value < min || value > max) {
      issues.push({ pointer: `/env/${name}`, code: 'invalid_value', message: `${name} must be an integer from ${min} to ${max}` })
    }
    return value
  }
  const fraction = (name: string, fallback: number) => {
    const raw = env[name]
    if (raw === undefined || raw === '') return fallback
    const value = Number(raw)
    if (!(value > 0 && value <= 1)) issues.push({ pointer: `/env/${name}`, code: 'invalid_value', message: `${name} must be a number above 0 and at most 1` })
    return value
  }
  const flag = (name: string, fallback: boolean) => {
    const raw = env[name]
    if (raw === undefined || raw === '') return fallback
    if (raw !== 'true' && raw !== 'false') issues.push({ pointer: `/env/${name}`, code: 'invalid_value', message: `${name} must be true or false` })
    return raw === 'true'
  }
  const config: XiezhiConfig = {
    dataDir: resolve(env.XIEZHI_DATA_DIR || './data'),
    configDir: resolve(env.XIEZHI_CONFIG_DIR || new URL('../../config', import.meta.url).pathname),
    host: env.HOST || '127.0.0.1',
    port: int('PORT', defaultPort, 0, 65_535),
    bodyLimitBytes: int('XIEZHI_BODY_LIMIT_BYTES', 64 * 1024, 1_024, 16 * 1024 * 1024),
    logLevel: env.LOG_LEVEL || 'info',
    authDisabled: env.XIEZHI_AUTH === 'off',
    // every 5 minutes by default: after a crash a start replays minutes of the log, not the graph's whole history
    featureSnapshotSeconds: int('XIEZHI_FEATURE_SNAPSHOT_SECONDS', 300, 0, 86_400),
    sessionHours: int('XIEZHI_SESSION_HOURS', 12, 1, 24 * 30),
    ringCaseMinRisk: fraction('XIEZHI_RING_CASE_MIN_RISK', defaultRingCaseOptions.minRisk),
    ringCaseMinCohesion: fraction('XIEZHI_RING_CASE_MIN_COHESION', defaultRingCaseOptions.minCohesion),
    requireBacktest: flag('XIEZHI_REQUIRE_BACKTEST', false),
    backtestConcurrency: int('XIEZHI_BACKTEST_CONCURRENCY', 1, 1, 16),
    backtestPageSize: int('XIEZHI_BACKTEST_PAGE_SIZE', 1_000, 10, 100_000),
    ...overrides,
  }
  if (issues.length > 0) throw invalidInput('The environment is invalid', issues)
  return config
}
