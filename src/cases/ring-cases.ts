import { randomUUID } from 'node:crypto'
import type { Clock } from '../core/clock.ts'
import type { CaseStore } from './case-store.ts'
import { openedCase, ringCasePriority } from './case-priority.ts'
import type { ReviewCase, RingCaseSummary } from './review-case.ts'

/** The queue of ring cases. */
export const ringQueue = 'graph.ring'

/** A ring as one computation of the rings found it: its figures and its members (kind → blind indexes). */
export interface RingSighting {
  summary: RingCaseSummary
  members: Record<string, string[]>
}

export interface RingCaseOptions {
  /** A ring whose risk reaches this opens a case (`XIEZHI_RING_CASE_MIN_RISK`, 0.4) … */
  minRisk: number
  /** … if it has this many users or more (the rings' own minimum, 3). */
  minUsers: number
  /** An unlabelled ring whose cohesion reaches this opens one too (`XIEZHI_RING_CASE_MIN_COHESION`, 0.5) … */
  minCohesion: number
  /** … if it has this many users or more (4: a household of three on one phone and address is cohesive too). */
  minCohesiveUsers: number
  /** Closed cases looked back on: a ring matching one opens a new case only when new users joined it (90 days, the rings' window). */
  closedLookbackMs: number
}

export const defaultRingCaseOptions: RingCaseOptions = { minRisk: 0.4, minUsers: 3, minCohesion: 0.5, minCohesiveUsers: 4, closedLookbackMs: 90 * 86_400_000 }

/**
 * Whether a ring opens a case: labelled enough (its risk), or — before any
 * label has come — cohesive enough (a team sharing devices, phones, cards
 * and addresses) with more users than a household.
 */
export const opensRingCase = (ring: Pick<RingCaseSummary, 'risk' | 'users' | 'cohesion'>, options: RingCaseOptions): boolean =>
  (ring.users >= options.minUsers && ring.risk >= options.minRisk) || (ring.users >= options.minCohesiveUsers && ring.cohesion >= options.minCohesion)

const usersOf = (keys: Record<string, string[]>) => keys.user ?? []

/**
 * Ring cases (团伙案件): after each computation of the rings, a ring that
 * crosses the thresholds (`opensRingCase`) gets a case, once. Ring ids change from one
 * computation to the next, so a ring is recognised by its users: a ring is
 * the ring of a case when at least half of the case's users are in it (the
 * case sharing most users wins).
 *
 * - matched to an open or claimed case: the case stays; if users joined, its
 *   members become the union and its figures, risk and priority are updated
 *   (activity `ring_grown`);
 * - matched to a case closed within `closedLookbackMs`: nothing, unless at
 *   least `minUsers` users are new to it — a new team joined, and a new
 *   case opens;
 * - matched to none: a new case opens in the queue `graph.ring`.
 */
