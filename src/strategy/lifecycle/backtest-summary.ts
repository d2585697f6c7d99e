import type { StoredBacktest } from '../../decisions/record-store.ts'

/**
 * What an approver sees of the backtest a submission cites: the headline
 * figures of its report (`backtest/backtest-report.ts`), not the whole of it
 * (`GET /v1/backtests/{id}` has that). Read field by field, so a report
 * without one of them still shows the rest.
 */
export interface BacktestSummary {
  id: string
  status: StoredBacktest['status']
  from: string
  to: string
  requestedBy: string
  finishedAt: string | null
  /** From the report, when the backtest is done. */
  figures: {
    decided?: unknown
    approvalRate?: unknown
    changed?: { events?: unknown; rate?: unknown; transitions?: unknown }
    reviews?: { draft?: unknown; live?: unknown }
    precision?: { draft?: unknown; live?: unknown }
    recall?: { draft?: unknown; live?: unknown }
    ruleErrors?: unknown
  } | null
  error: string | null
}

export function backtestSummary(backtest: StoredBacktest): BacktestSummary {
  return {
    id: backtest.id,
    status: backtest.status,
    from: new Date(backtest.fromMs).toISOString(),
    to: new Date(backtest.toMs).toISOString(),
    requestedBy: backtest.requestedBy,
    finishedAt: backtest.finishedAtMs === null ? null : new Date(backtest.finishedAtMs).toISOString(),
    figures: backtest.report === null ? null : figuresOf(backtest.report),
    error: backtest.error,
  }
}

function figuresOf(text: string): BacktestSummary['figures'] {
  let report: Record<string, unknown>
  try {
    report = JSON.parse(text) as Record<string, unknown>
  } catch {
    return null
  }
  const at = (...path: string[]): unknown => path.reduce<unknown>((value, key) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), report)
  const defined = <T extends Record<string, unknown>>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
  return defined({
    decided: at('events', 'decided'),
    approvalRate: at('approvalRate'),
    changed: defined({ events: at('changed', 'events'), rate: at('changed', 'rate'), transitions: at('changed', 'transitions') }),
    reviews: defined({ draft: at('reviews', 'draft'), live: at('reviews', 'live') }),
    precision: defined({ draft: at('confusion', 'draft', 'precision'), live: at('confusion', 'live', 'precision') }),
    recall: defined({ draft: at('confusion', 'draft', 'recall'), live: at('confusion', 'live', 'recall') }),
    ruleErrors: at('ruleErrors'),
  })
}
