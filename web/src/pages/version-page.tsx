import { ArrowLeftOutlined, CheckOutlined, CloseOutlined, ExperimentOutlined, RollbackOutlined, SaveOutlined, SendOutlined } from '@ant-design/icons'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, App, Button, Card, Checkbox, Descriptions, Form, Input, Popconfirm, Progress, Select, Space, Switch, Tabs, Timeline, Typography } from 'antd'
import type { Dayjs } from 'dayjs'
import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useParams } from 'react-router'
import { ApiError, api, query } from '../api/client.ts'
import type { Backtest, Diff, StrategyDetail, StrategyDocument, StrategyDocumentView, StrategyVersion } from '../api/types.ts'
import { BacktestFigures, BacktestReportView } from '../components/backtest-report.tsx'
import { FlowDiagramEditor } from '../components/flow-diagram-editor.tsx'
import { FlowNodesEditor } from '../components/flow-nodes-editor.tsx'
import { LabelledRange } from '../components/labelled-range.tsx'
import { lastDays } from '../components/period.ts'
import { RuleEditor, rulesOf } from '../components/rule-editor.tsx'
import { StateTag } from '../components/tags.tsx'
import { actorName, dateTime } from '../format.ts'
import { actorOf, useSession } from '../session.tsx'
import { problemText } from './problem-text.ts'

const documentPointer = '/body/document'

