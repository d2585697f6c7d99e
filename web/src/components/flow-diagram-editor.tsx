import { DeleteOutlined, PlusOutlined } from '@ant-design/icons'
import { Alert, Button, Divider, Drawer, Input, Popconfirm, Select, Space, Spin, Tag, Typography } from 'antd'
import { lazy, Suspense, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { DecisionTableNode, ScoreBandsNode, StrategyDocument, TrafficSplitNode } from '../api/types.ts'
import { DecisionTableEditor } from './decision-table-editor.tsx'
import { kindLooks } from './flow-node-looks.tsx'
import { FieldError, hasError, NodeProblems, type PointerErrors } from './flow-node-parts.tsx'
import {
  endOfFlow,
  errorsFollowingNodes,
  type FlowNode,
  isRuleLike,
  minimalNode,
  type NodeKind,
  nodeIdProblem,
  nodeKinds,
  nodesBase,
  nodesOf,
  referencesTo,
  targetsOf,
  withEdgeTarget,
  withNewNode,
  withNode,
  withoutNode,
  withTargets,
} from './flow-structure.ts'
import { OutputNodeEditor } from './output-node-editor.tsx'
import { RuleEditor } from './rule-editor.tsx'
import { ScoreBandsEditor } from './score-bands-editor.tsx'
import { TrafficSplitEditor } from './traffic-split-editor.tsx'

const below = '__below__'
// the drawing library is loaded with the first diagram, as cytoscape is with the first graph
const FlowDiagram = lazy(() => import('./flow-diagram.tsx'))

/**
 * The flow of a version as a diagram, with each node's form in a drawer.
 * In a draft the analyst may edit, nodes are added (of a kind, with a body
 * the server accepts), removed, and wired — by dragging an edge, or from
 * the keyboard with the labelled selects in the node's drawer. Saving is the
 * version page's; the server's errors show on the node they point at.
 * With `path` (a decision's), the nodes it went through are highlighted.
 */
export function FlowDiagramEditor({ document, editable, errors: saved = {}, path, onChange }: { document: StrategyDocument; editable: boolean; errors?: PointerErrors; path?: string[]; onChange?: (next: StrategyDocument) => void }) {
  const { t } = useTranslation()
  const [open, setOpen] = useState<number | null>(null)
  const nodes = nodesOf(document)
  // the nodes as they were when the server answered, so its errors stay on their nodes as nodes are added or removed
  const answered = useRef({ errors: saved, ids: nodes.map((n) => n.id) })
  if (answered.current.errors !== saved) answered.current = { errors: saved, ids: nodes.map((n) => n.id) }
  const errors = errorsFollowingNodes(saved, answered.current.ids, nodes.map((n) => n.id), nodesBase(document))
  const change = editable && onChange ? onChange : undefined
  const node = open === null ? undefined : nodes[open]
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      {change && <AddNode document={document} onAdd={(next, index) => { change(next); setOpen(index) }} />}
      <Typography.Text type="secondary">{editable ? t('flowDiagram.howToEdit') : t('flowDiagram.howToRead')}</Typography.Text>
      <Suspense fallback={<Spin />}>
        <FlowDiagram document={document} errors={errors} path={path} editable={change !== undefined} onOpen={setOpen} onRetarget={change && ((edge, to) => change(withEdgeTarget(document, edge, to)))} />
      </Suspense>
      <Legend />
      <Drawer
        open={node !== undefined}
        onClose={() => setOpen(null)}
        size={820}
        title={
          node && (
            <Space>
              {kindLooks[node.type]?.icon}
              {node.type in kindLooks ? t(`flowDiagram.kind.${node.type}`) : node.type}
              <Tag className="mono">{node.id}</Tag>
            </Space>
          )
        }
        extra={
          node &&
          change && (
            <DeleteNode
              document={document}
              index={open!}
              onDelete={(next) => {
                setOpen(null)
                change(next)
              }}
            />
          )
        }
      >
        {node && <NodeDrawerBody document={document} index={open!} editable={change !== undefined} errors={errors} onChange={change ?? (() => {})} />}
      </Drawer>
    </Space>
  )
}

