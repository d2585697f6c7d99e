/**
 * Whether the loans an application granted went bad, as known at a cut-off:
 * the credit outcome a champion/challenger comparison judges an approval by.
 *
 * The lender's own events carry the links: a `loan.drawdown` names the
 * application that granted the credit (`applicationId`, the application's
 * own `data.applicationId`), and its `loan.repayment`s name the loan
 * (`loanId`). Only events and labels that occurred at or before the cut-off
 * count, so a report for a past cut-off is the one that would have been seen
 * then. With D the days-past-due threshold (30):
 *
 * - an instalment's **due date** is its repayment event's `dueAt`, or, for an
 *   event without one, its `occurredAt` less `daysPastDue` days;
 * - an instalment is **D days past due** at the cut-off when its due date
 *   plus D days is at or before the cut-off, a repayment event of it reported
 *   it unpaid (`missed` or `partial`, or paid only D or more days late), and
 *   none reported it paid in full before its due date plus D days;
 * - a loan is **bad** when one of its instalments is, or a bad label
 *   (`default`, `charge_off`) is known about its drawdown or one of its
 *   repayments; an application is bad when one of its loans is, or such a
 *   label is known about the application itself;
 * - an application is **mature** when the first due date of its first loan
 *   (the drawdown's `firstDueAt`; else the earliest due date of its
 *   repayments; else the drawdown plus 30 days) plus D days is at or before
 *   the cut-off. Immature applications are counted apart, never as good:
 *   they have not had the time to go bad.
 */

export interface DrawdownEvent {
  kind: 'drawdown'
  eventId: string
  occurredAtMs: number
  loanId: string
  applicationId?: string
  firstDueAtMs?: number
}

export interface RepaymentEvent {
  kind: 'repayment'
  eventId: string
  occurredAtMs: number
  loanId: string
  installment: number
  status: string
  daysPastDue: number
  dueAtMs?: number
}

export type LoanEvent = DrawdownEvent | RepaymentEvent

export const defaultBadLabels = ['default', 'charge_off'] as const
export const defaultDaysPastDue = 30

export interface LoanOutcomeRules {
  cutoffMs: number
  /** The days past due that make a loan bad (30). */
  daysPastDue: number
  /** Label kinds that make the event they are about bad. */
  badLabels: readonly string[]
}

/** One application's loans at the cut-off: not drawn, drawn but too recent to judge, or judged good or bad. */
export type LoanOutcome = 'not_drawn' | 'immature' | 'good' | 'bad'

const dayMs = 86_400_000
/** Without a first due date anywhere, the first monthly instalment. */
const assumedFirstDueDays = 30

interface Instalment {
  dueAtMs: number
  unpaidReported: boolean
  /** The earliest moment a repayment event reported it paid in full. */
  paidAtMs: number
}

interface LoanState {
  drawdown?: DrawdownEvent
  instalments: Map<number, Instalment>
  repaymentEventIds: string[]
}

export class LoanBook {
  private readonly loans = new Map<string, LoanState>()
  private readonly loansOfApplication = new Map<string, string[]>()
  /** Events with a bad label standing, and its kinds. */
  private readonly badSubjects = new Map<string, Set<string>>()

  constructor(readonly rules: LoanOutcomeRules) {}

  /** Keeps a loan event that occurred by the cut-off; returns whether it did. */
  addEvent(event: LoanEvent): boolean {
    if (event.occurredAtMs > this.rules.cutoffMs) return false
    const loan = this.loan(event.loanId)
    if (event.kind === 'drawdown') {
      // a loan id drawn twice keeps its first drawdown: the one that opened it
      if (loan.drawdown && loan.drawdown.occurredAtMs <= event.occurredAtMs) return true
      loan.drawdown = event
      if (event.applicationId !== undefined) {
        const loans = this.loansOfApplication.get(event.applicationId)
        if (!loans) this.loansOfApplication.set(event.applicationId, [event.loanId])
        else if (!loans.includes(event.loanId)) loans.push(event.loanId)
      }
      return true
    }
    loan.repaymentEventIds.push(event.eventId)
    const dueAtMs = event.dueAtMs ?? event.occurredAtMs - event.daysPastDue * dayMs
    const instalment = loan.instalments.get(event.installment) ?? { dueAtMs, unpaidReported: false, paidAtMs: Number.POSITIVE_INFINITY }
    instalment.dueAtMs = Math.min(instalment.dueAtMs, dueAtMs)
    if (event.status === 'paid' && event.daysPastDue < this.rules.daysPastDue) instalment.paidAtMs = Math.min(instalment.paidAtMs, event.occurredAtMs)
    else instalment.unpaidReported = true
    loan.instalments.set(event.installment, instalment)
    return true
  }

  /** Keeps a label known by the cut-off if it is of a bad kind (or, withdrawn, takes it off again); returns whether it did. */
  addLabel(label: { subjectEventId: string; label: string; knownAtMs: number; withdrawn?: boolean }): boolean {
    if (label.knownAtMs > this.rules.cutoffMs || !this.rules.badLabels.includes(label.label)) return false
    const kinds = this.badSubjects.get(label.subjectEventId)
    if (label.withdrawn) {
      kinds?.delete(label.label)
      if (kinds?.size === 0) this.badSubjects.delete(label.subjectEventId)
    } else if (kinds) kinds.add(label.label)
    else this.badSubjects.set(label.subjectEventId, new Set([label.label]))
    return true
  }

  /** The outcome of the application with this `data.applicationId`, whose event has `eventId`. */
  outcomeOf(applicationId: string | undefined, eventId: string): LoanOutcome {
    const loanIds = applicationId === undefined ? undefined : this.loansOfApplication.get(applicationId)
    if (!loanIds) return 'not_drawn'
    const loans = loanIds.map((id) => this.loans.get(id)!)
    const firstDueAtMs = Math.min(...loans.map((loan) => this.firstDueOf(loan)))
    if (firstDueAtMs + this.rules.daysPastDue * dayMs > this.rules.cutoffMs) return 'immature'
    return this.badSubjects.has(eventId) || loans.some((loan) => this.isBad(loan)) ? 'bad' : 'good'
  }

  private firstDueOf(loan: LoanState): number {
    const drawdown = loan.drawdown!
    if (drawdown.firstDueAtMs !== undefined) return drawdown.firstDueAtMs
    let earliest = Number.POSITIVE_INFINITY
    for (const instalment of loan.instalments.values()) earliest = Math.min(earliest, instalment.dueAtMs)
    return Number.isFinite(earliest) ? earliest : drawdown.occurredAtMs + assumedFirstDueDays * dayMs
  }

  private isBad(loan: LoanState): boolean {
    if (this.badSubjects.has(loan.drawdown!.eventId) || loan.repaymentEventIds.some((id) => this.badSubjects.has(id))) return true
    const window = this.rules.daysPastDue * dayMs
    for (const instalment of loan.instalments.values()) {
      const pastDueAtMs = instalment.dueAtMs + window
      if (instalment.unpaidReported && pastDueAtMs <= this.rules.cutoffMs && !(instalment.paidAtMs < pastDueAtMs)) return true
    }
    return false
  }

  private loan(loanId: string): LoanState {
    let loan = this.loans.get(loanId)
    if (!loan) {
      loan = { instalments: new Map(), repaymentEventIds: [] }
      this.loans.set(loanId, loan)
    }
    return loan
  }
}
