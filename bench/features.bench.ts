/**
 * The feature benchmark: `npm run bench:features` (table) or
 * `npm run -s bench:features -- --json` (one JSON line).
 *
 * Online: the shipped catalogue (every feature, read then add per event, as
 * the decision path does) over a simulated population, in memory, on one
 * thread. The first events only fill the windows; the measured ones run
 * with that many live entities, timed by the clock and by the process's CPU
 * time. Memory is what the engine holds after every event (the events
 * themselves collected), over the entities seen: its heap and its typed
 * arrays' buffers (the logs' slabs, the key tables), which V8 keeps outside
 * the heap.
 */
import { parseArgs } from 'node:util'
import { deserialize, serialize } from 'node:v8'
import { loadFeatures } from '../src/app/load-definitions.ts'
import { defaultTenant } from '../src/app/open-engine.ts'
import { EventTypeRegistry } from '../src/events/event-type-registry.ts'
import { PersonalDataVault } from '../src/events/personal-data-vault.ts'
import { FeatureEngine, type ObservedEvent } from '../src/features/feature-engine.ts'
import { observedEvent } from '../src/features/observed-event.ts'
import { simulate } from '../src/simulation/simulation.ts'

const { values: flags } = parseArgs({
  options: {
    customers: { type: 'string', default: '80000' },
    days: { type: 'string', default: '30' },
    measure: { type: 'string', default: '200000' },
    json: { type: 'boolean', default: false },
  },
  strict: true,
})

const log = (line: string) => process.stderr.write(`${line}\n`)
/** The heap in use and the buffers of typed arrays, which `heapUsed` leaves out. */
const heldBytes = () => {
  const { heapUsed, arrayBuffers } = process.memoryUsage()
  return heapUsed + arrayBuffers
}
const registry = new EventTypeRegistry(() => Date.parse('2100-01-01T00:00:00Z'))
const definitions = loadFeatures(new URL('../config', import.meta.url).pathname, registry, defaultTenant)
// entity keys are blind indexes, as in the engine
const { indexKey, sealKey } = PersonalDataVault.generateKeys()
const vault = new PersonalDataVault(indexKey, sealKey)

log(`simulating ${flags.customers} customers over ${flags.days} days…`)
global.gc?.()
const heapBefore = heldBytes()
const engine = new FeatureEngine(definitions)
// the last `measure` events are kept aside and timed; every earlier one fills the windows as it comes
const measure = Number(flags.measure)
const ring: ObservedEvent[] = new Array(measure)
const entityKeys = new Set<string>()
let total = 0
for (const event of simulate({ seed: 3, days: Number(flags.days), customers: Number(flags.customers) })) {
  const slot = total++ % measure
  const warming = ring[slot]
  if (warming) {
    engine.observe(warming)
    for (const [kind, keys] of Object.entries(warming.keys)) for (const key of keys ?? []) entityKeys.add(`${kind}:${key}`)
  }
  ring[slot] = observedEvent(registry.accept(defaultTenant, event), (kind, value) => vault.blindIndex(kind, value))
}
// the ring in time order: from the oldest slot round to the newest
const kept = [...ring.slice(total % measure), ...ring.slice(0, total % measure)].filter((e) => e !== undefined)
const measured = kept.length
const warm = total - measured

const started = performance.now()
const cpuStarted = process.cpuUsage()
for (const event of kept) engine.observe(event)
const seconds = (performance.now() - started) / 1000
// CPU time of the process over the same events (the collector's helper threads included): on a shared machine,
// time spent waiting for a core does not count, so it varies less from run to run than the rate by the clock
const cpu = process.cpuUsage(cpuStarted)
const cpuSeconds = (cpu.user + cpu.system) / 1e6

// memory: the engine alone, once the events and the finished simulation are garbage
for (const event of kept) for (const [kind, keys] of Object.entries(event.keys)) for (const key of keys ?? []) entityKeys.add(`${kind}:${key}`)
const entities = entityKeys.size
entityKeys.clear()
kept.length = 0
ring.fill(undefined as never)
global.gc?.()
const { entities: logs } = engine.stats()
const heapAfter = heldBytes()

// a snapshot of that state, as the server writes it (the decisions wait while it is taken), and its restore
let t = performance.now()
const snapshotBytes = serialize(engine.snapshot())
const snapshotSeconds = (performance.now() - t) / 1000
t = performance.now()
new FeatureEngine(definitions).restore(deserialize(snapshotBytes))
const restoreSeconds = (performance.now() - t) / 1000

const result = {
  bench: 'features',
  features: engine.definitions.length,
  events: total,
  measuredEvents: measured,
  eventsPerSecond: Math.round(measured / seconds),
  microsecondsPerEvent: Math.round((seconds / measured) * 1e6 * 100) / 100,
  eventsPerCpuSecond: Math.round(measured / cpuSeconds),
  liveEntities: entities,
  entityLogs: logs,
  heapMegabytes: Math.round((heapAfter - heapBefore) / 1e5) / 10,
  bytesPerEntity: Math.round((heapAfter - heapBefore) / entities),
  heapMeasuredExactly: typeof global.gc === 'function',
  snapshotMegabytes: Math.round(snapshotBytes.length / 1e5) / 10,
  snapshotSeconds: Math.round(snapshotSeconds * 100) / 100,
  restoreSeconds: Math.round(restoreSeconds * 100) / 100,
  target: 100_000,
}
if (flags.json) console.log(JSON.stringify(result))
else {
  console.log(`features: ${result.features} features, online read-then-add, ${result.measuredEvents} events measured after ${warm} to fill the windows`)
  console.log(`  rate      ${result.eventsPerSecond} events/s (${result.microsecondsPerEvent} µs an event), ${result.eventsPerCpuSecond} events per CPU second; target ${result.target}`)
  console.log(`  live      ${result.liveEntities} entities (${result.entityLogs} with a log in memory)`)
  console.log(`  memory    ${result.heapMegabytes} MB: ${result.bytesPerEntity} B an entity${result.heapMeasuredExactly ? '' : ' (run with node --expose-gc for exact figures)'}`)
  console.log(`  snapshot  ${result.snapshotMegabytes} MB taken in ${result.snapshotSeconds} s, restored in ${result.restoreSeconds} s`)
}
