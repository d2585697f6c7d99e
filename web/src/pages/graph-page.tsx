import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, App, Button, Card, Col, Empty, Form, Input, InputNumber, Row, Select, Space, Spin, Tabs, Tag, Typography } from 'antd'
import dayjs, { type Dayjs } from 'dayjs'
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { useNavigate, useSearchParams } from 'react-router'
import { api, query } from '../api/client.ts'
import type { EntityKind, GraphEdge, GraphNode, Neighbourhood } from '../api/types.ts'
import { GraphCanvas } from '../components/graph-canvas.tsx'
import { edgeTypeName, GraphEdgeTable, GraphNodeTable } from '../components/graph-lists.tsx'
import { NodePanel } from '../components/graph-node-panel.tsx'
import { PeriodField } from '../components/labelled-range.tsx'
import { dateTime } from '../format.ts'
import { problemText } from './problem-text.ts'

/** In the server's order: an edge type names its ends in it (`edgeTypeOf`, src/graph/explore.ts). */
const entityKinds: EntityKind[] = ['user', 'id_number', 'phone', 'device', 'ip', 'bank_card', 'address', 'contacts', 'equipment', 'terminal']
/**
 * The edge types offered as a filter: every pair of kinds, a user's first.
 * An event joins its users with each of its entities and with each other;
 * an event without a user joins its anchor (an id number, a phone, …) with
 * the rest (docs/graph.md).
 */
const edgeTypes = entityKinds.flatMap((a, i) => entityKinds.slice(i).map((b) => `${a}-${b}`))

/** Where the neighbourhood starts: a node id, an entity's blind index (links from cases), a decision, or a value typed here (never put in the address). */
type Placed = { node: number } | { kind: EntityKind; key: string } | { decision: string }
type Start = Placed | { kind: EntityKind; value: string }

interface Filters {
  hops: number
  maxNodes: number
  from?: string
  to?: string
  kinds: EntityKind[]
  edgeTypes: string[]
}

/** The graph as it has been drawn so far: the first neighbourhood and every expansion merged. */
interface Drawn {
  centre: number
  nodes: Map<number, GraphNode>
  edges: Map<string, GraphEdge>
  truncated: boolean
  ringsComputedAt: string | null
}

type FormValues = { kind?: EntityKind; value?: string; hops: number; maxNodes: number; period?: [Dayjs, Dayjs] | null; kinds?: EntityKind[]; edgeTypes?: string[] }

function startOf(params: URLSearchParams): Placed | undefined {
  const decision = params.get('decision')
  if (decision) return { decision }
  const node = params.get('node')
  if (!node) return undefined
  if (/^\d+$/.test(node)) return { node: Number(node) }
  const [kind, key] = node.split(':', 2)
  return kind && key && (entityKinds as string[]).includes(kind) ? { kind: kind as EntityKind, key } : undefined
}

const whole = (text: string | null, least: number, most: number, fallback: number) => {
  const n = Number(text)
  return text !== null && Number.isInteger(n) && n >= least && n <= most ? n : fallback
}

/** The filters the address holds: what was drawn is what a shared link redraws. */
function filtersOf(params: URLSearchParams): Filters {
  const from = params.get('from') ?? undefined
  const to = params.get('to') ?? undefined
  return {
    hops: whole(params.get('hops'), 1, 3, 2),
    maxNodes: whole(params.get('maxNodes'), 1, 2000, 200),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    kinds: params.getAll('kinds').filter((k): k is EntityKind => (entityKinds as string[]).includes(k)),
    edgeTypes: params.getAll('edgeTypes').filter((type) => edgeTypes.includes(type)),
  }
}

/** The nodes expanded, in order: `x=12,40,7` in the address. */
const expansionsOf = (params: URLSearchParams): number[] =>
  (params.get('x') ?? '')
    .split(',')
    .filter((id) => /^\d+$/.test(id))
    .map(Number)

/** The address of a drawing: its start (never a typed value), its filters, the nodes expanded. */
function addressOf(start: Placed | undefined, filters: Filters, expansions: readonly number[]): URLSearchParams {
  const params = new URLSearchParams()
  if (start && 'decision' in start) params.set('decision', start.decision)
  else if (start) params.set('node', 'node' in start ? String(start.node) : `${start.kind}:${start.key}`)
  params.set('hops', String(filters.hops))
  if (filters.maxNodes !== 200) params.set('maxNodes', String(filters.maxNodes))
  if (filters.from) params.set('from', filters.from)
  if (filters.to) params.set('to', filters.to)
  for (const kind of filters.kinds) params.append('kinds', kind)
  for (const type of filters.edgeTypes) params.append('edgeTypes', type)
  if (expansions.length > 0) params.set('x', expansions.join(','))
  return params
}

/**
 * One neighbourhood request: a GET for a start the address can hold, or,
 * for a typed value, a POST with it in the body, kept out of URLs (and so
 * of proxies' and servers' access logs).
 */
