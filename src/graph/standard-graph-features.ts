import type { FeatureDeclaration } from '../features/declare-features.ts'
import type { FeatureDefinition } from '../features/feature-definition.ts'
import { parseFeatureDefinitions } from '../features/feature-definition.ts'
import { compileFeatureExpressions } from '../features/feature-expressions.ts'

/**
 * The graph features `config/features.yaml` ships with (docs/graph.md,
 * "Measures for a decision"): what a graph measures when it is given no
 * declarations (a test, an evaluation, the benchmark). The engine, its
 * backtests and backfills measure what the feature library declares
 * instead; `test/graph/graph-measures.test.ts` checks the shipped file
 * declares these.
 */
export const standardGraphDeclarations: readonly FeatureDeclaration[] = [
  { name: 'graphNodes2h30d', kind: 'graph', measure: 'neighbourhood_nodes', hops: 2, window: '30d' },
  { name: 'graphUsers2h30d', kind: 'graph', measure: 'neighbourhood_nodes', hops: 2, window: '30d', of: 'user' },
  { name: 'riskUsers2h30d', kind: 'graph', measure: 'labelled_nodes', hops: 2, window: '30d', of: 'user' },
  { name: 'riskNodes2h30d', kind: 'graph', measure: 'labelled_nodes', hops: 2, window: '30d' },
  { name: 'usersPerDevice', kind: 'graph', measure: 'shared_users', entity: 'device' },
  { name: 'usersPerPhone', kind: 'graph', measure: 'shared_users', entity: 'phone' },
  { name: 'usersPerContact', kind: 'graph', measure: 'shared_users', entity: 'contacts' },
  { name: 'usersPerIp', kind: 'graph', measure: 'shared_users', entity: 'ip' },
  { name: 'usersPerBankCard', kind: 'graph', measure: 'shared_users', entity: 'bank_card' },
  { name: 'usersPerIdNumber', kind: 'graph', measure: 'shared_users', entity: 'id_number' },
  { name: 'usersPerAddress', kind: 'graph', measure: 'shared_users', entity: 'address' },
  { name: 'componentNodes', kind: 'graph', measure: 'component_nodes' },
  { name: 'ringRisk', kind: 'graph', measure: 'ring_risk' },
  { name: 'ringUsers', kind: 'graph', measure: 'ring_users' },
  { name: 'ringGrowth7d', kind: 'graph', measure: 'ring_growth' },
  { name: 'propagatedRisk', kind: 'graph', measure: 'propagated_risk' },
  { name: 'graphSearchCapped', kind: 'graph', measure: 'search_capped', hops: 2, window: '30d' },
]

/** Graph declarations as definitions, checked and typed like the feature library's (they read no event type, so need none). */
export function graphDefinitions(declarations: readonly FeatureDeclaration[] | unknown): FeatureDefinition[] {
  const definitions = parseFeatureDefinitions(declarations, new Set())
  compileFeatureExpressions(definitions, () => undefined)
  return definitions
}

/** `standardGraphDeclarations`, as definitions. */
export const standardGraphFeatures: readonly FeatureDefinition[] = graphDefinitions(standardGraphDeclarations)
