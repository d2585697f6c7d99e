import { dayMs, hourProfiles, laterOn, localMidnight, within } from './activity-cycle.ts'
import { type CustomerProfile, calibrateIntercept, drawLoanTerms, drawProfile, probabilityOfDefault } from './customer-profile.ts'
import { deviceId } from './identities.ts'
import { type Loan, applyForCredit, defaultKnownAt, drawDown, login, newLoanId, register, scheduleRepayments } from './lending-events.ts'
import { click, strangerClick } from './marketing.ts'
import { carrierIp, near } from './places.ts'
import type { Random } from './random.ts'
import type { World } from './world.ts'

/** A login from the customer's own device and home network. */
const noOrigin = {}

/** A customer who has drawn money: the pool that scammers, account thieves and complaint agents prey on. */
export interface Borrower {
  profile: CustomerProfile
  /** The application that opened the credit line (its data.applicationId); absent for a loan already on the book. */
  applicationId?: string
  loan: Loan
  drawnAtMs: number
  defaults: boolean
}

const complaintTexts = [
  ['fees', '提前还款手续费太高，希望说明收费标准。'],
  ['service', '客服电话一直打不通。'],
  ['app_problem', 'App 还款页面加载失败，扣款没有成功。'],
  ['collection', '催收电话打到了我的同事，请停止。'],
  ['limit', '额度为什么被降低了？'],
] as const

/**
 * The lender's genuine customers: they arrive through the period (half of
 * them through a marketing click), register, log in on their own devices,
 * apply, draw money and repay — or, for a share set by their latent risk,
 * fall 30 days past due. A few are small manufacturers whose machines
 * report telemetry; when their business is in trouble the machines run less
 * in the weeks before they default.
 */
export class Population {
  readonly borrowers: Borrower[] = []
  /** Who arrived lately: the people a newcomer may share a home with. */
  private readonly recentArrivals: CustomerProfile[] = []
  private readonly random: Random
  private readonly intercept: number
  private readonly year: number

  constructor(private readonly world: World) {
    this.random = world.random('customers')
    this.year = new Date(world.startMs).getUTCFullYear()
    this.intercept = calibrateIntercept(world.random('calibration'), world.config.credit.defaultRate, this.year)
  }

  /** A new identity with this population's traits; other scenarios borrow it for synthetic or recruited people. */
  newProfile(random: Random): CustomerProfile {
    return drawProfile(random, this.world.next('customer'), this.year)
  }

  start(): void {
    const { world, random } = this
    const onBook = Math.round(world.options.customers * world.config.customers.onBookShare)
    for (let i = 0; i < onBook; i++) this.alreadyBorrowing()
    const arrivals = new Float64Array(world.options.customers - onBook)
    for (let i = 0; i < arrivals.length; i++) arrivals[i] = within(random, world.startMs, world.endMs, 'customer')
    arrivals.sort()
    const arrive = (index: number) => {
      this.arrive()
      if (index + 1 < arrivals.length) world.at(arrivals[index + 1]!, () => arrive(index + 1))
    }
    if (arrivals.length > 0) world.at(arrivals[0]!, () => arrive(0))
    this.startStrayClicks()
  }

  private arrive(): void {
    const { world, random } = this
    const config = world.config.customers
    const profile = this.newProfile(random)
    if (random.chance(config.householdShare)) this.joinHousehold(profile)
    this.recentArrivals.push(profile)
    if (this.recentArrivals.length > 200) this.recentArrivals.shift()
    const sme = random.chance(config.smeShare) ? { distressed: random.chance(2 * world.config.credit.defaultRate) } : undefined
    const registerNow = () => {
      register(world, profile)
      world.at(world.now + random.int(20_000, 300_000), () => login(world, random, profile))
      if (random.chance(config.applyShare)) {
        const applyAt = random.chance(0.6) ? world.now + random.int(300_000, 5_400_000) : laterOn(random, world.now, 3, 'customer')
        world.at(applyAt, () => this.apply(profile, sme))
      }
      this.startLogins(profile, config.loginsPerDay * random.logNormal(1, 0.6))
      if (random.chance(config.complaintsPerMonth * world.months)) world.at(within(random, world.now, world.endMs, 'customer'), () => this.complain(profile))
      if (sme) this.startMachines(profile, sme)
    }
    if (random.chance(config.arriveByClickShare)) {
      click(world, random, { deviceId: profile.devices[0]!, ip: profile.ip, city: profile.city })
      world.at(world.now + random.int(60_000, 900_000), registerNow)
    } else registerNow()
  }