/** One version of a strategy: its rules (editable while a draft), a backtest, submission, and the approver's review. */
export function VersionPage() {
  const { id = '', version: versionText = '' } = useParams()
  const v = Number(versionText)
  const { t } = useTranslation()
  const { user, can } = useSession()
  const client = useQueryClient()
  const { message } = App.useApp()
  const versionQuery = useQuery({ queryKey: ['version', id, v], queryFn: () => api.get<StrategyDocumentView>(`/v1/strategies/${encodeURIComponent(id)}/versions/${v}`) })
  const [doc, setDoc] = useState<StrategyDocument | null>(null)
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [saveError, setSaveError] = useState<string | null>(null)
  // the backtests of this very document (id, version and hash), from the server: anyone's, from any browser, may be cited
  const hash = versionQuery.data?.hash ?? ''
  const backtests = useDocumentBacktests(id, v, hash)
  const [startedHere, setStartedHere] = useState<{ hash: string; id: string } | null>(null)
  // the one started here for this very document, or else the document's newest
  const backtestId = (startedHere?.hash === hash ? startedHere.id : null) ?? backtests.data?.[0]?.id ?? null
  const started = (backtest: string) => {
    setStartedHere({ hash, id: backtest })
    void client.invalidateQueries({ queryKey: ['backtests', id] })
  }
  useEffect(() => {
    if (versionQuery.data) setDoc(structuredClone(versionQuery.data.document))
  }, [versionQuery.data])

  const invalidate = () => {
    void client.invalidateQueries({ queryKey: ['version', id, v] })
    void client.invalidateQueries({ queryKey: ['strategy', id] })
    void client.invalidateQueries({ queryKey: ['strategies'] })
  }
  const save = useMutation({
    mutationFn: (document: StrategyDocument) => api.put<StrategyVersion>(`/v1/strategies/${encodeURIComponent(id)}/versions/${v}`, { document }),
    onSuccess: () => {
      setErrors({})
      setSaveError(null)
      invalidate()
      void message.success(t('version.saved'))
    },
    onError: (error) => {
      // compile errors point into the document: show each at its rule
      if (error instanceof ApiError) {
        setErrors(Object.fromEntries(error.issues.filter((i) => i.pointer.startsWith(documentPointer)).map((i) => [i.pointer.slice(documentPointer.length), `${i.code}: ${i.message}`])))
      }
      setSaveError(problemText(t, error))
    },
  })

  if (versionQuery.isPending || !doc) return <Card loading />
  if (versionQuery.isError) return <Alert type="error" showIcon title={problemText(t, versionQuery.error)} />
  const view = versionQuery.data
  const editable = view.state === 'draft' && can('analyst')
  const dirty = JSON.stringify(doc) !== JSON.stringify(view.document)

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Link to={`/strategies/${id}`}>
        <ArrowLeftOutlined /> {id}
      </Link>
      <Typography.Title level={2}>
        {id} v{v} <StateTag state={view.state} />
      </Typography.Title>
      <Card size="small">
        <Descriptions size="small" column={{ xs: 1, md: 3 }}>
          <Descriptions.Item label={t('strategy.authors')}>{view.authors.map(actorName).join(', ')}</Descriptions.Item>
          <Descriptions.Item label={t('strategy.submittedBy')}>{view.submittedBy ? `${actorName(view.submittedBy)} · ${dateTime(view.submittedAt)}` : '—'}</Descriptions.Item>
          <Descriptions.Item label={t('strategy.approvedBy')}>{view.approvedBy ? `${actorName(view.approvedBy)} · ${dateTime(view.approvedAt)}` : '—'}</Descriptions.Item>
          <Descriptions.Item label={t('version.hash')}>
            <Typography.Text code>{view.hash.slice(0, 12)}</Typography.Text>
          </Descriptions.Item>
          {view.role && <Descriptions.Item label={t('version.role')}>{t(`arm.${view.role}`)}</Descriptions.Item>}
          {view.submitNote && <Descriptions.Item label={t('version.submitNote')}>{view.submitNote}</Descriptions.Item>}
        </Descriptions>
      </Card>
      <HistoryCard view={view} />
      {(view.state === 'rejected' || view.state === 'withdrawn') && <Alert type="info" showIcon title={t('submissionReview.ended')} />}
      {view.state === 'submitted' && <ReviewCard id={id} view={view} onApproved={invalidate} mayApprove={can('approver')} actor={actorOf(user)} />}
      {view.state === 'submitted' && (view.authors.includes(actorOf(user)) || view.submittedBy === actorOf(user)) && <WithdrawCard id={id} view={view} onWithdrawn={invalidate} />}
      <Card
        size="small"
        title={t('version.rules')}
        extra={
          editable && (
            <Space>
              {dirty && <Typography.Text type="warning">{t('version.unsaved')}</Typography.Text>}
              <Button icon={<SaveOutlined />} type="primary" disabled={!dirty} loading={save.isPending} onClick={() => save.mutate(doc)}>
                {t('version.save')}
              </Button>
            </Space>
          )
        }
      >
        {saveError && <Alert type="error" showIcon title={saveError} style={{ marginBottom: 12 }} role="alert" />}
        <Tabs
          // a flow of tables and bands only opens on them
          defaultActiveKey={rulesOf(doc).length === 0 && Array.isArray(doc.flow) && doc.flow.length > 0 ? 'flow' : 'rules'}
          items={[
            { key: 'rules', label: t('version.rulesTab'), children: <RuleEditor document={doc} editable={editable} errors={errors} onChange={setDoc} /> },
            { key: 'flow', label: t('flowEditor.tab'), children: <FlowNodesEditor document={doc} editable={editable} errors={errors} onChange={setDoc} /> },
            { key: 'diagram', label: t('flowDiagram.tab'), children: <FlowDiagramEditor document={doc} editable={editable} errors={errors} onChange={setDoc} /> },
            { key: 'json', label: t('version.jsonTab'), children: <DocumentEditor document={doc} editable={editable} onChange={setDoc} /> },
            { key: 'diff', label: t('version.diffTab'), children: <DiffView id={id} version={v} /> },
          ]}
        />
      </Card>
      {view.state === 'draft' && can('analyst') && <BacktestCard view={view} dirty={dirty} backtestId={backtestId} onStarted={started} />}
      {editable && <SubmitCard id={id} view={view} dirty={dirty} backtests={backtests.data ?? []} onSubmitted={invalidate} />}
    </Space>
  )
}

