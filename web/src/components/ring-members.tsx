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

/**
 * A ring case's member users, by key prefix (never a value), with their
 * labels as the graph holds them; the reviewer holding the case excludes one
 * who is not part of the team, saying why, before closing it as confirmed
 * fraud: that user is not labelled. The exclusion is in the case history.
 */
export function RingMembers({ reviewCase, excluded, nodes, holding, onChanged }: { reviewCase: ReviewCase; excluded: ExcludedMember[]; nodes: readonly GraphNode[]; holding: boolean; onChanged: () => void }) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const [excluding, setExcluding] = useState<MemberRow | null>(null)
  const [form] = Form.useForm<{ reason: string }>()
  const users = nodes.filter((n) => n.kind === 'user')
  const rows: MemberRow[] = (reviewCase.entityKeys.user ?? []).map((key) => ({
    key,
    prefix: key.slice(0, 8),
    labels: users.find((n) => n.keyPrefix === key.slice(0, 8))?.labels ?? [],
    excluded: excluded.find((e) => e.kind === 'user' && e.entityKey === key),
  }))
  const exclude = useMutation({
    mutationFn: (values: { key: string; reason: string }) => api.post<{ excluded: ExcludedMember[] }>(`/v1/cases/${encodeURIComponent(reviewCase.id)}/members/exclude`, { kind: 'user', ...values }),
    onSuccess: () => {
      void message.success(t('ringMembers.excludedDone'))
      setExcluding(null)
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
              holding && !row.excluded ? (
                <Button size="small" onClick={() => setExcluding(row)} aria-label={t('ringMembers.excludeUser', { user: `#${row.prefix}` })}>
                  {t('ringMembers.exclude')}
                </Button>
              ) : null,
          },
        ]}
      />
      <Modal
        open={excluding !== null}
        title={t('ringMembers.excludeTitle', { user: `#${excluding?.prefix ?? ''}` })}
        okText={t('ringMembers.exclude')}
        cancelText={t('common.cancel')}
        confirmLoading={exclude.isPending}
        onCancel={() => setExcluding(null)}
        onOk={() =>
          // a missing reason is shown on the field; nothing is sent
          void form
            .validateFields()
            .then((values) => excluding && exclude.mutate({ key: excluding.key, reason: values.reason.trim() }))
            .catch(() => undefined)
        }
        destroyOnHidden
      >
        <Typography.Paragraph>{t('ringMembers.excludeEffect')}</Typography.Paragraph>
        <Form form={form} layout="vertical" name="exclude-member">
          <Form.Item name="reason" label={t('ringMembers.reason')} rules={[{ required: true, whitespace: true, message: t('ringMembers.reasonRequired') }, { max: 2000 }]}>
            <Input.TextArea rows={3} maxLength={2000} />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  )
}
