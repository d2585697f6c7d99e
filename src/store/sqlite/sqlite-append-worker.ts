// The decision writer thread: one connection, one transaction per batch it is sent.
import { parentPort, workerData } from 'node:worker_threads'
import type { StoredDecision } from '../../decisions/record-store.ts'
import { checkpointEveryMs, openWritableDatabase, prepareAppend } from './sqlite-decision-appender.ts'

const sqlite = openWritableDatabase((workerData as { file: string }).file)
const append = prepareAppend(sqlite)

// the main thread's connection leaves checkpoints to this thread (`wal_autocheckpoint = 0` there): copying the WAL
// into the database, with its fsyncs, then never stalls a request. A passive checkpoint waits for no one and
// costs next to nothing when there is nothing new.
setInterval(() => sqlite.pragma('wal_checkpoint(PASSIVE)'), checkpointEveryMs)

// after a failed batch, later ones (already sent) must not commit: they would
// continue a hash chain whose previous links were never written
let failed: string | undefined

parentPort!.on('message', ({ id, batch }: { id: number; batch: StoredDecision[] }) => {
  if (failed) {
    parentPort!.postMessage({ id, error: `an earlier batch failed: ${failed}` })
    return
  }
  try {
    // structured clone turns Buffers into Uint8Arrays; SQLite stores both as blobs
    append(batch)
    parentPort!.postMessage({ id })
  } catch (error) {
    failed = (error as Error).message
    parentPort!.postMessage({ id, error: failed })
  }
})
