import cytoscape, { type Core, type ElementDefinition } from 'cytoscape'
import { Space, Tag, Typography } from 'antd'
import { useEffect, useRef } from 'react'
import { useTranslation } from 'react-i18next'
import type { EntityKind, GraphEdge, GraphNode } from '../api/types.ts'

/** One colour per entity kind, the same on the canvas, the legend and the lists. */
export const kindColours: Record<EntityKind, string> = {
  user: '#1f5fa8',
  id_number: '#7b3fa0',
  phone: '#2a9d8f',
  device: '#e09f3e',
  ip: '#8d99ae',
  bank_card: '#b5838d',
  address: '#6a994e',
  contacts: '#457b9d',
  equipment: '#bc6c25',
  terminal: '#5e548e',
}

/** Ring halos: a ring's id picks one, so two rings side by side look different. */
const ringColours = ['#f4a261', '#9b5de5', '#00bbf9', '#f15bb5', '#00f5d4', '#fee440']
export const ringColour = (ringId: number) => ringColours[ringId % ringColours.length]!
const riskBorder = '#d62828'

/** A node carries a risk label (fraud, intermediary, complaint agent): drawn with a thick red border. */
export const isFlagged = (node: GraphNode) => node.riskLabels > 0

const elementsOf = (nodes: readonly GraphNode[], edges: readonly GraphEdge[], centre: number | null, kindName: (kind: EntityKind) => string): ElementDefinition[] => [
  ...nodes.map((node) => ({
    group: 'nodes' as const,
    data: {
      id: String(node.id),
      label: `${kindName(node.kind)} ${node.keyPrefix.slice(0, 4)}`,
      colour: kindColours[node.kind] ?? '#999',
      ring: node.ring ? ringColour(node.ring.id) : 'transparent',
    },
    classes: [isFlagged(node) ? 'flagged' : '', node.ring ? 'in-ring' : '', node.id === centre ? 'centre' : ''].filter(Boolean).join(' '),
  })),
  ...edges.map((edge) => ({
    group: 'edges' as const,
    data: { id: `${edge.source}-${edge.target}`, source: String(edge.source), target: String(edge.target), width: 1 + Math.min(8, Math.log2(edge.count)) * 1.5 },
  })),
]

/**
 * The graph drawn with cytoscape: colour by kind, a red border for risk
 * labels, a halo in the ring's colour for ring members, edge width by the
 * events the pair met in. A tap selects, a double tap expands. The canvas
 * is not keyboard usable: every page that shows it lists the same nodes
 * and edges beside it.
 */
export function GraphCanvas({
  nodes,
  edges,
  centre,
  selected,
  onSelect,
  onExpand,
  height = 520,
}: {
  nodes: readonly GraphNode[]
  edges: readonly GraphEdge[]
  centre: number | null
  selected: number | null
  onSelect: (id: number) => void
  onExpand?: (id: number) => void
  height?: number
}) {
  const { t } = useTranslation()
  const container = useRef<HTMLDivElement>(null)
  const cy = useRef<Core | null>(null)
  const handlers = useRef({ onSelect, onExpand })
  handlers.current = { onSelect, onExpand }

  useEffect(() => {
    const instance = cytoscape({
      container: container.current,
      minZoom: 0.2,
      maxZoom: 3,
      style: [
        {
          selector: 'node',
          style: {
            'background-color': 'data(colour)',
            label: 'data(label)',
            'font-size': 9,
            color: '#333',
            'text-valign': 'bottom',
            'text-margin-y': 3,
            width: 22,
            height: 22,
            'border-width': 1,
            'border-color': '#fff',
          },
        },
        { selector: 'node.in-ring', style: { 'underlay-color': 'data(ring)', 'underlay-opacity': 0.45, 'underlay-padding': 7, 'underlay-shape': 'ellipse' } },
        { selector: 'node.flagged', style: { 'border-width': 4, 'border-color': riskBorder } },
        { selector: 'node.centre', style: { width: 32, height: 32, 'font-weight': 'bold' } },
        { selector: 'node:selected', style: { 'overlay-color': '#1f5fa8', 'overlay-opacity': 0.25, 'overlay-padding': 6 } },
        { selector: 'edge', style: { width: 'data(width)', 'line-color': '#b8c2cc', 'curve-style': 'bezier' } },
      ],
    })
    instance.on('tap', 'node', (event) => handlers.current.onSelect(Number(event.target.id())))
    instance.on('dbltap', 'node', (event) => handlers.current.onExpand?.(Number(event.target.id())))
    cy.current = instance
    return () => {
      instance.destroy()
      cy.current = null
    }
  }, [])

  useEffect(() => {
    const instance = cy.current
    if (!instance) return
    // a node drawn before keeps its place: a redraw with the same nodes (new figures, a re-render) moves nothing
    const placed = new Map(instance.nodes().map((n) => [n.id(), { ...n.position() }]))
    const before = new Set(placed.keys())
    instance.batch(() => {
      instance.elements().remove()
      instance.add(elementsOf(nodes, edges, centre, (kind) => t(`entity.${kind}`)).map((element) => (element.group === 'nodes' && placed.has(element.data.id!) ? { ...element, position: placed.get(element.data.id!)! } : element)))
    })
    // new nodes only move: an expansion keeps what the investigator already looked at in place
    const fresh = instance.nodes().filter((n) => !before.has(n.id()))
    const layout = before.size === 0 ? instance.layout({ name: 'cose', animate: false, randomize: false, nodeRepulsion: () => 8_000 }) : fresh.length > 0 ? instance.layout({ name: 'cose', animate: false, randomize: false, fit: true }) : undefined
    layout?.run()
  }, [nodes, edges, centre, t])

  useEffect(() => {
    const instance = cy.current
    if (!instance) return
    instance.nodes().unselect()
    if (selected !== null) instance.getElementById(String(selected)).select()
  }, [selected])

  return (
    <div>
      <div ref={container} className="graph-canvas" style={{ height }} role="img" aria-label={t('graph.canvasLabel', { nodes: nodes.length, edges: edges.length })} data-testid="graph-canvas" />
      <GraphLegend kinds={[...new Set(nodes.map((n) => n.kind))]} />
    </div>
  )
}

/** What the colours, borders and halos mean. */
export function GraphLegend({ kinds }: { kinds: EntityKind[] }) {
  const { t } = useTranslation()
  return (
    <Space wrap size="small" className="graph-legend" aria-label={t('graph.legend')}>
      <Typography.Text type="secondary">{t('graph.legend')}:</Typography.Text>
      {kinds.map((kind) => (
        <Tag key={kind} color={kindColours[kind]}>
          {t(`entity.${kind}`)}
        </Tag>
      ))}
      <span className="legend-swatch" style={{ border: `3px solid ${riskBorder}` }} /> {t('graph.legendRisk')}
      <span className="legend-swatch" style={{ background: ringColours[0], opacity: 0.6 }} /> {t('graph.legendRing')}
      <Typography.Text type="secondary">{t('graph.legendEdge')}</Typography.Text>
    </Space>
  )
}
