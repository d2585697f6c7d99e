import { distanceKm } from '../core/geo.ts'
import { type Random, cumulative } from './random.ts'

/**
 * Cities the simulated population lives in, weighted roughly by population
 * online. Region codes are the first six digits of a resident's id number;
 * the IP blocks are synthetic (one /16 per city), so that an address tells
 * its city the way a real IP geolocation database would.
 */
export interface City {
  name: string
  nameZh: string
  regionCode: string
  lat: number
  lon: number
  ipBlock: string
  weight: number
}

export const cities: readonly City[] = [
  { name: 'Beijing', nameZh: '北京', regionCode: '110105', lat: 39.9, lon: 116.4, ipBlock: '36.110', weight: 9 },
  { name: 'Shanghai', nameZh: '上海', regionCode: '310115', lat: 31.23, lon: 121.47, ipBlock: '58.31', weight: 9 },
  { name: 'Guangzhou', nameZh: '广州', regionCode: '440106', lat: 23.13, lon: 113.26, ipBlock: '113.44', weight: 8 },
  { name: 'Shenzhen', nameZh: '深圳', regionCode: '440305', lat: 22.54, lon: 114.06, ipBlock: '119.44', weight: 8 },
  { name: 'Chengdu', nameZh: '成都', regionCode: '510107', lat: 30.66, lon: 104.07, ipBlock: '171.51', weight: 7 },
  { name: 'Chongqing', nameZh: '重庆', regionCode: '500103', lat: 29.56, lon: 106.55, ipBlock: '106.50', weight: 6 },
  { name: 'Hangzhou', nameZh: '杭州', regionCode: '330106', lat: 30.27, lon: 120.16, ipBlock: '115.33', weight: 6 },
  { name: 'Wuhan', nameZh: '武汉', regionCode: '420106', lat: 30.59, lon: 114.31, ipBlock: '59.42', weight: 6 },
  { name: "Xi'an", nameZh: '西安', regionCode: '610113', lat: 34.34, lon: 108.94, ipBlock: '123.61', weight: 5 },
  { name: 'Nanjing', nameZh: '南京', regionCode: '320106', lat: 32.06, lon: 118.8, ipBlock: '49.32', weight: 5 },
  { name: 'Tianjin', nameZh: '天津', regionCode: '120104', lat: 39.13, lon: 117.2, ipBlock: '60.12', weight: 4 },
  { name: 'Zhengzhou', nameZh: '郑州', regionCode: '410105', lat: 34.75, lon: 113.62, ipBlock: '123.41', weight: 5 },
  { name: 'Changsha', nameZh: '长沙', regionCode: '430104', lat: 28.23, lon: 112.94, ipBlock: '175.43', weight: 4 },
  { name: 'Shenyang', nameZh: '沈阳', regionCode: '210102', lat: 41.8, lon: 123.43, ipBlock: '175.21', weight: 3 },
  { name: 'Kunming', nameZh: '昆明', regionCode: '530102', lat: 25.04, lon: 102.71, ipBlock: '112.53', weight: 3 },
  { name: 'Harbin', nameZh: '哈尔滨', regionCode: '230103', lat: 45.8, lon: 126.53, ipBlock: '221.23', weight: 3 },
  { name: 'Fuzhou', nameZh: '福州', regionCode: '350102', lat: 26.07, lon: 119.3, ipBlock: '110.35', weight: 3 },
  { name: 'Nanning', nameZh: '南宁', regionCode: '450103', lat: 22.82, lon: 108.32, ipBlock: '116.45', weight: 3 },
  { name: 'Urumqi', nameZh: '乌鲁木齐', regionCode: '650102', lat: 43.83, lon: 87.62, ipBlock: '124.65', weight: 1 },
  { name: 'Lhasa', nameZh: '拉萨', regionCode: '540102', lat: 29.65, lon: 91.13, ipBlock: '221.54', weight: 1 },
]

const cityWeights = cumulative(cities.map((c) => c.weight))

export const pickCity = (random: Random): City => cities[random.weighted(cityWeights)]!

/** A city at least `minKm` away from `from`, for scenarios that jump across the country. */
export function farCity(random: Random, from: City, minKm = 800): City {
  for (let attempt = 0; attempt < 20; attempt++) {
    const city = random.pick(cities)
    if (distanceKm(from, city) >= minKm) return city
  }
  return cities.reduce((far, city) => (distanceKm(from, city) > distanceKm(from, far) ? city : far))
}


/** A point within a few kilometres of the city centre, to 4 decimals (about 10 m). */
export function near(random: Random, city: City): { lat: number; lon: number } {
  return { lat: Math.round((city.lat + (random.float() - 0.5) * 0.1) * 10_000) / 10_000, lon: Math.round((city.lon + (random.float() - 0.5) * 0.1) * 10_000) / 10_000 }
}

export const ipIn = (random: Random, city: City): string => `${city.ipBlock}.${random.int(0, 254)}.${random.int(1, 254)}`

/**
 * A mobile carrier's public address: carriers put thousands of phones behind
 * a few NAT addresses (CGNAT), so on mobile data unrelated customers share IPs —
 * the reason an IP rule must not be read like a device rule.
 */
export const carrierIp = (random: Random, city: City): string => `${city.ipBlock}.255.${random.int(1, 32)}`

const streets = ['人民路', '解放路', '建设路', '中山路', '和平路', '新华路', '胜利路', '文化路', '长江路', '黄河路', '花园路', '滨江路']
const districts = ['东城区', '西城区', '高新区', '经开区', '新区', '老城区']

export function homeAddress(random: Random, city: City): string {
  return `${city.nameZh}市${random.pick(districts)}${random.pick(streets)}${random.int(1, 999)}号${random.int(1, 30)}栋${random.int(101, 2_808)}室`
}
