/**
 * The relationship graph: `npm run bench -- graph [--edges 10000000] [--json]`.
 *
 * A synthetic lender with a power-law graph: users whose activity follows a
 * Zipf law, each with a device, a phone, an id number and a card of their
 * own (a few shared: households, mule cards, intermediaries' shop phones),
 * IPs drawn from a pool whose popularity is Zipf-distributed (carrier NATs
 * become hubs of thousands of users), contacts drawn the same way, events
 * spread over 180 days. Keys are 22-character strings like the vault's
 * blind indexes, made fresh for every event as the decision path makes them.
 *
 * Measured, on one core (`--ingest-only`: the first two only):
 * - ingestion: events added until the graph holds `--edges` edges; edge
 *   meetings (user–entity pairs of an event, new or seen) and new edges per
 *   second of `GraphService.add`;
 * - memory: bytes of the typed arrays per edge (capacity, and in use: up to
 *   the counts, hash tables at their smallest), node keys included, and
 *   what the JS heap grew by, per edge;
 * - the graph features of one decision (`GraphService.measure`, all
 *   measures) for `--queries` events of existing and new users at the end of
 *   the period: p50, p99, p99.9 in µs, and how often a cap was hit;
 * - labels: one push of risk per label (µs per label, neighbour updates);
 * - rings: a recomputation over the window (at most `--ring-edges` edges)
 *   with nothing to reuse, then the next hour's, after an hour of events
 *   (wall and CPU time; the propagation's restart, which runs beside it,
 *   measured alone and taken off);
 * - decisions during the hour: the hourly schedule switched on, a first
 *   scheduled hour crossed (as after a start: its capture sends the ring
 *   worker the whole graph; its call measured) and its work left to
 *   finish; then decisions (`observe`) arrive at `--paced-rate` a second
 *   for `--paced-seconds`, the first crossing the next hour (applying the
 *   first's rings and restart, and capturing again, as every hour of a
 *   running engine does); each one's latency from its arrival (a
 *   stall delays every decision queued behind it), the hour's own call —
 *   wall time, and the main thread's own CPU time (`mainThreadCpuMs`: the
 *   ring worker's, which `process.cpuUsage` would add, left out) — and of
 *   it the captures, and — where rings and the propagation's restart are
 *   computed on the ring worker — how long the worker took and what the
 *   next hour's call (which applies them) took and waited;
 * - the snapshot file a restart starts from (`app/graph-snapshot-file.ts`),
 *   written as the engine writes it (`app/graph-snapshot-writer.ts`): its
 *   size, how long the copy holds the calling thread (decisions wait that
 *   long), the time until the writer thread has the file in place, and the
 *   time to read it and restore
 *   the graph (the original is let go first; a sample of measures is then
 *   compared).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PerformanceObserver } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { readGraphSnapshot } from '../src/app/graph-snapshot-file.ts'
import { GraphSnapshotWriter } from '../src/app/graph-snapshot-writer.ts'
import type { GraphEvent } from '../src/graph/graph-event.ts'
import { GraphService } from '../src/graph/graph-service.ts'
import { mainThreadCpuMs } from './cpu-usage.ts'
import { percentiles, round } from './stats.ts'

const { values: flags } = parseArgs({
  options: {
    edges: { type: 'string', default: '10000000' },
    queries: { type: 'string', default: '100000' },
    labels: { type: 'string', default: '2000' },
    'ring-edges': { type: 'string', default: '1000000' },
    'paced-rate': { type: 'string', default: '200' },
    'paced-seconds': { type: 'string', default: '90' },
    seed: { type: 'string', default: '7' },
    // ingestion and memory only: what runs of the code before and after alternate cheaply
    'ingest-only': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
  strict: true,
})
const log = (line: string) => process.stderr.write(`${line}\n`)
const targetEdges = Number(flags.edges)
const dayMs = 86_400_000
const t0 = Date.parse('2026-01-01T00:00:00Z')
const periodMs = 180 * dayMs

/** xorshift32: the generator's draws. */
let state = Number(flags.seed) >>> 0 || 1
const next = () => {
  state ^= state << 13
  state ^= state >>> 17
  state ^= state << 5
  return (state >>> 0) / 4294967296
}
/** A rank in [0, n) with P(rank < k) = (ln k / ln n)^(1/shape): Zipf's law (s = 1) at shape 1, more skewed above. */
const zipf = (n: number, shape = 1) => Math.min(n - 1, Math.floor(n ** next() ** shape) - 1)
/**
 * A 22-character key of a (kind, number), like a blind index: a fresh flat
 * string each call, made from bytes as the vault makes its own
 * (`PersonalDataVault.blindIndex`).
 */
