// The backtest's log reader thread, kept for later backtests once started (`log-read-ahead.ts`): for each backtest
// it is given, it reads the log on a read-only connection, keeps and opens what the replay needs as `backtestLog`
// does, and sends the parts on the backtest's port, never more than `ahead` parts before the replaying thread.
// One of several readers reads its stripes of the log (`StripesOfLog`); the first sorts out the entities read for
// all of them, the last finds the walk's bounds for all of them and reads the labels after its stripes.
import { type MessagePort, parentPort, receiveMessageOnPort } from 'node:worker_threads'
import type { LoggedEventQuery } from '../decisions/record-store.ts'
import { PersonalDataVault } from '../events/personal-data-vault.ts'
import { type LoggedRow, loggedPositions, loggedStripeReader, openLogForReading, readLoggedEvents, readLoggedRows } from '../store/sqlite/sqlite-logged-events.ts'
import { BOUNDS, ENTITIES, type ReadAheadInput, type StripesOfLog, stripeBounds } from './log-read-ahead.ts'
import { type LogSource, readLabels, replayQuery } from './log-replay.ts'
import { packPage } from './packed-log.ts'
import { ReadEntities } from './read-entities.ts'

type Database = ReturnType<typeof openLogForReading>

async function read(input: ReadAheadInput, port: MessagePort) {
  const { plan, tenantId, stripes } = input
  const first = stripes === undefined || stripes.index === 0
  const last = stripes === undefined || stripes.index === stripes.count - 1
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
    let pages: Iterable<LoggedRow[]>
    let entities: ReadEntities | undefined
    if (stripes === undefined) {
      entities = await ReadEntities.collect(log, plan, tenantId, input.entityLimit)
      pages = readLoggedRows(db, replayQuery(plan, input.pageSize))
    } else {
      // the last reader finds the bounds while the first sorts out the entities: each shares what it found
      if (last) publish(stripes, BOUNDS, () => shareBounds(stripes, loggedPositions(db, replayQuery(plan))))
      if (first) {
        const collected = await ReadEntities.collect(log, plan, tenantId, input.entityLimit)
        entities = collected
        publish(stripes, ENTITIES, () => shareEntities(stripes, collected))
      }
      pages = readStripes(db, replayQuery(plan), input.pageSize ?? 5_000, stripes, stopped, (shared) => (entities ??= ReadEntities.of(shared, plan)))
    }
    let going = true
    for (const rows of pages) {
      // an empty stripe is sent all the same: the replaying thread takes the readers' parts in turn
      going = send(rows.length === 0 ? { kind: 'empty' } : packPage(rows, vault, plan, tenantId, entities!))
      if (!going) break
    }
    if (going && last) for await (const page of readLabels(log, vault, plan, tenantId, input.pageSize)) if (!send({ kind: 'labels', ...page })) break
    port.postMessage({ kind: 'end' })
  } catch (error) {
    // readers waiting for what this one was to share stop waiting
    if (stripes) {
      const { state } = stripeBounds(stripes.bounds)
      for (const slot of [...(last ? [BOUNDS] : []), ...(first ? [ENTITIES] : [])]) if (Atomics.compareExchange(state, slot, 0, -1) === 0) Atomics.notify(state, slot)
    }
    port.postMessage({ kind: 'error', message: (error as Error).message })
  } finally {
    sqlite?.close()
    port.close()
  }
}

/** Runs `share` and tells the other readers through the slot's state (its result: 1 shared, 2 nothing to read; -1 failed, and thrown). */
function publish(stripes: StripesOfLog, slot: number, share: () => 1 | 2) {
  const { state } = stripeBounds(stripes.bounds)
  try {
    Atomics.store(state, slot, share())
  } catch (error) {
    Atomics.store(state, slot, -1)
    throw error
  } finally {
    Atomics.notify(state, slot)
  }
}

function shareBounds(stripes: StripesOfLog, found: { first: number; last: number } | null): 1 | 2 {
  if (!found) return 2
  const { positions } = stripeBounds(stripes.bounds)
  positions[0] = found.first
  positions[1] = found.last
  return 1
}

/** Posted before the state says so: a reader that sees the state finds the message on its port. */
function shareEntities(stripes: StripesOfLog, entities: ReadEntities): 1 {
  for (const port of stripes.entities) {
    port.postMessage(entities.keysRead)
    port.close()
  }
  return 1
}

/** Waits until the slot's state is known (or the replay stopped: 0). */
function awaitSlot(state: Int32Array, slot: number, stopped: () => boolean): number {
  while (Atomics.load(state, slot) === 0 && !stopped()) Atomics.wait(state, slot, 0, 1_000)
  return Atomics.load(state, slot)
}

/**
 * This reader's stripes of the walk: `width` positions each, the reader's
 * every `count`th from the `index`th, so that the readers' parts taken in
 * turn are the walk in order. Waits for the bounds and the entities read.
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
  const bounds = awaitSlot(state, BOUNDS, stopped)
  if (bounds === -1) throw new Error('the last reader could not find where the log is to be read')
  const entities = awaitSlot(state, ENTITIES, stopped)
  if (entities === -1) throw new Error('the first reader could not sort out the entities read')
  if (bounds !== 1 || entities !== 1) return
  if (stripes.index > 0) {
    const received = receiveMessageOnPort(stripes.entities[0]!)
    stripes.entities[0]!.close()
    if (!received) throw new Error('the first reader did not hand over the entities read')
    onEntities(received.message as ReadonlyMap<string, ReadonlySet<string>> | undefined)
  }
  const [from, through] = [positions[0]!, positions[1]!]
  const read = loggedStripeReader(db, query)
  for (let after = from - 1 + stripes.index * width; after < through; after += stripes.count * width) yield read(after, Math.min(after + width, through))
}

// one backtest at a time: the thread is handed another only once it has ended this one
parentPort!.on('message', ({ input, port }: { input: ReadAheadInput; port: MessagePort }) => {
  void read(input, port)
})
