const unitMs = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const

/** Parses window lengths such as `10m`, `1h`, `24h`, `7d`; returns undefined when malformed. */
export function parseDurationMs(text: string): number | undefined {
  const match = /^([1-9][0-9]{0,5})([smhd])$/.exec(text)
  if (!match) return undefined
  return Number(match[1]) * unitMs[match[2] as keyof typeof unitMs]
}