const alphabet = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_', 'latin1')
const keyBytes = Buffer.alloc(22)
function keyOf(kind: number, n: number): string {
  let h = (Math.imul(n, 0x9e3779b1) ^ Math.imul(kind + 1, 0x85ebca77)) >>> 0
  for (let i = 0; i < 22; i++) {
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0
    h = (h + n + i) >>> 0
    keyBytes[i] = alphabet[h & 63]!
  }
  return keyBytes.toString('latin1', 0, 22)
}

// the world's size follows the edge target: about 5.5 distinct edges per user over the period
const users = Math.max(1_000, Math.round(targetEdges / 5.5))
const ipPool = Math.max(100, Math.round(users / 3))
const contactPool = Math.max(100, users)
const sharedDevices = Math.max(10, Math.round(users / 50))
const muleCards = Math.max(10, Math.round(users / 500))

function eventOf(atMs: number, user: number, fresh: boolean): GraphEvent {
  const u = fresh ? users + user : user
  const keys: GraphEvent['keys'] = { user: [keyOf(0, u)] }
  // own device mostly; 3 % on a shared one (households, farms)
  keys.device = [next() < 0.03 ? keyOf(3, 10_000_000 + zipf(sharedDevices)) : keyOf(3, u)]
  keys.ip = [keyOf(4, zipf(ipPool))]
  const kind = next()
  if (kind < 0.25) {
    // an application: phone, id number, card, address, two contacts
    keys.phone = [keyOf(2, u)]
    keys.id_number = [keyOf(1, u)]
    keys.bank_card = [next() < 0.01 ? keyOf(5, 20_000_000 + zipf(muleCards)) : keyOf(5, u)]
    keys.address = [keyOf(6, next() < 0.05 ? Math.floor(u / 2) : u)]
    keys.contacts = [keyOf(7, zipf(contactPool)), keyOf(7, (u * 7919) % contactPool)]
  }
  return { type: kind < 0.25 ? 'credit.application' : 'login', occurredAtMs: atMs, data: {}, keys }
}

let service = new GraphService({ rings: { maxEdges: Number(flags['ring-edges']) } })
const heapBefore = process.memoryUsage().heapUsed
let events = 0
let meetings = 0
let addMs = 0
let cpuAddUs = 0
const batchSize = 50_000
log(`graph bench: up to ${targetEdges.toLocaleString()} edges, ${users.toLocaleString()} users, ${ipPool.toLocaleString()} IPs`)
let lastLog = performance.now()
while (service.graph.edges.count < targetEdges) {
  // each batch spans its share of the period, in time order
  const batch: GraphEvent[] = new Array(batchSize)
  const fromMs = t0 + (periodMs * service.graph.edges.count) / targetEdges
  for (let i = 0; i < batchSize; i++) {
    batch[i] = eventOf(fromMs + (i * periodMs * 0.5) / (targetEdges / 4), Math.floor(users * next() ** 1.5), false)
    let m = 0
    for (const kind in batch[i]!.keys) if (kind !== 'user') m += batch[i]!.keys[kind as keyof GraphEvent['keys']]!.length
    meetings += m
  }
  const cpu = process.cpuUsage()
  const started = performance.now()
  for (let i = 0; i < batchSize; i++) service.add(batch[i]!)
  addMs += performance.now() - started
  const used = process.cpuUsage(cpu)
  cpuAddUs += used.user + used.system
  events += batchSize
  if (performance.now() - lastLog > 10_000) {
    lastLog = performance.now()
    log(`  ${events.toLocaleString()} events, ${service.graph.edges.count.toLocaleString()} edges, ${service.graph.nodes.count.toLocaleString()} nodes`)
  }
}
let graph = service.graph
globalThis.gc?.()
const heapAfter = process.memoryUsage().heapUsed
const edges = graph.edges.count
const bytes = graph.bytes()
const used = graph.usedBytes()
const usedBytes = used.edges + used.adjacency + used.nodes
const nowMs = graph.newestMs
log(`ingested ${events.toLocaleString()} events: ${edges.toLocaleString()} edges, ${graph.nodes.count.toLocaleString()} nodes in ${(addMs / 1000).toFixed(1)} s`)
if (flags['ingest-only']) {
  const ingest = { edges, nodes: graph.nodes.count, events, newEdgesPerSecond: round(edges / (addMs / 1000)), newEdgesPerCpuSecond: round(edges / (cpuAddUs / 1e6)), meetingsPerCpuSecond: round(meetings / (cpuAddUs / 1e6)), typedArrayBytesPerEdge: round((bytes.edges + bytes.adjacency + bytes.nodes) / edges, 1), usedBytesPerEdge: round(usedBytes / edges, 1) }
  console.log(flags.json ? JSON.stringify(ingest) : `Graph ingestion: ${edges.toLocaleString()} edges; ${ingest.newEdgesPerSecond.toLocaleString()} new edges/s, per CPU-second ${ingest.newEdgesPerCpuSecond.toLocaleString()} new edges (${ingest.meetingsPerCpuSecond.toLocaleString()} meetings); ${ingest.typedArrayBytesPerEdge} B typed arrays per edge (${ingest.usedBytesPerEdge} B in use)`)
  process.exit(0)
}

