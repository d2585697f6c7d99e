// The graph snapshot's writer thread: it is handed a copy of the graph's state and writes the file (fsync, rename) while decisions go on.
import { parentPort } from 'node:worker_threads'
import { type SavedGraphState, writeGraphSnapshot } from './graph-snapshot-file.ts'

parentPort!.on('message', ({ id, file, saved }: { id: number; file: string; saved: SavedGraphState }) => {
  const started = performance.now()
  try {
    const bytes = writeGraphSnapshot(file, saved)
    parentPort!.postMessage({ id, bytes, ms: performance.now() - started })
  } catch (error) {
    parentPort!.postMessage({ id, error: (error as Error).message })
  }
})
