import { useQuery } from '@tanstack/react-query'
import { Alert, Button, Card, Checkbox, Form, InputNumber, Space, Table, Tag, Tooltip, Typography } from 'antd'
import type { SortOrder } from 'antd/es/table/interface'
import { useEffect } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useSearchParams } from 'react-router'
import { api, query } from '../api/client.ts'
import { type EntityKind, type RingList, type RingListItem, type RingSort, ringSorts } from '../api/types.ts'
import { kindColours, ringColour } from '../components/graph-canvas.tsx'
import { StatusTag } from '../components/tags.tsx'
import { dateTime, decimal } from '../format.ts'
import { problemText } from './problem-text.ts'

const pageSize = 20

interface RingFilters {
  minRisk?: number
  minUsers?: number
  cohesive: boolean
}

const numberOf = (text: string | null, least: number, most: number) => {
  const n = Number(text)
  return text !== null && text !== '' && Number.isFinite(n) && n >= least && n <= most ? n : undefined
}

/**
 * Suspect rings (可疑团伙): the last computation's rings, riskiest first, a
 * page at a time, with their size, members by kind, labelled users, growth
 * and times; each opens in the graph (at the member linked to most users)
 * and in its ring case, if it has one. Sorting, filters and page live in
 * the address. Counts only: no key, no value, for every role.
 */
