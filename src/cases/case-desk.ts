import { randomUUID } from 'node:crypto'
import type { Clock } from '../core/clock.ts'
import { type FieldIssue, invalidInput, notFound, XiezhiError } from '../core/errors.ts'
import type { Decision } from '../decisions/decision.ts'
import type { RecordStore, StoredDecision } from '../decisions/record-store.ts'
import type { EntityKind } from '../events/entities.ts'
import type { EventTypeRegistry } from '../events/event-type-registry.ts'
import type { PersonalDataVault } from '../events/personal-data-vault.ts'
import { casePriority, openedCase, slaMinutes } from './case-priority.ts'
import type { CaseQuery } from './case-store.ts'
import { entityValues, maskedEventData } from './masked-event.ts'
import { type CaseActivity, type CallOutcome, callOutcomes, type Disposition, dispositions, type ExcludedMember, isDisposition, type ReviewCase } from './review-case.ts'

/** Everything a reviewer sees of a case, personal data masked. */
export interface CaseView {
  case: ReviewCase
  /** The decision and its event (null for a ring case). */
  decision: Decision | null
  /** The event as decided, entity values masked. */
  event: { id: string; type: string; occurredAt: string; data: unknown } | null
  activities: CaseActivity[]
  /** A ring case's members a reviewer excluded (none for a decision's case). */
  excluded: ExcludedMember[]
  /** Earlier decisions that share the applicant, device or phone, newest first. */
  related: { kind: EntityKind; decisions: Pick<Decision, 'decisionId' | 'eventId' | 'eventType' | 'action' | 'decidedAt'>[] }[]
}

/** How a ring case may close: a fraud ring (its users labelled), or dismissed (nothing labelled). */
export const ringDispositions = ['confirmed_fraud', 'legitimate_approve'] as const satisfies readonly Disposition[]

const relatedKinds: readonly EntityKind[] = ['user', 'device', 'phone', 'id_number']
const maxNotes = 2_000

/**
 * The review desk (反诈劝阻): opens a case for each `review` decision,
 * hands reviewers the next case, records phone verification and call-backs,
 * and closes cases with a disposition that becomes a `label` event (for the
 * features, models and graph) and resolves the held decision.
 */
export class CaseDesk {
  constructor(
    private readonly deps: {
      store: RecordStore
      vault: PersonalDataVault
      registry: EventTypeRegistry
      clock: Clock
      /** Decides an event the desk emits (the label): the decision path, so it is logged and feeds the features. */
      decide: (tenantId: string, event: unknown) => Promise<unknown>
    },
  ) {}

  /** Opens the case of a review decision, once; false when it had one. */
  async openFor(decision: Pick<StoredDecision, 'tenantId' | 'decisionId' | 'eventId' | 'eventType' | 'response' | 'entityKeys' | 'decidedAtMs' | 'sealedEvent'>): Promise<boolean> {
    const reply = JSON.parse(decision.response) as Decision
    const amount = (JSON.parse(this.deps.vault.open(decision.sealedEvent)) as { data?: { amountMinor?: unknown } }).data?.amountMinor
    // credit applications and drawdowns carry the amount at stake
    const amountMinor = typeof amount === 'number' && Number.isSafeInteger(amount) ? amount : null
    const { risk, priority } = casePriority(reply.scores ?? {}, amountMinor)
    const id = randomUUID()
    const atMs = decision.decidedAtMs
    return this.deps.store.cases.open(
      openedCase(
        {
          id,
          tenantId: decision.tenantId,
          kind: 'decision',
          decisionId: decision.decisionId,
          eventId: decision.eventId,
          eventType: decision.eventType,
          queue: decision.eventType,
          risk,
          priority,
          amountMinor,
          entityKeys: decision.entityKeys,
          ring: null,
        },
        atMs,
      ),
      { id: `${id}:opened`, caseId: id, kind: 'opened', actor: 'system', atMs, data: { risk, priority } },
    )
  }

  /** Opens the cases of review decisions that have none (a start after a stop between a decision and its case). */
  async catchUp(): Promise<number> {
    let opened = 0
    for (;;) {
      const missing = await this.deps.store.cases.reviewDecisionsWithoutCase(500)
      for (const decision of missing) if (await this.openFor(decision)) opened++
      if (missing.length < 500) return opened
    }
  }

