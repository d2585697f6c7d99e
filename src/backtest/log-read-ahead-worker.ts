// The backtest's log reader thread: reads the log on a read-only connection, opens the sealed events the replay
// needs, and sends the parts to the replaying thread, never more than `ahead` parts before it.
import { parentPort, workerData } from 'node:worker_threads'
import type { LoggedEventQuery } from '../decisions/record-store.ts'
import { PersonalDataVault } from '../events/personal-data-vault.ts'
import { openLogForReading, readLoggedEvents } from '../store/sqlite/sqlite-logged-events.ts'
import type { ReadAheadInput } from './log-read-ahead.ts'
import { backtestLog, type LogSource } from './log-replay.ts'

const input = workerData as ReadAheadInput
const flow = new Int32Array(input.flow)
const sqlite = openLogForReading(input.file)
// structured clone turns the keys' Buffers into Uint8Arrays
const vault = new PersonalDataVault(Buffer.from(input.keys.indexKey), Buffer.from(input.keys.sealKey))
const log: LogSource = {
  async *loggedEvents(query: LoggedEventQuery) {
    yield* readLoggedEvents(sqlite, query)
  },
}

try {
  for await (const part of backtestLog(log, vault, input.plan, input.tenantId, { entityLimit: input.entityLimit, pageSize: input.pageSize })) {
    parentPort!.postMessage(part)
    // wait while the replaying thread has `ahead` parts to go (it counts them down); a stop ends the wait
    Atomics.add(flow, 0, 1)
    for (let waiting = Atomics.load(flow, 0); waiting >= input.ahead && Atomics.load(flow, 1) === 0; waiting = Atomics.load(flow, 0)) Atomics.wait(flow, 0, waiting, 1_000)
    if (Atomics.load(flow, 1) !== 0) break
  }
  parentPort!.postMessage({ kind: 'end' })
} catch (error) {
  parentPort!.postMessage({ kind: 'error', message: (error as Error).message })
} finally {
  sqlite.close()
}
