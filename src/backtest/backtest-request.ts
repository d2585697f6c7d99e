import { type Action, actions, isAction } from '../core/actions.ts'
import { parseDayOrInstant } from '../core/day-or-instant.ts'
import { type FieldIssue, invalidInput } from '../core/errors.ts'
import { defaultMaturityDays, defaultNegativeLabels } from '../monitoring/label-outcomes.ts'
import { defaultSampleSize } from './changed-sample.ts'

/** What to backtest a draft over, checked and with every default filled in. */
export interface BacktestRequest {
  fromMs: number
  toMs: number
  /** Changed decisions in the sample. */
  sample: number
  seed: number
  /** Actions that count as blocking an event in the confusion matrices. */
  blocking: Action[]
  labels: { positive: string; negatives: string[]; maturityDays: number; cutoffMs: number }
}

/** The same, as a command line or a request body gives it. Times: YYYY-MM-DD (a Beijing day) or an ISO 8601 instant. */
export interface BacktestInput {
  from: string
  to: string
  sample?: number
  seed?: number
  blocking?: string[]
  label?: string
  negatives?: string[]
  maturityDays?: number
  cutoff?: string
}

export const defaultBlocking: readonly Action[] = ['reject', 'review', 'step_up']
/** The longest period one backtest replays: the decided events' outcomes are held in memory until the labels are read. */
export const maxBacktestDays = 400
export const maxSampleSize = 1_000

const dayMs = 86_400_000

/**
 * Checks the input as a whole and fills in the defaults (the cut-off for
 * labels is `nowMs`). Throws an `invalid_input` naming every offending
 * field (pointers `/<field>`).
 */
export function backtestRequest(input: BacktestInput, nowMs: number): BacktestRequest {
  const issues: FieldIssue[] = []
  const fail = (field: string, code: string, message: string) => issues.push({ pointer: `/${field}`, code, message })
  const time = (field: 'from' | 'to' | 'cutoff'): number | undefined => {
    const text = input[field]
    if (text === undefined) return undefined
    const ms = typeof text === 'string' ? parseDayOrInstant(text) : undefined
    if (ms === undefined) fail(field, 'invalid_date', 'give YYYY-MM-DD (a Beijing day) or an ISO 8601 instant with its offset')
    return ms
  }
  const fromMs = time('from')
  const toMs = time('to')
  const cutoffMs = time('cutoff') ?? nowMs
  if (input.from === undefined) fail('from', 'required', 'give the first day of the period')
  if (input.to === undefined) fail('to', 'required', 'give the end of the period (exclusive)')
  if (fromMs !== undefined && toMs !== undefined) {
    if (toMs <= fromMs) fail('to', 'invalid_range', 'to must be later than from')
    else if (toMs - fromMs > maxBacktestDays * dayMs) fail('to', 'out_of_range', `at most ${maxBacktestDays} days after from`)
  }
  const sample = input.sample ?? defaultSampleSize
  if (!(Number.isInteger(sample) && sample >= 0 && sample <= maxSampleSize)) fail('sample', 'invalid_value', `a whole number of changed decisions from 0 to ${maxSampleSize}`)
  const seed = input.seed ?? 1
  if (!(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32)) fail('seed', 'invalid_value', 'a whole number from 0 to 4294967295')
  const blocking = input.blocking ?? [...defaultBlocking]
  if (blocking.length === 0) fail('blocking', 'invalid_value', `name at least one action of ${actions.join(', ')}`)
  blocking.forEach((action, i) => {
    if (!isAction(action)) issues.push({ pointer: `/blocking/${i}`, code: 'invalid_value', message: `"${action}" is not one of ${actions.join(', ')}` })
  })
  const positive = input.label ?? 'fraud'
  if (!/^[a-z][a-z0-9_]{0,63}$/.test(positive)) fail('label', 'invalid_value', 'a label kind such as fraud or default')
  const negatives = input.negatives ?? [...defaultNegativeLabels]
  if (negatives.includes(positive)) fail('negatives', 'invalid_value', `the positive label "${positive}" cannot also be a negative one`)
  const maturityDays = input.maturityDays ?? defaultMaturityDays
  if (!(Number.isInteger(maturityDays) && maturityDays >= 0 && maturityDays <= 3_650)) fail('maturityDays', 'invalid_value', 'a whole number of days from 0 to 3650')
  if (issues.length > 0 || fromMs === undefined || toMs === undefined) throw invalidInput('The backtest request is invalid', issues)
  return {
    fromMs,
    toMs,
    sample,
    seed,
    blocking: [...new Set(blocking as Action[])],
    labels: { positive, negatives, maturityDays, cutoffMs },
  }
}
