/**
 * A realistic, reproducible stream of lending events for the benchmark.
 *
 * Why this shape: the cost of a decision depends on how full the sliding
 * windows are (hot devices and IPs hold thousands of entries, a cold user a
 * handful) and on which rules fire (a hit builds evidence). So the mix has
 * ~100k customers with stable profiles, a skew towards active customers,
 * device farms and proxy IPs shared by many customers, mule bank cards and
 * contact phones shared across applicants: the patterns the strategies look for.
 *
 * Everything is drawn from a seeded PRNG, so two runs send the same events
 * (apart from ids and timestamps).
 */

export interface BenchEvent {
  id: string
  type: 'credit.application' | 'login' | 'loan.drawdown' | 'loan.repayment'
  occurredAt: string
  data: Record<string, unknown>
}

export interface EventMixOptions {
  /** Distinct customers. */
  users: number
  seed: number
  /** Prefix of every event id, so that runs never reuse each other's ids. */
  idPrefix: string
}

/** Share of each event type in the stream (sums to 1). */
export const eventShares = {
  login: 0.5,
  'credit.application': 0.25,
  'loan.drawdown': 0.15,
  'loan.repayment': 0.1,
} as const

/** Small, fast, seedable PRNG (mulberry32): Math.random cannot be seeded. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

interface Profile {
  userId: string
  idNumber: string
  phone: string
  deviceId: string
  /** A second device some customers switch to (new phone, tablet). */
  otherDeviceId: string
  ip: string
  bankCard: string
  address: string
  contacts: { phone: string; relation: string }[]
  age: number
  incomeMinor: number | undefined
}

const products = ['consumer-cash', 'installment', 'credit-line', 'auto-loan']
const relations = ['spouse', 'parent', 'sibling', 'colleague', 'friend']
const districts = ['北京市朝阳区建国路', '上海市浦东新区世纪大道', '广州市天河区天河路', '深圳市南山区科技园', '成都市武侯区人民南路', '杭州市西湖区文三路']

export class EventMix {
  private readonly random: () => number
  private readonly profiles: Profile[] = []
  private sequence = 0

  constructor(private readonly options: EventMixOptions) {
    this.random = prng(options.seed)
    // profiles are drawn up front from their own stream, so the event stream does not depend on the order customers appear in
    const profileRandom = prng(options.seed ^ 0x9e3779b9)
    for (let i = 0; i < options.users; i++) this.profiles.push(makeProfile(i, profileRandom))
  }

  /** The next event, with `occurredAt` = now. */
  next(nowMs: number = Date.now()): BenchEvent {
    const r = this.random
    const roll = r()
    const type: BenchEvent['type'] =
      roll < eventShares.login ? 'login'
      : roll < eventShares.login + eventShares['credit.application'] ? 'credit.application'
      : roll < 1 - eventShares['loan.repayment'] ? 'loan.drawdown'
      : 'loan.repayment'
    const user = this.pickUser()
    const id = `${this.options.idPrefix}-${(this.sequence++).toString(36)}`
    const occurredAt = new Date(nowMs).toISOString()
    const data =
      type === 'login' ? this.login(user)
      : type === 'credit.application' ? this.application(user)
      : type === 'loan.drawdown' ? this.drawdown(user)
      : this.repayment(user)
    return { id, type, occurredAt, data }
  }

  /** Active customers come back more often: squaring a uniform draw skews towards low indexes. */
  private pickUser(): Profile {
    const u = this.random()
    return this.profiles[Math.floor(u * u * this.profiles.length)]!
  }

  /** 3 % of sessions come from a device farm (an intermediary's phones), 5 % through a proxy or carrier NAT. */
  private session(user: Profile): { deviceId: string; ip: string } {
    const r = this.random
    const deviceId =
      r() < 0.03 ? `farm-dev-${Math.floor(r() * 150)}`
      : r() < 0.1 ? user.otherDeviceId
      : user.deviceId
    const ip = r() < 0.05 ? `117.136.${Math.floor(r() * 4)}.${Math.floor(r() * 50) + 1}` : user.ip
    return { deviceId, ip }
  }

  private login(user: Profile): Record<string, unknown> {
    const r = this.random
    const { deviceId, ip } = this.session(user)
    const data: Record<string, unknown> = {
      userId: user.userId,
      deviceId,
      ip,
      success: r() < 0.93,
      method: pick(r, ['password', 'sms', 'biometric', 'token']),
    }
    if (r() < 0.3) data.phone = user.phone
    if (r() < 0.2) data.geo = { lat: 22 + r() * 18, lon: 100 + r() * 21 }
    if (r() < 0.15) data.livenessPassed = r() < 0.95
    return data
  }