function DocumentEditor({ document, editable, onChange }: { document: StrategyDocument; editable: boolean; onChange: (next: StrategyDocument) => void }) {
  const { t } = useTranslation()
  const [text, setText] = useState(() => JSON.stringify(document, null, 2))
  const [error, setError] = useState<string | null>(null)
  useEffect(() => setText(JSON.stringify(document, null, 2)), [document])
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Input.TextArea
        aria-label={t('version.jsonTab')}
        className="mono"
        autoSize={{ minRows: 12, maxRows: 40 }}
        value={text}
        readOnly={!editable}
        onChange={(e) => setText(e.target.value)}
      />
      {editable && (
        <Button
          onClick={() => {
            try {
              onChange(JSON.parse(text) as StrategyDocument)
              setError(null)
            } catch (caught) {
              setError((caught as Error).message)
            }
          }}
        >
          {t('version.applyJson')}
        </Button>
      )}
      {error && <Typography.Text type="danger">{error}</Typography.Text>}
    </Space>
  )
}

function DiffLines({ diff }: { diff: Diff }) {
  const { t } = useTranslation()
  if (diff.lines.length === 0) return <Typography.Text type="secondary">{t('version.noDifferences')}</Typography.Text>
  return (
    <pre className="diff" data-testid="diff">
      {diff.lines.map((line) => (
        <div key={line} className={`diff-${line[0] === '+' ? 'add' : line[0] === '-' ? 'remove' : line[0] === '~' ? 'change' : 'move'}`}>
          {line}
        </div>
      ))}
    </pre>
  )
}

function DiffView({ id, version }: { id: string; version: number }) {
  const { t } = useTranslation()
  const detail = useQuery({ queryKey: ['strategy', id], queryFn: () => api.get<StrategyDetail>(`/v1/strategies/${encodeURIComponent(id)}`) })
  const others = (detail.data?.versions ?? []).map((x) => x.version).filter((x) => x !== version)
  const [from, setFrom] = useState<number | undefined>(undefined)
  const base = from ?? detail.data?.live?.champion ?? others[others.length - 1]
  const diff = useQuery({
    queryKey: ['diff', id, base, version],
    enabled: base !== undefined && base !== version,
    queryFn: () => api.get<Diff>(`/v1/strategies/${encodeURIComponent(id)}/diff${query({ from: base, to: version })}`),
  })
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Space>
        <Typography.Text id="diff-from-label">{t('version.diffFrom')}</Typography.Text>
        <Select aria-labelledby="diff-from-label" style={{ width: 120 }} value={base} onChange={setFrom} options={others.map((x) => ({ value: x, label: `v${x}` }))} />
        <Typography.Text>→ v{version}</Typography.Text>
      </Space>
      {diff.data && <DiffLines diff={diff.data} />}
      {diff.isError && <Alert type="error" title={problemText(t, diff.error)} />}
    </Space>
  )
}

/** The backtests of one document (strategy, version and hash), newest first; polled while one of them is unfinished. */
function useDocumentBacktests(id: string, version: number, hash: string) {
  const ofDocument = (items: Backtest[]) => items.filter((b) => b.strategy.version === version && b.strategy.hash === hash).sort((a, b) => (a.requestedAt < b.requestedAt ? 1 : -1))
  return useQuery({
    queryKey: ['backtests', id],
    enabled: hash !== '',
    queryFn: () => api.get<{ items: Backtest[] }>(`/v1/backtests${query({ strategyId: id })}`),
    select: (data) => ofDocument(data.items),
    refetchInterval: (q) => (ofDocument(q.state.data?.items ?? []).some((b) => b.status === 'queued' || b.status === 'running') ? 1_000 : false),
  })
}

/** A backtest's state, polled until it is done or failed, for its card. */
function useBacktest(backtestId: string | null) {
  return useQuery({
    queryKey: ['backtest', backtestId],
    enabled: backtestId !== null,
    queryFn: () => api.get<Backtest>(`/v1/backtests/${encodeURIComponent(backtestId!)}`),
    refetchInterval: (q) => (q.state.data && q.state.data.status !== 'queued' && q.state.data.status !== 'running' ? false : 1_000),
  })
}

