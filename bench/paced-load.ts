/**
 * An open-loop, evenly paced load: request i is due at start + i / rate and
 * is sent then (or as soon as a connection is free), whatever happened to
 * earlier requests. Latency counts from the moment a request was due, so
 * time spent queued behind a slow response is not hidden (no coordinated
 * omission).
 *
 * Why, next to autocannon's `overallRate`: autocannon grants each connection
 * a quota per second and lets it send the quota back to back, so at "half
 * rate" every connection fires at the top of each second and the server sees
 * the same 64-deep queue as at saturation for part of every second. Its p99
 * at half rate is therefore close to the saturated one. This pacer shows the
 * latency a client sees when load arrives spread out.
 */
import { Agent, request } from 'node:http'
import type { BodyCursor } from './http-load.ts'
import { percentiles, Samples } from './stats.ts'

export interface PacedOptions {
  url: string
  /** Requests per second, spread evenly. */
  rate: number
  durationS: number
  /** Most requests in flight (keep-alive sockets); later ones wait for a free socket, and that wait counts. */
  connections: number
  bodies: BodyCursor
}

export interface PacedResult {
  sent: number
  ok: number
  failed: number
  replays: number
  okPerSecond: number
  latencyMs: { p50: number; p99: number; p999: number; max: number }
}

export async function runPaced(options: PacedOptions): Promise<PacedResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections })
  const target = new URL('/v1/events', options.url)
  const latencies = new Samples()
  const total = Math.floor(options.rate * options.durationS)
  const intervalMs = 1000 / options.rate
  let sent = 0
  let failed = 0
  let replays = 0
  let outstanding = 0
  let allSent: () => void = () => {}
  const drained = new Promise<void>((resolve) => (allSent = resolve))
  const started = performance.now()

  const send = (dueAt: number) => {
    const body = options.bodies.next()
    outstanding++
    const finish = (ok: boolean) => {
      if (ok) latencies.push(performance.now() - dueAt)
      else failed++
      if (--outstanding === 0 && sent === total) allSent()
    }
    const req = request(
      target,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        if (res.headers['idempotent-replay'] === 'true') replays++
        res.resume()
        res.once('end', () => finish(res.statusCode !== undefined && res.statusCode < 300))
        res.once('error', () => finish(false))
      },
    )
    req.once('error', () => finish(false))
    req.end(body)
  }

  // a tight timer loop: every tick sends whatever has fallen due, so sends stay on schedule within ~1 ms
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now()
      while (sent < total && started + sent * intervalMs <= now) send(started + sent++ * intervalMs)
      if (sent < total) setTimeout(tick, Math.max(0, started + sent * intervalMs - performance.now()))
      else resolve()
    }
    tick()
  })
  if (outstanding > 0) await drained
  const elapsedS = (performance.now() - started) / 1000
  agent.destroy()
  const [p50, p99, p999, max] = percentiles(latencies.values(), [50, 99, 99.9, 100])
  return {
    sent,
    ok: latencies.length,
    failed,
    replays,
    okPerSecond: latencies.length / elapsedS,
    latencyMs: { p50: p50!, p99: p99!, p999: p999!, max: max! },
  }
}
