/**
 * Drift levels of a PSI: above `alert` (default 0.25) the shift needs
 * action, above `warning` (default 0.1) it is worth a look. A bucket
 * with fewer than `minVolume` decisions raises nothing: a PSI of a handful of
 * values is noise.
 */
export interface DriftThresholds {
  warning: number
  alert: number
  minVolume: number
}

export const defaultDriftThresholds: DriftThresholds = { warning: 0.1, alert: 0.25, minVolume: 30 }

export type DriftLevel = 'warning' | 'alert'

export interface DriftAlert {
  /** The bucket's first local day. */
  bucket: string
  /** `score` for the score itself, or `feature` for one of its inputs. */
  subject: 'score' | 'feature'
  /** The score's or the feature's name. */
  name: string
  psi: number
  level: DriftLevel
}

export function driftLevel(psi: number | null, thresholds: DriftThresholds = defaultDriftThresholds): DriftLevel | undefined {
  if (psi === null || !Number.isFinite(psi)) return undefined
  if (psi > thresholds.alert) return 'alert'
  if (psi > thresholds.warning) return 'warning'
  return undefined
}
