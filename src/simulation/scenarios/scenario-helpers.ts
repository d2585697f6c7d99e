import type { Random } from '../random.ts'

/** How many times something happens when the expectation is `expected`: its floor, plus one with the remainder's chance. */
export const occurrences = (random: Random, expected: number): number => Math.floor(expected) + (random.chance(expected % 1) ? 1 : 0)

export const between = (random: Random, [least, most]: readonly [number, number]): number => random.int(least, most)

export const minutes = (n: number) => n * 60_000
export const hours = (n: number) => n * 3_600_000
export const days = (n: number) => n * 86_400_000
