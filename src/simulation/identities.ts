import type { City } from './places.ts'
import type { Random } from './random.ts'

/**
 * Identifiers that look and check like real ones, so that validation,
 * blind indexing and (later) the graph see realistic shapes. None belongs to
 * a real person: sequence numbers and card numbers are random.
 */

const idWeights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const idCheck = '10X98765432'

/** A resident id number (GB 11643): region, birth date, sequence (odd for men), ISO 7064 check character. */
export function idNumber(random: Random, city: City, birthYear: number, male: boolean): string {
  const month = String(random.int(1, 12)).padStart(2, '0')
  const day = String(random.int(1, 28)).padStart(2, '0')
  const sequence = random.int(0, 499) * 2 + (male ? 1 : 0)
  const body = `${city.regionCode}${birthYear}${month}${day}${String(sequence).padStart(3, '0')}`
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(body[i]) * idWeights[i]!
  return body + idCheck[sum % 11]
}

const mobilePrefixes = ['130', '131', '132', '135', '136', '137', '138', '139', '150', '151', '152', '157', '158', '159', '177', '180', '186', '187', '188', '189', '199']

export const mobilePhone = (random: Random): string => random.pick(mobilePrefixes) + random.digits(8)

/** A 19-digit UnionPay debit card number with a valid Luhn check digit. */
export function bankCard(random: Random): string {
  const body = `62${random.pick(['2202', '2848', '2700', '1700', '2588'])}${random.digits(12)}`
  let sum = 0
  for (let i = 0; i < body.length; i++) {
    // doubling starts from the digit left of the check digit
    let d = Number(body[body.length - 1 - i])
    if (i % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2
    sum += d
  }
  return body + ((10 - (sum % 10)) % 10)
}

export const deviceId = (random: Random): string => `dev-${random.hex16()}`
