import { Checkbox, Input, Select, Space, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { type Action, actions, type NodeReason } from '../api/types.ts'
import { FieldError, hasError, NodeProblems, type PointerErrors, ReasonInputs } from './flow-node-parts.tsx'
import type { FlowNode } from './flow-structure.ts'

type OutputNode = FlowNode & { action?: Action; reason?: NodeReason; offer?: { limitMinor: string; aprBps: string } }
const keep = 'keep'

/**
 * An output node (输出): the action it sets (or the action so far is kept),
 * an optional reason, and for credit applications an optional offer — the
 * credit limit in minor units and the price in basis points, each a CEL
 * expression (`"2000000"`, `features.x * 100`), made when the action is
 * approve.
 */
export function OutputNodeEditor({ node, path, editable, errors, onChange }: { node: OutputNode; path: string; editable: boolean; errors: PointerErrors; onChange: (next: FlowNode) => void }) {
  const { t } = useTranslation()
  const set = (key: 'action' | 'reason' | 'offer', value: unknown) => {
    const { [key]: _, ...rest } = node
    onChange((value === undefined ? rest : { ...rest, [key]: value }) as FlowNode)
  }
  const offer = node.offer
  const offerField = (key: 'limitMinor' | 'aprBps', label: string) => (
    <Space orientation="vertical" size={2}>
      <Typography.Text>{label}</Typography.Text>
      <Input
        aria-label={t(key === 'limitMinor' ? 'flowDiagram.output.limitOf' : 'flowDiagram.output.aprOf', { node: node.id })}
        className="mono"
        value={offer?.[key] ?? ''}
        readOnly={!editable}
        status={hasError(errors, `${path}/offer/${key}`) ? 'error' : undefined}
        style={{ width: 260 }}
        onChange={(e) => set('offer', { ...(offer ?? { limitMinor: '', aprBps: '' }), [key]: e.target.value })}
      />
      <FieldError errors={errors} at={`${path}/offer/${key}`} />
    </Space>
  )
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }} data-testid={`output-${node.id}`}>
      <NodeProblems errors={errors} path={path} node={node.id} shown={[`${path}/action`, `${path}/reason`, `${path}/offer/limitMinor`, `${path}/offer/aprBps`]} />
      <Space orientation="vertical" size={2}>
        <Typography.Text>{t('flowDiagram.output.action')}</Typography.Text>
        <Select<string>
          aria-label={t('flowDiagram.output.actionOf', { node: node.id })}
          value={node.action ?? keep}
          disabled={!editable}
          style={{ width: 220 }}
          onChange={(action) => set('action', action === keep ? undefined : action)}
          options={[{ value: keep, label: t('flowDiagram.keepsAction') }, ...actions.map((a) => ({ value: a, label: t(`action.${a}`) }))]}
        />
        <FieldError errors={errors} at={`${path}/action`} />
      </Space>
      <Space orientation="vertical" size={2}>
        <Checkbox checked={node.reason !== undefined} disabled={!editable} onChange={(e) => set('reason', e.target.checked ? { code: '', zh: '', en: '' } : undefined)}>
          {t('flowDiagram.output.givesReason')}
        </Checkbox>
        {node.reason && <ReasonInputs value={node.reason} item={node.id} editable={editable} errors={errors} at={`${path}/reason`} onChange={(reason) => set('reason', reason)} />}
      </Space>
      <Space orientation="vertical" size={2}>
        <Checkbox checked={offer !== undefined} disabled={!editable} onChange={(e) => set('offer', e.target.checked ? { limitMinor: '', aprBps: '' } : undefined)}>
          {t('flowDiagram.output.makesOffer')}
        </Checkbox>
        {offer && (
          <Space wrap align="start">
            {offerField('limitMinor', t('flowDiagram.output.limit'))}
            {offerField('aprBps', t('flowDiagram.output.apr'))}
          </Space>
        )}
        <Typography.Text type="secondary">{t('flowDiagram.output.offerHelp')}</Typography.Text>
      </Space>
    </Space>
  )
}
