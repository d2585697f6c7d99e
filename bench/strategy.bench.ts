/**
 * Strategy evaluation: `npm run bench -- strategy [--json]`.
 *
 * A 50-rule flow over the shipped feature catalogue: a serial rule set of
 * hard rules, a decision table (collect) over three velocity columns, an
 * inline logistic scorecard with its score bands, and a parallel rule set of
 * risk signals, ending at an output with an offer. Each evaluation is one
 * `Strategy.decide` on a fresh feature vector and event, as in a decision,
 * on one core. Figures: median evaluations per second over the runs, the
 * same per CPU-second this process used (which depends far less on what else
 * the machine runs), and the share of evaluations that hit at least one rule
 * (a flow that never hits would measure only the cheap path).
 */
import { parseArgs } from 'node:util'
import { loadFeatures, strategyCatalogue } from '../src/app/load-definitions.ts'
import { EventTypeRegistry } from '../src/events/event-type-registry.ts'
import { FeatureEngine } from '../src/features/feature-engine.ts'
import { compileStrategy } from '../src/strategy/compile-strategy.ts'
import type { StrategyInput } from '../src/strategy/strategy.ts'
import { median } from './stats.ts'

const { values: flags } = parseArgs({
  options: {
    evaluations: { type: 'string', default: '200000' },
    runs: { type: 'string', default: '5' },
    json: { type: 'boolean', default: false },
  },
  strict: true,
})
const log = (line: string) => process.stderr.write(`${line}\n`)

const registry = new EventTypeRegistry(() => Date.now())
const features = loadFeatures(new URL('../config', import.meta.url).pathname, registry, 'default')
const catalogue = strategyCatalogue(features, registry, 'default')
const reason = (code: string) => ({ code, zh: `原因 ${code}`, en: `Reason ${code}` })
const counts = features.filter((f) => f.kind === 'count' || f.kind === 'distinct_count').map((f) => f.name)

// 20 hard rules, 10 table rows, 4 score bands, 16 risk signals: 50 in all
const hardRules = counts.slice(0, 20).map((name, i) => ({ id: `hard-${i}`, when: `features.${name} >= ${20 + i}`, action: 'reject', reason: reason(`HARD_${i}`) }))
const columns = counts.slice(0, 3)
const tableRows = Array.from({ length: 10 }, (_, i) => ({
  id: `row-${i}`,
  when: [`>= ${3 + i}`, i % 2 === 0 ? '-' : `[${i}..${i + 10}]`, i % 3 === 0 ? '-' : `< ${5 + i}`],
  action: i < 5 ? 'review' : 'step_up',
  reason: reason(`ROW_${i}`),
}))
const signals = counts.slice(3, 19).map((name, i) => ({ id: `signal-${i}`, when: i % 4 === 0 ? `features.${name} >= ${4 + i} && event.data.amountMinor > 300000` : `features.${name} >= ${4 + i}`, action: i % 2 === 0 ? 'review' : 'step_up', reason: reason(`SIGNAL_${i}`) }))
const document = {
  id: 'bench-flow',
  version: 1,
  eventType: 'credit.application',
  defaultAction: 'approve',
  onRuleError: 'review',
  models: [{ name: 'fraud', intercept: -5, inputs: counts.slice(0, 8).map((feature, i) => ({ feature, weight: 0.2 + i * 0.05, cap: 10 })) }],
  flow: [
    { id: 'hard', type: 'ruleSet', mode: 'serial', rules: hardRules, next: { hit: 'end', miss: 'velocity' } },
    { id: 'velocity', type: 'decisionTable', hitPolicy: 'collect', inputs: columns.map((name) => ({ expression: `features.${name}` })), rows: tableRows },
    {
      id: 'score',
      type: 'modelThreshold',
      score: 'fraud',
      bands: [
        { when: '>= 0.9', action: 'reject', reason: reason('FRAUD_VERY_HIGH') },
        { when: '[0.6..0.9)', action: 'review', reason: reason('FRAUD_HIGH') },
        { when: '[0.3..0.6)', action: 'step_up', reason: reason('FRAUD_MEDIUM') },
        { when: '[0.2..0.3)', action: 'step_up', reason: reason('FRAUD_RAISED') },
      ],
    },
    { id: 'signals', type: 'ruleSet', mode: 'parallel', rules: signals },
    { id: 'offer', type: 'output', offer: { limitMinor: 'event.data.amountMinor > 5000000 ? 5000000 : event.data.amountMinor', aprBps: 'scores.fraud < 0.05 ? 1080 : 1800' } },
  ],
}
const strategy = compileStrategy(document, catalogue)
if (strategy.ruleCount !== 50) throw new Error(`the bench flow has ${strategy.ruleCount} rules, not 50`)

// inputs drawn once, outside the timed loop: small counts mostly, a tail of bursts
let seed = 42
const random = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff
  return seed / 0x80000000
}
// the feature records are the engine's own (`recordOf`), shaped as a decision gets them
const engine = new FeatureEngine(features)
const inputs: StrategyInput[] = Array.from({ length: 4096 }, (_, i) => {
  const row = Float64Array.from(features, () => Math.floor(-Math.log(1 - random()) * 3))
  return {
    event: { id: `e${i}`, type: 'credit.application', occurredAt: '2026-11-27T08:00:00Z', data: { amountMinor: Math.floor(random() * 8_000_000), termMonths: 12, product: 'consumer-cash' } },
    features: engine.recordOf(row, 0),
  }
})

const total = Number(flags.evaluations)
const rates: number[] = []
const cpuRates: number[] = []
let hit = 0
for (let i = 0; i < 20_000; i++) strategy.decide(inputs[i & 4095]!) // warm up
for (let run = 0; run < Number(flags.runs); run++) {
  hit = 0
  const started = performance.now()
  const cpu = process.cpuUsage()
  for (let i = 0; i < total; i++) if (strategy.decide(inputs[i & 4095]!).hits.length > 0) hit++
  const used = process.cpuUsage(cpu)
  const seconds = (performance.now() - started) / 1000
  rates.push(total / seconds)
  cpuRates.push(total / ((used.user + used.system) / 1e6))
  log(`run ${run + 1}: ${Math.round(total / seconds).toLocaleString('en')} evaluations/s, ${Math.round(cpuRates.at(-1)!).toLocaleString('en')} per CPU-second`)
}
const result = {
  evaluationsPerSecond: Math.round(median(rates)),
  evaluationsPerCpuSecond: Math.round(median(cpuRates)),
  rules: strategy.ruleCount,
  features: features.length,
  hitShare: Math.round((hit / total) * 1000) / 1000,
  runs: rates.length,
}
if (flags.json) console.log(JSON.stringify(result))
else {
  log(`strategy evaluation: ${result.evaluationsPerSecond.toLocaleString('en')} evaluations/s per core (median of ${result.runs}; ${result.evaluationsPerCpuSecond.toLocaleString('en')} per CPU-second), ${result.rules} rules, ${result.features} features, ${Math.round(result.hitShare * 100)} % hit a rule`)
  log('goal: 200,000 evaluations/s per core')
}
