import { PhoneOutlined, ReloadOutlined, ThunderboltOutlined } from '@ant-design/icons'
import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query'
import { App, Button, Card, Col, Form, Row, Select, Space, Statistic, Switch, Table, Tooltip, Typography } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useNavigate } from 'react-router'
import { api, query } from '../api/client.ts'
import type { CaseRisk, CaseStatus, Page, QueueCounts, ReviewCase } from '../api/types.ts'
import { SlaClock } from '../components/sla-clock.tsx'
import { RiskTag, StatusTag } from '../components/tags.tsx'
import { actorName, money, shortTime } from '../format.ts'
import { actorOf, useSession } from '../session.tsx'
import { problemText } from './problem-text.ts'

interface Filters {
  status: CaseStatus | 'all'
  queue?: string
  risk?: CaseRisk
  breached: boolean
  mine: boolean
}

/** The review queue (案件队列): filtered and paged by the server, so it stays quick however long the queue. */
export function QueuePage() {
  const { t } = useTranslation()
  const { user, can } = useSession()
  const navigate = useNavigate()
  const { message } = App.useApp()
  const [filters, setFilters] = useState<Filters>({ status: 'open', breached: false, mine: false })
  const [pageSize, setPageSize] = useState(20)
  // cursors of the pages before the one shown: the API pages forward, the stack lets the reviewer go back
  const [cursors, setCursors] = useState<string[]>([])
  const cursor = cursors[cursors.length - 1]

  const summary = useQuery({ queryKey: ['cases-summary'], queryFn: () => api.get<QueueCounts>('/v1/cases/summary'), refetchInterval: 60_000 })
  const params = {
    status: filters.status === 'all' ? undefined : filters.status,
    queue: filters.queue,
    risk: filters.risk,
    breached: filters.breached || undefined,
    assignee: filters.mine ? actorOf(user) : undefined,
    limit: pageSize,
    cursor,
  }
  const cases = useQuery({
    queryKey: ['cases', params],
    queryFn: () => api.get<Page<ReviewCase>>(`/v1/cases${query(params)}`),
    placeholderData: keepPreviousData,
    refetchInterval: 30_000,
  })

  const claim = useMutation({
    mutationFn: () => api.post<ReviewCase | undefined>(`/v1/cases/claim${query({ queue: filters.queue ? [filters.queue] : undefined })}`),
    onSuccess: (claimed) => {
      if (!claimed) {
        void message.info(t('queue.nothingToClaim'))
        return
      }
      void navigate(`/cases/${claimed.id}`)
    },
    onError: (error) => void message.error(problemText(t, error)),
  })

  const change = (next: Partial<Filters>) => {
    setFilters((f) => ({ ...f, ...next }))
    setCursors([])
  }
  const queues = Object.keys(summary.data?.byQueue ?? {}).sort()

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={2}>{t('queue.title')}</Typography.Title>
      <Row gutter={16}>
        {(['open', 'claimed', 'waitingCallback', 'breached'] as const).map((key) => (
          <Col key={key} xs={12} md={6}>
            <Card size="small">
              <Statistic title={t(`queue.counts.${key}`)} value={summary.data?.[key] ?? '—'} styles={key === 'breached' && (summary.data?.breached ?? 0) > 0 ? { content: { color: '#cf1322' } } : {}} />
            </Card>
          </Col>
        ))}
      </Row>
      <Card size="small">
        <Form layout="inline" aria-label={t('queue.filters')}>
          <Form.Item label={t('queue.status')} htmlFor="filter-status">
            <Select
              id="filter-status"
              style={{ width: 130 }}
              value={filters.status}
              onChange={(status) => change({ status })}
              options={(['open', 'claimed', 'closed', 'all'] as const).map((s) => ({ value: s, label: s === 'all' ? t('common.all') : t(`caseStatus.${s}`) }))}
            />
          </Form.Item>
          <Form.Item label={t('queue.queue')} htmlFor="filter-queue">
            <Select
              id="filter-queue"
              style={{ width: 200 }}
              allowClear
              placeholder={t('common.all')}
              value={filters.queue}
              onChange={(queue) => change({ queue })}
              options={queues.map((q) => ({ value: q, label: q }))}
            />
          </Form.Item>
          <Form.Item label={t('queue.risk')} htmlFor="filter-risk">
            <Select
              id="filter-risk"
              style={{ width: 120 }}
              allowClear
              placeholder={t('common.all')}
              value={filters.risk}
              onChange={(risk) => change({ risk })}
              options={(['high', 'medium', 'low'] as const).map((r) => ({ value: r, label: t(`risk.${r}`) }))}
            />
          </Form.Item>
          <Form.Item label={t('queue.breachedOnly')} htmlFor="filter-breached">
            <Switch id="filter-breached" checked={filters.breached} onChange={(breached) => change({ breached })} />
          </Form.Item>
          <Form.Item label={t('queue.mine')} htmlFor="filter-mine">
            <Switch id="filter-mine" checked={filters.mine} onChange={(mine) => change({ mine })} />
          </Form.Item>
          <Form.Item>
            <Tooltip title={t('queue.refresh')}>
              <Button aria-label={t('queue.refresh')} icon={<ReloadOutlined />} onClick={() => void cases.refetch()} />
            </Tooltip>
          </Form.Item>
        </Form>
      </Card>
      {can('reviewer') && (
        <Space>
          <Button type="primary" size="large" icon={<ThunderboltOutlined />} loading={claim.isPending} onClick={() => claim.mutate()}>
            {t('queue.claimNext')}
          </Button>
          <Typography.Text type="secondary">{filters.queue ? t('queue.claimFrom', { queue: filters.queue }) : t('queue.claimHint')}</Typography.Text>
        </Space>
      )}
      <Table<ReviewCase>
        rowKey="id"
        size="middle"
        loading={cases.isFetching && !cases.data}
        dataSource={cases.data?.items ?? []}
        pagination={false}
        aria-label={t('queue.table')}
        onRow={(record) => ({ onDoubleClick: () => void navigate(`/cases/${record.id}`) })}
        columns={[
          { title: t('queue.col.case'), dataIndex: 'id', render: (id: string) => <Link to={`/cases/${id}`}>{id.slice(0, 8)}</Link> },
          { title: t('queue.col.risk'), dataIndex: 'risk', render: (risk: CaseRisk) => <RiskTag risk={risk} /> },
          { title: t('queue.col.queue'), dataIndex: 'queue' },
          { title: t('queue.col.amount'), dataIndex: 'amountMinor', align: 'right', render: (a: number | null) => money(a) },
          { title: t('queue.col.status'), dataIndex: 'status', render: (s: CaseStatus) => <StatusTag status={s} /> },
          { title: t('queue.col.assignee'), dataIndex: 'assignee', render: (a: string | null) => actorName(a) },
          { title: t('queue.col.created'), dataIndex: 'createdAtMs', render: (at: number) => shortTime(at) },
          { title: t('queue.col.sla'), key: 'sla', render: (_: unknown, c) => <SlaClock reviewCase={c} /> },
          {
            title: t('queue.col.callback'),
            dataIndex: 'callbackAtMs',
            render: (at: number | null) =>
              at ? (
                <span>
                  <PhoneOutlined /> {shortTime(at)}
                </span>
              ) : (
                '—'
              ),
          },
        ]}
      />
      <Space>
        <Button disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
          {t('common.previousPage')}
        </Button>
        <Button disabled={!cases.data?.nextCursor} onClick={() => setCursors((c) => [...c, cases.data!.nextCursor!])}>
          {t('common.nextPage')}
        </Button>
        <Typography.Text type="secondary">{t('common.pageNumber', { page: cursors.length + 1 })}</Typography.Text>
        <Select
          aria-label={t('common.pageSize')}
          value={pageSize}
          onChange={(size) => {
            setPageSize(size)
            setCursors([])
          }}
          options={[20, 50, 100].map((n) => ({ value: n, label: t('common.perPage', { count: n }) }))}
        />
      </Space>
    </Space>
  )
}
