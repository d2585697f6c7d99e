import { ArrowLeftOutlined, PlusOutlined, RollbackOutlined } from '@ant-design/icons'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, App, Button, Card, Descriptions, Form, InputNumber, Popconfirm, Select, Space, Table, Tabs, Tag, Typography } from 'antd'
import type { Dayjs } from 'dayjs'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useNavigate, useParams } from 'react-router'
import { api, query } from '../api/client.ts'
import type { ArmComparison, ArmFigures, Backtest, Deployment, StrategyDetail, StrategyDocumentView, StrategyVersion } from '../api/types.ts'
import { LabelledRange } from '../components/labelled-range.tsx'
import { lastDays } from '../components/period.ts'
import { RateCell } from '../components/rate.tsx'
import { StateTag } from '../components/tags.tsx'
import { actorName, dateTime } from '../format.ts'
import { useSession } from '../session.tsx'
import { problemText } from './problem-text.ts'

/** A strategy: its versions and their states, new drafts, deployments (champion, challengers, shadows) and the comparison of the arms. */
export function StrategyPage() {
  const { id = '' } = useParams()
  const { t } = useTranslation()
  const { can } = useSession()
  const navigate = useNavigate()
  const client = useQueryClient()
  const { message } = App.useApp()
  const detail = useQuery({ queryKey: ['strategy', id], queryFn: () => api.get<StrategyDetail>(`/v1/strategies/${encodeURIComponent(id)}`) })
  const [base, setBase] = useState<number | undefined>(undefined)

  const draft = useMutation({
    mutationFn: async (from: number) => {
      const source = await api.get<StrategyDocumentView>(`/v1/strategies/${encodeURIComponent(id)}/versions/${from}`)
      // the server numbers the draft: the document's version is set to the next one
      const { version: _version, ...document } = source.document
      return api.post<StrategyVersion>(`/v1/strategies/${encodeURIComponent(id)}/drafts`, { document })
    },
    onSuccess: (created) => {
      void client.invalidateQueries({ queryKey: ['strategy', id] })
      void client.invalidateQueries({ queryKey: ['strategies'] })
      void navigate(`/strategies/${id}/versions/${created.version}`)
    },
    onError: (error) => void message.error(problemText(t, error)),
  })
  const rollback = useMutation({
    mutationFn: () => api.post<Deployment>(`/v1/strategies/${encodeURIComponent(id)}/rollback`, {}),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['strategy', id] })
      void message.success(t('strategy.rolledBack'))
    },
    onError: (error) => void message.error(problemText(t, error)),
  })

  if (detail.isPending) return <Card loading />
  if (detail.isError) return <Alert type="error" showIcon title={problemText(t, detail.error)} />
  const s = detail.data
  const versions = [...s.versions].sort((a, b) => b.version - a.version)
  const baseVersion = base ?? s.live?.champion ?? versions[0]?.version

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Link to="/strategies">
        <ArrowLeftOutlined /> {t('strategies.title')}
      </Link>
      <Typography.Title level={2}>
        {t('strategy.title')} <Typography.Text code>{s.id}</Typography.Text>
      </Typography.Title>
      <Card size="small">
        <Descriptions size="small" column={{ xs: 1, md: 4 }}>
          <Descriptions.Item label={t('strategies.tenant')}>{s.tenantId}</Descriptions.Item>
          <Descriptions.Item label={t('strategies.decisionPoint')}>
            {s.eventType}
            {s.product ? ` / ${s.product}` : ''}
            {s.stage ? ` @ ${s.stage}` : ''}
          </Descriptions.Item>
          <Descriptions.Item label={t('arm.champion')}>{s.live ? `v${s.live.champion}` : '—'}</Descriptions.Item>
          <Descriptions.Item label={t('strategy.challengersShadows')}>
            {s.live ? [...s.live.challengers.map((c) => `v${c.version} (${c.share}%)`), ...s.live.shadows.map((v) => `v${v} (${t('arm.shadow')})`)].join(', ') || '—' : '—'}
          </Descriptions.Item>
        </Descriptions>
      </Card>
      {can('analyst') && (
        <Space wrap>
          <Typography.Text id="draft-base-label">{t('strategy.newDraftFrom')}</Typography.Text>
          <Select aria-labelledby="draft-base-label" style={{ width: 140 }} value={baseVersion} onChange={setBase} options={versions.map((v) => ({ value: v.version, label: `v${v.version} (${t(`versionState.${v.state}`)})` }))} />
          <Button type="primary" icon={<PlusOutlined />} loading={draft.isPending} disabled={baseVersion === undefined} onClick={() => baseVersion !== undefined && draft.mutate(baseVersion)}>
            {t('strategy.newDraft')}
          </Button>
        </Space>
      )}
      <Tabs
        items={[
          {
            key: 'versions',
            label: t('strategy.versions'),
            children: (
              <Table<StrategyVersion>
                rowKey="version"
                size="middle"
                pagination={false}
                dataSource={versions}
                columns={[
                  { title: t('strategy.version'), dataIndex: 'version', render: (v: number) => <Link to={`/strategies/${s.id}/versions/${v}`}>v{v}</Link> },
                  { title: t('strategy.state'), dataIndex: 'state', render: (_, v) => <Space size={4}><StateTag state={v.state} />{v.role && <Tag>{t(`arm.${v.role}`)}</Tag>}</Space> },
                  { title: t('strategy.authors'), dataIndex: 'authors', render: (a: string[]) => a.map(actorName).join(', ') },
                  { title: t('strategy.submittedBy'), dataIndex: 'submittedBy', render: (a: string | null) => actorName(a) },
                  { title: t('strategy.approvedBy'), dataIndex: 'approvedBy', render: (a: string | null) => actorName(a) },
                  { title: t('strategy.updatedAt'), dataIndex: 'updatedAt', render: (at: string) => dateTime(at) },
                ]}
              />
            ),
          },
          { key: 'backtests', label: t('strategyBacktests.tab'), children: <StrategyBacktests strategyId={s.id} /> },
          { key: 'arms', label: t('strategy.arms'), children: <ArmsComparison strategyId={s.id} /> },
          {
            key: 'deployments',
            label: t('strategy.deployments'),
            children: (
              <Space orientation="vertical" style={{ width: '100%' }}>
                {can('approver') && <DeployForm detail={s} />}
                {can('approver') && s.rollbackTo && (
                  <Popconfirm title={t('strategy.rollbackConfirm', { version: s.rollbackTo.champion })} onConfirm={() => rollback.mutate()} okText={t('strategy.rollback')} cancelText={t('common.cancel')}>
                    <Button danger icon={<RollbackOutlined />} loading={rollback.isPending}>
                      {t('strategy.rollback')}
                    </Button>
                  </Popconfirm>
                )}
                <Table<Deployment>
                  rowKey="id"
                  size="small"
                  pagination={false}
                  dataSource={[...s.deployments].reverse()}
                  columns={[
                    { title: t('strategy.movedAt'), dataIndex: 'movedAt', render: (at: string) => dateTime(at) },
                    { title: t('strategy.kind'), dataIndex: 'kind', render: (k: string) => t(`deploymentKind.${k}`) },
                    { title: t('arm.champion'), dataIndex: 'champion', render: (v: number) => `v${v}` },
                    { title: t('strategy.challengers'), dataIndex: 'challengers', render: (c: Deployment['challengers']) => c.map((x) => `v${x.version} (${x.share}%)`).join(', ') || '—' },
                    { title: t('strategy.shadows'), dataIndex: 'shadows', render: (v: number[]) => v.map((x) => `v${x}`).join(', ') || '—' },
                    { title: t('strategy.movedBy'), dataIndex: 'movedBy', render: (a: string) => actorName(a) },
                    { title: t('strategy.note'), dataIndex: 'note' },
                  ]}
                />
              </Space>
            ),
          },
        ]}
      />
    </Space>
  )
}

