import { useQuery } from '@tanstack/react-query'
import { Alert, Card, InputNumber, Segmented, Select, Space, Table, Tag, Typography } from 'antd'
import type { Dayjs } from 'dayjs'
import { useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api, query } from '../api/client.ts'
import type { ScoreBucket, ScoreReport, StrategyDocumentView, StrategySummary } from '../api/types.ts'
import { type ChartOption, EChart } from '../components/echart.tsx'
import { LabelledRange } from '../components/labelled-range.tsx'
import { lastDays } from '../components/period.ts'
import { decimal, percent } from '../format.ts'
import { problemText } from './problem-text.ts'

/** The scores the live champions compute, by decision point: what can be monitored. */
async function monitoredScores(): Promise<{ eventType: string; score: string }[]> {
  const { items } = await api.get<{ items: StrategySummary[] }>('/v1/strategies')
  const out: { eventType: string; score: string }[] = []
  for (const s of items) {
    if (!s.live) continue
    const version = await api.get<StrategyDocumentView>(`/v1/strategies/${encodeURIComponent(s.id)}/versions/${s.live.champion}`)
    for (const model of version.document.models ?? []) out.push({ eventType: s.eventType, score: model.name })
  }
  return out
}

/** Model monitoring (模型监控): AUC and KS as labels arrive, PSI of the score against its baseline, drift alerts (docs/monitoring.md). */
export default function ModelMonitoringPage() {
  const { t } = useTranslation()
  const scores = useQuery({ queryKey: ['monitored-scores'], queryFn: monitoredScores, staleTime: 300_000 })
  const [chosen, setChosen] = useState<string | undefined>(undefined)
  const [bucket, setBucket] = useState<'day' | 'week'>('day')
  const [period, setPeriod] = useState<[Dayjs, Dayjs]>(() => lastDays(14))
  const [maturityDays, setMaturityDays] = useState<number>(30)
  const options = (scores.data ?? []).map((s) => ({ value: `${s.eventType}|${s.score}`, label: `${s.eventType} · ${s.score}` }))
  const selected = chosen ?? options[0]?.value
  const [eventType, score] = selected ? selected.split('|') : [undefined, undefined]
  const params = { eventType, score, bucket, maturityDays, from: period[0].toISOString(), to: period[1].toISOString() }
  const report = useQuery({
    queryKey: ['monitoring', params],
    enabled: !!eventType,
    queryFn: async () => {
      const first = await api.get<ScoreReport>(`/v1/monitoring/scores${query(params)}`)
      // the PSI's baseline is the first bucket by default: when that one is empty, take the first with decisions
      const baseline = first.buckets.find((b) => b.volume > 0)
      if (!baseline || baseline === first.buckets[0]) return first
      return api.get<ScoreReport>(`/v1/monitoring/scores${query({ ...params, baselineFrom: baseline.from, baselineTo: baseline.to })}`)
    },
  })
  const option = useMemo<ChartOption | null>(() => {
    const buckets = report.data?.buckets
    if (!buckets) return null
    return {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 48, right: 56, top: 36, bottom: 28 },
      xAxis: { type: 'category', data: buckets.map((b) => b.bucket) },
      yAxis: [
        { type: 'value', min: 0, max: 1, name: 'AUC / KS' },
        { type: 'value', min: 0, name: 'PSI' },
      ],
      series: [
        { name: 'AUC', type: 'line', data: buckets.map((b) => b.auc), connectNulls: false },
        { name: 'KS', type: 'line', data: buckets.map((b) => b.ks) },
        {
          name: 'PSI',
          type: 'bar',
          yAxisIndex: 1,
          data: buckets.map((b) => b.scorePsi),
          itemStyle: { color: 'rgba(250, 140, 22, 0.6)' },
          markLine: { symbol: 'none', data: [{ yAxis: 0.1, name: t('monitoring.warning') }, { yAxis: 0.25, name: t('monitoring.alert') }], lineStyle: { type: 'dashed' } },
        },
      ],
    }
  }, [report.data, t])
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={2}>{t('monitoring.title')}</Typography.Title>
      <Space wrap>
        <Typography.Text id="mon-score-label">{t('monitoring.score')}</Typography.Text>
        <Select aria-labelledby="mon-score-label" style={{ width: 280 }} loading={scores.isPending} value={selected} onChange={setChosen} options={options} />
        <Typography.Text id="mon-period-label">{t('dash.period')}</Typography.Text>
        <LabelledRange label={t('dash.period')} value={period} onChange={(p) => p?.[0] && p[1] && setPeriod([p[0].startOf('day'), p[1].endOf('day')])} />
        <Typography.Text id="mon-maturity-label">{t('monitoring.maturityDays')}</Typography.Text>
        <InputNumber aria-labelledby="mon-maturity-label" min={0} max={365} value={maturityDays} onChange={(v) => setMaturityDays(v ?? 30)} style={{ width: 80 }} />
        <Segmented<'day' | 'week'>
          aria-label={t('monitoring.bucket')}
          value={bucket}
          onChange={setBucket}
          options={[
            { value: 'day', label: t('monitoring.day') },
            { value: 'week', label: t('monitoring.week') },
          ]}
        />
      </Space>
      <Typography.Text type="secondary">{t('monitoring.maturityNote', { days: maturityDays })}</Typography.Text>
      {report.isError && <Alert type="error" showIcon title={problemText(t, report.error)} />}
      {option && (
        <Card size="small" title={t('monitoring.chart', { score: score ?? '' })}>
          <EChart option={option} label={t('monitoring.chart', { score: score ?? '' })} height={340} testId="chart-monitoring" />
        </Card>
      )}
      {report.data && report.data.alerts.length > 0 && (
        <Card size="small" title={t('monitoring.alerts')}>
          <Space wrap>
            {report.data.alerts.map((a) => (
              <Tag key={`${a.bucket}-${a.subject}-${a.name}`} color={a.level === 'alert' ? 'red' : 'orange'}>
                {a.bucket} · {a.subject === 'score' ? t('monitoring.scoreSubject') : a.name} · PSI {decimal(a.psi)}
              </Tag>
            ))}
          </Space>
        </Card>
      )}
      <Table<ScoreBucket>
        rowKey="bucket"
        size="small"
        loading={report.isFetching}
        pagination={false}
        dataSource={report.data?.buckets ?? []}
        columns={[
          { title: t('monitoring.bucketCol'), dataIndex: 'bucket' },
          { title: t('monitoring.volume'), dataIndex: 'volume' },
          { title: t('monitoring.labelled'), dataIndex: 'labelled' },
          { title: t('monitoring.positives'), dataIndex: 'positives' },
          { title: 'AUC', dataIndex: 'auc', render: (v: number | null) => decimal(v) },
          { title: 'KS', dataIndex: 'ks', render: (v: number | null) => decimal(v) },
          { title: t('monitoring.precision'), key: 'p', render: (_, b) => percent(b.capacity.precision) },
          { title: t('monitoring.recall'), key: 'r', render: (_, b) => percent(b.capacity.recall) },
          { title: 'PSI', dataIndex: 'scorePsi', render: (v: number | null) => decimal(v) },
        ]}
      />
    </Space>
  )
}
