import { MessageChannel, Worker } from 'node:worker_threads'
import type { LogPart } from './log-replay.ts'
import { type PackedPage, unpackPage } from './packed-log.ts'
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

type FromReader = PackedPage | Extract<LogPart, { kind: 'labels' }> | { kind: 'end' } | { kind: 'error'; message: string }

/** The log read ahead: its parts, once; `stop` ends the reader (at once, or after the parts are all taken). */
export interface LogReadAhead {
  parts: AsyncGenerator<LogPart>
  stop(): Promise<void>
}

/**
 * Reader threads not reading for any backtest. Starting one takes a good
 * part of a second (the thread loads the TypeScript of its modules), as long
 * as a backtest of a hundred thousand events: a thread that ended its
 * backtest is kept for the next one. Kept threads do not keep the process
 * alive; one stopped early (the backtest failed or was interrupted) is ended
 * rather than kept.
 */
const idle: Worker[] = []
const readerUrl = new URL('./log-read-ahead-worker.mjs', import.meta.url)

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
  const worker = idle.pop() ?? new Worker(readerUrl)
  worker.unref()
  const { port1: port, port2: readerPort } = new MessageChannel()
  worker.postMessage({ input: { ...input, flow: flow.buffer, ahead } satisfies ReadAheadInput, port: readerPort }, [readerPort])
  const received: FromReader[] = []
  let failure: Error | undefined
  let ended = false
  let wake: (() => void) | undefined
  port.on('message', (message: FromReader) => {
    received.push(message)
    if (message.kind === 'end' || message.kind === 'error') ended = true
    wake?.()
  })
  const onError = (error: Error) => {
    failure ??= error
    wake?.()
  }
  const onExit = (code: number) => {
    failure ??= new Error(`the backtest's log reader stopped early (exit code ${code})`)
    wake?.()
  }
  worker.on('error', onError)
  worker.on('exit', onExit)
  let stopped: Promise<void> | undefined
  const stop = () => {
    stopped ??= (async () => {
      worker.off('error', onError)
      worker.off('exit', onExit)
      port.close()
      // a reader that sent its end is free for the next backtest; one stopped midway is ended
      if (ended && failure === undefined) idle.push(worker)
      else {
        Atomics.store(flow, 1, 1)
        Atomics.notify(flow, 0)
        await worker.terminate()
      }
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
      if (message.kind === 'end') return
      if (message.kind === 'error') {
        failure = new Error(`reading the decision log: ${message.message}`)
        throw failure
      }
      yield message.kind === 'packed' ? { kind: 'events', ...unpackPage(message) } : message
      Atomics.sub(flow, 0, 1)
      Atomics.notify(flow, 0)
    }
  }
  return { parts: parts(), stop }
}
