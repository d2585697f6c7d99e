import type { NextTarget, StrategyDocument } from '../api/types.ts'

/**
 * The structure of a strategy's flow as the server reads it
 * (docs/reference/strategies.md, "The flow"; src/strategy/compile-flow.ts):
 * which node goes where, and the edits that change it. Pure functions over
 * the document, so the diagram, the drawer and the tests share one reading.
 */

export const nodeKinds = ['ruleSet', 'decisionTable', 'modelThreshold', 'split', 'output'] as const
export type NodeKind = (typeof nodeKinds)[number]
export const endOfFlow = 'end'
export const nodeIdPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/

/** A node of the flow as stored: its id, type and whatever its type holds. */
export type FlowNode = { id: string; type: NodeKind; next?: NextTarget; [key: string]: unknown }

/** Where an edge comes from: a rule-like node's next (one target, or on a hit / on no hit), or a split's branch. */
export type EdgeKind = 'next' | 'hit' | 'miss' | 'branch'

export interface FlowEdge {
  /** Index of the source node. */
  from: number
  kind: EdgeKind
  /** The branch's position, for a split. */
  branch?: number
  /** The target's id, or `end`. */
  to: string
  /** Not written in the document: the node below (or the end), as the server reads a missing next. */
  implicit: boolean
  /** Where this edge is written, as a pointer into the document (`/flow/2/next/hit`). */
  pointer: string
  /** A split branch's share. */
  share?: number
}

const ruleLike = new Set<string>(['ruleSet', 'decisionTable', 'modelThreshold'])
export const isRuleLike = (node: { type?: unknown }) => typeof node.type === 'string' && ruleLike.has(node.type)

/** The nodes in order: `flow`, or `ruleSets` read as a flow of rule sets (as the server does). */
export function nodesOf(document: StrategyDocument): FlowNode[] {
  if (Array.isArray(document.flow)) return document.flow as FlowNode[]
  return (document.ruleSets ?? []).map((set) => ({ ...set, type: 'ruleSet' }) as FlowNode)
}

/** The array the nodes live in, for pointers: `/flow` or `/ruleSets`. */
export const nodesBase = (document: StrategyDocument) => (Array.isArray(document.flow) || !Array.isArray(document.ruleSets) ? '/flow' : '/ruleSets')

/** Every edge of the flow, the implicit ones (a missing next goes to the node below) included. */
export function edgesOf(nodes: FlowNode[], base = '/flow'): FlowEdge[] {
  const edges: FlowEdge[] = []
  nodes.forEach((node, i) => {
    const at = `${base}/${i}`
    const below = nodes[i + 1]?.id ?? endOfFlow
    if (node.type === 'split') {
      const branches = Array.isArray(node.branches) ? (node.branches as { share?: number; next?: string }[]) : []
      branches.forEach((b, n) => {
        edges.push({ from: i, kind: 'branch', branch: n, to: b.next ?? endOfFlow, implicit: b.next === undefined, pointer: `${at}/branches/${n}/next`, share: b.share })
      })
      return
    }
    if (!isRuleLike(node)) return
    const next = node.next
    if (next === undefined || typeof next === 'string') {
      edges.push({ from: i, kind: 'next', to: next ?? below, implicit: next === undefined, pointer: `${at}/next` })
      return
    }
    for (const kind of ['hit', 'miss'] as const) edges.push({ from: i, kind, to: next[kind] ?? below, implicit: next[kind] === undefined, pointer: `${at}/next/${kind}` })
  })
  return edges
}

/** Targets no node of the flow has (`unknown_node` when saved). */
export const danglingTargets = (nodes: FlowNode[], edges: FlowEdge[]) => {
  const ids = new Set(nodes.map((n) => n.id))
  return [...new Set(edges.map((e) => e.to).filter((to) => to !== endOfFlow && !ids.has(to)))]
}