function Legend() {
  const { t } = useTranslation()
  return (
    <Space wrap size="small" aria-label={t('flowDiagram.legend')}>
      {nodeKinds.map((kind) => (
        <Tag key={kind} icon={kindLooks[kind].icon} color={kindLooks[kind].color}>
          {t(`flowDiagram.kind.${kind}`)}
        </Tag>
      ))}
      <Typography.Text type="secondary">{t('flowDiagram.legendEdges')}</Typography.Text>
    </Space>
  )
}

/** A new node: its kind and id; it is added at the end of the flow, unconnected, and its drawer opens. */
function AddNode({ document, onAdd }: { document: StrategyDocument; onAdd: (next: StrategyDocument, index: number) => void }) {
  const { t } = useTranslation()
  const [kind, setKind] = useState<NodeKind>('ruleSet')
  const [id, setId] = useState('')
  const [tried, setTried] = useState(false)
  const nodes = nodesOf(document)
  const problem = nodeIdProblem(nodes, id)
  const add = () => {
    setTried(true)
    if (problem) return
    const scores = (document.models ?? []).map((m) => m.name)
    onAdd(withNewNode(document, minimalNode(kind, id, scores)), nodes.length)
    setId('')
    setTried(false)
  }
  return (
    <Space wrap align="start">
      <Select<NodeKind>
        aria-label={t('flowDiagram.newKind')}
        value={kind}
        style={{ width: 200 }}
        onChange={setKind}
        options={nodeKinds.map((k) => ({ value: k, label: t(`flowDiagram.kind.${k}`) }))}
      />
      <Space orientation="vertical" size={2}>
        <Input
          aria-label={t('flowDiagram.newId')}
          placeholder={t('flowDiagram.newIdPlaceholder')}
          className="mono"
          value={id}
          status={tried && problem ? 'error' : undefined}
          style={{ width: 220 }}
          onChange={(e) => setId(e.target.value.trim())}
          onPressEnter={add}
        />
        {tried && problem && (
          <Typography.Text type="danger" role="alert">
            {t(`flowDiagram.idProblem.${problem}`)}
          </Typography.Text>
        )}
      </Space>
      <Button icon={<PlusOutlined />} onClick={add}>
        {t('flowDiagram.addNode')}
      </Button>
    </Space>
  )
}

/** Removes a node, after saying which nodes lead to it: their targets then name a missing node until pointed elsewhere. */
function DeleteNode({ document, index, onDelete }: { document: StrategyDocument; index: number; onDelete: (next: StrategyDocument) => void }) {
  const { t } = useTranslation()
  const nodes = nodesOf(document)
  const id = nodes[index]!.id
  const from = referencesTo(nodes, id)
    .filter((e) => e.from !== index)
    .map((e) => `${nodes[e.from]!.id} (${e.kind === 'branch' ? t('flowDiagram.edge.branch', { n: (e.branch ?? 0) + 1, share: e.share ?? '?' }) : t(`flowDiagram.edge.${e.kind}`)})`)
  return (
    <Popconfirm
      title={t('flowDiagram.deleteTitle', { node: id })}
      description={<div style={{ maxWidth: 360 }}>{from.length > 0 ? t('flowDiagram.deleteReferenced', { from: from.join(', ') }) : t('flowDiagram.deleteUnreferenced')}</div>}
      okText={t('flowDiagram.delete')}
      cancelText={t('common.cancel')}
      okButtonProps={{ danger: true }}
      onConfirm={() => onDelete(withoutNode(document, index))}
    >
      <Button danger icon={<DeleteOutlined />}>
        {t('flowDiagram.deleteNode', { node: id })}
      </Button>
    </Popconfirm>
  )
}

