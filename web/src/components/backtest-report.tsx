import { Descriptions, Table, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { type Action, actions, type BacktestReport, type BacktestSummary } from '../api/types.ts'
import { dateTime, decimal, percent } from '../format.ts'
import { ActionTag } from './tags.tsx'

/** A finished backtest: the draft against what was live over the same events. */
export function BacktestReportView({ report }: { report: BacktestReport }) {
  const { t } = useTranslation()
  return (
    <div data-testid="backtest-report">
      <Descriptions size="small" bordered column={{ xs: 1, md: 2 }}>
        <Descriptions.Item label={t('backtest.period')}>
          {dateTime(report.period.from)} – {dateTime(report.period.to)}
        </Descriptions.Item>
        <Descriptions.Item label={t('backtest.decided')}>{report.events.decided}</Descriptions.Item>
        <Descriptions.Item label={t('backtest.approvalRate')}>
          {percent(report.approvalRate.live)} → {percent(report.approvalRate.draft)} ({report.approvalRate.change >= 0 ? '+' : ''}
          {percent(report.approvalRate.change)})
        </Descriptions.Item>
        <Descriptions.Item label={t('backtest.changed')}>
          {report.changed.events} ({percent(report.changed.rate)})
        </Descriptions.Item>
        <Descriptions.Item label={t('backtest.reviews')}>
          {report.reviews.live} → {report.reviews.draft}
        </Descriptions.Item>
        <Descriptions.Item label={t('backtest.precisionRecall')}>
          {percent(report.confusion.live.precision)} / {percent(report.confusion.live.recall)} → {percent(report.confusion.draft.precision)} / {percent(report.confusion.draft.recall)}
        </Descriptions.Item>
        <Descriptions.Item label={t('backtest.ruleErrors')}>{report.ruleErrors}</Descriptions.Item>
        <Descriptions.Item label={t('backtest.time')}>{decimal(report.timing.seconds, 2)} s</Descriptions.Item>
      </Descriptions>
      <Typography.Title level={5}>{t('backtest.actions')}</Typography.Title>
      <Table
        size="small"
        pagination={false}
        rowKey="action"
        dataSource={actions.map((action) => ({ action, live: report.actions.live[action], draft: report.actions.draft[action] }))}
        columns={[
          { title: t('decision.action'), dataIndex: 'action', render: (a: Action) => <ActionTag action={a} /> },
          { title: t('backtest.live'), dataIndex: 'live', render: (s: { events: number; rate: number }) => `${s.events} (${percent(s.rate)})` },
          { title: t('backtest.draft'), dataIndex: 'draft', render: (s: { events: number; rate: number }) => `${s.events} (${percent(s.rate)})` },
        ]}
      />
      {report.changed.transitions.length > 0 && (
        <>
          <Typography.Title level={5}>{t('backtest.transitions')}</Typography.Title>
          <Table
            size="small"
            pagination={false}
            rowKey={(r) => `${r.live}-${r.draft}`}
            dataSource={report.changed.transitions}
            columns={[
              { title: t('backtest.live'), dataIndex: 'live', render: (a: Action) => <ActionTag action={a} /> },
              { title: t('backtest.draft'), dataIndex: 'draft', render: (a: Action) => <ActionTag action={a} /> },
              { title: t('backtest.events'), dataIndex: 'events' },
            ]}
          />
        </>
      )}
      <Typography.Title level={5}>{t('backtest.rules')}</Typography.Title>
      <Table
        size="small"
        pagination={false}
        rowKey="id"
        dataSource={report.rules}
        columns={[
          { title: t('backtest.rule'), dataIndex: 'id', render: (id: string) => <code>{id}</code> },
          { title: t('backtest.node'), dataIndex: 'node' },
          { title: t('decision.action'), dataIndex: 'action', render: (a?: Action) => <ActionTag action={a} /> },
          { title: t('backtest.hits'), dataIndex: 'hits' },
          { title: t('backtest.hitRate'), dataIndex: 'rate', render: (r: number) => percent(r, 2) },
        ]}
      />
    </div>
  )
}

/** What an approver sees of the backtest a submission cites. */
export function BacktestFigures({ summary }: { summary: BacktestSummary }) {
  const { t } = useTranslation()
  const f = summary.figures
  return (
    <Descriptions size="small" bordered column={{ xs: 1, md: 2 }} data-testid="backtest-figures">
      <Descriptions.Item label={t('backtest.status')}>{t(`backtestStatus.${summary.status}`)}</Descriptions.Item>
      <Descriptions.Item label={t('backtest.period')}>
        {dateTime(summary.from)} – {dateTime(summary.to)}
      </Descriptions.Item>
      <Descriptions.Item label={t('backtest.decided')}>{f?.decided ?? '—'}</Descriptions.Item>
      <Descriptions.Item label={t('backtest.approvalRate')}>{f?.approvalRate ? `${percent(f.approvalRate.live)} → ${percent(f.approvalRate.draft)}` : '—'}</Descriptions.Item>
      <Descriptions.Item label={t('backtest.changed')}>{f?.changed?.events ?? '—'}</Descriptions.Item>
      <Descriptions.Item label={t('backtest.reviews')}>{f?.reviews ? `${f.reviews.live ?? '—'} → ${f.reviews.draft ?? '—'}` : '—'}</Descriptions.Item>
      <Descriptions.Item label={t('backtest.precisionRecall')}>
        {f?.precision ? `${percent(f.precision.live)} / ${percent(f.recall?.live)} → ${percent(f.precision.draft)} / ${percent(f.recall?.draft)}` : '—'}
      </Descriptions.Item>
      <Descriptions.Item label={t('backtest.ruleErrors')}>{f?.ruleErrors ?? '—'}</Descriptions.Item>
    </Descriptions>
  )
}
