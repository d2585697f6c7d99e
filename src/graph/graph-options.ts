import { invalidInput, type FieldIssue } from '../core/errors.ts'
import { entityKinds } from '../events/entities.ts'
import { defaultLabelledKinds, defaultRiskLabels, labelKinds } from './node-labels.ts'

const dayMs = 86_400_000

/**
 * How the graph measures a decision's event; every search is capped so that
 * a hub cannot blow up its cost. What is measured, over which hops and
 * windows, the feature library declares (`kind: graph`).
 */
export interface MeasureOptions {
  /** The window of a ring's growth: users first seen within it are its new members (7 days). */
  growthWindowMs: number
  /** Most nodes a neighbourhood search finds (500); its counts stop there. */
  maxNodes: number
  /** Most adjacency entries it reads in all (2,048). */
  maxEdges: number
  /** Most entries it reads at one node, newest first (128): a shared IP of thousands is sampled, not walked. */
  maxEdgesPerNode: number
  /**
   * A node of one of `hubKinds` with more links than this (all time, 200)
   * is a hub: a decision's search counts it when it reaches it but does not
   * walk through it, and its propagated risk is not the event's. The
   * applicant's own node is always walked.
   */
  hubDegree: number
  /**
   * The kinds whose sharing says nothing of the people who share (IP: a
   * carrier's NAT, a public Wi-Fi). A device, phone, card, address or
   * contact shared by hundreds is itself the signal (a device farm, an
   * intermediary's address), so they are walked whatever their degree.
   */
  hubKinds: string[]
}

/** Risk propagation: personalised PageRank by forward push (`propagation.ts`). */
export interface PropagationOptions {
  /** Probability of jumping back to a labelled node at each step (0.15). */
  alpha: number
  /** Residual per unit of degree below which a node is not pushed (1e-4): the error bound. */
  epsilon: number
}

/** Rings: communities (Louvain) over a window of the graph (`communities.ts`). */
export interface RingOptions {
  /** Edges last seen within this window take part (90 days). */
  windowMs: number
  /** Nodes with more neighbours than this in the window are left out (a hub would glue unrelated people together) (200). */
  hubDegree: number
  /** At most this many of the window's edges, newest first (2,000,000): bounds the time and memory of a recomputation. */
  maxEdges: number
  /** Louvain's resolution (1): higher gives smaller communities. */
  resolution: number
  /** Fewest users in a community that is called a ring (3). */
  minUsers: number
  /** Pseudo-count of the ring risk's prior: risk = (risky users + k · base rate) / (users + k) (2). */
  priorWeight: number
  /** Seed of Louvain's random order: the same graph gives the same rings. */
  seed: number
  /**
   * Recompute rings and propagation when an event's time crosses a multiple
   * of this (event time, so a rebuild from the log recomputes at the same
   * events and ends identical); 0: only when `recompute` is called.
   */
  everyMs: number
}

export interface GraphOptions {
  /** Labels that make a node risky (fraud, intermediary, complaint_agent). */
  riskLabels: string[]
  /**
   * The kinds of node a label marks, of those its event names (user,
   * id_number, phone, device, bank_card): the person and what they own or
   * control — not, by default, the IP, the contacts' phones or the address.
   */
  labelledKinds: string[]
  measure: MeasureOptions
  propagation: PropagationOptions
  rings: RingOptions
}

export const defaultGraphOptions: GraphOptions = {
  riskLabels: [...defaultRiskLabels],
  labelledKinds: [...defaultLabelledKinds],
  measure: { growthWindowMs: 7 * dayMs, maxNodes: 500, maxEdges: 2_048, maxEdgesPerNode: 128, hubDegree: 200, hubKinds: ['ip'] },
  propagation: { alpha: 0.15, epsilon: 1e-4 },
  rings: { windowMs: 90 * dayMs, hubDegree: 200, maxEdges: 2_000_000, resolution: 1, minUsers: 3, priorWeight: 2, seed: 1, everyMs: 0 },
}

export type GraphOptionsInput = { riskLabels?: string[]; labelledKinds?: string[]; measure?: Partial<MeasureOptions>; propagation?: Partial<PropagationOptions>; rings?: Partial<RingOptions> }

/** The defaults overridden by `input`, checked: a refusal names every offending field. */
export function graphOptions(input: GraphOptionsInput = {}): GraphOptions {
  const options: GraphOptions = {
    riskLabels: input.riskLabels ?? defaultGraphOptions.riskLabels,
    labelledKinds: input.labelledKinds ?? defaultGraphOptions.labelledKinds,
    measure: { ...defaultGraphOptions.measure, ...input.measure },
    propagation: { ...defaultGraphOptions.propagation, ...input.propagation },
    rings: { ...defaultGraphOptions.rings, ...input.rings },
  }
  const issues: FieldIssue[] = []
  const positive = (pointer: string, value: number, integer = false) => {
    if (!(value > 0 && Number.isFinite(value)) || (integer && !Number.isInteger(value)))
      issues.push({ pointer, code: 'out_of_range', message: `must be a positive ${integer ? 'whole number' : 'number'}` })
  }
  for (const [name, value] of Object.entries(options.measure)) if (name !== 'hubKinds') positive(`/measure/${name}`, value as number, name.startsWith('max') || name === 'hubDegree')
  if (!Array.isArray(options.measure.hubKinds)) issues.push({ pointer: '/measure/hubKinds', code: 'invalid_type', message: 'must be a list of entity kinds' })
  else
    options.measure.hubKinds.forEach((kind, i) => {
      if (!(entityKinds as readonly string[]).includes(kind)) issues.push({ pointer: `/measure/hubKinds/${i}`, code: 'invalid_value', message: `not an entity kind (${entityKinds.join(', ')})` })
    })
  for (const name of ['windowMs', 'hubDegree', 'maxEdges', 'resolution', 'minUsers'] as const) positive(`/rings/${name}`, options.rings[name], name === 'hubDegree' || name === 'maxEdges' || name === 'minUsers')
  if (!(options.rings.priorWeight >= 0)) issues.push({ pointer: '/rings/priorWeight', code: 'out_of_range', message: 'must be 0 or more' })
  if (!(options.rings.everyMs >= 0)) issues.push({ pointer: '/rings/everyMs', code: 'out_of_range', message: 'must be 0 (off) or a positive number of milliseconds' })
  if (!(options.propagation.alpha > 0 && options.propagation.alpha < 1)) issues.push({ pointer: '/propagation/alpha', code: 'out_of_range', message: 'must be above 0 and below 1' })
  positive('/propagation/epsilon', options.propagation.epsilon)
  options.riskLabels.forEach((label, i) => {
    if (!(labelKinds as readonly string[]).includes(label)) issues.push({ pointer: `/riskLabels/${i}`, code: 'invalid_value', message: `not a label kind (${labelKinds.join(', ')})` })
  })
  options.labelledKinds.forEach((kind, i) => {
    if (!(entityKinds as readonly string[]).includes(kind)) issues.push({ pointer: `/labelledKinds/${i}`, code: 'invalid_value', message: `not an entity kind (${entityKinds.join(', ')})` })
  })
  if (issues.length > 0) throw invalidInput('The graph options have errors', issues)
  return options
}