/** Where a rule-like node goes on a hit and on no hit: a node, the end, or (unwritten) the node below. */
function TargetSelects({ document, index, editable, errors, onChange }: { document: StrategyDocument; index: number; editable: boolean; errors: PointerErrors; onChange: (next: StrategyDocument) => void }) {
  const { t } = useTranslation()
  const nodes = nodesOf(document)
  const node = nodes[index]!
  const at = `${nodesBase(document)}/${index}`
  const { hit, miss } = targetsOf(node)
  const belowName = nodes[index + 1]?.id
  const ids = new Set(nodes.map((n) => n.id))
  const options = (value: string | undefined) => [
    { value: below, label: belowName ? t('flowDiagram.belowNode', { node: belowName }) : t('flowDiagram.belowEnd') },
    ...nodes.filter((_, i) => i !== index).map((n) => ({ value: n.id, label: n.id })),
    { value: endOfFlow, label: t('flowEditor.endOfFlow') },
    // a target that names no node stays shown, marked, until it is changed
    ...(value !== undefined && value !== endOfFlow && !ids.has(value) ? [{ value, label: t('flowDiagram.missingNode', { node: value }) }] : []),
  ]
  const select = (which: 'hit' | 'miss', value: string | undefined) => {
    const pointer = typeof node.next === 'object' ? `${at}/next/${which}` : `${at}/next`
    return (
      <Space orientation="vertical" size={2}>
        <Typography.Text>{t(which === 'hit' ? 'flowDiagram.onHit' : 'flowDiagram.onMiss')}</Typography.Text>
        <Select<string>
          aria-label={t(which === 'hit' ? 'flowDiagram.onHitOf' : 'flowDiagram.onMissOf', { node: node.id })}
          value={value ?? below}
          disabled={!editable}
          // typing a node's id (or end) picks it: the keyboard path
          showSearch={{ filterOption: (input, option) => `${option?.value} ${option?.label}`.toLowerCase().includes(input.toLowerCase()) }}
          status={hasError(errors, pointer) ? 'error' : undefined}
          style={{ width: 260 }}
          onChange={(v) => {
            const to = v === below ? undefined : v
            onChange(withTargets(document, index, which === 'hit' ? to : hit, which === 'miss' ? to : miss))
          }}
          options={options(value)}
        />
        {typeof node.next === 'object' && <FieldError errors={errors} at={pointer} />}
      </Space>
    )
  }
  return (
    <Space wrap align="start" data-testid={`targets-${node.id}`}>
      {select('hit', hit)}
      {select('miss', miss)}
      {typeof node.next !== 'object' && <FieldError errors={errors} at={`${at}/next`} />}
    </Space>
  )
}

/** A node's drawer: where it goes, and its contents in the form of its kind. */
function NodeDrawerBody({ document, index, editable, errors, onChange }: { document: StrategyDocument; index: number; editable: boolean; errors: PointerErrors; onChange: (next: StrategyDocument) => void }) {
  const { t } = useTranslation()
  const nodes = nodesOf(document)
  const node = nodes[index]!
  const at = `${nodesBase(document)}/${index}`
  const ids = nodes.map((n) => n.id)
  const scores = (document.models ?? []).map((m) => m.name)
  const set = (next: FlowNode | DecisionTableNode | ScoreBandsNode | TrafficSplitNode) => onChange(withNode(document, index, next as FlowNode))
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }} data-testid={`drawer-${node.id}`}>
      {index === 0 && <Alert type="info" showIcon title={t('flowDiagram.isStart')} />}
      {isRuleLike(node) && (
        <>
          <Typography.Title level={5}>{t('flowDiagram.goesTo')}</Typography.Title>
          <TargetSelects document={document} index={index} editable={editable} errors={errors} onChange={onChange} />
          <Divider style={{ margin: '4px 0' }} />
        </>
      )}
      {node.type === 'ruleSet' && (
        <>
          <NodeProblems errors={errors} path={at} node={node.id} shown={[`${at}/next`, ...((node.rules as unknown[] | undefined) ?? []).map((_, j) => `${at}/rules/${j}/when`)]} />
          <RuleEditor document={document} within={at} editable={editable} errors={errors} onChange={onChange} />
        </>
      )}
      {node.type === 'decisionTable' && <DecisionTableEditor node={node as unknown as DecisionTableNode} path={at} editable={editable} errors={errors} onChange={set} />}
      {node.type === 'modelThreshold' && <ScoreBandsEditor node={node as unknown as ScoreBandsNode} path={at} scores={scores} editable={editable} errors={errors} onChange={set} />}
      {node.type === 'split' && <TrafficSplitEditor node={node as unknown as TrafficSplitNode} path={at} targets={ids} editable={editable} errors={errors} onChange={set} />}
      {node.type === 'output' && <OutputNodeEditor node={node} path={at} editable={editable} errors={errors} onChange={set} />}
    </Space>
  )
}