  async claimNext(tenantId: string, reviewer: string, queues?: readonly string[]): Promise<ReviewCase | undefined> {
    return this.deps.store.cases.claimNext(tenantId, reviewer, this.deps.clock.nowMs(), queues)
  }

  list(query: CaseQuery) {
    return this.deps.store.cases.list(query)
  }

  counts(tenantId: string) {
    return this.deps.store.cases.counts(tenantId, this.deps.clock.nowMs())
  }

  async view(tenantId: string, caseId: string): Promise<CaseView> {
    const reviewCase = await this.caseOf(tenantId, caseId)
    // a ring case's members are shown as its subgraph (the route adds it): no event, no related decisions
    if (reviewCase.decisionId === null)
      return { case: reviewCase, decision: null, event: null, activities: await this.deps.store.cases.activities(caseId), excluded: await this.deps.store.cases.excludedMembers(caseId), related: [] }
    const stored = await this.deps.store.getDecision(tenantId, reviewCase.decisionId)
    if (!stored) throw notFound(`The decision of case "${caseId}" is not recorded`)
    const event = JSON.parse(this.deps.vault.open(stored.sealedEvent)) as NonNullable<CaseView['event']>
    const paths = this.deps.registry.find(tenantId, event.type)?.entities ?? {}
    const related: CaseView['related'] = []
    for (const kind of relatedKinds) {
      const key = reviewCase.entityKeys[kind]?.[0]
      if (key === undefined) continue
      const page = await this.deps.store.listDecisions({ tenantId, entityKey: key, limit: 11 })
      const decisions = page.items
        .filter((d) => d.decisionId !== reviewCase.decisionId)
        .slice(0, 10)
        .map((d) => {
          const reply = JSON.parse(d.response) as Decision
          return { decisionId: d.decisionId, eventId: d.eventId, eventType: d.eventType, action: d.action, decidedAt: reply.decidedAt }
        })
      if (decisions.length > 0) related.push({ kind, decisions })
    }
    return {
      case: reviewCase,
      decision: JSON.parse(stored.response) as Decision,
      event: { ...event, data: maskedEventData(event.data, paths) },
      activities: await this.deps.store.cases.activities(caseId),
      excluded: [],
      related,
    }
  }

  /** The clear values of one entity kind of the case's event; the reveal is recorded with who asked. */
  async reveal(tenantId: string, caseId: string, actor: string, kind: EntityKind): Promise<string[]> {
    const reviewCase = await this.caseOf(tenantId, caseId)
    if (reviewCase.decisionId === null) throw invalidInput('Nothing to reveal', [{ pointer: '/caseId', code: 'invalid_value', message: 'a ring case has no event; its members are shown by kind and key prefix only' }])
    const stored = await this.deps.store.getDecision(tenantId, reviewCase.decisionId)
    if (!stored) throw notFound(`The decision of case "${caseId}" is not recorded`)
    const event = JSON.parse(this.deps.vault.open(stored.sealedEvent)) as NonNullable<CaseView['event']>
    const pointer = this.deps.registry.find(tenantId, event.type)?.entities?.[kind]
    if (!pointer) throw invalidInput('Nothing to reveal', [{ pointer: '/kind', code: 'invalid_value', message: `a ${event.type} event has no ${kind}` }])
    await this.deps.store.cases.addActivity({ id: randomUUID(), caseId, kind: 'revealed', actor, atMs: this.deps.clock.nowMs(), data: { field: kind } })
    return entityValues(event.data, pointer)
  }

