import { type Random, cumulative } from './random.ts'

/**
 * When people act. Hours are Beijing local time (UTC+8), the time the source
 * articles' patterns are stated in (scams peak 16:00–18:00); events are
 * written in UTC, so that 16:00 local is 08:00Z.
 */
export const beijingOffsetMs = 8 * 3_600_000
const hourMs = 3_600_000
export const dayMs = 24 * hourMs

/** Relative activity per local hour, 0–23. */
export const hourProfiles = {
  /** Customers: quiet at night, busy at lunch and in the evening. */
  customer: [0.5, 0.3, 0.2, 0.15, 0.15, 0.3, 0.8, 1.6, 2.6, 3.4, 3.8, 3.9, 3.6, 3.4, 3.6, 3.8, 4, 4, 4.2, 4.8, 5.4, 5.6, 4.4, 2.2],
  /** Telecom scams: the callers work office hours and peak 16:00–18:00. */
  scam: [0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.1, 0.3, 0.8, 1.5, 2, 2, 1.5, 1.6, 2.2, 3, 9, 9, 2.5, 1.2, 0.8, 0.5, 0.3, 0.2],
  /** Fraud rings and account thieves: evenings and nights, when reviewers are few. */
  night: [3, 3.5, 3.5, 3, 2, 1, 0.5, 0.5, 0.5, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.7, 0.8, 1, 1.5, 2, 2.5, 3, 3.5, 3.5],
  /** Intermediaries and complaint agents: a shop's working day. */
  office: [0, 0, 0, 0, 0, 0, 0, 0.2, 1, 3, 3.5, 3.5, 1.5, 2.5, 3.5, 3.5, 3, 2.5, 1, 0.3, 0.1, 0, 0, 0],
  /** Click farms and machines: around the clock. */
  flat: Array.from({ length: 24 }, () => 1),
} as const satisfies Record<string, readonly number[]>

export type HourProfile = keyof typeof hourProfiles

const cumulativeProfiles = Object.fromEntries(Object.entries(hourProfiles).map(([name, weights]) => [name, cumulative(weights)])) as Record<HourProfile, number[]>

/** Relative activity per weekday, Monday first: lending is busier on weekdays. */
export const weekdayWeights = [1.05, 1.05, 1.0, 1.0, 1.05, 0.9, 0.85] as const

/** Milliseconds into a local day, drawn from a profile. */
export function timeOfDay(random: Random, profile: HourProfile): number {
  return random.weighted(cumulativeProfiles[profile]) * hourMs + Math.floor(random.float() * hourMs)
}

/** The UTC instant of the local midnight at or before `atMs`. */
export const localMidnight = (atMs: number): number => Math.floor((atMs + beijingOffsetMs) / dayMs) * dayMs - beijingOffsetMs

/** Local weekday of an instant, 0 = Monday. */
export const localWeekday = (atMs: number): number => (Math.floor((atMs + beijingOffsetMs) / dayMs) + 3) % 7

/** An instant on local day `dayStartMs`, at a time of day from `profile`. */
export const onDay = (random: Random, dayStartMs: number, profile: HourProfile): number => dayStartMs + timeOfDay(random, profile)

/**
 * An instant between `fromMs` and `toMs` following the daily and weekly
 * cycles: a day weighted by its weekday, then a time of day from the profile.
 */
export function within(random: Random, fromMs: number, toMs: number, profile: HourProfile): number {
  const firstDay = localMidnight(fromMs)
  const days = Math.max(1, Math.ceil((toMs - firstDay) / dayMs))
  for (let attempt = 0; attempt < 16; attempt++) {
    const day = firstDay + random.int(0, days - 1) * dayMs
    if (!random.chance(weekdayWeights[localWeekday(day)]! / 1.05)) continue
    const at = day + timeOfDay(random, profile)
    if (at >= fromMs && at < toMs) return at
  }
  return fromMs + Math.floor(random.float() * (toMs - fromMs))
}

/** The next instant after `afterMs`, about `meanDays` later, at a time of day from the profile. */
export function laterOn(random: Random, afterMs: number, meanDays: number, profile: HourProfile): number {
  const dayOffset = Math.max(0, Math.round(random.exponential(meanDays)))
  const at = localMidnight(afterMs) + dayOffset * dayMs + timeOfDay(random, profile)
  return at > afterMs ? at : at + dayMs
}
