import { SearchOutlined } from '@ant-design/icons'
import { useInfiniteQuery, useQuery } from '@tanstack/react-query'
import { Button, Card, Form, Input, Select, Space, Table, Typography } from 'antd'
import { PeriodField } from '../components/labelled-range.tsx'
import type { Dayjs } from 'dayjs'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useSearchParams } from 'react-router'
import { api, query } from '../api/client.ts'
import { type Action, actions, type Decision, type EventType, type Page } from '../api/types.ts'
import { reasonMessage } from '../components/reasons.tsx'
import { ActionTag } from '../components/tags.tsx'
import { dateTime } from '../format.ts'

const entityKinds = ['user', 'phone', 'id_number', 'device', 'ip', 'bank_card', 'address', 'equipment'] as const

interface Search {
  entityType?: string
  entityValue?: string
  action?: Action
  eventType?: string
  from?: string
  to?: string
}

/** The decision explorer (决策查询): by entity (searched by its blind index: the value never leaves the server in clear), time, action and event type. */
export function DecisionsPage() {
  const { t } = useTranslation()
  const [params, setParams] = useSearchParams()
  const search: Search = Object.fromEntries([...params.entries()].filter(([k]) => ['entityType', 'entityValue', 'action', 'eventType', 'from', 'to'].includes(k)))
  const [form] = Form.useForm<{ entityType?: string; entityValue?: string; action?: Action; eventType?: string; period?: [Dayjs, Dayjs] | null }>()
  const [formError, setFormError] = useState<string | null>(null)
  const eventTypes = useQuery({ queryKey: ['event-types'], queryFn: () => api.get<{ items: EventType[] }>('/v1/event-types'), staleTime: 600_000 })
  const decisions = useInfiniteQuery({
    queryKey: ['decisions', search],
    queryFn: ({ pageParam }) => api.get<Page<Decision>>(`/v1/decisions${query({ ...search, limit: 50, cursor: pageParam })}`),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor,
  })
  const rows = decisions.data?.pages.flatMap((p) => p.items) ?? []
  const submit = (values: { entityType?: string; entityValue?: string; action?: Action; eventType?: string; period?: [Dayjs, Dayjs] | null }) => {
    if (!!values.entityType !== !!values.entityValue) {
      setFormError(t('decisions.entityBoth'))
      return
    }
    setFormError(null)
    const next: Record<string, string> = {}
    if (values.entityType && values.entityValue) Object.assign(next, { entityType: values.entityType, entityValue: values.entityValue.trim() })
    if (values.action) next.action = values.action
    if (values.eventType) next.eventType = values.eventType
    if (values.period) Object.assign(next, { from: values.period[0].toISOString(), to: values.period[1].toISOString() })
    setParams(next)
  }
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={2}>{t('decisions.title')}</Typography.Title>
      <Card size="small">
        <Form form={form} layout="inline" name="decision-search" onFinish={submit} initialValues={{ entityType: search.entityType, entityValue: search.entityValue, action: search.action, eventType: search.eventType }}>
          <Form.Item name="entityType" label={t('decisions.entityType')}>
            <Select allowClear style={{ width: 140 }} options={entityKinds.map((k) => ({ value: k, label: t(`entity.${k}`) }))} />
          </Form.Item>
          <Form.Item name="entityValue" label={t('decisions.entityValue')}>
            <Input style={{ width: 220 }} placeholder="13800138000" />
          </Form.Item>
          <Form.Item name="action" label={t('decision.action')}>
            <Select allowClear style={{ width: 130 }} options={actions.map((a) => ({ value: a, label: t(`action.${a}`) }))} />
          </Form.Item>
          <Form.Item name="eventType" label={t('decision.eventType')}>
            <Select allowClear showSearch style={{ width: 190 }} options={(eventTypes.data?.items ?? []).map((e) => ({ value: e.type, label: e.type }))} />
          </Form.Item>
          <Form.Item name="period" label={t('decisions.period')}>
            <PeriodField label={t('decisions.period')} />
          </Form.Item>
          <Form.Item>
            <Button type="primary" htmlType="submit" icon={<SearchOutlined />}>
              {t('decisions.search')}
            </Button>
          </Form.Item>
        </Form>
        {formError && <Typography.Text type="danger" role="alert">{formError}</Typography.Text>}
      </Card>
      <Table<Decision>
        rowKey="decisionId"
        size="middle"
        loading={decisions.isFetching && !decisions.isFetchingNextPage}
        dataSource={rows}
        pagination={false}
        columns={[
          { title: t('decision.decidedAt'), dataIndex: 'decidedAt', render: (at: string, d) => <Link to={`/decisions/${d.decisionId}`}>{dateTime(at)}</Link> },
          { title: t('decision.eventType'), dataIndex: 'eventType' },
          { title: t('decision.eventId'), dataIndex: 'eventId' },
          { title: t('decision.action'), dataIndex: 'action', render: (a: Action) => <ActionTag action={a} /> },
          { title: t('decision.mainReason'), key: 'reason', render: (_, d) => (d.reasons[0] ? `${d.reasons[0].code} · ${reasonMessage(d.reasons[0])}` : '—') },
          { title: t('decision.strategy'), key: 'strategy', render: (_, d) => (d.strategy ? `${d.strategy.id} v${d.strategy.version}` : '—') },
        ]}
      />
      <Space>
        <Button disabled={!decisions.hasNextPage} loading={decisions.isFetchingNextPage} onClick={() => void decisions.fetchNextPage()}>
          {t('common.loadMore')}
        </Button>
        <Typography.Text type="secondary">{t('decisions.shown', { count: rows.length })}</Typography.Text>
      </Space>
    </Space>
  )
}