/** Replays the saved document over a period of the decision log, in the background, and shows the report. */
function BacktestCard({ view, dirty, backtestId, onStarted }: { view: StrategyDocumentView; dirty: boolean; backtestId: string | null; onStarted: (id: string) => void }) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const [period, setPeriod] = useState<[Dayjs, Dayjs]>(() => lastDays(7))
  const run = useMutation({
    mutationFn: () => api.post<Backtest>('/v1/backtests', { strategy: view.document, from: period[0].toISOString(), to: period[1].toISOString() }),
    onSuccess: (started) => onStarted(started.id),
    onError: (error) => void message.error(problemText(t, error)),
  })
  const backtest = useBacktest(backtestId)
  const b = backtest.data
  const cancel = useMutation({
    mutationFn: (id: string) => api.post<Backtest>(`/v1/backtests/${encodeURIComponent(id)}/cancel`, {}),
    onSuccess: () => void backtest.refetch(),
    onError: (error) => void message.error(problemText(t, error)),
  })
  return (
    <Card size="small" title={<><ExperimentOutlined /> {t('backtest.title')}</>}>
      <Space orientation="vertical" style={{ width: '100%' }}>
        <Space wrap>
          <Typography.Text id="backtest-period-label">{t('backtest.period')}</Typography.Text>
          <LabelledRange label={t('backtest.period')} showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" value={period} onChange={(p) => p?.[0] && p[1] && setPeriod([p[0], p[1]])} />
          <Button type="primary" icon={<ExperimentOutlined />} loading={run.isPending} disabled={dirty} onClick={() => run.mutate()}>
            {t('backtest.run')}
          </Button>
          {dirty && <Typography.Text type="secondary">{t('backtest.saveFirst')}</Typography.Text>}
        </Space>
        {b && (b.status === 'queued' || b.status === 'running') && (
          <div>
            <Space wrap>
              <Typography.Text>{t(`backtestStatus.${b.status}`)}</Typography.Text>
              {b.position !== undefined && <Typography.Text type="secondary">{t('backtest.position', { position: b.position })}</Typography.Text>}
              <Button size="small" danger loading={cancel.isPending} onClick={() => cancel.mutate(b.id)}>
                {t('backtest.cancel')}
              </Button>
            </Space>
            <Progress percent={b.progress && b.progress.total > 0 ? Math.round((b.progress.done / b.progress.total) * 100) : 0} aria-label={t('backtest.progress')} />
          </div>
        )}
        {b?.status === 'failed' && <Alert type="error" showIcon title={t('backtest.failed', { error: b.error ?? '' })} />}
        {b?.status === 'cancelled' && <Alert type="warning" showIcon title={t('backtest.cancelled', { by: actorName(b.cancelledBy ?? '') })} />}
        {b?.status === 'done' && b.report && (
          <>
            <Alert type="success" showIcon title={t('backtest.done', { at: dateTime(b.finishedAt), by: actorName(b.requestedBy) })} />
            <BacktestReportView report={b.report} />
          </>
        )}
      </Space>
    </Card>
  )
}

/** Submits the version, citing one of its document's finished backtests (the newest unless another is picked) or none. */
function SubmitCard({ id, view, dirty, backtests, onSubmitted }: { id: string; view: StrategyDocumentView; dirty: boolean; backtests: Backtest[]; onSubmitted: () => void }) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const [form] = Form.useForm<{ note?: string; cite: boolean; backtestId?: string }>()
  const done = backtests.filter((b) => b.status === 'done')
  const pickedId = Form.useWatch('backtestId', form)
  const picked = done.find((b) => b.id === pickedId)
  // the newest finished one is picked once there is one
  useEffect(() => {
    if (done[0] && !form.getFieldValue('backtestId')) form.setFieldsValue({ backtestId: done[0].id })
  }, [done[0], form])
  const submit = useMutation({
    mutationFn: (values: { note?: string; cite: boolean; backtestId?: string }) =>
      api.post<StrategyVersion>(`/v1/strategies/${encodeURIComponent(id)}/versions/${view.version}/submit`, {
        ...(values.cite && values.backtestId ? { backtestId: values.backtestId } : {}),
        ...(values.note ? { note: values.note } : {}),
      }),
    onSuccess: () => {
      void message.success(t('version.submitted'))
      onSubmitted()
    },
    onError: (error) => void message.error(problemText(t, error)),
  })
  return (
    <Card size="small" title={<><SendOutlined /> {t('version.submitTitle')}</>}>
      <Form form={form} layout="vertical" name="submit" onFinish={(values) => submit.mutate(values)} initialValues={{ cite: true }}>
        <Form.Item name="cite" valuePropName="checked">
          <Checkbox disabled={done.length === 0}>{picked ? t('version.citeBacktest', { period: `${dateTime(picked.from)} – ${dateTime(picked.to)}` }) : t('version.noBacktest')}</Checkbox>
        </Form.Item>
        <Form.Item name="backtestId" label={t('version.whichBacktest')} hidden={done.length < 2}>
          <Select options={done.map((b) => ({ value: b.id, label: `${dateTime(b.from)} – ${dateTime(b.to)} · ${actorName(b.requestedBy)} · ${dateTime(b.finishedAt ?? null)}` }))} />
        </Form.Item>
        <Form.Item name="note" label={t('version.submitNote')}>
          <Input.TextArea rows={2} maxLength={500} />
        </Form.Item>
        <Button type="primary" htmlType="submit" icon={<SendOutlined />} loading={submit.isPending} disabled={dirty}>
          {t('version.submit')}
        </Button>
      </Form>
    </Card>
  )
}

