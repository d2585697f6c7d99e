import { useQuery } from '@tanstack/react-query'
import { Alert, App, Button, Card, Col, Empty, Form, Input, InputNumber, Row, Select, Space, Spin, Tabs, Tag, Typography } from 'antd'
import type { Dayjs } from 'dayjs'
import { useCallback, useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { useSearchParams } from 'react-router'
import { api, query } from '../api/client.ts'
import type { EntityKind, GraphEdge, GraphNode, Neighbourhood } from '../api/types.ts'
import { GraphCanvas } from '../components/graph-canvas.tsx'
import { GraphEdgeTable, GraphNodeTable } from '../components/graph-lists.tsx'
import { NodePanel } from '../components/graph-node-panel.tsx'
import { PeriodField } from '../components/labelled-range.tsx'
import { dateTime } from '../format.ts'
import { problemText } from './problem-text.ts'

const entityKinds: EntityKind[] = ['user', 'phone', 'id_number', 'device', 'ip', 'bank_card', 'address', 'contacts', 'equipment', 'terminal']

/** Where the neighbourhood starts: a node id, an entity's blind index (links from cases), a decision, or a value typed here (never put in the address). */
type Start = { node: number } | { kind: EntityKind; key: string } | { decision: string } | { kind: EntityKind; value: string }

interface Filters {
  hops: number
  maxNodes: number
  from?: string
  to?: string
  kinds: EntityKind[]
}

/** The graph as it has been drawn so far: the first neighbourhood and every expansion merged. */
interface Drawn {
  centre: number
  nodes: Map<number, GraphNode>
  edges: Map<string, GraphEdge>
  truncated: boolean
  ringsComputedAt: string | null
}

function startOf(params: URLSearchParams): Start | undefined {
  const decision = params.get('decision')
  if (decision) return { decision }
  const node = params.get('node')
  if (!node) return undefined
  if (/^\d+$/.test(node)) return { node: Number(node) }
  const [kind, key] = node.split(':', 2)
  return kind && key && (entityKinds as string[]).includes(kind) ? { kind: kind as EntityKind, key } : undefined
}

const neighbourhoodUrl = (start: Start, filters: Filters, hops = filters.hops) =>
  `/v1/graph/neighbourhood${query({ ...start, hops, maxNodes: filters.maxNodes, from: filters.from, to: filters.to, kinds: filters.kinds })}`

const merged = (drawn: Drawn | null, answer: Neighbourhood): Drawn => {
  const nodes = new Map(drawn?.nodes)
  // a node keeps the hop it was first drawn at; its figures are the newest
  for (const node of answer.nodes) nodes.set(node.id, { ...node, hop: Math.min(node.hop + (drawn ? (drawn.nodes.get(answer.center)?.hop ?? 0) : 0), nodes.get(node.id)?.hop ?? Number.POSITIVE_INFINITY) })
  const edges = new Map(drawn?.edges)
  for (const edge of answer.edges) edges.set(`${edge.source}-${edge.target}`, edge)
  return { centre: drawn?.centre ?? answer.center, nodes, edges, truncated: (drawn?.truncated ?? false) || answer.truncated, ringsComputedAt: answer.ringsComputedAt }
}

/**
 * The relationship graph (关系图谱): the k-hop neighbourhood of an entity,
 * with its caps, a time window and kinds; expand a node to merge its own
 * neighbourhood; select one to see its labels, ring, propagated risk, its
 * decisions and cases. Only kinds and key prefixes are shown, for every role.
 */
export default function GraphPage() {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const [params, setParams] = useSearchParams()
  const [typed, setTyped] = useState<Start | undefined>()
  const start = typed ?? startOf(params)
  const [filters, setFilters] = useState<Filters>(() => ({ hops: Number(params.get('hops') ?? 2) || 2, maxNodes: 200, kinds: [] }))
  const [drawn, setDrawn] = useState<Drawn | null>(null)
  const [selected, setSelected] = useState<number | null>(null)
  const [expanding, setExpanding] = useState<number | null>(null)
  const [form] = Form.useForm<{ kind?: EntityKind; value?: string; hops: number; maxNodes: number; period?: [Dayjs, Dayjs] | null; kinds?: EntityKind[] }>()

  const first = useQuery({
    queryKey: ['graph', start, filters],
    queryFn: () => api.get<Neighbourhood>(neighbourhoodUrl(start!, filters)),
    enabled: start !== undefined,
    // the drawing is the investigator's work (expansions merged in): it is not replaced behind their back
    staleTime: Number.POSITIVE_INFINITY,
    refetchOnWindowFocus: false,
  })
  useEffect(() => {
    if (!first.data) return
    setDrawn(merged(null, first.data))
    setSelected(first.data.center)
  }, [first.data])

  const expand = useCallback(
    async (id: number) => {
      setExpanding(id)
      try {
        const answer = await api.get<Neighbourhood>(neighbourhoodUrl({ node: id }, filters, 1))
        setDrawn((current) => merged(current, answer))
        setSelected(id)
        void message.success(t('graph.expanded', { count: answer.nodes.length - 1 }))
      } catch (error) {
        void message.error(problemText(t, error))
      } finally {
        setExpanding(null)
      }
    },
    [filters, message, t],
  )

  const submit = (values: { kind?: EntityKind; value?: string; hops: number; maxNodes: number; period?: [Dayjs, Dayjs] | null; kinds?: EntityKind[] }) => {
    setFilters({ hops: values.hops, maxNodes: values.maxNodes, kinds: values.kinds ?? [], ...(values.period ? { from: values.period[0].toISOString(), to: values.period[1].toISOString() } : {}) })
    if (values.kind && values.value?.trim()) {
      // a typed value stays in this page's memory: it is personal data and does not go into the address or history
      setTyped({ kind: values.kind, value: values.value.trim() })
      setParams({})
    }
  }
  const recentre = (id: number) => {
    setTyped(undefined)
    setParams({ node: String(id) })
  }

  const nodes = drawn ? [...drawn.nodes.values()] : []
  const edges = drawn ? [...drawn.edges.values()] : []
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={2}>{t('graph.title')}</Typography.Title>
      <Card size="small">
        <Form form={form} layout="inline" name="graph-search" onFinish={submit} initialValues={{ hops: filters.hops, maxNodes: filters.maxNodes, kinds: [] }}>
          <Form.Item name="kind" label={t('graph.kind')}>
            <Select allowClear style={{ width: 130 }} options={entityKinds.map((k) => ({ value: k, label: t(`entity.${k}`) }))} />
          </Form.Item>
          <Form.Item name="value" label={t('graph.value')} tooltip={t('graph.valueHint')}>
            <Input allowClear style={{ width: 200 }} autoComplete="off" />
          </Form.Item>
          <Form.Item name="hops" label={t('graph.hops')}>
            <InputNumber min={1} max={3} style={{ width: 64 }} />
          </Form.Item>
          <Form.Item name="maxNodes" label={t('graph.maxNodes')}>
            <InputNumber min={1} max={2000} style={{ width: 90 }} />
          </Form.Item>
          <Form.Item name="period" label={t('graph.period')}>
            <PeriodField label={t('graph.period')} />
          </Form.Item>
          <Form.Item name="kinds" label={t('graph.kinds')}>
            <Select mode="multiple" allowClear style={{ minWidth: 180 }} options={entityKinds.map((k) => ({ value: k, label: t(`entity.${k}`) }))} />
          </Form.Item>
          <Form.Item>
            <Button type="primary" htmlType="submit">
              {t('graph.show')}
            </Button>
          </Form.Item>
        </Form>
      </Card>
      {start === undefined && <Alert type="info" showIcon title={t('graph.startHint')} />}
      {first.isError && <Alert type="error" showIcon title={problemText(t, first.error)} />}
      {first.isFetching && !drawn && <Spin />}
      {drawn && (
        <>
          <Space wrap>
            <Typography.Text data-testid="graph-counts">{t('graph.counts', { nodes: nodes.length, edges: edges.length })}</Typography.Text>
            {drawn.truncated && <Tag color="orange">{t('graph.truncated')}</Tag>}
            <Typography.Text type="secondary">{drawn.ringsComputedAt ? t('graph.ringsAt', { at: dateTime(drawn.ringsComputedAt) }) : t('graph.noRings')}</Typography.Text>
            <Typography.Text type="secondary">{t('graph.howTo')}</Typography.Text>
          </Space>
          <Row gutter={[16, 16]}>
            <Col xs={24} xl={16}>
              <Card size="small" styles={{ body: { padding: 8 } }}>
                <GraphCanvas nodes={nodes} edges={edges} centre={drawn.centre} selected={selected} onSelect={setSelected} onExpand={(id) => void expand(id)} />
              </Card>
            </Col>
            <Col xs={24} xl={8}>
              {selected !== null && drawn.nodes.has(selected) ? (
                <NodePanel node={drawn.nodes.get(selected)!} onExpand={() => void expand(selected)} expanding={expanding === selected} onRecentre={() => recentre(selected)} />
              ) : (
                <Card size="small">
                  <Empty description={t('graph.selectHint')} />
                </Card>
              )}
            </Col>
          </Row>
          <Card size="small" title={t('graph.listsTitle')}>
            <Tabs
              items={[
                { key: 'nodes', label: t('graph.nodesTab', { count: nodes.length }), children: <GraphNodeTable nodes={nodes} selected={selected} onSelect={setSelected} onExpand={(id) => void expand(id)} /> },
                { key: 'edges', label: t('graph.edgesTab', { count: edges.length }), children: <GraphEdgeTable nodes={nodes} edges={edges} /> },
              ]}
            />
          </Card>
        </>
      )}
    </Space>
  )
}
