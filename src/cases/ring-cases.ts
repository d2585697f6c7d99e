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
 * crosses the thresholds (`opensRingCase`) gets a case, once. A ring keeps its id while
 * it goes on (`graph/ring-continuity.ts`), so a ring is the ring of the case
 * that saw it under the same id (`ring.ringId`) and shares a user with it
 * (an open case before a closed one, then the one sharing most users, then
 * the newest). A ring no case saw
 * under its id — a case opened before ids lasted, or one whose ring merged
 * into another or split — is recognised by its users: it is the ring of a
 * case when at least half of the case's users are in it (the case sharing
 * most users wins). Each case is the ring of one ring at most.
 *
 * - matched to an open or claimed case: the case stays; if users joined, its
 *   members become the union and its figures, risk and priority are updated
 *   (activity `ring_grown`); if none joined but it knew the ring under
 *   another id, its figures now name this one (activity `ring_linked`), so
 *   the next computation finds it by id;
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
  async apply(tenantId: string, sightings: readonly RingSighting[]): Promise<{ opened: number; grown: number; linked: number; unchanged: number }> {
    const known = await this.deps.store.ringCases(tenantId, this.deps.clock.nowMs() - this.deps.options.closedLookbackMs)
    const taken = new Set<string>()
    const done = { opened: 0, grown: 0, linked: 0, unchanged: 0 }
    const ordered = [...sightings].filter((s) => this.crosses(s.summary)).sort((a, b) => b.summary.risk - a.summary.risk || b.summary.users - a.summary.users)
    const usersOfSighting = ordered.map((s) => new Set(usersOf(s.members)))
    // by id first, every ring, so a match by users never takes the case of a ring that goes on under its id
    const matches = ordered.map((s, i) => {
      const match = matchById(known, s.summary.ringId, usersOfSighting[i]!, taken)
      if (match) taken.add(match.id)
      return match
    })
    for (const [i, sighting] of ordered.entries()) {
      const users = usersOfSighting[i]!
      let match = matches[i]
      if (!match) {
        match = bestMatch(known, users, taken)
        if (match) taken.add(match.id)
      }
      const own = match ? new Set(usersOf(match.entityKeys)) : new Set<string>()
      const joined = [...users].filter((u) => !own.has(u))
      if (match && match.status !== 'closed') {
        if (joined.length > 0) {
          if (await this.grow(match, sighting, joined.length)) done.grown++
        } else if (match.ring?.ringId !== sighting.summary.ringId) {
          if (await this.link(match, sighting)) done.linked++
        } else done.unchanged++
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

  /** A case's ring, its users all known to it, seen under another id: the case's figures now name it. False when the case moved meanwhile. */
  private async link(reviewCase: ReviewCase, sighting: RingSighting): Promise<boolean> {
    const atMs = this.deps.clock.nowMs()
    const updated = await this.deps.store.update(
      reviewCase.tenantId,
      reviewCase.id,
      { status: reviewCase.status, assignee: reviewCase.assignee },
      { ring: sighting.summary },
      { id: randomUUID(), caseId: reviewCase.id, kind: 'ring_linked', actor: 'system', atMs, data: { ringId: sighting.summary.ringId, previousRingId: reviewCase.ring?.ringId ?? null } },
    )
    if (updated) Object.assign(reviewCase, updated)
    return updated !== undefined
  }
}

/**
 * The case that saw this ring under its id and shares a user with it (an id
 * from before ids lasted may name another ring): an open one before a
 * closed one, then the one sharing most users, then the newest.
 */
function matchById(cases: readonly ReviewCase[], ringId: number, users: ReadonlySet<string>, taken: ReadonlySet<string>): ReviewCase | undefined {
  let best: ReviewCase | undefined
  let bestShared = 0
  for (const candidate of cases) {
    if (taken.has(candidate.id) || candidate.ring?.ringId !== ringId) continue
    const shared = usersOf(candidate.entityKeys).filter((u) => users.has(u)).length
    if (shared === 0) continue
    const open = candidate.status !== 'closed'
    const bestOpen = best !== undefined && best.status !== 'closed'
    const better = !best || (open && !bestOpen) || (open === bestOpen && (shared > bestShared || (shared === bestShared && candidate.createdAtMs > best.createdAtMs)))
    if (better) {
      best = candidate
      bestShared = shared
    }
  }
  return best
}

/**
 * The case of each ring of a list (ring id → its users' blind indexes), as
 * the desk matches them: of the ring cases sharing a user with it, found by
 * the members' index, the one that saw it under its id (`matchById`), else
 * the one sharing most users, if they are at least half of its users
 * (`bestMatch`). A ring of no case is missing from the answer.
 */
export async function casesOfRings(store: CaseStore, tenantId: string, ringUsers: ReadonlyMap<number, readonly string[]>): Promise<Map<number, ReviewCase>> {
  const found = new Map<number, ReviewCase>()
  const all = [...new Set([...ringUsers.values()].flat())]
  if (all.length === 0) return found
  const candidates = await store.ringCasesWithMembers(tenantId, all)
  for (const [ring, users] of ringUsers) {
    const members = new Set(users)
    const match = matchById(candidates, ring, members, new Set()) ?? bestMatch(candidates, members, new Set())
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
