import { within } from '../activity-cycle.ts'
import { deviceId } from '../identities.ts'
import { click, campaigns } from '../marketing.ts'
import { cities, ipIn } from '../places.ts'
import type { World } from '../world.ts'
import { between, days, minutes, occurrences } from './scenario-helpers.ts'

/**
 * Fake marketing traffic: click farms paid per click run a few emulated
 * devices through proxies in cities across the country, clicking one
 * campaign dozens of times within minutes. Ad reconciliation flags them the
 * next day.
 *
 * Signals: many clicks per device within minutes; one device appearing in
 * far-apart cities within the hour (impossible travel); many IPs per device.
 */
export function startFakeMarketingTraffic(world: World): void {
  const random = world.random('fake-marketing-traffic')
  const { burstsPerDayPer10kCustomers, clicks } = world.config.fakeTraffic
  const periodDays = (world.endMs - world.startMs) / days(1)
  const bursts = occurrences(random, (burstsPerDayPer10kCustomers * world.options.customers * periodDays) / 10_000)
  for (let b = 0; b < bursts; b++) {
    const farmId = `click-farm-${b + 1}`
    world.at(within(random, world.startMs, world.endMs, 'flat'), () => {
      const devices = Array.from({ length: random.int(1, 3) }, () => deviceId(random))
      const campaignId = random.pick(campaigns)
      const count = between(random, clicks)
      const span = random.int(minutes(10), minutes(30))
      const start = world.now
      for (let c = 0; c < count; c++) {
        world.at(start + Math.floor((span * c) / count) + random.int(0, 20_000), () => {
          const city = random.pick(cities)
          const clickId = click(world, random, { deviceId: random.pick(devices), ip: ipIn(random, city), city }, campaignId)
          world.truth({ eventId: clickId, eventType: 'marketing.click', scenario: 'fake_marketing_traffic', label: 'fake_traffic', knownAtMs: world.now + random.int(days(1), days(2)), actorId: farmId })
        })
      }
    })
  }
}