// the graph features of one decision, one at a time
const queries = Number(flags.queries)
const latencies = new Float64Array(queries)
const cpuTimes = new Float64Array(queries)
let capped = 0
let sink = 0
for (let q = 0; q < queries; q++) {
  // one in ten from a user never seen (a new applicant), the rest from existing users, busy ones more often
  const query = eventOf(nowMs + q, q % 10 === 0 ? q : Math.floor(users * next() ** 1.5), q % 10 === 0)
  const cpu = process.cpuUsage()
  const started = process.hrtime.bigint()
  const values = service.measure(query, nowMs)
  latencies[q] = Number(process.hrtime.bigint() - started) / 1000
  const used = process.cpuUsage(cpu)
  cpuTimes[q] = used.user + used.system
  capped += values.graphSearchCapped
  sink += values.graphNodes2h30d
}
const [p50, p99, p999] = percentiles(latencies, [50, 99, 99.9])
// CPU time of the process over each call (µs resolution): what the call cost without the waits another tenant's load adds to wall time
const [cpu50, cpu99] = percentiles(cpuTimes, [50, 99])
log(`measures: p50 ${p50!.toFixed(1)} µs, p99 ${p99!.toFixed(1)} µs, p99.9 ${p999!.toFixed(1)} µs (CPU p99 ${cpu99} µs); capped ${((100 * capped) / queries).toFixed(1)} % (mean 2-hop nodes ${(sink / queries).toFixed(0)})`)

// labels: one risk push each
const labelCount = Number(flags.labels)
let labelMs = 0
let work = 0
for (let l = 0; l < labelCount; l++) {
  const user = Math.floor(users * next())
  const label: GraphEvent = { type: 'label', occurredAtMs: nowMs, data: { label: 'fraud', subjectEventId: `bench-${l}` }, keys: { user: [keyOf(0, user)], device: [keyOf(3, user)] } }
  const started = performance.now()
  service.add(label)
  labelMs += performance.now() - started
  work += service.propagation.lastWork
}
log(`labels: ${((1000 * labelMs) / labelCount).toFixed(0)} µs per label, ${(work / labelCount).toFixed(0)} neighbour updates`)

