import type { EntityKind } from '../events/entities.ts'
import type { FeatureDescription } from '../features/feature-catalogue.ts'
import { graphFeatureCelTypes } from './graph-feature-types.ts'
import { type GraphFeatureName, type GraphFeatureValues, graphFeatureNames } from './graph-measures.ts'
import type { GraphService } from './graph-service.ts'

/** What each measure is, and over what time (docs/graph.md, "Measures for a decision"). */
const graphFeatureText: Readonly<Record<GraphFeatureName, { window: string; description: string }>> = {
  graphNodes2h30d: { window: '30d', description: 'Other nodes (entities) within 2 hops of the applicant, over links last seen in 30 days (a lower bound when graphSearchCapped is 1)' },
  graphUsers2h30d: { window: '30d', description: 'Other users within 2 hops of the applicant, over links last seen in 30 days' },
  riskUsers2h30d: { window: '30d', description: "Users within 2 hops with a risk label (fraud, intermediary, complaint agent), the applicant's own node included" },
  riskNodes2h30d: { window: '30d', description: 'Nodes of any kind within 2 hops with a risk label' },
  usersPerDevice: { window: 'all time', description: "Distinct other users who have used the event's device" },
  usersPerPhone: { window: 'all time', description: "Distinct other users linked to the event's phone" },
  usersPerContact: { window: 'all time', description: "Distinct other users naming one of the event's contact phones (the most over its contacts)" },
  usersPerIp: { window: 'all time', description: "Distinct other users seen from the event's IP" },
  usersPerBankCard: { window: 'all time', description: "Distinct other users of the event's bank card" },
  usersPerIdNumber: { window: 'all time', description: "Distinct other users linked to the event's id number" },
  usersPerAddress: { window: 'all time', description: "Distinct other users at the event's address" },
  componentNodes: { window: 'all time', description: 'Nodes of the connected component(s) the event joins' },
  ringRisk: { window: '90d', description: "Risk of the riskiest ring (community of 3 or more users, recomputed every hour of event time) among the event's nodes: its labelled share, shrunk towards the base rate" },
  ringUsers: { window: '90d', description: 'Users of that ring' },
  ringGrowth7d: { window: '7d', description: "Share of that ring's users first seen in the last 7 days" },
  propagatedRisk: { window: 'all time', description: "Highest risk propagated from labelled nodes (personalised PageRank) among the event's nodes" },
  graphSearchCapped: { window: '30d', description: '1 when a cap cut the 2-hop search short (the 2-hop counts are then lower bounds)' },
}

/**
 * A graph measure as the feature catalogue shows it, beside the feature
 * library's definitions: kind `graph`, its CEL type, the time it covers and
 * the strategies that read it. It reads every event type; it has no
 * recorded versions (it changes with the software, not the configuration).
 */
export function describeGraphFeature(name: GraphFeatureName, strategies: Iterable<{ id: string; version: number; featuresRead: ReadonlySet<string> }>): FeatureDescription {
  const { window, description } = graphFeatureText[name]
  return {
    name,
    kind: 'graph',
    type: graphFeatureCelTypes[name],
    eventTypes: [],
    window,
    includesEvent: false,
    description,
    usedBy: [...strategies].filter((s) => s.featuresRead.has(name)).map((s) => ({ strategy: s.id, version: s.version })),
  }
}

/** Every graph measure, described, in their fixed order. */
export const describeGraphFeatures = (strategies: Iterable<{ id: string; version: number; featuresRead: ReadonlySet<string> }>): FeatureDescription[] => {
  const list = [...strategies]
  return graphFeatureNames.map((name) => describeGraphFeature(name, list))
}

export const isGraphFeature = (name: string): name is GraphFeatureName => Object.hasOwn(graphFeatureText, name)

/** A user key no event can carry (blind indexes are never empty): the applicant the graph has never seen. */
const unseenUser = ''

/**
 * An entity's graph measures now: those of a hypothetical event at `atMs`
 * naming only it — for a user, that user applying; for any other kind, a
 * new applicant presenting it (so `usersPerDevice` of a device is how many
 * users it has served). Nothing changes in the graph.
 */
export function entityGraphValues(graph: GraphService, kind: EntityKind, key: string, atMs: number): GraphFeatureValues {
  const keys = kind === 'user' ? { user: [key] } : { user: [unseenUser], [kind]: [key] }
  return graph.measure({ type: 'entity', occurredAtMs: atMs, data: {}, keys })
}
