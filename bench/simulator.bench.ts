/**
 * The simulator benchmark: `npm run bench -- simulator` (table) or
 * `npm run -s bench -- simulator --json` (one JSON line on stdout).
 *
 * Runs `xiezhi simulate` as a child process pinned to one core (taskset,
 * when the machine has it), its standard output going to a file, and takes
 * the child's own rate: events over the time from its first event to its
 * last, without Node's start-up. Each run's file is then counted and hashed,
 * so the bench also checks that the same seed gave the same bytes every
 * time.
 *
 * Why a file and not a pipe into this process: through a pipe the rate is
 * the reader's. `| cat > /dev/null` keeps up with the simulator; a Node
 * reader, taking 64 KiB per turn of its event loop, holds it back by about
 * a fifth (docs/benchmarks.md).
 */
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'

const { values: flags } = parseArgs({
  options: {
    days: { type: 'string', default: '30' },
    customers: { type: 'string', default: '50000' },
    seed: { type: 'string', default: '7' },
    runs: { type: 'string', default: '5' },
    json: { type: 'boolean', default: false },
  },
  strict: true,
})

const cli = new URL('../src/cli/main.ts', import.meta.url).pathname
const pinned = spawnSync('taskset', ['--version']).status === 0
const log = (line: string) => process.stderr.write(`${line}\n`)
const dir = mkdtempSync(join(tmpdir(), 'xiezhi-bench-simulator-'))
process.on('exit', () => rmSync(dir, { recursive: true, force: true }))

interface Run {
  events: number
  bytes: number
  sha256: string
  eventsPerSecond: number
  wallSeconds: number
}

async function runOnce(index: number): Promise<Run> {
  const file = join(dir, `events-${index}.ndjson`)
  const out = openSync(file, 'w')
  const args = ['--import', 'tsx', cli, 'simulate', '--days', flags.days, '--customers', flags.customers, '--seed', flags.seed, '--json']
  const started = performance.now()
  const child = pinned ? spawn('taskset', ['-c', '0', process.execPath, ...args], { stdio: ['ignore', out, 'pipe'] }) : spawn(process.execPath, args, { stdio: ['ignore', out, 'pipe'] })
  let summary = ''
  child.stderr!.on('data', (chunk: Buffer) => (summary += chunk.toString()))
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', resolve)
  })
  const wallSeconds = (performance.now() - started) / 1000
  closeSync(out)
  if (code !== 0) throw new Error(`xiezhi simulate exited with ${code}: ${summary}`)
  const reported = JSON.parse(summary.trim().split('\n').pop()!) as { events: number; eventsPerSecond: number }
  const hash = createHash('sha256')
  let bytes = 0
  let lines = 0
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(chunk)
    bytes += chunk.length
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++
  }
  rmSync(file)
  if (reported.events !== lines) throw new Error(`the simulator reported ${reported.events} events but wrote ${lines} lines`)
  return { events: lines, bytes, sha256: hash.digest('hex'), eventsPerSecond: reported.eventsPerSecond, wallSeconds }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const runs: Run[] = []
for (let i = 0; i < Number(flags.runs); i++) {
  runs.push(await runOnce(i))
  log(`run ${i + 1}: ${runs.at(-1)!.eventsPerSecond} events/s`)
}
const deterministic = runs.every((r) => r.sha256 === runs[0]!.sha256)
const result = {
  bench: 'simulator',
  days: Number(flags.days),
  customers: Number(flags.customers),
  seed: Number(flags.seed),
  pinnedToOneCore: pinned,
  events: runs[0]!.events,
  megabytes: Math.round(runs[0]!.bytes / 1e5) / 10,
  eventsPerSecondMedian: median(runs.map((r) => r.eventsPerSecond)),
  eventsPerSecondRuns: runs.map((r) => r.eventsPerSecond),
  wallSecondsMedian: Math.round(median(runs.map((r) => r.wallSeconds)) * 100) / 100,
  deterministic,
  target: 200_000,
}
if (flags.json) console.log(JSON.stringify(result))
else {
  console.log(`simulator: ${result.events} events (${result.megabytes} MB) for ${result.customers} customers over ${result.days} days, seed ${result.seed}`)
  console.log(`  rate        ${result.eventsPerSecondMedian} events/s median of ${runs.length} (${result.eventsPerSecondRuns.join(', ')})${pinned ? ', one core' : ''}; target ${result.target}`)
  console.log(`  wall time   ${result.wallSecondsMedian} s median, start-up included`)
  console.log(`  same bytes  ${deterministic ? 'yes, every run' : 'NO: the runs differ'}`)
}
if (!deterministic) process.exitCode = 1