  private application(user: Profile): Record<string, unknown> {
    const r = this.random
    const { deviceId, ip } = this.session(user)
    const data: Record<string, unknown> = {
      applicationId: `app-${this.sequence.toString(36)}`,
      userId: user.userId,
      idNumber: user.idNumber,
      // 2 % reuse a phone number from a small pool: identity-linkage rules should see it
      phone: r() < 0.02 ? `1700000${String(Math.floor(r() * 200)).padStart(4, '0')}` : user.phone,
      deviceId,
      ip,
      product: pick(r, products),
      amountMinor: logUniform(r, 100_000, 20_000_000),
      currency: 'CNY',
      termMonths: pick(r, [3, 6, 12, 12, 24, 36]),
      age: user.age,
      address: user.address,
    }
    if (user.incomeMinor !== undefined) data.declaredIncomeMinor = user.incomeMinor
    if (r() < 0.85) data.bankCard = r() < 0.01 ? muleCard(r) : user.bankCard
    if (r() < 0.9) data.contacts = user.contacts
    if (r() < 0.3) data.geo = { lat: 22 + r() * 18, lon: 100 + r() * 21 }
    return data
  }

  private drawdown(user: Profile): Record<string, unknown> {
    const r = this.random
    const { deviceId, ip } = this.session(user)
    const newPayee = r() < 0.08
    const data: Record<string, unknown> = {
      loanId: `loan-${user.userId}-${Math.floor(r() * 3)}`,
      userId: user.userId,
      deviceId,
      ip,
      amountMinor: logUniform(r, 50_000, 5_000_000),
      currency: 'CNY',
      bankCard: newPayee ? (r() < 0.3 ? muleCard(r) : `62220${Math.floor(r() * 1e13)}`) : user.bankCard,
      newPayee,
    }
    if (r() < 0.02) data.screenSharingActive = true
    if (r() < 0.02) data.callForwardingActive = true
    if (r() < 0.5) data.phone = user.phone
    return data
  }

  private repayment(user: Profile): Record<string, unknown> {
    const r = this.random
    const due = logUniform(r, 20_000, 800_000)
    const roll = r()
    const status = roll < 0.88 ? 'paid' : roll < 0.94 ? 'partial' : 'missed'
    return {
      loanId: `loan-${user.userId}-${Math.floor(r() * 3)}`,
      userId: user.userId,
      installment: 1 + Math.floor(r() * 12),
      dueAmountMinor: due,
      paidAmountMinor: status === 'paid' ? due : status === 'partial' ? Math.floor(due / 2) : 0,
      currency: 'CNY',
      status,
      daysPastDue: status === 'paid' ? 0 : 1 + Math.floor(r() * r() * 60),
      bankCard: user.bankCard,
    }
  }
}

function makeProfile(i: number, r: () => number): Profile {
  const ring = r() < 0.02 // members of an application ring share contact phones
  const contactCount = 1 + Math.floor(r() * 3)
  const contacts = Array.from({ length: contactCount }, () => ({
    phone: ring ? `1860000${String(Math.floor(r() * 40)).padStart(4, '0')}` : `13${String(Math.floor(r() * 1e9)).padStart(9, '0')}`,
    relation: pick(r, relations),
  }))
  // carrier-grade NAT: ~30k public addresses for 100k customers, and 5 % on IPv6
  const ip =
    r() < 0.05 ? `240e:${hex(r)}:${hex(r)}::${hex(r)}`
    : `${pick(r, [36, 39, 58, 111, 112, 113, 183, 223])}.${Math.floor(r() * 16)}.${Math.floor(r() * 16)}.${1 + Math.floor(r() * 150)}`
  return {
    userId: `u-${i}`,
    idNumber: `${110_000 + Math.floor(r() * 500_000)}${1960 + Math.floor(r() * 45)}0${1 + Math.floor(r() * 9)}1${Math.floor(r() * 10)}${String(i % 10_000).padStart(4, '0')}`,
    phone: `1${pick(r, [3, 5, 8])}${String(Math.floor(r() * 1e9)).padStart(9, '0')}`,
    deviceId: `dev-${i}-${Math.floor(r() * 1e6).toString(36)}`,
    otherDeviceId: `dev-${i}-alt`,
    ip,
    bankCard: `62220${String(i).padStart(8, '0')}${Math.floor(r() * 1e6)}`,
    // a few customers live at the same (or a made-up, shared) address
    address: `${pick(r, districts)}${1 + Math.floor(r() * (r() < 0.05 ? 5 : 40_000))}号`,
    contacts,
    age: 19 + Math.floor(r() * 45),
    incomeMinor: r() < 0.8 ? logUniform(r, 300_000, 5_000_000) : undefined,
  }
}

const muleCard = (r: () => number) => `6217000${String(Math.floor(r() * 60)).padStart(6, '0')}`
const hex = (r: () => number) => Math.floor(r() * 0xffff).toString(16)

function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)]!
}

/** Amounts spread over orders of magnitude, as loan amounts do; whole fen. */
function logUniform(r: () => number, min: number, max: number): number {
  return Math.round(Math.exp(Math.log(min) + r() * (Math.log(max) - Math.log(min))))
}
