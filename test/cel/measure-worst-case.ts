/**
 * Time and memory of the worst cases in `worst-case.ts` under the default
 * budget: `node --expose-gc --import tsx test/cel/measure-worst-case.ts`.
 */
import { compileExpression } from '../../src/cel/condition.ts'
import { hostileData, strategyEnvironments, worstCases } from './worst-case.ts'

const gc = (globalThis as { gc?: () => void }).gc
const data = hostileData()
const { checking, runtime } = strategyEnvironments()
const rows: string[] = []
for (const [name, source] of Object.entries(worstCases)) {
  const compiled = compileExpression(source, checking, runtime)
  if ('ok' in compiled) throw new Error(`${name}: ${compiled.message}`)
  let worstMs = 0
  let worstHeap = 0
  let outcome = ''
  for (let run = 0; run < 5; run++) {
    gc?.()
    const heapBefore = process.memoryUsage().heapUsed
    let peak = heapBefore
    // CPU time, not wall time: the figure should not depend on what else the machine runs
    const started = process.cpuUsage()
    try {
      outcome = String(compiled.evaluate(data))
    } catch (error) {
      outcome = (error as { code?: string }).code ?? (error as Error).name
    }
    const used = process.cpuUsage(started)
    const ms = (used.user + used.system) / 1000
    peak = Math.max(peak, process.memoryUsage().heapUsed)
    if (run > 0) {
      worstMs = Math.max(worstMs, ms)
      worstHeap = Math.max(worstHeap, peak - heapBefore)
    }
  }
  rows.push(`| ${name} | ${outcome} | ${worstMs.toFixed(1)} | ${(worstHeap / 2 ** 20).toFixed(1)} |`)
}
console.log('| worst case | outcome | CPU ms (worst of 4 warm runs) | heap growth MiB |\n|---|---|---|---|')
console.log(rows.join('\n'))
