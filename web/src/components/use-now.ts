import { useEffect, useState } from 'react'
import { onServerClock, serverNow } from '../api/client.ts'

/** The server's time now, re-read every `everyMs` and whenever the clock is synchronised again. */
export function useNow(everyMs = 15_000): number {
  const [now, setNow] = useState(serverNow)
  useEffect(() => {
    const timer = setInterval(() => setNow(serverNow()), everyMs)
    const off = onServerClock(() => setNow(serverNow()))
    return () => {
      clearInterval(timer)
      off()
    }
  }, [everyMs])
  return now
}
