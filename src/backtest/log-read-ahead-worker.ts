// The backtest's log reader thread, kept for later backtests once started (`log-read-ahead.ts`): for each backtest
// it is given, it reads the log on a read-only connection, keeps and opens what the replay needs as `backtestLog`
// does, and sends the parts on the backtest's port, never more than `ahead` parts before the replaying thread.
// One of several readers reads its stripes of the log only, and the first of them the labels as well.
import { type MessagePort, parentPort, receiveMessageOnPort } from 'node:worker_threads'
import type { LoggedEventQuery } from '../decisions/record-store.ts'
import { PersonalDataVault } from '../events/personal-data-vault.ts'
import { type LoggedRow, loggedPositions, loggedStripeReader, openLogForReading, readLoggedEvents, readLoggedRows } from '../store/sqlite/sqlite-logged-events.ts'
import { type ReadAheadInput, type StripesOfLog, stripeBounds } from './log-read-ahead.ts'
import { type LogSource, readLabels, replayQuery } from './log-replay.ts'
import { packPage } from './packed-log.ts'
import { ReadEntities } from './read-entities.ts'

type Database = ReturnType<typeof openLogForReading>

async function read(input: ReadAheadInput, port: MessagePort) {
  const { plan, tenantId, stripes } = input
  const flow = new Int32Array(input.flow)
  const stopped = () => Atomics.load(flow, 1) !== 0
  /** Sends a part; then waits while the replaying thread has `ahead` parts to go (it counts them down). False once it stopped. */
  const send = (part: unknown): boolean => {
    port.postMessage(part)
    Atomics.add(flow, 0, 1)
    for (let waiting = Atomics.load(flow, 0); waiting >= input.ahead && !stopped(); waiting = Atomics.load(flow, 0)) Atomics.wait(flow, 0, waiting, 1_000)
    return !stopped()
  }
  let sqlite: Database | undefined
  try {
    const db = openLogForReading(input.file)
    sqlite = db
    // structured clone turns the keys' Buffers into Uint8Arrays
    const vault = new PersonalDataVault(Buffer.from(input.keys.indexKey), Buffer.from(input.keys.sealKey))
    const log: LogSource = {
      async *loggedEvents(query: LoggedEventQuery) {
        yield* readLoggedEvents(db, query)
      },
    }
    // of several readers, the first finds the entities read and where the walk starts and ends, and shares them; the others wait for them
    let entities: ReadEntities | undefined
    if (stripes === undefined || stripes.index === 0) {
      entities = await ReadEntities.collect(log, plan, tenantId, input.entityLimit)
      if (stripes) shareBounds(stripes, entities, () => loggedPositions(db, replayQuery(plan)))
    }
    let going = true
    const pages = stripes ? readStripes(db, replayQuery(plan), input.pageSize ?? 5_000, stripes, stopped, (shared) => (entities = ReadEntities.of(shared, plan))) : readLoggedRows(db, replayQuery(plan, input.pageSize))
    for (const rows of pages) {
      // an empty stripe is sent all the same: the replaying thread takes the readers' parts in turn
      going = send(rows.length === 0 ? { kind: 'empty' } : packPage(rows, vault, plan, tenantId, entities!))
      if (!going) break
    }
    if (going && (stripes === undefined || stripes.index === 0)) for await (const page of readLabels(log, vault, plan, tenantId, input.pageSize)) if (!send({ kind: 'labels', ...page })) break
    port.postMessage({ kind: 'end' })
  } catch (error) {
    // the other readers waiting for the first one's bounds stop waiting
    if (stripes?.index === 0) {
      const { state } = stripeBounds(stripes.bounds)
      if (Atomics.compareExchange(state, 0, 0, -1) === 0) Atomics.notify(state, 0)
    }
    port.postMessage({ kind: 'error', message: (error as Error).message })
  } finally {
    sqlite?.close()
    port.close()
  }
}

/** Publishes the entities read and the walk's bounds to the other readers (none: nothing to read; failed: they stop). */
function shareBounds(stripes: StripesOfLog, entities: ReadEntities, find: () => { first: number; last: number } | null) {
  const { state, positions } = stripeBounds(stripes.bounds)
  try {
    for (const port of stripes.entities) {
      port.postMessage(entities.keysRead)
      port.close()
    }
    const found = find()
    if (found) {
      positions[0] = found.first
      positions[1] = found.last
    }
    Atomics.store(state, 0, found ? 1 : 2)
  } catch (error) {
    Atomics.store(state, 0, -1)
    throw error
  } finally {
    Atomics.notify(state, 0)
  }
}

/**
 * This reader's stripes of the walk: `width` positions each, the reader's
 * every `count`th from the `index`th, so that the readers' parts taken in
 * turn are the walk in order. Waits for the first reader's bounds.
 */
function* readStripes(
  db: Database,
  query: LoggedEventQuery,
  width: number,
  stripes: StripesOfLog,
  stopped: () => boolean,
  onEntities: (keys: ReadonlyMap<string, ReadonlySet<string>> | undefined) => void,
): Generator<LoggedRow[]> {
  const { state, positions } = stripeBounds(stripes.bounds)
  while (Atomics.load(state, 0) === 0 && !stopped()) Atomics.wait(state, 0, 0, 1_000)
  const found = Atomics.load(state, 0)
  if (found === -1) throw new Error('the first reader could not find where the log is to be read')
  if (found !== 1) return
  if (stripes.index > 0) {
    // posted before the bounds were published: it is in
    const received = receiveMessageOnPort(stripes.entities[0]!)
    stripes.entities[0]!.close()
    if (!received) throw new Error('the first reader did not hand over the entities read')
    onEntities(received.message as ReadonlyMap<string, ReadonlySet<string>> | undefined)
  }
  const [first, last] = [positions[0]!, positions[1]!]
  const read = loggedStripeReader(db, query)
  for (let after = first - 1 + stripes.index * width; after < last; after += stripes.count * width) yield read(after, Math.min(after + width, last))
}

// one backtest at a time: the thread is handed another only once it has ended this one
parentPort!.on('message', ({ input, port }: { input: ReadAheadInput; port: MessagePort }) => {
  void read(input, port)
})