// rings: a recomputation with nothing to reuse, then the next hour's: an hour of events added (the period's mean), recomputed again
// garbage collection's pauses during the ring computations: graphology's objects on a heap that already holds the node keys
let gcMs = 0
const gcObserver = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration
})
const cpuMsOf = (work: () => void) => {
  const since = process.cpuUsage()
  work()
  const used = process.cpuUsage(since)
  return (used.user + used.system) / 1000
}
gcObserver.observe({ entryTypes: ['gc'] })
// the propagation's restart from every seed runs in the same call; its CPU time is measured alone and taken off
const propagationCpuMs = cpuMsOf(() => service.propagation.recompute(service.graph))
let rings = service.rings
const ringCpuMs = cpuMsOf(() => {
  rings = service.recompute(nowMs)
}) - propagationCpuMs
log(`rings: ${rings.rings.length} from ${rings.stats.edges.toLocaleString()} edges (${rings.stats.truncated ? 'capped' : 'all of the window'}) in ${(rings.stats.ms / 1000).toFixed(1)} s (CPU ${(ringCpuMs / 1000).toFixed(1)} s)`)
const hourEvents = Math.max(1, Math.round(events / (periodMs / 3_600_000)))
for (let i = 0; i < hourEvents; i++) service.add(eventOf(nowMs + 1 + Math.floor((i * 3_600_000) / hourEvents), Math.floor(users * next() ** 1.5), false))
let nextHour = rings
const nextHourCpuMs = cpuMsOf(() => {
  nextHour = service.recompute(nowMs + 3_600_000)
}) - propagationCpuMs
// the observer hears of the pauses on a later turn of the event loop
await new Promise((resolve) => setTimeout(resolve, 100))
gcObserver.disconnect()
const { reused, computed, edgesRun } = service.communityCache
log(`rings an hour later (${hourEvents.toLocaleString()} events added): ${nextHour.rings.length} in ${(nextHour.stats.ms / 1000).toFixed(1)} s (CPU ${(nextHourCpuMs / 1000).toFixed(1)} s); Louvain run on ${computed.toLocaleString()} components (${edgesRun.toLocaleString()} edges), ${reused.toLocaleString()} reused; GC pauses over the three computations ${(gcMs / 1000).toFixed(1)} s`)

