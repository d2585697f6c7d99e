import { dayMs, localMidnight } from './activity-cycle.ts'
import type { CustomerProfile, LoanTerms } from './customer-profile.ts'
import { near } from './places.ts'
import type { Random } from './random.ts'
import type { World } from './world.ts'

/**
 * The events a person causes at the lender, built the same way whoever the
 * person is: a genuine customer, a ring's synthetic identity or an
 * intermediary's client. Scenarios differ in what they pass in (a shared
 * device, a templated address), not in how events are shaped.
 */

/** Where an action is taken from; defaults to the person's own device and home IP. */
export interface Origin {
  deviceId?: string
  ip?: string
}

const device = (person: CustomerProfile, origin: Origin) => origin.deviceId ?? person.devices[person.devices.length - 1]!

export function register(world: World, person: CustomerProfile, origin: Origin = {}, channel = 'app'): string {
  return world.emit('account.registered', {
    userId: person.userId,
    phone: person.phone,
    idNumber: person.idNumber,
    deviceId: device(person, origin),
    ip: origin.ip ?? person.ip,
    channel,
    birthYear: person.birthYear,
    gender: person.male ? 'male' : 'female',
  })
}

const loginMethods = ['password', 'sms', 'sms', 'biometric', 'token']

export function login(world: World, random: Random, person: CustomerProfile, origin: Origin & { phone?: string; geo?: { lat: number; lon: number } } = {}): string {
  return world.emit('login', {
    userId: person.userId,
    deviceId: device(person, origin),
    ip: origin.ip ?? person.ip,
    success: random.chance(0.97),
    method: random.pick(loginMethods),
    phone: origin.phone ?? person.phone,
    geo: origin.geo ?? near(random, person.city),
  })
}

export interface ApplicationDetails extends Origin {
  declaredIncomeMinor?: number
  address?: string
  contacts?: { phone: string; relation: string }[]
  product?: string
}

/** An application as emitted: its event id (what labels and decisions name) and its own id (what the loans it grants name). */
export interface Application {
  eventId: string
  applicationId: string
}

export function applyForCredit(world: World, random: Random, person: CustomerProfile, loan: LoanTerms, details: ApplicationDetails = {}): Application {
  const applicationId = `A${String(world.next('application')).padStart(9, '0')}`
  const eventId = world.emit('credit.application', {
    applicationId,
    userId: person.userId,
    idNumber: person.idNumber,
    phone: person.phone,
    deviceId: device(person, details),
    ip: details.ip ?? person.ip,
    product: details.product ?? 'consumer_loan',
    amountMinor: loan.amountMinor,
    currency: 'CNY',
    termMonths: loan.termMonths,
    declaredIncomeMinor: details.declaredIncomeMinor ?? loan.declaredIncomeMinor,
    age: person.age,
    bankCard: person.bankCard,
    address: details.address ?? person.address,
    contacts: details.contacts ?? person.contacts,
    geo: near(random, person.city),
  })
  return { eventId, applicationId }
}

export interface Drawdown extends Origin {
  amountMinor: number
  /** The application that granted the credit line drawn on; absent for a line opened before the period. */
  applicationId?: string
  bankCard?: string
  newPayee?: boolean
  screenSharingActive?: boolean
  callForwardingActive?: boolean
  phone?: string
}

export interface Loan {
  loanId: string
  /** Absent for loans drawn before the simulated period. */
  drawdownEventId?: string
  principalMinor: number
  /** Set when the borrower decides to stop paying on an agent's advice: instalments due from then on are missed. */
  stoppedPaying?: { atMs: number; advisedBy: string }
}

export function drawDown(world: World, person: CustomerProfile, drawdown: Drawdown): Loan & { drawdownEventId: string } {
  const loanId = newLoanId(world)
  const drawdownEventId = world.emit('loan.drawdown', {
    loanId,
    ...(drawdown.applicationId ? { applicationId: drawdown.applicationId } : {}),
    firstDueAt: new Date(firstDueAt(world.now)).toISOString(),
    userId: person.userId,
    deviceId: device(person, drawdown),
    ip: drawdown.ip ?? person.ip,
    amountMinor: drawdown.amountMinor,
    currency: 'CNY',
    bankCard: drawdown.bankCard ?? person.bankCard,
    newPayee: drawdown.newPayee ?? false,
    screenSharingActive: drawdown.screenSharingActive ?? false,
    callForwardingActive: drawdown.callForwardingActive ?? false,
    phone: drawdown.phone ?? person.phone,
  })
  return { loanId, drawdownEventId, principalMinor: drawdown.amountMinor }
}

