import { Command, Option } from 'commander'
import type { BacktestView } from '../backtest/backtest-jobs.ts'
import { callServer } from './server-call.ts'

// the queue lives in the server: these commands ask one (`xiezhi backtest` runs a backtest in this process instead)
const serverOption = () => new Option('--server <url>', 'the running server whose backtests these are (its key: XIEZHI_API_KEY or the bootstrap key)').makeOptionMandatory()

/** `xiezhi backtests …`: a server's backtest jobs — the queue, one backtest's state, cancelling one. */
export function backtestsCommand(): Command {
  const backtests = new Command('backtests').description("a running server's backtests (POST /v1/backtests): list a strategy's, show one with its place in the queue or its progress, cancel a queued or running one")

  backtests
    .command('list')
    .description("a strategy's backtests, newest first")
    .requiredOption('--strategy <id>', 'the strategy id')
    .addOption(serverOption())
    .option('--json', 'one JSON line')
    .action(async (options: { strategy: string; server: string; json?: boolean }) => {
      const { body } = await callServer<{ items: BacktestView[] }>(options.server, 'GET', `/v1/backtests?strategyId=${encodeURIComponent(options.strategy)}`)
      if (options.json) return console.log(JSON.stringify(body))
      if (body.items.length === 0) return console.log('no backtests')
      for (const b of body.items) console.log(backtestLine(b))
    })

  backtests
    .command('show')
    .description('one backtest: its state, place in the queue or progress, and the report once done (with --json)')
    .argument('<id>', 'the backtest id')
    .addOption(serverOption())
    .option('--json', 'one JSON line, with the report')
    .action(async (id: string, options: { server: string; json?: boolean }) => {
      const { body } = await callServer<BacktestView>(options.server, 'GET', `/v1/backtests/${encodeURIComponent(id)}`)
      console.log(options.json ? JSON.stringify(body) : backtestLine(body))
    })

  backtests
    .command('cancel')
    .description('cancel a queued backtest, or a running one (it stops at its next page of the log)')
    .argument('<id>', 'the backtest id')
    .addOption(serverOption())
    .option('--json', 'one JSON line')
    .action(async (id: string, options: { server: string; json?: boolean }) => {
      const { body } = await callServer<BacktestView>(options.server, 'POST', `/v1/backtests/${encodeURIComponent(id)}/cancel`)
      console.log(options.json ? JSON.stringify(body) : backtestLine(body))
    })

  return backtests
}

/** One line: id, strategy version, period, and the state with what goes with it. */
export function backtestLine(b: BacktestView): string {
  const state =
    b.status === 'queued' ? `queued${b.position === undefined ? '' : ` (position ${b.position})`}`
    : b.status === 'running' ? `running${b.progress ? ` (${b.progress.phase} ${b.progress.done}/${b.progress.total} logged events, ${b.progress.decided} decided)` : ''}`
    : b.status === 'failed' ? `failed: ${b.error ?? ''}`
    : b.status === 'cancelled' ? `cancelled by ${b.cancelledBy ?? ''}`
    : 'done'
  const attempts = b.attempts > 1 ? ` · started ${b.attempts} times` : ''
  return `${b.id}  ${b.strategy.id} v${b.strategy.version}  ${b.from} → ${b.to}  ${state}  · asked by ${b.requestedBy} at ${b.requestedAt}${attempts}`
}
