import { type MessagePort, threadId, workerData } from 'node:worker_threads'
import { CommunityCache, ringsOf } from './communities.ts'
import { GraphMirror } from './graph-mirror.ts'
import { restartPropagation } from './propagation-restart.ts'
import { captureRingInputFrom } from './ring-input.ts'
import type { ForgetGraph, HourJob, RingJob, RingJobResult } from './ring-worker.ts'

/**
 * The ring worker's thread: computes each scheduled hour it is sent
 * (`HourJob`: the graph's copy brought up to the capture, the rings' input
 * captured from it, the rings, the propagation's restart) one at a time in
 * the order sent, keeping each graph's copy
 * (`GraphMirror`, until the graph is let go) and last partitions (so an
 * unchanged component is not run again); posts the result back (its
 * arrays moved, not copied), then bumps the shared counter a waiting graph
 * thread sleeps on.
 */
const { port, signal } = workerData as { port: MessagePort; signal: Int32Array }

/** The last partitions of the few graphs that sent work most recently (a process has one engine graph; tests make many). */
const caches = new Map<number, CommunityCache>()
const keptCaches = 4

/** Each graph's copy as it stood at its last capture. */
const mirrors = new Map<number, GraphMirror>()

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

function hour(id: number, graphId: number, job: HourJob, transfer: ArrayBuffer[]): RingJobResult {
  const { delta } = job
  let mirror = mirrors.get(graphId)
  if (!mirror && !delta.reset) return { id, kind: 'unmirrored', reason: 'no copy of the graph' }
  mirror ??= new GraphMirror()
  mirrors.set(graphId, mirror)
  try {
    mirror.apply(delta)
  } catch (error) {
    mirrors.delete(graphId)
    return { id, kind: 'unmirrored', reason: (error as Error).message }
  }
  const started = performance.now()
  const input = captureRingInputFrom(mirror, job.atMs, job.options, job.growthWindowMs)
  const captureMs = performance.now() - started
  const cache = cacheOf(graphId)
  const rings = ringsOf(input, cache)
  const restartStarted = performance.now()
  const propagationInput = { alpha: job.alpha, epsilon: job.epsilon, nodeCount: mirror.nodeCount, edgeCount: mirror.edgeCount, seeds: mirror.seeds() }
  const restart = restartPropagation(propagationInput, mirror.ends, job.room)
  const restartMs = performance.now() - restartStarted
  transfer.push(rings.ringOf.buffer as ArrayBuffer, restart.estimate.buffer as ArrayBuffer, restart.residual.buffer as ArrayBuffer)
  const { reused, computed, edgesRun } = cache
  return { id, kind: 'hour', rings, restart, threadId, reused, computed, edgesRun, captureMs, restartMs }
}

port.on('message', (job: RingJob | ForgetGraph) => {
  if (job.kind === 'forget') {
    mirrors.delete(job.graphId)
    caches.delete(job.graphId)
    return
  }
  const { id } = job
  let result: RingJobResult
  const transfer: ArrayBuffer[] = []
  try {
    result = hour(id, job.graphId, job.hour, transfer)
  } catch (error) {
    result = { id, error: (error as Error).stack ?? String(error) }
  }
  port.postMessage(result, transfer)
  Atomics.add(signal, 0, 1)
  Atomics.notify(signal, 0)
})