  /** A loan already on the book, or one an agent talked its borrower out of paying, reaches 30 days past due. */
  private defaulted(profile: CustomerProfile, missedEventId: string, dueAtMs: number, advisedBy?: string): void {
    this.world.truth({
      eventId: missedEventId,
      eventType: 'loan.repayment',
      scenario: 'credit_default',
      label: 'default',
      knownAtMs: dueAtMs + 30 * dayMs + 8 * 3_600_000,
      userId: profile.userId,
      daysPastDue: 30,
      ...(advisedBy ? { actorId: advisedBy } : {}),
    })
  }

  /**
   * Share a home with a customer who arrived recently: the same address and
   * home network, often the same tablet, each other as contacts. Genuine
   * entity reuse, which rules about shared devices and addresses must tell
   * from a ring's.
   */
  private joinHousehold(profile: CustomerProfile): void {
    const { random, recentArrivals } = this
    if (recentArrivals.length === 0) return
    const partner = random.pick(recentArrivals)
    profile.city = partner.city
    profile.address = partner.address
    profile.ip = partner.ip
    if (random.chance(0.5)) profile.devices = [partner.devices[0]!]
    profile.contacts = [{ phone: partner.phone, relation: 'spouse' }, ...profile.contacts.slice(1)]
  }

  /**
   * A customer who drew a loan some months before the period: only what
   * happens from the start shows — logins, the instalments due, a default.
   */
  private alreadyBorrowing(): void {
    const { world, random } = this
    const config = world.config
    const profile = this.newProfile(random)
    const loan = drawLoanTerms(random, profile)
    const drawnAtMs = world.startMs - random.int(1, loan.termMonths * 30) * dayMs
    const defaults = random.chance(probabilityOfDefault(this.intercept, profile, loan))
    const missFrom = defaults ? random.int(1, loan.termMonths) : null
    const drawn = { loanId: newLoanId(world), principalMinor: loan.amountMinor }
    scheduleRepayments(world, random, profile, drawn, {
      termMonths: loan.termMonths,
      aprBps: config.credit.aprBps,
      missFrom,
      drawnAtMs,
      onFirstMiss: (eventId, dueAtMs) => this.defaulted(profile, eventId, dueAtMs),
      onStop: (eventId, dueAtMs, advisedBy) => this.defaulted(profile, eventId, dueAtMs, advisedBy),
    })
    this.borrowers.push({ profile, loan: drawn, drawnAtMs, defaults })
    this.startLogins(profile, config.customers.loginsPerDay * random.logNormal(1, 0.6))
    if (random.chance(config.customers.complaintsPerMonth * world.months)) world.at(within(random, world.now, world.endMs, 'customer'), () => this.complain(profile))
    if (random.chance(config.customers.smeShare)) this.startMachines(profile, { distressed: defaults })
  }

  /** Logins at the customer's own pace, for the rest of the period. */
  private startLogins(profile: CustomerProfile, perDay: number): void {
    if (perDay <= 0) return
    const { world, random } = this
    const meanDays = 1 / perDay
    const riskyHours = profile.riskTrait > 1
    const nextLoginAt = () => laterOn(random, world.now, meanDays, riskyHours && random.chance(0.5) ? 'night' : 'customer')
    // one happening per customer, scheduled again and again: a new closure per login
    // would live days in the queue and make the garbage collector the largest cost
    const logIn = () => {
      if (random.chance(world.config.customers.newDeviceShare)) profile.devices.push(deviceId(random))
      login(world, random, profile, random.chance(0.3) ? { ip: carrierIp(random, profile.city) } : noOrigin)
      world.at(nextLoginAt(), logIn)
    }
    world.at(nextLoginAt(), logIn)
  }