/** Every backtest of the strategy (any version, anyone's), newest first, each linking to its report: what an approver weighs besides the one a submission cites. */
function StrategyBacktests({ strategyId }: { strategyId: string }) {
  const { t } = useTranslation()
  const backtests = useQuery({
    queryKey: ['backtests', strategyId],
    queryFn: () => api.get<{ items: Backtest[] }>(`/v1/backtests${query({ strategyId })}`),
    // while one runs, its status moves on
    refetchInterval: (q) => (q.state.data?.items.some((b) => b.status === 'queued' || b.status === 'running') ? 2_000 : false),
  })
  if (backtests.isError) return <Alert type="error" showIcon title={problemText(t, backtests.error)} />
  return (
    <Table<Backtest>
      rowKey="id"
      size="small"
      loading={backtests.isPending}
      pagination={{ pageSize: 20, hideOnSinglePage: true }}
      dataSource={backtests.data?.items ?? []}
      aria-label={t('strategyBacktests.tab')}
      locale={{ emptyText: t('strategyBacktests.none') }}
      columns={[
        { title: t('strategyBacktests.id'), dataIndex: 'id', render: (id: string) => <Link to={`/backtests/${encodeURIComponent(id)}`} className="mono">{id.slice(-12)}</Link> },
        { title: t('strategyBacktests.version'), key: 'version', render: (_, b) => <Link to={`/strategies/${strategyId}/versions/${b.strategy.version}`}>v{b.strategy.version}</Link> },
        { title: t('strategyBacktests.period'), key: 'period', render: (_, b) => `${dateTime(b.from)} – ${dateTime(b.to)}` },
        { title: t('strategyBacktests.status'), dataIndex: 'status', render: (status: Backtest['status'], b) => <Tag color={status === 'done' ? 'green' : status === 'failed' ? 'red' : 'processing'} title={b.error}>{t(`backtestStatus.${status}`)}</Tag> },
        { title: t('strategyBacktests.requestedBy'), dataIndex: 'requestedBy', render: (a: string) => actorName(a) },
        { title: t('strategyBacktests.requestedAt'), dataIndex: 'requestedAt', render: (at: string) => dateTime(at) },
        { title: t('strategyBacktests.finishedAt'), dataIndex: 'finishedAt', render: (at?: string) => dateTime(at) },
      ]}
    />
  )
}

