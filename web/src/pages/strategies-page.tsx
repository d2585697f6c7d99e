import { useQuery } from '@tanstack/react-query'
import { Alert, Space, Table, Tag, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { Link } from 'react-router'
import { api } from '../api/client.ts'
import type { StrategySummary, VersionState } from '../api/types.ts'
import { StateTag } from '../components/tags.tsx'
import { dateTime } from '../format.ts'
import { useSession } from '../session.tsx'
import { problemText } from './problem-text.ts'

const states: VersionState[] = ['draft', 'submitted', 'approved', 'rejected', 'withdrawn', 'live', 'retired']

/** Strategies (策略) by decision point: what runs now and their versions by state. */
export function StrategiesPage() {
  const { t } = useTranslation()
  const { tenantId } = useSession()
  const strategies = useQuery({ queryKey: ['strategies'], queryFn: () => api.get<{ items: StrategySummary[] }>('/v1/strategies') })
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={2}>{t('strategies.title')}</Typography.Title>
      {tenantId && (
        <Typography.Text type="secondary" data-testid="strategies-tenant">
          {t('strategies.ofTenant', { tenant: tenantId })}
        </Typography.Text>
      )}
      {strategies.isError && <Alert type="error" showIcon title={problemText(t, strategies.error)} />}
      <Table<StrategySummary>
        rowKey="id"
        loading={strategies.isPending}
        dataSource={strategies.data?.items ?? []}
        pagination={false}
        columns={[
          { title: t('strategies.id'), dataIndex: 'id', render: (id: string) => <Link to={`/strategies/${id}`}>{id}</Link> },
          { title: t('strategies.decisionPoint'), key: 'point', render: (_, s) => `${s.eventType}${s.product ? ` / ${s.product}` : ''}${s.stage ? ` @ ${s.stage}` : ''}` },
          {
            title: t('strategies.running'),
            key: 'live',
            render: (_, s) =>
              s.live ? (
                <Space wrap size={4}>
                  <Tag color="green">
                    {t('arm.champion')} v{s.live.champion}
                  </Tag>
                  {s.live.challengers.map((c) => (
                    <Tag key={c.version} color="blue">
                      {t('arm.challenger')} v{c.version} · {c.share}%
                    </Tag>
                  ))}
                  {s.live.shadows.map((v) => (
                    <Tag key={v}>
                      {t('arm.shadow')} v{v}
                    </Tag>
                  ))}
                </Space>
              ) : (
                '—'
              ),
          },
          {
            title: t('strategies.versions'),
            key: 'versions',
            render: (_, s) => (
              <Space wrap size={4}>
                {states
                  .filter((state) => (s.versions[state]?.length ?? 0) > 0)
                  .map((state) => (
                    <span key={state}>
                      <StateTag state={state} /> {s.versions[state]!.map((v) => `v${v}`).join(', ')}
                    </span>
                  ))}
              </Space>
            ),
          },
          { title: t('strategies.deployedAt'), key: 'at', render: (_, s) => dateTime(s.live?.deployedAt) },
        ]}
      />
    </Space>
  )
}
