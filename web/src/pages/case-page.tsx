import { ArrowLeftOutlined, EyeOutlined, RollbackOutlined, SafetyCertificateOutlined } from '@ant-design/icons'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, App, Button, Card, Col, Descriptions, Empty, Input, Popconfirm, Row, Space, Spin, Table, Tag, Timeline, Typography } from 'antd'
import { lazy, Suspense, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useNavigate, useParams } from 'react-router'
import { api } from '../api/client.ts'
import type { CaseActivity, CaseView, EntityKind, EventType, RelatedDecision, ReviewCase } from '../api/types.ts'
import { CallForm } from '../components/call-form.tsx'
import { CloseCaseDialog } from '../components/close-case-dialog.tsx'
import { ContributionBars, contributionsOf, ReasonList } from '../components/reasons.tsx'
import { SlaClock } from '../components/sla-clock.tsx'
import { ActionTag, RiskTag, StatusTag } from '../components/tags.tsx'
import { actorName, dateTime, decimal, money } from '../format.ts'
import { actorOf, useSession } from '../session.tsx'
import { RingMembers } from '../components/ring-members.tsx'
import { problemText } from './problem-text.ts'

// the ring's subgraph is drawn with cytoscape, loaded only when a ring case is opened
const RingSubgraph = lazy(() => import('../components/ring-subgraph.tsx'))

