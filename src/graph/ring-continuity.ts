import { type Ring, type RingIndex, ringHistoryLength } from './rings.ts'

/**
 * Ring ids that last: gives the rings of a new computation the ids of the
 * rings they continue, so "ring 17" is the same team from one hourly
 * computation to the next (the rings list, a ring's page, its case).
 *
 * A pure function of the previous index and the new partition, so a live
 * run, a replay, a backtest, a rebuild from the log and a restore from a
 * snapshot (which holds the previous index and its `nextId`) give the same
 * ids:
 *
 * - each pair (new ring, previous ring) sharing users is counted, by
 *   looking up each new ring's users in the previous `ringOf` — linear in
 *   the rings' users — and the pairs are taken greatest overlap first (ties:
 *   the lower previous id, then the new ring's position), each ring on
 *   either side at most once;
 * - a pair continues the previous ring's id when the shared users are at
 *   least half of the previous ring's users (it went on, or went whole into
 *   a merger) or of the new ring's (it is mostly the old one's users, as
 *   each part of a split is). So a ring that gains or loses a few users
 *   keeps its id; a merger keeps the id of the predecessor it shares most
 *   users with (the larger, when both join whole) and the other id ends
 *   (`absorbed`); after a split the part with most of the users keeps the
 *   id and the others get new ones (`splitFrom`);
 * - any other ring gets a new id, `nextId` counting on: ids are never
 *   given twice.
 *
 * Overwrites the ids and history of `next`'s rings (whatever they held) and
 * its `nextId`; returns `next`.
 */
export function continueRings(previous: RingIndex, next: RingIndex): RingIndex {
  const { rings } = next
  const before = previous.rings
  // (new position, previous position, shared users) for each pair sharing users, found ring by ring: at most one per user
  const pairs = new Int32Array(3 * next.ringUsers.length)
  let pairCount = 0
  const shared = new Int32Array(before.length)
  const touched: number[] = []
  const { ringOf: previousRingOf } = previous
  for (let position = 0; position < rings.length; position++) {
    for (let i = next.ringUserStart[position]!; i < next.ringUserStart[position + 1]!; i++) {
      const user = next.ringUsers[i]!
      const was = user < previousRingOf.length ? previousRingOf[user]! : -1
      if (was < 0) continue
      if (shared[was] === 0) touched.push(was)
      shared[was]!++
    }
    for (const was of touched) {
      pairs[3 * pairCount] = position
      pairs[3 * pairCount + 1] = was
      pairs[3 * pairCount + 2] = shared[was]!
      pairCount++
      shared[was] = 0
    }
    touched.length = 0
  }
  // for a ring that ends or a new one: where most of its users went, or came from (ties: the lower id, the earlier position)
  const mostlyInto = new Int32Array(before.length).fill(-1)
  const intoCount = new Int32Array(before.length)
  const mostlyFrom = new Int32Array(rings.length).fill(-1)
  const fromCount = new Int32Array(rings.length)
  // the pairs that may continue an id: most of the previous ring's users, or most of the new ring's (at most two per ring on either side)
  const candidates: number[] = []
  for (let k = 0; k < pairCount; k++) {
    const position = pairs[3 * k]!
    const was = pairs[3 * k + 1]!
    const count = pairs[3 * k + 2]!
    if (count > intoCount[was]!) {
      intoCount[was] = count
      mostlyInto[was] = position
    }
    if (count > fromCount[position]! || (count === fromCount[position]! && before[was]!.id < before[mostlyFrom[position]!]!.id)) {
      fromCount[position] = count
      mostlyFrom[position] = was
    }
    if (2 * count >= before[was]!.users || 2 * count >= rings[position]!.users) candidates.push(k)
  }
  // greatest overlap first, then the lower previous id; the sort is stable, so then the earlier position
  candidates.sort((a, b) => pairs[3 * b + 2]! - pairs[3 * a + 2]! || before[pairs[3 * a + 1]!]!.id - before[pairs[3 * b + 1]!]!.id)
  const continues = new Int32Array(rings.length).fill(-1)
  const continued = new Uint8Array(before.length)
  for (const k of candidates) {
    const position = pairs[3 * k]!
    const was = pairs[3 * k + 1]!
    if (continues[position] !== -1 || continued[was]) continue
    continues[position] = was
    continued[was] = 1
  }
  let nextId = Number.isFinite(previous.nextId) ? previous.nextId : 1
  const atMs = next.computedAtMs
  for (let position = 0; position < rings.length; position++) {
    const ring = rings[position]!
    const was = continues[position]!
    if (was >= 0) {
      const old = before[was]!
      ring.id = old.id
      ring.sinceMs = old.sinceMs
      ring.previousUsers = old.users
      ring.splitFrom = -1
      ring.history = old.users === ring.users ? old.history : [...old.history.slice(1 - ringHistoryLength), { atMs, users: ring.users }]
    } else {
      const from = mostlyFrom[position]!
      ring.id = nextId++
      ring.sinceMs = atMs
      ring.previousUsers = 0
      // split off a ring that goes on elsewhere, or whose id another part kept
      ring.splitFrom = from >= 0 ? before[from]!.id : -1
      ring.history = [{ atMs, users: ring.users }]
    }
    ring.absorbed = noneAbsorbed
  }
  for (let was = 0; was < before.length; was++) {
    if (continued[was] || mostlyInto[was] < 0) continue
    const into = rings[mostlyInto[was]!]!
    // ascending: the previous rings are visited by position, not id
    if (into.splitFrom !== before[was]!.id) into.absorbed = [...into.absorbed, before[was]!.id].sort((a, b) => a - b)
  }
  next.nextId = nextId
  return next
}

/** Shared by the rings that took in none (most): never changed in place. */
const noneAbsorbed: number[] = []

/** A ring's fields before `continueRings` gives it its id and history. */
export const newRingHistory = (atMs: number, users: number): Pick<Ring, 'sinceMs' | 'previousUsers' | 'splitFrom' | 'absorbed' | 'history'> => ({
  sinceMs: atMs,
  previousUsers: 0,
  splitFrom: -1,
  absorbed: [],
  history: [{ atMs, users }],
})
