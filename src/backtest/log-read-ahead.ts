import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads'
import type { LogPart } from './log-replay.ts'
import { type PackedPage, unpackPage } from './packed-log.ts'
import type { LogPlan } from './replay-plan.ts'

/** What a reader thread is given (`log-read-ahead-worker.ts`). */
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
  /** When several threads read: which stripes of the log this one reads (`StripesOfLog`). */
  stripes?: StripesOfLog
}

/**
 * The log split between `count` readers: the walk from the period's first
 * position to the last, in stripes of a page's width (`pageSize`
 * positions) dealt out in turn — reader `index` reads stripes index,
 * index + count, …
 * The first reader sorts out the entities read and hands them to the
 * others; the last finds the bounds meanwhile and shares them (`bounds`:
 * `stripeBounds`), and reads the labels after its stripes.
 */
export interface StripesOfLog {
  index: number
  count: number
  bounds: SharedArrayBuffer
  /** The first reader's ends of channels to each other reader, or another reader's end of its channel to the first: the entities read (`ReadEntities.keysRead`) go over them once. */
  entities: MessagePort[]
}

/**
 * What the readers share: the state of the walk's bounds (`BOUNDS`) and of
 * the entities read (`ENTITIES`) — 0 not yet known, 1 known, 2 nothing to
 * read, -1 failed — and the first and last positions of the walk.
 */
export const stripeBounds = (bounds: SharedArrayBuffer) => ({ state: new Int32Array(bounds, 0, 2), positions: new Float64Array(bounds, 8, 2) })
export const BOUNDS = 0
export const ENTITIES = 1

type FromReader = PackedPage | { kind: 'empty' } | Extract<LogPart, { kind: 'labels' }> | { kind: 'end' } | { kind: 'error'; message: string }

/** The log read ahead: its parts, once; `stop` ends the readers (at once, or after the parts are all taken). */
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

/** One reader thread's side of a read: what it sent, whether it ended, and its flow counter. */
interface Reader {
  worker: Worker
  port: MessagePort
  flow: Int32Array
  received: FromReader[]
  next: number
  ended: boolean
  detach(): void
}

/**
 * The backtest's log (`backtestLog`) read on worker threads while this one
 * replays: reading the pages, parsing their entity keys and opening their
 * sealed events — most of a backtest's time on one thread — take the
 * machine's other cores. With `readers` above 1 the log is split in stripes
 * of positions (`StripesOfLog`) read side by side, and their parts are
 * taken in turn: the parts come in the same order and with the same
 * contents as `backtestLog` gives on this thread (pages cut at other
 * places, which changes nothing replayed). The readers start at once (their
 * start overlaps the caller's own preparations) and each keeps at most
 * `ahead` parts ready. `stop` must be called in the end, whether or not the
 * parts were all taken.
 */
export function startLogReadAhead(input: Omit<ReadAheadInput, 'flow' | 'ahead' | 'stripes'>, ahead = 4, readers = 1): LogReadAhead {
  let failure: Error | undefined
  let wake: (() => void) | undefined
  const bounds = new SharedArrayBuffer(24)
  // the first reader sorts out the entities read, once, and hands them to the others
  const channels = Array.from({ length: readers - 1 }, () => new MessageChannel())
  const all: Reader[] = []
  for (let index = 0; index < readers; index++) {
    const flow = new Int32Array(new SharedArrayBuffer(8))
    const worker = idle.pop() ?? new Worker(readerUrl)
    worker.unref()
    const { port1: port, port2: readerPort } = new MessageChannel()
    const entities = index === 0 ? channels.map((c) => c.port1) : [channels[index - 1]!.port2]
    const stripes = readers > 1 ? { stripes: { index, count: readers, bounds, entities } } : {}
    worker.postMessage({ input: { ...input, flow: flow.buffer, ahead, ...stripes } satisfies ReadAheadInput, port: readerPort }, [readerPort, ...(readers > 1 ? entities : [])])
    const reader: Reader = { worker, port, flow, received: [], next: 0, ended: false, detach: () => {} }
    port.on('message', (message: FromReader) => {
      reader.received.push(message)
      if (message.kind === 'end' || message.kind === 'error') reader.ended = true
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
    reader.detach = () => {
      worker.off('error', onError)
      worker.off('exit', onExit)
      port.close()
    }
    all.push(reader)
  }
  let stopped: Promise<void> | undefined
  const stop = () => {
    stopped ??= (async () => {
      const ending: Promise<number>[] = []
      for (const reader of all) {
        reader.detach()
        // a reader that sent its end is free for the next backtest; one stopped midway is ended
        if (reader.ended && failure === undefined) idle.push(reader.worker)
        else {
          Atomics.store(reader.flow, 1, 1)
          Atomics.notify(reader.flow, 0)
          // a reader waiting for the bounds wakes within a second and sees the stop
          ending.push(reader.worker.terminate())
        }
      }
      await Promise.all(ending)
    })()
    return stopped
  }
  /** The next message from a reader, waiting for it. */
  async function take(reader: Reader): Promise<FromReader> {
    while (reader.next >= reader.received.length && failure === undefined) await new Promise<void>((resolve) => (wake = resolve))
    wake = undefined
    const message = reader.received[reader.next]
    if (message === undefined) throw failure!
    reader.received[reader.next++] = undefined as unknown as FromReader // replayed parts are not kept
    if (message.kind === 'error') {
      failure = new Error(`reading the decision log: ${message.message}`)
      throw failure
    }
    return message
  }
  /** A part replayed: the reader may read one more ahead. */
  const taken = (reader: Reader) => {
    Atomics.sub(reader.flow, 0, 1)
    Atomics.notify(reader.flow, 0)
  }
  async function* parts(): AsyncGenerator<LogPart> {
    // the readers' stripes in turn, until one has no more: then the last reader's labels, and every reader's end
    for (let turn = 0; ; turn = (turn + 1) % all.length) {
      const reader = all[turn]!
      const message = await take(reader)
      if (message.kind === 'empty') {
        taken(reader)
        continue
      }
      if (message.kind === 'packed') {
        yield { kind: 'events', ...unpackPage(message) }
        taken(reader)
        continue
      }
      // past the last stripe: the last reader's next part is the labels' first or its end
      reader.next--
      reader.received[reader.next] = message
      break
    }
    const labelReader = all[all.length - 1]!
    for (;;) {
      const message = await take(labelReader)
      if (message.kind === 'end') break
      if (message.kind !== 'labels') throw new Error(`reading the decision log: a part out of turn (${message.kind})`)
      yield message
      taken(labelReader)
    }
    for (const reader of all.slice(0, -1)) {
      const message = await take(reader)
      if (message.kind !== 'end') throw new Error(`reading the decision log: a part out of turn (${message.kind})`)
    }
  }
  return { parts: parts(), stop }
}