/** A case (案件): the applicant (masked), the decision and why, related decisions, history; the reviewer holding it calls, calls back, releases or closes. */
export function CasePage() {
  const { id = '' } = useParams()
  const { t } = useTranslation()
  const { user, can } = useSession()
  const navigate = useNavigate()
  const client = useQueryClient()
  const { message } = App.useApp()
  const [closing, setClosing] = useState(false)
  const view = useQuery({ queryKey: ['case', id], queryFn: () => api.get<CaseView>(`/v1/cases/${encodeURIComponent(id)}`) })
  const refresh = () => {
    void client.invalidateQueries({ queryKey: ['case', id] })
    void client.invalidateQueries({ queryKey: ['cases'] })
    void client.invalidateQueries({ queryKey: ['cases-summary'] })
  }
  const release = useMutation({
    mutationFn: () => api.post<ReviewCase>(`/v1/cases/${encodeURIComponent(id)}/release`),
    onSuccess: () => {
      refresh()
      void message.success(t('case.released'))
      void navigate('/queue')
    },
    onError: (error) => void message.error(problemText(t, error)),
  })

  if (view.isPending) return <Spin />
  if (view.isError) return <Alert type="error" showIcon title={problemText(t, view.error)} />
  const { case: reviewCase, decision, event, activities, related, subgraph, excluded = [] } = view.data
  const holding = reviewCase.status === 'claimed' && reviewCase.assignee === actorOf(user) && can('reviewer')
  const closed = activities.find((a) => a.kind === 'closed')

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Space wrap>
        <Link to="/queue">
          <ArrowLeftOutlined /> {t('case.backToQueue')}
        </Link>
      </Space>
      <Typography.Title level={2}>
        {t('case.title')} <Typography.Text code>{reviewCase.id.slice(0, 8)}</Typography.Text>
      </Typography.Title>
      <Card size="small">
        <Descriptions size="small" column={{ xs: 1, md: 3, xl: 4 }}>
          <Descriptions.Item label={t('case.status')}>
            <StatusTag status={reviewCase.status} />
          </Descriptions.Item>
          <Descriptions.Item label={t('case.risk')}>
            <RiskTag risk={reviewCase.risk} />
          </Descriptions.Item>
          <Descriptions.Item label={t('case.queue')}>{reviewCase.kind === 'ring' ? t('ringCase.queue') : reviewCase.queue}</Descriptions.Item>
          {reviewCase.kind === 'decision' && <Descriptions.Item label={t('case.amount')}>{money(reviewCase.amountMinor)}</Descriptions.Item>}
          <Descriptions.Item label={t('case.sla')}>
            <SlaClock reviewCase={reviewCase} />
          </Descriptions.Item>
          <Descriptions.Item label={t('case.assignee')}>{actorName(reviewCase.assignee)}</Descriptions.Item>
          <Descriptions.Item label={t('case.created')}>{dateTime(reviewCase.createdAtMs)}</Descriptions.Item>
          <Descriptions.Item label={t('case.callback')}>{reviewCase.callbackAtMs ? dateTime(reviewCase.callbackAtMs) : '—'}</Descriptions.Item>
          {reviewCase.status === 'closed' && (
            <>
              <Descriptions.Item label={t('case.disposition')}>{reviewCase.disposition ? t(`disposition.${reviewCase.disposition}`) : '—'}</Descriptions.Item>
              <Descriptions.Item label={t('case.label')}>
                <Tag color="magenta" data-testid="case-label">
                  {String(closed?.data.label ?? '—')}
                </Tag>
              </Descriptions.Item>
              {reviewCase.kind === 'decision' && (
                <Descriptions.Item label={t('case.resolution')}>
                  <span data-testid="case-resolution">
                    <ActionTag action={reviewCase.resolution} />
                  </span>
                </Descriptions.Item>
              )}
            </>
          )}
        </Descriptions>
      </Card>
      {reviewCase.status === 'closed' && reviewCase.disposition && reviewCase.kind === 'ring' && (
        <Alert
          type="success"
          showIcon
          icon={<SafetyCertificateOutlined />}
          data-testid="ring-closed-summary"
          title={
            closed?.data.label
              ? `${t('ringCase.closedLabelled', { count: Number(closed.data.labelledUsers ?? 0), unlabelled: Number(closed.data.unlabelledUsers ?? 0) })}${Number(closed.data.excludedUsers ?? 0) > 0 ? ` ${t('ringMembers.closedExcluded', { count: Number(closed.data.excludedUsers) })}` : ''}`
              : t('ringCase.closedDismissed')
          }
        />
      )}
      {reviewCase.status === 'closed' && reviewCase.disposition && reviewCase.kind === 'decision' && (
        <Alert
          type="success"
          showIcon
          icon={<SafetyCertificateOutlined />}
          title={t('case.closedSummary', {
            disposition: t(`disposition.${reviewCase.disposition}`),
            label: String(closed?.data.label ?? ''),
            eventType: reviewCase.eventType,
            resolution: t(`action.${reviewCase.resolution ?? 'reject'}`),
          })}
        />
      )}
      {holding && (
        <Card size="small" title={t('case.actions')}>
          <Space wrap>
            <Button type="primary" danger onClick={() => setClosing(true)}>
              {t('case.close')}
            </Button>
            <Popconfirm title={t('case.releaseConfirm')} onConfirm={() => release.mutate()} okText={t('case.release')} cancelText={t('common.cancel')}>
              <Button icon={<RollbackOutlined />} loading={release.isPending}>
                {t('case.release')}
              </Button>
            </Popconfirm>
          </Space>
        </Card>
      )}
      {reviewCase.kind === 'ring' || !decision || !event ? (
        <Row gutter={[16, 16]}>
          <Col xs={24}>
            <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
              <RingCard reviewCase={reviewCase} />
              <RingMembers reviewCase={reviewCase} excluded={excluded} nodes={subgraph?.nodes ?? []} holding={holding} onChanged={refresh} />
              <Card size="small" title={t('ringCase.subgraph')}>
                <Suspense fallback={<Spin />}>{subgraph ? <RingSubgraph subgraph={subgraph} /> : <Empty />}</Suspense>
              </Card>
            </Space>
          </Col>
          <Col xs={24} xl={9}>
            <Card size="small" title={t('case.history')}>
              <History activities={activities} />
            </Card>
          </Col>
        </Row>
      ) : (
        <Row gutter={[16, 16]}>
          <Col xs={24} xl={15}>
            <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
              <ApplicantCard caseId={reviewCase.id} event={event} mayReveal={can('reviewer')} onRevealed={refresh} />
              <Card size="small" title={t('case.decision')} extra={<Link to={`/decisions/${decision.decisionId}`}>{t('case.openExplanation')}</Link>}>
                <Descriptions size="small" column={{ xs: 1, md: 3 }}>
                  <Descriptions.Item label={t('decision.action')}>
                    <ActionTag action={decision.action} />
                  </Descriptions.Item>
                  <Descriptions.Item label={t('decision.strategy')}>
                    {decision.strategy ? `${decision.strategy.id} v${decision.strategy.version}${decision.strategy.arm ? ` (${t(`arm.${decision.strategy.arm}`)})` : ''}` : '—'}
                  </Descriptions.Item>
                  <Descriptions.Item label={t('decision.decidedAt')}>{dateTime(decision.decidedAt)}</Descriptions.Item>
                  {Object.entries(decision.scores).map(([name, value]) => (
                    <Descriptions.Item key={name} label={`${t('decision.score')} ${name}`}>
                      {decimal(value, 4)}
                    </Descriptions.Item>
                  ))}
                </Descriptions>
                <Typography.Title level={4}>{t('case.reasons')}</Typography.Title>
                <ReasonList reasons={decision.reasons} />
              </Card>
              <Card size="small" title={t('contributions.title')}>
                <ContributionBars contributions={contributionsOf(decision.reasons, decision.features)} />
              </Card>
              <FeaturesCard features={decision.features} />
              <RelatedCard related={related} entityKeys={reviewCase.entityKeys} />
            </Space>
          </Col>
          <Col xs={24} xl={9}>
            <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
              {holding && <CallForm caseId={reviewCase.id} onLogged={(scheduled) => (scheduled ? void navigate('/queue') : refresh())} />}
              <Card size="small" title={t('case.history')}>
                <History activities={activities} />
              </Card>
            </Space>
          </Col>
        </Row>
      )}
      <CloseCaseDialog
        open={closing}
        caseId={reviewCase.id}
        eventType={reviewCase.eventType}
        ring={reviewCase.kind === 'ring'}
        onClose={() => setClosing(false)}
        onClosed={() => {
          setClosing(false)
          refresh()
        }}
      />
    </Space>
  )
}

