import { dayOrInstantField } from '../core/day-or-instant.ts'
import { type FieldIssue, invalidInput } from '../core/errors.ts'
import { type DriftThresholds, defaultDriftThresholds } from './drift-alerts.ts'
import { defaultMaturityDays, defaultNegativeLabels } from './label-outcomes.ts'
import type { ReviewCapacity } from './precision-at-capacity.ts'
import { defaultPsiBins, defaultPsiFloor } from './psi.ts'
import { type BucketSize, TimeBuckets, defaultTimeZone, isTimeZone } from './time-buckets.ts'

/** What to monitor, checked and with every default filled in. */
export interface ScoreMonitorRequest {
  eventType: string
  /** A key of the decisions' `scores`. */
  score: string
  fromMs: number
  toMs: number
  bucket: BucketSize
  timeZone: string
  /** The positive label kind, e.g. `fraud`. */
  label: string
  negatives: string[]
  maturityDays: number
  cutoffMs: number
  capacity: ReviewCapacity
  baselineFromMs: number
  baselineToMs: number
  bins: number
  floor: number
  thresholds: DriftThresholds
}

/** The same, as given on a query string or a command line. Times: YYYY-MM-DD (a Beijing day) or an ISO 8601 instant. */
export interface ScoreMonitorInput {
  eventType: string
  score: string
  from: string
  to: string
  bucket?: BucketSize
  timeZone?: string
  label?: string
  /** Comma-separated label kinds that count as negatives. */
  negatives?: string
  maturityDays?: number
  cutoff?: string
  /** `5%` (of each day's decisions) or `200` (decisions a day). */
  capacity?: string
  baselineFrom?: string
  baselineTo?: string
  bins?: number
  warning?: number
  alert?: number
  minVolume?: number
}

export const defaultCapacity = '5%'
/** The longest period one request reads; the decisions of the period are held in memory. */
export const maxMonitoredDays = 400

const dayMs = 86_400_000

/**
 * Checks the input as a whole and fills in the defaults: the cut-off is
 * `nowMs`, the baseline the first bucket of the period. Throws an
 * `invalid_input` naming every offending field (pointers `/<field>`).
 */
export function scoreMonitorRequest(input: ScoreMonitorInput, nowMs: number): ScoreMonitorRequest {
  const issues: FieldIssue[] = []
  const fail = (field: string, code: string, message: string) => issues.push({ pointer: `/${field}`, code, message })
  const time = (field: 'from' | 'to' | 'cutoff' | 'baselineFrom' | 'baselineTo') => dayOrInstantField(input[field], field, issues)
  const fromMs = time('from')
  const toMs = time('to')
  const cutoffMs = time('cutoff') ?? nowMs
  const baselineFromMs = time('baselineFrom')
  const baselineToMs = time('baselineTo')
  if (fromMs !== undefined && toMs !== undefined) {
    if (toMs <= fromMs) fail('to', 'invalid_range', 'to must be later than from')
    else if (toMs - fromMs > maxMonitoredDays * dayMs) fail('to', 'out_of_range', `at most ${maxMonitoredDays} days from from`)
  }
  if ((input.baselineFrom === undefined) !== (input.baselineTo === undefined)) {
    fail(input.baselineFrom === undefined ? 'baselineFrom' : 'baselineTo', 'required', 'give both baselineFrom and baselineTo, or neither')
  } else if (baselineFromMs !== undefined && baselineToMs !== undefined) {
    if (baselineToMs <= baselineFromMs) fail('baselineTo', 'invalid_range', 'baselineTo must be later than baselineFrom')
    else if (baselineToMs - baselineFromMs > maxMonitoredDays * dayMs) fail('baselineTo', 'out_of_range', `at most ${maxMonitoredDays} days from baselineFrom`)
  }
  const timeZone = input.timeZone ?? defaultTimeZone
  if (!isTimeZone(timeZone)) fail('timeZone', 'invalid_value', `"${timeZone}" is not an IANA time zone such as Asia/Shanghai`)
  const capacity = parseCapacity(input.capacity ?? defaultCapacity)
  if (!capacity) fail('capacity', 'invalid_format', 'give a share of each day\'s decisions such as 5% (above 0, at most 100), or a whole number of decisions a day such as 200')
  const negatives = (input.negatives ?? defaultNegativeLabels.join(',')).split(',').map((s) => s.trim()).filter((s) => s !== '')
  const label = input.label ?? 'fraud'
  if (negatives.includes(label)) fail('negatives', 'invalid_value', `the positive label "${label}" cannot also be a negative one`)
  const thresholds = {
    warning: input.warning ?? defaultDriftThresholds.warning,
    alert: input.alert ?? defaultDriftThresholds.alert,
    minVolume: input.minVolume ?? defaultDriftThresholds.minVolume,
  }
  if (!(thresholds.warning > 0)) fail('warning', 'invalid_value', 'the warning threshold must be above 0')
  if (!(thresholds.alert >= thresholds.warning)) fail('alert', 'invalid_range', 'the alert threshold must be at least the warning threshold')
  const maturityDays = input.maturityDays ?? defaultMaturityDays
  if (!(Number.isInteger(maturityDays) && maturityDays >= 0)) fail('maturityDays', 'invalid_value', 'a whole number of days, 0 or more')
  const bins = input.bins ?? defaultPsiBins
  if (!(Number.isInteger(bins) && bins >= 2 && bins <= 100)) fail('bins', 'invalid_value', 'a whole number from 2 to 100')
  if (issues.length > 0 || fromMs === undefined || toMs === undefined || !capacity) throw invalidInput('The monitoring request is invalid', issues)
  const bucket = input.bucket ?? 'day'
  // the baseline by default: the first bucket of the period (its part inside the period)
  const first = new TimeBuckets(bucket, timeZone).bucketOf(fromMs)
  return {
    eventType: input.eventType,
    score: input.score,
    fromMs,
    toMs,
    bucket,
    timeZone,
    label,
    negatives,
    maturityDays,
    cutoffMs,
    capacity,
    baselineFromMs: baselineFromMs ?? fromMs,
    baselineToMs: baselineToMs ?? Math.min(first.endMs, toMs),
    bins,
    floor: defaultPsiFloor,
    thresholds,
  }
}

/** `5%` → a share of 0.05; `200` → 200 a day; undefined for anything else. */
export function parseCapacity(text: string): ReviewCapacity | undefined {
  const share = /^(\d+(?:\.\d+)?)%$/.exec(text.trim())
  if (share) {
    const percent = Number(share[1])
    return percent > 0 && percent <= 100 ? { share: percent / 100 } : undefined
  }
  if (/^\d+$/.test(text.trim())) {
    const perDay = Number(text.trim())
    return perDay >= 1 && Number.isSafeInteger(perDay) ? { perDay } : undefined
  }
  return undefined
}
