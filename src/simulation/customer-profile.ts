import { deviceId, idNumber, mobilePhone, bankCard } from './identities.ts'
import { type City, homeAddress, ipIn, pickCity } from './places.ts'
import { type Random, cumulative } from './random.ts'

/**
 * Who a customer is. Some traits are visible in events (age, declared
 * income, requested amount); others are latent (other lenders' debt, a
 * propensity to miss payments) and only leak out through behaviour, as in
 * real credit data: riskier people log in late at night, apply again and ask
 * for more.
 */
export interface CustomerProfile {
  userId: string
  idNumber: string
  phone: string
  /** Devices used so far; the last is the current one. */
  devices: string[]
  city: City
  ip: string
  bankCard: string
  address: string
  contacts: { phone: string; relation: string }[]
  birthYear: number
  age: number
  male: boolean
  /** True monthly income, minor units. */
  incomeMinor: number
  /** Repayments owed elsewhere, as a share of income: latent. */
  debtRatio: number
  /** Latent propensity to miss payments, standard normal. */
  riskTrait: number
}

const ageBands = [
  { from: 18, to: 19, weight: 3 },
  { from: 20, to: 29, weight: 35 },
  { from: 30, to: 39, weight: 30 },
  { from: 40, to: 49, weight: 20 },
  { from: 50, to: 65, weight: 12 },
]
const ageWeights = cumulative(ageBands.map((b) => b.weight))
const relations = ['spouse', 'parent', 'sibling', 'friend', 'colleague']

export function drawProfile(random: Random, userNumber: number, year: number): CustomerProfile {
  const band = ageBands[random.weighted(ageWeights)]!
  const age = random.int(band.from, band.to)
  const male = random.chance(0.52)
  const city = pickCity(random)
  const riskTrait = random.normal()
  // income peaks in the 30s and 40s; spread is wide, as in any population
  const ageFactor = age < 23 ? 0.6 : age < 30 ? 0.9 : age < 50 ? 1.15 : 0.9
  const incomeMinor = Math.round(random.logNormal(600_000 * ageFactor, 0.5) / 100) * 100
  const debtRatio = Math.min(0.95, Math.max(0, 0.25 + 0.12 * riskTrait + 0.15 * random.normal()))
  const birthYear = year - age
  return {
    userId: `U${String(userNumber).padStart(8, '0')}`,
    idNumber: idNumber(random, city, birthYear, male),
    phone: mobilePhone(random),
    devices: [deviceId(random)],
    city,
    ip: ipIn(random, city),
    bankCard: bankCard(random),
    address: homeAddress(random, city),
    contacts: Array.from({ length: random.int(riskTrait > 1 ? 1 : 2, 3) }, () => ({ phone: mobilePhone(random), relation: random.pick(relations) })),
    birthYear,
    age,
    male,
    incomeMinor,
    debtRatio,
    riskTrait,
  }
}

export interface LoanTerms {
  amountMinor: number
  termMonths: number
  /** What the applicant says they earn: rounded, and inflated more by riskier people. */
  declaredIncomeMinor: number
}

const terms = [3, 6, 12, 12, 12, 24]

export function drawLoanTerms(random: Random, profile: CustomerProfile): LoanTerms {
  const months = random.logNormal(2.5, 0.6) * (1 + 0.15 * Math.max(-1, profile.riskTrait))
  const amountMinor = Math.min(20_000_000, Math.max(100_000, Math.round((profile.incomeMinor * months) / 100_000) * 100_000))
  const overstatement = 1 + Math.max(0, 0.1 * profile.riskTrait + 0.1 * random.normal())
  return {
    amountMinor,
    termMonths: random.pick(terms),
    declaredIncomeMinor: Math.round((profile.incomeMinor * overstatement) / 100_000) * 100_000 || 100_000,
  }
}

/**
 * The log-odds of reaching 30 days past due, less the intercept that sets
 * the population's default rate. Debt elsewhere and the latent trait weigh
 * most; youth, low income and a large loan for the income add to it.
 */
export function defaultLogOdds(profile: CustomerProfile, loan: LoanTerms): number {
  const burden = loan.amountMinor / loan.termMonths / profile.incomeMinor
  return (
    0.9 * profile.riskTrait +
    3 * (profile.debtRatio - 0.25) +
    (profile.age < 23 ? 0.6 : 0) -
    0.5 * Math.log(profile.incomeMinor / 600_000) +
    1.2 * Math.min(2, burden)
  )
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x))

/**
 * The intercept that makes the mean probability of default over a sample
 * of applicants equal `defaultRate` (bisection: the mean is monotone in it).
 */
export function calibrateIntercept(random: Random, defaultRate: number, year: number): number {
  const sample = Array.from({ length: 4_000 }, (_, i) => {
    const profile = drawProfile(random, i, year)
    return defaultLogOdds(profile, drawLoanTerms(random, profile))
  })
  let low = -20
  let high = 20
  for (let i = 0; i < 60; i++) {
    const mid = (low + high) / 2
    const mean = sample.reduce((sum, x) => sum + sigmoid(mid + x), 0) / sample.length
    if (mean < defaultRate) low = mid
    else high = mid
  }
  return (low + high) / 2
}

export const probabilityOfDefault = (intercept: number, profile: CustomerProfile, loan: LoanTerms) => sigmoid(intercept + defaultLogOdds(profile, loan))
