import { useMutation } from '@tanstack/react-query'
import { App, Button, Card, Form, Input, Modal, Table, Tag, Typography } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api } from '../api/client.ts'
import type { ExcludedMember, GraphNode, ReviewCase } from '../api/types.ts'
import { actorName, dateTime } from '../format.ts'
import { problemText } from '../pages/problem-text.ts'

interface MemberRow {
  key: string
  prefix: string
  labels: string[]
  excluded: ExcludedMember | undefined
}

/** Taking a member out of the ring case, or back in. */
type MemberChange = 'exclude' | 'readmit'

/**
 * A ring case's member users, by key prefix (never a value), with their
 * labels as the graph holds them; the reviewer holding the case excludes one
 * who is not part of the team, saying why, before closing it as confirmed
 * fraud: that user is not labelled. An exclusion made by mistake is undone
 * (readmitted), saying why. Both are in the case history.
 */
export function RingMembers({ reviewCase, excluded, nodes, holding, onChanged }: { reviewCase: ReviewCase; excluded: ExcludedMember[]; nodes: readonly GraphNode[]; holding: boolean; onChanged: () => void }) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const [changing, setChanging] = useState<{ row: MemberRow; change: MemberChange } | null>(null)
  const [form] = Form.useForm<{ reason: string }>()
  const users = nodes.filter((n) => n.kind === 'user')
  const rows: MemberRow[] = (reviewCase.entityKeys.user ?? []).map((key) => ({
    key,
    prefix: key.slice(0, 8),
    labels: users.find((n) => n.keyPrefix === key.slice(0, 8))?.labels ?? [],
    excluded: excluded.find((e) => e.kind === 'user' && e.entityKey === key),
  }))
  const change = useMutation({
    mutationFn: ({ change, ...values }: { change: MemberChange; key: string; reason: string }) =>
      api.post<{ excluded: ExcludedMember[] }>(`/v1/cases/${encodeURIComponent(reviewCase.id)}/members/${change}`, { kind: 'user', ...values }),
    onSuccess: (_, { change }) => {
      void message.success(t(change === 'exclude' ? 'ringMembers.excludedDone' : 'ringMembers.readmittedDone'))
      setChanging(null)
      form.resetFields()
      onChanged()
    },
    onError: (error) => void message.error(problemText(t, error)),
  })
  return (
    <Card size="small" title={t('ringMembers.title', { count: rows.length, excluded: excluded.length })} data-testid="ring-members">
      <Typography.Paragraph type="secondary">{t('ringMembers.explain')}</Typography.Paragraph>
      <Table<MemberRow>
        size="small"
        rowKey="key"
        aria-label={t('ringMembers.table')}
        dataSource={rows}
        pagination={rows.length > 10 ? { pageSize: 10, size: 'small' } : false}
        columns={[
          { title: t('ringMembers.user'), dataIndex: 'prefix', render: (prefix: string) => <code>#{prefix}</code> },
          { title: t('graph.col.labels'), dataIndex: 'labels', render: (labels: string[]) => (labels.length > 0 ? labels.map((l) => <Tag key={l}>{l}</Tag>) : '—') },
          {
            title: t('ringMembers.status'),
            dataIndex: 'excluded',
            render: (e: ExcludedMember | undefined) =>
              e ? (
                <span data-testid="member-excluded">
                  <Tag color="default">{t('ringMembers.excluded')}</Tag> {t('ringMembers.excludedBy', { by: actorName(e.by), at: dateTime(e.atMs) })}
                  <Typography.Paragraph className="notes">{e.reason}</Typography.Paragraph>
                </span>
              ) : (
                <Tag color="volcano">{t('ringMembers.inRing')}</Tag>
              ),
          },
          {
            title: '',
            key: 'actions',
            dataIndex: 'key',
            render: (_: string, row) =>
              !holding ? null : row.excluded ? (
                <Button size="small" onClick={() => setChanging({ row, change: 'readmit' })} aria-label={t('ringMembers.readmitUser', { user: `#${row.prefix}` })}>
                  {t('ringMembers.readmit')}
                </Button>
              ) : (
                <Button size="small" onClick={() => setChanging({ row, change: 'exclude' })} aria-label={t('ringMembers.excludeUser', { user: `#${row.prefix}` })}>
                  {t('ringMembers.exclude')}
                </Button>
              ),
          },
        ]}
      />
      <Modal
        open={changing !== null}
        title={t(changing?.change === 'readmit' ? 'ringMembers.readmitTitle' : 'ringMembers.excludeTitle', { user: `#${changing?.row.prefix ?? ''}` })}
        okText={t(changing?.change === 'readmit' ? 'ringMembers.readmit' : 'ringMembers.exclude')}
        cancelText={t('common.cancel')}
        confirmLoading={change.isPending}
        onCancel={() => setChanging(null)}
        onOk={() =>
          // a missing reason is shown on the field; nothing is sent
          void form
            .validateFields()
            .then((values) => changing && change.mutate({ change: changing.change, key: changing.row.key, reason: values.reason.trim() }))
            .catch(() => undefined)
        }
        destroyOnHidden
      >
        <Typography.Paragraph>{t(changing?.change === 'readmit' ? 'ringMembers.readmitEffect' : 'ringMembers.excludeEffect')}</Typography.Paragraph>
        <Form form={form} layout="vertical" name="change-member">
          <Form.Item
            name="reason"
            label={t(changing?.change === 'readmit' ? 'ringMembers.readmitReason' : 'ringMembers.reason')}
            rules={[{ required: true, whitespace: true, message: t('ringMembers.reasonRequired') }, { max: 2000 }]}
          >
            <Input.TextArea rows={3} maxLength={2000} />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  )
}
