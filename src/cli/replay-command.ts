import { SingleBar } from 'cli-progress'
import { openClient } from './decision-client.ts'
import { readEvents } from './event-source.ts'

export interface ReplayOptions {
  server?: string
  apiKey?: string
  /** Events per second to aim for; 0 sends as fast as the concurrency allows. */
  rate: number
  concurrency: number
  json: boolean
}

/**
 * Sends every event of a file through the engine or a running server, with a
 * progress bar, and sums up: decisions by action, problems by status,
 * achieved rate and latency percentiles.
 */
export async function replay(path: string, options: ReplayOptions) {
  const client = await openClient(options)
  const events: unknown[] = []
  let unreadable = 0
  for await (const item of readEvents(path)) {
    if (item.error) unreadable++
    else events.push(item.event)
  }
  const bar = options.json ? undefined : new SingleBar({ format: 'replay [{bar}] {value}/{total} {eta}s left', stream: process.stderr })
  bar?.start(events.length, 0)
  const latencies: number[] = []
  const actions: Record<string, number> = {}
  const problems: Record<string, number> = {}
  const started = performance.now()
  let next = 0
  const worker = async () => {
    for (;;) {
      const index = next++
      if (index >= events.length) return
      if (options.rate > 0) {
        const due = started + (index * 1000) / options.rate
        const wait = due - performance.now()
        if (wait > 0) await new Promise((r) => setTimeout(r, wait))
      }
      const t0 = performance.now()
      const { status, body } = await client.decide(events[index])
      latencies.push(performance.now() - t0)
      if (status === 200) {
        const action = (JSON.parse(body) as { action: string }).action
        actions[action] = (actions[action] ?? 0) + 1
      } else problems[status] = (problems[status] ?? 0) + 1
      bar?.increment()
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker))
  bar?.stop()
  await client.close()
  const seconds = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  const pct = (p: number) => round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0)
  const summary = {
    events: events.length,
    unreadableLines: unreadable,
    decisionsByAction: actions,
    problemsByStatus: problems,
    seconds: round(seconds),
    achievedPerSecond: round(events.length / seconds),
    latencyMs: { p50: pct(0.5), p99: pct(0.99), max: pct(1) },
  }
  if (options.json) console.log(JSON.stringify(summary))
  else console.log(formatSummary(summary))
  return summary
}

const round = (x: number) => Math.round(x * 100) / 100

function formatSummary(s: { events: number; unreadableLines: number; decisionsByAction: Record<string, number>; problemsByStatus: Record<string, number>; seconds: number; achievedPerSecond: number; latencyMs: Record<string, number> }) {
  return [
    `events          ${s.events} (${s.unreadableLines} unreadable lines skipped)`,
    `decisions       ${Object.entries(s.decisionsByAction).map(([a, n]) => `${a} ${n}`).join(', ') || 'none'}`,
    `problems        ${Object.entries(s.problemsByStatus).map(([st, n]) => `HTTP ${st}: ${n}`).join(', ') || 'none'}`,
    `rate            ${s.achievedPerSecond} events/s over ${s.seconds} s`,
    `latency (ms)    p50 ${s.latencyMs.p50}  p99 ${s.latencyMs.p99}  max ${s.latencyMs.max}`,
  ].join('\n')
}
