import { type FieldIssue, invalidInput } from '../../core/errors.ts'

/** What runs, as asked for: `POST /v1/strategies/{id}/deployments`, `xiezhi strategies deploy`. */
export interface DeploymentInput {
  champion: number
  /** Percentages of the traffic (two decimals at most), by a stable hash of the applicant; together below 100: the champion takes the rest. */
  challengers?: { version: number; share: number }[]
  /** Versions that decide every event without effect. */
  shadows?: number[]
  note?: string
}

export const maxNoteLength = 500

/** A note, if given, is a string of at most 500 characters; issues point at `/<field>`. */
export function checkNote(note: unknown, issues: FieldIssue[], field = 'note') {
  if (note !== undefined && (typeof note !== 'string' || note.length > maxNoteLength))
    issues.push({ pointer: `/${field}`, code: 'invalid_maxLength', message: `${field} must be a string of at most ${maxNoteLength} characters` })
}

const isVersion = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1

/**
 * Checks the arms as a whole: whole version numbers, each named once, shares
 * above 0 with two decimals at most and together below 100. Every problem is
 * reported, pointing into the input.
 */
export function checkDeploymentInput(input: DeploymentInput): { champion: number; challengers: { version: number; share: number }[]; shadows: number[]; note: string } {
  const issues: FieldIssue[] = []
  const seen = new Set<number>()
  const version = (value: unknown, pointer: string) => {
    if (!isVersion(value)) return void issues.push({ pointer, code: 'invalid_value', message: 'a version is a whole number from 1' })
    if (seen.has(value)) issues.push({ pointer, code: 'duplicate', message: `version ${value} is named twice: a version takes one role` })
    seen.add(value)
  }
  version(input.champion, '/champion')
  const challengers = input.challengers ?? []
  const shadows = input.shadows ?? []
  if (!Array.isArray(challengers)) issues.push({ pointer: '/challengers', code: 'invalid_type', message: 'challengers must be a list of { version, share }' })
  if (!Array.isArray(shadows)) issues.push({ pointer: '/shadows', code: 'invalid_type', message: 'shadows must be a list of versions' })
  let hundredths = 0
  if (Array.isArray(challengers)) {
    challengers.forEach((c, i) => {
      version(c?.version, `/challengers/${i}/version`)
      const share = c?.share
      const cents = typeof share === 'number' ? Math.round(share * 100) : Number.NaN
      if (!(cents > 0) || Math.abs(share * 100 - cents) > 1e-9) issues.push({ pointer: `/challengers/${i}/share`, code: 'invalid_value', message: 'share is a percentage above 0 with at most two decimals' })
      else hundredths += cents
    })
    if (hundredths >= 10_000) issues.push({ pointer: '/challengers', code: 'invalid_value', message: `the challengers' shares add up to ${hundredths / 100}: they must stay below 100, the champion takes the rest` })
  }
  if (Array.isArray(shadows)) {
    shadows.forEach((v, i) => {
      version(v, `/shadows/${i}`)
    })
  }
  checkNote(input.note, issues)
  if (issues.length > 0) throw invalidInput('The deployment is invalid', issues)
  return { champion: input.champion, challengers: challengers.map((c) => ({ version: c.version, share: c.share })), shadows: [...shadows], note: input.note ?? '' }
}