  /** One call attempt (电核) by the reviewer holding the case; with `callbackAt`, the case goes back to the queue until then. */
  async logCall(tenantId: string, caseId: string, actor: string, call: { outcome: CallOutcome; notes?: string; callbackAtMs?: number }): Promise<ReviewCase> {
    const issues: FieldIssue[] = []
    if (!(callOutcomes as readonly unknown[]).includes(call.outcome)) issues.push({ pointer: '/outcome', code: 'invalid_value', message: `outcome must be one of ${callOutcomes.join(', ')}` })
    checkNotes(call.notes, issues)
    const nowMs = this.deps.clock.nowMs()
    if (call.callbackAtMs !== undefined && !(call.callbackAtMs > nowMs)) issues.push({ pointer: '/callbackAt', code: 'in_past', message: 'a call-back must be later than now' })
    if (issues.length > 0) throw invalidInput('The call is invalid', issues)
    const held = await this.held(tenantId, caseId, actor)
    const activity: CaseActivity = { id: randomUUID(), caseId, kind: 'call', actor, atMs: nowMs, data: { outcome: call.outcome, notes: call.notes ?? '' } }
    if (call.callbackAtMs === undefined) {
      await this.deps.store.cases.addActivity(activity)
      return held
    }
    await this.deps.store.cases.addActivity(activity)
    return this.moved(
      await this.deps.store.cases.update(tenantId, caseId, { status: 'claimed', assignee: actor }, { status: 'open', callbackAtMs: call.callbackAtMs, claimedAtMs: null, dueAtMs: call.callbackAtMs + slaMinutes[held.risk] * 60_000 }, {
        id: randomUUID(),
        caseId,
        kind: 'callback_scheduled',
        actor,
        atMs: nowMs,
        data: { at: new Date(call.callbackAtMs).toISOString() },
      }),
      caseId,
    )
  }

  /**
   * Takes a user out of a held ring case before it is closed: the reviewer
   * judged that person not part of the team (a relative on the family phone,
   * a victim whose phone the team used). Closing the case as confirmed fraud
   * then labels every member user but the excluded. Recorded with who and
   * why; the activity keeps the kind and the key's first 8 characters, as
   * the graph shows them. A ring that grows later keeps the exclusion.
   */
  async excludeMember(tenantId: string, caseId: string, actor: string, member: { kind: string; key: string; reason: string }): Promise<ExcludedMember[]> {
    const reason = checkMemberChange(member, 'say why the member is not part of the ring')
    const held = await this.heldRing(tenantId, caseId, actor)
    const excluded = await this.deps.store.cases.excludedMembers(caseId)
    if (!(held.entityKeys[member.kind] ?? []).includes(member.key)) throw invalidInput('Not a member', [{ pointer: '/key', code: 'not_a_member', message: `no ${member.kind} of this ring case has this key` }])
    if (excluded.some((e) => e.kind === member.kind && e.entityKey === member.key)) throw invalidInput('Excluded already', [{ pointer: '/key', code: 'excluded_already', message: 'this member is excluded already' }])
    const atMs = this.deps.clock.nowMs()
    const done = await this.deps.store.cases.excludeMember(
      tenantId,
      caseId,
      { status: 'claimed', assignee: actor },
      { kind: member.kind, entityKey: member.key, by: actor, atMs, reason },
      { id: randomUUID(), caseId, kind: 'member_excluded', actor, atMs, data: { kind: member.kind, keyPrefix: member.key.slice(0, 8), reason } },
    )
    if (!done) throw this.movedMeanwhile(caseId)
    return this.deps.store.cases.excludedMembers(caseId)
  }

  /**
   * Undoes an exclusion of the held ring case, saying why: closing the case
   * as confirmed fraud labels the member again. Both steps stay in the case
   * history. Answers the members still excluded.
   */
  async readmitMember(tenantId: string, caseId: string, actor: string, member: { kind: string; key: string; reason: string }): Promise<ExcludedMember[]> {
    const reason = checkMemberChange(member, 'say why the member is part of the ring after all')
    await this.heldRing(tenantId, caseId, actor)
    const excluded = await this.deps.store.cases.excludedMembers(caseId)
    if (!excluded.some((e) => e.kind === member.kind && e.entityKey === member.key)) throw invalidInput('Not excluded', [{ pointer: '/key', code: 'not_excluded', message: `no excluded ${member.kind} of this ring case has this key` }])
    const done = await this.deps.store.cases.readmitMember(
      tenantId,
      caseId,
      { status: 'claimed', assignee: actor },
      { kind: member.kind, entityKey: member.key },
      { id: randomUUID(), caseId, kind: 'member_readmitted', actor, atMs: this.deps.clock.nowMs(), data: { kind: member.kind, keyPrefix: member.key.slice(0, 8), reason } },
    )
    if (!done) throw this.movedMeanwhile(caseId)
    return this.deps.store.cases.excludedMembers(caseId)
  }

