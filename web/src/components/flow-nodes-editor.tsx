import { Card, Space, Tag, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import type { DecisionTableNode, ScoreBandsNode, StrategyDocument, TrafficSplitNode } from '../api/types.ts'
import { DecisionTableEditor } from './decision-table-editor.tsx'
import type { PointerErrors } from './flow-node-parts.tsx'
import { ScoreBandsEditor } from './score-bands-editor.tsx'
import { TrafficSplitEditor } from './traffic-split-editor.tsx'

type EditedNode = DecisionTableNode | ScoreBandsNode | TrafficSplitNode
const edited = new Set(['decisionTable', 'modelThreshold', 'split'])

/** A copy of the document with the flow's node at `index` replaced. */
export function withFlowNode(document: StrategyDocument, index: number, node: EditedNode): StrategyDocument {
  const flow = [...((document.flow as unknown[]) ?? [])]
  flow[index] = node
  return { ...document, flow }
}

/**
 * The flow's decision tables, score bands and traffic splits, each in its
 * form editor (rules have theirs in `rule-editor.tsx`); the rest of the
 * document is edited as JSON.
 */
export function FlowNodesEditor({ document, editable, errors, onChange }: { document: StrategyDocument; editable: boolean; errors: PointerErrors; onChange: (next: StrategyDocument) => void }) {
  const { t } = useTranslation()
  const flow = Array.isArray(document.flow) ? (document.flow as { id?: string; type?: string }[]) : []
  const nodeIds = flow.map((n) => n.id).filter((id): id is string => typeof id === 'string')
  const scores = (document.models ?? []).map((m) => m.name)
  const nodes = flow.map((node, index) => ({ node, index })).filter(({ node }) => typeof node.type === 'string' && edited.has(node.type))
  if (nodes.length === 0) return <Typography.Text type="secondary">{t('flowEditor.none')}</Typography.Text>
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      {nodes.map(({ node, index }) => {
        const path = `/flow/${index}`
        const change = (next: EditedNode) => onChange(withFlowNode(document, index, next))
        const title = t(node.type === 'decisionTable' ? 'flowEditor.decisionTable' : node.type === 'modelThreshold' ? 'flowEditor.scoreBands' : 'flowEditor.split')
        return (
          <Card
            key={path}
            size="small"
            title={
              <Space>
                {title}
                <Tag className="mono">{node.id}</Tag>
              </Space>
            }
          >
            {node.type === 'decisionTable' && <DecisionTableEditor node={node as DecisionTableNode} path={path} editable={editable} errors={errors} onChange={change} />}
            {node.type === 'modelThreshold' && <ScoreBandsEditor node={node as ScoreBandsNode} path={path} scores={scores} editable={editable} errors={errors} onChange={change} />}
            {node.type === 'split' && <TrafficSplitEditor node={node as TrafficSplitNode} path={path} targets={nodeIds} editable={editable} errors={errors} onChange={change} />}
          </Card>
        )
      })}
    </Space>
  )
}
