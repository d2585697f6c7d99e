import { parentPort, workerData } from 'node:worker_threads'
import { accumulateHistogram } from './histogram.ts'
import { COMMAND, controlSlots, DONE, END, FAILED, FROM, type HistogramWorkerData, START, STOP, TO } from './histogram-workers.ts'

/** One histogram worker: waits for a command on its control slots, sums its features' range, says done. */
const data = workerData as HistogramWorkerData
const { control, bins, rowCount, node, features, out } = data
const layout = { offsets: data.offsets, size: data.size }
const base = data.slot * controlSlots
let seen = 0
parentPort!.postMessage('ready')
for (;;) {
  Atomics.wait(control, base + COMMAND, seen)
  const command = Atomics.load(control, base + COMMAND)
  if (command === seen) continue
  if (command === STOP) break
  seen = command
  try {
    accumulateHistogram(bins, rowCount, layout, node, control[base + START]!, control[base + END]!, features, control[base + FROM]!, control[base + TO]!, out)
  } catch (error) {
    console.error(error)
    control[base + FAILED] = 1
  }
  Atomics.store(control, base + DONE, command)
  Atomics.notify(control, base + DONE)
}
