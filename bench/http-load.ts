/**
 * Drives a server with autocannon: pipelining 1, N keep-alive connections,
 * each request the next body of a pre-built list, so every request is a new
 * event id (a repeated id would be an idempotent replay: a lookup, not a
 * decision). Latency is recorded here from autocannon's per-response event,
 * in fractional milliseconds: autocannon's own histogram has 1 ms resolution
 * and, when a rate is set, adds synthetic samples for coordinated omission.
 */
import autocannon, { type AutocannonResult } from 'autocannon'
import { CpuMeter } from './cpu-usage.ts'
import { percentiles, Samples } from './stats.ts'

/**
 * Pre-built request bodies handed out in order. With `refill`, running past
 * the end builds more on the spot (counted: that work then competes with the
 * load) so no id is ever sent twice; without it the list wraps, which is
 * fine for the hello server, which ignores ids.
 */
export class BodyCursor {
  private position = 0
  /** Bodies that had to be built during a run because the pre-built ones ran out. */
  builtDuringLoad = 0

  constructor(
    private readonly bodies: string[],
    private readonly refill?: () => string,
  ) {}

  next(): string {
    if (this.position >= this.bodies.length) {
      if (this.refill) {
        this.bodies.push(this.refill())
        this.builtDuringLoad++
      } else if (this.bodies.length > 0) return this.bodies[this.position++ % this.bodies.length]!
      else throw new Error('no request bodies')
    }
    return this.bodies[this.position++]!
  }

  /** Pre-builds bodies until `ahead` unsent ones are waiting. */
  prepare(ahead: number): void {
    if (!this.refill) return
    while (this.bodies.length - this.position < ahead) this.bodies.push(this.refill())
  }

  get used(): number {
    return this.position
  }
}

export interface LoadOptions {
  url: string
  connections: number
  durationS: number
  /** Requests per second over all connections; omitted = as fast as the server answers. */
  overallRate?: number
  bodies: BodyCursor
  /** The server's process id, to measure the CPU it used. */
  serverPid: number
}

export interface LoadResult {
  durationS: number
  /** 2xx responses per second. */
  okPerSecond: number
  ok: number
  non2xx: number
  errors: number
  timeouts: number
  /** Responses marked `idempotent-replay`: must be 0, or ids were reused. */
  replays: number
  latencyMs: { p50: number; p99: number; p999: number; max: number }
  /** Decisions by action (when the body says one): shows the rules fire as they would in production. */
  actions: Record<string, number>
  /** Share of responses completed in the busiest tenth of each second: 0.1 = even pacing, 1 = one burst. */
  busiestTenthShare: number
  /** 2xx responses in each whole second of the run: shows warm-up effects, stalls and drift. */
  perSecond: number[]
  /** Average cores used during the run (Linux only): by the server, by this process (the load generator), by anything else. */
  cpu?: { server: number; loadGenerator: number; other: number }
  firstFailure?: string
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies = new Samples()
  const completedAt = new Samples()
  const actions: Record<string, number> = {}
  let replays = 0
  let firstFailure: string | undefined
  const started = performance.now()
  const meter = new CpuMeter([options.serverPid, process.pid])

  const result = await new Promise<AutocannonResult>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        pipelining: 1,
        duration: options.durationS,
        timeout: 30,
        ...(options.overallRate ? { overallRate: options.overallRate } : {}),
        requests: [
          {
            method: 'POST',
            path: '/v1/events',
            headers: { 'content-type': 'application/json' },
            // one shared cursor for all connections: no two requests carry the same event
            setupRequest: (request) => ({ ...request, body: options.bodies.next() }),
            onResponse: (status, body, _context, headers) => {
              if (status >= 300) {
                firstFailure ??= `HTTP ${status}: ${body.slice(0, 500)}`
                return
              }
              if (headers['idempotent-replay'] === 'true') replays++
              const at = body.indexOf('"action":"')
              if (at >= 0) {
                const action = body.slice(at + 10, body.indexOf('"', at + 10))
                actions[action] = (actions[action] ?? 0) + 1
              }
            },
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    )
    instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
      if (statusCode >= 200 && statusCode < 300) {
        latencies.push(responseTimeMs)
        completedAt.push(performance.now() - started)
      }
    })
  })

  const usage = meter.read()
  const [p50, p99, p999, max] = percentiles(latencies.values(), [50, 99, 99.9, 100])
  return {
    durationS: result.duration,
    okPerSecond: latencies.length / result.duration,
    ok: latencies.length,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    replays,
    latencyMs: { p50: p50!, p99: p99!, p999: p999!, max: max! },
    actions,
    busiestTenthShare: busiestTenthShare(completedAt.values()),
    perSecond: perSecond(completedAt.values()),
    ...(usage ? { cpu: { server: usage.cores.get(options.serverPid) ?? 0, loadGenerator: usage.cores.get(process.pid) ?? 0, other: usage.otherCores } } : {}),
    ...(firstFailure ? { firstFailure } : {}),
  }
}

/**
 * Autocannon enforces a rate as a per-connection quota refilled every second,
 * so a rate-limited run can be a burst at the top of each second followed by
 * silence. This measures it: for each whole second, the share of its
 * responses that fell in its busiest 100 ms.
 */
function busiestTenthShare(completedAtMs: Float64Array): number {
  const seconds = Math.floor((completedAtMs[completedAtMs.length - 1] ?? 0) / 1000)
  if (seconds < 1) return Number.NaN
  const buckets = new Float64Array(seconds * 10)
  for (const t of completedAtMs) {
    const i = Math.floor(t / 100)
    if (i < buckets.length) buckets[i] = (buckets[i] ?? 0) + 1
  }
  let share = 0
  for (let s = 0; s < seconds; s++) {
    const slice = buckets.subarray(s * 10, s * 10 + 10)
    const total = slice.reduce((a, b) => a + b, 0)
    share += total > 0 ? Math.max(...slice) / total : 0
  }
  return share / seconds
}

function perSecond(completedAtMs: Float64Array): number[] {
  const seconds = Math.floor((completedAtMs[completedAtMs.length - 1] ?? 0) / 1000)
  const counts = new Array<number>(seconds).fill(0)
  for (const t of completedAtMs) {
    const s = Math.floor(t / 1000)
    if (s < seconds) counts[s] = (counts[s] ?? 0) + 1
  }
  return counts
}
