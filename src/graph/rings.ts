/** One ring: a community of the windowed graph with at least `minUsers` users. */
export interface Ring {
  /**
   * Its id, kept from one computation to the next while the ring goes on
   * (mostly the same users), never given to another ring
   * (`ring-continuity.ts`).
   */
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
  /** When a computation first found it (under this id). */
  sinceMs: number
  /** Its users at the previous computation (0: new this computation). */
  previousUsers: number
  /** For a new id: the ring most of its users were in (it split off it), or -1. */
  splitFrom: number
  /** Rings that ended at this computation, most of their users now in this one (it took them in). */
  absorbed: number[]
  /** Its users at each computation where the number changed, oldest first: at most the last `ringHistoryLength`. */
  history: RingSize[]
}

export interface RingSize {
  atMs: number
  users: number
}

/** Changes of size a ring keeps. */
export const ringHistoryLength = 24

/** The rings found at one moment, and each node's ring (-1: none). */
export interface RingIndex {
  computedAtMs: number
  fromMs: number
  /** Each node's ring as a position in `rings` (-1: none); the ring's id is `rings[position].id`. */
  ringOf: Int32Array
  rings: Ring[]
  /** The users of the ring at position i are `ringUsers[ringUserStart[i] .. ringUserStart[i + 1])`, ascending: what the next computation matches its rings by. */
  ringUserStart: Int32Array
  ringUsers: Int32Array
  /** The id the next new ring gets: ids are never given twice. */
  nextId: number
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
  ringUserStart: new Int32Array(1),
  ringUsers: new Int32Array(0),
  nextId: 1,
  baseRate: 0,
  stats: { edges: 0, nodes: 0, communities: 0, modularity: 0, ms: 0, truncated: false },
})

/** The ring of `node`, or undefined (a node made after the computation has none). */
export const ringOfNode = (index: RingIndex, node: number): Ring | undefined => {
  const position = node >= 0 && node < index.ringOf.length ? index.ringOf[node]! : -1
  return position < 0 ? undefined : index.rings[position]
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