export class RingCases {
  private pending: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly deps: { store: CaseStore; clock: Clock; options: RingCaseOptions; onError: (error: Error) => void },
  ) {}

  /** Takes one computation's rings; the work is queued behind the previous one's (`settled` waits for it). */
  sighted(tenantId: string, sightings: readonly RingSighting[]): void {
    const crossing = sightings.filter((s) => this.crosses(s.summary))
    if (crossing.length === 0) return
    this.pending = this.pending.then(() => this.apply(tenantId, crossing)).catch((error: Error) => this.deps.onError(error))
  }

  crosses(ring: Pick<RingCaseSummary, 'risk' | 'users' | 'cohesion'>): boolean {
    return opensRingCase(ring, this.deps.options)
  }

  /** Waits until every computation handed over so far is applied. */
  async settled(): Promise<void> {
    await this.pending
  }

  /** Opens or updates the cases of rings that cross the threshold; what it did, for tests and logs. */
  async apply(tenantId: string, sightings: readonly RingSighting[]): Promise<{ opened: number; grown: number; unchanged: number }> {
    const known = await this.deps.store.ringCases(tenantId, this.deps.clock.nowMs() - this.deps.options.closedLookbackMs)
    const taken = new Set<string>()
    const done = { opened: 0, grown: 0, unchanged: 0 }
    const ordered = [...sightings].filter((s) => this.crosses(s.summary)).sort((a, b) => b.summary.risk - a.summary.risk || b.summary.users - a.summary.users)
    for (const sighting of ordered) {
      const users = new Set(usersOf(sighting.members))
      const match = bestMatch(known, users, taken)
      if (match) taken.add(match.id)
      const joined = match ? [...users].filter((u) => !usersOf(match.entityKeys).includes(u)) : [...users]
      if (match && match.status !== 'closed') {
        if (joined.length === 0) done.unchanged++
        else if (await this.grow(match, sighting, joined.length)) done.grown++
      } else if (match && joined.length < this.deps.options.minUsers) done.unchanged++
      else {
        await this.open(tenantId, sighting)
        done.opened++
      }
    }
    return done
  }

  /** Opens a ring case now (wall-clock time, like a decision's case): the rings' computation runs in event time, which may lag behind. */
  private async open(tenantId: string, sighting: RingSighting): Promise<void> {
    const atMs = this.deps.clock.nowMs()
    const { risk, priority } = ringCasePriority(sighting.summary.risk, sighting.summary.users)
    const id = randomUUID()
    const reviewCase = openedCase(
      { id, tenantId, kind: 'ring', decisionId: null, eventId: null, eventType: null, queue: ringQueue, risk, priority, amountMinor: null, entityKeys: sighting.members, ring: sighting.summary },
      atMs,
    )
    const s = sighting.summary
    await this.deps.store.open(reviewCase, { id: `${id}:opened`, caseId: id, kind: 'opened', actor: 'system', atMs, data: { risk, priority, ringRisk: s.risk, users: s.users } })
  }

  /** A case's ring grew: members joined, figures as now. False when the case moved meanwhile (the next computation tries again). */
  private async grow(reviewCase: ReviewCase, sighting: RingSighting, joined: number): Promise<boolean> {
    const atMs = this.deps.clock.nowMs()
    const members: Record<string, string[]> = {}
    for (const [kind, keys] of [...Object.entries(reviewCase.entityKeys), ...Object.entries(sighting.members)]) members[kind] = [...new Set([...(members[kind] ?? []), ...keys])]
    const users = usersOf(members).length
    const { risk, priority } = ringCasePriority(sighting.summary.risk, users)
    const updated = await this.deps.store.update(
      reviewCase.tenantId,
      reviewCase.id,
      { status: reviewCase.status, assignee: reviewCase.assignee },
      { entityKeys: members, ring: sighting.summary, risk, priority },
      { id: randomUUID(), caseId: reviewCase.id, kind: 'ring_grown', actor: 'system', atMs, data: { joined, users, ringRisk: sighting.summary.risk } },
    )
    if (updated) Object.assign(reviewCase, updated)
    return updated !== undefined
  }
}

/**
 * The case of each ring of a list (ring id → its users' blind indexes), as
 * the desk matches them (`bestMatch`): of the ring cases sharing a user with
 * it, found by the members' index, the one sharing most, if they are at
 * least half of its users. A ring of no case is missing from the answer.
 */
export async function casesOfRings(store: CaseStore, tenantId: string, ringUsers: ReadonlyMap<number, readonly string[]>): Promise<Map<number, ReviewCase>> {
  const found = new Map<number, ReviewCase>()
  const all = [...new Set([...ringUsers.values()].flat())]
  if (all.length === 0) return found
  const candidates = await store.ringCasesWithMembers(tenantId, all)
  for (const [ring, users] of ringUsers) {
    const match = bestMatch(candidates, new Set(users), new Set())
    if (match) found.set(ring, match)
  }
  return found
}

/** The case whose ring this is: the one sharing most users, if they are at least half of its users. */
function bestMatch(cases: readonly ReviewCase[], users: ReadonlySet<string>, taken: ReadonlySet<string>): ReviewCase | undefined {
  let best: ReviewCase | undefined
  let bestShared = 0
  for (const candidate of cases) {
    if (taken.has(candidate.id)) continue
    const own = usersOf(candidate.entityKeys)
    const shared = own.filter((u) => users.has(u)).length
    // open cases before closed ones on a tie: the open case is the one to grow
    if (shared * 2 >= own.length && shared > 0 && (shared > bestShared || (shared === bestShared && best?.status === 'closed' && candidate.status !== 'closed'))) {
      best = candidate
      bestShared = shared
    }
  }
  return best
}