  private apply(profile: CustomerProfile, sme: { distressed: boolean } | undefined): void {
    const { world, random } = this
    const config = world.config
    const loan = drawLoanTerms(random, profile)
    const probability = sme?.distressed ? 0.6 : probabilityOfDefault(this.intercept, profile, loan)
    const defaults = random.chance(probability)
    const draws = random.chance(config.customers.drawdownShare)
    const application = applyForCredit(world, random, profile, loan, sme ? { product: 'sme_equipment_loan' } : {})
    const drawAt = random.chance(0.7) ? world.now + random.int(600_000, 7_200_000) : laterOn(random, world.now, 2, 'customer')
    const missFrom = defaults ? (random.chance(0.6) ? 1 : random.int(2, Math.min(loan.termMonths, 4))) : null
    if (defaults) {
      world.truth({
        eventId: application.eventId,
        eventType: 'credit.application',
        scenario: 'credit_default',
        label: 'default',
        knownAtMs: draws ? defaultKnownAt(drawAt, missFrom!) : null,
        userId: profile.userId,
        daysPastDue: 30,
      })
    }
    // riskier applicants come back for more within the day, one of the behaviours a credit model can learn from
    if (random.chance(0.02 + 0.04 * Math.max(0, profile.riskTrait))) {
      world.at(world.now + random.int(1_800_000, 20 * 3_600_000), () => applyForCredit(world, random, profile, drawLoanTerms(random, profile)))
    }
    if (!draws) return
    world.at(drawAt, () => {
      const amountMinor = Math.max(100_000, Math.round((loan.amountMinor * (0.5 + 0.5 * random.float())) / 10_000) * 10_000)
      const { applicationId } = application
      const drawn = drawDown(world, profile, { amountMinor, applicationId })
      scheduleRepayments(world, random, profile, drawn, {
        termMonths: loan.termMonths,
        aprBps: config.credit.aprBps,
        missFrom,
        onStop: (eventId, dueAtMs, advisedBy) => this.defaulted(profile, eventId, dueAtMs, advisedBy),
      })
      this.borrowers.push({ profile, applicationId, loan: drawn, drawnAtMs: world.now, defaults })
      if (!defaults && random.chance(config.customers.repeatDrawdownsPerMonth * world.months)) {
        world.at(within(random, world.now, world.endMs, 'customer'), () => {
          const again = drawDown(world, profile, { amountMinor: Math.round((amountMinor * random.float()) / 10_000) * 10_000 + 50_000, applicationId })
          scheduleRepayments(world, random, profile, again, { termMonths: loan.termMonths, aprBps: config.credit.aprBps, missFrom: null })
        })
      }
    })
  }

  private complain(profile: CustomerProfile): void {
    const [category, text] = this.random.pick(complaintTexts)
    this.world.emit('complaint', {
      complaintId: `Q${String(this.world.next('complaint')).padStart(9, '0')}`,
      userId: profile.userId,
      phone: profile.phone,
      ip: profile.ip,
      channel: this.random.pick(['hotline', 'app', 'app', 'email']),
      category,
      text,
    })
  }

  /** Clicks from people who never register: most ad traffic. */
  private startStrayClicks(): void {
    const { world, random } = this
    const total = world.options.customers * world.config.customers.strayClicksPerCustomer
    if (total <= 0) return
    const weights = hourProfiles.customer
    const peak = Math.max(...weights)
    const mean = weights.reduce((a, b) => a + b, 0) / weights.length
    // a Poisson process at the peak rate, thinned by the hour's weight
    const gapAtPeak = ((world.endMs - world.startMs) / total) * (mean / peak)
    const maybeClick = () => {
      const hour = new Date(world.now + 8 * 3_600_000).getUTCHours()
      if (random.float() * peak < weights[hour]!) strangerClick(world, random)
      world.at(world.now + random.exponential(gapAtPeak), maybeClick)
    }
    world.at(world.now + random.exponential(gapAtPeak), maybeClick)
  }

  /**
   * A small manufacturer's machines report every few hours: minutes run,
   * output and energy. Day shifts run most; a distressed business runs less
   * and less through the period, the early warning a post-loan monitor sees.
   */
  private startMachines(profile: CustomerProfile, sme: { distressed: boolean }): void {
    const { world, random } = this
    const { readingEveryHours, machines } = world.config.equipment
    const periodMinutes = readingEveryHours * 60
    const count = random.int(machines[0], machines[1])
    for (let m = 0; m < count; m++) {
      const equipmentId = `EQ${String(world.next('equipment')).padStart(7, '0')}`
      const capacityPerMinute = random.int(2, 40)
      const health = 0.6 + 0.25 * random.float()
      const since = world.now
      const read = () => {
        const hour = new Date(world.now + 8 * 3_600_000).getUTCHours()
        const shift = hour >= 8 && hour < 20 ? 1 : 0.25
        const decline = sme.distressed ? Math.max(0.15, 1 - (0.8 * (world.now - since)) / (30 * dayMs)) : 1
        const fault = random.chance(0.01)
        const utilisation = fault ? 0 : Math.min(1, Math.max(0, health * shift * decline + 0.08 * random.normal()))
        const runMinutes = Math.round(periodMinutes * utilisation)
        world.emit('equipment.telemetry', {
          equipmentId,
          userId: profile.userId,
          periodMinutes,
          runMinutes,
          outputUnits: Math.round(runMinutes * capacityPerMinute * (0.9 + 0.2 * random.float())),
          energyWh: Math.round(runMinutes * 120 * (0.9 + 0.2 * random.float())),
          status: fault ? 'fault' : runMinutes > 0 ? 'running' : 'idle',
          geo: near(random, profile.city),
        })
        world.at(world.now + readingEveryHours * 3_600_000, read)
      }
      world.at(localMidnight(world.now) + dayMs + m * 60_000, read)
    }
  }
}
