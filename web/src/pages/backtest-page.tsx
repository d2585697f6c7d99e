import { ArrowLeftOutlined } from '@ant-design/icons'
import { useQuery } from '@tanstack/react-query'
import { Alert, Card, Descriptions, Space, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { Link, useParams } from 'react-router'
import { api } from '../api/client.ts'
import type { Backtest } from '../api/types.ts'
import { BacktestReportView } from '../components/backtest-report.tsx'
import { actorName, dateTime } from '../format.ts'
import { problemText } from './problem-text.ts'

/** One backtest, whoever ran it: its strategy version, period and status, and its report once done. */
export function BacktestPage() {
  const { id = '' } = useParams()
  const { t } = useTranslation()
  const backtest = useQuery({
    queryKey: ['backtest', id],
    queryFn: () => api.get<Backtest>(`/v1/backtests/${encodeURIComponent(id)}`),
    refetchInterval: (q) => (q.state.data && (q.state.data.status === 'done' || q.state.data.status === 'failed') ? false : 1_000),
  })
  if (backtest.isPending) return <Card loading />
  if (backtest.isError) return <Alert type="error" showIcon title={problemText(t, backtest.error)} />
  const b = backtest.data
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Link to={`/strategies/${b.strategy.id}`}>
        <ArrowLeftOutlined /> {b.strategy.id}
      </Link>
      <Typography.Title level={2}>
        {t('strategyBacktests.title')} <Typography.Text code>{b.id}</Typography.Text>
      </Typography.Title>
      <Card size="small">
        <Descriptions size="small" column={{ xs: 1, md: 3 }}>
          <Descriptions.Item label={t('strategyBacktests.version')}>
            <Link to={`/strategies/${b.strategy.id}/versions/${b.strategy.version}`}>{t('strategyBacktests.of', { strategy: b.strategy.id, version: b.strategy.version })}</Link>
          </Descriptions.Item>
          <Descriptions.Item label={t('strategyBacktests.period')}>
            {dateTime(b.from)} – {dateTime(b.to)}
          </Descriptions.Item>
          <Descriptions.Item label={t('strategyBacktests.status')}>{t(`backtestStatus.${b.status}`)}</Descriptions.Item>
          <Descriptions.Item label={t('strategyBacktests.requestedBy')}>{actorName(b.requestedBy)}</Descriptions.Item>
          <Descriptions.Item label={t('strategyBacktests.requestedAt')}>{dateTime(b.requestedAt)}</Descriptions.Item>
          <Descriptions.Item label={t('strategyBacktests.finishedAt')}>{dateTime(b.finishedAt)}</Descriptions.Item>
        </Descriptions>
      </Card>
      {b.status === 'failed' && <Alert type="error" showIcon title={t('backtest.failed', { error: b.error ?? '' })} />}
      {b.report ? <BacktestReportView report={b.report} /> : b.status !== 'failed' && <Alert type="info" showIcon title={t('strategyBacktests.notDone')} />}
    </Space>
  )
}