/** Who wrote, submitted, approved, rejected or withdrew the version, when, and what they said. */
function HistoryCard({ view }: { view: StrategyDocumentView }) {
  const { t } = useTranslation()
  const note = (text: string) => (text ? <Typography.Paragraph className="history-note">{text}</Typography.Paragraph> : null)
  const step = (key: string, color: string, at: string | null, title: string, text: string) => ({
    key,
    color,
    children: (
      <div data-testid={`history-${key}`}>
        <Typography.Text strong>{title}</Typography.Text> <Typography.Text type="secondary">{dateTime(at)}</Typography.Text>
        {note(text)}
      </div>
    ),
  })
  const items = [
    {
      key: 'drafted',
      color: 'gray',
      children: (
        <div data-testid="history-drafted">
          <Typography.Text strong>{t('submissionReview.drafted', { by: view.authors.map(actorName).join(', ') })}</Typography.Text>{' '}
          <Typography.Text type="secondary">
            {dateTime(view.createdAt)}
            {view.updatedAt !== view.createdAt ? ` · ${t('submissionReview.lastSaved', { at: dateTime(view.updatedAt) })}` : ''}
          </Typography.Text>
        </div>
      ),
    },
    ...(view.submittedBy ? [step('submitted', 'blue', view.submittedAt, t('submissionReview.submitted', { by: actorName(view.submittedBy) }), view.submitNote)] : []),
    ...(view.state !== 'draft' && view.state !== 'submitted' && view.approvedBy && !view.rejectedBy && !view.withdrawnBy
      ? [step('approved', 'green', view.approvedAt, t('submissionReview.approved', { by: actorName(view.approvedBy) }), view.approveNote)]
      : []),
    ...(view.rejectedBy ? [step('rejected', 'red', view.rejectedAt, t('submissionReview.rejected', { by: actorName(view.rejectedBy) }), view.rejectNote)] : []),
    ...(view.withdrawnBy ? [step('withdrawn', 'gray', view.withdrawnAt, t('submissionReview.withdrawn', { by: actorName(view.withdrawnBy) }), view.withdrawNote)] : []),
  ]
  return (
    <Card size="small" title={t('submissionReview.history')}>
      <Timeline items={items} />
    </Card>
  )
}

/** The author takes a submission back: final, as a rejection; a new draft from it carries on. */
function WithdrawCard({ id, view, onWithdrawn }: { id: string; view: StrategyDocumentView; onWithdrawn: () => void }) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const [form] = Form.useForm<{ note?: string }>()
  const withdraw = useMutation({
    mutationFn: (values: { note?: string }) => api.post<StrategyVersion>(`/v1/strategies/${encodeURIComponent(id)}/versions/${view.version}/withdraw`, values.note ? { note: values.note } : {}),
    onSuccess: () => {
      void message.success(t('submissionReview.withdrawnDone'))
      onWithdrawn()
    },
    onError: (error) => void message.error(problemText(t, error)),
  })
  return (
    <Card size="small" title={<><RollbackOutlined /> {t('submissionReview.withdrawTitle')}</>}>
      <Form form={form} layout="vertical" name="withdraw">
        <Typography.Paragraph type="secondary">{t('submissionReview.withdrawIntro')}</Typography.Paragraph>
        <Form.Item name="note" label={t('submissionReview.withdrawNote')}>
          <Input.TextArea rows={2} maxLength={500} />
        </Form.Item>
        <Popconfirm title={t('submissionReview.withdrawIntro')} okText={t('submissionReview.withdraw')} cancelText={t('common.cancel')} onConfirm={() => withdraw.mutate(form.getFieldsValue())}>
          <Button danger icon={<RollbackOutlined />} loading={withdraw.isPending}>
            {t('submissionReview.withdraw')}
          </Button>
        </Popconfirm>
      </Form>
    </Card>
  )
}

