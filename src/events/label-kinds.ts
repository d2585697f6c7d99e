/**
 * The kinds of `label` event (`data.label`): the one list the event schema
 * accepts and the graph keeps a bit of per node (`src/graph/node-labels.ts`,
 * whose mask holds up to 16). A new kind goes at the end: its place is its bit.
 */
export const labelKinds = [
  'fraud',
  'legitimate',
  'default',
  'charge_off',
  'credit_risk',
  'complaint_agent',
  'intermediary',
  'scam_victim',
  'fake_traffic',
] as const
export type LabelKind = (typeof labelKinds)[number]

export const isLabelKind = (value: unknown): value is LabelKind => typeof value === 'string' && (labelKinds as readonly string[]).includes(value)

/**
 * The label that clears a suspicion: a reviewer's finding that the event
 * was legitimate. Training reads the latest word about an event
 * (`labels-at-cutoff.ts`); the graph takes it as withdrawing the `fraud`
 * label standing on the same event.
 */
export const clearingLabel = 'legitimate'
