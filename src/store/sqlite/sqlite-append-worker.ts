// The decision writer thread: one connection, one transaction per batch it is sent.
import { parentPort, workerData } from 'node:worker_threads'
import type { StoredDecision } from '../../decisions/record-store.ts'
import { openWritableDatabase, prepareAppend } from './sqlite-decision-appender.ts'

const sqlite = openWritableDatabase((workerData as { file: string }).file)
const append = prepareAppend(sqlite)

parentPort!.on('message', ({ id, batch }: { id: number; batch: StoredDecision[] }) => {
  try {
    // structured clone turns Buffers into Uint8Arrays; SQLite stores both as blobs
    append(batch)
    parentPort!.postMessage({ id })
  } catch (error) {
    parentPort!.postMessage({ id, error: (error as Error).message })
  }
})