/** An approver's refusal, with the reason the author will read; the form asks for it before anything is sent. */
function RejectForm({ id, version, onRejected }: { id: string; version: number; onRejected: () => void }) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const reject = useMutation({
    mutationFn: (values: { note: string }) => api.post<StrategyVersion>(`/v1/strategies/${encodeURIComponent(id)}/versions/${version}/reject`, { note: values.note }),
    onSuccess: () => {
      void message.success(t('submissionReview.rejectedDone'))
      onRejected()
    },
    onError: (error) => void message.error(problemText(t, error)),
  })
  return (
    <Form layout="vertical" name="reject" onFinish={(values: { note: string }) => reject.mutate(values)} style={{ maxWidth: 640 }}>
      <Form.Item name="note" label={t('submissionReview.rejectComment')} rules={[{ required: true, whitespace: true, message: t('submissionReview.rejectCommentRequired') }]}>
        <Input.TextArea rows={2} maxLength={500} />
      </Form.Item>
      <Button danger htmlType="submit" icon={<CloseOutlined />} loading={reject.isPending}>
        {t('submissionReview.reject')}
      </Button>
    </Form>
  )
}

/** What the approver looks at: the diff from the live champion and the cited backtest; approval by someone who neither wrote nor submitted it. */
function ReviewCard({ id, view, mayApprove, actor, onApproved }: { id: string; view: StrategyDocumentView; mayApprove: boolean; actor: string; onApproved: () => void }) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const own = view.authors.includes(actor) || view.submittedBy === actor
  const approve = useMutation({
    mutationFn: (values: { deploy: boolean; note?: string }) =>
      api.post<{ version: StrategyVersion }>(`/v1/strategies/${encodeURIComponent(id)}/versions/${view.version}/approve`, { deploy: values.deploy, ...(values.note ? { note: values.note } : {}) }),
    onSuccess: (result) => {
      void message.success(result.version.state === 'live' ? t('version.approvedLive') : t('version.approved'))
      onApproved()
    },
    onError: (error) => void message.error(problemText(t, error)),
  })
  return (
    <Card size="small" title={t('version.reviewTitle')}>
      <Space orientation="vertical" style={{ width: '100%' }}>
        <Typography.Title level={5}>{view.review?.against ? t('version.diffAgainst', { version: view.review.against }) : t('version.noChampion')}</Typography.Title>
        {view.review?.diff && <DiffLines diff={view.review.diff} />}
        <Typography.Title level={5}>{t('version.citedBacktest')}</Typography.Title>
        {view.review?.backtest ? <BacktestFigures summary={view.review.backtest} /> : <Alert type="warning" showIcon title={t('version.noCitedBacktest')} />}
        {mayApprove &&
          (own ? (
            <Alert type="info" showIcon title={t('version.ownVersion')} />
          ) : (
            <Form layout="inline" name="approve" onFinish={(values) => approve.mutate(values)} initialValues={{ deploy: true }}>
              <Form.Item name="deploy" label={t('version.deployOnApprove')} valuePropName="checked">
                <Switch />
              </Form.Item>
              <Form.Item name="note" label={t('version.approveNote')}>
                <Input style={{ width: 260 }} maxLength={500} />
              </Form.Item>
              <Button type="primary" htmlType="submit" icon={<CheckOutlined />} loading={approve.isPending}>
                {t('version.approve')}
              </Button>
            </Form>
          ))}
        {mayApprove && !own && <RejectForm id={id} version={view.version} onRejected={onApproved} />}
      </Space>
    </Card>
  )
}