/**
 * Layers top to bottom: each node one below the lowest node that leads to
 * it (the longest path from the start), loops and unreachable nodes
 * tolerated, since a draft may have them until it is saved. Hand-written:
 * no layout library is installed, and a flow is a small, mostly ordered
 * graph where the longest path is the layering a reader expects.
 */
export function layersOf(count: number, edges: { from: number; to: number }[]): number[] {
  const out = Array.from({ length: count }, () => [] as number[])
  for (const e of edges) if (e.to >= 0 && e.to < count) out[e.from]!.push(e.to)
  // depth-first from the start, then from any node left unvisited; an edge back onto the current path is a loop and not followed
  const state = new Uint8Array(count)
  const order: number[] = []
  const back = new Set<string>()
  const visit = (i: number) => {
    state[i] = 1
    for (const j of out[i]!) {
      if (state[j] === 1) back.add(`${i}>${j}`)
      else if (state[j] === 0) visit(j)
    }
    state[i] = 2
    order.push(i)
  }
  for (let i = 0; i < count; i++) if (state[i] === 0) visit(i)
  const layer = new Array<number>(count).fill(0)
  for (const i of order.reverse()) for (const j of out[i]!) if (!back.has(`${i}>${j}`)) layer[j] = Math.max(layer[j]!, layer[i]! + 1)
  return layer
}

/** A node's writable `next` from its two targets: omitted when both go below, one id when they agree, else `{ hit, miss }`. */
export function nextOf(hit: string | undefined, miss: string | undefined): NextTarget | undefined {
  if (hit === undefined && miss === undefined) return undefined
  if (hit === miss) return hit
  return { ...(hit === undefined ? {} : { hit }), ...(miss === undefined ? {} : { miss }) }
}

/** The targets written in a node's `next`, on a hit and on no hit (undefined: the node below). */
export function targetsOf(node: FlowNode): { hit: string | undefined; miss: string | undefined } {
  const next = node.next
  if (next === undefined || typeof next === 'string') return { hit: next, miss: next }
  return { hit: next.hit, miss: next.miss }
}

/** A copy of the document whose nodes are these, written as `flow` (a `ruleSets` document becomes a flow of rule sets). */
export function withNodes(document: StrategyDocument, nodes: FlowNode[]): StrategyDocument {
  const { ruleSets: _, ...rest } = document
  return { ...rest, flow: nodes }
}

/** Sets where a rule-like node goes on a hit and on no hit. */
export function withTargets(document: StrategyDocument, index: number, hit: string | undefined, miss: string | undefined): StrategyDocument {
  const nodes = [...nodesOf(document)]
  const { next: _, ...node } = nodes[index]!
  const next = nextOf(hit, miss)
  nodes[index] = next === undefined ? (node as FlowNode) : { ...node, next }
  return withNodes(document, nodes)
}

/** Points one edge (as the diagram draws it) at another target. */
export function withEdgeTarget(document: StrategyDocument, edge: Pick<FlowEdge, 'from' | 'kind' | 'branch'>, to: string): StrategyDocument {
  const nodes = nodesOf(document)
  const node = nodes[edge.from]!
  if (edge.kind === 'branch') {
    const branches = (node.branches as { share: number; next: string }[]).map((b, n) => (n === edge.branch ? { ...b, next: to } : b))
    return withNode(document, edge.from, { ...node, branches })
  }
  const { hit, miss } = targetsOf(node)
  if (edge.kind === 'next') return withTargets(document, edge.from, to, to)
  return edge.kind === 'hit' ? withTargets(document, edge.from, to, miss) : withTargets(document, edge.from, hit, to)
}

/** A copy of the document with the node at `index` replaced. */
export function withNode(document: StrategyDocument, index: number, node: FlowNode): StrategyDocument {
  const nodes = [...nodesOf(document)]
  nodes[index] = node
  return withNodes(document, nodes)
}

/** What is wrong with a new node's id, or null. */
export function nodeIdProblem(nodes: FlowNode[], id: string): 'format' | 'end' | 'taken' | null {
  if (!nodeIdPattern.test(id)) return 'format'
  if (id === endOfFlow) return 'end'
  if (nodes.some((n) => n.id === id)) return 'taken'
  return null
}