  /** Gives a held case back to the queue. */
  async release(tenantId: string, caseId: string, actor: string): Promise<ReviewCase> {
    await this.held(tenantId, caseId, actor)
    return this.moved(
      await this.deps.store.cases.update(tenantId, caseId, { status: 'claimed', assignee: actor }, { status: 'open', assignee: null, claimedAtMs: null }, {
        id: randomUUID(),
        caseId,
        kind: 'released',
        actor,
        atMs: this.deps.clock.nowMs(),
        data: {},
      }),
      caseId,
    )
  }

  /**
   * Closes a held case: the disposition becomes a `label` event about the
   * decided event (logged through the decision path, so features, models and
   * the graph learn it from now on) and the held decision's resolution.
   */
  async close(tenantId: string, caseId: string, actor: string, outcome: { disposition: Disposition; notes?: string }): Promise<ReviewCase> {
    const issues: FieldIssue[] = []
    if (!isDisposition(outcome.disposition)) issues.push({ pointer: '/disposition', code: 'invalid_value', message: `disposition must be one of ${Object.keys(dispositions).join(', ')}` })
    checkNotes(outcome.notes, issues)
    if (issues.length > 0) throw invalidInput('The disposition is invalid', issues)
    const held = await this.held(tenantId, caseId, actor)
    if (held.kind === 'ring') return this.closeRing(held, actor, outcome)
    const { label, resolution } = dispositions[outcome.disposition]
    const nowMs = this.deps.clock.nowMs()
    const stored = await this.deps.store.getDecision(tenantId, held.decisionId!)
    const subject = stored ? (JSON.parse(this.deps.vault.open(stored.sealedEvent)) as { data: { userId?: unknown } }) : undefined
    // the label's id is the case's: a retried close sends the same event and is answered from the log
    await this.deps.decide(tenantId, {
      id: `label-case-${caseId}`,
      type: 'label',
      occurredAt: new Date(nowMs).toISOString(),
      data: { subjectEventId: held.eventId, label, source: 'review-desk', ...(typeof subject?.data.userId === 'string' ? { userId: subject.data.userId } : {}) },
    })
    return this.moved(
      await this.deps.store.cases.update(tenantId, caseId, { status: 'claimed', assignee: actor }, { status: 'closed', closedAtMs: nowMs, disposition: outcome.disposition, resolution }, {
        id: randomUUID(),
        caseId,
        kind: 'closed',
        actor,
        atMs: nowMs,
        data: { disposition: outcome.disposition, label, resolution, notes: outcome.notes ?? '' },
      }),
      caseId,
    )
  }

  /**
   * Closes a held ring case. `confirmed_fraud`: the reviewer judged the ring a
   * fraud ring, and each member user gets a `fraud` label, about that user's
   * newest decided event (so, like any label, it marks the event's user and
   * entities in the graph, and reaches features and models from now on);
   * users with no decided event are counted as not labelled, and users the
   * reviewer excluded (`excludeMember`) are not labelled.
   * `legitimate_approve`: the ring is dismissed and nothing is labelled — a
   * community of the graph is not evidence that each of its people is
   * legitimate. Other dispositions are about one applicant and are refused.
   */
  private async closeRing(held: ReviewCase, actor: string, outcome: { disposition: Disposition; notes?: string }): Promise<ReviewCase> {
    if (!(ringDispositions as readonly string[]).includes(outcome.disposition))
      throw invalidInput('The disposition is invalid', [{ pointer: '/disposition', code: 'invalid_value', message: `a ring case closes as ${ringDispositions.join(' or ')}` }])
    const { tenantId, id: caseId } = held
    const nowMs = this.deps.clock.nowMs()
    const labelled: string[] = []
    let unlabelled = 0
    const excluded = new Set((await this.deps.store.cases.excludedMembers(caseId)).filter((e) => e.kind === 'user').map((e) => e.entityKey))
    if (outcome.disposition === 'confirmed_fraud') {
      for (const userKey of held.entityKeys.user ?? []) {
        // a member the reviewer excluded is not labelled
        if (excluded.has(userKey)) continue
        const page = await this.deps.store.listDecisions({ tenantId, entityKey: userKey, limit: 5 })
        const subject = page.items.find((d) => d.eventType !== 'label')
        if (!subject) {
          unlabelled++
          continue
        }
        const userId = (JSON.parse(this.deps.vault.open(subject.sealedEvent)) as { data: { userId?: unknown } }).data.userId
        // one label per case and user: a retried close sends the same events and is answered from the log
        await this.deps.decide(tenantId, {
          id: `label-case-${caseId}-${userKey}`,
          type: 'label',
          occurredAt: new Date(nowMs).toISOString(),
          data: { subjectEventId: subject.eventId, label: 'fraud', source: 'review-desk', ...(typeof userId === 'string' ? { userId } : {}) },
        })
        labelled.push(subject.eventId)
      }
    }
    const label = outcome.disposition === 'confirmed_fraud' ? 'fraud' : null
    return this.moved(
      await this.deps.store.cases.update(tenantId, caseId, { status: 'claimed', assignee: actor }, { status: 'closed', closedAtMs: nowMs, disposition: outcome.disposition, resolution: null }, {
        id: randomUUID(),
        caseId,
        kind: 'closed',
        actor,
        atMs: nowMs,
        data: { disposition: outcome.disposition, label, labelledUsers: labelled.length, unlabelledUsers: unlabelled, excludedUsers: excluded.size, subjectEventIds: labelled, notes: outcome.notes ?? '' },
      }),
      caseId,
    )
  }

