/** One ring: a community of the windowed graph with at least `minUsers` users. */
export interface Ring {
  id: number
  nodes: number
  users: number
  /** Users with a risk label (fraud, intermediary, complaint agent) known at the computation. */
  riskUsers: number
  /** Nodes of any kind with a risk label. */
  riskNodes: number
  /** Users first seen within the growth window before the computation. */
  newUsers: number
  /** `newUsers / users`: the share that joined in the growth window. */
  growth: number
  /** When its earliest and latest user was first seen. */
  firstSeenMs: number
  lastJoinedMs: number
  /** (riskUsers + k · base rate) / (users + k): its labelled share, shrunk towards the base rate for small rings. */
  risk: number
  /**
   * Share of its users who share a device, phone, card, address, contact or
   * id number (anything but an IP) with another of its users: near 1 for a
   * team working from a few phones and addresses, near 0 for people who
   * only happen to use one carrier's IPs.
   */
  cohesion: number
}

/** The rings found at one moment, and each node's ring (-1: none). */
export interface RingIndex {
  computedAtMs: number
  fromMs: number
  ringOf: Int32Array
  rings: Ring[]
  /** Risky users over users in the windowed graph: the prior of `risk`. */
  baseRate: number
  /** What the computation took: edges and nodes handed to Louvain, communities found, its modularity and the time. */
  stats: { edges: number; nodes: number; communities: number; modularity: number; ms: number; truncated: boolean }
}

export const emptyRingIndex = (): RingIndex => ({
  computedAtMs: Number.NaN,
  fromMs: Number.NaN,
  ringOf: new Int32Array(0),
  rings: [],
  baseRate: 0,
  stats: { edges: 0, nodes: 0, communities: 0, modularity: 0, ms: 0, truncated: false },
})

/** The ring of `node`, or undefined (a node made after the computation has none). */
export const ringOfNode = (index: RingIndex, node: number): Ring | undefined => {
  const id = node >= 0 && node < index.ringOf.length ? index.ringOf[node]! : -1
  return id < 0 ? undefined : index.rings[id]
}

export interface RingThresholds {
  /** Fewest users (3). */
  minUsers?: number
  /** A ring whose risk reaches this is suspect (0.5) … */
  minRisk?: number
  /** … and so is one whose cohesion reaches this (0.5), labelled or not. */
  minCohesion?: number
}

/** Whether a ring crosses the thresholds: enough users, and labelled enough or cohesive enough. */
export const isSuspect = (ring: Ring, thresholds: RingThresholds = {}): boolean => {
  const { minUsers = 3, minRisk = 0.5, minCohesion = 0.5 } = thresholds
  return ring.users >= minUsers && (ring.risk >= minRisk || ring.cohesion >= minCohesion)
}

/** Rings that cross the thresholds, riskiest first: what an investigator's queue would open cases for. */
export function suspectRings(index: RingIndex, thresholds: RingThresholds = {}): Ring[] {
  return index.rings.filter((ring) => isSuspect(ring, thresholds)).sort((a, b) => b.risk - a.risk || b.cohesion - a.cohesion || b.users - a.users)
}
