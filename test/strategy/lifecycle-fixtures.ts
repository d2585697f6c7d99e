import assert from 'node:assert/strict'
import { XiezhiError } from '../../src/core/errors.ts'
import type { RecordStore, StoredBacktest } from '../../src/decisions/record-store.ts'
import { EventTypeRegistry } from '../../src/events/event-type-registry.ts'
import { parseFeatureDefinitions } from '../../src/features/feature-definition.ts'
import type { StrategyCatalogue } from '../../src/strategy/compile-strategy.ts'
import type { DeploymentWatcher, StrategyDeployment } from '../../src/strategy/lifecycle/deployment.ts'

/** A small catalogue: two features of credit applications. */
export function smallCatalogue(): StrategyCatalogue {
  const registry = new EventTypeRegistry(() => Date.now())
  const features = parseFeatureDefinitions(
    [
      { name: 'applicationsPerDevice1h', kind: 'count', entity: 'device', eventTypes: ['credit.application'], window: '1h' },
      { name: 'applicationsPerIp1h', kind: 'count', entity: 'ip', eventTypes: ['credit.application'], window: '1h' },
    ],
    new Set(registry.list('default').map((t) => t.type)),
  )
  return { features, eventType: (t: string) => registry.find('default', t) }
}

export const reason = (code: string) => ({ code, zh: `中文 ${code}`, en: `English ${code}` })

/** A flow with a rule set and a decision table; `device` and `rows` change it. */
export function applicationDraft(options: { device?: number; extraRow?: boolean; product?: string } = {}): Record<string, unknown> {
  return {
    eventType: 'credit.application',
    ...(options.product ? { product: options.product } : {}),
    defaultAction: 'approve',
    onRuleError: 'review',
    models: [],
    flow: [
      {
        id: 'hard-rules',
        type: 'ruleSet',
        mode: 'serial',
        rules: [{ id: 'device-burst', when: `features.applicationsPerDevice1h >= ${options.device ?? 3}`, action: 'review', reason: reason('DEVICE_APPLICATION_BURST') }],
        next: { hit: 'end' },
      },
      {
        id: 'velocity',
        type: 'decisionTable',
        hitPolicy: 'first',
        inputs: [{ expression: 'features.applicationsPerIp1h' }, { expression: 'event.data.product' }],
        rows: [
          { id: 'ip-storm', when: ['>= 10', '-'], action: 'reject', reason: reason('IP_APPLICATION_STORM') },
          ...(options.extraRow ? [{ id: 'ip-burst', when: ['[5..10)', 'consumer-cash'], action: 'review', reason: reason('IP_APPLICATION_BURST') }] : []),
        ],
      },
    ],
  }
}

/** Records what it is asked (`checks`) and told (`served`); with `refuse` set, its check throws. */
export class RecordingWatcher implements DeploymentWatcher {
  readonly checks: { deployment: StrategyDeployment; documents: ReadonlyMap<number, string> }[] = []
  readonly served: StrategyDeployment[] = []
  refuse: string | undefined

  async check(deployment: StrategyDeployment, documents: ReadonlyMap<number, string>) {
    this.checks.push({ deployment, documents })
    if (this.refuse) throw new XiezhiError('invalid_input', this.refuse, [{ pointer: '/champion', code: 'cel_type_error', message: this.refuse }])
  }

  async deployed(deployment: StrategyDeployment) {
    this.served.push(deployment)
  }
}

/** Runs `work` and returns the kind of the XiezhiError it throws with each issue's pointer and code. */
export async function refusal(work: () => Promise<unknown>): Promise<string> {
  try {
    await work()
  } catch (error) {
    assert.ok(error instanceof XiezhiError, String(error))
    return `${error.kind} ${error.issues.map((i) => `${i.pointer} ${i.code}`).join(', ')}`
  }
  assert.fail('no refusal')
}

/** A backtest of a strategy version as `POST /v1/backtests` records it, ended when `status` says so. */
export async function recordBacktest(store: RecordStore, id: string, of: { strategyId: string; version: number; hash: string }, status: 'running' | 'done' | 'failed' = 'done') {
  const atMs = Date.parse('2026-11-02T00:00:00Z')
  const backtest: StoredBacktest = {
    id,
    tenantId: 'default',
    strategyId: of.strategyId,
    strategyVersion: of.version,
    strategyHash: of.hash,
    strategyDocument: '{}',
    fromMs: Date.parse('2026-10-01T00:00:00+08:00'),
    toMs: Date.parse('2026-11-01T00:00:00+08:00'),
    status: 'running',
    requestedBy: 'key:analyst',
    requestedAtMs: atMs,
    request: null,
    models: null,
    startedAtMs: atMs,
    attempts: 1,
    finishedAtMs: null,
    report: null,
    error: null,
    cancelledBy: null,
  }
  await store.createBacktest(backtest)
  const report = { events: { decided: 1200 }, approvalRate: { draft: 0.91, live: 0.93, change: -0.02 }, changed: { events: 30, rate: 0.025, transitions: [] }, ruleErrors: 0 }
  if (status === 'done') await store.finishBacktest('default', id, { status: 'done', finishedAtMs: atMs + 60_000, report: JSON.stringify(report) })
  if (status === 'failed') await store.finishBacktest('default', id, { status: 'failed', finishedAtMs: atMs + 60_000, error: 'the log could not be read' })
}
