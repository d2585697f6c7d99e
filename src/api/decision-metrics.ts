import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** Prometheus metrics of one server. Labels carry codes and actions, never personal data. */
export function createMetrics() {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  return {
    registry,
    latency: new Histogram({
      name: 'xiezhi_decision_latency_seconds',
      help: 'Time from receiving an event to acknowledging its durable decision',
      labelNames: ['event_type'],
      buckets: [0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    decisions: new Counter({ name: 'xiezhi_decisions_total', help: 'Decisions made, by action', labelNames: ['event_type', 'action'], registers: [registry] }),
    reasons: new Counter({ name: 'xiezhi_decision_reasons_total', help: 'Reason codes given in decisions', labelNames: ['code'], registers: [registry] }),
    rejected: new Counter({ name: 'xiezhi_events_rejected_total', help: 'Events refused before deciding, by problem status', labelNames: ['status'], registers: [registry] }),
    featureEntities: new Gauge({ name: 'xiezhi_feature_entities', help: 'Entities whose feature windows are held in memory', registers: [registry] }),
  }
}

export type DecisionMetrics = ReturnType<typeof createMetrics>
