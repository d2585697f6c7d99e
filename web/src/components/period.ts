import dayjs, { type Dayjs } from 'dayjs'
import { serverNow } from '../api/client.ts'

/** The last `days` local days up to the server's now (the end rounded up to the next hour). */
export function lastDays(days: number): [Dayjs, Dayjs] {
  const end = dayjs(serverNow()).add(1, 'hour').startOf('hour')
  return [end.subtract(days, 'day').startOf('day'), end]
}
