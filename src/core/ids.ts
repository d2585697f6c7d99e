import { randomUUID } from 'node:crypto'

/**
 * UUIDv7 (RFC 9562): time-ordered, so decision ids sort by creation and make
 * good cursor keys. Built from `randomUUID`, which draws from a pooled entropy
 * buffer (a fresh `randomBytes` per id costs several times more): its random
 * bits and variant are kept, the first 48 bits become the time in ms and the
 * version nibble becomes 7.
 */
export function uuidv7(nowMs: number = Date.now()): string {
  const random = randomUUID()
  const time = nowMs.toString(16).padStart(12, '0')
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`
}
