/**
 * `npm run bench -- [decisions|simulator|backtest|strategy|models|graph|review-desk|ring-ids] [flags]`: picks a benchmark;
 * decisions when none is named.
 */
const suites = { decisions: './decisions.bench.ts', simulator: './simulator.bench.ts', backtest: './backtest.bench.ts', strategy: './strategy.bench.ts', models: './models.bench.ts', graph: './graph.bench.ts', 'review-desk': './review-desk.bench.ts', 'ring-ids': './ring-ids.bench.ts' } as const
const named = process.argv[2] as keyof typeof suites | undefined
const suite = named && named in suites ? named : 'decisions'
if (named === suite) process.argv.splice(2, 1)
await import(suites[suite])
