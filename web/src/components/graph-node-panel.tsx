import { NodeExpandOutlined } from '@ant-design/icons'
import { useQuery } from '@tanstack/react-query'
import { Alert, Button, Card, Descriptions, List, Space, Tag, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { Link } from 'react-router'
import { api } from '../api/client.ts'
import type { GraphNode, GraphNodeDetail } from '../api/types.ts'
import { problemText } from '../pages/problem-text.ts'
import { dateTime, decimal } from '../format.ts'
import { isFlagged, kindColours, ringColour } from './graph-canvas.tsx'
import { nodeName } from './graph-lists.tsx'
import { ActionTag, RiskTag, StatusTag } from './tags.tsx'

/** The selected node: what the graph knows of it, and where it appears in decisions and cases. */
export function NodePanel({ node, onExpand, expanding, onRecentre }: { node: GraphNode; onExpand?: () => void; expanding?: boolean; onRecentre?: () => void }) {
  const { t } = useTranslation()
  const detail = useQuery({ queryKey: ['graph-node', node.id], queryFn: () => api.get<GraphNodeDetail>(`/v1/graph/nodes/${node.id}`), staleTime: 30_000 })
  return (
    <Card
      size="small"
      title={
        <Space>
          <Tag color={kindColours[node.kind]}>{t(`entity.${node.kind}`)}</Tag>
          <code data-testid="node-panel-name">{nodeName(node)}</code>
        </Space>
      }
      extra={
        <Space size={4}>
          {onExpand && (
            <Button size="small" icon={<NodeExpandOutlined />} loading={expanding} onClick={onExpand}>
              {t('graph.expand')}
            </Button>
          )}
          {onRecentre && (
            <Button size="small" onClick={onRecentre}>
              {t('graph.recentre')}
            </Button>
          )}
        </Space>
      }
      data-testid="node-panel"
    >
      <Typography.Paragraph type="secondary">{t('graph.maskedNote')}</Typography.Paragraph>
      <Descriptions size="small" column={1} bordered>
        <Descriptions.Item label={t('graph.col.labels')}>
          {node.labels.length === 0 ? '—' : node.labels.map((label) => <Tag key={label} color={isFlagged(node) && label !== 'legitimate' ? 'red' : undefined}>{label}</Tag>)}
        </Descriptions.Item>
        <Descriptions.Item label={t('graph.col.ring')}>
          {node.ring ? (
            <span data-testid="node-ring">
              <Tag color={ringColour(node.ring.id)}>{t('graph.ringName', { id: node.ring.id })}</Tag>
              {t('graph.ringTip', { users: node.ring.users, risk: decimal(node.ring.risk, 2) })}
            </span>
          ) : (
            '—'
          )}
        </Descriptions.Item>
        <Descriptions.Item label={t('graph.propagatedRisk')}>{decimal(node.propagatedRisk, 4)}</Descriptions.Item>
        <Descriptions.Item label={t('graph.col.degree')}>{t('graph.degreeText', { degree: node.degree, users: node.users })}</Descriptions.Item>
        <Descriptions.Item label={t('graph.component')}>{node.componentNodes}</Descriptions.Item>
        <Descriptions.Item label={t('graph.seen')}>
          {dateTime(node.firstSeen)} – {dateTime(node.lastSeen)}
        </Descriptions.Item>
      </Descriptions>
      <Typography.Title level={5}>{t('graph.decisions')}</Typography.Title>
      {detail.isError && <Alert type="error" showIcon title={problemText(t, detail.error)} />}
      <List
        size="small"
        loading={detail.isPending}
        dataSource={detail.data?.decisions ?? []}
        locale={{ emptyText: t('graph.noDecisions') }}
        renderItem={(d) => (
          <List.Item>
            <Link to={`/decisions/${d.decisionId}`}>
              {dateTime(d.decidedAt)} · {d.eventType}
            </Link>{' '}
            <ActionTag action={d.action} />
          </List.Item>
        )}
      />
      {detail.data?.moreDecisions && <Typography.Text type="secondary">{t('graph.moreDecisions')}</Typography.Text>}
      <Typography.Title level={5}>{t('graph.cases')}</Typography.Title>
      <List
        size="small"
        loading={detail.isPending}
        dataSource={detail.data?.cases ?? []}
        locale={{ emptyText: t('graph.noCases') }}
        renderItem={(c) => (
          <List.Item>
            <Link to={`/cases/${c.id}`}>
              {c.kind === 'ring' ? t('ringCase.name') : t('case.title')} {c.id.slice(0, 8)}
            </Link>{' '}
            <StatusTag status={c.status} /> <RiskTag risk={c.risk} />
          </List.Item>
        )}
      />
    </Card>
  )
}
