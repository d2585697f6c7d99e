import { createReadStream } from 'node:fs'
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
 * Sends every event of a file (or of stdin, as it arrives: `xiezhi simulate
 * | xiezhi replay -`) through the engine or a running server, sent in file
 * order (with more than one in flight they may be decided slightly out of it), with
 * a progress bar, and sums up: decisions by action, problems by status,
 * achieved rate and latency percentiles. Events are read as they are sent,
 * so a stream of any length fits in memory.
 */
export async function replay(path: string, options: ReplayOptions) {
  const client = await openClient(options)
  const total = path === '-' ? undefined : await countLines(path)
  const bar = options.json
    ? undefined
    : new SingleBar({ format: total === undefined ? 'replay {value} events' : 'replay [{bar}] {value}/{total} {eta}s left', stream: process.stderr })
  bar?.start(total ?? 0, 0)
  const source = readEvents(path)
  let unreadable = 0
  /** The next readable event; one reader at a time, so that events leave in file order. */
  let reading: Promise<unknown> = Promise.resolve()
  const nextEvent = (): Promise<{ event: unknown } | undefined> => {
    const next = reading.then(async () => {
      for (;;) {
        const item = await source.next()
        if (item.done) return undefined
        if (item.value.error) unreadable++
        else return { event: item.value.event }
      }
    })
    reading = next
    return next
  }
  const latencies: number[] = []
  const actions: Record<string, number> = {}
  const problems: Record<string, number> = {}
  const started = performance.now()
  let sent = 0
  const worker = async () => {
    for (;;) {
      const next = await nextEvent()
      if (!next) return
      const index = sent++
      if (options.rate > 0) {
        const wait = started + (index * 1000) / options.rate - performance.now()
        if (wait > 0) await new Promise((r) => setTimeout(r, wait))
      }
      const t0 = performance.now()
      const { status, body } = await client.decide(next.event)
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
    events: sent,
    unreadableLines: unreadable,
    decisionsByAction: actions,
    problemsByStatus: problems,
    seconds: round(seconds),
    achievedPerSecond: round(sent / seconds),
    latencyMs: { p50: pct(0.5), p99: pct(0.99), max: pct(1) },
  }
  if (options.json) console.log(JSON.stringify(summary))
  else console.log(formatSummary(summary))
  return summary
}

/** Lines of a file, for the progress bar's total (a CSV's header and blank lines included: close enough). */
async function countLines(path: string): Promise<number> {
  let lines = 0
  let lastByte = 10
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++
    lastByte = chunk[chunk.length - 1]!
  }
  return lastByte === 10 ? lines : lines + 1
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
