import { DeleteOutlined, PlusOutlined } from '@ant-design/icons'
import { Button, Input, Select, Space, Table, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import type { DecisionTableNode } from '../api/types.ts'
import { ActionSelect, cellValue, FieldError, hasError, NodeProblems, type PointerErrors, ReasonInputs } from './flow-node-parts.tsx'

type Row = DecisionTableNode['rows'][number]
const hitPolicies: DecisionTableNode['hitPolicy'][] = ['first', 'priority', 'collect']

/**
 * A decision table (决策表) as a grid: the hit policy, one column per input
 * expression, and per row its id, one cell per column, the action and the
 * reason. Rows and columns are added and removed here; each control is
 * labelled by row and column, and the server's errors show at their cell.
 */
export function DecisionTableEditor({ node, path, editable, errors, onChange }: { node: DecisionTableNode; path: string; editable: boolean; errors: PointerErrors; onChange: (next: DecisionTableNode) => void }) {
  const { t } = useTranslation()
  const rowName = (row: Row, r: number) => row.id ?? `#${r + 1}`
  const setRow = (r: number, change: Partial<Row>) => onChange({ ...node, rows: node.rows.map((row, i) => (i === r ? { ...row, ...change } : row)) })
  const setCell = (r: number, c: number, text: string) => setRow(r, { when: node.rows[r]!.when.map((cell, i) => (i === c ? cellValue(text, cell) : cell)) })
  const addColumn = () => onChange({ ...node, inputs: [...node.inputs, { expression: '' }], rows: node.rows.map((row) => ({ ...row, when: [...row.when, '-'] })) })
  const removeColumn = (c: number) =>
    onChange({ ...node, inputs: node.inputs.filter((_, i) => i !== c), rows: node.rows.map((row) => ({ ...row, when: row.when.filter((_, i) => i !== c) })) })
  const addRow = () =>
    onChange({ ...node, rows: [...node.rows, { id: `${node.id}-${node.rows.length + 1}`, when: node.inputs.map(() => '-'), action: 'review', reason: { code: '', zh: '', en: '' } }] })
  const removeRow = (r: number) => onChange({ ...node, rows: node.rows.filter((_, i) => i !== r) })

  const shown = [`${path}/hitPolicy`, ...node.inputs.map((_, c) => `${path}/inputs/${c}`), ...node.rows.map((_, r) => `${path}/rows/${r}`)]
  return (
    <Space orientation="vertical" style={{ width: '100%' }} data-testid={`decision-table-${node.id}`}>
      <NodeProblems errors={errors} path={path} node={node.id} shown={shown} />
      <Space wrap>
        <Typography.Text>{t('flowEditor.hitPolicy')}</Typography.Text>
        <Select
          aria-label={t('flowEditor.hitPolicyOf', { node: node.id })}
          value={node.hitPolicy}
          disabled={!editable}
          style={{ width: 240 }}
          onChange={(hitPolicy) => onChange({ ...node, hitPolicy })}
          options={hitPolicies.map((p) => ({ value: p, label: t(`flowEditor.hitPolicies.${p}`) }))}
        />
        <FieldError errors={errors} at={`${path}/hitPolicy`} />
      </Space>
      <Table<Row>
        rowKey={(_, r) => String(r)}
        size="small"
        pagination={false}
        scroll={{ x: 'max-content' }}
        dataSource={node.rows}
        aria-label={`${t('flowEditor.decisionTable')} ${node.id}`}
        columns={[
          {
            title: t('flowEditor.rowId'),
            key: 'id',
            width: 170,
            render: (_, row, r) => (
              <>
                <Input
                  aria-label={t('flowEditor.rowIdOf', { n: r + 1, node: node.id })}
                  value={row.id ?? ''}
                  placeholder={`${node.id}#${r + 1}`}
                  readOnly={!editable}
                  status={hasError(errors, `${path}/rows/${r}/id`) ? 'error' : undefined}
                  className="mono"
                  onChange={(e) => setRow(r, { id: e.target.value === '' ? undefined : e.target.value })}
                />
                <FieldError errors={errors} at={`${path}/rows/${r}/id`} />
                {/* an error of the whole row (a cell too few or too many) */}
                <FieldError errors={errors} at={`${path}/rows/${r}/when`} exact />
              </>
            ),
          },
          ...node.inputs.map((input, c) => ({
            key: `column-${c}`,
            title: (
              <Space orientation="vertical" size={2}>
                <Space size={4}>
                  <Typography.Text type="secondary">{t('flowEditor.column', { n: c + 1 })}</Typography.Text>
                  {editable && node.inputs.length > 1 && (
                    <Button size="small" type="text" icon={<DeleteOutlined />} aria-label={t('flowEditor.removeColumn', { n: c + 1, node: node.id })} onClick={() => removeColumn(c)} />
                  )}
                </Space>
                <Input
                  aria-label={t('flowEditor.columnOf', { n: c + 1, node: node.id })}
                  value={input.expression}
                  readOnly={!editable}
                  status={hasError(errors, `${path}/inputs/${c}`) ? 'error' : undefined}
                  className="mono"
                  style={{ minWidth: 220 }}
                  onChange={(e) => onChange({ ...node, inputs: node.inputs.map((x, i) => (i === c ? { ...x, expression: e.target.value } : x)) })}
                />
                <FieldError errors={errors} at={`${path}/inputs/${c}`} />
              </Space>
            ),
            render: (_: unknown, row: Row, r: number) => {
              const at = `${path}/rows/${r}/when/${c}`
              return (
                <>
                  <Input
                    aria-label={t('flowEditor.cellOf', { row: rowName(row, r), column: c + 1, node: node.id })}
                    value={String(row.when[c] ?? '')}
                    readOnly={!editable}
                    status={hasError(errors, at) ? 'error' : undefined}
                    className="mono"
                    onChange={(e) => setCell(r, c, e.target.value)}
                  />
                  <FieldError errors={errors} at={at} />
                </>
              )
            },
          })),
          {
            title: t('flowEditor.action'),
            key: 'action',
            width: 140,
            render: (_, row, r) => (
              <>
                <ActionSelect value={row.action} item={rowName(row, r)} editable={editable} onChange={(action) => setRow(r, { action })} />
                <FieldError errors={errors} at={`${path}/rows/${r}/action`} />
              </>
            ),
          },
          {
            title: t('flowEditor.reason'),
            key: 'reason',
            render: (_, row, r) => (
              <ReasonInputs value={row.reason} item={rowName(row, r)} editable={editable} errors={errors} at={`${path}/rows/${r}/reason`} onChange={(reason) => setRow(r, { reason })} />
            ),
          },
          ...(editable
            ? [
                {
                  key: 'remove',
                  width: 48,
                  render: (_: unknown, row: Row, r: number) => (
                    <Button type="text" danger icon={<DeleteOutlined />} aria-label={t('flowEditor.removeRowOf', { item: rowName(row, r) })} disabled={node.rows.length <= 1} onClick={() => removeRow(r)} />
                  ),
                },
              ]
            : []),
        ]}
      />
      <Typography.Text type="secondary">{t('flowEditor.cellHelp')}</Typography.Text>
      {editable && (
        <Space>
          <Button icon={<PlusOutlined />} onClick={addRow}>
            {t('flowEditor.addRow')}
          </Button>
          <Button icon={<PlusOutlined />} onClick={addColumn}>
            {t('flowEditor.addColumn')}
          </Button>
        </Space>
      )}
    </Space>
  )
}