/** The event as decided, every personal identifier masked; a reveal (recorded in the history) shows one kind in clear. */
function ApplicantCard({ caseId, event, mayReveal, onRevealed }: { caseId: string; event: NonNullable<CaseView['event']>; mayReveal: boolean; onRevealed: () => void }) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const [revealed, setRevealed] = useState<Partial<Record<EntityKind, string[]>>>({})
  const eventType = useQuery({ queryKey: ['event-type', event.type], queryFn: () => api.get<EventType>(`/v1/event-types/${encodeURIComponent(event.type)}`), staleTime: 600_000 })
  const reveal = useMutation({
    mutationFn: (kind: EntityKind) => api.post<{ values: string[] }>(`/v1/cases/${encodeURIComponent(caseId)}/reveal`, { kind }),
    onSuccess: ({ values }, kind) => {
      setRevealed((r) => ({ ...r, [kind]: values }))
      onRevealed()
    },
    onError: (error) => void message.error(problemText(t, error)),
  })
  // the top-level field each entity kind sits in (contacts: /contacts/*/phone → contacts)
  const kindOfField = new Map<string, EntityKind>()
  for (const [kind, pointer] of Object.entries(eventType.data?.entities ?? {}) as [EntityKind, string][]) {
    const field = pointer.split('/')[1]
    if (field && kind !== 'user') kindOfField.set(field, kind)
  }
  // amounts are kept in minor units (fen): shown in yuan, with the raw value beside
  const show = (field: string, value: unknown) =>
    typeof value === 'number' && field.endsWith('Minor') ? `${money(value)} (${value})` : value !== null && typeof value === 'object' ? JSON.stringify(value) : String(value)
  return (
    <Card size="small" title={t('case.applicant')} extra={<Typography.Text type="secondary">{t('case.maskedNote')}</Typography.Text>}>
      <Descriptions size="small" column={{ xs: 1, md: 2 }} bordered>
        <Descriptions.Item label={t('case.eventId')}>{event.id}</Descriptions.Item>
        <Descriptions.Item label={t('case.occurredAt')}>{dateTime(event.occurredAt)}</Descriptions.Item>
        {Object.entries(event.data).map(([field, value]) => {
          const kind = kindOfField.get(field)
          const clear = kind ? revealed[kind] : undefined
          return (
            <Descriptions.Item key={field} label={field}>
              <Space wrap>
                <span data-testid={`field-${field}`}>{clear ? clear.join(', ') : show(field, value)}</span>
                {kind && clear && <Tag color="orange">{t('case.revealedTag')}</Tag>}
                {kind && !clear && mayReveal && (
                  <Button size="small" icon={<EyeOutlined />} loading={reveal.isPending && reveal.variables === kind} onClick={() => reveal.mutate(kind)} aria-label={t('case.revealKind', { kind: t(`entity.${kind}`) })}>
                    {t('case.reveal')}
                  </Button>
                )}
              </Space>
            </Descriptions.Item>
          )
        })}
      </Descriptions>
    </Card>
  )
}

