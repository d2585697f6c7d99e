import { hash } from 'node:crypto'

/** Buckets a split is cut into: shares may have two decimals (12.25 %). */
export const bucketCount = 10_000

/**
 * The applicant's bucket for one split: a hash of the split's name and the
 * applicant's key, so the same applicant always lands in the same bucket of
 * that split, and two splits are independent of each other.
 */
export function trafficBucket(splitName: string, applicantKey: string): number {
  return Number.parseInt(hash('sha256', `${splitName}\u0000${applicantKey}`, 'hex').slice(0, 8), 16) % bucketCount
}
