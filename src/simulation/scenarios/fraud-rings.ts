import { within } from '../activity-cycle.ts'
import type { Population } from '../customers.ts'
import { bankCard, deviceId, mobilePhone } from '../identities.ts'
import { applyForCredit, drawDown, login, register, scheduleRepayments } from '../lending-events.ts'
import { homeAddress, ipIn, pickCity } from '../places.ts'
import type { World } from '../world.ts'
import { between, days, hours, minutes, occurrences } from './scenario-helpers.ts'

/**
 * Fraud rings (团伙): a team registers a batch of synthetic or bought
 * identities in a burst, from a few phones and devices, all giving the same
 * addresses and naming each other and the team's own phones as contacts;
 * they apply for large amounts, draw everything at once to a few mule cards
 * and never repay. Investigators confirm the fraud 5–20 days later.
 *
 * Signals: many identities per device and IP within hours; addresses and
 * contact phones shared across applicants; inflated income; night-time
 * bursts; drawdowns to cards shared by several customers.
 */
export function startFraudRings(world: World, population: Population): void {
  const random = world.random('fraud-rings')
  const { applicationShare, members } = world.config.fraudRings
  const expectedApplications = world.options.customers * world.config.customers.applyShare
  const rings = occurrences(random, (applicationShare * expectedApplications) / ((members[0] + members[1]) / 2))
  for (let r = 0; r < rings; r++) {
    const ringId = `ring-${r + 1}`
    world.at(within(random, world.startMs, world.endMs - days(1), 'night'), () => {
      const city = pickCity(random)
      const devices = Array.from({ length: random.int(1, 3) }, () => deviceId(random))
      const ips = Array.from({ length: random.int(1, 2) }, () => ipIn(random, city))
      const addresses = Array.from({ length: random.int(1, 2) }, () => homeAddress(random, city))
      const controllerPhones = Array.from({ length: random.int(2, 4) }, () => mobilePhone(random))
      const muleCards = Array.from({ length: random.int(1, 3) }, () => bankCard(random))
      const size = between(random, members)
      const memberPhones: string[] = []
      let at = world.now
      for (let m = 0; m < size; m++) {
        at += random.int(minutes(3), minutes(40))
        world.at(at, () => {
          const person = population.newProfile(random)
          person.city = city
          person.devices = [random.pick(devices)]
          person.ip = random.pick(ips)
          person.address = random.pick(addresses)
          person.contacts = [
            { phone: random.pick(controllerPhones), relation: 'friend' },
            { phone: memberPhones.length > 0 ? random.pick(memberPhones) : random.pick(controllerPhones), relation: random.pick(['sibling', 'colleague']) },
          ]
          memberPhones.push(person.phone)
          register(world, person, {}, 'referral')
          world.at(world.now + random.int(minutes(1), minutes(5)), () => login(world, random, person))
          world.at(world.now + random.int(minutes(10), minutes(60)), () => {
            const loan = { amountMinor: random.int(20, 50) * 1_000_00, termMonths: random.pick([12, 24]), declaredIncomeMinor: random.int(15, 40) * 1_000_00 }
            const application = applyForCredit(world, random, person, loan)
            world.truth({ eventId: application.eventId, eventType: 'credit.application', scenario: 'fraud_ring', label: 'fraud', knownAtMs: world.now + random.int(days(5), days(20)), userId: person.userId, actorId: ringId })
            world.at(world.now + random.int(minutes(10), hours(2)), () => {
              const loanDrawn = drawDown(world, person, { amountMinor: loan.amountMinor, applicationId: application.applicationId, bankCard: random.pick(muleCards), newPayee: true })
              world.truth({ eventId: loanDrawn.drawdownEventId, eventType: 'loan.drawdown', scenario: 'fraud_ring', label: 'fraud', knownAtMs: world.now + random.int(days(5), days(20)), userId: person.userId, actorId: ringId })
              scheduleRepayments(world, random, person, loanDrawn, { termMonths: loan.termMonths, aprBps: world.config.credit.aprBps, missFrom: 1 })
            })
          })
        })
      }
    })
  }
}