function FeaturesCard({ features }: { features: Record<string, number> }) {
  const { t } = useTranslation()
  const [filter, setFilter] = useState('')
  const rows = Object.entries(features)
    .filter(([name]) => name.toLowerCase().includes(filter.toLowerCase()))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => ({ name, value }))
  return (
    <Card
      size="small"
      title={t('case.features', { count: Object.keys(features).length })}
      extra={<Input.Search aria-label={t('case.filterFeatures')} placeholder={t('case.filterFeatures')} allowClear size="small" onChange={(e) => setFilter(e.target.value)} style={{ width: 200 }} />}
    >
      <Table
        size="small"
        rowKey="name"
        dataSource={rows}
        pagination={rows.length > 12 ? { pageSize: 12, size: 'small' } : false}
        columns={[
          { title: t('case.feature'), dataIndex: 'name', render: (name: string) => <code>{name}</code> },
          { title: t('case.value'), dataIndex: 'value', align: 'right', render: (v: number) => decimal(v, 4) },
        ]}
      />
    </Card>
  )
}

function RelatedCard({ related, entityKeys }: { related: CaseView['related']; entityKeys: ReviewCase['entityKeys'] }) {
  const { t } = useTranslation()
  // each entity of the case opens in the graph by its blind index: the value never goes into the address
  const graphLinks = (Object.entries(entityKeys) as [EntityKind, string[]][]).filter(([, keys]) => keys.length > 0)
  // one row per decision, with every entity it shares with this case
  const rows = new Map<string, RelatedDecision & { via: EntityKind[] }>()
  for (const group of related) {
    for (const d of group.decisions) {
      const row = rows.get(d.decisionId) ?? { ...d, via: [] }
      row.via.push(group.kind)
      rows.set(d.decisionId, row)
    }
  }
  const data = [...rows.values()].sort((a, b) => b.decidedAt.localeCompare(a.decidedAt))
  return (
    <Card
      size="small"
      title={t('case.related')}
      extra={
        <Space size={4} wrap>
          <Typography.Text type="secondary">{t('ringCase.inGraph')}</Typography.Text>
          {graphLinks.map(([kind, keys]) => (
            <Link key={kind} to={`/graph?node=${kind}:${keys[0]}`} data-testid={`graph-link-${kind}`}>
              {t(`entity.${kind}`)}
            </Link>
          ))}
        </Space>
      }
    >
      {data.length === 0 ? (
        <Empty description={t('case.noRelated')} image={Empty.PRESENTED_IMAGE_SIMPLE} />
      ) : (
        <Table<RelatedDecision & { via: EntityKind[] }>
          size="small"
          rowKey="decisionId"
          pagination={false}
          dataSource={data}
          aria-label={t('case.related')}
          columns={[
            { title: t('decision.decidedAt'), dataIndex: 'decidedAt', render: (at: string) => dateTime(at) },
            { title: t('decision.eventType'), dataIndex: 'eventType' },
            { title: t('decision.eventId'), dataIndex: 'eventId' },
            { title: t('decision.action'), dataIndex: 'action', render: (a) => <ActionTag action={a} /> },
            { title: t('case.sharedVia'), dataIndex: 'via', render: (via: EntityKind[]) => via.map((k) => <Tag key={k}>{t(`entity.${k}`)}</Tag>) },
            { title: '', dataIndex: 'decisionId', render: (d: string) => <Link to={`/decisions/${d}`}>{t('common.open')}</Link> },
          ]}
        />
      )}
    </Card>
  )
}

