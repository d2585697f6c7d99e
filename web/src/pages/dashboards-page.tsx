import { useQuery } from '@tanstack/react-query'
import { Alert, Card, Col, Row, Select, Space, Statistic, Typography } from 'antd'
import type { Dayjs } from 'dayjs'
import { useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api, query } from '../api/client.ts'
import { type Action, actions, type DashboardOverview, type EventType } from '../api/types.ts'
import { type ChartOption, EChart } from '../components/echart.tsx'
import { LabelledRange } from '../components/labelled-range.tsx'
import { lastDays } from '../components/period.ts'
import { reasonMessage } from '../components/reasons.tsx'
import { actorName, money } from '../format.ts'
import { problemText } from './problem-text.ts'

const actionColors: Record<Action, string> = { approve: '#52c41a', step_up: '#faad14', review: '#fa8c16', reject: '#f5222d' }

/** Dashboards (看板): when decisions happen, how many are interventions, the rates over time, the review desk's throughput and SLA, the rules that fire most. */
export default function DashboardsPage() {
  const { t, i18n } = useTranslation()
  const [period, setPeriod] = useState<[Dayjs, Dayjs]>(() => lastDays(7))
  const [eventType, setEventType] = useState<string | undefined>(undefined)
  const eventTypes = useQuery({ queryKey: ['event-types'], queryFn: () => api.get<{ items: EventType[] }>('/v1/event-types'), staleTime: 600_000 })
  const params = { from: period[0].toISOString(), to: period[1].toISOString(), eventType, timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone }
  const overview = useQuery({ queryKey: ['dashboard', params], queryFn: () => api.get<DashboardOverview>(`/v1/dashboards/overview${query(params)}`), staleTime: 60_000 })
  const d = overview.data

  const charts = useMemo(() => {
    if (!d) return null
    const actionName = (a: Action) => t(`action.${a}`)
    const compact = new Intl.NumberFormat(i18n.language === 'zh' ? 'zh-CN' : 'en-US', { notation: 'compact', maximumFractionDigits: 1 })
    const hours = d.hourOfDay.map((h) => String(h.hour).padStart(2, '0'))
    const days = d.days.map((x) => x.day.slice(5))
    const byHour: ChartOption = {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 48, right: 56, top: 36, bottom: 28 },
      xAxis: { type: 'category', data: hours, name: t('dash.hour') },
      yAxis: [{ type: 'value', minInterval: 1 }, { type: 'value', max: 100, axisLabel: { formatter: '{value} %' }, splitLine: { show: false } }],
      series: [
        ...actions.map((a, i) => ({
        name: actionName(a),
        type: 'bar',
        stack: 'all',
        data: d.hourOfDay.map((h) => h[a]),
        itemStyle: { color: actionColors[a] },
        ...(i === 0 ? { markArea: { itemStyle: { color: 'rgba(245, 34, 45, 0.08)' }, label: { show: true, position: 'insideTop', formatter: t('dash.scamPeak') }, data: [[{ xAxis: '16' }, { xAxis: '17' }]] } } : {}),
        })),
        {
          name: t('dash.interventionShare'),
          type: 'line',
          yAxisIndex: 1,
          smooth: true,
          // a share of a handful of decisions is noise: hours with fewer than 5 are left blank
          data: d.hourOfDay.map((h) => (h.decisions < 5 ? null : Math.round(((h.decisions - h.approve) / h.decisions) * 1000) / 10)),
          itemStyle: { color: '#722ed1' },
        },
      ],
    }
    const interventions: ChartOption = {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 48, right: 72, top: 36, bottom: 28 },
      xAxis: { type: 'category', data: days },
      yAxis: [{ type: 'value', name: t('dash.decisionsAxis'), minInterval: 1 }, { type: 'value', name: t('dash.amountAxis'), splitLine: { show: false }, axisLabel: { formatter: (v: number) => compact.format(v) } }],
      series: [
        ...(['step_up', 'review', 'reject'] as const).map((a) => ({ name: actionName(a), type: 'bar', stack: 'i', data: d.days.map((x) => x[a]), itemStyle: { color: actionColors[a] } })),
        { name: t('dash.amountProtected'), type: 'line', yAxisIndex: 1, data: d.days.map((x) => x.amountProtectedMinor / 100), itemStyle: { color: '#1f5fa8' } },
      ],
    }
    const rates: ChartOption = {
      tooltip: { trigger: 'axis', valueFormatter: (v: number) => `${v.toFixed(1)} %` },
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 36, bottom: 28 },
      xAxis: { type: 'category', data: days },
      yAxis: { type: 'value', axisLabel: { formatter: '{value} %' } },
      series: (['approve', 'review', 'reject'] as const).map((a) => ({
        name: t(`dash.rate.${a}`),
        type: 'line',
        data: d.days.map((x) => (x.decisions === 0 ? null : (x[a] / x.decisions) * 100)),
        itemStyle: { color: actionColors[a] },
      })),
    }
    const reviewers: ChartOption = {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 36, bottom: 28 },
      xAxis: { type: 'category', data: d.reviewers.map((r) => actorName(r.reviewer)) },
      yAxis: { type: 'value', minInterval: 1 },
      series: [
        { name: t('dash.closedInTime'), type: 'bar', stack: 'r', barMaxWidth: 48, data: d.reviewers.map((r) => r.closed - r.closedLate), itemStyle: { color: '#1f5fa8' } },
        { name: t('dash.closedLate'), type: 'bar', stack: 'r', data: d.reviewers.map((r) => r.closedLate), itemStyle: { color: '#f5222d' } },
      ],
    }
    const sla: ChartOption = {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 36, bottom: 28 },
      xAxis: { type: 'category', data: days },
      yAxis: { type: 'value', minInterval: 1 },
      series: [
        { name: t('dash.casesClosed'), type: 'bar', barMaxWidth: 48, data: d.days.map((x) => x.casesClosed), itemStyle: { color: '#1f5fa8' } },
        { name: t('dash.closedLate'), type: 'line', data: d.days.map((x) => x.closedLate), itemStyle: { color: '#f5222d' } },
      ],
    }
    const top = [...d.topRules].reverse()
    const topRules: ChartOption = {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      grid: { left: 16, right: 40, top: 8, bottom: 24, containLabel: true },
      xAxis: { type: 'value' },
      yAxis: { type: 'category', data: top.map((r) => `${r.ruleId} · ${reasonMessage(r)}`), axisLabel: { width: 320, overflow: 'truncate' } },
      series: [{ name: t('dash.hits'), type: 'bar', data: top.map((r) => r.hits), itemStyle: { color: '#fa541c' }, label: { show: true, position: 'right' } }],
    }
    return { byHour, interventions, rates, reviewers, sla, topRules }
  }, [d, t, i18n.language])

  const protectedTotal = d?.days.reduce((sum, x) => sum + x.amountProtectedMinor, 0) ?? 0
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={2}>{t('dash.title')}</Typography.Title>
      <Space wrap>
        <Typography.Text id="dash-period-label">{t('dash.period')}</Typography.Text>
        <LabelledRange label={t('dash.period')} value={period} onChange={(p) => p?.[0] && p[1] && setPeriod([p[0].startOf('day'), p[1].endOf('day')])} />
        <Typography.Text id="dash-type-label">{t('decision.eventType')}</Typography.Text>
        <Select aria-labelledby="dash-type-label" allowClear showSearch placeholder={t('common.all')} style={{ width: 200 }} value={eventType} onChange={setEventType} options={(eventTypes.data?.items ?? []).map((e) => ({ value: e.type, label: e.type }))} />
      </Space>
      {overview.isError && <Alert type="error" showIcon title={problemText(t, overview.error)} />}
      {d?.truncated && <Alert type="warning" showIcon title={t('dash.truncated')} />}
      <Row gutter={[16, 16]}>
        <Col xs={12} md={6}>
          <Card size="small">
            <Statistic title={t('dash.decisions')} value={d?.decisions ?? '—'} loading={overview.isPending} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card size="small">
            <Statistic title={t('dash.interventions')} value={d?.days.reduce((s, x) => s + x.interventions, 0) ?? '—'} loading={overview.isPending} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card size="small">
            <Statistic title={t('dash.amountProtected')} value={money(protectedTotal)} loading={overview.isPending} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card size="small">
            <Statistic title={t('queue.counts.breached')} value={d?.queueNow.breached ?? '—'} loading={overview.isPending} styles={(d?.queueNow.breached ?? 0) > 0 ? { content: { color: '#cf1322' } } : {}} />
          </Card>
        </Col>
      </Row>
      {charts && (
        <Row gutter={[16, 16]}>
          <Col xs={24} xl={12}>
            <Card size="small" title={t('dash.byHour')}>
              <EChart option={charts.byHour} label={t('dash.byHour')} testId="chart-by-hour" />
            </Card>
          </Col>
          <Col xs={24} xl={12}>
            <Card size="small" title={t('dash.interventionsPerDay')}>
              <EChart option={charts.interventions} label={t('dash.interventionsPerDay')} testId="chart-interventions" />
            </Card>
          </Col>
          <Col xs={24} xl={12}>
            <Card size="small" title={t('dash.rates')}>
              <EChart option={charts.rates} label={t('dash.rates')} testId="chart-rates" />
            </Card>
          </Col>
          <Col xs={24} xl={12}>
            <Card size="small" title={t('dash.topRules')}>
              <EChart option={charts.topRules} label={t('dash.topRules')} height={360} testId="chart-top-rules" />
            </Card>
          </Col>
          <Col xs={24} xl={12}>
            <Card size="small" title={t('dash.reviewers')}>
              <EChart option={charts.reviewers} label={t('dash.reviewers')} testId="chart-reviewers" />
            </Card>
          </Col>
          <Col xs={24} xl={12}>
            <Card size="small" title={t('dash.sla')} extra={<Typography.Text type="secondary">{t('dash.queueNow', d?.queueNow ?? { open: 0, claimed: 0, waitingCallback: 0, breached: 0 })}</Typography.Text>}>
              <EChart option={charts.sla} label={t('dash.sla')} testId="chart-sla" />
            </Card>
          </Col>
        </Row>
      )}
    </Space>
  )
}
