import { ArrowLeftOutlined, DeploymentUnitOutlined } from '@ant-design/icons'
import { useQuery } from '@tanstack/react-query'
import { Alert, Card, Col, Descriptions, List, Row, Space, Spin, Steps, Table, Tag, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { Link, useNavigate, useParams } from 'react-router'
import { api } from '../api/client.ts'
import type { Decision, Explanation, StrategyDocumentView } from '../api/types.ts'
import { FlowDiagramEditor } from '../components/flow-diagram-editor.tsx'
import { ContributionBars, contributionsOf, ReasonList } from '../components/reasons.tsx'
import { ActionTag } from '../components/tags.tsx'
import { dateTime, decimal, money, percent } from '../format.ts'
import { problemText } from './problem-text.ts'

/** One decision and its replayed explanation: the flow's path, the rules that hit, and whether re-running the record gives the same outcome. */
export function DecisionPage() {
  const { id = '' } = useParams()
  const { t } = useTranslation()
  const navigate = useNavigate()
  const decision = useQuery({ queryKey: ['decision', id], queryFn: () => api.get<Decision>(`/v1/decisions/${encodeURIComponent(id)}`) })
  const explanation = useQuery({ queryKey: ['explanation', id], queryFn: () => api.get<Explanation>(`/v1/decisions/${encodeURIComponent(id)}/explanation`) })
  if (decision.isPending) return <Spin />
  if (decision.isError) return <Alert type="error" showIcon title={problemText(t, decision.error)} />
  const d = decision.data
  const ex = explanation.data
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Link to=".." onClick={(e) => { e.preventDefault(); void navigate(-1) }}>
        <ArrowLeftOutlined /> {t('common.back')}
      </Link>
      <Space wrap align="baseline">
        <Typography.Title level={2}>
          {t('decision.title')} <Typography.Text code>{d.decisionId.slice(0, 8)}</Typography.Text>
        </Typography.Title>
        <Link to={`/graph?decision=${encodeURIComponent(d.decisionId)}`} data-testid="decision-graph-link">
          <DeploymentUnitOutlined /> {t('graph.fromDecision')}
        </Link>
      </Space>
      <Card size="small">
        <Descriptions size="small" column={{ xs: 1, md: 3 }}>
          <Descriptions.Item label={t('decision.action')}>
            <ActionTag action={d.action} />
          </Descriptions.Item>
          <Descriptions.Item label={t('decision.eventType')}>{d.eventType}</Descriptions.Item>
          <Descriptions.Item label={t('decision.eventId')}>{d.eventId}</Descriptions.Item>
          <Descriptions.Item label={t('decision.decidedAt')}>{dateTime(d.decidedAt)}</Descriptions.Item>
          <Descriptions.Item label={t('decision.strategy')}>{d.strategy ? `${d.strategy.id} v${d.strategy.version}${d.strategy.arm ? ` (${t(`arm.${d.strategy.arm}`)})` : ''}` : '—'}</Descriptions.Item>
          <Descriptions.Item label={t('decision.latency')}>{decimal(d.latencyMs, 2)} ms</Descriptions.Item>
          {d.offer && (
            <Descriptions.Item label={t('decision.offer')}>
              {money(d.offer.limitMinor)} · {percent(d.offer.aprBps / 10_000, 2)}
            </Descriptions.Item>
          )}
          {Object.entries(d.scores).map(([name, value]) => (
            <Descriptions.Item key={name} label={`${t('decision.score')} ${name}`}>
              {decimal(value, 4)}
              {d.models?.[name] ? ` (${d.models[name].model}@${d.models[name].alias} v${d.models[name].version})` : ''}
            </Descriptions.Item>
          ))}
        </Descriptions>
      </Card>
      <Card size="small" title={t('explain.title')} loading={explanation.isPending}>
        {explanation.isError && <Alert type="error" showIcon title={problemText(t, explanation.error)} />}
        {ex && (
          <Space orientation="vertical" style={{ width: '100%' }}>
            {ex.reproduced ? (
              <Alert type="success" showIcon title={t('explain.reproduced')} />
            ) : (
              <Alert type="warning" showIcon title={t('explain.notReproduced')} description={<List size="small" dataSource={ex.differences} renderItem={(line) => <List.Item><code>{line}</code></List.Item>} />} />
            )}
            <Typography.Title level={5}>{t('explain.path')}</Typography.Title>
            {ex.path.length > 0 ? (
              <Steps size="small" current={ex.path.length - 1} items={ex.path.map((node) => ({ title: node }))} />
            ) : (
              <Typography.Text type="secondary">{t('explain.noPath')}</Typography.Text>
            )}
            {d.strategy && ex.path.length > 0 && <FlowPath strategy={d.strategy} path={ex.path} />}
            <Typography.Title level={5}>{t('explain.hits')}</Typography.Title>
            <Space wrap>
              {ex.hits.length === 0 ? <Typography.Text type="secondary">{t('explain.noHits')}</Typography.Text> : ex.hits.map((hit) => <Tag key={hit} color="volcano">{hit}</Tag>)}
            </Space>
            {ex.ruleErrors.length > 0 && (
              <Alert type="error" title={t('explain.ruleErrors')} description={ex.ruleErrors.map((e) => `${e.ruleId}: ${e.message}`).join('\n')} />
            )}
            <Typography.Text>
              {t('explain.replayedAction')}: <ActionTag action={ex.replayed.action} />
            </Typography.Text>
          </Space>
        )}
      </Card>
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={14}>
          <Card size="small" title={t('case.reasons')}>
            <ReasonList reasons={d.reasons} />
          </Card>
        </Col>
        <Col xs={24} xl={10}>
          <Space orientation="vertical" style={{ width: '100%' }}>
            <Card size="small" title={t('contributions.title')}>
              <ContributionBars contributions={contributionsOf(d.reasons, d.features)} />
            </Card>
            <Card size="small" title={t('case.features', { count: Object.keys(d.features).length })}>
              <Table
                size="small"
                rowKey="name"
                pagination={false}
                dataSource={Object.entries(d.features).sort(([a], [b]) => a.localeCompare(b)).map(([name, value]) => ({ name, value }))}
                columns={[
                  { title: t('case.feature'), dataIndex: 'name', render: (n: string) => <code>{n}</code> },
                  { title: t('case.value'), dataIndex: 'value', align: 'right', render: (v: number) => decimal(v, 4) },
                ]}
              />
            </Card>
          </Space>
        </Col>
      </Row>
    </Space>
  )
}

/** The decision's strategy version as a diagram, the nodes it went through highlighted and numbered (read-only). */
function FlowPath({ strategy, path }: { strategy: NonNullable<Decision['strategy']>; path: string[] }) {
  const { t } = useTranslation()
  const version = useQuery({
    queryKey: ['version', strategy.id, strategy.version],
    queryFn: () => api.get<StrategyDocumentView>(`/v1/strategies/${encodeURIComponent(strategy.id)}/versions/${strategy.version}`),
  })
  if (version.isPending) return <Spin />
  if (version.isError) return <Alert type="warning" showIcon title={t('flowDiagram.versionMissing', { error: problemText(t, version.error) })} />
  return (
    <div data-testid="decision-flow-path">
      <Typography.Title level={5}>{t('flowDiagram.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('flowDiagram.pathNote')}</Typography.Paragraph>
      <FlowDiagramEditor document={version.data.document} editable={false} path={path} />
    </div>
  )
}