/** The ring as its case last saw it: size, labelled users, risk, cohesion, growth. */
function RingCard({ reviewCase }: { reviewCase: ReviewCase }) {
  const { t } = useTranslation()
  const ring = reviewCase.ring
  if (!ring) return null
  return (
    <Card size="small" title={t('ringCase.ring')} extra={<Typography.Text type="secondary">{t('ringCase.computedAt', { at: dateTime(ring.computedAt) })}</Typography.Text>}>
      <Descriptions size="small" column={{ xs: 1, md: 3, xl: 4 }} data-testid="ring-card">
        <Descriptions.Item label={t('ringCase.members')}>{t('ringCase.membersText', { users: reviewCase.entityKeys.user?.length ?? 0, nodes: Object.values(reviewCase.entityKeys).reduce((n, keys) => n + (keys?.length ?? 0), 0) })}</Descriptions.Item>
        <Descriptions.Item label={t('ringCase.riskUsers')}>{ring.riskUsers}</Descriptions.Item>
        <Descriptions.Item label={t('ringCase.ringRisk')}>{decimal(ring.risk, 3)}</Descriptions.Item>
        <Descriptions.Item label={t('ringCase.cohesion')}>{decimal(ring.cohesion, 3)}</Descriptions.Item>
        <Descriptions.Item label={t('ringCase.growth')}>{t('ringCase.growthText', { growth: decimal(ring.growth * 100, 1), newUsers: ring.newUsers })}</Descriptions.Item>
      </Descriptions>
      <Typography.Paragraph type="secondary">{t('ringCase.explain')}</Typography.Paragraph>
    </Card>
  )
}

function History({ activities }: { activities: CaseActivity[] }) {
  const { t } = useTranslation()
  const detail = (a: CaseActivity) => {
    switch (a.kind) {
      case 'call':
        return (
          <>
            <Tag color="blue">{t(`outcome.${String(a.data.outcome)}`)}</Tag>
            {a.data.notes ? <Typography.Paragraph className="notes">{String(a.data.notes)}</Typography.Paragraph> : null}
          </>
        )
      case 'callback_scheduled':
        return t('history.callbackAt', { at: dateTime(String(a.data.at)) })
      case 'ring_grown':
        return t('ringCase.grownText', { joined: Number(a.data.joined), users: Number(a.data.users) })
      case 'ring_linked':
        return t('ringCase.linkedText', { ringId: Number(a.data.ringId), previous: a.data.previousRingId ?? '—' })
      case 'member_excluded':
      case 'member_readmitted':
        return (
          <>
            {t('ringMembers.historyUser', { user: `#${String(a.data.keyPrefix)}` })}
            <Typography.Paragraph className="notes">{String(a.data.reason ?? '')}</Typography.Paragraph>
          </>
        )
      case 'revealed':
        return t('history.revealedField', { kind: t(`entity.${String(a.data.field)}`) })
      case 'closed':
        return (
          <>
            {t(`disposition.${String(a.data.disposition)}`)} · {t('case.label')}: <Tag color="magenta">{String(a.data.label ?? '—')}</Tag>{' '}
            {a.data.labelledUsers !== undefined ? t('ringCase.labelledUsers', { count: Number(a.data.labelledUsers) }) : <>{t('case.resolution')}: <ActionTag action={a.data.resolution as never} /></>}
            {a.data.notes ? <Typography.Paragraph className="notes">{String(a.data.notes)}</Typography.Paragraph> : null}
          </>
        )
      default:
        return null
    }
  }
  return (
    <Timeline
      items={[...activities].reverse().map((a) => ({
        key: a.id,
        color: a.kind === 'closed' ? 'green' : a.kind === 'revealed' ? 'orange' : 'blue',
        title: `${dateTime(a.atMs)} · ${actorName(a.actor)}`,
        content: (
          <div data-testid={`history-${a.kind}`}>
            <Typography.Text strong>{t(`history.${a.kind}`)}</Typography.Text> {detail(a)}
          </div>
        ),
      }))}
    />
  )
}
