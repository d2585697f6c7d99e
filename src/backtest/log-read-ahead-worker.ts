// The backtest's log reader thread, kept for later backtests once started (`log-read-ahead.ts`): for each backtest
// it is given, it reads the log on a read-only connection, keeps and opens what the replay needs as `backtestLog`
// does, and sends the parts on the backtest's port, never more than `ahead` parts before the replaying thread.
import { type MessagePort, parentPort } from 'node:worker_threads'
import type { LoggedEventQuery } from '../decisions/record-store.ts'
import { PersonalDataVault } from '../events/personal-data-vault.ts'
import { openLogForReading, readLoggedEvents, readLoggedRows } from '../store/sqlite/sqlite-logged-events.ts'
import type { ReadAheadInput } from './log-read-ahead.ts'
import { type LogSource, readLabels, replayQuery } from './log-replay.ts'
import { packPage } from './packed-log.ts'
import { ReadEntities } from './read-entities.ts'

async function read(input: ReadAheadInput, port: MessagePort) {
  const { plan, tenantId } = input
  const flow = new Int32Array(input.flow)
  /** Sends a part; then waits while the replaying thread has `ahead` parts to go (it counts them down). False once it stopped. */
  const send = (part: unknown): boolean => {
    port.postMessage(part)
    Atomics.add(flow, 0, 1)
    for (let waiting = Atomics.load(flow, 0); waiting >= input.ahead && Atomics.load(flow, 1) === 0; waiting = Atomics.load(flow, 0)) Atomics.wait(flow, 0, waiting, 1_000)
    return Atomics.load(flow, 1) === 0
  }
  let sqlite: ReturnType<typeof openLogForReading> | undefined
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
    const entities = await ReadEntities.collect(log, plan, tenantId, input.entityLimit)
    let going = true
    for (const rows of readLoggedRows(db, replayQuery(plan, input.pageSize))) {
      going = send(packPage(rows, vault, plan, tenantId, entities))
      if (!going) break
    }
    if (going) for await (const page of readLabels(log, vault, plan, tenantId, input.pageSize)) if (!send({ kind: 'labels', ...page })) break
    port.postMessage({ kind: 'end' })
  } catch (error) {
    port.postMessage({ kind: 'error', message: (error as Error).message })
  } finally {
    sqlite?.close()
    port.close()
  }
}

// one backtest at a time: the thread is handed another only once it has ended this one
parentPort!.on('message', ({ input, port }: { input: ReadAheadInput; port: MessagePort }) => {
  void read(input, port)
})
