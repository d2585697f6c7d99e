import { Button, Space, Table, Tag, Tooltip } from 'antd'
import { useTranslation } from 'react-i18next'
import type { GraphEdge, GraphNode } from '../api/types.ts'
import { decimal, shortTime } from '../format.ts'
import { isFlagged, kindColours, ringColour } from './graph-canvas.tsx'

/** A node as a person reads it: kind and the key prefix the API shows (never a value). */
export const nodeName = (node: Pick<GraphNode, 'keyPrefix'>) => `#${node.keyPrefix}`

/** An edge type as a person reads it: "User – Device" (用户 – 设备). */
export const edgeTypeName = (t: (key: string) => string, type: string) =>
  type
    .split('-')
    .map((kind) => t(`entity.${kind}`))
    .join(' – ')

/** The canvas's nodes as a table: what keyboard and screen-reader users work with (select, expand). */
export function GraphNodeTable({ nodes, selected, onSelect, onExpand }: { nodes: readonly GraphNode[]; selected: number | null; onSelect: (id: number) => void; onExpand?: (id: number) => void }) {
  const { t } = useTranslation()
  return (
    <Table<GraphNode>
      size="small"
      rowKey="id"
      aria-label={t('graph.nodesTable')}
      data-testid="graph-nodes"
      dataSource={[...nodes].sort((a, b) => a.hop - b.hop || b.propagatedRisk - a.propagatedRisk)}
      pagination={nodes.length > 15 ? { pageSize: 15, size: 'small' } : false}
      rowClassName={(node) => (node.id === selected ? 'ant-table-row-selected' : '')}
      columns={[
        {
          title: t('graph.col.node'),
          dataIndex: 'id',
          render: (_: number, node) => (
            <Space size={4}>
              <Tag color={kindColours[node.kind]}>{t(`entity.${node.kind}`)}</Tag>
              <code>{nodeName(node)}</code>
            </Space>
          ),
        },
        { title: t('graph.col.hop'), dataIndex: 'hop', width: 60 },
        {
          title: t('graph.col.labels'),
          dataIndex: 'labels',
          render: (labels: string[], node) => labels.map((label) => <Tag key={label} color={isFlagged(node) && label !== 'legitimate' ? 'red' : undefined}>{label}</Tag>),
        },
        {
          title: t('graph.col.ring'),
          dataIndex: 'ring',
          render: (ring: GraphNode['ring']) =>
            ring ? (
              <Tooltip title={t('graph.ringTip', { users: ring.users, risk: decimal(ring.risk, 2) })}>
                <Tag color={ringColour(ring.id)}>{t('graph.ringName', { id: ring.id })}</Tag>
              </Tooltip>
            ) : (
              '—'
            ),
        },
        { title: t('graph.col.risk'), dataIndex: 'propagatedRisk', align: 'right', render: (v: number) => decimal(v, 4) },
        { title: t('graph.col.degree'), dataIndex: 'degree', align: 'right' },
        {
          title: '',
          dataIndex: 'id',
          key: 'actions',
          render: (id: number, node) => (
            <Space size={4}>
              <Button size="small" type={id === selected ? 'primary' : 'default'} onClick={() => onSelect(id)} aria-label={t('graph.selectNode', { node: `${t(`entity.${node.kind}`)} ${nodeName(node)}` })}>
                {t('graph.select')}
              </Button>
              {onExpand && (
                <Button size="small" onClick={() => onExpand(id)} aria-label={t('graph.expandNode', { node: `${t(`entity.${node.kind}`)} ${nodeName(node)}` })}>
                  {t('graph.expand')}
                </Button>
              )}
            </Space>
          ),
        },
      ]}
    />
  )
}

/** The canvas's edges as a table. */
export function GraphEdgeTable({ nodes, edges }: { nodes: readonly GraphNode[]; edges: readonly GraphEdge[] }) {
  const { t } = useTranslation()
  const byId = new Map(nodes.map((n) => [n.id, n]))
  const name = (id: number) => {
    const node = byId.get(id)
    return node ? `${t(`entity.${node.kind}`)} ${nodeName(node)}` : String(id)
  }
  return (
    <Table<GraphEdge>
      size="small"
      rowKey={(e) => `${e.source}-${e.target}`}
      aria-label={t('graph.edgesTable')}
      data-testid="graph-edges"
      dataSource={[...edges].sort((a, b) => b.count - a.count)}
      pagination={edges.length > 15 ? { pageSize: 15, size: 'small' } : false}
      columns={[
        { title: t('graph.col.from'), dataIndex: 'source', render: name },
        { title: t('graph.col.to'), dataIndex: 'target', render: name },
        { title: t('graph.col.type'), dataIndex: 'type', render: (type: string) => edgeTypeName(t, type) },
        { title: t('graph.col.count'), dataIndex: 'count', align: 'right' },
        { title: t('graph.col.lastSeen'), dataIndex: 'lastSeen', render: (at: string) => shortTime(at) },
      ]}
    />
  )
}
