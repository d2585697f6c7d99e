import { within } from '../activity-cycle.ts'
import type { Borrower, Population } from '../customers.ts'
import { bankCard } from '../identities.ts'
import { drawDown, login } from '../lending-events.ts'
import type { Random } from '../random.ts'
import type { World } from '../world.ts'
import { days, hours, minutes, occurrences } from './scenario-helpers.ts'

/**
 * Telecom-scam victims (被骗借款): genuine customers talked into borrowing by
 * callers posing as police or customer service. The caller has them install
 * a screen-sharing app and often forward their calls, then dictates a
 * drawdown to a "safe account" — a mule card that several victims pay into.
 * From the source articles: the scams peak 16:00–18:00; 77 % of victims are
 * 20–40 years old; men are 1.4 times as many as women; 51 % lose more than
 * 10,000 RMB. A victim reports it, or the review desk finds it, within days.
 *
 * Signals: screen sharing active; call forwarding; a new payee card shared
 * with other customers; the customer's first large drawdown; the 16:00–18:00
 * hours; a second drawdown soon after the first.
 */
export function startScamVictims(world: World, population: Population): void {
  const random = world.random('scam-victims')
  const { borrowersPerMonth, overTenThousandShare } = world.config.scamVictims
  const customers = world.config.customers
  const expectedBorrowers = world.options.customers * customers.applyShare * customers.drawdownShare
  const victims = occurrences(random, borrowersPerMonth * world.months * expectedBorrowers)
  // a few gangs, each with a handful of mule cards used again and again
  const gangs = Array.from({ length: Math.max(1, Math.ceil(victims / 15)) }, () => Array.from({ length: random.int(2, 5) }, () => bankCard(random)))
  const deceived = new Set<Borrower>()
  for (let v = 0; v < victims; v++) {
    world.at(within(random, world.startMs + (world.endMs - world.startMs) * 0.2, world.endMs, 'scam'), () => {
      const victim = chooseVictim(random, population.borrowers, deceived)
      if (!victim) return
      deceived.add(victim)
      const person = victim.profile
      const muleCard = random.pick(random.pick(gangs))
      const callForwarding = random.chance(0.3)
      login(world, random, person)
      // the loss is drawn first, so that the share losing over 10,000 RMB holds per victim, not per drawdown
      const lossMinor = random.chance(overTenThousandShare) ? random.int(101, 500) * 100_00 : random.int(20, 100) * 100_00
      // the caller often pushes for a second transfer
      const second = random.chance(0.4) ? Math.round((lossMinor * random.int(25, 40)) / 100 / 100) * 100 : 0
      const drawAt = world.now + random.int(minutes(3), minutes(15))
      const take = (amountMinor: number) => {
        const drawn = drawDown(world, person, { amountMinor, applicationId: victim.applicationId, bankCard: muleCard, newPayee: true, screenSharingActive: random.chance(0.9), callForwardingActive: callForwarding })
        world.truth({
          eventId: drawn.drawdownEventId,
          eventType: 'loan.drawdown',
          scenario: 'scam_victim',
          label: 'scam_victim',
          knownAtMs: world.now + random.int(hours(2), days(3)),
          userId: person.userId,
          detail: { age: person.age, sex: person.male ? 'male' : 'female', amountMinor },
        })
      }
      world.at(drawAt, () => take(lossMinor - second))
      if (second > 0) world.at(drawAt + random.int(minutes(10), minutes(50)), () => take(second))
    })
  }
}

/**
 * Victims are not a random sample of borrowers: weight by age and sex so that
 * about 77 % are 20–40 (about 67 % of borrowers are) and men are 1.4 times
 * as many as women (rejection sampling against the largest weight).
 */
function chooseVictim(random: Random, borrowers: readonly Borrower[], taken: Set<Borrower>): Borrower | undefined {
  if (borrowers.length === 0) return undefined
  const youngShare = 0.67
  const maleShare = 0.52
  const youngWeight = (0.77 * (1 - youngShare)) / (0.23 * youngShare)
  const maleWeight = (1.4 * (1 - maleShare)) / maleShare
  const maxWeight = youngWeight * Math.max(1, maleWeight)
  for (let attempt = 0; attempt < 200; attempt++) {
    const candidate = random.pick(borrowers)
    if (taken.has(candidate)) continue
    const age = candidate.profile.age
    const weight = (age >= 20 && age <= 40 ? youngWeight : 1) * (candidate.profile.male ? maleWeight : 1)
    if (random.float() * maxWeight < weight) return candidate
  }
  return undefined
}
