import { within } from '../activity-cycle.ts'
import type { Population } from '../customers.ts'
import { bankCard, deviceId, mobilePhone } from '../identities.ts'
import { drawDown, login } from '../lending-events.ts'
import { farCity, ipIn, near } from '../places.ts'
import type { World } from '../world.ts'
import { days, hours, minutes, occurrences } from './scenario-helpers.ts'

/**
 * Impersonation and account takeover (冒用): a thief who has the customer's
 * password and has moved their phone number (a SIM swap, call forwarding)
 * logs in from a new device in another city, then draws the available
 * credit to a new card. The real customer notices days later and complains.
 *
 * Signals: a device the account never used, far from the usual city; a
 * changed phone number; call forwarding on; a new payee card; a large
 * drawdown soon after the login; night hours.
 */
export function startAccountTakeovers(world: World, population: Population): void {
  const random = world.random('account-takeover')
  const customers = world.config.customers
  const expectedBorrowers = world.options.customers * customers.applyShare * customers.drawdownShare
  const incidents = occurrences(random, world.config.accountTakeover.borrowersPerMonth * world.months * expectedBorrowers)
  for (let i = 0; i < incidents; i++) {
    // late in the period, when there are borrowers to rob
    world.at(within(random, world.startMs + (world.endMs - world.startMs) * 0.3, world.endMs, 'night'), () => {
      const victim = population.borrowers.length > 0 ? random.pick(population.borrowers) : undefined
      if (!victim) return
      const person = victim.profile
      const city = farCity(random, person.city)
      const thief = { deviceId: deviceId(random), ip: ipIn(random, city) }
      const swappedPhone = mobilePhone(random)
      const loginId = login(world, random, person, { ...thief, phone: swappedPhone, geo: near(random, city) })
      const noticedAt = world.now + random.int(hours(20), days(5))
      world.truth({ eventId: loginId, eventType: 'login', scenario: 'account_takeover', label: 'fraud', knownAtMs: noticedAt, userId: person.userId })
      world.at(world.now + random.int(minutes(5), minutes(40)), () => {
        const amountMinor = Math.max(500_000, Math.round((person.incomeMinor * random.int(2, 5)) / 10_000) * 10_000)
        const drawn = drawDown(world, person, { ...thief, amountMinor, applicationId: victim.applicationId, bankCard: bankCard(random), newPayee: true, callForwardingActive: true, phone: swappedPhone })
        world.truth({ eventId: drawn.drawdownEventId, eventType: 'loan.drawdown', scenario: 'account_takeover', label: 'fraud', knownAtMs: noticedAt, userId: person.userId })
        world.at(noticedAt, () =>
          world.emit('complaint', {
            complaintId: `Q${String(world.next('complaint')).padStart(9, '0')}`,
            userId: person.userId,
            phone: person.phone,
            ip: person.ip,
            channel: 'hotline',
            category: 'unauthorised_loan',
            text: `我没有申请过借据 ${drawn.loanId} 的这笔借款，怀疑账户被盗用。`,
          }),
        )
      })
    })
  }
}