const placeholderReason = { code: 'NEW_RULE', zh: '新规则（请修改）', en: 'New rule (edit me)' }

/**
 * The smallest node of a kind the server accepts, and that changes no
 * decision until it is edited: a rule that never holds, a table row that
 * never matches, a band above any probability, an even split to the end,
 * an output that keeps the action.
 */
export function minimalNode(kind: NodeKind, id: string, scores: string[]): FlowNode {
  switch (kind) {
    case 'ruleSet':
      return { id, type: kind, mode: 'serial', rules: [{ id: `${id}-1`, when: 'false', action: 'review', reason: placeholderReason }] }
    case 'decisionTable':
      return { id, type: kind, hitPolicy: 'first', inputs: [{ expression: 'false' }], rows: [{ id: `${id}-1`, when: [true], action: 'review', reason: placeholderReason }] }
    case 'modelThreshold':
      return { id, type: kind, score: scores[0] ?? '', bands: [{ id: `${id}-1`, when: '> 1', action: 'review', reason: placeholderReason }] }
    case 'split':
      return { id, type: kind, by: 'user', branches: [{ share: 50, next: endOfFlow }, { share: 50, next: endOfFlow }] }
    case 'output':
      return { id, type: kind }
  }
}

/**
 * Adds a node at the end of the flow. The last node's missing targets
 * (which went to the end) are written as `end` first, so adding a node
 * changes no path until the analyst wires it in; until then the server
 * refuses it as unreachable.
 */
export function withNewNode(document: StrategyDocument, node: FlowNode): StrategyDocument {
  const nodes = [...nodesOf(document)]
  const last = nodes.length - 1
  if (last >= 0 && isRuleLike(nodes[last]!)) {
    const { hit, miss } = targetsOf(nodes[last]!)
    const { next: _, ...rest } = nodes[last]!
    nodes[last] = { ...rest, next: nextOf(hit ?? endOfFlow, miss ?? endOfFlow) } as FlowNode
  }
  return withNodes(document, [...nodes, node])
}

/** The edges that lead to a node, written or implicit. */
export const referencesTo = (nodes: FlowNode[], id: string, base = '/flow') => edgesOf(nodes, base).filter((e) => e.to === id)

/**
 * Removes a node. What led to it keeps its target, which then names no
 * node: the diagram shows it as missing and the server refuses it
 * (`unknown_node`) until it is pointed elsewhere. Implicit edges to it (the
 * node above went on to the node below) are written out first, so they
 * too stay visible rather than silently moving to the next node.
 */
export function withoutNode(document: StrategyDocument, index: number): StrategyDocument {
  const nodes = [...nodesOf(document)]
  const id = nodes[index]!.id
  const above = index - 1
  if (above >= 0 && isRuleLike(nodes[above]!)) {
    const { hit, miss } = targetsOf(nodes[above]!)
    if (hit === undefined || miss === undefined) {
      const { next: _, ...rest } = nodes[above]!
      nodes[above] = { ...rest, next: nextOf(hit ?? id, miss ?? id) } as FlowNode
    }
  }
  nodes.splice(index, 1)
  return withNodes(document, nodes)
}

/**
 * The server's errors of the last save moved to where their nodes are now:
 * a pointer names a node by position (`/flow/3/next`), and adding or
 * removing nodes since shifts positions. Errors of a removed node go.
 */
export function errorsFollowingNodes(errors: Record<string, string>, idsThen: string[], idsNow: string[], base = '/flow'): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [pointer, message] of Object.entries(errors)) {
    const at = pointer.startsWith(`${base}/`) ? /^\/[^/]+\/(\d+)(.*)$/.exec(pointer) : null
    if (!at) {
      out[pointer] = message
      continue
    }
    const now = idsNow.indexOf(idsThen[Number(at[1])] ?? '')
    if (now >= 0) out[`${base}/${now}${at[2]}`] = message
  }
  return out
}