  private async caseOf(tenantId: string, caseId: string): Promise<ReviewCase> {
    const found = await this.deps.store.cases.get(tenantId, caseId)
    if (!found) throw notFound(`Case "${caseId}" does not exist`)
    return found
  }

  /** The case, if `actor` holds it now. */
  /** A ring case the actor holds: a decision's case has no members. */
  private async heldRing(tenantId: string, caseId: string, actor: string): Promise<ReviewCase> {
    const held = await this.held(tenantId, caseId, actor)
    if (held.kind !== 'ring') throw invalidInput('No members', [{ pointer: '/caseId', code: 'invalid_value', message: "only a ring case has members; a decision's case is about one applicant" }])
    return held
  }

  private async held(tenantId: string, caseId: string, actor: string): Promise<ReviewCase> {
    const found = await this.caseOf(tenantId, caseId)
    if (found.status !== 'claimed' || found.assignee !== actor) {
      throw new XiezhiError('conflict', `Case "${caseId}" is not held by ${actor}`, [
        { pointer: '/caseId', code: 'not_held', message: found.status === 'closed' ? 'the case is closed' : found.assignee ? `held by ${found.assignee}` : 'claim it first' },
      ])
    }
    return found
  }

  private movedMeanwhile(caseId: string): XiezhiError {
    return new XiezhiError('conflict', `Case "${caseId}" changed meanwhile; nothing was changed`, [{ pointer: '/caseId', code: 'case_moved', message: 'reload the case' }])
  }

  private moved(updated: ReviewCase | undefined, caseId: string): ReviewCase {
    if (!updated) throw this.movedMeanwhile(caseId)
    return updated
  }

}

function checkNotes(notes: unknown, issues: FieldIssue[]) {
  if (notes !== undefined && (typeof notes !== 'string' || notes.length > maxNotes)) issues.push({ pointer: '/notes', code: 'invalid_value', message: `notes must be text of at most ${maxNotes} characters` })
}

/** Checks an exclusion or a readmission of a ring member; answers its trimmed reason. */
function checkMemberChange(member: { kind: string; reason: string }, whenMissing: string): string {
  const issues: FieldIssue[] = []
  if (member.kind !== 'user') issues.push({ pointer: '/kind', code: 'invalid_value', message: 'only a user is excluded or readmitted: closing as fraud labels users only' })
  if (typeof member.reason !== 'string' || member.reason.trim() === '') issues.push({ pointer: '/reason', code: 'required', message: whenMissing })
  else if (member.reason.length > maxNotes) issues.push({ pointer: '/reason', code: 'invalid_value', message: `reason must be text of at most ${maxNotes} characters` })
  if (issues.length > 0) throw invalidInput('The change of members is invalid', issues)
  return member.reason.trim()
}
