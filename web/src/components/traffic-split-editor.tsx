import { DeleteOutlined, PlusOutlined } from '@ant-design/icons'
import { Button, InputNumber, Select, Space, Table, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import type { EntityKind, TrafficSplitNode } from '../api/types.ts'
import { FieldError, hasError, NodeProblems, type PointerErrors } from './flow-node-parts.tsx'

type Branch = TrafficSplitNode['branches'][number]
const entityKinds: EntityKind[] = ['user', 'id_number', 'phone', 'device', 'ip', 'bank_card', 'address', 'contacts', 'equipment', 'terminal']
const endOfFlow = 'end'

/**
 * A traffic split (分流): the applicant's entity that picks the branch, and
 * each branch's share (a percentage, two decimals at most) and where it
 * goes. The running total is shown; the server refuses shares that do not
 * add up to 100.
 */
export function TrafficSplitEditor({ node, path, targets, editable, errors, onChange }: { node: TrafficSplitNode; path: string; targets: string[]; editable: boolean; errors: PointerErrors; onChange: (next: TrafficSplitNode) => void }) {
  const { t } = useTranslation()
  const setBranch = (b: number, change: Partial<Branch>) => onChange({ ...node, branches: node.branches.map((branch, i) => (i === b ? { ...branch, ...change } : branch)) })
  // in hundredths of a percent, as the server counts them, so 33.33 + 66.67 is 100 exactly
  const total = node.branches.reduce((sum, b) => sum + Math.round((b.share ?? 0) * 100), 0) / 100
  const shown = [`${path}/by`, ...node.branches.map((_, b) => `${path}/branches/${b}`)]
  const destinations = [...targets.filter((id) => id !== node.id).map((id) => ({ value: id, label: id })), { value: endOfFlow, label: t('flowEditor.endOfFlow') }]
  return (
    <Space orientation="vertical" style={{ width: '100%' }} data-testid={`split-${node.id}`}>
      <NodeProblems errors={errors} path={path} node={node.id} shown={shown} />
      <Space wrap>
        <Typography.Text>{t('flowEditor.by')}</Typography.Text>
        <Select<EntityKind>
          aria-label={t('flowEditor.byOf', { node: node.id })}
          value={node.by}
          disabled={!editable}
          status={hasError(errors, `${path}/by`) ? 'error' : undefined}
          style={{ width: 160 }}
          onChange={(by) => onChange({ ...node, by })}
          options={entityKinds.map((k) => ({ value: k, label: t(`entity.${k}`) }))}
        />
        <FieldError errors={errors} at={`${path}/by`} />
      </Space>
      <Table<Branch>
        rowKey={(_, b) => String(b)}
        size="small"
        pagination={false}
        dataSource={node.branches}
        aria-label={`${t('flowEditor.split')} ${node.id}`}
        columns={[
          {
            title: t('flowEditor.share'),
            key: 'share',
            width: 180,
            render: (_, branch, b) => (
              <>
                <InputNumber
                  aria-label={t('flowEditor.shareOf', { n: b + 1, node: node.id })}
                  value={branch.share}
                  min={0.01}
                  max={100}
                  step={1}
                  precision={2}
                  readOnly={!editable}
                  status={hasError(errors, `${path}/branches/${b}/share`) ? 'error' : undefined}
                  style={{ width: 140 }}
                  onChange={(share) => setBranch(b, { share: share ?? 0 })}
                />
                <FieldError errors={errors} at={`${path}/branches/${b}/share`} />
              </>
            ),
          },
          {
            title: t('flowEditor.next'),
            key: 'next',
            render: (_, branch, b) => (
              <>
                <Select
                  aria-label={t('flowEditor.nextOf', { n: b + 1, node: node.id })}
                  value={branch.next}
                  disabled={!editable}
                  status={hasError(errors, `${path}/branches/${b}/next`) ? 'error' : undefined}
                  style={{ width: 220 }}
                  onChange={(next) => setBranch(b, { next })}
                  options={destinations}
                />
                <FieldError errors={errors} at={`${path}/branches/${b}/next`} />
              </>
            ),
          },
          ...(editable
            ? [
                {
                  key: 'remove',
                  width: 48,
                  render: (_: unknown, _branch: Branch, b: number) => (
                    <Button
                      type="text"
                      danger
                      icon={<DeleteOutlined />}
                      aria-label={t('flowEditor.removeBranchOf', { n: b + 1, node: node.id })}
                      disabled={node.branches.length <= 2}
                      onClick={() => onChange({ ...node, branches: node.branches.filter((_, i) => i !== b) })}
                    />
                  ),
                },
              ]
            : []),
        ]}
      />
      <Typography.Text type={total === 100 ? 'secondary' : 'warning'} data-testid={`split-total-${node.id}`}>
        {t('flowEditor.total', { total })}
      </Typography.Text>
      {editable && (
        <Button icon={<PlusOutlined />} onClick={() => onChange({ ...node, branches: [...node.branches, { share: 0, next: endOfFlow }] })}>
          {t('flowEditor.addBranch')}
        </Button>
      )}
    </Space>
  )
}
