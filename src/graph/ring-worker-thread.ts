import { type MessagePort, threadId, workerData } from 'node:worker_threads'
import { CommunityCache, ringsOf } from './communities.ts'
import { restartPropagation } from './propagation-restart.ts'
import type { RingJob, RingJobResult } from './ring-worker.ts'

/**
 * The ring worker's thread: computes each job it is sent — rings from a
 * captured input (`ringsOf`), or the propagation's restart
 * (`restartPropagation`) — one at a time in the order sent, keeping each
 * graph's last partitions so an unchanged component is not run again;
 * posts the result back (its arrays moved, not copied), then bumps the
 * shared counter a waiting graph thread sleeps on.
 */
const { port, signal } = workerData as { port: MessagePort; signal: Int32Array }

/** The last partitions of the few graphs that sent work most recently (a process has one engine graph; tests make many). */
const caches = new Map<number, CommunityCache>()
const keptCaches = 4

function cacheOf(graphId: number): CommunityCache {
  let cache = caches.get(graphId)
  if (cache) caches.delete(graphId)
  else cache = new CommunityCache()
  caches.set(graphId, cache)
  for (const oldest of caches.keys()) {
    if (caches.size <= keptCaches) break
    caches.delete(oldest)
  }
  return cache
}

port.on('message', (job: RingJob) => {
  const { id } = job
  let result: RingJobResult
  const transfer: ArrayBuffer[] = []
  try {
    if (job.kind === 'rings') {
      const cache = cacheOf(job.graphId)
      const rings = ringsOf(job.input, cache)
      result = { id, kind: 'rings', rings, threadId, reused: cache.reused, computed: cache.computed, edgesRun: cache.edgesRun }
      transfer.push(rings.ringOf.buffer as ArrayBuffer)
    } else {
      const started = performance.now()
      const restart = restartPropagation(job.input, job.ends)
      result = { id, kind: 'propagation', restart, threadId, ms: performance.now() - started }
      transfer.push(restart.estimate.buffer as ArrayBuffer, restart.residual.buffer as ArrayBuffer)
    }
  } catch (error) {
    result = { id, error: (error as Error).stack ?? String(error) }
  }
  port.postMessage(result, transfer)
  Atomics.add(signal, 0, 1)
  Atomics.notify(signal, 0)
})
