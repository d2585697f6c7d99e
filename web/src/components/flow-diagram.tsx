import { StopOutlined, WarningOutlined } from '@ant-design/icons'
import { Background, type Connection, Controls, type Edge, Handle, MarkerType, type Node, type NodeProps, Position, ReactFlow } from '@xyflow/react'
import '@xyflow/react/dist/style.css'
import { useTranslation } from 'react-i18next'
import type { CSSProperties } from 'react'
import type { StrategyDocument } from '../api/types.ts'
import { kindLooks, summaryOf, unknownLook } from './flow-node-looks.tsx'
import { errorsAt, type PointerErrors } from './flow-node-parts.tsx'
import { danglingTargets, type EdgeKind, edgesOf, endOfFlow, type FlowEdge, type FlowNode, isRuleLike, layersOf, nodesBase, nodesOf } from './flow-structure.ts'

interface BoxData extends Record<string, unknown> {
  index: number
  node: FlowNode
  errors: string[]
  step: number | null
  dimmed: boolean
  onOpen?: (index: number) => void
}
interface MarkData extends Record<string, unknown> {
  label: string
  missing: boolean
  reached: boolean
}

/** A node of the flow: kind, id, what it does, its errors; one handle per way out, to drag to another node. */
function FlowBox({ data }: NodeProps<Node<BoxData>>) {
  const { t } = useTranslation()
  const { node, index, errors, step, dimmed, onOpen } = data
  const look = kindLooks[node.type] ?? unknownLook
  const kind = node.type in kindLooks ? t(`flowDiagram.kind.${node.type}`) : String(node.type)
  // a hit leaves on the right (most hits end the flow, and the end sits to the right), the rest from the bottom
  const ways: { id: EdgeKind | `branch-${number}`; position: Position; style: CSSProperties }[] =
    node.type === 'split'
      ? ((node.branches as unknown[] | undefined) ?? []).map((_, n, all) => ({ id: `branch-${n}` as const, position: Position.Bottom, style: { left: `${((n + 1) / (all.length + 1)) * 100}%` } }))
      : isRuleLike(node)
        ? [
            { id: 'hit', position: Position.Right, style: {} },
            { id: 'next', position: Position.Bottom, style: { left: '60%' } },
            { id: 'miss', position: Position.Bottom, style: { left: '30%' } },
          ]
        : []
  const classes = ['flow-box', errors.length > 0 ? 'flow-box-error' : '', step !== null ? 'flow-box-visited' : '', dimmed ? 'flow-box-dimmed' : ''].filter(Boolean).join(' ')
  return (
    <div className={classes} style={{ borderTopColor: look.color }} data-testid={`flow-node-${node.id}`} data-visited={step !== null}>
      {index > 0 && <Handle type="target" position={Position.Top} />}
      <button type="button" className="flow-box-open nodrag" aria-label={t('flowDiagram.openNode', { node: node.id, kind })} onClick={() => onOpen?.(index)}>
        <span className="flow-box-kind" style={{ color: look.color }}>
          {look.icon} {kind}
          {index === 0 && <span className="flow-box-start"> · {t('flowDiagram.start')}</span>}
          {step !== null && <span className="flow-box-step">{step}</span>}
        </span>
        <span className="flow-box-id mono">{node.id}</span>
        <span className="flow-box-summary">{summaryOf(t, node)}</span>
        {errors.length > 0 && (
          <span className="flow-box-problem" data-testid={`flow-node-error-${node.id}`}>
            <WarningOutlined /> {errors.join('; ')}
          </span>
        )}
      </button>
      {ways.map((w) => (
        <Handle key={w.id} type="source" id={w.id} position={w.position} style={w.style} className={`flow-handle-${w.id.startsWith('branch') ? 'branch' : w.id}`} />
      ))}
    </div>
  )
}

/** The end of the flow, or a target no node has. */
function FlowMark({ data }: NodeProps<Node<MarkData>>) {
  return (
    <div className={`flow-mark${data.missing ? ' flow-mark-missing' : ''}${data.reached ? ' flow-box-visited' : ''}`} data-testid={data.missing ? `flow-missing-${data.label}` : 'flow-end'}>
      <Handle type="target" position={Position.Top} />
      {data.missing ? <WarningOutlined /> : <StopOutlined />} {data.label}
    </div>
  )
}

const nodeTypes = { box: FlowBox, mark: FlowMark }
const boxWidth = 240
const columnGap = 60
const rowHeight = 150
const endId = 'end'
const missingId = (name: string) => `missing:${name}`
const boxId = (index: number) => `node:${index}`

export interface FlowDiagramProps {
  document: StrategyDocument
  errors?: PointerErrors
  /** The nodes a decision went through, in order: highlighted and numbered. */
  path?: string[]
  /** Edges may be dragged to other nodes. */
  editable?: boolean
  onOpen?: (index: number) => void
  /** An edge was dragged (or reconnected) to another target: a node id or `end`. */
  onRetarget?: (edge: Pick<FlowEdge, 'from' | 'kind' | 'branch'>, to: string) => void
}

/**
 * A strategy's flow as a diagram (决策流): each node a box, each way out an
 * edge labelled next, hit, miss or the branch's share; laid out top to
 * bottom in layers. Edges drawn dashed are not written in the document: the
 * node goes on to the one below it.
 */
