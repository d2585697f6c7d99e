import { dayMs, laterOn, localMidnight, onDay, within } from '../activity-cycle.ts'
import { drawLoanTerms } from '../customer-profile.ts'
import type { Population } from '../customers.ts'
import { deviceId, mobilePhone } from '../identities.ts'
import { applyForCredit, defaultKnownAt, drawDown, login, register, scheduleRepayments } from '../lending-events.ts'
import { ipIn, pickCity } from '../places.ts'
import type { World } from '../world.ts'
import { between, days, minutes, occurrences } from './scenario-helpers.ts'

/**
 * Intermediaries (中介代办): a shop that "helps" real people get loans for a
 * fee. The agent fills in the application on the shop's own phone and
 * network, one client after another during office hours, with templated
 * data: the same round income, the shop's address pattern, the agent's phone
 * as a contact. Clients are real and later log in from their own phones, but
 * the packaged income hides their real ability to pay: they default three
 * times as often. Investigation identifies the shop 1–4 weeks later.
 *
 * Signals: many identities per device and IP over days; a contact phone
 * named by many applicants; identical declared incomes; the device of the
 * application differs from the one the customer uses afterwards.
 */
export function startIntermediaries(world: World, population: Population): void {
  const random = world.random('intermediaries')
  const { applicationShare, clients } = world.config.intermediaries
  const expectedApplications = world.options.customers * world.config.customers.applyShare
  const agents = occurrences(random, (applicationShare * expectedApplications) / ((clients[0] + clients[1]) / 2))
  for (let a = 0; a < agents; a++) {
    const agentId = `intermediary-${a + 1}`
    const city = pickCity(random)
    const shopDevice = deviceId(random)
    const shopIps = [ipIn(random, city), ipIn(random, city)]
    const agentPhone = mobilePhone(random)
    const templateIncome = random.pick([8_000_00, 10_000_00, 12_000_00, 15_000_00])
    const street = `${city.nameZh}市${random.pick(['商贸城', '创业大厦', '金融街'])}${random.int(1, 200)}号`
    const count = between(random, clients)
    let day = localMidnight(within(random, world.startMs, world.endMs, 'office'))
    let left = count
    while (left > 0 && day < world.endMs) {
      const today = Math.min(left, random.int(2, 8))
      left -= today
      let at = onDay(random, day, 'office')
      for (let c = 0; c < today; c++) {
        at += random.int(minutes(10), minutes(40))
        world.at(at, () => serveClient())
      }
      day += random.int(1, 3) * dayMs
    }

    function serveClient() {
      const person = population.newProfile(random)
      person.city = city
      const shop = { deviceId: shopDevice, ip: random.pick(shopIps) }
      register(world, person, shop, 'offline_agent')
      world.at(world.now + random.int(minutes(3), minutes(10)), () => {
        const loan = { ...drawLoanTerms(random, person), declaredIncomeMinor: templateIncome }
        const application = applyForCredit(world, random, person, loan, {
          ...shop,
          declaredIncomeMinor: templateIncome,
          address: `${street}${random.int(1, 30)}楼${random.int(1, 20)}室`,
          contacts: [{ phone: agentPhone, relation: 'friend' }, ...person.contacts.slice(0, 1)],
        })
        world.truth({ eventId: application.eventId, eventType: 'credit.application', scenario: 'intermediary', label: 'intermediary', knownAtMs: world.now + random.int(days(7), days(30)), userId: person.userId, actorId: agentId })
        const defaults = random.chance(Math.min(1, 3 * world.config.credit.defaultRate))
        const drawAt = laterOn(random, world.now, 1, 'customer')
        const missFrom = defaults ? 1 : null
        if (defaults) world.truth({ eventId: application.eventId, eventType: 'credit.application', scenario: 'intermediary', label: 'default', knownAtMs: defaultKnownAt(drawAt, 1), userId: person.userId, daysPastDue: 30, actorId: agentId })
        // the client goes home and uses the app on their own phone
        world.at(drawAt - random.int(minutes(1), minutes(20)), () => login(world, random, person))
        world.at(drawAt, () => {
          const drawn = drawDown(world, person, { amountMinor: loan.amountMinor, applicationId: application.applicationId })
          scheduleRepayments(world, random, person, drawn, { termMonths: loan.termMonths, aprBps: world.config.credit.aprBps, missFrom })
        })
      })
    }
  }
}
