import { Worker } from 'node:worker_threads'
import type { LogPart } from './log-replay.ts'
import type { LogPlan } from './replay-plan.ts'

/** What the reader thread is given (`log-read-ahead-worker.ts`). */
export interface ReadAheadInput {
  /** The store's SQLite file, opened read-only. */
  file: string
  /** The vault's keys: the reader opens the sealed events. */
  keys: { indexKey: Uint8Array; sealKey: Uint8Array }
  plan: LogPlan
  tenantId: string
  entityLimit: number
  pageSize: number | undefined
  /** [0]: parts sent and not yet replayed; [1]: not 0 once the replay stops early. */
  flow: SharedArrayBuffer
  /** Parts the reader may be ahead of the replay: bounds the memory they take. */
  ahead: number
}

type FromReader = LogPart | { kind: 'end' } | { kind: 'error'; message: string }

/** The log read ahead: its parts, once; `stop` ends the reader (at once, or after the parts are all taken). */
export interface LogReadAhead {
  parts: AsyncGenerator<LogPart>
  stop(): Promise<void>
}

/**
 * The backtest's log (`backtestLog`) read on a worker thread while this one
 * replays: reading the pages, parsing their entity keys and opening their
 * sealed events — most of a backtest's time on one thread — take the
 * machine's other core. The parts come in the same order and with the same
 * contents as `backtestLog` gives on this thread. The reader starts at once
 * (its start overlaps the caller's own preparations) and keeps at most
 * `ahead` parts ready. `stop` must be called in the end, whether or not the
 * parts were all taken.
 */
export function startLogReadAhead(input: Omit<ReadAheadInput, 'flow' | 'ahead'>, ahead = 4): LogReadAhead {
  const flow = new Int32Array(new SharedArrayBuffer(8))
  const worker = new Worker(new URL('./log-read-ahead-worker.mjs', import.meta.url), { workerData: { ...input, flow: flow.buffer, ahead } satisfies ReadAheadInput })
  const received: FromReader[] = []
  let failure: Error | undefined
  let ended = false
  let wake: (() => void) | undefined
  worker.on('message', (message: FromReader) => {
    received.push(message)
    wake?.()
  })
  worker.on('error', (error) => {
    failure ??= error
    wake?.()
  })
  worker.on('exit', (code) => {
    if (!ended) failure ??= new Error(`the backtest's log reader stopped early (exit code ${code})`)
    wake?.()
  })
  let stopped: Promise<void> | undefined
  const stop = () => {
    stopped ??= (async () => {
      ended = true
      Atomics.store(flow, 1, 1)
      Atomics.notify(flow, 0)
      await worker.terminate()
    })()
    return stopped
  }
  async function* parts(): AsyncGenerator<LogPart> {
    for (let next = 0; ; next++) {
      while (next >= received.length && failure === undefined) await new Promise<void>((resolve) => (wake = resolve))
      wake = undefined
      const message = received[next]
      if (message === undefined) throw failure!
      received[next] = undefined as unknown as FromReader // replayed parts are not kept
      if (message.kind === 'end') {
        ended = true
        return
      }
      if (message.kind === 'error') throw new Error(`reading the decision log: ${message.message}`)
      yield message
      Atomics.sub(flow, 0, 1)
      Atomics.notify(flow, 0)
    }
  }
  return { parts: parts(), stop }
}