type HoodRequest = { url: string } | { body: Record<string, unknown> }
function neighbourhoodRequest(start: Start, filters: Filters, hops = filters.hops): HoodRequest {
  const params = { ...start, hops, maxNodes: filters.maxNodes, from: filters.from, to: filters.to, kinds: filters.kinds, edgeTypes: filters.edgeTypes }
  if (!('value' in start)) return { url: `/v1/graph/neighbourhood${query(params)}` }
  // an empty list means "no filter", as an absent parameter does in the GET
  return { body: Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0))) }
}

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
 * with its caps, a time window, node kinds and edge types; expand a node to
 * merge its own neighbourhood; select one to see its labels, ring,
 * propagated risk, its decisions and cases. The address holds the start,
 * the filters and every expansion, so a shared link redraws the same
 * picture and back and forward step through the expansions. Only kinds and
 * key prefixes are shown, for every role.
 */
export default function GraphPage() {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const client = useQueryClient()
  const [params] = useSearchParams()
  const navigate = useNavigate()
  // the expansions' commas stay commas in the address (`x=42,57`), readable when shared; the page reads either form
  const setParams = useCallback((next: URLSearchParams, options?: { replace?: boolean }) => void navigate({ search: `?${next.toString().replaceAll('%2C', ',')}` }, options), [navigate])
  const [typed, setTyped] = useState<{ kind: EntityKind; value: string } | undefined>()
  const start = typed ?? startOf(params)
  const paramsText = params.toString()
  // biome-ignore lint/correctness/useExhaustiveDependencies: the address's text is what they are read from
  const filters = useMemo(() => filtersOf(params), [paramsText])
  // biome-ignore lint/correctness/useExhaustiveDependencies: as above
  const expansions = useMemo(() => (typed ? [] : expansionsOf(params)), [paramsText, typed])
  const [selected, setSelected] = useState<number | null>(null)
  const [expanding, setExpanding] = useState<number | null>(null)
  const [form] = Form.useForm<FormValues>()

  /** One answer of the API, kept for the page's life: a drawing replays its start and expansions from these, asking only for what is new. */
  const hood = (asked: HoodRequest) =>
    client.fetchQuery({
      queryKey: ['graph-hood', asked],
      queryFn: () => ('url' in asked ? api.get<Neighbourhood>(asked.url) : api.post<Neighbourhood>('/v1/graph/neighbourhood', asked.body)),
      staleTime: Number.POSITIVE_INFINITY,
    })
  const drawing = useQuery({
    queryKey: ['graph', start, filters, expansions],
    queryFn: async () => {
      let drawn = merged(null, await hood(neighbourhoodRequest(start!, filters)))
      for (const id of expansions) drawn = merged(drawn, await hood(neighbourhoodRequest({ node: id }, filters, 1)))
      return drawn
    },
    enabled: start !== undefined,
    // the drawing is the investigator's work: it is not replaced behind their back, and stays up while the next one loads
    staleTime: Number.POSITIVE_INFINITY,
    refetchOnWindowFocus: false,
    structuralSharing: false,
    placeholderData: (previous) => previous,
  })
  const drawn = start === undefined ? null : (drawing.data ?? null)
  const settled = drawing.isSuccess && !drawing.isPlaceholderData

  // a value typed here: once found, the address names the node it found (a shareable link, no personal data)
  useEffect(() => {
    if (!typed || !settled || !drawing.data) return
    setTyped(undefined)
    setParams(addressOf({ node: drawing.data.centre }, filters, []), { replace: true })
  }, [typed, settled, drawing.data, filters, setParams])

  // the selection follows the node just expanded, once its drawing is in; otherwise it stays while still drawn
  const previousCount = useRef<number | null>(null)
  useEffect(() => {
    if (!settled || !drawing.data) return
    if (expanding !== null) {
      // the address may not have moved yet: wait for the drawing with the expansion
      if (!expansions.includes(expanding)) return
      if (previousCount.current !== null) void message.success(t('graph.expanded', { count: Math.max(0, drawing.data.nodes.size - previousCount.current) }))
      setSelected(expanding)
      setExpanding(null)
    } else {
      const fallback = expansions.at(-1) ?? drawing.data.centre
      setSelected((current) => (current !== null && drawing.data.nodes.has(current) ? current : fallback))
    }
    previousCount.current = drawing.data.nodes.size
  }, [settled, drawing.data, expansions, expanding, message, t])

  // the form shows what the address says (back and forward included)
  useEffect(() => {
    form.setFieldsValue({
      hops: filters.hops,
      maxNodes: filters.maxNodes,
      kinds: filters.kinds,
      edgeTypes: filters.edgeTypes,
      period: filters.from && filters.to ? [dayjs(filters.from), dayjs(filters.to)] : null,
    })
  }, [filters, form])

  /** Where the drawing starts, as the address can hold it: a typed value's drawing starts at the node it found. */
  const placed = (): Placed | undefined => startOf(params) ?? (drawing.data ? { node: drawing.data.centre } : undefined)

  const expand = (id: number) => {
    const at = placed()
    if (!at) return
    if (expansions.includes(id)) {
      setSelected(id)
      return
    }
    setExpanding(id)
    setSelected(id)
    setParams(addressOf(at, filters, [...expansions, id]))
  }

  const submit = (values: FormValues) => {
    const next: Filters = {
      hops: values.hops,
      maxNodes: values.maxNodes,
      kinds: values.kinds ?? [],
      edgeTypes: values.edgeTypes ?? [],
      ...(values.period ? { from: values.period[0].toISOString(), to: values.period[1].toISOString() } : {}),
    }
    if (values.kind && values.value?.trim()) {
      // a typed value stays in this page's memory: it is personal data and does not go into the address or history
      setTyped({ kind: values.kind, value: values.value.trim() })
      setParams(addressOf(undefined, next, []), { replace: true })
      return
    }
    const at = placed()
    // new filters redraw the same exploration: its start and expansions, filtered anew
    if (at) setParams(addressOf(at, next, expansions))
  }
  const recentre = (id: number) => {
    setTyped(undefined)
    setParams(addressOf({ node: id }, filters, []))
  }

  // the same arrays while the drawing is the same: the canvas redraws only when it changes
  const nodes = useMemo(() => (drawn ? [...drawn.nodes.values()] : []), [drawn])
  const edges = useMemo(() => (drawn ? [...drawn.edges.values()] : []), [drawn])
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={2}>{t('graph.title')}</Typography.Title>
      <Card size="small">
        <Form form={form} layout="inline" name="graph-search" onFinish={submit} initialValues={{ hops: filters.hops, maxNodes: filters.maxNodes, kinds: filters.kinds, edgeTypes: filters.edgeTypes }}>
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
          <Form.Item name="edgeTypes" label={t('graph.edgeTypes')} tooltip={t('graph.edgeTypesHint')}>
            <Select
              mode="multiple"
              allowClear
              showSearch={{ optionFilterProp: 'label' }}
              style={{ minWidth: 200 }}
              options={edgeTypes.map((type) => ({ value: type, label: edgeTypeName(t, type) }))}
            />
          </Form.Item>
          <Form.Item>
            <Button type="primary" htmlType="submit">
              {t('graph.show')}
            </Button>
          </Form.Item>
        </Form>
      </Card>
      {start === undefined && <Alert type="info" showIcon title={t('graph.startHint')} />}
      {drawing.isError && <Alert type="error" showIcon title={problemText(t, drawing.error)} data-testid="graph-error" />}
      {drawing.isFetching && !drawn && <Spin />}
      {drawn && (
        <>
          <Space wrap>
            <Typography.Text data-testid="graph-counts">{t('graph.counts', { nodes: nodes.length, edges: edges.length })}</Typography.Text>
            {drawn.truncated && (
              <Tag color="orange" data-testid="graph-truncated">
                {t('graph.truncated')}
              </Tag>
            )}
            {expansions.length > 0 && <Typography.Text data-testid="graph-expansions">{t('graph.expansions', { count: expansions.length })}</Typography.Text>}
            {filters.edgeTypes.length > 0 && (
              <Typography.Text type="secondary" data-testid="graph-edge-filter">
                {t('graph.onlyEdges', { types: filters.edgeTypes.map((type) => edgeTypeName(t, type)).join(', ') })}
              </Typography.Text>
            )}
            <Typography.Text type="secondary">{drawn.ringsComputedAt ? t('graph.ringsAt', { at: dateTime(drawn.ringsComputedAt) }) : t('graph.noRings')}</Typography.Text>
            <Typography.Text type="secondary">{t('graph.howTo')}</Typography.Text>
          </Space>
          <Row gutter={[16, 16]}>
            <Col xs={24} xl={16}>
              <Card size="small" styles={{ body: { padding: 8 } }}>
                <GraphCanvas nodes={nodes} edges={edges} centre={drawn.centre} selected={selected} onSelect={setSelected} onExpand={expand} />
              </Card>
            </Col>
            <Col xs={24} xl={8}>
              {selected !== null && drawn.nodes.has(selected) ? (
                <NodePanel node={drawn.nodes.get(selected)!} onExpand={() => expand(selected)} expanding={expanding === selected} onRecentre={() => recentre(selected)} />
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
                { key: 'nodes', label: t('graph.nodesTab', { count: nodes.length }), children: <GraphNodeTable nodes={nodes} selected={selected} onSelect={setSelected} onExpand={expand} /> },
                { key: 'edges', label: t('graph.edgesTab', { count: edges.length }), children: <GraphEdgeTable nodes={nodes} edges={edges} /> },
              ]}
            />
          </Card>
        </>
      )}
    </Space>
  )
}
