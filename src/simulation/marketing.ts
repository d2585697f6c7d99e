import { deviceId } from './identities.ts'
import { type City, ipIn, near, pickCity } from './places.ts'
import type { Random } from './random.ts'
import type { World } from './world.ts'

export const campaigns = ['new-user-coupon', 'limit-boost', 'spring-sale', 'referral-bonus'] as const
export const channels = ['douyin', 'wechat', 'baidu', 'app_store', 'sms'] as const

export interface Clicker {
  deviceId: string
  ip: string
  city: City
  userId?: string
}

export function click(world: World, random: Random, who: Clicker, campaignId: string = random.pick(campaigns), channel: string = random.pick(channels)): string {
  return world.emit('marketing.click', {
    clickId: `C${String(world.next('click')).padStart(10, '0')}`,
    campaignId,
    channel,
    deviceId: who.deviceId,
    ip: who.ip,
    city: who.city.name,
    geo: near(random, who.city),
    ...(who.userId ? { userId: who.userId } : {}),
  })
}

/** Someone who sees an ad, clicks and never registers. */
export function strangerClick(world: World, random: Random): string {
  const city = pickCity(random)
  return click(world, random, { deviceId: deviceId(random), ip: ipIn(random, city), city })
}