export default function FlowDiagram({ document, errors = {}, path, editable = false, onOpen, onRetarget }: FlowDiagramProps) {
  const { t } = useTranslation()
  const nodes = nodesOf(document)
  const base = nodesBase(document)
  const edges = edgesOf(nodes, base)
  const missing = danglingTargets(nodes, edges)
  const indexOf = new Map(nodes.map((n, i) => [n.id, i]))
  // graph positions: the flow's nodes, then the end, then the targets that are missing
  const position = (to: string) => (to === endOfFlow ? nodes.length : (indexOf.get(to) ?? nodes.length + 1 + missing.indexOf(to)))
  const layer = layersOf(nodes.length + 1 + missing.length, edges.map((e) => ({ from: e.from, to: position(e.to) })))
  const deepest = Math.max(0, ...layer.slice(0, nodes.length), ...layer.slice(nodes.length + 1))
  layer[nodes.length] = deepest + 1
  const rows = new Map<number, number[]>()
  layer.forEach((l, i) => {
    rows.set(l, [...(rows.get(l) ?? []), i])
  })
  const xy = (i: number) => {
    const row = rows.get(layer[i]!)!
    return { x: (row.indexOf(i) - (row.length - 1) / 2) * (boxWidth + columnGap), y: layer[i]! * rowHeight }
  }

  // the end sits below and to the right of everything: edges to it from high up then pass beside the boxes, not behind them
  const widest = Math.max(0, ...[...rows.entries()].filter(([l]) => l !== layer[nodes.length]).map(([, row]) => (row.length - 1) / 2))
  const endAt = { x: (widest + 1) * (boxWidth + columnGap), y: layer[nodes.length]! * rowHeight }
  const visited = new Map<string, number>()
  const taken = new Set<string>()
  path?.forEach((id, step) => {
    visited.set(id, step + 1)
    taken.add(`${id}>${path[step + 1] ?? endOfFlow}`)
  })
  const ended = path !== undefined && path.length > 0

  const flowNodes: Node[] = [
    ...nodes.map(
      (node, i): Node<BoxData> => ({
        id: boxId(i),
        type: 'box',
        position: xy(i),
        data: { index: i, node, errors: errorsAt(errors, `${base}/${i}`), step: visited.get(node.id) ?? null, dimmed: path !== undefined && !visited.has(node.id), onOpen },
        style: { width: boxWidth },
      }),
    ),
    { id: endId, type: 'mark', position: endAt, data: { label: t('flowEditor.endOfFlow'), missing: false, reached: ended } },
    ...missing.map((name, m) => ({ id: missingId(name), type: 'mark', position: xy(nodes.length + 1 + m), data: { label: name, missing: true, reached: false } })),
  ]
  const label = (e: FlowEdge) => {
    const kind = e.kind === 'branch' ? t('flowDiagram.edge.branch', { n: (e.branch ?? 0) + 1, share: e.share ?? '?' }) : t(`flowDiagram.edge.${e.kind}`)
    return e.implicit ? t('flowDiagram.edge.below', { kind }) : kind
  }
  const flowEdges: Edge[] = edges.map((e) => {
    const target = e.to === endOfFlow ? endId : indexOf.has(e.to) ? boxId(indexOf.get(e.to)!) : missingId(e.to)
    const onPath = taken.has(`${nodes[e.from]!.id}>${e.to}`)
    const dangling = target.startsWith('missing:')
    return {
      id: `${e.from}:${e.kind}:${e.branch ?? ''}`,
      source: boxId(e.from),
      sourceHandle: e.kind === 'branch' ? `branch-${e.branch}` : e.kind,
      target,
      label: label(e),
      data: { from: e.from, kind: e.kind, branch: e.branch },
      reconnectable: editable ? 'target' : false,
      animated: onPath,
      className: [`flow-edge-${e.kind}`, e.implicit ? 'flow-edge-implicit' : '', onPath ? 'flow-edge-taken' : '', dangling ? 'flow-edge-dangling' : ''].filter(Boolean).join(' '),
      markerEnd: { type: MarkerType.ArrowClosed },
    }
  })
  const targetOf = (id: string | null) => (id === endId ? endOfFlow : id?.startsWith('node:') ? nodes[Number(id.slice(5))]?.id : undefined)
  const retarget = (source: string, handle: string | null | undefined, target: string | null) => {
    const to = targetOf(target)
    if (!onRetarget || to === undefined || !handle) return
    const from = Number(source.slice(5))
    if (handle.startsWith('branch-')) onRetarget({ from, kind: 'branch', branch: Number(handle.slice(7)) }, to)
    else onRetarget({ from, kind: handle as EdgeKind }, to)
  }
  const height = Math.min(900, Math.max(320, (deepest + 2) * rowHeight + 40))
  return (
    <figure className="flow-diagram" style={{ height }} aria-label={t('flowDiagram.canvasLabel', { nodes: nodes.length, edges: edges.length })} data-testid="flow-diagram">
      <ReactFlow
        nodes={flowNodes}
        edges={flowEdges}
        nodeTypes={nodeTypes}
        fitView
        fitViewOptions={{ padding: 0.15 }}
        minZoom={0.2}
        nodesDraggable={false}
        nodesFocusable={false}
        edgesFocusable={false}
        nodesConnectable={editable}
        elementsSelectable={editable}
        onConnect={(c: Connection) => retarget(c.source, c.sourceHandle, c.target)}
        onReconnect={(old: Edge, c: Connection) => retarget(old.source, old.sourceHandle, c.target)}
      >
        <Background gap={20} />
        <Controls showInteractive={false} />
      </ReactFlow>
    </figure>
  )
}