/** Sets every arm at once: the champion, challengers on a share of the traffic each, shadows deciding without effect. */
function DeployForm({ detail }: { detail: StrategyDetail }) {
  const { t } = useTranslation()
  const client = useQueryClient()
  const { message } = App.useApp()
  const approved = detail.versions.filter((v) => v.state === 'approved' || v.state === 'live' || v.state === 'retired').map((v) => ({ value: v.version, label: `v${v.version}` }))
  const deploy = useMutation({
    mutationFn: (values: { champion: number; challenger?: number; share?: number; shadows?: number[] }) =>
      api.post<Deployment>(`/v1/strategies/${encodeURIComponent(detail.id)}/deployments`, {
        champion: values.champion,
        challengers: values.challenger && values.share ? [{ version: values.challenger, share: values.share }] : [],
        shadows: values.shadows ?? [],
      }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['strategy', detail.id] })
      void message.success(t('strategy.deployed'))
    },
    onError: (error) => void message.error(problemText(t, error)),
  })
  return (
    <Card size="small" title={t('strategy.deployTitle')}>
      <Form
        layout="inline"
        name="deploy"
        onFinish={(values) => deploy.mutate(values)}
        initialValues={{ champion: detail.live?.champion, challenger: detail.live?.challengers[0]?.version, share: detail.live?.challengers[0]?.share, shadows: detail.live?.shadows }}
      >
        <Form.Item name="champion" label={t('arm.champion')} rules={[{ required: true }]}>
          <Select style={{ width: 100 }} options={approved} />
        </Form.Item>
        <Form.Item name="challenger" label={t('arm.challenger')}>
          <Select style={{ width: 100 }} allowClear options={approved} />
        </Form.Item>
        <Form.Item name="share" label={t('strategy.share')}>
          <InputNumber min={0.01} max={99.99} step={1} addonAfter="%" style={{ width: 120 }} />
        </Form.Item>
        <Form.Item name="shadows" label={t('strategy.shadows')}>
          <Select mode="multiple" style={{ minWidth: 140 }} options={approved} />
        </Form.Item>
        <Button htmlType="submit" type="primary" loading={deploy.isPending}>
          {t('strategy.deploy')}
        </Button>
      </Form>
    </Card>
  )
}