export default function RingsPage() {
  const { t } = useTranslation()
  const [params, setParams] = useSearchParams()
  const sort = (ringSorts as readonly string[]).includes(params.get('sort') ?? '') ? (params.get('sort') as RingSort) : 'risk'
  const order = params.get('order') === 'asc' ? 'asc' : 'desc'
  const page = Math.max(1, Math.floor(numberOf(params.get('page'), 1, 100_000) ?? 1))
  const minRisk = numberOf(params.get('minRisk'), 0, 1)
  const minUsers = numberOf(params.get('minUsers'), 1, 100_000)
  const filters: RingFilters = { cohesive: params.get('cohesive') !== 'false', ...(minRisk === undefined ? {} : { minRisk }), ...(minUsers === undefined ? {} : { minUsers: Math.floor(minUsers) }) }
  const [form] = Form.useForm<RingFilters>()
  useEffect(() => form.setFieldsValue({ minRisk: filters.minRisk, minUsers: filters.minUsers, cohesive: filters.cohesive }), [form, filters.minRisk, filters.minUsers, filters.cohesive])

  const rings = useQuery({
    queryKey: ['rings', sort, order, page, filters],
    queryFn: () => api.get<RingList>(`/v1/graph/rings${query({ sort, order, offset: (page - 1) * pageSize, limit: pageSize, minRisk: filters.minRisk, minUsers: filters.minUsers, cohesive: filters.cohesive ? undefined : false })}`),
    placeholderData: (previous) => previous,
  })

  const go = (next: { sort?: RingSort; order?: 'asc' | 'desc'; page?: number; filters?: RingFilters }) => {
    const f = next.filters ?? filters
    const out = new URLSearchParams()
    const s = next.sort ?? sort
    const o = next.order ?? order
    if (s !== 'risk') out.set('sort', s)
    if (o !== 'desc') out.set('order', o)
    if ((next.page ?? page) > 1) out.set('page', String(next.page ?? page))
    if (f.minRisk !== undefined) out.set('minRisk', String(f.minRisk))
    if (f.minUsers !== undefined) out.set('minUsers', String(f.minUsers))
    if (!f.cohesive) out.set('cohesive', 'false')
    setParams(out)
  }
  const sortOrder = (key: RingSort): SortOrder | undefined => (key === sort ? (order === 'asc' ? 'ascend' : 'descend') : null)
  const sortable = (key: RingSort) => ({ key, sorter: true, sortOrder: sortOrder(key), sortDirections: ['descend', 'ascend'] as SortOrder[] })

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={2}>{t('rings.title')}</Typography.Title>
      <Card size="small">
        <Form
          form={form}
          layout="inline"
          name="ring-filters"
          initialValues={filters}
          onFinish={(values) => go({ page: 1, filters: { cohesive: values.cohesive, ...(values.minRisk == null ? {} : { minRisk: values.minRisk }), ...(values.minUsers == null ? {} : { minUsers: values.minUsers }) } })}
        >
          <Form.Item name="minRisk" label={t('rings.minRisk')} tooltip={t('rings.minRiskHint')}>
            <InputNumber min={0} max={1} step={0.05} style={{ width: 90 }} placeholder="0.5" />
          </Form.Item>
          <Form.Item name="minUsers" label={t('rings.minUsers')}>
            <InputNumber min={1} max={100000} style={{ width: 90 }} placeholder="3" />
          </Form.Item>
          <Form.Item name="cohesive" valuePropName="checked">
            <Checkbox>{t('rings.cohesive')}</Checkbox>
          </Form.Item>
          <Form.Item>
            <Button type="primary" htmlType="submit">
              {t('rings.apply')}
            </Button>
          </Form.Item>
        </Form>
      </Card>
      {rings.isError && <Alert type="error" showIcon title={problemText(t, rings.error)} />}
      {rings.data && (
        <Typography.Text type="secondary" data-testid="rings-summary">
          {rings.data.computedAt ? t('rings.summary', { total: rings.data.total, at: dateTime(rings.data.computedAt) }) : t('graph.noRings')}
        </Typography.Text>
      )}
      <Table<RingListItem>
        size="small"
        rowKey="id"
        aria-label={t('rings.table')}
        data-testid="rings-table"
        loading={rings.isFetching}
        dataSource={rings.data?.items ?? []}
        scroll={{ x: true }}
        pagination={{ current: page, pageSize, total: rings.data?.total ?? 0, showSizeChanger: false, size: 'small' }}
        onChange={(pagination, _filters, sorter) => {
          const one = Array.isArray(sorter) ? sorter[0] : sorter
          const key = one?.order ? (one.columnKey as RingSort) : 'risk'
          const nextOrder = one?.order === 'ascend' ? 'asc' : 'desc'
          const sortChanged = key !== sort || nextOrder !== order
          go({ sort: key, order: nextOrder, page: sortChanged ? 1 : (pagination.current ?? 1) })
        }}
        columns={[
          {
            title: t('rings.col.ring'),
            dataIndex: 'id',
            render: (id: number) => <Tag color={ringColour(id)}>{t('graph.ringName', { id })}</Tag>,
          },
          { title: t('rings.col.risk'), dataIndex: 'risk', align: 'right', ...sortable('risk'), render: (v: number) => <strong>{decimal(v, 3)}</strong> },
          { title: t('rings.col.users'), dataIndex: 'users', align: 'right', ...sortable('users') },
          {
            title: t('rings.col.members'),
            dataIndex: 'members',
            render: (members: RingListItem['members']) => (
              <Space size={[2, 2]} wrap>
                {(Object.entries(members) as [EntityKind, number][]).map(([kind, count]) => (
                  <Tag key={kind} color={kindColours[kind]}>
                    {t(`entity.${kind}`)} {count}
                  </Tag>
                ))}
              </Space>
            ),
          },
          {
            title: t('rings.col.labelled'),
            dataIndex: 'riskUsers',
            align: 'right',
            ...sortable('riskUsers'),
            render: (riskUsers: number, ring) => (
              <Tooltip title={Object.entries(ring.labelledUsers).map(([label, n]) => `${label}: ${n}`).join(', ') || '—'}>
                <span data-testid="ring-labelled">
                  {riskUsers}
                  {Object.entries(ring.labelledUsers)
                    .filter(([label]) => label !== 'legitimate')
                    .map(([label, n]) => (
                      <Tag key={label} color="red" style={{ marginInlineStart: 4 }}>
                        {label} {n}
                      </Tag>
                    ))}
                </span>
              </Tooltip>
            ),
          },
          {
            title: t('rings.col.growth'),
            dataIndex: 'growth',
            align: 'right',
            ...sortable('growth'),
            render: (growth: number, ring) => t('ringCase.growthText', { growth: decimal(growth * 100, 1), newUsers: ring.newUsers }),
          },
          { title: t('rings.col.cohesion'), dataIndex: 'cohesion', align: 'right', ...sortable('cohesion'), render: (v: number) => decimal(v, 2) },
          { title: t('rings.col.firstSeen'), dataIndex: 'firstSeen', ...sortable('firstSeen'), render: (at: string) => dateTime(at) },
          { title: t('rings.col.lastJoined'), dataIndex: 'lastJoined', ...sortable('lastJoined'), render: (at: string) => dateTime(at) },
          {
            title: t('rings.col.since'),
            dataIndex: 'since',
            ...sortable('since'),
            render: (at: string, ring) => (
              <Tooltip title={ring.history.map((size) => `${dateTime(size.at)}: ${size.users}`).join('\n')}>
                <span data-testid="ring-since">
                  {dateTime(at)}
                  <br />
                  <Typography.Text type="secondary">
                    {[
                      ring.previousUsers === 0 ? t('rings.sizeNew') : ring.previousUsers !== ring.users ? t('rings.sizeFrom', { from: ring.previousUsers }) : null,
                      ring.splitFrom === null ? null : t('rings.splitFrom', { id: ring.splitFrom }),
                      ring.absorbed.length === 0 ? null : t('rings.absorbed', { ids: ring.absorbed.join(', ') }),
                    ]
                      .filter(Boolean)
                      .join(' · ')}
                  </Typography.Text>
                </span>
              </Tooltip>
            ),
          },
          {
            title: t('rings.col.case'),
            dataIndex: 'case',
            render: (ringCase: RingListItem['case']) =>
              ringCase ? (
                <Space size={4}>
                  <Link to={`/cases/${ringCase.id}`} data-testid="ring-case-link">
                    {t('rings.openCase', { id: ringCase.id.slice(0, 8) })}
                  </Link>
                  <StatusTag status={ringCase.status} />
                  {ringCase.disposition && <Tag>{t(`disposition.${ringCase.disposition}`)}</Tag>}
                </Space>
              ) : (
                <Typography.Text type="secondary">{t('rings.noCase')}</Typography.Text>
              ),
          },
          {
            title: '',
            key: 'graph',
            dataIndex: 'focusNode',
            width: 72,
            render: (node: number, ring) =>
              node >= 0 ? (
                <Link to={`/graph?node=${node}&hops=2`} data-testid="ring-graph-link" aria-label={t('rings.openInGraphOf', { id: ring.id })} style={{ whiteSpace: 'nowrap' }}>
                  {t('rings.openInGraph')}
                </Link>
              ) : null,
          },
        ]}
      />
    </Space>
  )
}