// decisions during the hour: the schedule switched on (the options are the service's own copy), one event just before the hour sets it
const hourMs = 3_600_000
const hourStart = (Math.floor((nowMs + 3_600_000) / hourMs) + 1) * hourMs
service.options.rings.everyMs = hourMs
service.add(eventOf(hourStart - 1, Math.floor(users * next() ** 1.5), false))
// where the rings went to the worker: the next hour applies them, after waiting for the worker as a live hour would
// (the fields are optional: the bench also runs on code from before the ring worker, or before the propagation's restart moved to it)
type Worked = {
  lastCaptureMs?: number
  lastApplyMs?: number
  lastDelta?: { reset: boolean; edges: number; changedEdges: number; nodes: number; changedNodes: number }
  pendingHour?: { done: boolean }
  pendingRings?: { done: boolean }
  lastComputation?: { offThread: boolean; waitedMs: number; rings: { stats: { ms: number } } }
  pendingPropagation?: { done: boolean }
  lastPropagation?: { offThread: boolean; waitedMs: number; ms: number; repushed: number }
}
const worked = service as unknown as Worked
const pending = () => worked.pendingHour ?? worked.pendingRings
const workerDone = () => !pending() || (pending()!.done && (!worked.pendingPropagation || worked.pendingPropagation.done))
// the first scheduled hour once the schedule is on (as after a start): its capture sends the ring worker the whole graph; measured, then left to finish
const firstStarted = performance.now()
const firstCpu = mainThreadCpuMs()
service.observe(eventOf(hourStart, Math.floor(users * next() ** 1.5), false))
const firstHourCpuMs = mainThreadCpuMs() - firstCpu
const firstHourMs = performance.now() - firstStarted
const firstCaptureMs = worked.lastCaptureMs ?? Number.NaN
const firstDelta = worked.lastDelta
while (!workerDone()) await sleep(50)
// the paced decisions cross the next hour: it applies the first's rings and restart and captures again, as every hour of a running engine does
const pacedHour = hourStart + hourMs
const pacedRate = Number(flags['paced-rate'])
const paced = Math.round(pacedRate * Number(flags['paced-seconds']))
const pacedLatency = new Float64Array(paced)
let boundaryMs = 0
let boundaryCpuMs = 0
const pacedStart = performance.now()
for (let k = 0; k < paced; k++) {
  const arrival = pacedStart + (k * 1000) / pacedRate
  const early = arrival - performance.now()
  if (early > 1) await sleep(early)
  const started = performance.now()
  const threadCpu = k === 0 ? mainThreadCpuMs() : 0
  // the first crosses the hour
  service.observe(eventOf(pacedHour + k, Math.floor(users * next() ** 1.5), false))
  const done = performance.now()
  if (k === 0) {
    boundaryMs = done - started
    boundaryCpuMs = mainThreadCpuMs() - threadCpu
  }
  pacedLatency[k] = done - arrival
}
const pacedMs = performance.now() - pacedStart
const pacedCaptureMs = worked.lastCaptureMs ?? Number.NaN
const pacedApplyMs = worked.lastApplyMs ?? Number.NaN
const pacedDelta = worked.lastDelta
let workerMs = Number.NaN
let restartMs = Number.NaN
let nextBoundaryMs = Number.NaN
let nextBoundaryCpuMs = Number.NaN
if (pending()) {
  while (!workerDone()) await sleep(50)
  const started = performance.now()
  const threadCpu = mainThreadCpuMs()
  service.observe(eventOf(pacedHour + hourMs, Math.floor(users * next() ** 1.5), false))
  nextBoundaryCpuMs = mainThreadCpuMs() - threadCpu
  nextBoundaryMs = performance.now() - started
  workerMs = worked.lastComputation!.rings.stats.ms
  restartMs = worked.lastPropagation?.ms ?? Number.NaN
}
function deltaText(delta: NonNullable<Worked['lastDelta']>): string {
  const what = `${delta.edges.toLocaleString()} edges and ${delta.nodes.toLocaleString()} nodes`
  return delta.reset ? `the whole graph sent: ${what}` : `sent ${what} made and ${delta.changedEdges.toLocaleString()} edges and ${delta.changedNodes.toLocaleString()} nodes changed since the last`
}
const [paced50, paced99, paced999] = percentiles(pacedLatency, [50, 99, 99.9])
const pacedMax = pacedLatency.reduce((a, b) => Math.max(a, b), 0)
log(
  `the first scheduled hour: its call ${firstHourMs.toFixed(0)} ms (main thread CPU ${firstHourCpuMs.toFixed(0)} ms), the capture ${firstCaptureMs.toFixed(0)} ms${firstDelta ? ` (${deltaText(firstDelta)})` : ''}\n` +
    `decisions during the next hour: ${paced.toLocaleString()} at ${pacedRate}/s over ${(pacedMs / 1000).toFixed(0)} s: latency p50 ${paced50!.toFixed(2)} ms, p99 ${paced99!.toFixed(1)} ms, p99.9 ${paced999!.toFixed(1)} ms, max ${pacedMax.toFixed(0)} ms; the hour's call ${boundaryMs.toFixed(0)} ms (main thread CPU ${boundaryCpuMs.toFixed(0)} ms)` +
    (pending() ? ` (the capture ${pacedCaptureMs.toFixed(0)} ms${pacedDelta ? `, ${deltaText(pacedDelta)}` : ''}${Number.isNaN(pacedApplyMs) ? '' : `; the restart applied in ${pacedApplyMs.toFixed(0)} ms`})` : '') +
    (pending() ? `; the worker's computation ${(workerMs / 1000).toFixed(1)} s` : ' (rings computed in that call)') +
    (worked.lastPropagation ? `, the propagation's restart on the worker ${(restartMs / 1000).toFixed(1)} s` : '') +
    (pending()
      ? `; the next hour's call ${nextBoundaryMs.toFixed(0)} ms (main thread CPU ${nextBoundaryCpuMs.toFixed(0)} ms; waited ${worked.lastComputation!.waitedMs.toFixed(0)} ms` +
        (worked.lastApplyMs === undefined ? '' : `; the restart applied in ${worked.lastApplyMs.toFixed(0)} ms, the capture ${worked.lastCaptureMs!.toFixed(0)} ms${worked.lastDelta ? `, ${deltaText(worked.lastDelta)}` : ''}`) +
        ')'
      : ''),
)
const snapshotDir = mkdtempSync(join(tmpdir(), 'xiezhi-graph-bench-'))
const snapshotFile = join(snapshotDir, 'graph-state.snapshot')
const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since)
  return (used.user + used.system) / 1000
}
let cpu = process.cpuUsage()
// as the engine writes it: the state copied on this thread (what decisions wait for), the file written on a worker
const writer = new GraphSnapshotWriter()
const snapshotStarted = performance.now()
const write = writer.start(snapshotFile, service, '0'.repeat(64), Date.now())!
// the copy's CPU time: what the pause costs on a core of its own (wall time adds the waits for one on a loaded machine)
const pauseCpuMs = cpuMs(cpu)
const { bytes: snapshotBytes } = await write.written
const snapshotMs = performance.now() - snapshotStarted
const snapshotCpuMs = cpuMs(cpu)
await writer.close()
// a sample of measures to compare after the restore; then the original is let go, as a restart would have it
const sample = Array.from({ length: 1_000 }, (_, q) => eventOf(nowMs + q, q % 10 === 0 ? q : Math.floor(users * next() ** 1.5), q % 10 === 0))
const sampled = JSON.stringify(sample.map((query) => service.measure(query, nowMs)))
const summary = { nodes: graph.nodes.count, bytes }
service = undefined as unknown as GraphService
graph = undefined as unknown as typeof graph
globalThis.gc?.()
cpu = process.cpuUsage()
const restoreStarted = performance.now()
const saved = readGraphSnapshot(snapshotFile)
if ('unusable' in saved) throw new Error(`the snapshot could not be read: ${saved.unusable}`)
const readMs = performance.now() - restoreStarted
const readCpuMs = cpuMs(cpu)
service = GraphService.restore(saved.state)
const restoreMs = performance.now() - restoreStarted
const restoreCpuMs = cpuMs(cpu)
rmSync(snapshotDir, { recursive: true, force: true })
const restoredSame = JSON.stringify(sample.map((query) => service.measure(query, nowMs))) === sampled
log(`snapshot: ${(snapshotBytes / 2 ** 20).toFixed(0)} MiB, decisions held ${write.copyMs.toFixed(0)} ms for the copy, written in ${snapshotMs.toFixed(0)} ms (CPU of both threads ${snapshotCpuMs.toFixed(0)} ms); read in ${readMs.toFixed(0)} ms (CPU ${readCpuMs.toFixed(0)}) and restored in ${restoreMs.toFixed(0)} ms (CPU ${restoreCpuMs.toFixed(0)}); ${restoredSame ? 'the same' : 'NOT the same'} measures after`)

