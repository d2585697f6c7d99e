import { DeleteOutlined, PlusOutlined } from '@ant-design/icons'
import { Button, Input, Select, Space, Table, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import type { ScoreBandsNode } from '../api/types.ts'
import { ActionSelect, cellValue, FieldError, hasError, NodeProblems, type PointerErrors, ReasonInputs } from './flow-node-parts.tsx'

type Band = ScoreBandsNode['bands'][number]

/**
 * Score bands (分数段, a `modelThreshold` node): the score they read, one of
 * the strategy's models, and the bands in the order they are tried, each a
 * range written as a decision-table cell, an action and a reason.
 */
export function ScoreBandsEditor({ node, path, scores, editable, errors, onChange }: { node: ScoreBandsNode; path: string; scores: string[]; editable: boolean; errors: PointerErrors; onChange: (next: ScoreBandsNode) => void }) {
  const { t } = useTranslation()
  const bandName = (band: Band, b: number) => band.id ?? `${node.id}#${b + 1}`
  const setBand = (b: number, change: Partial<Band>) => onChange({ ...node, bands: node.bands.map((band, i) => (i === b ? { ...band, ...change } : band)) })
  const addBand = () => onChange({ ...node, bands: [...node.bands, { id: `${node.id}-${node.bands.length + 1}`, when: '', action: 'review', reason: { code: '', zh: '', en: '' } }] })
  const shown = [`${path}/score`, ...node.bands.map((_, b) => `${path}/bands/${b}`)]
  return (
    <Space orientation="vertical" style={{ width: '100%' }} data-testid={`score-bands-${node.id}`}>
      <NodeProblems errors={errors} path={path} node={node.id} shown={shown} />
      <Space wrap>
        <Typography.Text>{t('flowEditor.score')}</Typography.Text>
        <Select
          aria-label={t('flowEditor.scoreOf', { node: node.id })}
          value={node.score}
          disabled={!editable}
          status={hasError(errors, `${path}/score`) ? 'error' : undefined}
          style={{ width: 200 }}
          onChange={(score) => onChange({ ...node, score })}
          options={[...new Set([...scores, node.score])].map((s) => ({ value: s, label: `scores.${s}` }))}
        />
        <FieldError errors={errors} at={`${path}/score`} />
      </Space>
      <Table<Band>
        rowKey={(_, b) => String(b)}
        size="small"
        pagination={false}
        dataSource={node.bands}
        aria-label={`${t('flowEditor.scoreBands')} ${node.id}`}
        columns={[
          {
            title: t('flowEditor.bandId'),
            key: 'id',
            width: 170,
            render: (_, band, b) => (
              <>
                <Input
                  aria-label={t('flowEditor.bandIdOf', { n: b + 1, node: node.id })}
                  value={band.id ?? ''}
                  placeholder={`${node.id}#${b + 1}`}
                  readOnly={!editable}
                  className="mono"
                  onChange={(e) => setBand(b, { id: e.target.value === '' ? undefined : e.target.value })}
                />
                <FieldError errors={errors} at={`${path}/bands/${b}/id`} />
              </>
            ),
          },
          {
            title: t('flowEditor.bandWhen'),
            key: 'when',
            width: 200,
            render: (_, band, b) => (
              <>
                <Input
                  aria-label={t('flowEditor.bandWhenOf', { n: b + 1, node: node.id })}
                  value={String(band.when)}
                  readOnly={!editable}
                  status={hasError(errors, `${path}/bands/${b}/when`) ? 'error' : undefined}
                  className="mono"
                  onChange={(e) => setBand(b, { when: cellValue(e.target.value, band.when) as string | number })}
                />
                <FieldError errors={errors} at={`${path}/bands/${b}/when`} />
              </>
            ),
          },
          {
            title: t('flowEditor.action'),
            key: 'action',
            width: 140,
            render: (_, band, b) => (
              <>
                <ActionSelect value={band.action} item={bandName(band, b)} editable={editable} onChange={(action) => setBand(b, { action })} />
                <FieldError errors={errors} at={`${path}/bands/${b}/action`} />
              </>
            ),
          },
          {
            title: t('flowEditor.reason'),
            key: 'reason',
            render: (_, band, b) => (
              <ReasonInputs value={band.reason} item={bandName(band, b)} editable={editable} errors={errors} at={`${path}/bands/${b}/reason`} onChange={(reason) => setBand(b, { reason })} />
            ),
          },
          ...(editable
            ? [
                {
                  key: 'remove',
                  width: 48,
                  render: (_: unknown, band: Band, b: number) => (
                    <Button
                      type="text"
                      danger
                      icon={<DeleteOutlined />}
                      aria-label={t('flowEditor.removeRowOf', { item: bandName(band, b) })}
                      disabled={node.bands.length <= 1}
                      onClick={() => onChange({ ...node, bands: node.bands.filter((_, i) => i !== b) })}
                    />
                  ),
                },
              ]
            : []),
        ]}
      />
      <Typography.Text type="secondary">{t('flowEditor.cellHelp')}</Typography.Text>
      {editable && (
        <Button icon={<PlusOutlined />} onClick={addBand}>
          {t('flowEditor.addBand')}
        </Button>
      )}
    </Space>
  )
}
