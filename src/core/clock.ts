/** Time as the domain sees it; tests inject a fixed clock. */
export interface Clock {
  nowMs(): number
}
export const systemClock: Clock = { nowMs: () => Date.now() }
