import { dayOrInstantField } from '../core/day-or-instant.ts'
import { type FieldIssue, invalidInput } from '../core/errors.ts'
import type { ArmComparisonRequest } from './arm-comparison.ts'
import { defaultBadLabels, defaultDaysPastDue } from './loan-outcomes.ts'

/** The comparison as given on a query string or a command line. Times: YYYY-MM-DD (a Beijing day) or an ISO 8601 instant. */
export interface ArmComparisonInput {
  from: string
  to: string
  cutoff?: string
  fraudLabel?: string
  /** Comma-separated label kinds that make a loan bad. */
  badLabels?: string
  daysPastDue?: number
}

/** The strategy in service whose arms are compared: its decision point and the shares its deployment gives. */
export interface LiveArms {
  strategyId: string
  eventType: string
  champion: number
  challengers: readonly { version: number; share: number }[]
}

const labelKind = /^[a-z][a-z0-9_]{0,63}$/

/**
 * Checks the input as a whole and fills in the defaults (cut-off now, fraud
 * label `fraud`, bad at 30 days past due or labelled `default`/`charge_off`).
 * Throws an `invalid_input` naming every offending field (pointers `/<field>`).
 */
export function armComparisonRequest(input: ArmComparisonInput, live: LiveArms, nowMs: number): ArmComparisonRequest {
  const issues: FieldIssue[] = []
  const fail = (field: string, code: string, message: string) => issues.push({ pointer: `/${field}`, code, message })
  const time = (field: 'from' | 'to' | 'cutoff') => dayOrInstantField(input[field], field, issues)
  const fromMs = time('from')
  const toMs = time('to')
  const cutoffMs = time('cutoff') ?? nowMs
  if (fromMs !== undefined && toMs !== undefined && toMs <= fromMs) fail('to', 'invalid_range', 'to must be after from')
  const fraudLabel = input.fraudLabel ?? 'fraud'
  if (!labelKind.test(fraudLabel)) fail('fraudLabel', 'invalid_format', 'a label kind: lower-case letters, digits and _')
  const badLabels = input.badLabels === undefined ? [...defaultBadLabels] : input.badLabels.split(',').map((s) => s.trim())
  if (badLabels.length === 0 || !badLabels.every((kind) => labelKind.test(kind))) fail('badLabels', 'invalid_format', 'label kinds separated by commas, e.g. default,charge_off')
  const daysPastDue = input.daysPastDue ?? defaultDaysPastDue
  if (!(Number.isInteger(daysPastDue) && daysPastDue >= 1 && daysPastDue <= 3_650)) fail('daysPastDue', 'out_of_range', 'a whole number of days from 1 to 3650')
  if (issues.length > 0 || fromMs === undefined || toMs === undefined) throw invalidInput('The comparison request is invalid', issues)
  const championShare = 100 - live.challengers.reduce((sum, c) => sum + c.share, 0)
  return {
    eventType: live.eventType,
    strategyId: live.strategyId,
    fromMs,
    toMs,
    cutoffMs,
    fraudLabel,
    badLabels,
    daysPastDue,
    ...(live.challengers.length > 0 ? { expectedShares: new Map([[live.champion, championShare], ...live.challengers.map((c) => [c.version, c.share] as [number, number])]) } : {}),
  }
}