/** Champion against challengers and shadows over a period: action rates, fraud caught, bad rate at 30 dpd of the loans approved, each with a 95 % interval. */
function ArmsComparison({ strategyId }: { strategyId: string }) {
  const { t } = useTranslation()
  const [period, setPeriod] = useState<[Dayjs, Dayjs]>(() => lastDays(30))
  const params = { from: period[0].toISOString(), to: period[1].toISOString() }
  const arms = useQuery({
    queryKey: ['arms', strategyId, params],
    queryFn: () => api.get<ArmComparison>(`/v1/monitoring/strategies/${encodeURIComponent(strategyId)}/arms${query(params)}`),
  })
  type Row = ArmFigures & { label: string; agreement?: ArmComparison['shadows'][number]['agreement'] }
  const rows: Row[] = [
    ...(arms.data?.arms ?? []).map((a) => ({ ...a, label: `v${a.version} · ${t(`arm.${a.arm}`)}` })),
    ...(arms.data?.shadows ?? []).map((s) => ({ ...s, label: `v${s.version} · ${t('arm.shadow')}` })),
  ]
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Space>
        <Typography.Text id="arms-period-label">{t('arms.period')}</Typography.Text>
        <LabelledRange label={t('arms.period')} value={period} onChange={(v) => v?.[0] && v[1] && setPeriod([v[0].startOf('day'), v[1].endOf('day')])} />
      </Space>
      {arms.isError && <Alert type="error" showIcon title={problemText(t, arms.error)} />}
      {arms.data?.sampleRatio && (
        <Alert
          type={arms.data.sampleRatio.mismatch ? 'error' : 'info'}
          showIcon
          title={arms.data.sampleRatio.mismatch ? t('arms.mismatch', { p: arms.data.sampleRatio.pValue.toExponential(2) }) : t('arms.ratioOk', { p: arms.data.sampleRatio.pValue.toFixed(3) })}
        />
      )}
      <Table<Row>
        rowKey="label"
        size="small"
        loading={arms.isPending}
        pagination={false}
        dataSource={rows}
        aria-label={t('strategy.arms')}
        columns={[
          { title: t('arms.arm'), dataIndex: 'label' },
          { title: t('arms.decisions'), dataIndex: 'decisions' },
          { title: t('arms.approvalRate'), dataIndex: 'approvalRate', render: (r) => <RateCell rate={r} /> },
          { title: t('arms.reviewRate'), dataIndex: 'reviewRate', render: (r) => <RateCell rate={r} /> },
          { title: t('arms.rejectRate'), dataIndex: 'rejectRate', render: (r) => <RateCell rate={r} /> },
          { title: t('arms.fraudCaught'), dataIndex: 'fraudCaught', render: (r) => <RateCell rate={r} /> },
          { title: t('arms.badRate', { days: arms.data?.bad.daysPastDue ?? 30 }), dataIndex: 'badRate', render: (r) => <RateCell rate={r} /> },
          { title: t('arms.matured'), key: 'matured', render: (_, row) => row.approvals.matured },
          { title: t('arms.pendingLoans'), key: 'pending', render: (_, row) => t('arms.pendingValue', { immature: row.approvals.immature, notDrawn: row.approvals.notDrawn }) },
          { title: t('arms.agreement'), dataIndex: 'agreement', render: (r) => (r ? <RateCell rate={r} /> : '—') },
        ]}
      />
      <Typography.Text type="secondary">{t('arms.note')}</Typography.Text>
    </Space>
  )
}