export const newLoanId = (world: World) => `L${String(world.next('loan')).padStart(9, '0')}`

export interface RepaymentPlan {
  termMonths: number
  aprBps: number
  /** The instalment from which the borrower stops paying; null for one who pays. */
  missFrom: number | null
  /** When the money was drawn, if before now (a loan already on the book). */
  drawnAtMs?: number
  /** Called with the event of the first missed instalment and its due time. */
  onFirstMiss?: (eventId: string, dueAtMs: number) => void
  /** Called likewise when a paying borrower stops paying (`Loan.stoppedPaying`). */
  onStop?: (eventId: string, dueAtMs: number, advisedBy: string) => void
}

/**
 * Monthly instalments of an amortising loan, due at 10:00 local time. A
 * borrower who defaults misses instalment `missFrom` and never pays again;
 * the lender sees the miss the next day and again at 30 days past due.
 * Others pay, a few of them some days late. Interest is simple monthly
 * interest on the principal, in whole fen.
 */
export function scheduleRepayments(
  world: World,
  random: Random,
  person: CustomerProfile,
  loan: Loan,
  plan: RepaymentPlan,
): void {
  const principalPart = Math.floor(loan.principalMinor / plan.termMonths)
  const interest = Math.round((loan.principalMinor * plan.aprBps) / 120_000)
  const firstDue = firstDueAt(plan.drawnAtMs ?? world.now)
  for (let installment = 1; installment <= plan.termMonths; installment++) {
    const dueAt = firstDue + (installment - 1) * 30 * dayMs
    if (dueAt >= world.endMs) return
    // a loan drawn before the period only shows the instalments due inside it
    if (dueAt < world.now && (plan.missFrom === null || installment < plan.missFrom)) continue
    const dueAmountMinor = (installment === plan.termMonths ? loan.principalMinor - principalPart * (plan.termMonths - 1) : principalPart) + interest
    const repayment = (status: 'paid' | 'missed', paidAmountMinor: number, daysPastDue: number) => () =>
      world.emit('loan.repayment', {
        loanId: loan.loanId,
        userId: person.userId,
        installment,
        dueAt: new Date(dueAt).toISOString(),
        dueAmountMinor,
        paidAmountMinor,
        currency: 'CNY',
        status,
        daysPastDue,
        bankCard: person.bankCard,
      })
    if (plan.missFrom !== null && installment >= plan.missFrom) {
      if (dueAt + dayMs >= world.now) {
        world.at(dueAt + dayMs, () => {
          const eventId = repayment('missed', 0, 1)()
          plan.onFirstMiss?.(eventId, dueAt)
        })
      }
      if (dueAt + 30 * dayMs >= world.now) world.at(dueAt + 30 * dayMs, repayment('missed', 0, 30))
      return
    }
    const late = random.chance(0.05) ? random.int(1, 7) : 0
    const pay = repayment('paid', dueAmountMinor, late)
    world.at(dueAt + late * dayMs + random.int(0, 3_600_000), () => {
      const stopped = loan.stoppedPaying
      if (stopped === undefined || stopped.atMs > dueAt) return pay()
      // the first instalment due after the borrower stopped is missed, and seen again at 30 days past due; later ones show nothing
      if (stopped.atMs <= dueAt - 30 * dayMs) return
      world.at(dueAt + dayMs, () => plan.onStop?.(repayment('missed', 0, 1)(), dueAt, stopped.advisedBy))
      world.at(dueAt + 30 * dayMs, repayment('missed', 0, 30))
    })
  }
}

/** The first instalment is due 30 days after the drawdown, at 10:00 local time (02:00Z). */
export const firstDueAt = (drawnAtMs: number) => localMidnight(drawnAtMs) + 30 * dayMs + 2 * 3_600_000

/** When collections label a defaulting loan: the evening of the day it reaches 30 days past due. */
export function defaultKnownAt(drawnAtMs: number, missFrom: number): number {
  return localMidnight(drawnAtMs) + 30 * dayMs * missFrom + 30 * dayMs + 10 * 3_600_000
}
