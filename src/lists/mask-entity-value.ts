import type { EntityKind } from '../events/entities.ts'

/**
 * The form of an entity value people see in list listings: enough to tell
 * entries apart and recognise one you hold (`138****1234`), never enough to
 * recover the value. Values of up to four characters are starred out
 * completely; at least a third of any value stays hidden.
 */
export function maskEntityValue(kind: EntityKind, value: string): string {
  const chars = Array.from(value)
  switch (kind) {
    case 'phone':
    case 'contacts':
    case 'id_number':
      return keep(chars, 3, 4)
    case 'bank_card':
      return keep(chars, 0, 4)
    case 'ip':
      return maskIp(value) ?? keep(chars, 2, 2)
    case 'address':
      return keep(chars, Math.min(6, Math.floor(chars.length / 3)), 0)
    default:
      return keep(chars, 2, 2)
  }
}

/** Shows up to `head` leading and `tail` trailing characters and stars the rest; at least 4 characters and a third of the value stay hidden. */
function keep(chars: string[], head: number, tail: number): string {
  const shown = Math.max(chars.length - Math.max(4, Math.ceil(chars.length / 3)), 0)
  const h = Math.min(head, shown)
  const t = Math.min(tail, shown - h)
  const hidden = Math.max(chars.length - h - t, 1)
  return `${chars.slice(0, h).join('')}${'*'.repeat(hidden)}${t > 0 ? chars.slice(chars.length - t).join('') : ''}`
}

/** IPv4 keeps its first two octets (the network), IPv6 its first group. */
function maskIp(value: string): string | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(value)
  if (v4) return `${v4[1]}.${v4[2]}.*.*`
  if (value.includes(':')) return `${value.split(':')[0]}:*`
  return undefined
}
