import { Card, Col, Empty, Row, Space, Tabs, Tag, Typography } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link } from 'react-router'
import type { Neighbourhood } from '../api/types.ts'
import { GraphCanvas } from './graph-canvas.tsx'
import { GraphEdgeTable, GraphNodeTable } from './graph-lists.tsx'
import { NodePanel } from './graph-node-panel.tsx'

/** A ring case's members and the edges between them, drawn and listed; a node opens in the graph page to be expanded. Loaded with cytoscape, on demand. */
export default function RingSubgraph({ subgraph }: { subgraph: Neighbourhood }) {
  const { t } = useTranslation()
  const [selected, setSelected] = useState<number | null>(subgraph.nodes[0]?.id ?? null)
  const node = subgraph.nodes.find((n) => n.id === selected)
  if (subgraph.nodes.length === 0) return <Empty description={t('ringCase.noMembers')} />
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Space wrap>
        <Typography.Text data-testid="subgraph-counts">{t('graph.counts', { nodes: subgraph.nodes.length, edges: subgraph.edges.length })}</Typography.Text>
        {subgraph.truncated && <Tag color="orange">{t('graph.truncated')}</Tag>}
        {selected !== null && (
          <Link to={`/graph?node=${selected}&hops=1`} data-testid="open-in-graph">
            {t('ringCase.openInGraph')}
          </Link>
        )}
      </Space>
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={15}>
          <Card size="small" styles={{ body: { padding: 8 } }}>
            <GraphCanvas nodes={subgraph.nodes} edges={subgraph.edges} centre={null} selected={selected} onSelect={setSelected} height={420} />
          </Card>
        </Col>
        <Col xs={24} xl={9}>{node && <NodePanel node={node} />}</Col>
      </Row>
      <Tabs
        items={[
          { key: 'nodes', label: t('graph.nodesTab', { count: subgraph.nodes.length }), children: <GraphNodeTable nodes={subgraph.nodes} selected={selected} onSelect={setSelected} /> },
          { key: 'edges', label: t('graph.edgesTab', { count: subgraph.edges.length }), children: <GraphEdgeTable nodes={subgraph.nodes} edges={subgraph.edges} /> },
        ]}
      />
    </Space>
  )
}