const result = {
  edges,
  nodes: summary.nodes,
  events,
  ingest: {
    meetingsPerSecond: round(meetings / (addMs / 1000)),
    newEdgesPerSecond: round(edges / (addMs / 1000)),
    meetingsPerCpuSecond: round(meetings / (cpuAddUs / 1e6)),
    newEdgesPerCpuSecond: round(edges / (cpuAddUs / 1e6)),
  },
  memory: {
    typedArrayBytesPerEdge: round(bytes.edges / edges + bytes.adjacency / edges + bytes.nodes / edges, 1),
    usedBytesPerEdge: round(usedBytes / edges, 1),
    heapBytesPerEdge: round((heapAfter - heapBefore) / edges, 1),
    rssMiB: round(process.memoryUsage().rss / 2 ** 20),
  },
  measureUs: { p50: round(p50!, 1), p99: round(p99!, 1), p999: round(p999!, 1), cpuP50: cpu50!, cpuP99: cpu99!, cappedShare: round(capped / queries, 3) },
  labelPushUs: round((1000 * labelMs) / labelCount),
  rings: { ms: round(rings.stats.ms), cpuMs: round(ringCpuMs), nextHourMs: round(nextHour.stats.ms), nextHourCpuMs: round(nextHourCpuMs), propagationCpuMs: round(propagationCpuMs), nextHourComponentsRun: computed, nextHourEdgesRun: edgesRun, nextHourComponentsReused: reused, gcMs: round(gcMs), edges: rings.stats.edges, rings: rings.rings.length, truncated: rings.stats.truncated },
  duringHour: { decisions: paced, ratePerSecond: pacedRate, p50Ms: round(paced50!, 2), p99Ms: round(paced99!, 1), p999Ms: round(paced999!, 1), maxMs: round(pacedMax), boundaryMs: round(boundaryMs), boundaryThreadCpuMs: round(boundaryCpuMs), captureMs: round(pacedCaptureMs), delta: pacedDelta, applyMs: round(pacedApplyMs), firstHourMs: round(firstHourMs), firstHourThreadCpuMs: round(firstHourCpuMs), firstCaptureMs: round(firstCaptureMs), firstDelta, workerMs: round(workerMs), restartWorkerMs: round(restartMs), nextBoundaryMs: round(nextBoundaryMs), nextBoundaryThreadCpuMs: round(nextBoundaryCpuMs), nextCaptureMs: round(worked.lastCaptureMs ?? Number.NaN), nextDelta: worked.lastDelta, nextApplyMs: round(worked.lastApplyMs ?? Number.NaN) },
  snapshot: { mib: round(snapshotBytes / 2 ** 20, 1), bytesPerEdge: round(snapshotBytes / edges, 1), pauseMs: round(write.copyMs), pauseCpuMs: round(pauseCpuMs), writeMs: round(snapshotMs), writeCpuMs: round(snapshotCpuMs), readMs: round(readMs), readCpuMs: round(readCpuMs), restoreMs: round(restoreMs), restoreCpuMs: round(restoreCpuMs), sameMeasures: restoredSame },
}
if (flags.json) console.log(JSON.stringify(result))
else {
  console.log(`Graph: ${edges.toLocaleString()} edges, ${summary.nodes.toLocaleString()} nodes from ${events.toLocaleString()} synthetic events`)
  console.log(`  ingestion          ${result.ingest.meetingsPerSecond.toLocaleString()} edge meetings/s (${result.ingest.newEdgesPerSecond.toLocaleString()} new edges/s); per CPU-second ${result.ingest.meetingsPerCpuSecond.toLocaleString()} meetings, ${result.ingest.newEdgesPerCpuSecond.toLocaleString()} new edges`)
  console.log(`  memory per edge    ${result.memory.typedArrayBytesPerEdge} B typed arrays, node keys included (capacity; ${result.memory.usedBytesPerEdge} B in use) + ${result.memory.heapBytesPerEdge} B on the JS heap; RSS ${result.memory.rssMiB} MiB`)
  console.log(`  graph features     p50 ${result.measureUs.p50} µs, p99 ${result.measureUs.p99} µs, p99.9 ${result.measureUs.p999} µs per decision (CPU time p50 ${result.measureUs.cpuP50} µs, p99 ${result.measureUs.cpuP99} µs; a cap hit in ${(100 * result.measureUs.cappedShare).toFixed(1)} %)`)
  console.log(`  a label's push     ${result.labelPushUs} µs`)
  console.log(`  rings (Louvain)    ${(result.rings.ms / 1000).toFixed(1)} s (CPU ${(result.rings.cpuMs / 1000).toFixed(1)} s) over ${result.rings.edges.toLocaleString()} edges of the window${result.rings.truncated ? ' (capped)' : ''}; ${result.rings.rings} rings; an hour later ${(result.rings.nextHourMs / 1000).toFixed(1)} s (CPU ${(result.rings.nextHourCpuMs / 1000).toFixed(1)} s, Louvain on ${result.rings.nextHourComponentsRun} components of ${result.rings.nextHourEdgesRun.toLocaleString()} edges, ${result.rings.nextHourComponentsReused} reused); propagation's restart ${(result.rings.propagationCpuMs / 1000).toFixed(1)} CPU-s more`)
  console.log(`  during the hour    decisions at ${pacedRate}/s: latency from arrival p50 ${result.duringHour.p50Ms} ms, p99 ${result.duringHour.p99Ms} ms, p99.9 ${result.duringHour.p999Ms} ms, max ${result.duringHour.maxMs} ms; the hour's call ${result.duringHour.boundaryMs} ms (main thread CPU ${result.duringHour.boundaryThreadCpuMs} ms)${Number.isNaN(workerMs) ? ' (rings computed in it)' : `; rings on the worker ${(workerMs / 1000).toFixed(1)} s${Number.isNaN(restartMs) ? '' : `, the propagation's restart ${(restartMs / 1000).toFixed(1)} s`}, applied at the next hour in ${result.duringHour.nextBoundaryMs} ms (main thread CPU ${result.duringHour.nextBoundaryThreadCpuMs} ms)`}`)
  console.log(`  snapshot file      ${result.snapshot.mib} MiB (${result.snapshot.bytesPerEdge} B per edge): decisions held ${result.snapshot.pauseMs} ms (the copy; CPU ${result.snapshot.pauseCpuMs} ms), written in ${result.snapshot.writeMs} ms on the writer thread (CPU of both threads ${result.snapshot.writeCpuMs} ms); read in ${result.snapshot.readMs} ms, restored in ${result.snapshot.restoreMs} ms all told (CPU ${result.snapshot.readCpuMs} and ${result.snapshot.restoreCpuMs} ms); ${result.snapshot.sameMeasures ? 'the same' : 'NOT the same'} measures after`)
}
